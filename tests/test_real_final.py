"""Real 2024 final accounts (决算) and a copy of one with errors put in on purpose.

`data/real_final_cells.csv`: 200 cells read by hand without yusuan (a helper placed each
number by the ruling lines around it and checked rendered pages), over all seven tables
that print data. Amounts are 万元 with two decimals, blank cells are common.

The error findings asserted here were each checked against the printed pages:
- finance p.14 draws one empty ruled row and nothing else: a `blank_page` warning, no error;
- finance p.21 prose says 财政拨款收入支出总计0.3万元, its table prints 2,961.68万元;
- planning p.24 prose says 一般公共预算财政拨款基本支出5377.64万元 and 人员经费4896.98万元,
  its economic table prints 人员经费合计 4884.09 (and 基本支出 5364.75 = 4884.09 + 480.66).
Differences of 0.01万元 between sums of rounded items are `rounding` warnings, never errors.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

import yusuan
from conftest import real_pdf
from yusuan.normalize.text import compact

CELLS = Path(__file__).parent / "data" / "real_final_cells.csv"
BY_FILE: dict[str, list[dict]] = defaultdict(list)
for _row in csv.DictReader(CELLS.open(encoding="utf-8")):
    BY_FILE[_row["file"]].append(_row)
FINANCE, PLANNING = "final-2024-dept-finance.pdf", "final-2024-dept-planning-resources.pdf"
ALTERED = "final-2024-dept-finance-altered.pdf"


@cache
def _extract(name: str, engine: str = "pdfium") -> yusuan.Result:
    return yusuan.extract_document(real_pdf(name), engine=engine)


def _cells(result: yusuan.Result) -> dict:
    out = {}
    for b in result.records["budget_lines"]:
        out[(b.table, b.code or (b.name if b.level == 0 and b.name != "合计" else "total"), b.column)] = b
    for s in result.records["summary_lines"]:
        if s.side:
            out[(s.table, f"{s.side}:{compact(s.item)}", s.column)] = s
        else:  # the 三公 row: item and 预算数/决算数
            out[(s.table, "total", f"{s.item}/{s.column}" if s.column else s.item)] = s
    return out


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("name", [FINANCE, PLANNING])
def test_every_hand_read_cell(name, engine):
    cells = _cells(_extract(name, engine))
    wrong = []
    for row in BY_FILE[name]:
        key = row["key"]
        if ":" in key:
            key = key.split(":")[0] + ":" + compact(key.split(":", 1)[1])
        got = cells.get((row["table"], key, row["column"] or None))
        if got is None or (got.raw, got.page, got.source_unit) != (row["raw"], int(row["page"]), "万元"):
            wrong.append((row["table"], key, row["column"], row["raw"], None if got is None else got.raw))
    assert len(BY_FILE[name]) >= 30
    assert not wrong, f"{len(wrong)} of {len(BY_FILE[name])} cells differ: {wrong[:8]}"


@pytest.mark.parametrize("name,rows", [
    (FINANCE, {"final_income_expenditure_summary": 40, "final_income": 19, "final_expenditure": 19,
               "final_fiscal_grant_summary": 38, "final_general_budget_by_function": 19,
               "final_basic_by_economic": 66, "final_three_public": 1, "final_gov_fund": 0, "final_state_capital": 0}),
    (PLANNING, {"final_income_expenditure_summary": 38, "final_income": 24, "final_expenditure": 24,
                "final_fiscal_grant_summary": 34, "final_general_budget_by_function": 24,
                "final_basic_by_economic": 67, "final_three_public": 1, "final_gov_fund": 0, "final_state_capital": 0}),
])
def test_nine_tables_found(name, rows):
    result = _extract(name)
    assert {t.key: t.rows for t in result.tables} == rows
    doc = result.document
    assert (doc.doc_type, doc.fiscal_year, doc.source_kind) == ("final_accounts", 2024, "pdf")
    assert {b.assigned_by for b in result.records["budget_lines"]} == {"layout"}
    assert {b.source_unit for b in result.records["budget_lines"]} == {"万元"}


def test_amounts_convert_exactly_from_wanyuan():
    cells = _cells(_extract(FINANCE))
    cell = cells[("final_income", "total", "本年收入合计")]
    assert (cell.amount, cell.raw) == (Decimal("29462500.00"), "2,946.25")
    cell = cells[("final_basic_by_economic", "30102", "决算数")]
    assert (cell.amount, cell.raw, cell.page) == (Decimal("12385800.00"), "1,238.58", 16)


def _errors(result):
    return sorted((f.rule, f.table, f.code, f.page) for f in result.records["findings"] if f.severity == "error")


def test_finance_errors_are_its_own_defects():
    assert _errors(_extract(FINANCE)) == [
        # 一般公共服务支出（类）2106.66万元，占71.73%: 2106.66 of 2940.05 is 71.65%
        ("prose_share", None, "一般公共服务支出（类）", 21),
        ("prose_vs_table", "final_fiscal_grant_summary", "财政拨款收入支出总计", 21),
        # …its four shares add up to 100.07%
        ("share_sum", None, None, 21),
    ]


def test_planning_errors_are_its_own_defects():
    assert _errors(_extract(PLANNING)) == [
        ("prose_vs_table", "final_basic_by_economic", "人员经费", 24),
        ("prose_vs_table", "final_general_budget_by_function", "一般公共预算财政拨款基本支出", 24),
    ]


def test_rounding_is_graded_not_an_error():
    """Planning p.14: 212 prints 合计 3832.36 but 基本支出 + 项目支出 = 1572.70 + 2259.65 = 3832.35:
    0.01万元 over two summands is within (2+1) × 0.005万元."""
    found = {(f.rule, f.table, f.code, f.column): f for f in _extract(PLANNING).records["findings"]}
    f = found[("rounding", "final_general_budget_by_function", "212", "合计")]
    assert (f.severity, f.actual - f.expected) == ("warning", Decimal("100.00"))


def test_every_identity_is_checked_or_reported():
    result = _extract(FINANCE)
    rules = {c.rule for c in result.checks}
    assert {"row_sum", "hierarchy", "column_total", "group_total", "summary_total", "summary_vs_table",
            "cross_table", "prose_vs_table"} <= rules
    # 基本支出 of the general budget table = 人员经费合计 + 公用经费合计 of the economic table.
    cross = [c for c in result.checks if c.rule == "cross_table" and c.table == "final_general_budget_by_function"]
    assert [(c.status, c.actual) for c in cross] == [("pass", Decimal("23369100.00"))]


def test_three_public_budget_and_final_columns():
    cells = _cells(_extract(PLANNING))
    assert cells[("final_three_public", "total", "公务接待费/预算数")].raw == "2.85"
    assert cells[("final_three_public", "total", "公务接待费/决算数")].raw == "0.39"


# ---- The altered copy: its records against the original's.

def _figures(result):
    return {(f.label, f.page - min(x.page for x in result.records["prose_figures"])): f
            for f in result.records["prose_figures"]}


def test_altered_copy_every_changed_number_is_reported():
    original, altered = _extract(FINANCE), _extract(ALTERED)
    errors = {(f.rule, f.table, f.code) for f in altered.records["findings"] if f.severity == "error"}
    # Prose figures: a figure whose value changed and no longer restates its cell.
    before = {f.label: f.amount for f in original.records["prose_figures"]}
    changed = [f for f in altered.records["prose_figures"] if f.label in before and f.amount != before[f.label]]
    assert changed, "the altered copy changes prose figures"
    failing = {(c.table, c.code) for c in altered.checks if c.rule == "prose_vs_table" and c.status == "fail"}
    for f in changed:
        check = next(c for c in altered.checks if c.rule == "prose_vs_table" and c.code == f.label)
        if check.status == "fail":
            assert ("prose_vs_table", check.table, f.label) in errors
    assert ("final_income_expenditure_summary", "收入支出总计") in failing  # printed 0万元 for 2,995.39
    # Table cells: every cell of the original is in the copy unchanged, or its table is
    # reported missing or printed without rows.
    cells_before, cells_after = _cells(original), _cells(altered)
    reported = {f.table for f in altered.records["findings"] if f.rule in ("table_missing", "table_without_rows")}
    for key, cell in cells_before.items():
        if key in cells_after:
            assert cells_after[key].amount == cell.amount, key
        else:
            assert key[0] in reported, key
    assert reported == {"final_expenditure", "final_three_public"}
    # The emptied 三公 table no longer supports the prose's 0.95万元 budget.
    assert ("prose_vs_table", "final_three_public", "“三公”经费年初预算") in errors


def test_altered_copy_prose_words_and_headings():
    findings = _extract(ALTERED).records["findings"]
    comparisons = sorted(f.code for f in findings if f.rule == "prose_comparison")
    assert comparisons == [
        "一般公共服务支出（类）财政事务（款）行政运行（项）",  # 1511.89 printed as 大于 1560.05
        "卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）",  # 60.99 printed as 等于 62.29
        "社会保障和就业支出（类）行政事业单位养老支出（款）机关事业单位职业年金缴费支出（项）",  # 80.38 大于 80.81
    ]
    assert sorted((f.rule, f.page) for f in findings if f.rule.endswith("_mismatch")) == [
        ("body_mismatch", 7), ("year_mismatch", 18), ("year_mismatch", 24)]
    # The original says what it should.
    assert not [f for f in _extract(FINANCE).records["findings"]
                if f.rule in ("prose_comparison", "body_mismatch", "year_mismatch")]


def test_final_accounts_go_through_batch(tmp_path):
    from yusuan.batch import run_batch
    from yusuan.query import run_query

    result = run_batch([real_pdf(FINANCE), real_pdf(PLANNING)], tmp_path / "ds", workers=1)
    assert result.count("failed") == 0
    got = run_query(tmp_path / "ds", "select doc_type, count(*) n from documents group by doc_type").to_pylist()
    assert got == [{"doc_type": "final_accounts", "n": 2}]
    parts = sorted(p.relative_to(tmp_path / "ds").parts[:2] for p in (tmp_path / "ds" / "budget_lines").rglob("*.parquet"))
    assert {p[1] for p in parts} == {"fiscal_year=2024"}


def test_planning_heading_names_another_body():
    """Its p.7 heading says 上海市规划和自然资源局 (the municipal bureau); every other heading
    names the district bureau 上海市普陀区规划和自然资源局: a slip of the document."""
    found = [(f.rule, f.severity, f.page) for f in _extract(PLANNING).records["findings"] if f.rule.endswith("_mismatch")]
    assert found == [("body_mismatch", "warning", 7)]
