"""Per-table quality (record kind `tables`), like camelot's parsing report: for every
table a document prints, its unit (printed or assumed), the columns its kind has against
those printed, how each amount cell's column was decided, how its identities came out and
how many rows stayed ambiguous.

A pure function over what the pipeline already made; identities are counted on the table
they are checked for (the left side's table), `not checked` apart from `passed`.
"""

from __future__ import annotations

from collections import Counter

from ..domain import Profile
from ..schemas.intermediate import Check, ParsedDocument, ParseIssue, TableLayout
from ..schemas.records import TableCell, TableQuality

_STATUS = {"pass": "identities_passed", "fail": "identities_failed", "rounding": "identities_rounding",
           "not_checked": "identities_not_checked"}


def _expected(profile: Profile, key: str) -> list[str]:
    spec = profile.tables.get(key)
    if spec is None:
        return []
    if spec.sides:
        return [f"{side}/{c}" for side, s in spec.sides.items() for c in s.columns]
    return list(spec.columns)


def _found(layout: TableLayout | None) -> set[str]:
    if layout is None:
        return set()
    return {f"{side}/{c}" if side else c for side, cols in layout.columns.items() for c in cols}


def table_quality(doc_id: str, parsed: ParsedDocument, layouts: dict[str, TableLayout], profile: Profile,
                  records: list, checks: list[Check], issues: list[ParseIssue],
                  cells: list[TableCell]) -> list[TableQuality]:
    """Given a document's parsed tables, their layouts, its budget and summary records,
    checks, issues and table cells, return one quality record per printed table."""
    index_of: dict[tuple[str | None, str, int], int] = {}
    for c in cells:
        index_of.setdefault((c.table, c.title, c.page), c.table_index)
    by: dict[str, Counter] = {}
    for rec in records:
        by.setdefault(rec.table, Counter())[rec.assigned_by] += 1
    outcome: dict[str, Counter] = {}
    for c in checks:
        if c.table:
            outcome.setdefault(c.table, Counter())[c.status] += 1
    assumed = {i.table for i in issues if i.rule == "unit_assumed"}
    ambiguous = Counter(i.table for i in issues if i.rule == "ambiguous_columns")
    out = []
    for table in (*parsed.tables, *(t for t in parsed.unclassified if t.cells)):
        key = table.key
        layout = layouts.get(key) if key else None
        expected = _expected(profile, key) if key else []
        found = _found(layout)
        first = table.pages[0] if table.pages else None
        position = index_of.get((key, table.title, first))
        done = outcome.get(key, Counter()) if key else Counter()
        assigned = by.get(key, Counter()) if key else Counter()
        out.append(TableQuality(
            doc_id=doc_id, table_index=position, table=key, title=table.title, pages=list(table.pages),
            unit=table.unit, unit_source=("assumed" if key in assumed else "printed") if table.unit else None,
            columns_expected=len(expected), columns_found=len([c for c in expected if c in found]),
            columns_missing=[c for c in expected if c not in found], rows=len(table.rows),
            cells_layout=assigned["layout"], cells_identity=assigned["identity"], cells_position=assigned["position"],
            **{field: done[status] for status, field in _STATUS.items()},
            ambiguous_rows=ambiguous[key] if key else 0))
    return sorted(out, key=lambda q: (q.table_index is None, q.table_index or 0))
