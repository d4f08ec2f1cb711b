"""Printed amounts → exact Decimals: a pure leaf module.

Accepted: `1,685,920,000`, `612.35`, `0`, full-width digits and commas (`１２３，４５６`,
folded by NFKC), a leading minus, parentheses for negatives (`(12)`, `（12）`).
A lone dash (`-`, `－`, `—`, `–`) is a printed blank: `parse_amount` returns None.
Anything else raises ValueError: a malformed number is reported, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

BLANKS = frozenset({"-", "--", "—", "–", "－", "——", "/"})

_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBERISH = re.compile(r"^[(\-]?[\d,.]*\d\)?$")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().replace(" ", "")


def is_blank(text: str) -> bool:
    """True when `text` is a printed blank cell (a dash)."""
    return _fold(text) in BLANKS or text.strip() in BLANKS


def looks_numeric(text: str) -> bool:
    """True when `text` is shaped like a number cell (digits, separators, sign, parens) or a blank."""
    t = _fold(text)
    return is_blank(text) or bool(_NUMBERISH.match(t))


def parse_amount(text: str) -> Decimal | None:
    """Given one printed cell, return its exact value, None for a blank; ValueError if malformed."""
    if is_blank(text):
        return None
    t = _fold(text)
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1]
    elif t.startswith("-"):
        negative, t = True, t[1:]
    if not (_PLAIN.fullmatch(t) or _GROUPED.fullmatch(t)):
        raise ValueError(f"not a number: {text!r}")
    value = Decimal(t.replace(",", ""))
    return -value if negative else value


def decimals(text: str) -> int:
    """Given a printed number, return how many decimal places it prints."""
    t = _fold(text).strip("()")
    return len(t.split(".", 1)[1]) if "." in t else 0
