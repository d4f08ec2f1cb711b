"""Real published budget PDFs (../shared/real/, never copied into the repo) through the
PDF text layer: tables found, cells verified by hand against the printed pages, and
findings exactly where the documents themselves are wrong.

Skips with a reason when the folder is absent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import yusuan
from conftest import real_pdf

NINE = {"income_expenditure_summary", "income_summary", "expenditure_summary", "fiscal_grant_summary",
        "general_budget_by_function", "gov_fund_by_function", "state_capital_by_function",
        "basic_by_economic", "three_public"}


@pytest.fixture(scope="module")
def wanli_2024():
    return yusuan.extract_document(real_pdf("budget-2024-dept-wanli-subdistrict.pdf"))


def test_wanli_2024_tables_and_document(wanli_2024):
    found = {t.key: t.rows for t in wanli_2024.tables}
    assert set(found) == NINE
    assert found["gov_fund_by_function"] == 0 and found["state_capital_by_function"] == 0
    assert found["basic_by_economic"] == 31  # 3 类 + 9 + 18 + 1 款 rows on pp. 29–30
    doc = wanli_2024.document
    assert (doc.source_kind, doc.department, doc.fiscal_year, doc.pages) == (
        "pdf", "上海市普陀区人民政府万里街道办事处", 2024, 33)


@pytest.mark.parametrize("table,code,column,amount,raw,page", [
    ("income_summary", "201", "合计", 2_932_700, "2,932,700", 11),
    ("income_summary", "201", "其他收入", 0, "0", 11),  # a printed 0 is a record
    ("income_summary", "2010507", "财政拨款收入", 257_700, "257,700", 11),
    ("income_summary", None, "合计", 156_211_123, "156,211,123", 15),
    ("expenditure_summary", None, "基本支出", 99_706_020, "99,706,020", 20),
    ("basic_by_economic", "30102", "人员经费", 16_623_810, "16,623,810", 29),  # printed `301 2`
    ("basic_by_economic", "30107", "人员经费", 11_447_100, "11,447,100", 29),  # printed `301 7`
    ("basic_by_economic", "30217", "公用经费", 13_500, "13,500", 30),
    ("basic_by_economic", None, "公用经费", 11_168_569, "11,168,569", 30),
])
def test_wanli_2024_cells(wanli_2024, table, code, column, amount, raw, page):
    cells = {(b.table, b.code, b.column): b for b in wanli_2024.records["budget_lines"]}
    cell = cells[(table, code, column)]
    assert (cell.amount, cell.raw, cell.page, cell.source_unit) == (Decimal(amount), raw, page, "元")


def test_wanli_2024_summaries(wanli_2024):
    got = {(s.table, s.side, s.item, s.column): s.amount for s in wanli_2024.records["summary_lines"]}
    assert got[("income_expenditure_summary", "支出", "八、城乡社区支出", None)] == 119_385_303
    assert got[("fiscal_grant_summary", "支出", "九、住房保障支出", "一般公共预算")] == 8_882_399
    assert got[("three_public", None, "三公经费合计", None)] == Decimal("479100")
    assert got[("three_public", None, "机关运行经费", None)] == Decimal("4431800")


def test_wanli_2024_checks_out(wanli_2024):
    tables = [c for c in wanli_2024.checks if c.rule not in ("prose_change", "prose_restated")]
    assert {c.status for c in tables} == {"pass"} and len(tables) > 800
    # Its 三公 table prints amounts under a note saying it is empty: reported, not fixed.
    warnings = {(f.rule, f.table, f.code) for f in wanli_2024.records["findings"] if f.severity == "warning"}
    # p.5 defines 财政拨款收入 for a 市级 body in a 区级 document; p.33 misprints 社区事务 as 社区事物;
    # p.29 prints 301 02 and 301 07 as `301 2`, `301 7`; p.6 explains a 减少 by an 增加; the
    # texts of 2080506 (p.7) and 2120104 (p.9) are copied from 2080502's and 2120102's; p.3
    # prints 健康、有序 as 健、有序.
    assert warnings == {("empty_note_with_rows", "three_public", None), ("level_wording", None, None),
                        ("dropped_character", None, None),
                        ("typo", None, None), ("malformed_code", "basic_by_economic", "30102"),
                        ("malformed_code", "basic_by_economic", "30107"), ("reason_direction", None, None),
                        ("prose_copied", "general_budget_by_function", "2080506"),
                        ("prose_copied", "general_budget_by_function", "2120104")}
    changes = [c for c in wanli_2024.checks if c.rule == "prose_change"]
    assert sum(c.status == "pass" for c in changes) == 31
    # 0.00 → 25.00万元 “增加100.00%”: no percentage is defined from 0.
    assert [c.code for c in changes if c.status == "not_checked"] == ["教育支出（类）其他教育支出（款）其他教育支出（项）"]
    # Its prose says 住房公积金 (350.35万元 in its heading) went from 348.52 to 352.67万元,
    # 增加0.53%: 352.67 is not 350.35, and 348.52 → 352.67 is +1.19% (the defects file's error).
    assert sorted((f.rule, f.page) for f in wanli_2024.errors) == [("prose_change", 9), ("prose_restated", 9)]


@pytest.mark.parametrize(("name", "errors"), [
    # wrapped names and a wrapped two-sided item; its prose contradicts itself (the defects
    # file's errors: p.6 +314.82% for 11.67 → 45.41, a fund at 0 that grew by 1421.25; p.7
    # 220.63 restated as 441.25, +60.54%; p.35 a form's 当年财政拨款 above its total)
    ("budget-2023-dept-wanli-subdistrict.pdf", [("part_exceeds_total", 35), ("prose_change", 6),
                                                ("prose_change", 7), ("prose_implied", 6), ("prose_restated", 7)]),
    ("budget-2025-dept-district-office.pdf", []),    # two-decimal amounts, a number glued to an item
    ("budget-2025-unit-district-office.pdf", []),    # 预算单位 titles, 编制单位
    # 一般公共预算 item names without 资金; p.9: three % that do not follow from their amounts,
    # 208.8 restated as 201.50 (the defects file's errors)
    ("budget-2026-dept-justice.pdf", [("prose_change", 9), ("prose_change", 9), ("prose_change", 9),
                                      ("prose_restated", 9)]),
])
def test_no_false_findings(name, errors):
    result = yusuan.extract_document(real_pdf(name))
    assert {t.key for t in result.tables} == NINE
    assert sorted((f.rule, f.page) for f in result.records["findings"] if f.severity == "error") == sorted(errors)
    # The tables check out: only the prose's claims above fail; the 2023 填报表 has no
    # 子项目, so their sum is honestly not checked.
    assert all(c.status in ("pass", "rounding") for c in result.checks
               if c.rule not in {rule for rule, _ in errors}
               and not (c.rule == "subitems_sum" and c.status == "not_checked"))


def test_finance_bureau_302_row_is_one_yuan_off():
    """The municipal finance bureau's economic table prints 302 one 元 above its 款 rows."""
    result = yusuan.extract_document(real_pdf("budget-2025-unit-shanghai-finance.pdf"))
    off = [c for c in result.checks if c.status != "pass"]
    assert {(c.rule, c.table, c.code, c.column, c.actual - c.expected) for c in off} == {
        ("hierarchy", "basic_by_economic", "302", "合计", 1),
        ("hierarchy", "basic_by_economic", "302", "公用经费", 1),
    }
    assert all(c.status == "rounding" for c in off)
    assert not result.errors


