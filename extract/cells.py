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
A table too wide for its page may continue its columns on the next page (a spreadsheet
print area): that page's cells become cells of the rows they continue, in columns after
the table's (`read_cells`), so the shape readers see one wide table.
Lines without boxes (raw text) give cells with no box and no header path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from ..domain import Profile, TableSpec
from ..normalize.numbers import looks_numeric
from ..normalize.text import compact, has_cjk
from ..schemas.intermediate import Page, ParseIssue, SourceRow, Token, Word
from . import rows as row_grammar

EDGE = 1.5
"""Points a cell may stick out of a header cell's x-range and still be under it."""


class Cell(NamedTuple):
    """One printed cell of a table: where it is, the header path above it, its text. A
    plain tuple, like `Word`: a document prints thousands."""

    page: int
    line: int
    row: int | None
    """Data row within the table (counted over its pages), None for header lines; a
    page continuing the table's columns gives its cells the rows they continue."""
    column: int | None
    """Leaf header column, left to right (a column continuation's after the table's),
    None where no header cell is above it."""
    header: str
    text: str
    box: tuple[float, float, float, float] | None
    numeric: bool
    repeated: bool = False
    """A label cell a column continuation prints again (spreadsheet print titles): a cell
    of its row in table_cells, not read into the row a second time."""
    unplaced: bool = False
    """A cell of a column continuation whose rows could not be matched to the table's:
    kept as printed, read into no row."""


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
                previous[n] = c._replace(text=c.text + w.text)
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
    joined: bool = False
    """Some page continues the table's columns (a print area split over pages): only
    the cells' header paths tell which column each amount of a row is in."""
    issues: list[ParseIssue] = field(default_factory=list)
    """What could not be read as printed (a column continuation whose rows do not match)."""


@dataclass
class _Part:
    """One band of a table's columns as a spreadsheet prints it (a print area wider than
    its page): its header, and the table column of each of its leaf header cells."""

    heads: list[_Head]
    leaves: list[_Head] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    """Each leaf's header path, compacted (how two parts' columns are told apart)."""
    columns: list[int] = field(default_factory=list)
    """The table column of each leaf (the base part counts from 0, a continuation after
    the columns of the parts before it)."""
    labels: set[int] = field(default_factory=set)
    """Leaves that print a column of the base part again (print titles: 科目编码, 科目名称)."""
    base_page: int = 0
    """A continuation: the base part's page (counted in the base) its next page continues."""
    unplaced: bool = False
    """A continuation whose rows could not be matched to the table's rows."""
    base: bool = False
    """The table's first columns: its leaves are the columns from 0."""

    def set_heads(self, heads: list[_Head]) -> None:
        """Take a header (given anew on a page): its leaves, their paths and columns (a
        continuation's header printed again keeps each path's column)."""
        old = dict(zip(self.paths, self.columns))
        repeated = {self.paths[n] for n in self.labels}
        self.heads = heads
        self.leaves = _leaves(heads)
        self.paths = [_leaf_path(heads, h) for h in self.leaves]
        if self.base:
            self.columns = list(range(len(self.leaves)))
        elif old:
            self.columns = [old.get(p, -1) for p in self.paths]
            self.labels = {n for n, p in enumerate(self.paths) if p in repeated}


@dataclass
class _BasePage:
    """The rows the base part prints on one page: what a column continuation matches."""

    rows: list[int]
    bands: list[tuple[float, float] | None]
    header: tuple[float, float] | None
    """Top and bottom of the ruled header printed above the rows, None when not printed."""


def _leaf_path(heads: list[_Head], leaf: _Head) -> str:
    """A leaf header cell's path from the top, compacted (`科目编码/类`)."""
    return compact("/".join(h.text for h in _path(heads, (leaf.x0 + leaf.x1) / 2)))


def _band(page: Page, i: int) -> tuple[float, float] | None:
    """A data line's ruled row (top and bottom rule), None outside a ruling."""
    return page.bands[i] if page.bands else None


def _leaf_at(heads: list[_Head], leaves: list[_Head], x: float | None) -> tuple[int | None, str]:
    """The leaf (index in `leaves`) a cell anchored at x sits under, and its header path."""
    if x is None:
        return None, ""
    path = _path(heads, x)
    leaf = next((n for n, h in enumerate(leaves) if path and h is path[-1]), None)
    return leaf, "/".join(h.text for h in path)


