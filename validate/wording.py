"""The wording of a document: slips a careful reader sees in its text, with no number
contradicted — doubled punctuation, unbalanced quotes and brackets, placeholders, the
template's leftovers, cut-off sentences, 部门 wording in a 单位 budget (and the reverse),
another government level's definitions, class names outdated for the year, comparisons
with the budget's own year, a project period outside the year, empty-table notes that
name another fund, sections that say nothing, the body's name misprinted, stock phrases
printed short of a character (validate/phrases.py), blank pages.

One pure function over pages and their sections (extract.sections), `check_wording`, →
`ParseIssue`s, all warnings. The rules over prose read the running text only (cover, 目录,
prose sections: never a table's title, header cells, rows or notes, never a form); the
rules over every line (`lines = "all"`: misprints in a table's row names, outdated class
names) name the table each line's section is in. What each rule looks for is data
(domain/wording.toml); every rule is in domain/rules.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..domain import DocumentWords, Profile
from ..extract.sections import choose_profile, sections_of
from ..normalize.text import clean, compact
from ..schemas.intermediate import TEXT_KINDS, Page, ParseIssue, Sections
from .catalogue import issue
from .phrases import check_phrases, dictionary

SEVERITY = "warning"
CONTEXT = 14
"""Characters of text quoted on either side of what a finding points at."""

_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")


def _words() -> dict:
    return tomllib.loads(resources.files("yusuan.domain").joinpath("wording.toml").read_text("utf-8"))


@dataclass(frozen=True)
class _Pattern:
    rule: str
    regex: re.Pattern[str]
    what: str
    should: str | None
    lines: str
    scope: str | None


@dataclass(frozen=True)
class _Pair:
    rule: str
    name: str
    open: str
    close: str
    nests: bool
    enumerator: re.Pattern[str] | None


@dataclass(frozen=True)
class _Words:
    patterns: tuple[_Pattern, ...]
    sentence_end: str
    max_open: int
    pairs: tuple[_Pair, ...]
    comparison_rule: str
    comparison: re.Pattern[str]
    same_year_final: frozenset[str]
    outdated_rule: str
    outdated: tuple[tuple[str, str, int], ...]
    level_rule: str
    level_declared: re.Pattern[str]
    level_used: re.Pattern[str]
    note_rule: str
    funds: tuple[str, ...]
    note_year: re.Pattern[str]
    note_year_rule: str
    section_rule: str
    next_heading: re.Pattern[str]
    sections: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...]
    period_rule: str
    period_heading: re.Pattern[str]
    period_year: re.Pattern[str]
    body_rule: str
    body_min: int
    stop_rule: str
    stop_ends: re.Pattern[str]
    stop_split: re.Pattern[str]
    stop_sentence: re.Pattern[str]
    stop_item: re.Pattern[str]
    stop_gap: float
    stop_back: int
    blank_rule: str
    empty_table_note: re.Pattern[str]


@lru_cache(maxsize=1)
def words() -> _Words:
    """The wording rules of domain/wording.toml, compiled once."""
    raw = _words()
    br, cy, lv, note, sec, per = (raw["brackets"], raw["comparison_year"], raw["level"], raw["empty_note"],
                                  raw["sections"], raw["period"])
    return _Words(
        patterns=tuple(_Pattern(rule=p["rule"], regex=re.compile(p["pattern"]), what=p["what"],
                                should=p.get("should"), lines=p.get("lines", "prose"), scope=p.get("scope"))
                       for p in raw["pattern"]),
        sentence_end=br["sentence_end"], max_open=br["max_open"],
        pairs=tuple(_Pair(rule=p["rule"], name=p["name"], open=p["open"], close=p["close"], nests=p["nests"],
                          enumerator=re.compile(p["enumerator"]) if "enumerator" in p else None)
                    for p in br["pair"]),
        comparison_rule=cy["rule"], comparison=re.compile(cy["pattern"]),
        same_year_final=frozenset(cy["same_year_final"]),
        outdated_rule=raw["outdated"]["rule"],
        outdated=tuple((o["old"], o["new"], o["until"]) for o in raw["outdated"]["name"]),
        level_rule=lv["rule"], level_declared=re.compile(lv["declared"]), level_used=re.compile(lv["used"]),
        note_rule=note["rule"], funds=tuple(note["funds"]), note_year=re.compile(note["year"]),
        note_year_rule=note["year_rule"],
        section_rule=sec["rule"], next_heading=re.compile(sec["next_heading"]),
        sections=tuple((re.compile(m["heading"]), re.compile(m["needs"]), m["what"]) for m in sec["must"]),
        period_rule=per["rule"], period_heading=re.compile(per["heading"]), period_year=re.compile(per["year"]),
        body_rule=raw["body_name"]["rule"], body_min=raw["body_name"]["min_length"],
        stop_rule=raw["full_stop"]["rule"], stop_ends=re.compile(raw["full_stop"]["ends"]),
        stop_split=re.compile(raw["full_stop"]["clause_split"]), stop_sentence=re.compile(raw["full_stop"]["sentence"]),
        stop_item=re.compile(raw["full_stop"]["item_start"]), stop_gap=raw["full_stop"]["min_gap_chars"],
        stop_back=raw["full_stop"]["look_back"], blank_rule=raw["blank_page"]["rule"],
        empty_table_note=re.compile(raw["empty_tables"]["note"]),
    )


def rules() -> set[str]:
    """Every rule check_wording can emit."""
    w = words()
    return ({p.rule for p in w.patterns} | {p.rule for p in w.pairs}
            | {w.comparison_rule, w.level_rule, w.note_rule, w.section_rule, w.period_rule, w.body_rule,
               w.stop_rule, w.outdated_rule, w.note_year_rule, w.blank_rule, dictionary().rule})


@lru_cache(maxsize=1 << 14)
def _norm(line: str) -> str:
    """A printed line as the rules read it: cleaned, no spaces around CJK characters."""
    return _CJK_SPACE.sub("", clean(line))


class _Text:
    """Some of one page's lines (those of its sections a rule reads) joined without a
    separator, with each character's line."""

    def __init__(self, page: Page, lines):
        self.page = page.number
        parts, starts, kept = [], [], []
        pos = 0
        for index in lines:
            text = _norm(page.lines[index])
            parts.append(text)
            starts.append(pos)
            kept.append(index)
            pos += len(text)
        self.text = "".join(parts)
        self._starts = starts
        self._lines = kept

    def line_of(self, pos: int) -> int | None:
        """The page's line index of the character at `pos`."""
        i = None
        for k, start in enumerate(self._starts):
            if start > pos:
                break
            i = k
        return self._lines[i] if i is not None else None


