"""Pages of lines → the document's tables (`ParsedDocument`).

Titles find the tables. A page's lines go to the table whose title is on that page; a
page without a title but with data rows continues the table before it. Two layouts are
handled without being told which one a document uses:
- title first (published PDFs): lines after a title belong to it, lines before the first
  title of a page continue the previous table;
- title after the data (the raw text of seed 000): the rows of a page come first and its
  title, unit and header cells after them, scrambled.
Within a table, each line is read by the row grammar of the table's shape (extract.rows);
every line that is not a row is header text, used later to find the printed columns.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..domain import DOCUMENT, TABLES
from ..normalize.codes import CODE_PREFIX
from ..normalize.numbers import looks_numeric
from ..normalize.text import compact, fold, has_cjk
from ..schemas.intermediate import Page, ParsedDocument, ParsedTable, ParseIssue, SourceRow
from . import rows as row_grammar

_TITLE = re.compile(r"^(?:(?P<year>(?:19|20)\d\d)年度?)?(?:部门|预算单位|单位)?(?P<core>.+)$")
# Matched on the compacted line: text layers space CJK out (`单位： 万 元`), and some write
# `人民币万元` or `金额单位：`. `编制单位：` names the body, not the unit.
_UNIT = re.compile(r"(?<!编制)(?<!预算)单位[:：](?:人民币)?(?P<unit>"
                   + "|".join(sorted(DOCUMENT.units, key=len, reverse=True)) + ")")
_UNIT_LINE = re.compile(r"(?<!编制)(?<!预算)单位[:：](?P<word>[^\d\s:：]{1,8})")
MAX_TITLE_PREFIX = 40
MIN_CONTENTS_TITLES = 3
_TITLE_INDEX = {compact(t): key for key, spec in TABLES.items() for t in spec.titles}


def match_title(line: str) -> tuple[str, int | None] | None:
    """Given a line, return (table key, fiscal year) when the line is a table title."""
    text = compact(line)
    if len(text) > MAX_TITLE_PREFIX + 30:
        return None
    # A body name may precede the year (上海市XX局2018年部门收入预算总表); an enumerator
    # (`1.`, `5．`) never does: that is a line of the table of contents.
    for start in [0] + [m.start() for m in re.finditer(r"(?:19|20)\d\d年", text)]:
        if start > MAX_TITLE_PREFIX or (start and not has_cjk(text[:start])):
            break
        m = _TITLE.match(text[start:])
        if m and m.group("core") in _TITLE_INDEX:
            year = int(m.group("year")) if m.group("year") else None
            return _TITLE_INDEX[m.group("core")], year
    return None


def _is_coded_line(line: str) -> bool:
    m = CODE_PREFIX.match(fold(line))
    return bool(m) and has_cjk(fold(line)[m.end():m.end() + 1])


def is_data_line(line: str) -> bool:
    """True when a line looks like a table row of any shape (code, total, item or numbers)."""
    line = fold(line)
    m = CODE_PREFIX.match(line)
    if m and has_cjk(line[m.end():m.end() + 1]):
        return True
    tokens = row_grammar.split_tokens(line)
    if not tokens:
        return False
    if tokens == ["合计"]:
        return True
    if all(looks_numeric(t) or t in row_grammar.TOTAL_WORDS for t in tokens):
        return any(looks_numeric(t) for t in tokens)
    return looks_numeric(tokens[-1]) and any(has_cjk(t) for t in tokens)


@dataclass
class _Acc:
    key: str
    title: str
    pages: list[int] = field(default_factory=list)
    unit: str | None = None
    header: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    empty_note: bool = False


def _feed(acc: _Acc, source: Page, indices: list[int], issues: list[ParseIssue]) -> None:
    """Read the lines `indices` of a page into a table's accumulator."""
    page = source.number
    lines = [source.lines[i] for i in indices]
    slots = [source.slots[i] if source.slots else () for i in indices]
    shape = TABLES[acc.key].shape
    if page not in acc.pages:
        acc.pages.append(page)
    parsed_lines: list[list[SourceRow] | None] = []
    for line in lines:
        unit = _UNIT.search(compact(line))
        if not unit and _UNIT_LINE.search(compact(line)):
            issues.append(ParseIssue(rule="unknown_unit", severity="error", table=acc.key, page=page,
                                     message=f"{acc.key}: unit line {line!r} names no unit yusuan knows "
                                             f"({', '.join(DOCUMENT.units)})"))
            parsed_lines.append([])
            continue
        if unit:
            if acc.unit and acc.unit != unit.group("unit"):
                issues.append(ParseIssue(rule="unit_conflict", severity="error", table=acc.key, page=page,
                                         message=f"{acc.key}: page {page} says 单位 {unit.group('unit')}, "
                                                 f"an earlier page {acc.unit}"))
            acc.unit = acc.unit or unit.group("unit")
            parsed_lines.append([])
            continue
        if any(note in fold(line) for note in DOCUMENT.empty_table_notes):
            acc.empty_note = True
            parsed_lines.append([])
            continue
        if shape == "coded":
            spec = TABLES[acc.key]
            digits = DOCUMENT.code_first_digits.get(spec.classification or "", ())
            # Two column groups side by side: one row per group, and group totals.
            parts = row_grammar.split_groups(line) if spec.side_by_side else [line]
            got = [row for part in parts
                   if (row := row_grammar.parse_coded(part, page, acc.key, issues, digits)
                       or (spec.side_by_side and row_grammar.parse_group_total(part, page, acc.key, issues)))] or None
        elif shape == "two_sided":
            got = row_grammar.parse_two_sided(line, page, acc.key, issues) or None
        else:
            row = row_grammar.parse_values(line, page, acc.key, issues)
            got = [row] if row else None
        parsed_lines.append(place(got, line, slots[len(parsed_lines)]) if got else got)
    used = _attach_wrapped_names(acc.key, lines, parsed_lines)
    if shape == "two_sided":
        used |= _attach_wrapped_items(acc.key, page, lines, parsed_lines, issues, slots)
    for i, (line, parsed) in enumerate(zip(lines, parsed_lines)):
        if parsed:
            acc.rows.extend(parsed)
        elif parsed is None and i not in used:
            acc.header.append(line)