def _continuation(parts: list[_Part], heads: list[_Head], data: list) -> _Part | None:
    """A part continuing the table's columns, when a page's header lines name columns no
    part's header has (paths no part prints) and every amount of its rows sits under a
    leaf of that header, one at least under a new one; else None."""
    part = _Part(heads=[])
    part.set_heads(heads)
    known: dict[str, int] = {}
    for p in parts:
        for path, column in zip(p.paths, p.columns):
            known.setdefault(path, column)
    new = {n for n, path in enumerate(part.paths) if path not in known}
    if not new:
        return None
    under_new = False
    for _, words in data:
        for w in _cell_words(words):
            if not (looks_numeric(w.text) and any(ch.isdigit() for ch in w.text)):
                continue
            leaf, _ = _leaf_at(heads, part.leaves, _anchor(w, True))
            if leaf is None:
                return None  # an amount under no cell of these lines: they are no header
            under_new = under_new or leaf in new
    if not under_new:
        return None
    base = {path: column for path, column in zip(parts[0].paths, parts[0].columns)}
    after = 1 + max((c for p in parts for c in p.columns), default=-1)
    for n, path in enumerate(part.paths):
        if n in new:
            part.columns.append(after)
            after += 1
        else:
            part.columns.append(base.get(path, known[path]))
            if path in base:
                part.labels.add(n)
    return part


def _repeated(parts: list[_Part], current: _Part, heads: list[_Head]) -> _Part | None:
    """The part whose header a page's header lines print again (every leaf path among
    its own), the current part first; None when no part's header is repeated."""
    paths = {_leaf_path(heads, h) for h in _leaves(heads)}
    if not paths:
        return None
    for part in [current, *(p for p in parts if p is not current)]:
        if paths <= set(part.paths):
            return part
    return None


TOLERANCE = 3.0
"""Points two printed rules of one spreadsheet row may differ by on two pages (how the
engines and the ruling place a rule varies by a point or two)."""


def _shift(header: tuple[float, float] | None, target: _BasePage) -> float | None:
    """How far a continuation page prints the base page's rows up or down: both headers
    are the same spreadsheet rows (their tops), a header over rows printed without one
    ends where those rows begin, and pages without a header start at the same margin."""
    if header is not None and target.header is not None:
        return header[0] - target.header[0]
    if header is not None:
        return header[1] - target.bands[0][0]
    return 0.0 if target.header is None else None


def _match(part: _Part, base: list[_BasePage], labels: dict[int, dict[int, str]], page_rows: list[dict[int, str]],
           bands: list, header: tuple[float, float] | None) -> tuple[list[int] | None, str]:
    """The base row each data line of a column continuation's page continues, or None and
    why not. Label columns printed again must print the same labels in the same order;
    without them each row must sit where a row of the base page sits, as tall (a row left
    blank in this part prints nothing), or, unruled, the rows be as many as the base page's."""
    if part.base_page >= len(base):
        return None, "the table prints no more rows to continue"
    target = base[part.base_page]
    rows = target.rows
    if part.labels:
        if len(page_rows) != len(rows):
            return None, f"it prints {len(page_rows)} rows, the page it continues {len(rows)}"
        columns = {part.columns[n] for n in part.labels}
        for k, (got, r) in enumerate(zip(page_rows, rows)):
            want = {c: t for c, t in labels.get(r, {}).items() if c in columns}
            if {c: t for c, t in got.items() if c in columns} != want:
                return None, f"its row {k + 1} prints {'/'.join(got.values())!r} where the table prints " \
                             f"{'/'.join(want.values())!r}"
        return list(rows), ""
    ruled = all(b is not None for b in bands) and all(b is not None for b in target.bands)
    shift = _shift(header, target) if ruled and target.bands else None
    if shift is not None:
        out, at = [], 0
        for top, bottom in bands:
            middle = (top + bottom) / 2
            while at < len(rows) and (target.bands[at][0] + target.bands[at][1]) / 2 + shift < middle - TOLERANCE:
                at += 1
            if at < len(rows):
                b_top, b_bottom = target.bands[at]
                if (abs((b_top + b_bottom) / 2 + shift - middle) <= TOLERANCE
                        and abs((b_bottom - b_top) - (bottom - top)) <= TOLERANCE):
                    out.append(rows[at])
                    at += 1
                    continue
            return None, f"its row at {top:.1f}–{bottom:.1f} pt sits where the page it continues prints no row"
        return out, ""
    if len(bands) == len(rows):
        return list(rows), ""
    return None, f"it prints {len(bands)} rows, the page it continues {len(rows)}"


