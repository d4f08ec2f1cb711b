"""Pages → sections: the one segmentation stage every reader of a document reads.

Every line of every page is given to one section (extract.schemas `Section`): a table
(its title, unit, header, rows and notes), prose, a form's page, a cover, a 目录 page, or
a blank page; table numbers on their own line and page numbers (outside the ruling, a
page's first or last line) are in none. The tables (extract.tables) read their table
sections, the forms reader the pages forms claim, and the validators their sections
through `Sections`: the prose rules, prose figures and heading checks the running text,
the rules over table rows each line's table. No reader decides again what is prose or
which table a line is in.

How a page is cut (titles by grammar, extract.titles, with the document's profile):
- A page's lines go to the table whose title is on that page; a page without a title but
  with data rows (or a ruling) continues the table before it, unless a form claims the
  page. A section ends at the next title (known or not: a table no kind fits is kept as
  cells), at prose or a part heading printed below it, at a page of prose.
- Two layouts are handled without being told which one a document uses: title first
  (published PDFs: lines after a title belong to it, lines before the first title of a
  page continue the previous table), and title after the data (the raw text of seed 000:
  the rows of a page come first and its title, unit and header cells after them).
- A page listing three or more titles or 目录 entries and no amount is a 目录 page, not
  tables; a 目录 entry (`一、收支预算总表 ………… 5`: name, leader dots, page number) is a
  contents line wherever it is printed, never a row.
- The words of all this (notes, unit lines, table and page numbers, 目录 entries, how a
  wrapped title starts) are the profile's document words (domain.DocumentWords).
- Text outside any table is prose, the lines of a sentence wrapped after an amount too.
  Amount rows in a ruling with no title above them and no table to continue are an
  untitled table section: the rows no table claims (`unread_table`).
- The leading pages that print no sentence are the cover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..domain import DOMAIN, DocumentWords, Profile
from ..normalize.codes import CODE_PREFIX
from ..normalize.numbers import looks_numeric
from ..normalize.text import compact, fold, has_cjk, memo
from ..schemas.intermediate import Page, Section, SectionKind, Sections
from . import rows as row_grammar
from .forms import find_forms
from .ruled_forms import find_ruled_forms
from .titles import PART_HEADING, Title, parse_title

MIN_CONTENTS_TITLES = 3
"""A page listing this many titles or 目录 entries and no amount is a 目录 page."""
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


def find_all_forms(pages: list[Page], profile: Profile):
    """The performance-target forms of a document (as printed: text forms, ruled forms)
    and the pages they claim."""
    match_title = title_matcher(profile)
    text_forms, ruled_forms = find_forms(pages, match_title), find_ruled_forms(pages, match_title)
    claimed = {line.page for form in text_forms for line in form} | {
        cell.page for form in ruled_forms for row in form for cell in row}
    return text_forms, ruled_forms, claimed


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


def _is_note(line: str, words: DocumentWords) -> bool:
    """A line that starts a table's note (`注：`, `说明：`) or says the table is empty."""
    return bool(words.note_pattern.match(compact(line))) or any(n in fold(line) for n in words.empty_table_notes)


def _is_prose(page: Page, i: int, words: DocumentWords) -> bool:
    """A sentence printed outside any ruled row of a PDF page (not a table's note)."""
    line = page.lines[i]
    if page.bands and page.bands[i] is None and PART_HEADING.match(fold(line)):
        return True  # `第三部分 …`: the document moves on to its next part
    return (bool(page.bands) and page.bands[i] is None and len(line) >= PROSE_LINE
            and bool(_PROSE_PUNCT.search(line)) and not _is_note(line, words))


def _cut_at_prose(page: Page, indices: list[int], words: DocumentWords,
                  entries: set[int] = frozenset()) -> tuple[list[int], list[int]]:
    """A table's lines on a page → (its lines, the prose after them): a table never
    continues into the prose printed below it. A 目录 entry (`entries`) is no data row."""
    seen_data = False
    for n, i in enumerate(indices):
        if (seen_data or PART_HEADING.match(fold(page.lines[i]))) and _is_prose(page, i, words):
            return indices[:n], indices[n:]
        seen_data = seen_data or (i not in entries and is_data_line(page.lines[i]))
    return indices, []


