"""The whole pipeline for one document, and the Python API `extract_document`.

    bytes ─extract─▶ pages ─parse─▶ tables ─normalize─▶ rows ─identities─▶ columns decided
          ─records─▶ BudgetLine / SummaryLine ─validate─▶ checks ─▶ findings

Every stage is a pure function over plain data; `extract_document` reads the file and
nothing here writes (see `writer`).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from pydantic import TypeAdapter

from . import __version__
from .domain import DOMAIN, Profile
from .errors import UnreadableDocument
from .extract.decode import decode_text
from .extract.ocr import DEFAULT_OCR, OcrMode
from .extract.pdf_reader import DEFAULT_ENGINE, Engine, read_pdf_pages
from .extract.forms import parse_form, unread_forms
from .extract.ruled_forms import is_ruled_form, parse_ruled_form
from .extract.sections import find_all_forms, profile_score, segment
from .extract.tables import parse_pages
from .extract.text_reader import split_pages
from .normalize.columns import decide
from .normalize.numbers import parse_amount
from .normalize.records import to_records
from .normalize.rows import prepare
from .normalize.units import factor
from .schemas.arrow import fits, to_table
from .schemas.intermediate import Check, Page, ParseIssue
from .schemas.records import RECORD_KINDS, DocumentRecord, Finding, Record, TableCell, box_fields
from .validate import identities as identity_builder
from .validate import catalogue, registry as validators
from .validate.checks import evaluate
from .validate.projects import check_projects
from .validate.ocr_readings import check_ocr_readings, mark_read_by, ocr_cells, ocr_page_numbers
from .validate.report import Report, build_report
from .validate.prose import figure_identities, read_figures
from .validate.quality import table_quality
from .validate.final_prose import execution_figures
from .pictures import cell_boxes, finding_box


@dataclass
class TableSummary:
    key: str
    title: str
    pages: tuple[int, ...]
    rows: int
    cells: int


@dataclass
class Result:
    """What one document gave: records per kind, every check, and how long it took."""

    records: dict[str, list[Record]]
    checks: list[Check]
    tables: list[TableSummary]
    elapsed: float = 0.0
    frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    ocr_pages: int = 0
    """Pages read by OCR (extract.ocr)."""

    def frame(self, kind: str) -> pd.DataFrame:
        """The records of one kind as a DataFrame (amounts stay Decimal objects)."""
        if kind not in self.frames:
            self.frames[kind] = to_table(RECORD_KINDS[kind], self.records[kind]).to_pandas()
        return self.frames[kind]

    @property
    def documents(self) -> pd.DataFrame:
        return self.frame("documents")

    @property
    def budget_lines(self) -> pd.DataFrame:
        return self.frame("budget_lines")

    @property
    def summary_lines(self) -> pd.DataFrame:
        return self.frame("summary_lines")

    @property
    def findings(self) -> pd.DataFrame:
        return self.frame("findings")

    @property
    def document(self) -> DocumentRecord:
        return self.records["documents"][0]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.records["findings"] if f.severity == "error"]

    @property
    def report(self) -> Report:
        """Every finding and every check counted per rule and table (validate.report)."""
        return build_report(self.records["findings"], self.checks)

    @property
    def exit_code(self) -> int:
        """0 when no finding is an error, 1 when error findings exist."""
        return self.report.exit_code("error")


def display_path(path: str | Path) -> str:
    """A path as text that survives JSON and Parquet: undecodable bytes of a file name
    (kept by Python as surrogates) are shown as backslash escapes."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def doc_id_of(data: bytes) -> str:
    """Given a file's bytes, return its stable document id (sha256, first 16 hex digits)."""
    return hashlib.sha256(data).hexdigest()[:16]


def read_pages(data: bytes, source: str, password: str | None = None,
               engine: Engine = DEFAULT_ENGINE, ocr: OcrMode = DEFAULT_OCR) -> tuple[list[Page], str]:
    """Given a file's bytes, return its pages and source kind (text | pdf); PDFs are read
    by `engine` (pdfium | pdfplumber), pages without a text layer by OCR per `ocr`
    (auto | always | never: extract.ocr)."""
    if data.lstrip()[:5] == b"%PDF-":
        return read_pdf_pages(data, source, password, engine, ocr), "pdf"
    if source.lower().endswith(".pdf"):
        raise UnreadableDocument(source, "not a PDF: it does not start with %PDF- (truncated or corrupt?)")
    text, _ = decode_text(data, source)
    return split_pages(text), "text"