def _quote(text: str, start: int, end: int) -> str:
    lead = "…" if start > CONTEXT else ""
    tail = "…" if end + CONTEXT < len(text) else ""
    return f"{lead}{text[max(0, start - CONTEXT):end + CONTEXT]}{tail}"


def _table_of(sections: Sections, t: _Text, pos: int) -> str | None:
    """The table (key) of the line a text's character is printed on, None outside tables."""
    line = t.line_of(pos)
    return None if line is None else sections.table_key(t.page, line)


def _issue(rule: str, page: int | None, table: str | None = None, code: str | None = None, **fields) -> ParseIssue:
    """A wording warning, its message from the rule's template (domain/rules.toml)."""
    return issue(rule, page=page, table=table, code=code, severity=SEVERITY, **fields)


_KIND = re.compile(r"(?:部门|单位)(预算|决算)")


def _kind(pages: list[Page]) -> str:
    """budget | final: what the document's headings call it (部门决算 or 部门预算)."""
    # One search per page over its compacted lines, a line break between them (no match
    # runs across one): each line's matches, counted as a search per line counts them.
    counts = Counter(m.group(1) for page in pages
                     for m in _KIND.finditer("\n".join(compact(line) for line in page.lines)))
    return "final" if counts["决算"] > counts["预算"] else "budget"


def _patterns(texts: dict[str, list[_Text]], scope: str | None, sections: Sections) -> list[ParseIssue]:
    out = []
    for p in words().patterns:
        if p.scope and p.scope != scope:
            continue
        for t in texts[p.lines]:
            if p.regex.search(t.text) is None:
                continue  # most pages print no slip: no counting for them
            seen: Counter[str] = Counter()
            first: dict[str, tuple[int, int]] = {}
            for m in p.regex.finditer(t.text):
                seen[m.group(0)] += 1
                first.setdefault(m.group(0), (m.start(), m.end()))
            for found, count in seen.items():
                start, end = first[found]
                table = _table_of(sections, t, start) if p.lines == "all" else None
                should = f"; should read {p.should.format(found)}" if p.should else ""
                times = f" ({count} times on the page)" if count > 1 else ""
                out.append(_issue(p.rule, t.page, table, quote=_quote(t.text, start, end), what=p.what,
                                  found=found, should=should, times=times))
    return out