def read_cells(chunks: list[tuple[Page, list[int]]], skip: set[tuple[int, int]], table: str | None = None,
               title: str = "") -> TableCells:
    """Given a table's lines page by page (page, line indices), the lines that are not
    cells (unit, body lines: (page, index)) and, for findings, the table's key (None:
    unclassified) and title, return its cells, header lines and findings.

    A page may continue the table's columns instead of its rows (a spreadsheet print
    area wider than the page, printed "down, then over" or "over, then down"): its
    header names columns the table's header lacks, and its rows are those of a page of
    the table's first columns (the base part), with the label columns printed again or
    not at all. Its cells then take the rows of the base page and the columns after the
    table's; a label printed again is marked `repeated`. A page whose rows cannot be
    matched keeps its cells under its own header with a `columns_unmatched` warning:
    with label columns they are rows of their own (as an ordinary page), without them
    `unplaced` (no row can be told for them).
    """
    cells: list[Cell] = []
    header_lines: list[str] = []
    issues: list[ParseIssue] = []
    row = 0
    parts = [_Part(heads=[], base=True)]  # the table's first columns, then its continuations
    part = parts[0]
    base: list[_BasePage] = []
    labels: dict[int, dict[int, str]] = {}  # base row → table column → label text, for matching
    joined = False
    for page, indices in chunks:
        lines = [(i, page.words[i] if page.words else tuple(Word(t) for t in page.lines[i].split(" ")))
                 for i in indices if (page.number, i) not in skip]
        lines = _join_fragments(page, lines, cells if part.heads else [])
        first = next((k for k, (_, ws) in enumerate(lines) if is_data_words(ws)), len(lines))
        continued: _Part | None = None  # a part continuing the columns (its rows to match)
        printed: list[_Head] | None = None  # the header printed whole on this page
        heads = part.heads
        if heads and row == 0 and first and part is parts[0]:
            # The header began at the foot of the page before: this page prints the rest.
            part.set_heads(heads + _headers([ws for _, ws in lines[:first]]))
            header_lines += [page.lines[i] for i, _ in lines[:first]]
            first = -first
        elif heads and first:
            new = _headers([ws for _, ws in lines[:first]])
            again = _repeated(parts, part, new)
            fresh = None if again else _continuation(parts, new, lines[first:])
            if fresh is not None or again is not None and again is not parts[0]:
                # A header naming columns the table lacks, or a continuation's header again.
                part = continued = fresh or again
                if fresh is not None:
                    parts.append(fresh)
                else:
                    part.set_heads(new)
                printed = new
                header_lines += [page.lines[i] for i, _ in lines[:first]]
                first = -first
            elif again is None and not _repeats(heads, lines[:first]):
                first = 0  # a continuation page's first lines are rows (a wrapped name), not a header
            else:
                part = parts[0]  # the header of the first columns given anew
        elif heads and part is not parts[0]:
            continued = part  # a continuation's page without its header: its rows go on
        if first > 0:  # a page that repeats the header (or starts the table) gives it anew
            part.set_heads(_headers([ws for _, ws in lines[:first]]))
            printed = part.heads
            header_lines += [page.lines[i] for i, _ in lines[:first]]
        first = abs(first)
        header_box = _ruled_header(printed, lines[:first]) if printed else None
        # Each word's leaf and header path; a ruled column's cells share their box, so
        # their anchor: each is looked up once.
        placed: dict[float, tuple[int | None, str]] = {}
        laid: list[list[tuple[Word, bool, int | None, str]]] = []
        for k, (i, words) in enumerate(lines):
            out = []
            for w in _cell_words(words):
                numeric = looks_numeric(w.text) and any(ch.isdigit() for ch in w.text)
                x = _anchor(w, numeric) if k >= first else None
                if x is None:
                    leaf, header = None, ""
                elif (known := placed.get(x)) is not None:
                    leaf, header = known
                else:
                    leaf, header = placed[x] = _leaf_at(part.heads, part.leaves, x)
                out.append((w, numeric, leaf, header))
            laid.append(out)
        data = range(first, len(lines))
        match: list[int] | None = None
        if continued is not None and not continued.unplaced:
            texts = [_labels(part, laid[k]) for k in data]
            match, why = _match(continued, base, labels, texts, [_band(page, lines[k][0]) for k in data],
                                header_box)
            joined = True
            if match is None:
                issues.append(_unmatched(table, title, page.number, continued, why))
                continued.unplaced = not continued.labels
            else:
                continued.base_page += 1
        unplaced = continued is not None and match is None and continued.unplaced
        rows_here = []
        for k, (i, _) in enumerate(lines):
            is_data = k >= first
            r = (match[k - first] if match is not None else row) if is_data else None
            own = is_data and match is None
            for w, numeric, leaf, header in laid[k]:
                column = part.columns[leaf] if leaf is not None and part.columns[leaf] >= 0 else None
                repeated = match is not None and leaf in part.labels
                cells.append(Cell(page=page.number, line=i, row=r, column=column, header=header, text=w.text,
                                  box=w.box, numeric=numeric, repeated=repeated, unplaced=unplaced and is_data))
                if own and part is parts[0] and column is not None:
                    got = labels.setdefault(r, {})
                    got[column] = got.get(column, "") + compact(w.text)
            if own:
                rows_here.append(row)
                row += 1
        if part is parts[0] and rows_here:
            base.append(_BasePage(rows=rows_here, bands=[_band(page, lines[k][0]) for k in data],
                                  header=header_box))
    return TableCells(cells=cells, header_lines=header_lines, joined=joined, issues=issues)


