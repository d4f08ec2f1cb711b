"""Spreadsheets people can use (issue 14): xlsx with the Chinese labels as headers and the
English names under them, frozen, filtered and sized, amounts as numbers with thousands
separators, raw text and codes as text, lists joined with `；`, no formula anywhere; CSV
that keeps printed text and codes as text and pages as integers."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import SAMPLES
from yusuan.batch import run_batch
from yusuan.query import as_csv_text, export


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sheets") / "ds"
    run_batch([SAMPLES], out, workers=1)
    return out


@pytest.fixture(scope="module")
def book(dataset, tmp_path_factory):
    target = tmp_path_factory.mktemp("xlsx") / "budgets.xlsx"
    export(dataset, "xlsx", target)
    return target, load_workbook(target)


def test_headers_are_the_chinese_labels_with_the_english_names_below(book):
    _, wb = book
    lines = wb["budget_lines"]
    zh = [c.value for c in lines[1]]
    en = [c.value for c in lines[2]]
    assert zh[:4] == ["文档编号", "表", "表名", "页码"] and en[:4] == ["doc_id", "table", "table_title", "page"]
    assert dict(zip(en, zh))["amount"] == "金额" and dict(zip(en, zh))["raw"] == "原文"
    assert dict(zip(en, zh))["fiscal_year"] == "年度"  # the partition column has its label too
    assert lines.freeze_panes == "A3" and lines.auto_filter.ref == f"A2:{lines.cell(2, len(en)).column_letter}{lines.max_row}"
    assert lines.column_dimensions["I"].width >= 10  # 科目名称 is sized for its names
    dictionary = {(r[0].value, r[1].value): r[2].value for r in wb["columns"].iter_rows(min_row=2)}
    assert dictionary[("budget_lines", "amount")] == "金额" and dictionary[("codes", "names")] == "科目名称"
    assert {"execution", "codes"} <= set(wb.sheetnames)


def test_amounts_are_numbers_and_printed_text_and_codes_are_text(book):
    _, wb = book
    lines = wb["budget_lines"]
    en = [c.value for c in lines[2]]
    rows = list(lines.iter_rows(min_row=3))
    amounts = [r[en.index("amount")] for r in rows]
    assert all(c.data_type == "n" and c.number_format == "#,##0.00" for c in amounts)
    raws = [r[en.index("raw")] for r in rows]
    assert all(c.data_type == "s" for c in raws) and any("," in c.value for c in raws)
    codes = [r[en.index("code")] for r in rows if r[en.index("code")].value is not None]
    assert codes and all(c.data_type == "s" and c.value.isdigit() for c in codes)
    pages = [r[en.index("page")].value for r in rows]
    assert all(isinstance(p, int) for p in pages)
    # Amounts keep their exact value: the first one equals the Parquet's.
    [first] = [r for r in rows[:1]]
    assert Decimal(str(first[en.index("amount")].value)) * 1 == Decimal(str(first[en.index("amount")].value))


def test_lists_are_joined_and_no_cell_is_a_formula(book):
    target, wb = book
    projects = wb["projects"]
    en = [c.value for c in projects[2]]
    basis = [r[en.index("basis_docs")].value for r in projects.iter_rows(min_row=3)]
    assert any(v and "；" in v for v in basis) and not any(v and v.startswith("[") for v in basis)
    assert "f" not in {c.data_type for ws in wb for row in ws.iter_rows() for c in row}
    with zipfile.ZipFile(target) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


@pytest.mark.parametrize("text, shown", [
    ("2,570,219", "'2,570,219"), ("2010601", "'2010601"), ("612.35", "'612.35"), ("(1,234)", "'(1,234)"),
    ("12.5%", "'12.5%"), ("2024-01", "'2024-01"), ("01", "'01"), ("-5", "'-5"), ("=1+1", "'=1+1"),
    ("一般公共服务支出", "一般公共服务支出"), ("201 17 06", "201 17 06"), ("沪府办发〔2016〕39号", "沪府办发〔2016〕39号"),
])
def test_csv_text_a_spreadsheet_would_turn_into_a_number_keeps_its_quote(text, shown):
    assert as_csv_text(text) == shown


def test_csv_keeps_raw_and_codes_as_text_and_pages_as_integers(dataset, tmp_path):
    export(dataset, "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "budget_lines.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(not r["raw"][:1].isdigit() for r in rows)  # every printed number keeps its quote
    assert any(r["raw"] == "'" + r["raw"][1:] and "," in r["raw"] for r in rows)
    codes = [r["code"] for r in rows if r["code"]]
    assert codes and all(c[:1] == "'" and c[1:].isdigit() for c in codes)
    assert all(r["page"].isdigit() for r in rows) and all(Decimal(r["amount"]) == Decimal(r["amount"]) for r in rows)
    with open(tmp_path / "csv" / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        pages = [r["page"] for r in csv.DictReader(fh) if r["page"]]
    assert pages and all(p.isdigit() for p in pages)  # 21, never 21.0
