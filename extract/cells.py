"""A table's printed cells, from the page model's words and their ruled-cell boxes.

Two things are read here, both from geometry, never from the order of strings:
- every printed cell of a table (`Cell`), with the header path printed above it: the
  header cells (a cell's text wrapped over lines joined by its box) whose x-range holds
  the cell, from the top (`“三公”经费/公务用车购置及运行维护费/小计`). These become the
  `table_cells` records, for every table, classified or not;
- for profiles read by cells (`Profile.reader == "cells"`), the table's rows by shape:
  coded rows and single rows get each amount's column from its header path
  (`TableSpec.column_of`); two-sided tables pair each amount with the label cell to its
  left in the same ruled row of its part, the side and part (功能分类 | 支出用途) read
  from the label's header path; item lists give each row its label path, merged group
  cells (a vertically merged 一般公共预算资金) covering the rows they label and label
  columns to the left inherited from the rows above (采购品目大类 / 专项名称 / …).
Lines without boxes (raw text) give cells with no box and no header path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..domain import Profile, TableSpec
from ..normalize.numbers import looks_numeric
from ..normalize.text import compact, has_cjk
from ..schemas.intermediate import Page, ParseIssue, SourceRow, Token, Word
from . import rows as row_grammar

EDGE = 1.5
"""Points a cell may stick out of a header cell's x-range and still be under it."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One printed cell of a table: where it is, the header path above it, its text."""

    page: int
    line: int
    row: int | None
    """Data row within the table (counted over its pages), None for header lines."""
    column: int | None
    """Leaf header column, left to right, None where no header cell is above it."""
    header: str
    text: str
    box: tuple[float, float, float, float] | None
    numeric: bool


@dataclass(frozen=True, slots=True)
class _Head:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


def _cell_words(words: tuple[Word, ...]) -> list[Word]:
    """A line's words, those sharing one ruled cell joined (a cell's words are one cell)."""
    out: list[Word] = []
    for w in words:
        if out and w.cell is not None and out[-1].cell == w.cell and not looks_numeric(w.text):
            prev = out[-1]
            out[-1] = prev._replace(text=prev.text + w.text, x1=w.x1)
        else:
            out.append(w)
    return out


def _headers(lines: list[tuple[Word, ...]]) -> list[_Head]:
    """Header lines → header cells: words in one ruled cell box are one cell, its text
    wrapped over lines joined top to bottom (`因公出` + `国（境）费`)."""
    by_box: dict[tuple, list[Word]] = {}
    for words in lines:
        for w in words:
            if w.x0 is None:
                continue
            key = tuple(round(v, 1) for v in w.cell) if w.cell else (w.x0, w.top, w.x1, w.bottom, id(w))
            by_box.setdefault(key, []).append(w)
    heads = []
    for key, ws in by_box.items():
        ws.sort(key=lambda w: (w.top, w.x0))
        box = ws[0].cell or (min(w.x0 for w in ws), min(w.top for w in ws), max(w.x1 for w in ws),
                             max(w.bottom for w in ws))
        heads.append(_Head("".join(w.text for w in ws), *box))
    return sorted(heads, key=lambda h: (h.top, h.x0))


def _repeats(heads: list[_Head], lines) -> bool:
    """True when lines repeat a header: they print some of its cells' texts."""
    texts = {compact(h.text) for h in heads}
    return any(compact(w.text) in texts for _, ws in lines for w in ws)


def _fragment(page: Page, i: int, words: tuple[Word, ...]) -> bool:
    """A line outside the ruling holding only text in ruled cells: a piece of a cell
    whose rules a page edge cut off."""
    return (bool(page.bands) and page.bands[i] is None and all(w.cell is not None for w in words)
            and not any(looks_numeric(w.text) for w in words))


def _same_column(a: Word, b: Word) -> bool:
    """Two words in ruled cells of the same column (same left and right edges)."""
    return (a.cell is not None and b.cell is not None and abs(a.cell[0] - b.cell[0]) <= EDGE
            and abs(a.cell[2] - b.cell[2]) <= EDGE)


def _overlaps(a: Word, b) -> bool:
    return a.x0 is not None and b[0] is not None and a.x0 < b[2] - EDGE and b[0] < a.x1 - EDGE