def _ruled_header(heads: list[_Head], lines: list) -> tuple[float, float] | None:
    """The top and bottom of a header printed in ruled cells, else None."""
    if not heads or not all(w.cell is not None for _, ws in lines for w in ws):
        return None
    return min(h.top for h in heads), max(h.bottom for h in heads)


def _labels(part: _Part, laid: list[tuple[Word, bool, int | None, str]]) -> dict[int, str]:
    """A continuation's data line: the text it prints in each label column (by table column)."""
    out: dict[int, str] = {}
    for w, _, leaf, _ in laid:
        if leaf is not None and leaf in part.labels:
            column = part.columns[leaf]
            out[column] = out.get(column, "") + compact(w.text)
    return out


def _unmatched(table: str | None, title: str, page: int, part: _Part, why: str) -> ParseIssue:
    """The warning for a column continuation whose rows do not match the table's."""
    columns = ", ".join(h.text for n, h in enumerate(part.leaves) if n not in part.labels)
    how = ("read as rows of their own" if part.labels
           else "kept in table_cells under their printed header, in no row")
    return ParseIssue(
        rule="columns_unmatched", severity="warning", table=table, page=page,
        message=f"{table or title}: page {page} prints columns the table's header lacks ({columns}), a continuation of "
                f"its columns, but its rows do not match the rows of the page it would continue ({why}); "
                f"its cells are {how}")


# ---- Rows by shape, for profiles read by cells.

def _token(cell: Cell, column: str | None, table: str, issues: list[ParseIssue]) -> Token | None:
    tokens = row_grammar.parse_tokens([cell.text], cell.page, table, cell.header or "", issues)
    return tokens[0].model_copy(update={"column": column, "box": cell.box, "page": cell.page}) if tokens else None


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
               digits: tuple[str, ...], total_labels: tuple[str, ...]) -> list[SourceRow]:
    """Coded rows: the row grammar reads code and name from the row's text (`total_labels`:
    the profile's labels printed in the 合计 row), each amount takes the column its
    header path names."""
    out, unmapped = [], set()
    for (page, line), cells in _by_line(table):
        text = " ".join(c.text for c in cells)
        row = row_grammar.parse_coded(text, page, key, issues, digits, total_labels)
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
    amounts = [c for c in _data(table) if c.numeric]
    if not amounts:
        return []
    tokens = [t for c in amounts if (t := _token(c, _column(spec, c, None, key, issues, unmapped), key, issues))]
    return [SourceRow(kind="values", page=amounts[0].page, name="", tokens=tuple(tokens))]


def _by_page(cells: list[Cell]) -> dict[int, list[Cell]]:
    out: dict[int, list[Cell]] = defaultdict(list)
    for c in cells:
        out[c.page].append(c)
    return out


def _data(table: TableCells) -> list[Cell]:
    """The cells the shape readers read: data cells, not a label printed again by a column
    continuation, nor a cell no row could be told for."""
    return [c for c in table.cells if c.row is not None and not c.repeated and not c.unplaced]


def _by_line(table: TableCells):
    """The data rows in print order, each as ((page, line) of its first cell, its cells):
    a row continued by a column continuation holds the cells of both pages."""
    rows: dict[int, list[Cell]] = {}
    for c in _data(table):
        rows.setdefault(c.row, []).append(c)
    return (((cells[0].page, cells[0].line), cells) for cells in rows.values())


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
    labels = [c for c in _data(table) if not c.numeric and has_cjk(c.text)]
    amounts = [c for c in _data(table) if c.numeric]
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
    labels = [c for c in _data(table) if not c.numeric and has_cjk(c.text)]
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
        return coded_rows(spec, table, key, issues, digits, profile.document.total_row_labels)
    if spec.shape == "single_row":
        return single_row(spec, table, key, issues)
    if spec.shape == "two_sided":
        return two_sided_rows(spec, table, key, profile, issues)
    return item_rows(spec, table, key, issues)