FURNITURE_LENGTH = 16
"""A table number or page number line is no longer than this (as printed, spaces too)."""


def _furniture(page: Page, i: int, words: DocumentWords) -> bool:
    """A line that is no table's content: a table number printed on its own line above
    its title (`公开 01 表`), or a page number: outside the ruling and in the page's top or
    bottom margin, its first or last line (a PDF page's lines are ordered by their
    baseline, top to bottom). A number alone on a line inside the page is a cell (an
    amount wrapped onto its own line in an unruled table), never a page number."""
    if len(page.lines[i]) > FURNITURE_LENGTH:
        return False
    if words.table_number_pattern.match(compact(page.lines[i])):
        return True
    return (bool(page.bands) and page.bands[i] is None and i in (0, len(page.lines) - 1)
            and bool(words.page_number_pattern.match(fold(page.lines[i]))))


def contents_entries(page: Page, words: DocumentWords) -> set[int]:
    """The lines of a page that are 目录 entries: a name, leader dots and a page number
    (`一、收支预算总表 ………… 5`): contents lines, never table rows."""
    return {i for i, line in enumerate(page.lines) if words.contents_line_pattern.match(compact(line))}


def _titles(lines: tuple[str, ...], profile: Profile) -> tuple[list[tuple[int, Title, str]], set[int]]:
    """A page's title lines (index, title, text) and the indices of second lines of titles
    wrapped over two lines (`2018年度江苏省高级人民法院一般公共预算` / `支出预算表`)."""
    out, wrapped = [], set()
    for i, line in enumerate(lines):
        if i in wrapped:
            continue
        hit = parse_title(line, profile)
        if ((hit is None or hit.key is None) and i + 1 < len(lines) and len(line) < 60
                and not is_data_line(line) and profile.document.title_start_pattern.search(line)):
            alone = parse_title(lines[i + 1], profile)
            joined = parse_title(line + lines[i + 1], profile)
            if joined and joined.key and (alone is None or alone.key is None) and (hit or joined.year or joined.number):
                out.append((i, joined, line + lines[i + 1]))
                wrapped.add(i + 1)
                continue
        if hit:
            out.append((i, hit, line))
    return out, wrapped


class _Cut:
    """One page cut for its tables: the lines continuing the previous table (`head`), each
    title's (title, title text, heading lines, lines), the prose after a table, the other
    text (prose above a PDF page's first title), the 目录 entries, and whether the page is
    a 目录."""

    __slots__ = ("head", "segments", "prose", "text", "contents", "entries")

    def __init__(self, head, segments, prose, text=(), contents=False):
        self.head: list[int] = head
        self.segments: list[tuple[Title, str, tuple[int, ...], list[int]]] = segments
        self.prose: list[int] = prose
        self.text: list[int] = list(text)
        self.contents: bool = contents
        self.entries: list[int] = []


def _cut(page: Page, profile: Profile) -> _Cut:
    """Cut a page's lines for its tables (furniture left out of every part, wrapped title
    lines out of every table's lines: they are its heading; 目录 entries out of every part:
    they are contents, `entries`)."""
    words = profile.document
    titles, wrapped = _titles(page.lines, profile)
    entries = contents_entries(page, words)
    cut = _cut_of(page, titles, wrapped, words, entries)
    furniture = {i for i in range(len(page.lines)) if _furniture(page, i, words)}
    if furniture or wrapped or entries:
        gone = furniture | wrapped | entries
        cut.head = [i for i in cut.head if i not in gone]
        cut.segments = [(t, line, heading, [i for i in ls if i not in gone]) for t, line, heading, ls in cut.segments]
        # A prose part starts at a sentence, never at furniture: it stays non-empty.
        cut.prose = [i for i in cut.prose if i not in furniture | entries]
        cut.text = [i for i in cut.text if i not in furniture | entries]
        cut.entries = sorted(entries - furniture)
    return cut