def _join_fragments(page: Page, lines: list, previous: list[Cell]) -> list:
    """Cells cut by a page edge, joined back (their rules are missing at the edge):
    - unruled pieces just above and below an unruled row, in a column the row prints
      nothing in, are that row's cell (a name wrapped around the row's numbers);
    - unruled pieces opening a continuation page above a ruled row end the cell of the
      table's last row in their column (a cell split by the page break)."""
    out = list(lines)
    for k, (i, words) in enumerate(lines):
        if not _fragment(page, i, words):
            continue
        for j in (k + 1, k - 1):
            if not 0 <= j < len(out) or page.bands[out[j][0]] is not None or not is_data_words(out[j][1]):
                continue
            row_i, row = out[j]
            if any(_overlaps(f, (w.x0, 0, w.x1)) and (not _same_column(w, f) or looks_numeric(w.text))
                   for f in words for w in row):
                continue
            merged = sorted([*row, *words], key=lambda w: w.x0 or 0)
            joined: list[Word] = []
            for w in merged:  # pieces of one cell above and below the row: one word
                if joined and _same_column(w, joined[-1]) and not looks_numeric(w.text):
                    first, second = (joined[-1], w) if joined[-1].top <= w.top else (w, joined[-1])
                    box = (first.cell[0], first.cell[1], first.cell[2], second.cell[3])
                    joined[-1] = first._replace(text=first.text + second.text, x1=max(first.x1, second.x1),
                                                bottom=second.bottom, cell=box)
                else:
                    joined.append(w)
            out[j] = (row_i, tuple(joined))
            out[k] = (i, ())
            break
    if previous:
        last_row = previous[-1].row
        tail = len(previous)
        while tail and previous[tail - 1].row == last_row:
            tail -= 1  # the cells of the table's last row so far
        for k, (i, words) in enumerate(out):
            if not words:
                continue
            if not _fragment(page, i, words):
                break
            targets = [next((n for n in range(tail, len(previous)) if last_row is not None
                             and not previous[n].numeric and previous[n].box and _overlaps(w, previous[n].box)),
                            None) for w in words]
            if None in targets:
                break  # not the rest of the last row's cells: the line stays a line of its own
            for w, n in zip(words, targets):
                c = previous[n]
                previous[n] = Cell(c.page, c.line, c.row, c.column, c.header, c.text + w.text, c.box, c.numeric)
            out[k] = (i, ())
    return [(i, ws) for i, ws in out if ws]


def _path(heads: list[_Head], x: float) -> list[_Head]:
    return [h for h in heads if h.x0 - EDGE <= x <= h.x1 + EDGE]


def _leaves(heads: list[_Head]) -> list[_Head]:
    """Header cells with no header cell under them: the printed columns, left to right."""
    out = [h for h in heads if not any(o is not h and o.top > h.top + EDGE and h.x0 - EDGE <= (o.x0 + o.x1) / 2
                                       <= h.x1 + EDGE for o in heads)]
    return sorted(out, key=lambda h: h.x0)


def _anchor(word: Word, numeric: bool) -> float | None:
    """The x where a cell is looked up in the header: an amount by its middle, a label
    by its left edge (a label cell merged over several columns starts in its own)."""
    box = word.box
    if box is None:
        return None
    return (box[0] + box[2]) / 2 if numeric else box[0] + 2 * EDGE


def is_data_words(words: tuple[Word, ...]) -> bool:
    """True when a line of a table section is a data row, not header: it prints an
    amount, starts with a classification code, or is a 合计 row alone."""
    texts = [w.text for w in words]
    if any(looks_numeric(t) and any(ch.isdigit() for ch in t) for t in texts):
        return True
    return compact("".join(texts)) in row_grammar.TOTAL_WORDS


@dataclass
class TableCells:
    """A table section read into cells (every table) and, by shape, rows."""

    cells: list[Cell]
    header_lines: list[str]


