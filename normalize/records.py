"""Rows with decided columns → output records (BudgetLine, SummaryLine).

One record per printed non-empty cell: a printed blank (`-`) gives none, a printed 0
gives an amount of 0. The raw cell text and the table's unit travel with every amount.
"""

from __future__ import annotations

from ..domain import Profile
from ..schemas.intermediate import Assignment, Row
from ..schemas.records import BudgetLine, SummaryLine, box_fields


def to_records(doc_id: str, rows: list[Row], assignments: dict[int, Assignment],
               assigned_by: dict[int, str], profile: Profile,
               skip: frozenset[int] = frozenset()) -> tuple[list[BudgetLine], list[SummaryLine]]:
    """Given rows, their assignments and how each was decided, return the output records.

    Rows in `skip` (exact reprints of a row already read) give no records, so a table
    printed twice is not counted twice.
    """
    budget, summary = [], []
    for row in rows:
        if row.id in skip:
            continue
        src = row.source
        spec = profile.tables[row.table]
        shape = spec.shape
        several = (shape == "two_sided" and len(row.columns) > 1) or (shape == "items" and len(spec.columns) > 1)
        for column, token, value in zip(assignments[row.id], src.tokens, row.values):
            if value is None:
                continue
            if shape == "coded":
                budget.append(BudgetLine(
                    doc_id=doc_id, table=row.table, table_title=row.title, page=token.page or src.page,
                    code=src.code, raw_code=src.raw_code, level=src.level, parent_code=src.parent_code, name=src.name,
                    column=column, amount=value, raw=token.raw, source_unit=row.unit,
                    assigned_by=assigned_by[row.id], **box_fields(token.box)))
            else:
                # A single-row table's canonical column names the item, and its sub-column
                # after a slash (决算 三公: `公务接待费/决算数`).
                item, _, sub = ((src.name, "", "") if shape == "two_sided" else (src.item_key, "", "")
                                if shape == "items" else column.partition("/"))
                summary.append(SummaryLine(
                    doc_id=doc_id, table=row.table, page=token.page or src.page, side=src.side, item=item,
                    column=column if several else (sub or None),
                    amount=value, raw=token.raw, source_unit=row.unit, assigned_by=assigned_by[row.id],
                    **box_fields(token.box)))
    return budget, summary