def _cut_of(page: Page, titles, wrapped: set[int], words: DocumentWords, entries: set[int]) -> _Cut:
    lines = list(page.lines)
    listed = len({t.key or t.name for _, t, _ in titles}) + len(entries)
    if listed >= MIN_CONTENTS_TITLES and not _prints_amounts([line for i, line in enumerate(lines) if i not in entries]):
        # A table of contents lists titles only.
        head, prose = _cut_at_prose(page, list(range(len(lines))), words, entries)
        return _Cut(head, [], prose, contents=True)
    everything = list(range(len(lines)))
    if not titles:
        head, prose = _cut_at_prose(page, everything, words, entries)
        return _Cut(head, [], prose)

    def heading(i: int) -> tuple[int, ...]:
        return (i, i + 1) if i + 1 in wrapped else (i,)

    data = [i for i, line in enumerate(lines) if i not in entries and is_data_line(line)]
    # A PDF prints a table's title above it; only raw text moves it below the rows.
    title_first = bool(page.bands) or not data or titles[0][0] < data[0]
    segments = []
    prose: list[int] = []
    if title_first:
        head = everything[: titles[0][0]]
        bounds = [t[0] for t in titles] + [len(lines)]
        for (i, key, title), end in zip(titles, bounds[1:]):
            mine, after = _cut_at_prose(page, everything[i + 1:end], words, entries)
            segments.append((key, title, heading(i), mine))
            prose += after
        if page.bands:
            # In a PDF only a unit line above the first title is that table's; ruled rows
            # there continue the table of the page before, the rest is prose.
            above = [i for i in head if page.bands[i] is None and words.unit_re.search(compact(lines[i]))]
            key, title, first_heading, first = segments[0]
            segments[0] = (key, title, first_heading, above + first)
            head = [i for i in head if i not in above]
            head, text = _cut_at_prose(page, head, words, entries)  # prose above the first title ends nothing below it
            return _Cut(head, segments, prose, text)
        if not any(is_data_line(lines[i]) for i in head):
            # A unit line or header printed above the title belongs to that table.
            key, title, first_heading, first = segments[0]
            segments[0], head = (key, title, first_heading, head + first), []
        else:
            head, after = _cut_at_prose(page, head, words, entries)
            prose += after
        return _Cut(head, segments, prose)
    start = 0
    for n, (i, key, title) in enumerate(titles):
        end = len(lines) if n == len(titles) - 1 else i
        segments.append((key, title, heading(i), everything[start:i] + everything[i + 1:end]))
        start = i + 1
    return _Cut([], segments, prose)


def ruled_rows(page: Page, indices: Iterable[int]) -> bool:
    """Amount rows printed inside a ruling (a PDF table), or two or more of them in raw text."""
    indices = list(indices)
    if page.bands:
        return any(page.bands[i] is not None for i in indices)
    return len(indices) >= 2


def _notes(page: Page, lines: Iterable[int], heading: tuple[int, ...], words: DocumentWords) -> tuple[int, ...]:
    """The running text printed in a table's section: its notes (`注：1.…` and the lines it
    wraps onto, an empty-table note: on a PDF page from the first line outside any ruled
    row that starts like a note to the section's end, ruled rows left out; in raw text,
    whose header cells may follow a note, the lines that start like one), and every other
    line of it that reads as a sentence and is no coded row. The cut of a page leaves some
    sentences in a table's section (raw text has no ruling to tell prose by; prose above
    the rows; a 说明 printed in a ruled frame): the prose rules still read them, the table
    reader reads its lines as before."""
    ruled = page.bands
    found: list[int] = []
    for i in lines:
        if i in heading:
            continue
        line = page.lines[i]
        if ruled and ruled[i] is not None:
            if _is_sentence(line) and not _is_coded_line(line):
                found.append(i)
        elif (ruled and found) or _is_note(line, words) or _is_sentence(line) and not _is_coded_line(line):
            found.append(i)
    return tuple(found)


def _is_sentence(line: str) -> bool:
    return len(line) >= PROSE_LINE and bool(_PROSE_PUNCT.search(line))


