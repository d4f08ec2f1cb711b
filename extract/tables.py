"""Pages of lines → the document's tables (`ParsedDocument`).

Segmentation first: titles (extract.titles, by grammar, with the document's profile)
cut each page into table sections. A page's lines go to the table whose title is on that
page; a page without a title but with data rows continues the table before it, unless a
form claims the page. A section ends at the next title (known or not: a table no kind
fits is kept as cells), at prose or a part heading printed below it, at a page of
prose; table numbers on their own line and page numbers are no content; 目录 pages are
no tables. Amount rows in a ruling that no section claims are reported (`unread`). Two
layouts are handled without being told which one a document uses:
- title first (published PDFs): lines after a title belong to it, lines before the first
  title of a page continue the previous table;
- title after the data (the raw text of seed 000): the rows of a page come first and its
  title, unit and header cells after them, scrambled.
Then each table is read: every table's cells with their header paths (extract.cells);
for a profile read by lines, each line by the row grammar of the table's shape
(extract.rows), every line that is not a row being header text used later to find the
printed columns; for a profile read by cells, its rows from the cells by shape.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..domain import DOCUMENT, Profile
from ..normalize.codes import CODE_PREFIX
from ..normalize.numbers import looks_numeric
from ..normalize.text import compact, fold, has_cjk, memo
from ..schemas.intermediate import Page, ParsedDocument, ParsedTable, ParseIssue, SourceRow
from . import rows as row_grammar
from .cells import read_cells, shape_rows
from .facts import document_facts
from .ocr import OCR_HINT
from .titles import PART_HEADING, Title, parse_title

# Matched on the compacted line: text layers space CJK out (`单位： 万 元`), and some write
# `人民币万元` or `金额单位：`. `编制单位：` names the body, not the unit.
_UNIT = re.compile(r"(?<!编制)(?<!预算)单位[:：](?:人民币)?(?P<unit>"
                   + "|".join(sorted(DOCUMENT.units, key=len, reverse=True)) + ")")
_UNIT_LINE = re.compile(r"(?<!编制)(?<!预算)单位[:：](?P<word>[^\d\s:：]{1,8})")
MIN_CONTENTS_TITLES = 3
PROSE_LINE = 20
"""A line outside ruled rows at least this long, with a sentence's punctuation, is prose:
it ends the table printed above it on the page."""
_PROSE_PUNCT = re.compile(r"[，。；]")


def title_matcher(profile: Profile):
    """Given a profile, return `match(line) -> (table key, fiscal year) | None` for the
    consumers that only need to know where a known table starts (forms)."""
    def match(line: str) -> tuple[str, int | None] | None:
        title = parse_title(line, profile)
        return (title.key, title.year) if title and title.key else None
    return match


def profile_score(pages: list[Page], profile: Profile) -> int:
    """How many distinct tables of the profile a document's title lines name."""
    keys = {t.key for p in pages for line in p.lines if len(line) <= 80
            and (t := parse_title(line, profile)) and t.key}
    return len(keys)


def _is_coded_line(line: str) -> bool:
    m = CODE_PREFIX.match(fold(line))
    return bool(m) and has_cjk(fold(line)[m.end():m.end() + 1])


@memo
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
    key: str | None
    title: str
    pages: list[int] = field(default_factory=list)
    unit: str | None = None
    header: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    empty_note: bool = False
    chunks: list[tuple[Page, list[int]]] = field(default_factory=list)
    """The table's lines, page by page, for its cells."""
    skip: set[tuple[int, int]] = field(default_factory=set)
    """(page, line) of unit, body and note lines: no cells."""
    line_issues: list[ParseIssue] = field(default_factory=list)
    """What the line grammar found in its rows: void when the table is read from its cells
    instead (its columns continue on another page, so its lines hold parts of rows)."""


_BODY_LINE = re.compile(r"^(?:编制部门|编制单位|预算单位|预算部门|部门|部门名称|单位名称)[:：]")
_UNIT_START = re.compile(r"单位[:：](?:人民币)?(?P<part>[^\d\s:：]{0,3})$")


