"""The data that flows between stages, before it becomes output records.

extract → `Page` (lines of text with their page number)
parse   → `ParsedTable` of `SourceRow`s (cells still as printed tokens)
normalize → `Row`s (values in 元, candidate column assignments) and, once the columns
          are decided, output records
validate → `Identity` (an equation over cells) → `Check` (its outcome)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Word(NamedTuple):
    """One printed word: its text and, from a PDF, its glyph box and the box of the ruled
    cell it sits in (points, top-left origin: x0, top, x1, bottom). Raw text gives words
    without boxes. A plain tuple: pages hold thousands."""

    text: str
    x0: float | None = None
    top: float | None = None
    x1: float | None = None
    bottom: float | None = None
    cell: tuple[float, float, float, float] | None = None
    """The ruled cell's box (a merged cell's whole extent), or None outside any ruling."""
    confidence: tuple[float, ...] | None = None
    """Read by OCR: the recogniser's confidence (0–1) of each character of `text`; None
    for text from a PDF's text layer or raw text."""

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        """The cell's box where the ruling gives one, else the glyph box, else None."""
        if self.cell is not None:
            return self.cell
        return None if self.x0 is None else (self.x0, self.top, self.x1, self.bottom)


class Page(_Data):
    """One page: its text lines and, line by line, the words they are made of."""

    number: int
    lines: tuple[str, ...]
    indented: tuple[bool, ...] = ()
    """Per line: printed with leading white space (a paragraph start in raw text)."""
    joined: tuple[bool, ...] = ()
    """Raw text, per line: it follows the line before it with no blank line between (a
    cell or sentence wrapped; the seeds' tools separate cells by blank lines)."""
    slots: tuple[tuple[tuple[int, int] | None, ...], ...] = ()
    """PDF pages, per line and per word: (column, cells in its group) of a number cell
    placed by the page's ruling, else None (extract.pdf_geometry)."""
    cells: tuple[tuple[int | None, ...], ...] = ()
    """PDF pages, per line and per word: the ruled cell it sits in (counted from the
    left rule), else None."""
    bands: tuple[tuple[float, float] | None, ...] = ()
    """PDF pages, per line: the top and bottom rule of its ruled row, else None. A cell
    merged over several rows (a form's 一级指标) spans the rows it labels."""
    words: tuple[tuple[Word, ...], ...] = ()
    """Per line, its words (the line's text is their texts joined by one space)."""
    problem: Literal["no_text_layer", "unmapped_font"] | None = None
    """Why a PDF page gave no lines although something is printed on it."""
    read_by: Literal["text", "ocr"] = "text"
    """Where its words come from: the text layer (or raw text), or OCR of the rendered
    page (extract.ocr); OCR words carry their confidence."""
    ruled_blank: bool = False
    """A PDF page that prints no text and no image, only rules (an empty ruled row or
    form): a blank page, not a page whose text is missing."""
    clipped: tuple[str, ...] = ()
    """PDF pages: the text of each line a clipping path cuts through (only part of its
    glyphs shows on the page); text its clip hides entirely is in no line."""


class Token(_Data):
    """One printed cell: its text and value in the table's unit (None for a printed blank `-`)."""

    raw: str
    value: Decimal | None
    slot: tuple[int, int] | None = None
    """From the page geometry: (column among its group's amount cells, cells in the group)."""
    column: str | None = None
    """From the printed header above the cell: its canonical column (tables read by cells)."""
    box: tuple[float, float, float, float] | None = None
    """The cell's box on its page (points, top-left origin: x0, top, x1, bottom)."""
    page: int | None = None
    """The page the cell is printed on (tables read by cells; a table's columns continued
    on the next page print a row's cells on two pages); None: its row's page."""


RowKind = Literal["coded", "total", "item", "values"]


class SourceRow(_Data):
    """A table row as printed: label parts and the number tokens in printed order."""

    kind: RowKind
    page: int
    name: str
    tokens: tuple[Token, ...]
    code: str | None = None
    raw_code: str | None = None
    level: int = 0
    parent_code: str | None = None
    side: Literal["收入", "支出"] | None = None
    section: str | None = None
    """The part of its side a two-sided item is printed in (功能分类 | 支出用途), if any."""
    item_key: str | None = None
    top_level: bool = False


