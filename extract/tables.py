"""Pages of lines → the document's tables (`ParsedDocument`).

The tables read their sections (extract.sections, the one segmentation stage: titles by
grammar cut each page into table sections, a section ends at the next title, at prose
or at a page of prose; 目录 pages and forms' pages are no tables). Each table section's
lines are fed to its table; amount rows in a ruling that no section claims are reported
(`unread`). Then each table is read: every table's cells with their header paths
(extract.cells); for a profile read by lines, each line by the row grammar of the
table's shape (extract.rows), every line that is not a row being header text used later
to find the printed columns; for a profile read by cells, its rows from the cells by shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..domain import DocumentWords, Profile
from ..normalize.text import compact, fold, has_cjk
from ..schemas.intermediate import Page, ParsedDocument, ParsedTable, ParseIssue, Sections, SourceRow
from . import rows as row_grammar
from .cells import read_cells, shape_rows
from .facts import document_facts
from .ocr import OCR_HINT
from .sections import is_data_line, ruled_rows, segment


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


def _unit_lines(lines: list[str], words: DocumentWords) -> list[str]:
    """Lines with a unit split over two lines (`单位：万` / `元`, the second half maybe
    printed after the body's name) joined back: the unit line gets the whole unit (one of
    the profile's `words.units`), the second half is dropped from the other line."""
    out = list(lines)
    for i in range(len(out) - 1):
        m = _UNIT_START.search(compact(out[i]))
        if not m or words.unit_re.search(compact(out[i])):
            continue
        rest = compact(out[i + 1])
        for word in sorted(words.units, key=len, reverse=True):
            tail = word[len(m.group("part")):] if word.startswith(m.group("part")) else None
            if tail and rest.endswith(tail):
                out[i] = out[i] + tail
                out[i + 1] = out[i + 1][: out[i + 1].rstrip().rfind(tail[0])].rstrip()
                break
    return out


def _feed(acc: _Acc, source: Page, indices: list[int], issues: list[ParseIssue], profile: Profile) -> None:
    """Read the lines `indices` of a page into a table's accumulator."""
    page = source.number
    words = profile.document
    lines = _unit_lines([source.lines[i] for i in indices], words)
    slots = [source.slots[i] if source.slots else () for i in indices]
    if page not in acc.pages:
        acc.pages.append(page)
    acc.chunks.append((source, indices))
    spec = profile.tables.get(acc.key) if acc.key else None
    shape = spec.shape if spec and profile.reader == "lines" else None
    parsed_lines: list[list[SourceRow] | None] = []
    for n, line in enumerate(lines):
        text = compact(line)
        unit = words.unit_re.search(text)
        if not line or _BODY_LINE.match(text) and not unit:
            acc.skip.add((page, indices[n]))  # a body line (`部门：…`) or the second half of a unit
            parsed_lines.append([])
            continue
        named = unit or words.unit_line_re.search(text)  # a unit word, known or not
        noted = any(note in fold(line) for note in words.empty_table_notes)
        if named or noted:
            acc.skip.add((page, indices[n]))
        if not unit and named:
            issues.append(ParseIssue(rule="unknown_unit", severity="error", table=acc.key, page=page,
                                     message=f"{acc.key}: unit line {line!r} names no unit yusuan knows "
                                             f"({', '.join(words.units)})"))
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
        if noted:
            acc.empty_note = True
            parsed_lines.append([])
            continue
        if shape is None:  # read from its cells at the end (or not at all: unclassified)
            parsed_lines.append([])
            continue
        before = len(issues)
        if shape == "coded":
            digits = words.code_first_digits.get(spec.classification or "", ())
            # Two column groups side by side: one row per group, and group totals.
            parts = row_grammar.split_groups(line) if spec.side_by_side else [line]
            got = [row for part in parts
                   if (row := row_grammar.parse_coded(part, page, acc.key, issues, digits, words.total_row_labels)
                       or (spec.side_by_side and row_grammar.parse_group_total(part, page, acc.key, issues)))] or None
        elif shape == "two_sided":
            got = row_grammar.parse_two_sided(line, page, acc.key, issues, words.two_sided) or None
        else:
            row = row_grammar.parse_values(line, page, acc.key, issues)
            got = [row] if row else None
        acc.line_issues += issues[before:]
        boxes = tuple(w.box for w in source.words[indices[n]]) if got and source.words else ()
        parsed_lines.append(place(got, line, slots[n], boxes) if got else got)
    if shape is None:
        return
    used = _attach_wrapped_names(spec, lines, parsed_lines)
    if shape == "two_sided":
        used |= _attach_wrapped_items(spec, page, lines, parsed_lines, issues, slots, words)
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
                          issues: list[ParseIssue], slots: list[tuple], words: DocumentWords) -> set[int]:
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
        parsed[i - 1][-1] = place([row_grammar.make_item(label, cells, page, None, words.two_sided)], line, slots[i])[0]
    return used


def parse_pages(pages: list[Page], profile: Profile, claimed: set[int] = frozenset(),
                sections: Sections | None = None) -> ParsedDocument:
    """Given a document's pages, its layout profile and the pages other sections claim
    (forms), or its sections already cut (extract.sections.segment), return its tables
    (classified and not), metadata, page regions of amount rows no table claims, what
    could not be read, and the sections. A claimed page continues no table."""
    if sections is None:
        sections = segment(pages, profile, claimed)
    issues: list[ParseIssue] = []
    accs: dict[int, _Acc] = {}
    unread: list[tuple[int, str]] = []
    title_lines: list[str] = []
    for page in pages:
        if page.problem:
            issues.append(ParseIssue(
                rule=page.problem, severity="error", page=page.number,
                message=f"page {page.number}: " + (f"no text layer (a scan or an image); its content is not read: "
                                                   f"OCR reads it ({OCR_HINT})" if page.problem == "no_text_layer"
                                                   else "its fonts have no Unicode mapping; its text is not read")))
        for section in sections.on(page.number):
            if section.kind != "table":
                continue
            if section.table is None:
                data = [i for i in section.lines if is_data_line(page.lines[i])]
                if data and ruled_rows(page, data):
                    unread.append((page.number, page.lines[data[0]]))
                continue
            if section.heading:
                title_lines.append(section.title)
            acc = accs.setdefault(section.table, _Acc(key=section.key, title=section.title))
            _feed(acc, page, list(section.content), issues, profile)
    ordered = [accs[n] for n in sorted(accs)]
    tables = [_finish(acc, profile, issues) for acc in ordered if acc.key is not None]
    others = [_finish(acc, profile, issues) for acc in ordered if acc.key is None]
    facts = document_facts([line for p in pages for line in p.lines], title_lines, profile.document)
    return ParsedDocument(
        pages=len(pages),
        department=facts.department,
        fiscal_year=facts.fiscal_year,
        scope=facts.scope,
        tables=tuple(tables),
        issues=tuple(issues),
        unclassified=tuple(others),
        unread=tuple(unread),
        sections=sections.all,
    )


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
        digits = profile.document.code_first_digits.get(spec.classification or "", ())
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