def _unit_lines(lines: list[str]) -> list[str]:
    """Lines with a unit split over two lines (`单位：万` / `元`, the second half maybe
    printed after the body's name) joined back: the unit line gets the whole unit, the
    second half is dropped from the other line."""
    out = list(lines)
    for i in range(len(out) - 1):
        m = _UNIT_START.search(compact(out[i]))
        if not m or _UNIT.search(compact(out[i])):
            continue
        rest = compact(out[i + 1])
        for word in sorted(DOCUMENT.units, key=len, reverse=True):
            tail = word[len(m.group("part")):] if word.startswith(m.group("part")) else None
            if tail and rest.endswith(tail):
                out[i] = out[i] + tail
                out[i + 1] = out[i + 1][: out[i + 1].rstrip().rfind(tail[0])].rstrip()
                break
    return out


def _feed(acc: _Acc, source: Page, indices: list[int], issues: list[ParseIssue], profile: Profile) -> None:
    """Read the lines `indices` of a page into a table's accumulator."""
    page = source.number
    lines = _unit_lines([source.lines[i] for i in indices])
    slots = [source.slots[i] if source.slots else () for i in indices]
    boxes = [tuple(w.box for w in source.words[i]) if source.words else () for i in indices]
    if page not in acc.pages:
        acc.pages.append(page)
    acc.chunks.append((source, indices))
    spec = profile.tables.get(acc.key) if acc.key else None
    shape = spec.shape if spec and profile.reader == "lines" else None
    parsed_lines: list[list[SourceRow] | None] = []
    for n, line in enumerate(lines):
        if not line or _BODY_LINE.match(compact(line)) and not _UNIT.search(compact(line)):
            acc.skip.add((page, indices[n]))  # a body line (`部门：…`) or the second half of a unit
            parsed_lines.append([])
            continue
        unit = _UNIT.search(compact(line))
        if unit or any(note in fold(line) for note in DOCUMENT.empty_table_notes) or _UNIT_LINE.search(compact(line)):
            acc.skip.add((page, indices[n]))
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
        if shape is None:  # read from its cells at the end (or not at all: unclassified)
            parsed_lines.append([])
            continue
        before = len(issues)
        if shape == "coded":
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
        acc.line_issues += issues[before:]
        n_line = len(parsed_lines)
        parsed_lines.append(place(got, line, slots[n_line], boxes[n_line]) if got else got)
    if shape is None:
        return
    used = _attach_wrapped_names(spec, lines, parsed_lines)
    if shape == "two_sided":
        used |= _attach_wrapped_items(spec, page, lines, parsed_lines, issues, slots)
    for i, (line, parsed) in enumerate(zip(lines, parsed_lines)):
        if parsed:
            acc.rows.extend(parsed)
        elif parsed is None and i not in used:
            acc.header.append(line)


def place(rows: list[SourceRow], line: str, slots: tuple, boxes: tuple = ()) -> list[SourceRow]:
    """Give the number tokens of the rows read from one line their geometric slots and
    cell boxes.

    The rows' tokens are found, in order, among the line's words; a row any of whose
    tokens is not found, or sits in no ruled slot, keeps no slots (its columns are then
    decided by the identities), but every token found keeps its box.
    """
    if not slots:
        return rows
    words = line.split()
    at, out = 0, []
    for row in rows:
        found, start = [], at
        for token in row.tokens:
            while at < len(words) and words[at] != token.raw:
                at += 1
            if at == len(words):
                found, at = None, start  # the next row of the line is looked for from here
                break
            found.append(at)
            at += 1
        if not found:
            out.append(row)
            continue
        ruled = all(slots[k] is not None for k in found)
        out.append(row.model_copy(update={"tokens": tuple(
            token.model_copy(update={"slot": slots[k] if ruled else None, "box": boxes[k] if boxes else None})
            for token, k in zip(row.tokens, found))}))
    return out


_NOT_NAME = ("科目", "编码", "项目", "合计", "类款", "单位", "预算")


def _is_name_fragment(spec, line: str) -> bool:
    """True when a line is a piece of a wrapped row name (one CJK token, no header word)."""
    text = compact(line)
    if " " in line.strip() or not has_cjk(text) or any(w in text for w in _NOT_NAME):
        return False
    words = [compact(w) for c in spec.columns for w in spec.header_words(c)]
    return not any(text in w or w in text for w in words)