def _forms(pages: list[Page], found, doc_id: str, year: int | None):
    """Performance-target forms → (projects, sub-items, indicators, issues, checks, the
    pages the forms are printed on)."""
    text_forms, ruled_forms, claimed = found
    forms = [got for form in text_forms if (got := parse_form(form, doc_id, year))]
    forms += [got for form in ruled_forms if (got := parse_ruled_form(form, doc_id, year))]
    checks, issues = check_projects([(f.project, f.items) for f in forms])
    issues = unread_forms([p for p in pages if not is_ruled_form(p)]) + [i for f in forms for i in f.issues] + issues
    return ([f.project for f in forms], [i for f in forms for i in f.items],
            [i for f in forms for i in f.indicators], issues, checks, claimed)


def _doc_type(tables, profile: Profile) -> str:
    """The kind of document its tables make: the kind most of them belong to."""
    kinds = Counter(profile.tables[t.key].doc_type for t in tables)
    return kinds.most_common(1)[0][0]


def _table_cells(doc_id: str, tables) -> list[TableCell]:
    """Every printed cell of every table (classified or not) as records, tables in print
    order; amounts in 元 where a cell is a number that converts exactly."""
    out = []
    ordered = sorted(tables, key=lambda t: (t.pages[0] if t.pages else 0,
                                             min((c.line for c in t.cells if c.page == t.pages[0]), default=0)))
    for index, table in enumerate(ordered):
        try:
            f = factor(table.unit) if table.unit else None
        except KeyError:
            f = None
        for c in table.cells:
            amount = None
            if c.numeric and f is not None:
                try:
                    value = parse_amount(c.text)
                except ValueError:
                    value = None
                if value is not None and fits(value * f):
                    amount = value * f
            out.append({"doc_id": doc_id, "table_index": index, "page": c.page, "title": table.title,
                        "table": table.key, "row": c.row, "column": c.column, "header": c.header, "text": c.text,
                        "amount": amount, "unit": table.unit, **box_fields(c.box)})
    # Validated as one list: a document has thousands of cells, and one call for all of
    # them saves pydantic's per-model entry (a third of the time).
    return _TABLE_CELLS.validate_python(out)


_TABLE_CELLS = TypeAdapter(list[TableCell])


def _coverage_issues(parsed, records_read: int, form_pages: set[int]) -> list[ParseIssue]:
    """What the document prints that yusuan did not read as records: tables no kind fits
    (info, their cells kept), regions of amount rows no table claims (error), and a
    document that prints tables but gave none (error)."""
    out = [catalogue.issue("table_unclassified", page=t.pages[0] if t.pages else None, title=t.title,
                           pages=", ".join(map(str, t.pages)), cells=len(t.cells))
           for t in parsed.unclassified if t.cells]
    out += [catalogue.issue("unread_table", page=page, line=line)
            for page, line in parsed.unread if page not in form_pages]
    printed = any(c.numeric for t in (*parsed.tables, *parsed.unclassified) for c in t.cells)
    if not records_read and (printed or parsed.unread):
        out.append(catalogue.issue("no_records"))
    return out


