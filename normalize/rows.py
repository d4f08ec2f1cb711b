"""Parsed tables → `Row`s ready for column assignment, and each table's `TableLayout`.

Here units are applied (values become 元, exactly) and each row gets its candidate
assignments: every way to place its k printed numbers, in printed order, into the
table's n printed columns, the position-based one (the first k columns) first.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from itertools import combinations

from ..domain import Profile, TableSpec
from ..normalize.numbers import decimals
from ..schemas.arrow import MONEY_PRECISION, MONEY_SCALE, fits
from ..schemas.intermediate import ParsedDocument, ParsedTable, ParseIssue, Row, SourceRow, TableLayout
from .headers import printed_columns
from .units import factor


def candidate_assignments(k: int, columns: tuple[str, ...],
                          orders: tuple[tuple[str, ...], ...] = ()) -> tuple[tuple[str, ...], ...]:
    """Given k printed numbers and the printed columns, return every order-keeping placement.

    `orders` are alternative printed orders of the columns; without them the columns'
    own order is the only one. The first placement is the position-based one.
    """
    out: dict[tuple[str, ...], None] = {}
    for order in orders or (columns,):
        present = [c for c in order if c in columns]
        for combo in combinations(present, k):
            out[combo] = None
    return tuple(out)


def _columns(spec: TableSpec, table: ParsedTable, side: str | None,
             issues: list[ParseIssue]) -> tuple[str, ...]:
    all_cols = spec.sides[side].columns if side else spec.columns
    if spec.shape == "single_row":
        return all_cols
    found = printed_columns(spec, table.header_text, side)
    # Read by cells: the columns are those the printed header names over the amounts.
    named = {t.column for r in table.rows if r.side == side for t in r.tokens if t.column}
    if named:
        return tuple(c for c in all_cols if c in named or c in found)
    widest = max((len(r.tokens) for r in table.rows if r.side == side), default=0)
    # The ruling counts the amount cells of a row; when it counts every canonical column
    # the header text merely failed to name one (a header cell broken mid-word).
    ruled = Counter(t.slot[1] for r in table.rows if r.side == side for t in r.tokens if t.slot)
    if ruled and ruled.most_common(1)[0][0] == len(all_cols) != len(found):
        return all_cols
    if len(found) < widest or not found:
        issues.append(ParseIssue(
            rule="header_incomplete", severity="info", table=table.key, page=table.pages[0],
            message=f"{table.key}{' ' + side if side else ''}: header names {list(found)}; "
                    f"rows print up to {widest} numbers, so all columns {list(all_cols)} are used"))
        return all_cols
    return found


def _in_range(token, f: Decimal, table: str, src: SourceRow, issues: list[ParseIssue]) -> Decimal | None:
    """The token's value in 元, or None (no record, an error issue) when it cannot be stored
    exactly: more than MONEY_SCALE decimals in 元, or too many digits."""
    if token.value is None:
        return None
    value = token.value * f
    if not fits(value):
        issues.append(ParseIssue(
            rule="amount_out_of_range", severity="error", table=table, page=src.page,
            code=src.code or src.item_key,
            message=f"{table} {src.code or src.item_key or src.name}: {token.raw} is {value} 元, which does not fit "
                    f"{MONEY_SCALE} decimals and {MONEY_PRECISION - MONEY_SCALE} digits; the cell is left out"))
        return None
    return value


def _row(i: int, table: ParsedTable, src: SourceRow, columns: tuple[str, ...], spec: TableSpec,
         f, issues: list[ParseIssue]) -> Row:
    tokens = src.tokens
    if len(tokens) > len(columns):
        extra = " ".join(t.raw for t in tokens[len(columns):])
        issues.append(ParseIssue(
            rule="too_many_values", severity="error", table=table.key, page=src.page, code=src.code or src.item_key,
            message=f"{table.key} {src.code or src.item_key or src.name}: {len(tokens)} numbers for "
                    f"{len(columns)} columns; left out: {extra}"))
        tokens = tokens[: len(columns)]
    values = tuple(_in_range(t, f, table.key, src, issues) for t in tokens)
    placed = header_assignment(tokens, columns) or layout_assignments(tokens, columns, spec.orders)
    return Row(id=i, table=table.key, title=table.title, source=src, unit=table.unit or spec.default_unit,
               factor=f, values=values, columns=columns, layout=bool(placed),
               domain=placed or candidate_assignments(len(tokens), columns, spec.orders))


def header_assignment(tokens, columns: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The columns the printed header puts the tokens in (tables read by cells), when
    every token has one, no two share one, and all are among the table's columns."""
    named = [t.column for t in tokens]
    if not named or None in named or len(set(named)) != len(named) or not set(named) <= set(columns):
        return ()
    return (tuple(named),)


def layout_assignments(tokens, columns: tuple[str, ...],
                       orders: tuple[tuple[str, ...], ...] = ()) -> tuple[tuple[str, ...], ...]:
    """The columns the page geometry puts the tokens in: one assignment per printed order
    the table kind allows (`orders`; the identities choose), or none when the geometry
    cannot be trusted: a token without a slot, a group whose cell count is not the
    table's column count (the ruling and the header disagree), or slots out of order."""
    slots = [t.slot for t in tokens]
    if not slots or any(s is None or s[1] != len(columns) for s in slots):
        return ()
    index = [s[0] for s in slots]
    if any(b <= a for a, b in zip(index, index[1:])) or index[-1] >= len(columns):
        return ()
    out: dict[tuple[str, ...], None] = {}
    for order in orders or (columns,):
        printed = [c for c in order if c in columns]
        if len(printed) == len(columns):
            out[tuple(printed[k] for k in index)] = None
    return tuple(out)


def prepare(doc: ParsedDocument, profile: Profile) -> tuple[list[Row], dict[str, TableLayout], list[ParseIssue]]:
    """Given a parsed document and its profile, return its rows, the layout of each
    table, and issues found."""
    rows: list[Row] = []
    layouts: dict[str, TableLayout] = {}
    issues: list[ParseIssue] = []
    for table in doc.tables:
        spec = profile.tables[table.key]
        try:
            f = factor(table.unit or spec.default_unit)
        except KeyError:
            issues.append(ParseIssue(rule="unknown_unit", severity="error", table=table.key,
                                     message=f"{table.key}: unit {table.unit!r} is not known"))
            continue
        sides = tuple(spec.sides) if spec.shape == "two_sided" else (None,)
        columns = {side: _columns(spec, table, side, issues) for side in sides}
        for src in table.rows:
            rows.append(_row(len(rows), table, src, columns[src.side], spec, f, issues))
        places = [decimals(t.raw) for r in table.rows for t in r.tokens if t.value is not None]
        layouts[table.key] = TableLayout(
            key=table.key, title=table.title, pages=table.pages, unit=table.unit or spec.default_unit,
            factor=f, columns=columns, decimals=max(places, default=0),
            rows=sum(r.kind != "total" for r in table.rows),
            empty_note=table.empty_note)
        if table.empty_note and any(t.value for r in table.rows for t in r.tokens):
            issues.append(ParseIssue(
                rule="empty_note_with_rows", severity="warning", table=table.key, page=table.pages[-1],
                message=f"{table.key}: the note says the table is empty, but it prints non-zero amounts"))
    return rows, layouts, issues