def _attach_wrapped_names(spec, lines: list[str], parsed: list[list[SourceRow] | None]) -> set[int]:
    """Give a code row printed without its name (`201 03 99 20,120,000.00 …`, the name
    wrapped above and below it in the text layer) the name fragments around it.

    Returns the indices of the lines used as fragments.
    """
    used: set[int] = set()
    for i, rows in enumerate(parsed):
        if not rows or rows[0].kind != "coded" or rows[0].name:
            continue
        around = [j for j in (i - 1, i + 1) if 0 <= j < len(lines) and parsed[j] is None
                  and j not in used and _is_name_fragment(spec, lines[j])]
        if around:
            used.update(around)
            rows[0] = rows[0].model_copy(update={"name": "".join(lines[j].strip() for j in around)})
    return used


def _attach_wrapped_items(spec, page: int, lines: list[str], parsed: list[list[SourceRow] | None],
                          issues: list[ParseIssue], slots: list[tuple]) -> set[int]:
    """Join an item whose label wrapped around its numbers in the text layer:
    `四、文化旅游体育与传媒` / `200,000 200,000` / `支出` → one 支出 item with two cells.

    Returns the indices of the lines used.
    """
    used: set[int] = set()
    for i, line in enumerate(lines):
        if parsed[i] is not None or i == 0 or not parsed[i - 1]:
            continue
        cells = row_grammar.numbers_only(line, page, spec.key, issues)
        item = parsed[i - 1][-1]
        if cells is None or item.tokens:
            continue
        label = item.name
        used.add(i)
        if i + 1 < len(lines) and parsed[i + 1] is None and _is_name_fragment(spec, lines[i + 1]):
            label += lines[i + 1].strip()
            used.add(i + 1)
        parsed[i - 1][-1] = place([row_grammar.make_item(label, cells, page)], line, slots[i])[0]
    return used


_AMOUNT = re.compile(r"^[-(]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\)?$|^[-(]?\d+\.\d+\)?$")


def _prints_amounts(lines: list[str]) -> bool:
    """True when lines print table data: a coded row, an amount with a thousands
    separator or decimals, or two numbers on one line. A table of contents prints only
    one page number after each title."""
    for line in lines:
        tokens = fold(line).split()
        if _is_coded_line(line) or any(_AMOUNT.match(t) for t in tokens):
            return True
        if sum(looks_numeric(t) and any(c.isdigit() for c in t) for t in tokens) >= 2:
            return True
    return False


def _is_prose(page: Page, i: int) -> bool:
    """A sentence printed outside any ruled row of a PDF page (not a table's note)."""
    line = page.lines[i]
    if page.bands and page.bands[i] is None and PART_HEADING.match(fold(line)):
        return True  # `第三部分 …`: the document moves on to its next part
    return (bool(page.bands) and page.bands[i] is None and len(line) >= PROSE_LINE
            and bool(_PROSE_PUNCT.search(line)) and not compact(line).startswith(("注", "说明"))
            and not any(note in fold(line) for note in DOCUMENT.empty_table_notes))


def _cut_at_prose(page: Page, indices: list[int]) -> tuple[list[int], list[int]]:
    """A table's lines on a page → (its lines, the prose after them): a table never
    continues into the prose printed below it."""
    seen_data = False
    for n, i in enumerate(indices):
        if (seen_data or PART_HEADING.match(fold(page.lines[i]))) and _is_prose(page, i):
            return indices[:n], indices[n:]
        seen_data = seen_data or is_data_line(page.lines[i])
    return indices, []


_NUMBER_LINE = re.compile(r"^(?:公开\d+表|附表\d+|附表[一二三四五六七八九十]+|表[一二三四五六七八九十\d]+)$")
_PAGE_NUMBER = re.compile(r"^[-—–]?\s*\d{1,4}\s*[-—–]?$|^第\s*\d{1,4}\s*页$")


def _furniture(page: Page, i: int) -> bool:
    """A line that is no table's content: a table number printed on its own line above
    its title (`公开 01 表`), or a page number outside the ruling."""
    text = compact(page.lines[i])
    if _NUMBER_LINE.match(text):
        return True
    return bool(page.bands) and page.bands[i] is None and bool(_PAGE_NUMBER.match(fold(page.lines[i])))


