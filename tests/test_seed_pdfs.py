"""PDFs of the seed documents in their 2018 layout (tests/pdfgen.py): the PDF path must
give the records the text path gives, with either engine; the 万元 copy gives the same
cells rounded to 0.01万元, with rounding warnings and no error."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

import yusuan
import tomllib
from pathlib import Path
from conftest import SEED_BUDGET, SEED_TARGETS
from pdfgen import write_seed_pdf, write_text_pdf


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed-pdfs")
    return {"yuan": write_seed_pdf(SEED_BUDGET, out / "seed000.pdf"),
            "wanyuan": write_seed_pdf(SEED_BUDGET, out / "seed000-wanyuan.pdf", unit="万元"),
            "targets": write_text_pdf(SEED_TARGETS, out / "seed002.pdf")}


def _cells(result, wanyuan: bool = False):
    def amount(x):
        if wanyuan and x.source_unit == "元":
            return (x.amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 10000
        return x.amount
    budget = Counter((b.table, b.page, b.code, b.name, b.column, amount(b)) for b in result.records["budget_lines"])
    summary = Counter((s.table, s.page, s.side, s.item, s.column, amount(s)) for s in result.records["summary_lines"])
    return budget, summary


def _rules_in(data) -> set[str]:
    """Every `rule = "…"` value of a parsed TOML tree."""
    if isinstance(data, dict):
        return {v for k, v in data.items() if k.endswith("rule") and isinstance(v, str)} | {
            r for v in data.values() for r in _rules_in(v)}
    if isinstance(data, list):
        return {r for v in data for r in _rules_in(v)}
    return set()


WORDING = _rules_in(tomllib.loads(
    (Path(yusuan.__file__).parent / "domain" / "wording.toml").read_text("utf-8"))) - {"year_mismatch"} | {"blank_page"}
"""The wording rules (domain/wording.toml)."""


def _findings(result):
    """Findings that the seed PDF must repeat: not the wording rules, which read the page
    layout (paragraph ends, blank pages) that the generated PDF does not reproduce."""
    return Counter((f.rule, f.severity, f.table, f.code, f.column) for f in result.records["findings"]
                   if f.rule not in WORDING)


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_seed_pdf_gives_the_text_records(pdfs, seed_result, engine):
    result = yusuan.extract_document(pdfs["yuan"], engine=engine)
    assert _cells(result) == _cells(seed_result)
    assert [(b.raw, b.source_unit) for b in result.records["budget_lines"]] == [
        (b.raw, b.source_unit) for b in seed_result.records["budget_lines"]]
    assert {b.assigned_by for b in result.records["budget_lines"]} == {"layout"}
    assert _findings(result) == _findings(seed_result)
    figures = lambda r: sorted((f.page, f.label, f.amount) for f in r.records["prose_figures"])  # noqa: E731
    assert figures(result) == figures(seed_result)
    assert (result.document.department, result.document.fiscal_year) == (
        seed_result.document.department, seed_result.document.fiscal_year)


def test_wanyuan_copy_gives_the_rounded_cells(pdfs, seed_result):
    result = yusuan.extract_document(pdfs["wanyuan"])
    assert _cells(result) == _cells(seed_result, wanyuan=True)
    cell = next(b for b in result.records["budget_lines"] if (b.table, b.code, b.column) == (
        "income_summary", "201", "财政拨款收入"))
    assert (cell.raw, cell.amount, cell.source_unit) == ("50,868.44", Decimal("508684400.00"), "万元")
    severities = Counter(f.severity for f in result.records["findings"])
    assert severities["error"] == 0
    assert any(f.rule == "rounding" for f in result.records["findings"])


def test_targets_pdf_gives_the_text_forms(pdfs):
    text = yusuan.extract_document(SEED_TARGETS)
    result = yusuan.extract_document(pdfs["targets"])
    for kind in ("projects", "project_items", "indicators"):
        strip = lambda r: [m.model_dump(exclude={"doc_id"}) for m in r.records[kind]]  # noqa: E731
        assert strip(result) == strip(text), kind