def test_welfare_home_misprinted_code():
    """`7 11 02 事业单位医疗` printed under `210 11` in two tables: read as 2101102, printed text kept."""
    result = yusuan.extract_document(real_pdf("budget-2024-unit-welfare-home.pdf"))
    warned = {(f.table, f.code) for f in result.records["findings"] if f.rule == "malformed_code"}
    assert warned == {("expenditure_summary", "2101102"), ("general_budget_by_function", "2101102")}
    cells = [b for b in result.records["budget_lines"] if b.code == "2101102" and b.column == "合计"]
    assert {(b.table, b.raw_code, b.amount, b.parent_code) for b in cells} == {
        ("income_summary", "210 11 02", 503_724, "21011"),
        ("expenditure_summary", "7 11 02", 503_724, "21011"),
        ("general_budget_by_function", "7 11 02", 503_724, "21011"),
    }
    assert not [c for c in result.checks if c.rule == "cross_table" and c.status == "fail"]


def test_welfare_home_prose():
    """Its prose names the class by the old name (医疗卫生与计划生育支出) and restates
    社会福利事业单位 as 738.66万元, which no cell supports: the prose items sum to 991.59万元
    against its own 财政拨款 total of 950.12万元 (checked by hand), a defect of the document."""
    result = yusuan.extract_document(real_pdf("budget-2024-unit-welfare-home.pdf"))
    prose = {c.code: c for c in result.checks if c.rule == "prose_vs_table"}
    old_name = prose["医疗卫生与计划生育支出（类）行政事业单位医疗（款）事业单位医疗（项）"]
    assert (old_name.status, old_name.actual) == ("pass", 503_724)
    bad = prose["社会保障和就业支出（类）社会福利（款）社会福利事业单位（项）"]
    assert (bad.status, bad.expected, bad.actual) == ("fail", 7_386_600, 6_964_796)
    assert [f.rule for f in result.errors] == ["prose_vs_table"]