def _brackets(texts: list[_Text]) -> list[ParseIssue]:
    """Quotes and brackets over the document's prose, page after page (a sentence may
    run on): a closing mark with none open, an opening mark still open when its sentence
    has ended, a quotation opened again before it closed."""
    w = words()
    closing = "".join(p.close for p in w.pairs)
    out = []
    for pair in w.pairs:
        opened: list[tuple[_Text, int, int]] = []  # (text, position in it, in the whole stream)

        def unclosed(why: str) -> None:
            t, pos, _ = opened[0]
            out.append(_issue(pair.rule, t.page, quote=_quote(t.text, pos, pos + 1), mark=t.text[pos],
                              problem=f"is not closed {why}"))
            opened.clear()

        offset = 0
        # pending: the open mark outlived a sentence end. Brackets may hold sentences
        # (`（其中，…0个。…0个）`): it is reported when another opening mark, the character
        # limit or the document's end comes before its closing mark. With no sentence end
        # passed, a mark open after max_open characters is dropped unreported (a table's
        # header cells may split `（境）` apart); quotes opened twice are reported.
        pending = False
        marks = re.compile(f"[{re.escape(pair.open + pair.close + w.sentence_end)}]")
        for t in texts:
            text = t.text
            for hit in marks.finditer(text):
                i, c = hit.start(), hit.group(0)
                if opened and offset + i - opened[0][2] > w.max_open:
                    if pending:
                        unclosed("before its sentence ends")
                    opened.clear()
                    pending = False
                if c in pair.open:
                    if opened and (pending or not pair.nests):
                        unclosed("before its sentence ends" if pending else f"before the next {c!r}")
                        pending = False
                    opened.append((t, i, offset + i))
                elif c in pair.close:
                    if pair.enumerator and pair.enumerator.search(text[max(0, i - 6):i]):
                        continue
                    if opened:
                        opened.pop()
                        pending = pending and bool(opened)
                    else:
                        out.append(_issue(pair.rule, t.page, quote=_quote(text, i, i + 1), mark=c,
                                          problem=f"closes {pair.name} that were never opened"))
                elif c in w.sentence_end and opened and not (i + 1 < len(text) and text[i + 1] in closing):
                    pending = True
            offset += len(text)
        if opened and pending:
            unclosed("before its sentence ends")
    return out


def _outdated(texts: list[_Text], fiscal_year: int | None, sections: Sections) -> list[ParseIssue]:
    if not fiscal_year:
        return []
    w = words()
    out = []
    for old, new, until in w.outdated:
        if fiscal_year <= until:
            continue
        for t in texts:
            pos = t.text.find(old)
            if pos < 0:
                continue
            table = _table_of(sections, t, pos)
            count = t.text.count(old)
            times = f" ({count} times on the page)" if count > 1 else ""
            out.append(_issue(w.outdated_rule, t.page, table, quote=_quote(t.text, pos, pos + len(old)), old=old,
                              until=until, since=until + 1, new=new, times=times))
    return out


def _comparison_years(texts: list[_Text], fiscal_year: int | None, kind: str) -> list[ParseIssue]:
    if not fiscal_year:
        return []
    w = words()
    out = []
    for t in texts:
        found = []
        for m in w.comparison.finditer(t.text):
            year = int(m.group("year"))
            if year < fiscal_year or (year == fiscal_year and kind == "final" and m.group("what") in w.same_year_final):
                continue
            found.append(m)
        if not found:
            continue
        m, year = found[0], int(found[0].group("year"))
        whose = "its own year" if year == fiscal_year else "a later year"
        others = Counter(f.group(0) for f in found)
        also = f" ({', '.join(f'{k} {n}×' for k, n in others.items())} on the page)" if len(found) > 1 else ""
        out.append(_issue(w.comparison_rule, t.page, quote=_quote(t.text, m.start(), m.end()), year=fiscal_year,
                          kind="final accounts" if kind == "final" else "budget", named=year, whose=whose,
                          should=m.group(0).replace(str(year), str(fiscal_year - 1)), also=also))
    return out


