"""Printed amounts → exact Decimals: a pure leaf module.

Accepted: `1,685,920,000`, `612.35`, `0`, full-width digits and commas (`１２３，４５６`),
a leading minus (`-`, `－`, `−`), parentheses for negatives (`(12)`, `（12）`).
A lone dash (`-`, `－`, `—`, `–`) is a printed blank: `parse_amount` returns None.
Anything else raises ValueError: a malformed number is reported, never guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from .text import memo, translator

BLANKS = frozenset({"-", "--", "—", "–", "－", "——", "/"})

_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_NUMBERISH = re.compile(r"^[(\-]?[0-9,.]*[0-9]\)?$")


# Only the full-width forms (U+FF01–FF5E) and the minus signs are folded: a general NFKC
# would also turn superscripts and circled digits into digits (`612.35¹` → 612.351).
_WIDE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDE.update({0x2212: ord("-"), 0x3000: ord(" ")})
_narrow = translator(_WIDE)


def _fold(text: str) -> str:
    return _narrow(text).strip().replace(" ", "")


@memo
def is_blank(text: str) -> bool:
    """True when `text` is a printed blank cell (a dash)."""
    return _fold(text) in BLANKS or text.strip() in BLANKS


@memo
def looks_numeric(text: str) -> bool:
    """True when `text` is shaped like a number cell (digits, separators, sign, parens) or a blank."""
    t = _fold(text)
    return is_blank(text) or bool(_NUMBERISH.match(t))


@memo
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


def half_unit(text: str) -> Decimal:
    """Given a printed number, return half a unit of its last printed digit (`50,868` → 0.5,
    `612.35` → 0.005): how far the rounded figure may be from what it restates."""
    return Decimal(1).scaleb(-decimals(text)) / 2