def run(pages: list[Page], *, doc_id: str, source: str, source_kind: str) -> Result:
    """Given a document's pages, return its records, checks and findings (pure)."""
    started = time.perf_counter()
    profile = DOMAIN.choose(lambda p: profile_score(pages, p))
    found_forms = find_all_forms(pages, profile)
    # One segmentation of every page (extract.sections) that the tables and every validator read.
    sections = segment(pages, profile, claimed=found_forms[2])
    parsed = parse_pages(pages, profile, sections=sections)
    rows, layouts, prep_issues = prepare(parsed, profile)
    index = identity_builder.Index(rows, layouts, profile, fiscal_year=parsed.fiscal_year)
    identities, not_checked, structure_issues = identity_builder.build(index)
    # Every document's prose figures, narrative-only ones too (their cells then not checked).
    figures = read_figures(pages, doc_id, {t.key for t in parsed.tables}, profile, sections)
    prose_identities, prose_not_checked = figure_identities(figures, index)
    identities += prose_identities
    not_checked += prose_not_checked
    decision = decide(rows, identities)
    checks = evaluate(identities, rows, decision.assignments) + not_checked
    differing = {(c.table, c.code) for c in checks if c.rule == "duplicate_row" and c.status != "pass"}
    reprints = frozenset(dup.id for first, dup in index.duplicates if (first.table, first.key) not in differing)
    budget, summary = to_records(doc_id, rows, decision.assignments, decision.assigned_by, profile, reprints)
    doc_type = _doc_type(parsed.tables, profile) if parsed.tables else None
    issues = list(parsed.issues) + prep_issues + structure_issues + decision.issues
    projects, items, indicators, form_issues, form_checks, form_pages = _forms(
        pages, found_forms, doc_id, parsed.fiscal_year)
    # Every validator of the registry (prose, headings, tables, wording, passages …).
    checks, found = validators.run(validators.Context(
        pages=pages, parsed=parsed, profile=profile, index=index, rows=rows, assignments=decision.assignments,
        identities=identities, checks=checks, doc_type=doc_type, projects=projects, sections=sections))
    issues += found
    checks += form_checks
    issues += form_issues
    issues += _coverage_issues(parsed, len(budget) + len(summary) + len(projects), form_pages)
    if not parsed.tables and not projects and not any(t.cells for t in parsed.unclassified) and not parsed.unread:
        issues.append(catalogue.issue("no_tables_found", source=source))
    document = DocumentRecord(
        doc_id=doc_id, source=source, source_kind=source_kind,
        doc_type=doc_type or ("performance_targets" if projects else "unknown"),
        department=parsed.department, scope=parsed.scope, profile=profile.name,
        fiscal_year=parsed.fiscal_year, pages=parsed.pages,
        extracted_at=datetime.now(timezone.utc), tool_version=__version__)
    cells: dict[str, int] = {}
    for rec in (*budget, *summary):
        cells[rec.table] = cells.get(rec.table, 0) + 1
    tables = [TableSummary(key=t.key, title=t.title, pages=t.pages, rows=t.rows, cells=cells.get(t.key, 0))
              for t in layouts.values()]
    # The 决算's execution sentences complete its prose figures (budget, final, rate, code).
    prose_figures, execution_checks = execution_figures(pages, doc_id, [f for f, _ in figures], list(budget), sections)
    checks += execution_checks
    records: dict[str, list[Record]] = {
        "documents": [document], "budget_lines": list(budget), "summary_lines": list(summary),
        "findings": catalogue.findings(doc_id, issues, checks),
        "projects": projects, "project_items": items, "indicators": indicators, "prose_figures": prose_figures,
        "table_cells": _table_cells(doc_id, (*parsed.tables, *(t for t in parsed.unclassified if t.cells)))}
    # Cells read by OCR say so; the identities check what OCR read (validate.ocr_readings).
    ocr_pages = ocr_page_numbers(pages)
    if ocr_pages:
        read = ocr_cells(pages)
        for kind in ("budget_lines", "summary_lines", "table_cells"):
            records[kind] = mark_read_by(records[kind], read, ocr_pages)
        records["findings"] += check_ocr_readings(doc_id, rows, identities, decision.assignments, layouts, read)
    # A finding that names a printed cell carries its box (pictures.finding_box).
    boxes = cell_boxes((*budget, *summary))
    records["findings"] = [f.model_copy(update=finding_box(f, boxes)) for f in records["findings"]]
    # How well each table was read and how far it checks out (validate.quality).
    records["tables"] = table_quality(doc_id, parsed, layouts, profile, [*budget, *summary], checks, issues,
                                      records["table_cells"])
    return Result(records=records, checks=checks, tables=tables, elapsed=time.perf_counter() - started,
                  ocr_pages=len(ocr_pages))


def extract_document(path: str | Path, *, password: str | None = None,
                     engine: Engine = DEFAULT_ENGINE, ocr: OcrMode = DEFAULT_OCR) -> Result:
    """Given a path to a budget document (.txt or .pdf), return its records as a `Result`.
    `engine` picks the PDF reader (pdfium, the default, or pdfplumber); both give the same records.
    `ocr` (auto, always, never) says which pages OCR reads (the `ocr` extra: extract.ocr).

    Raises UnreadableDocument (one-line message naming the file) when it cannot be read.
    """
    started = time.perf_counter()
    source = display_path(path)
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise UnreadableDocument(source, "is a directory, not a file") from None
    except FileNotFoundError:
        raise UnreadableDocument(source, "no such file") from None
    except OSError as exc:
        raise UnreadableDocument(source, f"cannot be read ({exc.strerror or exc})") from None
    pages, kind = read_pages(data, source, password, engine, ocr)
    result = run(pages, doc_id=doc_id_of(data), source=source, source_kind=kind)
    result.elapsed = time.perf_counter() - started
    return result