def place(rows: list[SourceRow], line: str, slots: tuple) -> list[SourceRow]:
    """Give the number tokens of the rows read from one line their geometric slots.

    The rows' tokens are found, in order, among the line's words; a row any of whose
    tokens is not found keeps no slots (its columns are then decided by the identities).
    """
    if not slots:
        return rows
    words = line.split()
    at, out = 0, []
    for row in rows:
        placed, start = [], at
        for token in row.tokens:
            while at < len(words) and words[at] != token.raw:
                at += 1
            if at == len(words) or slots[at] is None:
                placed, at = None, start  # the next row of the line is looked for from here
                break
            placed.append(token.model_copy(update={"slot": slots[at]}))
            at += 1
        out.append(row.model_copy(update={"tokens": tuple(placed)}) if placed else row)
    return out


_NOT_NAME = ("科目", "编码", "项目", "合计", "类款", "单位", "预算")


def _is_name_fragment(key: str, line: str) -> bool:
    """True when a line is a piece of a wrapped row name (one CJK token, no header word)."""
    text = compact(line)
    if " " in line.strip() or not has_cjk(text) or any(w in text for w in _NOT_NAME):
        return False
    spec = TABLES[key]
    words = [compact(w) for c in spec.columns for w in spec.header_words(c)]
    return not any(text in w or w in text for w in words)


def _attach_wrapped_names(key: str, lines: list[str], parsed: list[list[SourceRow] | None]) -> set[int]:
    """Give a code row printed without its name (`201 03 99 20,120,000.00 …`, the name
    wrapped above and below it in the text layer) the name fragments around it.

    Returns the indices of the lines used as fragments.
    """
    used: set[int] = set()
    for i, rows in enumerate(parsed):
        if not rows or rows[0].kind != "coded" or rows[0].name:
            continue
        around = [j for j in (i - 1, i + 1) if 0 <= j < len(lines) and parsed[j] is None
                  and j not in used and _is_name_fragment(key, lines[j])]
        if around:
            used.update(around)
            rows[0] = rows[0].model_copy(update={"name": "".join(lines[j].strip() for j in around)})
    return used


def _attach_wrapped_items(key: str, page: int, lines: list[str], parsed: list[list[SourceRow] | None],
                          issues: list[ParseIssue], slots: list[tuple]) -> set[int]:
    """Join an item whose label wrapped around its numbers in the text layer:
    `四、文化旅游体育与传媒` / `200,000 200,000` / `支出` → one 支出 item with two cells.

    Returns the indices of the lines used.
    """
    used: set[int] = set()
    for i, line in enumerate(lines):
        if parsed[i] is not None or i == 0 or not parsed[i - 1]:
            continue
        cells = row_grammar.numbers_only(line, page, key, issues)
        item = parsed[i - 1][-1]
        if cells is None or item.tokens:
            continue
        label = item.name
        used.add(i)
        if i + 1 < len(lines) and parsed[i + 1] is None and _is_name_fragment(key, lines[i + 1]):
            label += lines[i + 1].strip()
            used.add(i + 1)
        parsed[i - 1][-1] = place([row_grammar.make_item(label, cells, page)], line, slots[i])[0]
    return used


