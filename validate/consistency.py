"""The document against itself: the body and the year every heading names, the tables a
document of its kind must print, tables printed without any row.

Pure functions over pages and parsed tables → `ParseIssue`s: a missing table is an
error, the other slips are warnings.
"""

from __future__ import annotations

from collections import Counter

from ..domain import Profile
from ..normalize.text import compact, fold
from ..extract.sections import choose_profile, sections_of
from ..schemas.intermediate import Page, ParsedDocument, ParseIssue, Sections
from .catalogue import issue
from .wording import words

MAX_HEADING = 60
"""Longer lines are prose, not headings."""


def _headings(page: Page, sections: Sections) -> list[str]:
    """The lines of a page that may be headings: its running text and its tables' titles
    (never a table's header cells, rows or notes, never a form)."""
    lines = set(sections.lines(page.number))
    lines.update(i for s in sections.on(page.number) if s.kind == "table" for i in s.heading)
    return [page.lines[i] for i in sorted(lines)]


def check_headings(pages: list[Page], fiscal_year: int | None, doc_type: str,
                   sections: Sections | None = None, profile: Profile | None = None) -> list[ParseIssue]:
    """Headings (of the running text and the tables' titles: the document's sections,
    extract.sections) that name another body than the others, or another year than the
    document's; in final accounts, year-end statements of the prose dated another year.
    The heading and year-end patterns are the profile's document words; profile and
    sections are made here as the pipeline makes them when not given."""
    profile = profile or choose_profile(pages)
    sections = sections or sections_of(pages, profile)
    words = profile.document
    issues: list[ParseIssue] = []
    named: list[tuple[int, str, str]] = []
    for page in pages:
        for line in _headings(page, sections):
            text = fold(line)
            if len(text) > MAX_HEADING:
                continue
            for pattern in words.heading_res:
                m = pattern.search(text)
                if not m:
                    continue
                named.append((page.number, compact(m.group("name")), line))
                if fiscal_year and int(m.group("year")) != fiscal_year:
                    issues.append(issue("year_mismatch", page=page.number,
                                        detail=f"heading {line!r} names {m.group('year')}, "
                                               f"the document is for {fiscal_year}"))
    bodies = Counter(name for _, name, _ in named)
    if len(bodies) > 1:
        usual = bodies.most_common(1)[0][0]
        for number, name, line in named:
            if name != usual:
                issues.append(issue("body_mismatch", page=number, line=line, name=name, usual=usual))
    if doc_type == "final_accounts" and fiscal_year:
        for page in pages:
            text = fold("".join(sections.texts(page)))
            for pattern in words.year_end_res:
                for m in pattern.finditer(text):
                    if int(m.group("year")) != fiscal_year:
                        issues.append(issue("year_mismatch", page=page.number,
                                            detail=f"{m.group(0)!r} in the final accounts for {fiscal_year}"))
    return issues


def _noted_empty(index: int, parsed: ParsedDocument, pages: list[Page]) -> bool:
    """True when a note printed in the table's own sections (not another table's on its
    page) says it has nothing to print."""
    note = words().empty_table_note
    by_number = {p.number: p for p in pages}
    return any(note.search(compact(by_number[s.page].lines[i])) for s in parsed.sections
               if s.table == index and s.page in by_number for i in s.lines)


def check_tables(parsed: ParsedDocument, doc_type: str, profile: Profile,
                 pages: list[Page] = ()) -> list[ParseIssue]:
    """Tables a document of its kind and year must print but does not (an error: a
    required table is missing), and tables printed without any amount and without an
    empty-table note (a warning). A document that prints fewer than half of the tables its
    kind requires is an excerpt, not a document missing tables: what it lacks is an info."""
    issues = []
    found = {t.key for t in parsed.tables}
    if parsed.fiscal_year:
        required = [(key, spec) for key, spec in profile.tables.items()
                    if spec.doc_type == doc_type and spec.required_since and parsed.fiscal_year >= spec.required_since]
        printed = sum(key in found for key, _ in required)
        excerpt = printed * 2 < len(required)
        for key, spec in required:
            if key not in found:
                issues.append(issue(
                    "table_missing", severity="info" if excerpt else None, table=key, title=spec.titles[0],
                    year=parsed.fiscal_year, doc_type=doc_type,
                    excerpt=f" (the document prints {printed} of the {len(required)} tables of its kind: an excerpt)"
                    if excerpt else ""))
    for index, table in enumerate(parsed.tables):
        # A 合计 row with no amount is no content: the table prints nothing.
        if not any(row.tokens for row in table.rows) and not table.empty_note and not _noted_empty(index, parsed, pages):
            issues.append(issue("table_without_rows", table=table.key, page=table.pages[0]))
    return issues