def read_cells(chunks: list[tuple[Page, list[int]]], skip: set[tuple[int, int]]) -> TableCells:
    """Given a table's lines page by page (page, line indices) and the lines that are not
    cells (unit, body lines: (page, index)), return its cells and header lines."""
    cells: list[Cell] = []
    header_lines: list[str] = []
    row = 0
    heads: list[_Head] = []
    for page, indices in chunks:
        lines = [(i, page.words[i] if page.words else tuple(Word(t) for t in page.lines[i].split(" ")))
                 for i in indices if (page.number, i) not in skip]
        lines = _join_fragments(page, lines, cells if heads else [])
        first = next((k for k, (_, ws) in enumerate(lines) if is_data_words(ws)), len(lines))
        if heads and row == 0 and first:
            # The header began at the foot of the page before: this page prints the rest.
            heads = heads + _headers([ws for _, ws in lines[:first]])
            header_lines += [page.lines[i] for i, _ in lines[:first]]
            first = -first
        elif heads and first and not _repeats(heads, lines[:first]):
            first = 0  # a continuation page's first lines are rows (a wrapped name), not a header
        if first > 0:  # a page that repeats the header (or starts the table) gives it anew
            heads = _headers([ws for _, ws in lines[:first]])
            header_lines += [page.lines[i] for i, _ in lines[:first]]
        leaves = _leaves(heads)
        # A ruled column's cells share their box, so their anchor: each is looked up once.
        placed: dict[float, tuple[int | None, str]] = {}
        first = abs(first)
        for k, (i, words) in enumerate(lines):
            data = k >= first
            for w in _cell_words(words):
                numeric = looks_numeric(w.text) and any(ch.isdigit() for ch in w.text)
                x = _anchor(w, numeric)
                if x is None or not data:
                    column, header = None, ""
                elif (known := placed.get(x)) is not None:
                    column, header = known
                else:
                    path = _path(heads, x)
                    column = next((n for n, h in enumerate(leaves) if path and h is path[-1]), None)
                    header = "/".join(h.text for h in path)
                    placed[x] = (column, header)
                cells.append(Cell(page=page.number, line=i, row=row if data else None, column=column,
                                  header=header, text=w.text, box=w.box, numeric=numeric))
            if data:
                row += 1
    return TableCells(cells=cells, header_lines=header_lines)


# ---- Rows by shape, for profiles read by cells.

def _token(cell: Cell, column: str | None, table: str, issues: list[ParseIssue]) -> Token | None:
    tokens = row_grammar.parse_tokens([cell.text], cell.page, table, cell.header or "", issues)
    return tokens[0].model_copy(update={"column": column, "box": cell.box}) if tokens else None


def _column(spec: TableSpec, cell: Cell, side: str | None, table: str, issues: list[ParseIssue],
            unmapped: set[str]) -> str | None:
    column = spec.column_of(cell.header, side)
    if column is None and cell.header not in unmapped:
        unmapped.add(cell.header)
        issues.append(ParseIssue(
            rule="header_unmapped", severity="warning", table=table, page=cell.page,
            message=f"{table}: header {cell.header or '(none)'!r} names no column yusuan knows for this table "
                    f"({', '.join(spec.sides[side].columns if side else spec.columns)}); its cells keep the "
                    f"printed header in table_cells and give no amount record"))
    return column


def coded_rows(spec: TableSpec, table: TableCells, key: str, issues: list[ParseIssue],
               digits: tuple[str, ...]) -> list[SourceRow]:
    """Coded rows: the row grammar reads code and name from the row's text, each amount
    takes the column its header path names."""
    out, unmapped = [], set()
    for (page, line), cells in _by_line(table):
        text = " ".join(c.text for c in cells)
        row = row_grammar.parse_coded(text, page, key, issues, digits)
        if row is None:
            continue
        amounts = [c for c in cells if c.numeric]
        if row.kind == "coded":
            amounts = amounts[len(amounts) - len(row.tokens):] if row.tokens else []
        tokens = [t for c in amounts if (t := _token(c, _column(spec, c, None, key, issues, unmapped), key, issues))]
        out.append(row.model_copy(update={"tokens": tuple(tokens)}))
    return out


def single_row(spec: TableSpec, table: TableCells, key: str, issues: list[ParseIssue]) -> list[SourceRow]:
    """The one row of numbers under a (multi-level) header, each under its path's column."""
    unmapped: set[str] = set()
    amounts = [c for c in table.cells if c.row is not None and c.numeric]
    if not amounts:
        return []
    tokens = [t for c in amounts if (t := _token(c, _column(spec, c, None, key, issues, unmapped), key, issues))]
    return [SourceRow(kind="values", page=amounts[0].page, name="", tokens=tuple(tokens))]


def _by_page(cells: list[Cell]) -> dict[int, list[Cell]]:
    out: dict[int, list[Cell]] = defaultdict(list)
    for c in cells:
        out[c.page].append(c)
    return out


def _by_line(table: TableCells):
    lines: dict[tuple[int, int], list[Cell]] = {}
    for c in table.cells:
        if c.row is not None:
            lines.setdefault((c.page, c.line), []).append(c)
    return lines.items()