class ParsedTable(_Data):
    key: str | None
    """The table kind, None for a table no kind of the profile fits (kept as cells)."""
    title: str
    pages: tuple[int, ...]
    unit: str | None
    header_text: str
    rows: tuple[SourceRow, ...]
    empty_note: bool = False
    cells: tuple[object, ...] = ()
    """Every printed cell (extract.cells.Cell), header and data."""


class ParseIssue(_Data):
    """Something the parser could not read as printed; becomes a finding."""

    rule: str
    severity: Literal["error", "warning", "info"]
    message: str
    table: str | None = None
    page: int | None = None
    code: str | None = None


SectionKind = Literal["cover", "contents", "prose", "table", "form", "blank"]


class Section(_Data):
    """One region of a page as the segmentation stage (extract.sections) decided it, the
    one answer every reader of the document takes: the tables read their table sections,
    the forms their form pages, the prose rules and prose figures the prose, the heading
    checks the headings.

    - cover: a leading page that prints no sentence (the document's name, body, date);
    - contents: a 目录 page (titles with page numbers, no table);
    - prose: text outside any table (a sentence's lines wrapped after an amount too);
    - table: a table's lines on this page: its title (`heading`), unit, header, rows and
      notes (`notes`, running text the prose rules read too); `table` None for amount rows
      no title claims (in a ruling: `unread_table`);
    - form: a page a performance-target form claims (read by extract.forms);
    - blank: a page without any line.
    Table numbers on their own line and page numbers are in no section."""

    page: int
    kind: SectionKind
    lines: tuple[int, ...]
    """The page's line indices, in printed order."""
    heading: tuple[int, ...] = ()
    """A table section that starts its table on this page: its title's lines (two when
    the title wraps); () when it continues a table from the page before."""
    notes: tuple[int, ...] = ()
    """A table section: the lines of the notes printed under its rows (`注：…`)."""
    table: int | None = None
    """The table's index in `ParsedDocument.all_tables` (classified tables, then the
    unclassified)."""
    key: str | None = None
    """The table's kind (None: unclassified, or amount rows no title claims)."""
    title: str | None = None
    """The title as printed: this section's own title line(s) where it has a heading,
    else its table's."""

    @property
    def content(self) -> tuple[int, ...]:
        """The section's lines without its heading."""
        return tuple(i for i in self.lines if i not in self.heading) if self.heading else self.lines


TEXT_KINDS: tuple[SectionKind, ...] = ("cover", "contents", "prose")
"""The sections of running text: what the prose rules, prose figures and heading checks
read, with the tables' notes (never a table's title, header cells or rows, never a form)."""


class Sections:
    """A document's sections indexed by page and line (built once, read by every
    validator)."""

    def __init__(self, sections: tuple[Section, ...] | list[Section]):
        self.all: tuple[Section, ...] = tuple(sections)
        self._on: dict[int, list[Section]] = {}
        self._at: dict[tuple[int, int], Section] = {}
        for s in self.all:
            self._on.setdefault(s.page, []).append(s)
            for i in s.lines:
                self._at[(s.page, i)] = s
        self._lines: dict[tuple[int, tuple[str, ...]], tuple[int, ...]] = {}

    def on(self, page: int) -> list[Section]:
        """The sections of one page, in the order they were made."""
        return self._on.get(page, [])

    def of(self, page: int, line: int) -> Section | None:
        """The section a page's line is in (None for a table number or page number)."""
        return self._at.get((page, line))

    def lines(self, page: int, kinds: tuple[SectionKind, ...] = TEXT_KINDS) -> tuple[int, ...]:
        """The line indices of a page that are in sections of `kinds` (and, with the text
        kinds, the tables' notes), in printed order."""
        key = (page, kinds)
        if key not in self._lines:
            notes = "prose" in kinds
            self._lines[key] = tuple(sorted(i for s in self.on(page) for i in (
                s.lines if s.kind in kinds else s.notes if notes else ())))
        return self._lines[key]

    def texts(self, page: Page, kinds: tuple[SectionKind, ...] = TEXT_KINDS) -> list[str]:
        """The texts of a page's lines in sections of `kinds` (with the text kinds, the
        tables' notes too), in printed order."""
        return [page.lines[i] for i in self.lines(page.number, kinds)]

    def table_key(self, page: int, line: int) -> str | None:
        """The kind of the table a page's line is printed in, None outside any table."""
        s = self._at.get((page, line))
        return s.key if s is not None and s.kind == "table" else None


