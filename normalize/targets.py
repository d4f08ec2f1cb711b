"""Indicator targets (指标目标值) → operator, value, unit, kind: a pure leaf module.

`≥99%` → (≥, 99, %, numeric); `不低于95%` → (≥, 95, %, numeric); `=100%` → (=, 100, %);
`≥前五年平均值的110%` → (≥, 110, %, relative); `较上年增长` → (None, None, None, relative);
`健全` → qualitative. A target that only mentions numbers inside a sentence
(`获得市长质量奖组织不超过2家、…`) is qualitative: its numbers are not one target value.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple

from ..domain import PERFORMANCE
from .text import fold

_WORDS = PERFORMANCE.targets
_OPS = sorted(_WORDS.operators, key=lambda o: len(o[0]), reverse=True)
_UNITS = "|".join(re.escape(u) for u in sorted(_WORDS.units, key=len, reverse=True))
# A unit follows the number (`95%`) or is put in brackets after it (`≥13459.00(平方米)`,
# the 2023 填报表 style); any short bracketed word is taken as that unit.
_NUMBER = re.compile(rf"(?P<value>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
                     rf"(?:\((?P<bracketed>[^()\d]{{1,6}})\)|(?P<unit>{_UNITS}))?")


SENTENCE_MIN = 16
"""Characters from which a comma-separated text reads as a target, not a name."""


class Target(NamedTuple):
    op: str | None
    value: Decimal | None
    unit: str | None
    kind: str


def parse_target(text: str) -> Target:
    """Given a printed target, return its operator, value, unit and kind."""
    t = fold(text).replace(" ", "")
    relative = any(w in t for w in _WORDS.relative_words)
    op, rest = None, t
    for word, meaning in _OPS:
        if t.startswith(word):
            op, rest = meaning, t[len(word):]
            break
    m = _NUMBER.search(rest)
    # A number counts as the target value when it opens the target (after the operator),
    # or when a relative target names a number anywhere (≥前五年平均值的110%).
    if m and (m.start() == 0 or (relative and op)):
        value = Decimal(m.group("value").replace(",", ""))
        return Target(op, value, m.group("unit") or m.group("bracketed"), "relative" if relative else "numeric")
    return Target(op, None, None, "relative" if relative else "qualitative")


def looks_like_target(text: str) -> bool:
    """True when a line reads as a target (comparison, number with unit, or a known word)."""
    t = fold(text).replace(" ", "")
    if not t:
        return False
    if t in _WORDS.qualitative or any(t.startswith(w) for w, _ in _OPS):
        return True
    if re.fullmatch(rf"\d+(?:\.\d+)?\s*(?:{_UNITS})?", t):
        return True
    # A sentence with a comma is a target spelled out (`…不超过2人，获得质量金奖的…`):
    # indicator names are short phrases.
    sentence = "," in t and len(t) >= SENTENCE_MIN
    return sentence or t.endswith(("前列", "以上", "以内")) or bool(re.search(r"达到\d", t)) or any(
        w in t for w in _WORDS.relative_words)