def _segments(page: Page) -> tuple[list[int], list[tuple[str, str, list[int]]]]:
    """Split a page's line indices into (lines continuing the previous table, [(key, title, lines)])."""
    lines = list(page.lines)
    titles = [(i, hit[0], line) for i, line in enumerate(lines) if (hit := match_title(line))]
    if len({key for _, key, _ in titles}) >= MIN_CONTENTS_TITLES and not any(map(_is_coded_line, lines)):
        titles = []  # a table of contents lists the titles without their tables
    everything = list(range(len(lines)))
    if not titles:
        return everything, []
    data = [i for i, line in enumerate(lines) if is_data_line(line)]
    title_first = not data or titles[0][0] < data[0]
    segments = []
    if title_first:
        head = everything[: titles[0][0]]
        bounds = [t[0] for t in titles] + [len(lines)]
        for (i, key, title), end in zip(titles, bounds[1:]):
            segments.append((key, title, everything[i + 1:end]))
        if not any(is_data_line(lines[i]) for i in head):
            # A unit line or header printed above the title belongs to that table.
            key, title, first = segments[0]
            segments[0], head = (key, title, head + first), []
        return head, segments
    start = 0
    for n, (i, key, title) in enumerate(titles):
        end = len(lines) if n == len(titles) - 1 else i
        segments.append((key, title, everything[start:i] + everything[i + 1:end]))
        start = i + 1
    return [], segments


def parse_pages(pages: list[Page]) -> ParsedDocument:
    """Given a document's pages, return its tables, metadata and what could not be read."""
    issues: list[ParseIssue] = []
    accs: dict[str, _Acc] = {}
    current: _Acc | None = None
    years: Counter[int] = Counter()
    for page in pages:
        head, segments = _segments(page)
        if page.problem:
            issues.append(ParseIssue(
                rule=page.problem, severity="error", page=page.number,
                message=f"page {page.number}: " + ("no text layer (an image or a table without its text); "
                                                   "its content is not read" if page.problem == "no_text_layer"
                                                   else "its fonts have no Unicode mapping; its text is not read")))
        if head and current is not None and any(is_data_line(page.lines[i]) for i in head):
            _feed(current, page, head, issues)
        elif not segments and not any(is_data_line(page.lines[i]) for i in head) and not page.problem:
            current = None  # a prose page ends the table before it
        for key, title, lines in segments:
            year = match_title(title)[1]
            if year:
                years[year] += 1
            current = accs.setdefault(key, _Acc(key=key, title=title))
            _feed(current, page, lines, issues)
    tables = []
    for acc in accs.values():
        acc.rows = resolve_misprinted_codes(acc.key, acc.rows, issues)
        if acc.unit is None:
            acc.unit = TABLES[acc.key].default_unit
            issues.append(ParseIssue(rule="unit_assumed", severity="info", table=acc.key, page=acc.pages[0],
                                     message=f"{acc.key}: no 单位 line; assumed {acc.unit}"))
        tables.append(ParsedTable(key=acc.key, title=acc.title, pages=tuple(acc.pages), unit=acc.unit,
                                  header_text="\n".join(acc.header), rows=tuple(acc.rows),
                                  empty_note=acc.empty_note))
    all_lines = [line for p in pages for line in p.lines]
    return ParsedDocument(
        pages=len(pages),
        department=_department(all_lines),
        fiscal_year=years.most_common(1)[0][0] if years else _fiscal_year(all_lines),
        tables=tuple(tables),
        issues=tuple(issues),
    )


def resolve_misprinted_codes(table: str, rows: list[SourceRow], issues: list[ParseIssue]) -> list[SourceRow]:
    """Give each row read with a misprinted code (code "") the code its place implies: the
    last row of the level above plus its own last printed part (`7 11 02` after `210 11`
    is 2101102). A `malformed_code` warning keeps the printed text; a row with no place
    is left out with an error."""
    out, last = [], {}
    for row in rows:
        if row.kind == "coded" and row.code == "":
            parent = last.get(row.level - 1)
            part = row.raw_code.split()[-1].zfill(2)
            if parent is None:
                issues.append(ParseIssue(rule="malformed_code", severity="error", table=table, page=row.page,
                                         code=row.raw_code, message=f"{table}: code {row.raw_code!r} ({row.name}) "
                                         f"is misprinted and has no row above it to place it; left out"))
                continue
            code = parent + part
            issues.append(ParseIssue(rule="malformed_code", severity="warning", table=table, page=row.page,
                                     code=code, message=f"{table}: code printed {row.raw_code!r} ({row.name}) "
                                     f"under {parent}; read as {code}"))
            row = row.model_copy(update={"code": code, "parent_code": parent})
        if row.kind == "coded":
            last[row.level] = row.code
            for deeper in [lv for lv in last if lv > row.level]:
                del last[deeper]
        out.append(row)
    return out


def _department(lines: list[str]) -> str | None:
    for line in lines:
        for pattern in DOCUMENT.department_res:
            m = pattern.search(fold(line))
            if m:
                return m.group("name").strip()
    return None


def _fiscal_year(lines: list[str]) -> int | None:
    for line in lines:
        for pattern in DOCUMENT.fiscal_year_res:
            m = pattern.search(fold(line))
            if m:
                return int(m.group("year"))
    return None
