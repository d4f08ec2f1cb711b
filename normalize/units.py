"""Units: a table's unit word → the exact factor to 元 (万元 → 10000)."""

from __future__ import annotations

from decimal import Decimal

from ..domain import DOCUMENT


def factor(unit: str) -> Decimal:
    """Given a unit word (元, 万元 …), return its exact factor to 元; KeyError when unknown."""
    return DOCUMENT.units[unit]