class ParsedDocument(_Data):
    pages: int
    department: str | None
    fiscal_year: int | None
    tables: tuple[ParsedTable, ...]
    scope: Literal["部门", "单位"] | None = None
    issues: tuple[ParseIssue, ...] = ()
    unclassified: tuple[ParsedTable, ...] = ()
    """Tables printed under a title no table kind fits: their cells only."""
    unread: tuple[tuple[int, str], ...] = ()
    """(page, first line) of page regions holding amount rows that no table claims."""
    sections: tuple[Section, ...] = ()
    """Every region of every page (extract.sections), the tables' sections among them."""

    @property
    def all_tables(self) -> tuple[ParsedTable, ...]:
        """The classified tables, then the unclassified: what `Section.table` indexes."""
        return self.tables + self.unclassified


Assignment = tuple[str, ...]
"""The column of each token of a row, in token order."""


class TableLayout(_Data):
    """What normalize learned about one table: its printed columns, unit and precision."""

    key: str
    title: str
    pages: tuple[int, ...]
    unit: str
    factor: Decimal
    columns: dict[str | None, tuple[str, ...]]
    """Printed columns per side (key None for one-sided tables)."""
    decimals: int
    """Most decimal places printed in any cell (sets the rounding envelope)."""
    rows: int
    empty_note: bool

    @property
    def precision(self) -> Decimal:
        """One unit of the last printed digit, in 元."""
        return self.factor * Decimal(1).scaleb(-self.decimals)


class Row(_Data):
    """A row ready for column assignment: values in 元 and the assignments it may take.

    `domain` lists the candidate assignments with the position-based one first.
    """

    id: int
    table: str
    title: str
    source: SourceRow
    unit: str
    factor: Decimal
    values: tuple[Decimal | None, ...]
    columns: tuple[str, ...]
    domain: tuple[Assignment, ...]
    layout: bool = False
    """The domain's one assignment was read from the page geometry."""

    @property
    def key(self) -> str:
        """The row's name inside its table: code, `total`, or item key."""
        s = self.source
        if s.kind == "coded":
            return s.code or ""
        if s.kind == "item":
            return s.item_key or s.name
        return "total"

    def value(self, assignment: Assignment, column: str) -> Decimal:
        """Given an assignment, return this row's value in `column` (0 when blank)."""
        for col, val in zip(assignment, self.values):
            if col == column:
                return val or Decimal(0)
        return Decimal(0)


class Term(NamedTuple):
    """One cell of an identity: a row id and a column (a plain tuple: identities hold thousands)."""

    row: int
    column: str


_ZERO = Decimal(0)


class Cells:
    """The cells of rows under one assignment each, every row's mapped once when first
    asked for: (row, column) → value in 元, 0 for a printed blank or a column the row does
    not print (as `Row.value` gives it). What the identities are summed over."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """`Σ left = Σ right` (or `≥` for relation "ge") over cells, within `tolerance` 元
    (the rounding envelope). A plain dataclass, not a validated model: identities are
    made by yusuan itself, thousands per document."""

    rule: str
    relation: Literal["eq", "ge"] = "eq"
    severity: Literal["error", "warning"] = "error"
    """How a failure is graded beyond the rounding envelope."""
    constant: Decimal = Decimal(0)
    """Added to the right side: a figure printed outside any table (prose)."""
    rounded: bool = False
    """The right side is a rounded restatement: within `slack` it holds (pass); beyond it
    but within `tolerance` it is a `rounding` warning."""
    slack: Decimal = Decimal(0)
    table: str
    code: str | None
    column: str | None
    side: str | None = None
    page: int | None = None
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    tolerance: Decimal
    label: str

    def short(self, left: Decimal, right: Decimal) -> Decimal:
        """Given the sums of the two sides, return how far the identity misses (≤ 0: holds)."""
        expected = right + self.constant
        return expected - left if self.relation == "ge" else abs(left - expected)


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """The outcome of one identity (or a reason it could not be checked). A plain
    dataclass like `Identity`; `as_json` gives it to the CLI's --json."""

    rule: str
    status: Literal["pass", "fail", "rounding", "not_checked"]
    severity: Literal["error", "warning"] = "error"
    table: str | None
    code: str | None
    column: str | None
    page: int | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    label: str
    fields: tuple[tuple[str, object], ...] = ()
    """Named values the rule's message template (domain/rules.toml) prints besides the
    label, expected and actual."""

    def as_json(self) -> dict:
        """The check as JSON-ready values (decimals as strings, exact)."""
        values = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "fields"}
        return {f: str(v) if isinstance(v, Decimal) else v for f, v in values.items()}