def _level(texts: list[_Text]) -> list[ParseIssue]:
    """The government level the cover names against the level the definitions name."""
    w = words()
    declared = Counter(m.group("level") for t in texts for m in w.level_declared.finditer(t.text))
    if not declared:
        return []
    level = declared.most_common(1)[0][0]
    out = []
    for t in texts:
        found = [m for m in w.level_used.finditer(t.text) if m.group("level") != level]
        if found:
            m = found[0]
            times = f" ({len(found)} times on the page)" if len(found) > 1 else ""
            out.append(_issue(w.level_rule, t.page, quote=_quote(t.text, m.start(), m.end() + 6),
                              level=m.group("level"), declared=level, times=times))
    return out


def _empty_notes(pages: list[Page], every: list[_Text], fiscal_year: int | None, sections: Sections,
                 document: DocumentWords) -> list[ParseIssue]:
    """An empty-table note (the profile's `document` words: its empty-table notes, and the
    note start that begins it up to two lines above) that speaks of another fund than the
    title of the table whose section it is printed in, or of another year than the
    document's. `every`: each page's text of all its lines."""
    w = words()
    out = []
    for page, whole in zip(pages, every):
        if not any(note in whole.text for note in document.empty_table_notes):
            continue  # a note printed on one of its lines is in the page's text
        lines = [_norm(line) for line in page.lines]
        for i, line in enumerate(lines):
            if not any(note in line for note in document.empty_table_notes):
                continue
            section = sections.of(page.number, i)
            mine = section.lines if section is not None else (i,)
            start = i
            while (start - 1) in mine and i - start < 2 and not document.note_pattern.match(compact(lines[start])):
                start -= 1
            if not document.note_pattern.match(compact(lines[start])):
                start = i
            note = "".join(lines[start:i + 1])
            in_table = section is not None and section.kind == "table"
            table = section.key if in_table else None
            title = _norm(section.title) if in_table and section.title else None
            title = title if title and any(f in title for f in w.funds) else None
            named = {f for f in w.funds if f in note}
            if title is not None and named:
                funds = {f for f in w.funds if f in title}
                if not named & funds:
                    out.append(_issue(w.note_rule, page.number, table, note=note, title=title,
                                      named="、".join(sorted(named)), funds="、".join(sorted(funds))))
            if fiscal_year:
                years = {int(m.group("year")) for m in w.note_year.finditer(note)}
                if years and fiscal_year not in years:
                    out.append(_issue(w.note_year_rule, page.number, table,
                                      detail=f"the note {note!r} names {', '.join(map(str, sorted(years)))}, "
                                             f"the document is for {fiscal_year}"))
    return out


def _sections(pages: list[Page], fiscal_year: int | None, sections: Sections) -> list[ParseIssue]:
    """Sections of a project's explanation (running text or a form) that print nothing of
    what they must (a project's 年度预算安排 without an amount) and project periods that
    do not contain the fiscal year."""
    w = words()
    stream = [(page.number, _norm(page.lines[i])) for page in pages
              for i in sections.lines(page.number, (*TEXT_KINDS, "form"))]
    out = []
    for i, (number, line) in enumerate(stream):
        musts = [(needs, what) for heading, needs, what in w.sections if heading.match(line)]
        period = bool(fiscal_year) and bool(w.period_heading.match(line))
        if not musts and not period:
            continue
        body = []
        for _, later in stream[i + 1:i + 12]:
            if w.next_heading.match(later):
                break
            body.append(later)
        text = "".join(body)
        for needs, what in musts:
            if not needs.search(text):
                out.append(_issue(w.section_rule, number, heading=line, quote=_quote(text, 0, 0), what=what))
        if period and text:
            years = [int(m.group("year")) for m in w.period_year.finditer(text)]
            if years and not min(years) <= fiscal_year <= max(years):
                out.append(_issue(w.period_rule, number, detail=f"{line!r} {text[:40]!r}: the period does not "
                                                                f"contain {fiscal_year}, the document's year"))
    return out


