"""A printed number changed in the seed must make the right identity fail, at the right place,
while the records keep what the document printed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import SEED_BUDGET, extract_text

SEED = SEED_BUDGET.read_text(encoding="utf-8")


def _perturb(old: str, new: str) -> str:
    assert SEED.count(old) >= 1
    return SEED.replace(old, new, 1)  # the first occurrence is in income_summary


def _failed(result):
    return {(c.rule, c.table, c.code, c.column): (c.actual, c.expected)
            for c in result.checks if c.status == "fail"}


def test_column_total_off(tmp_path):
    text = _perturb("1,685,920,000 967,450,000 635,480,000 72,190,000 10,800,000合计",
                    "1,685,920,000 967,450,000 635,480,900 72,190,000 10,800,000合计")
    result = extract_text(tmp_path, text)
    failed = _failed(result)
    assert failed[("column_total", "income_summary", None, "事业收入")] == (
        Decimal(635_480_900), Decimal(635_480_000))
    assert failed[("row_sum", "income_summary", None, "合计")] == (
        Decimal(1_685_920_000), Decimal(1_685_920_900))
    assert failed[("summary_vs_table", "income_expenditure_summary", "事业收入", "预算数")] == (
        Decimal(635_480_000), Decimal(635_480_900))
    assert len(failed) == 3
    # The record keeps what was printed.
    cell = next(b for b in result.records["budget_lines"]
                if b.table == "income_summary" and b.code is None and b.column == "事业收入")
    assert (cell.amount, cell.raw) == (Decimal(635_480_900), "635,480,900")
    errors = [f for f in result.records["findings"] if f.severity == "error"]
    assert {(f.rule, f.table, f.column) for f in errors} >= {("column_total", "income_summary", "事业收入")}
    assert result.exit_code == 1


def test_leaf_cell_off(tmp_path):
    text = _perturb("201 17 07 质量技术监督技术支持 10,674,663 10,674,663",
                    "201 17 07 质量技术监督技术支持 10,674,663 10,684,663")
    result = extract_text(tmp_path, text)
    failed = _failed(result)
    assert failed[("row_sum", "income_summary", "2011707", "合计")] == (
        Decimal(10_674_663), Decimal(10_684_663))
    assert failed[("hierarchy", "income_summary", "20117", "财政拨款收入")] == (
        Decimal(508_684_395), Decimal(508_694_395))
    assert failed[("cross_table", "income_summary", "2011707", "财政拨款收入")] == (
        Decimal(10_684_663), Decimal(10_674_663))
    cell = next(b for b in result.records["budget_lines"]
                if b.table == "income_summary" and b.code == "2011707" and b.column == "财政拨款收入")
    assert cell.amount == 10_684_663
    finding = next(f for f in result.records["findings"]
                   if f.rule == "row_sum" and f.code == "2011707")
    assert finding.severity == "error" and "10,000" in finding.message


def test_small_difference_is_rounding(tmp_path):
    """1 元 off in a sum of integer 元 amounts is within the rounding envelope: a warning."""
    text = _perturb("201 17 02 一般行政管理事务 2,570,219 2,570,219",
                    "201 17 02 一般行政管理事务 2,570,219 2,570,218")
    result = extract_text(tmp_path, text)
    graded = [f for f in result.records["findings"] if f.rule == "rounding"]
    assert graded and all(f.severity == "warning" for f in graded)
    assert any(f.table == "income_summary" and f.code == "2011702" for f in graded)
    assert result.exit_code == 0


@pytest.mark.parametrize("old,new,rule,table,code", [
    pytest.param("302 12 因公出国（境）费用 1,607,000 1,607,000", "302 12 因公出国（境）费用 1,617,000 1,617,000",
                 "cross_unit", "three_public", None, id="economic-vs-three-public"),
    pytest.param("612.35 160.7 131.05", "612.35 160.7 131.15", "row_sum", "three_public", None,
                 id="three-public-sum"),
    pytest.param("收入总计 967,450,000 支出总计 967,450,000 967,450,000",
                 "收入总计 967,450,000 支出总计 967,450,000 967,460,000",
                 "row_sum", "fiscal_grant_summary", "支出总计", id="fiscal-grant-row"),
])
def test_other_identities_fail_where_changed(tmp_path, old, new, rule, table, code):
    result = extract_text(tmp_path, _perturb(old, new))
    assert any(c.status == "fail" and c.rule == rule and c.table == table and c.code == code
               for c in result.checks), _failed(result)


def _income_pages() -> str:
    start = SEED.index("单位：元\n\n类 款 项\n\n201 一般公共服务支出 591,674,395 508,684,395")
    end = SEED.index("10,800,000合计") + len("10,800,000合计")
    return SEED[start:end]


def test_table_printed_twice_is_counted_once(tmp_path):
    pages = _income_pages()
    text = SEED.replace(pages, pages + "\n\n\n\n" + pages, 1)
    result = extract_text(tmp_path, text)
    assert len(result.records["budget_lines"]) == 345
    assert {c.status for c in result.checks if c.rule == "duplicate_row"} == {"pass"}
    assert not result.errors


def test_reprint_that_differs_is_an_error(tmp_path):
    pages = _income_pages()
    changed = pages.replace("201 17 10 信息化建设 316,200 316,200", "201 17 10 信息化建设 316,300 316,300")
    result = extract_text(tmp_path, SEED.replace(pages, pages + "\n\n\n\n" + changed, 1))
    failed = {(c.code, c.column) for c in result.checks if c.rule == "duplicate_row" and c.status == "fail"}
    assert failed == {("2011710", "合计"), ("2011710", "财政拨款收入")}
    assert result.exit_code == 1