def _covers(label: Cell, cell: Cell) -> bool:
    """The label's ruled cell spans the middle of the cell's row."""
    if label.box is None or cell.box is None:
        return label.page == cell.page and label.line == cell.line
    middle = (cell.box[1] + cell.box[3]) / 2
    return label.page == cell.page and label.box[1] <= middle <= label.box[3]


def _side_of(path: str, words) -> tuple[str | None, str | None]:
    parts = [compact(p) for p in path.split("/")] if path else []
    side = next((p for p in parts if p in ("收入", "支出")), None)
    section = next((p for p in parts if p in words.sections), None)
    return side, section


def two_sided_rows(spec: TableSpec, table: TableCells, key: str, profile: Profile,
                   issues: list[ParseIssue]) -> list[SourceRow]:
    """Items of a two-sided table: each label cell with the amount cells to its right in
    its ruled row (up to the next label), side and part from the label's header path."""
    words = profile.two_sided
    labels = [c for c in table.cells if c.row is not None and not c.numeric and has_cjk(c.text)]
    amounts = [c for c in table.cells if c.row is not None and c.numeric]
    on_page = _by_page(labels)
    owner: dict[int, list[Cell]] = {}
    for a in amounts:
        left = [lab for lab in on_page.get(a.page, ()) if lab.box and a.box and lab.box[2] <= a.box[0] + EDGE
                and _covers(lab, a)]
        if not left:
            issues.append(ParseIssue(rule="malformed_row", severity="warning", table=key, page=a.page,
                                     message=f"{key}: amount {a.text} on page {a.page} has no item label to its left"))
            continue
        owner.setdefault(id(max(left, key=lambda lab: lab.box[0])), []).append(a)
    out = []
    for lab in sorted(labels, key=lambda c: (c.page, c.box[1] if c.box else c.line, c.box[0] if c.box else 0)):
        side, section = _side_of(lab.header, words)
        tokens = [t for a in owner.get(id(lab), []) if (t := _token(a, (spec.sides[side].columns[0]
                                                                          if side in spec.sides else None),
                                                                    key, issues))]
        item = row_grammar.make_item(lab.text, tuple(tokens), lab.page, side, words)
        out.append(item.model_copy(update={"section": section}))
    return out


def item_rows(spec: TableSpec, table: TableCells, key: str, issues: list[ParseIssue]) -> list[SourceRow]:
    """Rows of an item list, each keyed by its label path: the label cells that cover its
    row (merged group cells included), after those inherited from the rows above for the
    label columns to their left."""
    unmapped: set[str] = set()
    labels = [c for c in table.cells if c.row is not None and not c.numeric and has_cjk(c.text)]
    spans: dict[int, list[Cell]] = defaultdict(list)  # page → label cells merged over several rows
    for page, cells in _by_page(labels).items():
        spans[page] = [lab for lab in cells if sum(_covers(lab, o) for o in cells if o is not lab and o.box
                                                   and lab.box and o.box[0] >= lab.box[2] - EDGE) > 1]
    spanning = {id(c) for cells in spans.values() for c in cells}
    out: list[SourceRow] = []
    context: list[Cell] = []
    for (page, line), cells in _by_line(table):
        own = [c for c in cells if not c.numeric and has_cjk(c.text) and id(c) not in spanning]
        if not own:
            continue
        first = own[0]
        covering = [s for s in spans[page] if _covers(s, first) and s.box and first.box
                    and s.box[2] <= first.box[0] + EDGE]
        start = (covering[0] if covering else first).box
        if start is not None:
            context = [c for c in context if c.box and c.box[2] <= start[0] + EDGE]
        else:
            context = []
        context = context + covering + own
        label = "/".join(c.text.replace(" ", "") for c in context)  # as printed
        amounts = [c for c in cells if c.numeric]
        tokens = [t for c in amounts if (t := _token(c, _column(spec, c, None, key, issues, unmapped), key, issues))]
        out.append(SourceRow(kind="item", page=page, name=own[-1].text, item_key=label, tokens=tuple(tokens),
                             top_level=len(context) == 1))
    return out


def shape_rows(spec: TableSpec, table: TableCells, key: str, profile: Profile, issues: list[ParseIssue],
               digits: tuple[str, ...]) -> list[SourceRow]:
    """A table's rows by its shape (see the module docstring)."""
    if spec.shape == "coded":
        return coded_rows(spec, table, key, issues, digits)
    if spec.shape == "single_row":
        return single_row(spec, table, key, issues)
    if spec.shape == "two_sided":
        return two_sided_rows(spec, table, key, profile, issues)
    return item_rows(spec, table, key, issues)