def _segments(page: Page, profile: Profile) -> tuple[list[int], list[tuple[Title, str, list[int]]], list[int]]:
    """Split a page's line indices into (lines continuing the previous table,
    [(title, title line, lines)], prose lines after a table)."""
    titles, wrapped = _titles(page.lines, profile)
    head, segments, prose = _segments_of(page, titles)
    keep = [i for i in range(len(page.lines)) if not _furniture(page, i) and i not in wrapped]
    kept = set(keep)
    return ([i for i in head if i in kept], [(t, line, [i for i in ls if i in kept]) for t, line, ls in segments],
            prose)


_TITLE_START = re.compile(r"(?:19|20)\d\d\s*年|^公开|^附表|^表|^[一二三四五六七八九十]+、")


def _titles(lines: tuple[str, ...], profile: Profile) -> tuple[list[tuple[int, Title, str]], set[int]]:
    """A page's title lines (index, title, text) and the indices of second lines of titles
    wrapped over two lines (`2018年度江苏省高级人民法院一般公共预算` / `支出预算表`)."""
    out, wrapped = [], set()
    for i, line in enumerate(lines):
        if i in wrapped:
            continue
        hit = parse_title(line, profile)
        if ((hit is None or hit.key is None) and i + 1 < len(lines) and len(line) < 60
                and _TITLE_START.search(line) and not is_data_line(line)):
            alone = parse_title(lines[i + 1], profile)
            joined = parse_title(line + lines[i + 1], profile)
            if joined and joined.key and (alone is None or alone.key is None) and (hit or joined.year or joined.number):
                out.append((i, joined, line + lines[i + 1]))
                wrapped.add(i + 1)
                continue
        if hit:
            out.append((i, hit, line))
    return out, wrapped


def _segments_of(page: Page, titles) -> tuple[list[int], list[tuple[Title, str, list[int]]], list[int]]:
    lines = list(page.lines)
    if len({t.key or t.name for _, t, _ in titles}) >= MIN_CONTENTS_TITLES and not _prints_amounts(lines):
        titles = []  # a table of contents lists the titles without their tables
    everything = list(range(len(lines)))
    if not titles:
        head, prose = _cut_at_prose(page, everything)
        return head, [], prose
    data = [i for i, line in enumerate(lines) if is_data_line(line)]
    # A PDF prints a table's title above it; only raw text moves it below the rows.
    title_first = bool(page.bands) or not data or titles[0][0] < data[0]
    segments = []
    prose: list[int] = []
    if title_first:
        head = everything[: titles[0][0]]
        bounds = [t[0] for t in titles] + [len(lines)]
        for (i, key, title), end in zip(titles, bounds[1:]):
            mine, after = _cut_at_prose(page, everything[i + 1:end])
            segments.append((key, title, mine))
            prose += after
        if page.bands:
            # In a PDF only a unit line above the first title is that table's; ruled rows
            # there continue the table of the page before, the rest is prose.
            above = [i for i in head if page.bands[i] is None and _UNIT.search(compact(lines[i]))]
            key, title, first = segments[0]
            segments[0] = (key, title, above + first)
            head = [i for i in head if i not in above]
            head, _ = _cut_at_prose(page, head)  # prose above the first title ends nothing below it
            return head, segments, prose
        if not any(is_data_line(lines[i]) for i in head):
            # A unit line or header printed above the title belongs to that table.
            key, title, first = segments[0]
            segments[0], head = (key, title, head + first), []
        else:
            head, after = _cut_at_prose(page, head)
            prose += after
        return head, segments, prose
    start = 0
    for n, (i, key, title) in enumerate(titles):
        end = len(lines) if n == len(titles) - 1 else i
        segments.append((key, title, everything[start:i] + everything[i + 1:end]))
        start = i + 1
    return [], segments, prose


