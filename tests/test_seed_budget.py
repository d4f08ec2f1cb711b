"""Seed 000 (2018 部门预算, 上海市质量技术监督局): every cell against hand-verified values.

tests/data/seed000_expected_cells.csv was written by reading the raw text by hand and
placing every printed number with the identities (checked with arithmetic, not with
yusuan); it covers all cells of income_summary, expenditure_summary,
general_budget_by_function and basic_by_economic.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

EXPECTED = Path(__file__).parent / "data" / "seed000_expected_cells.csv"
SEED_TEXT = (Path(__file__).parent.parent / "samples" / "000_b1fb1c67835c9330.txt").read_text(encoding="utf-8")


def _expected() -> dict[tuple[str, str, str], Decimal]:
    with EXPECTED.open(encoding="utf-8") as fh:
        return {(r["table"], r["code"], r["column"]): Decimal(r["amount"]) for r in csv.DictReader(fh)}


@pytest.mark.parametrize("table", ["income_summary", "expenditure_summary",
                                   "general_budget_by_function", "basic_by_economic"])
def test_every_coded_cell_in_its_column(seed_result, table):
    expected = {k: v for k, v in _expected().items() if k[0] == table}
    got = {(b.table, b.code or "", b.column): b.amount
           for b in seed_result.records["budget_lines"] if b.table == table}
    assert got == expected


def test_known_cells(seed_result):
    cells = {(b.table, b.code, b.column): b for b in seed_result.records["budget_lines"]}
    c = cells[("income_summary", "2011706", "其他收入")]
    assert (c.amount, c.raw, c.source_unit, c.level, c.parent_code, c.name) == (
        Decimal(10_000_000), "10,000,000", "元", 3, "20117", "质量技术监督行政执法及业务管理")
    assert c.assigned_by == "identity"
    assert cells[("income_summary", "2011799", "事业单位经营收入")].amount == 72_190_000
    assert ("income_summary", "2011799", "事业收入") not in cells
    assert cells[("basic_by_economic", "30212", "公用经费")].amount == 1_607_000
    assert cells[("basic_by_economic", "30212", "公用经费")].name == "因公出国（境）费用"
    total = cells[("income_summary", None, "合计")]
    assert (total.level, total.name, total.amount) == (0, "合计", Decimal(1_685_920_000))
    # Fully printed rows are placed by position.
    assert cells[("income_summary", "201", "合计")].assigned_by == "identity"
    assert cells[("basic_by_economic", None, "人员经费")].assigned_by == "position"


def test_pages_and_titles(seed_result):
    lines = seed_result.records["budget_lines"]
    by_code = {(b.table, b.code): b for b in lines}
    assert by_code[("income_summary", "201")].page == 6
    assert by_code[("income_summary", "208")].page == 7  # continued over a page break
    assert by_code[("income_summary", "201")].table_title == "2018年部门收入预算总表"
    assert by_code[("basic_by_economic", "30202")].page == 15
    assert by_code[("basic_by_economic", "303")].page == 16  # continuation page without title


def test_tables_found(seed_result):
    found = {t.key: t.rows for t in seed_result.tables}
    assert found == {
        "income_expenditure_summary": 13, "income_summary": 33, "expenditure_summary": 33,
        "fiscal_grant_summary": 9, "general_budget_by_function": 33, "gov_fund_by_function": 0,
        "basic_by_economic": 42, "three_public": 1,
    }


def test_document_record(seed_result):
    doc = seed_result.document
    assert (doc.source_kind, doc.doc_type, doc.department, doc.fiscal_year, doc.pages) == (
        "text", "department_budget", "上海市质量技术监督局", 2018, 21)
    assert doc.doc_id == "7295689ce2ff48ab"


def test_income_expenditure_summary(seed_result):
    got = [(s.side, s.item, s.column, s.amount) for s in seed_result.records["summary_lines"]
           if s.table == "income_expenditure_summary"]
    assert sorted(got, key=str) == sorted([
        ("收入", "一、财政拨款收入", None, 967_450_000),
        ("收入", "1. 一般公共预算资金", None, 967_450_000),
        ("收入", "二、事业收入", None, 635_480_000),
        ("收入", "三、事业单位经营收入", None, 72_190_000),
        ("收入", "四、其他收入", None, 10_800_000),
        ("收入", "收入总计", None, 1_685_920_000),
        ("支出", "一、一般公共服务支出", None, 591_674_395),
        ("支出", "二、科学技术支出", None, 889_920_421),
        ("支出", "三、社会保障和就业支出", None, 122_318_036),
        ("支出", "四、医疗卫生与计划生育支出", None, 40_274_112),
        ("支出", "五、住房保障支出", None, 41_733_036),
        ("支出", "支出总计", None, 1_685_920_000),
    ], key=str)


def test_fiscal_grant_summary(seed_result):
    got = {(s.side, s.item, s.column): s.amount for s in seed_result.records["summary_lines"]
           if s.table == "fiscal_grant_summary"}
    assert got == {
        ("收入", "一、 一般公共预算资金", None): 967_450_000,
        ("收入", "收入总计", None): 967_450_000,
        ("支出", "一、一般公共服务支出", "合计"): 508_684_395,
        ("支出", "一、一般公共服务支出", "一般公共预算"): 508_684_395,
        ("支出", "二、科学技术支出", "合计"): 333_504_005,
        ("支出", "二、科学技术支出", "一般公共预算"): 333_504_005,
        ("支出", "三、社会保障和就业支出", "合计"): 72_003_332,
        ("支出", "三、社会保障和就业支出", "一般公共预算"): 72_003_332,
        ("支出", "四、医疗卫生与计划生育支出", "合计"): 23_741_520,
        ("支出", "四、医疗卫生与计划生育支出", "一般公共预算"): 23_741_520,
        ("支出", "五、住房保障支出", "合计"): 29_516_748,
        ("支出", "五、住房保障支出", "一般公共预算"): 29_516_748,
        ("支出", "支出总计", "合计"): 967_450_000,
        ("支出", "支出总计", "一般公共预算"): 967_450_000,
    }


def test_three_public_converted_exactly(seed_result):
    got = {s.item: (s.amount, s.raw, s.source_unit) for s in seed_result.records["summary_lines"]
           if s.table == "three_public"}
    assert got == {
        "三公经费合计": (Decimal("6123500.00"), "612.35", "万元"),
        "因公出国(境)费": (Decimal("1607000"), "160.7", "万元"),
        "公务接待费": (Decimal("1310500"), "131.05", "万元"),
        "公务用车购置及运行费": (Decimal("3206000"), "320.6", "万元"),
        "公务用车购置费": (Decimal("450000"), "45", "万元"),
        "公务用车运行费": (Decimal("2756000"), "275.6", "万元"),
        "机关运行经费": (Decimal("17860900"), "1,786.09", "万元"),
    }


def test_every_identity_passes(seed_result):
    statuses = {}
    for c in seed_result.checks:
        statuses.setdefault(c.rule, set()).add(c.status)
    assert statuses.pop("summary_vs_table") == {"pass", "not_checked"}
    # The project explanation has no 子项目 table to add up.
    assert statuses.pop("subitems_sum") == {"not_checked"}
    assert statuses == {rule: {"pass"} for rule in (
        "row_sum", "hierarchy", "column_total", "summary_total", "summary_subtotal",
        "summary_balance", "cross_table", "cross_unit", "prose_vs_table",
        # 政府采购预算20,247.10万元 = 货物 2,537.91 + 工程 723.38 + 服务 16,985.81 (p.18)
        "prose_parts")}
    # The only identity not checked: the 2018 document has no 国有资本经营 table.
    [nc] = [c for c in seed_result.checks if c.status == "not_checked" and c.rule != "subitems_sum"]
    assert "state_capital_by_function" in nc.label
    assert seed_result.exit_code == 0
    # The only warnings: its project table's text separates targets from indicators, and
    # its 政府性基金 table (p.13) prints no amount and no note that it is empty.
    assert {(f.rule, f.severity) for f in seed_result.records["findings"] if f.severity != "info"} == {
        ("indicator_pairing", "warning"), ("table_without_rows", "warning")}


def test_prose_figures(seed_result):
    """预算编制说明 and 其他相关情况说明 restate the tables in 万元, rounded as printed."""
    got = {(f.label, f.raw): (f.amount, f.page) for f in seed_result.records["prose_figures"]}
    assert got[("预算支出总额", "168,592")] == (Decimal(1_685_920_000), 4)
    assert got[("一般公共服务支出", "50,868")] == (Decimal(508_680_000), 4)
    assert got[("机关运行经费", "1,786.09")] == (Decimal(17_860_900), 18)
    assert len(got) == 13
    checks = {c.code: (c.status, c.expected, c.actual) for c in seed_result.checks if c.rule == "prose_vs_table"}
    # 50,868万元 matches 508,684,395 元 to the printed precision.
    assert checks["一般公共服务支出"] == ("pass", Decimal(508_680_000), Decimal(508_684_395))


def test_prose_mismatch_names_both_places(tmp_path):
    from conftest import extract_text

    text = SEED_TEXT.replace("“科学技术支出”科目33,350万元", "“科学技术支出”科目33,450万元")
    result = extract_text(tmp_path, text)
    [f] = [f for f in result.records["findings"] if f.rule == "prose_vs_table"]
    assert (f.severity, f.table, f.code, f.page) == ("error", "general_budget_by_function", "科学技术支出", 4)
    assert "prose p.4" in f.message and "general_budget_by_function[class:科学技术支出].合计" in f.message
    assert (f.expected, f.actual) == (Decimal(334_500_000), Decimal(333_504_005))


def test_identity_coverage(seed_result):
    """Every kind of identity of DOMAIN.md is evaluated where the seed has its cells."""
    labels = {c.label for c in seed_result.checks}
    assert "income_summary[2011706]: 合计 = 财政拨款收入 + 事业收入 + 事业单位经营收入 + 其他收入" in labels
    assert ("general_budget_by_function[total].基本支出 = basic_by_economic[total].合计") in labels
    assert "three_public[total].因公出国(境)费 ≥ basic_by_economic[30212].合计" in labels
    assert "fiscal_grant_summary: 收入总计 = 支出总计" in labels
    hier = [c for c in seed_result.checks if c.rule == "hierarchy" and c.table == "income_summary"
            and c.code == "20117" and c.column == "其他收入"]
    assert [(c.actual, c.status) for c in hier] == [(Decimal(10_800_000), "pass")]