def _distance_one(a: str, b: str) -> bool:
    """True when a and b differ by exactly one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _body_name(texts: list[_Text], department: str | None) -> list[ParseIssue]:
    """The body's own name printed with one character changed, added or left out."""
    w = words()
    name = compact(department) if department else ""
    if len(name) < w.body_min:
        return []
    out = []
    tail = name[-2:]
    for t in texts:
        if tail not in t.text:
            continue
        found: Counter[str] = Counter()
        where: dict[str, tuple[int, int]] = {}
        for m in re.finditer(re.escape(tail), t.text):
            end = m.end()
            for size in (len(name) - 1, len(name), len(name) + 1):
                start = end - size
                got = t.text[max(0, start):end]
                if start >= 0 and _distance_one(got, name) and name not in t.text[max(0, start - 2):end + 2]:
                    found[got] += 1
                    where.setdefault(got, (start, end))
                    break
        for got, count in found.items():
            start, end = where[got]
            times = f" ({count} times on the page)" if count > 1 else ""
            out.append(_issue(w.body_rule, t.page, quote=_quote(t.text, start, end), printed=got, name=name,
                              times=times))
    return out


def _full_stops(pages: list[Page], sections: Sections) -> list[ParseIssue]:
    """A paragraph's last line (running text outside any ruled row) that ends a sentence
    without its full stop."""
    w = words()
    out = []
    for page in pages:
        lines = page.lines
        text_lines = sections.lines(page.number)
        texts = [_norm(lines[i]) for i in text_lines]
        unstopped = []  # (line, text) of the lines whose last clause is a sentence without its stop
        for n, (i, text) in enumerate(zip(text_lines, texts)):
            if i == len(lines) - 1 or (page.bands and page.bands[i] is not None):
                continue
            if not text or w.stop_ends.search(text):
                continue
            before = "".join(texts[k] for k in range(max(0, n - w.stop_back), n) if text_lines[k] >= i - w.stop_back)
            clause = w.stop_split.split(before + text)[-1]
            if w.stop_sentence.search(clause):
                unstopped.append((i, text))
        if not unstopped:
            continue
        ends = [ws[-1].x1 for ws in page.words if ws and ws[-1].x1 is not None] if page.words else []
        right = max(ends, default=None)
        for i, text in unstopped:
            ws = page.words[i] if page.words else ()
            short = False
            if ws and ws[-1].x1 is not None and ws[0].x0 is not None and right is not None:
                width = (ws[-1].x1 - ws[0].x0) / max(1, len(text))
                short = width > 0 and (right - ws[-1].x1) / width >= w.stop_gap
            if short or w.stop_item.match(_norm(lines[i + 1])):
                out.append(_issue(w.stop_rule, page.number, quote=_quote(text, len(text), len(text))))
    return out


def check_wording(pages: list[Page], fiscal_year: int | None, scope: str | None, *,
                  department: str | None = None, sections: Sections | None = None,
                  profile: Profile | None = None) -> list[ParseIssue]:
    """Given a document's pages, its fiscal year, its scope (部门 | 单位 | None), if known
    the body's name, its sections (extract.sections) and its profile (both made here as
    the pipeline makes them when not given), return the wording slips of its text as
    warnings."""
    profile = profile or choose_profile(pages)
    if sections is None:
        sections = sections_of(pages, profile)
    prose = [_Text(p, sections.lines(p.number)) for p in pages]
    every = [_Text(p, range(len(p.lines))) for p in pages]
    kind = _kind(pages)
    issues = _patterns({"prose": prose, "all": every}, scope, sections)
    issues += _brackets(prose)
    issues += _outdated(every, fiscal_year, sections)
    issues += _comparison_years(prose, fiscal_year, kind)
    issues += _level(prose)
    issues += _empty_notes(pages, every, fiscal_year, sections, profile.document)
    issues += _sections(pages, fiscal_year, sections)
    issues += _body_name(prose, department)
    issues += check_phrases(prose, _quote)
    issues += _full_stops(pages, sections)
    issues += [_issue(words().blank_rule, p.number,
                      what=" but rules (an empty ruled row or form)" if getattr(p, "ruled_blank", False)
                      else " (no text, and no drawing that could hold any)")
               for p in pages if not p.lines and (p.problem is None or getattr(p, "ruled_blank", False))]
    return sorted(issues, key=lambda i: (i.page or 0, i.rule))