def parse_pages(pages: list[Page], profile: Profile, claimed: set[int] = frozenset()) -> ParsedDocument:
    """Given a document's pages, its layout profile and the pages other sections claim
    (forms), return its tables (classified and not), metadata, page regions of amount
    rows no table claims, and what could not be read. A claimed page continues no table."""
    issues: list[ParseIssue] = []
    accs: dict[str, _Acc] = {}
    unclassified: list[_Acc] = []
    current: _Acc | None = None
    years: Counter[int] = Counter()
    unread: list[tuple[int, str]] = []
    title_lines: list[str] = []
    for page in pages:
        head, segments, prose = _segments(page, profile)
        if page.problem:
            issues.append(ParseIssue(
                rule=page.problem, severity="error", page=page.number,
                message=f"page {page.number}: " + (f"no text layer (a scan or an image); its content is not read: "
                                                   f"OCR reads it ({OCR_HINT})" if page.problem == "no_text_layer"
                                                   else "its fonts have no Unicode mapping; its text is not read")))
        head_data = [i for i in head if is_data_line(page.lines[i])]
        ruled_head = bool(page.bands) and any(page.bands[i] is not None for i in head)
        if page.number in claimed:
            current, head, head_data = None, [], []  # a form's page: read by the form reader
        if head and current is not None and (head_data or ruled_head):
            _feed(current, page, head, issues, profile)
        elif head_data and _ruled_rows(page, head_data):
            unread.append((page.number, page.lines[head_data[0]]))
        elif not segments and not head_data and not page.problem:
            current = None  # a prose page ends the table before it
        for title, line, lines in segments:
            title_lines.append(line)
            if title.year:
                years[title.year] += 1
            if title.key is None:
                current = _Acc(key=None, title=line)
                unclassified.append(current)
            else:
                current = accs.setdefault(title.key, _Acc(key=title.key, title=line))
            _feed(current, page, lines, issues, profile)
        if prose:
            current = None
    tables = [_finish(acc, profile, issues) for acc in accs.values()]
    others = [_finish(acc, profile, issues) for acc in unclassified]
    facts = document_facts([line for p in pages for line in p.lines], title_lines)
    return ParsedDocument(
        pages=len(pages),
        department=facts.department,
        fiscal_year=facts.fiscal_year,
        scope=facts.scope,
        tables=tuple(tables),
        issues=tuple(issues),
        unclassified=tuple(others),
        unread=tuple(unread),
    )


def _ruled_rows(page: Page, indices: list[int]) -> bool:
    """Amount rows printed inside a ruling (a PDF table), or two or more of them in raw text."""
    if page.bands:
        return any(page.bands[i] is not None for i in indices)
    return len(indices) >= 2


def _finish(acc: _Acc, profile: Profile, issues: list[ParseIssue]) -> ParsedTable:
    """An accumulated table → its `ParsedTable`: cells for every table, rows by shape for
    tables of a profile read by cells and tables whose columns continue on another page,
    the unit (assumed with an info when not printed)."""
    read = read_cells(acc.chunks, acc.skip, acc.key, acc.title)
    issues.extend(read.issues)
    spec = profile.tables.get(acc.key) if acc.key else None
    # A table whose columns continue on another page (a spreadsheet print area) is read
    # from its cells in any profile: its lines hold only some columns of each row.
    if spec is not None and (profile.reader == "cells" or read.joined and not spec.side_by_side):
        if acc.line_issues:  # the rows are read again, from the cells, with their own findings
            void = {id(i) for i in acc.line_issues}
            issues[:] = [i for i in issues if id(i) not in void]
        digits = DOCUMENT.code_first_digits.get(spec.classification or "", ())
        acc.rows = shape_rows(spec, read, acc.key, profile, issues, digits)
        acc.header = read.header_lines
    if spec is not None:
        acc.rows = resolve_misprinted_codes(acc.key, acc.rows, issues)
        if acc.unit is None:
            acc.unit = spec.default_unit
            issues.append(ParseIssue(rule="unit_assumed", severity="info", table=acc.key, page=acc.pages[0],
                                     message=f"{acc.key}: no 单位 line; assumed {acc.unit}"))
    return ParsedTable(key=acc.key, title=acc.title, pages=tuple(acc.pages), unit=acc.unit,
                       header_text="\n".join(acc.header), rows=tuple(acc.rows),
                       empty_note=acc.empty_note, cells=tuple(read.cells))


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
