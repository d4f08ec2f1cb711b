"""The accounting identities of a document, as equations over its cells.

Each identity says Σ left = Σ right over (row, column) cells, within the rounding
envelope of the printed precision. The same equations serve twice: normalize uses them
as constraints to decide the column of every number the text prints without its column,
and the checks evaluate them on the decided columns. They are built from data:
- row sums from tables.toml (`total` column, or `sums`)
- hierarchy: 类 = Σ款, 款 = Σ项, 合计 row = Σ类, in every column
- two-sided totals: 总计 = Σ top-level items, an item = Σ its numbered sub-items,
  收入总计 = 支出总计
- cross-table links from identities.toml
Identities whose cells are not in the document become `not_checked` checks, never passes.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from ..domain import DOMAIN, CellRef, IdentitySpec, Profile
from ..normalize.text import compact
from ..schemas.intermediate import Check, Identity, ParseIssue, Row, TableLayout, Term
from . import codes

TOTAL = "total"
TOTAL_WORDS = ("合计", "总计")


def _class_names(name: str, synonyms: tuple[tuple[str, ...], ...]) -> list[str]:
    """A 类 name and its other names over the years (the profile's class_name_synonyms)."""
    name = compact(name)
    for group in synonyms:
        if name in (names := [compact(n) for n in group]):
            return [name] + [n for n in names if n != name]
    return [name]


class Index:
    """Lookups from table, code or item to rows."""

    def __init__(self, rows: list[Row], layouts: dict[str, TableLayout], profile: Profile = DOMAIN.default,
                 fiscal_year: int | None = None):
        self.profile = profile
        self.fiscal_year = fiscal_year
        self.tables = profile.tables
        self.layouts = layouts
        self._precision = {key: layout.precision for key, layout in layouts.items()}
        self.rows = rows
        self.by_code: dict[str, dict[str, Row]] = defaultdict(dict)
        self.total: dict[str, Row] = {}
        self.items: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
        self.classes: dict[str, dict[str, str]] = defaultdict(dict)
        self.issues: list[ParseIssue] = []
        self.duplicates: list[tuple[Row, Row]] = []
        for row in rows:
            src = row.source
            if src.kind == "coded":
                if src.code in self.by_code[row.table]:
                    self.issues.append(ParseIssue(
                        rule="duplicate_code", severity="warning", table=row.table, page=src.page, code=src.code,
                        message=f"{row.table}: code {src.code} printed twice; the second row is not in the sums "
                                f"and must repeat the first (duplicate_row)"))
                    self.duplicates.append((self.by_code[row.table][src.code], row))
                    continue
                self.by_code[row.table][src.code] = row
                if src.level == 1:
                    for name in _class_names(src.name, profile.document.class_name_synonyms):
                        self.classes[row.table].setdefault(name, src.code)
            elif src.kind in ("total", "values"):
                if row.table in self.total and row.values:
                    self.duplicates.append((self.total[row.table], row))
                elif row.table not in self.total:
                    self.total[row.table] = row
            elif src.kind == "item":
                self.items[(row.table, src.side)].setdefault(src.item_key, row)

    def class_codes(self, classification: str = "function") -> dict[str, str]:
        """Given a classification (function | economic), return its 类 names → codes, from
        the 类 rows of the document's tables of that classification only: 其他支出 is 229
        in the 功能分类 and 399 in the 经济分类, and an item of one is never read as the other."""
        return {name: code for table, names in self.classes.items()
                if (spec := self.tables.get(table)) is not None and spec.classification == classification
                for name, code in names.items()}

    def precision(self, *tables: str) -> Decimal:
        """The coarsest printed precision of the tables (in 元; 1 when none is printed),
        each table's computed once: every identity asks for it."""
        return max((self._precision[t] for t in tables if t in self._precision), default=Decimal(1))


def _identity(rule: str, table: str, code: str | None, column: str | None, left: list[Term],
              right: list[Term], index: Index, tables: tuple[str, ...], label: str,
              side: str | None = None, page: int | None = None, relation: str = "eq",
              severity: str = "error") -> Identity:
    n = max(len(right), 1)
    tolerance = (n + 1) * index.precision(*tables) / 2
    return Identity(
        rule=rule, relation=relation, severity=severity, table=table, code=code, column=column, side=side,
        page=page, left=tuple(left), right=tuple(right), tolerance=tolerance, label=label)


def row_identities(index: Index) -> list[Identity]:
    """Row sums: in every row, the total column equals the sum of the others."""
    out = []
    for row in index.rows:
        if not row.values:
            continue
        spec = index.tables[row.table]
        for rs in spec.row_sums(row.columns, row.source.side):
            parts = [p for p in rs.parts if p in row.columns]
            if rs.total not in row.columns or not parts:
                continue
            out.append(_identity(
                "row_sum", row.table, row.key if row.key != TOTAL else None, rs.total,
                [Term(row=row.id, column=rs.total)], [Term(row=row.id, column=p) for p in parts],
                index, (row.table,), f"{row.table}[{row.key}]: {rs.total} = {' + '.join(parts)}",
                side=row.source.side, page=row.source.page))
    return out


def hierarchy_identities(index: Index) -> tuple[list[Identity], list[Check]]:
    """类 = Σ款, 款 = Σ项 and 合计 = Σ类 in every column of every coded table."""
    out, checks = [], []
    for table, codes in index.by_code.items():
        layout = index.layouts[table]
        columns = layout.columns[None]
        children: dict[str | None, list[Row]] = defaultdict(list)
        for code, row in codes.items():
            parent = row.source.parent_code
            if parent is not None and parent not in codes:
                index.issues.append(ParseIssue(
                    rule="orphan_row", severity="warning", table=table, page=row.source.page, code=code,
                    message=f"{table}: {code} has no {parent} row above it"))
                continue
            children[parent].append(row)
        for parent, kids in children.items():
            if parent is None and index.tables[table].group_totals:
                continue  # group totals (人员经费合计 …) stand for the 合计 row: group_identities
            if parent is None:
                total = index.total.get(table)
                if total is None:
                    checks.append(Check(rule="column_total", status="not_checked", table=table, code=None,
                                        column=None, label=f"{table}: no 合计 row printed (truncated?)"))
                    continue
                parent_row, rule, code = total, "column_total", None
            else:
                parent_row, rule, code = codes[parent], "hierarchy", parent
            for col in columns:
                out.append(_identity(
                    rule, table, code, col, [Term(row=parent_row.id, column=col)],
                    [Term(row=k.id, column=col) for k in kids], index, (table,),
                    f"{table}[{code or '合计'}].{col} = Σ {', '.join(k.key for k in kids)}",
                    page=parent_row.source.page))
    return out, checks


def group_identities(index: Index) -> tuple[list[Identity], list[Check]]:
    """Group totals of a side-by-side coded table: 人员经费合计 = Σ its 类 rows."""
    out, checks = [], []
    for table, layout in index.layouts.items():
        for group in index.tables[table].group_totals:
            item = index.items.get((table, None), {}).get(group.item)
            if item is None:
                checks.append(Check(rule="group_total", status="not_checked", table=table, code=group.item,
                                    column=None, label=f"{table}: {group.item} not printed"))
                continue
            claimed = {c for g in index.tables[table].group_totals for c in g.classes}
            kids = [row for code, row in index.by_code.get(table, {}).items() if row.source.level == 1
                    and (code in group.classes or ("*" in group.classes and code not in claimed))]
            for col in layout.columns[None]:
                out.append(_identity(
                    "group_total", table, group.item, col, [Term(row=item.id, column=col)],
                    [Term(row=k.id, column=col) for k in kids], index, (table,),
                    f"{table}[{group.item}].{col} = Σ {', '.join(k.key for k in kids) or '(no 类 rows)'}",
                    page=item.source.page))
    return out, checks


def _side_structure(rows: list[Row], words) -> tuple[Row | None, list[Row], list[Row], dict[int, list[Row]]]:
    """One side's items → (subtotal row, its ordinal items, the items after it, sub-items).

    Without a subtotal (budgets) every ordinal item is summed into the side total; with
    one (决算 本年收入合计) the ordinal items sum to it, and the side total is the subtotal
    plus the items printed after it (年初结转和结余 …), whose ordinal items are theirs."""
    subtotal = next((r for r in rows if r.source.item_key in words.subtotals), None)
    top, after, subs, current, seen = [], [], defaultdict(list), None, False
    for r in rows:
        if r is subtotal:
            seen, current = True, None
        elif not seen and r.source.top_level:
            top.append(r)
            current = r
        elif seen and not r.source.top_level:
            after.append(r)
            current = r
        elif current is not None:
            subs[current.id].append(r)
    return subtotal, top, after, subs


def two_sided_identities(index: Index) -> list[Identity]:
    """Side totals, subtotals, sub-items, and 收入总计 = 支出总计 in each two-sided table."""
    out = []
    words = index.profile.two_sided
    for table, layout in index.layouts.items():
        spec = index.tables[table]
        if spec.shape != "two_sided":
            continue
        totals = {}
        side_totals = {name for name, side in words.totals.items()}
        for side in spec.sides:
            rows = [r for r in index.rows if r.table == table and r.source.side == side]
            total_row = next((r for r in rows if r.source.item_key in (f"{side}总计", *words.position_totals)
                              or (r.source.item_key in side_totals and words.totals[r.source.item_key] == side)),
                             None)
            subtotal, top, after, subs = _side_structure([r for r in rows if r is not total_row], words)
            summed = [subtotal, *after] if subtotal is not None else top
            # A side printed in parts (功能分类 | 支出用途): each part sums to the subtotal.
            parts: dict[str | None, list[Row]] = defaultdict(list)
            for r in top:
                parts[r.source.section].append(r)
            if subtotal is None and len(parts) > 1:
                summed = []
            for col in layout.columns[side]:
                for section, members in parts.items() if subtotal is not None else ():
                    out.append(_identity(
                        "summary_total", table, subtotal.key, col, [Term(row=subtotal.id, column=col)],
                        [Term(row=r.id, column=col) for r in members], index, (table,),
                        f"{table} {subtotal.source.name}.{col} = Σ {side} {section or ''} items".replace("  ", " "),
                        side=side, page=subtotal.source.page))
                if total_row is not None and summed:
                    out.append(_identity(
                        "summary_total", table, f"{side}总计", col, [Term(row=total_row.id, column=col)],
                        [Term(row=r.id, column=col) for r in summed], index, (table,),
                        f"{table} {side}总计.{col} = Σ {', '.join(r.source.name for r in summed) if subtotal else side + ' items'}",
                        side=side, page=total_row.source.page))
                for parent_id, kids in subs.items():
                    parent = index.rows[parent_id]
                    out.append(_identity(
                        "summary_subtotal", table, parent.key, col, [Term(row=parent_id, column=col)],
                        [Term(row=k.id, column=col) for k in kids], index, (table,),
                        f"{table} {parent.source.name}.{col} = Σ {', '.join(k.source.name for k in kids)}",
                        side=side, page=parent.source.page))
            if total_row is not None:
                totals[side] = (total_row, spec.sides[side].total or layout.columns[side][0])
        if len(totals) == 2:
            (inc, inc_col), (exp, exp_col) = totals["收入"], totals["支出"]
            out.append(_identity(
                "summary_balance", table, "收入总计", inc_col, [Term(row=inc.id, column=inc_col)],
                [Term(row=exp.id, column=exp_col)], index, (table,),
                f"{table}: 收入总计 = 支出总计", page=inc.source.page))
    return out


class _Missing(Exception):
    """A cell an identity needs is not in the document: the identity is not checked."""


def _resolve(ref: CellRef, index: Index, key: str) -> list[Term]:
    """Given a reference and the row key it stands for now, return its cells.

    A code or item the table does not print contributes nothing (0). An absent table
    (unless optional) or a table without its 合计 row raises _Missing.
    """
    table = ref.table_key
    if table not in index.layouts:
        if ref.optional:
            return []
        raise _Missing(f"table {table} not in the document")
    if ref.column not in index.layouts[table].columns.get(ref.side, ()):
        return []
    if ref.side:
        items = index.items[(table, ref.side)]
        row = next((items[k] for k in key.split("|") if k in items), None)
    elif key == TOTAL:
        row = index.total.get(table)
        if row is None and index.layouts[table].rows == 0:
            return []  # a table printed without any row: its cells are blank
        if row is None:
            raise _Missing(f"{table} prints no 合计 row")
    else:
        row = index.by_code[table].get(key) or index.items.get((table, None), {}).get(key)
    return [Term(row=row.id, column=ref.column)] if row else []


def _keys(spec: IdentitySpec, index: Index) -> list[tuple[str, list[str]]]:
    """Expand `each` / `each_class` into (left key, right keys) pairs."""
    refs = (spec.left, *spec.right)
    if spec.left.row == "each":
        codes: dict[str, None] = {}
        for ref in refs:
            codes.update(dict.fromkeys(index.by_code.get(ref.table_key, {})))
        return [(c, [c] * len(spec.right)) for c in codes]
    if spec.left.row == "each_class":
        # An item names a 类 when some 功能分类 table of the document has a 类 row of that name.
        names = index.class_codes("function")
        items = index.items.get((spec.left.table_key, spec.left.side), {})
        return [(k, [_class_item(r, index, names, k) for r in spec.right]) for k in items if k in names]
    return [(spec.left.row, [r.row for r in spec.right])]


def _class_item(ref: CellRef, index: Index, names: dict[str, str], item: str) -> str:
    """The key an `each_class` reference reads for the 类 the item `item` names: the class
    code in a coded table; in a two-sided table (one summary against another) the item of
    the same class, under this name or another of the class's names (卫生健康支出 |
    医疗卫生与计划生育支出)."""
    if not ref.side:
        return names[item]
    printed = index.items.get((ref.table_key, ref.side), {})
    if item in printed:
        return item
    return next((k for k in printed if names.get(k) == names[item]), item)


def _unprinted_column(spec: IdentitySpec, index: Index) -> str | None:
    """Why an inequality cannot be read at all: its left (all-funds) table is printed
    without the column (a 支出总表 without 基本支出). None when it prints it, or is absent."""
    left = spec.left
    layout = index.layouts.get(left.table_key)
    if spec.relation != "ge" or layout is None or left.column in layout.columns.get(left.side, ()):
        return None
    return f"{left.table_key} prints no {left.column} column"


def _negative(terms: list[Term], index: Index) -> str | None:
    """The first of an inequality's cells that prints a negative amount in some candidate
    assignment of its row, said for a check's label; None when all are ≥ 0. All funds ≥
    one fund holds only for amounts ≥ 0: a 决算 prints a refund as a negative amount, and
    a code's spending in another fund may then take the total below this fund's."""
    for t in terms:
        row = index.rows[t.row]
        for assignment in row.domain:
            if (value := row.value(assignment, t.column)) < 0:
                decimals = index.layouts[row.table].decimals if row.table in index.layouts else 2
                return (f"{row.table}[{row.key}].{t.column} prints a negative amount "
                        f"({value / row.factor:.{decimals}f} {row.unit}: a refund?), so the whole need not "
                        f"be at least its parts")
    return None


def cross_identities(index: Index) -> tuple[list[Identity], list[Check]]:
    """The cross-table identities of identities.toml, expanded over codes and items.

    An inequality (relation "ge": all funds ≥ the fund tables) is not checked, never read
    as 0 ≥ the funds, where its left table does not print the row (a 支出总表 printed to
    款 against a fund table printed to 项) or the column; nor where any of its cells prints
    a negative amount (`_negative`)."""
    out, checks = [], []
    for spec in index.profile.identities:
        if not any(r.table_key in index.layouts for r in (spec.left, *spec.right)):
            continue  # none of its tables is in this document: nothing to say
        if (unprinted := _unprinted_column(spec, index)) is not None:
            label = f"{spec.left.table_key}[{spec.left.row}].{spec.left.column} ≥ " + " + ".join(
                f"{r.table_key}[{r.row}].{r.column}" for r in spec.right)
            checks.append(Check(rule=spec.rule, status="not_checked", table=spec.left.table_key, code=None,
                                column=spec.left.column, label=f"{label}: {unprinted}"))
            continue
        for left_key, right_keys in _keys(spec, index):
            where = f"{spec.left.table_key}[{left_key}].{spec.left.column}"
            label = f"{where} {'≥' if spec.relation == 'ge' else '='} " + " + ".join(
                f"{r.table_key}[{k}].{r.column}" for r, k in zip(spec.right, right_keys))
            try:
                left = _resolve(spec.left, index, left_key)
                rights = [_resolve(r, index, k) for r, k in zip(spec.right, right_keys)]
            except _Missing as missing:
                checks.append(Check(rule=spec.rule, status="not_checked", table=spec.left.table_key,
                                    code=left_key, column=spec.left.column, label=f"{label}: {missing}"))
                continue
            right = [t for r in rights for t in r]
            if not left and not right:
                continue
            if not left and spec.left.side and spec.left.row not in ("each", "each_class"):
                checks.append(Check(rule=spec.rule, status="not_checked", table=spec.left.table_key,
                                    code=left_key, column=spec.left.column,
                                    label=f"{label}: item {left_key} not printed"))
                continue
            try:
                renamed = _by_name(spec, left_key, right_keys, index)
            except _Missing as missing:
                checks.append(Check(rule=spec.rule, status="not_checked", table=spec.left.table_key,
                                    code=left_key, column=spec.left.column, label=f"{label}: {missing}"))
                continue
            if renamed:
                left_key, right_keys, note = renamed
                left = _resolve(spec.left, index, left_key)
                right = [t for r, k in zip(spec.right, right_keys) for t in _resolve(r, index, k)]
                label = f"{label} ({note})"
            if spec.relation == "ge":
                why = (f"{spec.left.table_key} prints no row {left_key}" if not left
                       else _negative([*left, *right], index))
                if why is not None:
                    checks.append(Check(rule=spec.rule, status="not_checked", table=spec.left.table_key,
                                        code=left_key, column=spec.left.column, label=f"{label}: {why}"))
                    continue
            tables = tuple(r.table_key for r in (spec.left, *spec.right))
            code = None if left_key == TOTAL else left_key
            out.append(_identity(spec.rule, spec.left.table_key, code, spec.left.column, left, right,
                                 index, tables, label, side=spec.left.side, relation=spec.relation,
                                 severity=spec.severity))
    return out, checks


def _by_name(spec: IdentitySpec, left_key: str, right_keys: list[str],
             index: Index) -> tuple[str, list[str], str] | None:
    """Codes of an identity's economic cells read by name (validate.codes): when a table
    numbers its sub-items in its own order, the row printed with the classification's name
    for the code stands in for it. Returns the keys renamed with a note, None when every
    code is printed with its own name; raises _Missing when the named row is not printed."""
    if spec.left.row in ("each", "each_class"):
        return None  # code against the same code of another table of the same body: one numbering
    keys = [left_key, *right_keys]
    notes = []
    for i, (ref, key) in enumerate(zip((spec.left, *spec.right), keys)):
        table = ref.table_key
        rows = index.by_code.get(table, {})
        row = rows.get(key)
        if row is None or not codes.applies(index.tables.get(table), index.fiscal_year) or not codes.misnamed(row):
            continue
        found = codes.by_name(rows, key)
        if found is None:
            raise _Missing(f"{table} prints {row.source.raw_code or key} as {row.source.name}, not "
                           f"{min(codes.names_of(key))}: its codes are numbered in its own order, and no row "
                           f"bears that name")
        keys[i] = found
        notes.append(f"{table}[{key}] is printed as {found}")
    return (keys[0], keys[1:], "; ".join(notes)) if notes else None


def duplicate_identities(index: Index) -> list[Identity]:
    """A code printed twice in one table (a page printed twice) must repeat its first row,
    cell for cell; the identity also keeps the copy's columns in step with the first."""
    out = []
    for first, dup in index.duplicates:
        for col in index.layouts[first.table].columns[None]:
            out.append(Identity(rule="duplicate_row", table=first.table, code=first.key, column=col,
                                page=dup.source.page, left=(Term(row=dup.id, column=col),),
                                right=(Term(row=first.id, column=col),), tolerance=Decimal(0),
                                label=f"{first.table}[{first.key}].{col}: page {dup.source.page} repeats "
                                      f"page {first.source.page}"))
    return out


def build(index: Index) -> tuple[list[Identity], list[Check], list[ParseIssue]]:
    """Given the index of a document's rows and table layouts, return its identities, the
    identities that cannot be checked (as `not_checked` checks), and structural issues
    (orphans, duplicates)."""
    hier, hier_checks = hierarchy_identities(index)
    groups, group_checks = group_identities(index)
    cross, cross_checks = cross_identities(index)
    identities = (row_identities(index) + hier + groups + two_sided_identities(index) + item_identities(index)
                  + cross + duplicate_identities(index))
    return identities, hier_checks + group_checks + cross_checks, index.issues


def _item_parents(rows: list[Row], words: tuple[str, ...]) -> dict[int, list[Row]]:
    """An item list's rows → parent row id → the rows it sums.

    A row's parent is the nearest row above it whose label path is a prefix of its own
    (`一、货物A` over `一、货物A/办公设备购置/…`); a group's 小计 (`一般公共预算资金/小计`) is
    the parent of the group's other rows; the list's 合计/总计 row the parent of every row
    without one. `其中` rows are parts shown for information: no one's summand."""
    latest: dict[str, Row] = {}
    subtotal: dict[str, Row] = {}
    parent_of: dict[int, Row | None] = {}
    total = None
    for row in rows:
        parts = row.source.item_key.split("/")
        if len(parts) == 1 and parts[0] in words:
            total = total or row
            continue
        if len(parts) > 1 and parts[-1] in words:
            subtotal["/".join(parts[:-1])] = row
        parent = None
        for n in range(len(parts) - 1, 0, -1):
            if (found := latest.get("/".join(parts[:n]))) is not None:
                parent = found
                break
        parent_of[row.id] = parent
        latest[row.source.item_key] = row
    out: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.id not in parent_of or row.source.name.startswith("其中"):
            continue
        parts = row.source.item_key.split("/")
        group = subtotal.get("/".join(parts[:-1])) if len(parts) > 1 else None
        parent = parent_of[row.id]
        if parent is None and group is not None and group is not row:
            parent = group
        if parent is None and total is not None and row is not total:
            parent = total
        if parent is not None and parent is not row:
            out[parent.id].append(row)
    return out


def item_identities(index: Index) -> list[Identity]:
    """Item lists (收入预算总表, 政府采购): every parent row is the sum of its rows, in
    every column (see `_item_parents`)."""
    out = []
    words = (*TOTAL_WORDS, "小计", "收入总计", "支出总计")
    for table, layout in index.layouts.items():
        if index.tables[table].shape != "items":
            continue
        rows = [r for r in index.rows if r.table == table and r.source.kind == "item"]
        for parent_id, kids in _item_parents(rows, words).items():
            parent = index.rows[parent_id]
            for col in layout.columns[None]:
                out.append(_identity(
                    "item_total", table, parent.key, col, [Term(row=parent.id, column=col)],
                    [Term(row=k.id, column=col) for k in kids], index, (table,),
                    f"{table} {parent.key}.{col} = Σ {', '.join(k.key for k in kids[:6])}"
                    f"{' …' if len(kids) > 6 else ''}", page=parent.source.page))
    return out
