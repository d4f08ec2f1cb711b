"""Evaluate identities on the decided columns → checks (pass / fail / rounding / not_checked).

An inequality (`ge`) holds when the left side is at least the right side. A difference within the rounding envelope of the printed precision ((n+1) × half a unit
of the last printed digit, n summands) is graded `rounding`, beyond it `fail`.
"""

from __future__ import annotations

from decimal import Decimal

from ..schemas.intermediate import Assignment, Cells, Check, Identity, Row


def evaluate(identities: list[Identity], rows: list[Row],
             assignments: dict[int, Assignment]) -> list[Check]:
    """Given identities, rows and their assignments, return one check per identity."""
    checks = []
    cells = Cells(rows, assignments)
    for idt in identities:
        actual, right = cells.total(idt.left), cells.total(idt.right)
        expected = right + idt.constant
        short = idt.short(actual, right)
        if idt.rounded and short <= idt.slack:
            short = Decimal(0)
        status = "pass" if short <= 0 else "rounding" if short <= idt.tolerance else "fail"
        checks.append(Check(
            rule=idt.rule, status=status, severity=idt.severity, table=idt.table, code=idt.code, column=idt.column,
            page=idt.page, expected=expected, actual=actual, label=idt.label))
    return checks
