"""Column decisions on small documents built for the case: ambiguity, too many numbers,
two-sided tables, and a title printed first (the PDF layout)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import extract_text

AMBIGUOUS = """
2020年部门支出预算总表
单位：元
功能分类科目名称 合计 基本支出 项目支出
201 一般公共服务支出 100 100
201 01 人大事务 100 100
201 01 01 行政运行 100 100
合计 100 100
"""


def test_ambiguous_rows_keep_position_and_warn(tmp_path):
    result = extract_text(tmp_path, AMBIGUOUS)
    lines = {(b.code, b.column): b for b in result.records["budget_lines"]}
    assert set(lines) == {(c, col) for c in ("201", "20101", "2010101", None) for col in ("合计", "基本支出")}
    assert {b.assigned_by for b in lines.values()} == {"position"}
    warned = {f.code for f in result.records["findings"] if f.rule == "ambiguous_columns"}
    assert warned == {"201", "20101", "2010101", "合计"}
    assert all(c.status == "pass" for c in result.checks if c.status != "not_checked")
    assert result.exit_code == 0


def test_identities_decide_against_position(tmp_path):
    """A fully printed 合计 row (基本支出 printed as 0) puts every row's second number in 项目支出."""
    result = extract_text(tmp_path, AMBIGUOUS.replace("合计 100 100", "合计 100 0 100"))
    got = {(b.code, b.column): b for b in result.records["budget_lines"]}
    assert got[("2010101", "项目支出")].amount == 100 and ("2010101", "基本支出") not in got
    assert got[("2010101", "项目支出")].assigned_by == "identity"
    assert got[(None, "基本支出")].amount == 0
    assert not [f for f in result.records["findings"] if f.rule == "ambiguous_columns"]


def test_too_many_numbers_is_an_error_not_a_crash(tmp_path):
    result = extract_text(tmp_path, AMBIGUOUS.replace("201 01 01 行政运行 100 100", "201 01 01 行政运行 100 100 5 7"))
    errs = [f for f in result.records["findings"] if f.rule == "too_many_values"]
    assert len(errs) == 1 and errs[0].code == "2010101" and "left out: 7" in errs[0].message
    assert result.exit_code == 1


TITLE_FIRST = """
2024年部门财政拨款收支预算总表
编制部门：上海市某某街道办事处 单位：元
财政拨款收入 财政拨款支出
项目 预算数 项目 合计 一般公共预算 政府性基金预算 国有资本经营预算
一、一般公共预算资金 300 一、一般公共服务支出 200 200
二、政府性基金 二、公共安全支出 100 100
三、国有资本经营预算
收入总计 300 支出总计 300 300
"""


def test_title_first_two_sided(tmp_path):
    result = extract_text(tmp_path, TITLE_FIRST)
    doc = result.document
    assert (doc.department, doc.fiscal_year) == ("上海市某某街道办事处", 2024)
    got = {(s.side, s.item, s.column): s.amount for s in result.records["summary_lines"]}
    assert got == {
        ("收入", "一、一般公共预算资金", None): 300, ("收入", "收入总计", None): 300,
        ("支出", "一、一般公共服务支出", "合计"): 200, ("支出", "一、一般公共服务支出", "一般公共预算"): 200,
        ("支出", "二、公共安全支出", "合计"): 100, ("支出", "二、公共安全支出", "一般公共预算"): 100,
        ("支出", "支出总计", "合计"): 300, ("支出", "支出总计", "一般公共预算"): 300,
    }
    balance = [c for c in result.checks if c.rule == "summary_balance"]
    assert [(c.status, c.actual) for c in balance] == [("pass", Decimal(300))]


def test_total_row_that_looks_like_a_code(tmp_path):
    text = AMBIGUOUS.replace("合计 100 100", "120 80 40 合计").replace("100 100", "120 80 40")
    text = text.replace("201 01 01 行政运行 120 80 40", "201 01 01 行政运行 80 80\n201 01 02 一般行政管理事务 40 40")
    result = extract_text(tmp_path, text.replace("单位：元", "单位：万元"))
    [total] = [c for c in result.checks if c.rule == "column_total" and c.column == "合计"]
    assert total.status == "pass" and total.actual == 1_200_000
    assert not [b for b in result.records["budget_lines"] if b.name == "合计" and b.code]


@pytest.mark.parametrize("unit_line,factor", [
    pytest.param("单位： 万 元", 10000, id="spaced"),
    pytest.param("单位：人民币万元", 10000, id="renminbi"),
    pytest.param("金额单位：元", 1, id="amount-unit"),
])
def test_unit_line_variants(tmp_path, unit_line, factor):
    result = extract_text(tmp_path, AMBIGUOUS.replace("单位：元", unit_line))
    [cell] = [b for b in result.records["budget_lines"] if b.code == "2010101" and b.column == "合计"]
    assert cell.amount == 100 * factor