def _covers(pages: list[Page], sections: list[Section]) -> list[Section]:
    """The leading pages that print no sentence and no table, form or 目录: their prose
    sections become the cover."""
    by_page: dict[int, list[Section]] = {}
    for s in sections:
        by_page.setdefault(s.page, []).append(s)
    cover: set[int] = set()
    for page in pages:
        mine = by_page.get(page.number, [])
        if not page.lines:
            continue
        if any(s.kind != "prose" for s in mine) or any(_is_sentence(line) for line in page.lines):
            break
        cover.add(page.number)
    return [s.model_copy(update={"kind": "cover"}) if s.page in cover else s for s in sections]


def segment(pages: list[Page], profile: Profile, claimed: set[int] = frozenset()) -> Sections:
    """Given a document's pages, its layout profile and the pages its forms claim, return
    every section of every page (the module's docstring says how a page is cut); table
    sections carry their table's index, kind and title."""
    words = profile.document
    out: list[Section] = []
    keys: dict[str, int] = {}  # a classified table's key → its order among the classified
    unclassified = 0
    current: tuple[str | None, int] | None = None  # the open table: (key, order among its kind)
    titles: dict[tuple[str | None, int], str] = {}

    def table(page: Page, ref, lines, heading=(), title: str | None = None) -> Section:
        lines = tuple(sorted({*lines, *heading}))
        return Section(page=page.number, kind="table", lines=lines, heading=heading,
                       notes=_notes(page, lines, heading, words),
                       table=-1 - ref[1] if ref[0] is None else ref[1], key=ref[0], title=title or titles[ref])

    def text(page: Page, lines: list[int], kind: SectionKind) -> None:
        """Add a text section; one page's text before and after nothing else is one section."""
        if not lines:
            return
        last = out[-1] if out else None
        if last is not None and last.page == page.number and last.kind == kind:
            out[-1] = last.model_copy(update={"lines": tuple(sorted({*last.lines, *lines}))})
        else:
            out.append(Section(page=page.number, kind=kind, lines=tuple(lines)))

    for page in pages:
        if not page.lines:
            out.append(Section(page=page.number, kind="blank", lines=()))
            if not page.problem:
                current = None
            continue
        cut = _cut(page, profile)
        head = cut.head
        head_data = [i for i in head if is_data_line(page.lines[i])]
        ruled_head = bool(page.bands) and any(page.bands[i] is not None for i in head)
        text_kind: SectionKind = "form" if page.number in claimed else "contents" if cut.contents else "prose"
        if page.number in claimed:
            text(page, head, "form")
            current, head, head_data = None, [], []  # a form's page: read by the form reader
        if head and current is not None and (head_data or ruled_head):
            out.append(table(page, current, head))
        elif head and head_data and ruled_rows(page, head_data):
            out.append(Section(page=page.number, kind="table", lines=tuple(head),  # rows no title claims
                               notes=_notes(page, head, (), words)))
        else:
            text(page, head, text_kind)
            if not cut.segments and not head_data and not page.problem:
                current = None  # a prose page ends the table before it
        text(page, cut.text, text_kind)
        text(page, cut.entries, "form" if page.number in claimed else "contents")
        for title, line, heading, lines in cut.segments:
            if title.key is None:
                current = (None, unclassified)
                unclassified += 1
            else:
                current = (title.key, keys.setdefault(title.key, len(keys)))
            titles.setdefault(current, line)
            out.append(table(page, current, lines, heading, line))
        if cut.prose:
            text(page, cut.prose, text_kind)
            current = None
    # Classified tables first, then the unclassified (ParsedDocument.all_tables).
    out = [s.model_copy(update={"table": len(keys) + (-1 - s.table)}) if s.table is not None and s.table < 0
           else s for s in out]
    return Sections(_covers(pages, out))


def sections_of(pages: list[Page], profile: Profile | None = None) -> Sections:
    """The sections of pages read outside the pipeline (a validator called on its own):
    the profile chosen as the pipeline chooses it, the forms' pages claimed."""
    profile = profile or choose_profile(pages)
    return segment(pages, profile, find_all_forms(pages, profile)[2])


def choose_profile(pages: list[Page]) -> Profile:
    """The profile a document's pages follow, chosen as the pipeline chooses it (the one
    whose titles the pages name most), for a stage called on its own."""
    return DOMAIN.choose(lambda p: profile_score(pages, p))
