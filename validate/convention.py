"""The document's own number convention: does its prose round its 万元 figures or cut
them off (truncate)?

A figure the prose restates from a table (`prose_vs_table`) is printed to fewer digits
than the cell: 6,964,796 元 reads 696.48万元 rounded, 696.47万元 truncated. Each figure
tells which conventions it fits (table − figure within ±half a unit: rounding; within
[0, one unit): truncation); the convention the figures that tell them apart follow is the
document's. A figure that fits the document's convention is no defect: under truncation
its check passes. The same test reads printed percentages (`fits`).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..schemas.intermediate import Check, Identity, ParseIssue
from .catalogue import issue

ROUND, TRUNCATE = "round", "truncate"
RULE = "prose_vs_table"


def _gap(idt: Identity, check: Check) -> tuple[Decimal, Decimal] | None:
    """(table − figure, one unit of the figure's last printed digit) in 元, or None for a
    check that is not a prose figure evaluated against a printed cell."""
    if check.rule != RULE or check.status == "not_checked" or check.actual is None or check.expected is None:
        return None
    if not idt.rounded or idt.slack <= 0 or check.expected < 0:
        return None
    return check.actual - check.expected, 2 * idt.slack


def fits(gap: Decimal, unit: Decimal) -> set[str]:
    """Given how far the exact value lies above the printed one and a unit of its last
    printed digit, return the conventions the printed value fits."""
    out = set()
    if abs(gap) * 2 <= unit:
        out.add(ROUND)
    if 0 <= gap < unit:
        out.add(TRUNCATE)
    return out


def detect(gaps: list[tuple[Decimal, Decimal]]) -> tuple[str, int, int]:
    """Given (gap, unit) pairs, return the convention and how many figures fit only
    truncation and only rounding. Rounding unless more figures fit only truncation."""
    only_trunc = only_round = 0
    for gap, unit in gaps:
        got = fits(gap, unit)
        only_trunc += got == {TRUNCATE}
        only_round += got == {ROUND}
    return (TRUNCATE if only_trunc > only_round else ROUND), only_trunc, only_round


def _pairs(identities: list[Identity], checks: list[Check]):
    for idt, check in zip(identities, checks):
        gap = _gap(idt, check)
        if gap is not None:
            yield idt, check, gap


def regrade(identities: list[Identity], checks: list[Check]) -> list[Check]:
    """Given the evaluated identities and their checks (`checks[i]` of `identities[i]`,
    more checks may follow), return the checks with every prose figure that fits the
    document's convention passed."""
    pairs = list(_pairs(identities, checks))
    convention, _, _ = detect([gap for _, _, gap in pairs])
    if convention == ROUND:
        return list(checks)
    out = list(checks)
    for i, (idt, check) in enumerate(zip(identities, checks)):
        gap = _gap(idt, check)
        if gap is not None and check.status != "pass" and TRUNCATE in fits(*gap):
            out[i] = replace(check, status="pass")
    return out


def describe(identities: list[Identity], checks: list[Check]) -> list[ParseIssue]:
    """An info finding naming the convention when the document truncates (rounding is
    what every reader assumes)."""
    convention, only_trunc, only_round = detect([gap for _, _, gap in _pairs(identities, checks)])
    if convention == ROUND:
        return []
    return [issue("number_convention", convention="truncates", only=only_trunc, other=only_round,
                  total=sum(1 for _ in _pairs(identities, checks)))]