def test_unknown_unit_is_an_error(tmp_path):
    result = extract_text(tmp_path, AMBIGUOUS.replace("单位：元", "单位：美元"))
    assert [f.rule for f in result.errors] == ["unknown_unit"]


def test_amount_that_cannot_be_stored_exactly(tmp_path):
    result = extract_text(tmp_path, AMBIGUOUS.replace("201 01 01 行政运行 100 100", "201 01 01 行政运行 100.125 100"))
    assert "amount_out_of_range" in {f.rule for f in result.errors}
    assert ("2010101", "合计") not in {(b.code, b.column) for b in result.records["budget_lines"]}
    result.budget_lines  # still converts to Arrow without error


def test_page_of_another_classification_is_not_read_as_rows(tmp_path):
    result = extract_text(tmp_path, AMBIGUOUS.replace("201 01 01 行政运行", "302 01 办公费"))
    assert "code_not_in_classification" in {f.rule for f in result.errors}


def test_many_rows_under_one_kuan_is_decided_quickly(tmp_path):
    """A 款 whose 24 项 rows each print 合计 and one other cell is a subset-sum problem;
    the meet-in-the-middle pass decides it exactly (before: minutes)."""
    import random
    import time

    rng = random.Random(7)
    amounts = [rng.randrange(1_000_000, 99_999_999) for _ in range(24)]
    fiscal = [a for i, a in enumerate(amounts) if i % 2 == 0]
    other = [a for i, a in enumerate(amounts) if i % 2 == 1]
    f, o = sum(fiscal), sum(other)
    lines = ["2019年部门收入预算总表", "单位：元", "功能分类科目编码 功能分类科目名称 合计 财政拨款收入 事业收入",
             f"201 一般公共服务支出 {f + o:,} {f:,} {o:,}", f"201 01 人大事务 {f + o:,} {f:,} {o:,}"]
    lines += [f"201 01 {i + 1:02d} 项目{i} {a:,} {a:,}" for i, a in enumerate(amounts)]
    lines.append(f"{f + o:,} {f:,} {o:,} 合计")
    started = time.monotonic()
    result = extract_text(tmp_path, "\n".join(lines))
    assert time.monotonic() - started < 10
    got = {b.code: b.column for b in result.records["budget_lines"] if b.level == 3 and b.column != "合计"}
    assert not [f for f in result.records["findings"] if f.rule == "ambiguous_columns"]
    assert got == {f"20101{i + 1:02d}": "财政拨款收入" if i % 2 == 0 else "事业收入" for i in range(24)}


@pytest.mark.parametrize("sentence,status", [
    pytest.param("2023年当年预算执行数为60.13万元，2024年预算安排25.77万元，比2023年预算执行数减少57.14%。", "pass",
                 id="decrease"),
    pytest.param("2023年当年预算执行数为10.00万元，2024年预算安排10.00万元，比2023年预算执行数持平。", "pass", id="flat"),
    pytest.param("2023年当年预算执行数为348.52万元，2024年预算安排352.67万元，比2023年预算执行数增加0.53%。", "fail",
                 id="wrong"),
    pytest.param("2023年当年预算执行数为0.00万元，2024年预算安排25.00万元，比2023年预算执行数增加100.00%。", "not_checked",
                 id="from-zero"),
])
def test_prose_percent_change(tmp_path, sentence, status):
    result = extract_text(tmp_path, f"说明\n1. “一般公共服务支出（类）人大事务（款）行政运行（项）”1.00万元。{sentence}\n\n\n\n"
                                    + AMBIGUOUS)
    [check] = [c for c in result.checks if c.rule == "prose_change"]
    assert check.status == status
    assert check.code == "一般公共服务支出（类）人大事务（款）行政运行（项）"


def test_a_misprinted_row_is_never_fixed_where_it_breaks_what_was_accepted():
    """Two rows whose own row sums hold under no placement (misprinted), and one identity
    over both that holds only with the second row in its other placement: the first row's
    trials accept that identity, so the second row must be fixed where it still holds
    (a 2,000-page concatenation of the real PDFs had 57 such rows; fixing each at its first
    placement left the accepted identities without a solution, and the search crashed)."""
    from yusuan.normalize.columns import _consistent_subset
    from yusuan.normalize.solver import Constraint, Problem

    sizes = [2, 2]
    cons = [Constraint(vars=(0,), contrib=((5, 5),), lo=0, hi=0),   # row 0's own sum: never holds
            Constraint(vars=(1,), contrib=((5, 5),), lo=0, hi=0),   # row 1's own sum: never holds
            Constraint(vars=(0, 1), contrib=((0, 0), (0, 1)), lo=1, hi=1)]  # holds with row 1 at 1
    accepted, fixed = _consistent_subset(sizes, cons, [[0], [1], [2]], node_limit=10_000)
    assert accepted == [2] and fixed[1] == 1
    start = [[fixed[k]] if k in fixed else list(range(n)) for k, n in enumerate(sizes)]
    assert Problem(sizes, [cons[i] for i in accepted], 10_000).first_solution(start) is not None
