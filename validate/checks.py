"""Evaluate identities on the decided columns → checks (pass / fail / rounding / not_checked).

An inequality (`ge`) holds when the left side is at least the right side. A difference within the rounding envelope of the printed precision ((n+1) × half a unit
of the last printed digit, n summands) is graded `rounding`, beyond it `fail`.
"""

from __future__ import annotations

from decimal import Decimal

from ..schemas.intermediate import Assignment, Check, Identity, Row, Term


_ZERO = Decimal(0)


class _Cells:
    """The decided cells of a document's rows, each row's looked up once: (row, column) →
    value in 元 (0 for a printed blank or a column the row does not print), as
    `Row.value` gives it."""

    def __init__(self, rows: list[Row], assignments: dict[int, Assignment]):
        self.rows, self.assignments = rows, assignments
        self.by_row: dict[int, dict[str, Decimal]] = {}

    def total(self, terms: tuple[Term, ...]) -> Decimal:
        """Given cells, return the sum of their values."""
        total = _ZERO
        for t in terms:
            cells = self.by_row.get(t.row)
            if cells is None:
                cells = self.by_row[t.row] = {}
                for column, value in zip(self.assignments[t.row], self.rows[t.row].values):
                    cells.setdefault(column, value or _ZERO)
            total += cells.get(t.column, _ZERO)
        return total


def evaluate(identities: list[Identity], rows: list[Row],
             assignments: dict[int, Assignment]) -> list[Check]:
    """Given identities, rows and their assignments, return one check per identity."""
    checks = []
    cells = _Cells(rows, assignments)
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
