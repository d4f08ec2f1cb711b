"""Units: a table's unit word → the exact factor to 元 (万元 → 10000)."""

from __future__ import annotations

from decimal import Decimal

from ..domain import DOMAIN


def factor(unit: str) -> Decimal:
    """Given a unit word (元, 万元 …) of any profile, return its exact factor to 元; KeyError
    when unknown."""
    return DOMAIN.units[unit]

