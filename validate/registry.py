"""The validators of a document, registered in one list that the pipeline runs.

A validator is a pure function over the document's `Context` (its pages and their
sections, what was parsed, the decided rows and the identities' checks) that returns `Check`s (a claim of the
document tested: pass | fail | rounding | not checked) and `ParseIssue`s (a slip found).
`run` calls every validator of `VALIDATORS` in order and hands back what they found;
`catalogue.findings` then makes the findings, every message from domain/rules.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from ..domain import Profile
from ..schemas.intermediate import Assignment, Check, Identity, Page, ParsedDocument, ParseIssue, Row, Sections
from ..schemas.records import ProjectRecord
from . import codes, convention, passages
from .catalogue import issue
from .consistency import check_headings, check_tables
from .identities import Index
from .prose import check_changes, check_comparisons
from .wording import check_wording


@dataclass(frozen=True)
class Context:
    """What the validators read: one document, parsed, its columns decided."""

    pages: list[Page]
    parsed: ParsedDocument
    profile: Profile
    index: Index
    rows: list[Row]
    assignments: dict[int, Assignment]
    identities: list[Identity]
    """The identities evaluated, in order: `checks[i]` is the outcome of `identities[i]`."""
    checks: list[Check]
    doc_type: str | None
    projects: list[ProjectRecord] = field(default_factory=list)
    sections: Sections | None = None
    """The pages' sections (extract.sections): what each validator reads of the pages.
    None: made from `parsed.sections`."""

    def __post_init__(self):
        if self.sections is None:
            object.__setattr__(self, "sections", Sections(self.parsed.sections))

    @property
    def fiscal_year(self) -> int | None:
        return self.parsed.fiscal_year


Found = Iterable[Check | ParseIssue]
Validator = Callable[[Context], Found]


def _changes(ctx: Context) -> Found:
    """Year-on-year changes of the prose against their two amounts (documents with tables)."""
    return check_changes(ctx.pages, ctx.sections) if ctx.parsed.tables else []


def _comparisons(ctx: Context) -> Found:
    """决算数大于/小于/等于预算数 against the two amounts (documents with tables)."""
    return check_comparisons(ctx.pages, ctx.sections) if ctx.parsed.tables else []


def _headings(ctx: Context) -> Found:
    """Headings naming another body or year; in 决算, year-end dates of another year."""
    return check_headings(ctx.pages, ctx.fiscal_year, ctx.doc_type, ctx.sections, ctx.profile) if ctx.doc_type else []


def _tables(ctx: Context) -> Found:
    """Tables a document of its kind must print, tables printed without any amount."""
    return check_tables(ctx.parsed, ctx.doc_type, ctx.profile, ctx.pages) if ctx.doc_type else []


def _wording(ctx: Context) -> Found:
    """The wording rules, on every page (narrative-only documents too)."""
    return check_wording(ctx.pages, ctx.fiscal_year, ctx.parsed.scope, department=ctx.parsed.department,
                         sections=ctx.sections, profile=ctx.profile)


def _codes(ctx: Context) -> Found:
    """Economic codes whose printed name is another item's (numbered in the body's order),
    codes printed with a part of the wrong width (`301 2`)."""
    return codes.check_names(ctx.index, ctx.fiscal_year) + codes.check_widths(ctx.index, ctx.parsed.issues)


def _passages(ctx: Context) -> Found:
    """The prose against itself: shares, parts, one amount stated twice, reasons, copies."""
    return passages.check_passages(ctx.pages, ctx.index, ctx.rows, ctx.assignments, ctx.projects, ctx.sections)


def _clipped(ctx: Context) -> Found:
    """Lines a clipping path cuts through, only part of their glyphs shown on the page
    (`Page.clipped`, from extract.pdf_geometry)."""
    return [issue("clipped_text", page=p.number, text=text) for p in ctx.pages for text in p.clipped]


def _convention(ctx: Context) -> Found:
    """The document's own rounding of its 万元 figures (the prose_vs_table checks regraded)."""
    return convention.describe(ctx.identities, ctx.checks)


VALIDATORS: tuple[Validator, ...] = (_changes, _comparisons, _headings, _tables, _wording, _clipped, _codes,
                                     _passages, _convention)
"""Every validator the pipeline runs, in the order their findings are listed."""


def run(ctx: Context) -> tuple[list[Check], list[ParseIssue]]:
    """Given a document's context, return the identity checks regraded by the document's
    number convention followed by every validator's checks, and every validator's issues."""
    checks = convention.regrade(ctx.identities, ctx.checks)
    ctx = replace(ctx, checks=checks)
    issues: list[ParseIssue] = []
    for validator in VALIDATORS:
        for found in validator(ctx):
            (issues if isinstance(found, ParseIssue) else checks).append(found)
    return checks, issues
