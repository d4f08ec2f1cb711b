"""Inequalities between the funds (domain/identities.toml, domain/jiangsu.toml): all
spending of a class or code is at least its 财政拨款 spending, which is at least its
一般公共预算 spending. Within rounding a `rounding` warning, beyond it an error; not checked
where the all-funds table does not print the code or the column, or a cell prints a
negative amount (a refund); a class named in a summary is read in the 功能分类 only.

Synthetic tables (a 决算's 收支总表 against its 一般公共预算 table, by class) with the
grading side by side; hypothesis over the amounts; then the real documents: the slips the
defects files list (326.71 printed in the 收支总表 for the 208 row's 326.72) are warnings,
and no inequality fails beyond rounding on any real PDF or seed.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yusuan
from conftest import REAL, SAMPLES, real_pdf
from yusuan.domain import DOMAIN
from yusuan.schemas.intermediate import Row, SourceRow, TableLayout
from yusuan.validate.checks import evaluate
from yusuan.validate.identities import Index, cross_identities

WAN = Decimal(10000)


def _layout(key: str, columns: dict) -> TableLayout:
    return TableLayout(key=key, title=key, pages=(1,), unit="万元", factor=WAN, columns=columns, decimals=2, rows=1,
                       empty_note=False)


def _row(rid: int, table: str, source: SourceRow, values: dict[str, str]) -> Row:
    cols = tuple(values)
    return Row(id=rid, table=table, title=table, source=source, unit="万元", factor=WAN,
               values=tuple(Decimal(v) * WAN for v in values.values()), columns=cols, domain=(cols,))


def _final(summary: str, grant: str | None, general: str, names: tuple[str, str, str] = ("社会保障和就业支出",) * 3,
           code: str = "208") -> list:
    """A 决算 with a 收支总表 printing `summary` 万元 for a class, a 财政拨款收支总表 printing
    `grant` (or no such table) and a 一般公共预算 table printing `general` for the class's
    code; `names` are the class's names in the three tables. Returns the checks of the
    inequalities over them."""
    def item(name: str) -> SourceRow:
        return SourceRow(kind="item", page=1, side="支出", item_key=name, name=name, tokens=(), top_level=True)

    rows = [_row(0, "final_income_expenditure_summary", item(names[0]), {"决算数": summary}),
            _row(1, "final_general_budget_by_function",
                 SourceRow(kind="coded", page=2, name=names[2], code=code, level=1, tokens=()), {"合计": general})]
    layouts = {"final_income_expenditure_summary": _layout("final_income_expenditure_summary",
                                                           {"收入": ("决算数",), "支出": ("决算数",)}),
               "final_general_budget_by_function": _layout("final_general_budget_by_function",
                                                           {None: ("合计", "基本支出", "项目支出")})}
    if grant is not None:
        rows.append(_row(2, "final_fiscal_grant_summary", item(names[1]), {"合计": grant}))
        layouts["final_fiscal_grant_summary"] = _layout("final_fiscal_grant_summary", {
            "收入": ("决算数",), "支出": ("合计", "一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")})
    index = Index(rows, layouts, DOMAIN.default, fiscal_year=2024)
    identities = [i for i in cross_identities(index)[0] if i.relation == "ge"]
    return evaluate(identities, rows, {r.id: r.domain[0] for r in rows})


# (收支总表, 财政拨款收支总表 or None, 一般公共预算 208, the inequalities' outcomes)
CASES = [
    pytest.param("326.72", None, "326.72", ["pass"], id="equal"),
    pytest.param("400.00", None, "326.72", ["pass"], id="other-funds-spend-too"),
    pytest.param("326.71", None, "326.72", ["rounding"], id="the-altered-final-326.71"),
    pytest.param("300.00", None, "326.72", ["fail"], id="less-than-its-general-budget"),
    pytest.param("326.72", "326.72", "326.72", ["pass", "pass"], id="with-the-grant-summary"),
    pytest.param("326.71", "326.72", "326.72", ["rounding", "rounding"], id="below-both-by-rounding"),
    pytest.param("326.72", "330.00", "326.72", ["fail", "pass"], id="below-the-grant-summary"),
]


@pytest.mark.parametrize("summary, grant, general, expected", CASES)
def test_all_funds_at_least_the_fund_tables(summary, grant, general, expected):
    checks = _final(summary, grant, general)
    assert [c.status for c in checks] == expected
    assert all(c.severity == "error" and c.code == "社会保障和就业支出" for c in checks)


def test_the_class_is_matched_by_its_other_names():
    """The 财政拨款 summary printing the class under another of its names (医疗卫生与计划生育支出
    for 卫生健康支出, domain/document.toml) is compared as the same class."""
    names = ("卫生健康支出", "医疗卫生与计划生育支出", "卫生健康支出")
    checks = _final("60.00", "61.00", "50.00", names, code="210")
    assert [(c.status, c.expected) for c in checks] == [("fail", 61 * WAN), ("pass", 50 * WAN)]
    assert "final_fiscal_grant_summary[医疗卫生与计划生育支出]" in checks[0].label


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**7), st.integers(0, 10**7))
def test_graded_by_how_far_the_summary_falls_short(summary_cents, general_cents):
    """Pass when the summary is at least the table; within one unit of the last printed
    digit short of it (0.01 万元, the envelope of one summand) a rounding; beyond, a failure."""
    summary, general = Decimal(summary_cents) / 100, Decimal(general_cents) / 100
    (check,) = _final(str(summary), None, str(general))
    short = general - summary
    assert check.status == ("pass" if short <= 0 else "rounding" if short <= Decimal("0.01") else "fail")
    assert check.actual == summary * WAN and check.expected == general * WAN


# ── What an inequality cannot say: not checked, never passed, never failed ──────────────

NAMES = {"201": "一般公共服务支出", "20101": "人大事务", "208": "社会保障和就业支出", "20805": "行政事业单位养老支出",
         "229": "其他支出", "399": "其他支出"}


def _coded(rid: int, table: str, code: str, values: dict[str, str]) -> Row:
    name, level = NAMES[code], {3: 1, 5: 2, 7: 3}[len(code)]
    parent = code[:-2] if level > 1 else None
    return _row(rid, table, SourceRow(kind="coded", page=1, name=name, code=code, level=level, parent_code=parent,
                                      tokens=()), values)


def _item(rid: int, table: str, name: str, values: dict[str, str]) -> Row:
    return _row(rid, table, SourceRow(kind="item", page=1, side="支出", item_key=name, name=name, tokens=(),
                                      top_level=True), values)


TWO_SIDED = {"final_income_expenditure_summary": {"收入": ("决算数",), "支出": ("决算数",)}}


def _checks(tables: dict[str, tuple[str, ...]], coded: list[tuple], items: list[tuple] = ()) -> list:
    """The cross-table checks (evaluated and not checked) of a synthetic document: coded
    tables of the given columns with rows (table, code, name, {column: 万元}), and the
    决算's 收支总表 with 支出 items (name, 万元)."""
    rows = [_coded(i, *r) for i, r in enumerate(coded)]
    rows += [_item(len(rows) + i, "final_income_expenditure_summary", name, {"决算数": v})
             for i, (name, v) in enumerate(items)]
    layouts = {t: _layout(t, {None: cols}) for t, cols in tables.items()}
    if items:
        layouts.update({t: _layout(t, cols) for t, cols in TWO_SIDED.items()})
    index = Index(rows, layouts, DOMAIN.default, fiscal_year=2024)
    identities, not_checked = cross_identities(index)
    return evaluate(identities, rows, {r.id: r.domain[0] for r in rows}) + not_checked


def _outcomes(checks: list) -> dict[str, str]:
    """Checks by their left cell and relation (`final_expenditure[208].基本支出 ≥`) → status."""
    out: dict[str, str] = {}
    for c in checks:
        key = " ".join(c.label.split(" ")[:2])
        assert key not in out, f"two checks of {key}"
        out[key] = c.status
    return out


ALL = ("本年支出合计", "基本支出", "项目支出")
GENERAL = ("合计", "基本支出", "项目支出")
FUND = ("本年支出/小计", "本年支出/基本支出", "本年支出/项目支出")
FINAL = {"final_expenditure": ALL, "final_general_budget_by_function": GENERAL}
WITH_FUND = {**FINAL, "final_gov_fund": FUND}

def _funds(all_funds: str, general: str, fund: str) -> list[tuple]:
    """The 208 row of a 决算's 支出决算表, 一般公共预算 and 政府性基金 tables (本年支出合计 | 合计 | 小计)."""
    return [("final_expenditure", "208", {"本年支出合计": all_funds}),
            ("final_general_budget_by_function", "208", {"合计": general}),
            ("final_gov_fund", "208", {"本年支出/小计": fund})]


# (tables and their columns, coded rows, the outcomes by left cell: a cell not named there
# may be anything; `None` says there is no such check)
GAPS = [
    pytest.param(FINAL, [("final_expenditure", "208", {"本年支出合计": "100.00"}),
                         ("final_general_budget_by_function", "208", {"合计": "80.00"}),
                         ("final_general_budget_by_function", "20805", {"合计": "80.00"})],
                 {"final_expenditure[208].本年支出合计 ≥": "pass", "final_expenditure[20805].本年支出合计 ≥": "not_checked"},
                 id="all-funds-printed-to-its-kuan"),
    pytest.param(FINAL, [("final_expenditure", "208", {"本年支出合计": "100.00"}),
                         ("final_expenditure", "20805", {"本年支出合计": "70.00"}),
                         ("final_general_budget_by_function", "208", {"合计": "80.00"}),
                         ("final_general_budget_by_function", "20805", {"合计": "80.00"})],
                 {"final_expenditure[208].本年支出合计 ≥": "pass", "final_expenditure[20805].本年支出合计 ≥": "fail"},
                 id="printed-to-the-same-depth-still-fails"),
    pytest.param({"final_expenditure": ("本年支出合计",), "final_general_budget_by_function": GENERAL},
                 [("final_expenditure", "208", {"本年支出合计": "100.00"}),
                  ("final_general_budget_by_function", "208", {"合计": "80.00", "基本支出": "80.00", "项目支出": "0.00"})],
                 {"final_expenditure[208].本年支出合计 ≥": "pass", "final_expenditure[each].基本支出 ≥": "not_checked",
                  "final_expenditure[each].项目支出 ≥": "not_checked", "final_expenditure[208].基本支出 ≥": None},
                 id="all-funds-without-its-basic-column"),
    pytest.param({"expenditure_summary": ("合计",), "general_budget_by_function": GENERAL},
                 [("expenditure_summary", "201", {"合计": "10.00"}),
                  ("general_budget_by_function", "201", {"合计": "9.00", "基本支出": "9.00"}),
                  ("general_budget_by_function", "20101", {"合计": "9.00", "基本支出": "9.00"})],
                 {"expenditure_summary[201].合计 ≥": "pass", "expenditure_summary[20101].合计 ≥": "not_checked",
                  "expenditure_summary[each].基本支出 ≥": "not_checked"},
                 id="budget-expenditure-summary-coarse-and-without-basic"),
    pytest.param({"income_summary": ("合计",), "expenditure_summary": ("合计",)},
                 [("income_summary", "201", {"合计": "10.00"}),
                  ("expenditure_summary", "201", {"合计": "10.00"}),
                  ("expenditure_summary", "20101", {"合计": "10.00"})],
                 {"income_summary[201].合计 =": "pass", "income_summary[20101].合计 =": "fail"},
                 id="an-equality-still-reads-an-unprinted-code-as-0"),
    pytest.param(WITH_FUND, _funds("50.00", "80.00", "-30.00"), {"final_expenditure[208].本年支出合计 ≥": "not_checked"},
                 id="a-refund-in-another-fund"),
    pytest.param(WITH_FUND, _funds("-5.00", "10.00", "0.00"), {"final_expenditure[208].本年支出合计 ≥": "not_checked"},
                 id="all-funds-negative"),
    pytest.param(WITH_FUND, _funds("50.00", "80.00", "30.00"), {"final_expenditure[208].本年支出合计 ≥": "fail"},
                 id="no-refund-fails"),
]


@pytest.mark.parametrize("tables, coded, expected", GAPS)
def test_what_the_all_funds_table_does_not_print_is_not_checked(tables, coded, expected):
    """A "ge … each" whose left (all-funds) table does not print the code or the column is
    not checked, never read as 0 ≥ the funds (an equality still reads it as 0); one whose
    cells print a negative amount (a refund) is not checked; otherwise it is graded."""
    outcomes = _outcomes(_checks(tables, coded))
    assert {k: outcomes.get(k) for k in expected} == expected


def test_not_checked_says_why():
    """The label of a check not checked names the row, the column or the negative amount."""
    def unchecked(case) -> list:
        return [c for c in _checks(*case.values[:2]) if c.status == "not_checked" and "≥" in c.label]

    coarse = unchecked(GAPS[0])
    assert [c.column for c in coarse] == list(ALL)  # the 项 printed only by the fund table, in each column
    assert all(c.label.endswith(": final_expenditure prints no row 20805") and c.code == "20805" for c in coarse)
    assert [c.label.split(": ")[-1] for c in unchecked(GAPS[2])] == [
        "final_expenditure prints no 基本支出 column", "final_expenditure prints no 项目支出 column"]
    (refund,) = unchecked(GAPS[5])
    assert "final_gov_fund[208].本年支出/小计 prints a negative amount (-30.00 万元" in refund.label
    assert refund.code == "208" and refund.column == "本年支出合计"


# 其他支出 is the name of a 功能分类 类 (229) and of an 经济分类 类 (399).
OTHER_FUNCTION = ("final_expenditure", "229", {"本年支出合计": "50.00"})
OTHER_GENERAL = ("final_general_budget_by_function", "229", {"合计": "50.00"})
OTHER_ECONOMIC = ("final_basic_by_economic", "399", {"决算数": "3.00"})
ECONOMIC = {"final_basic_by_economic": ("决算数",)}

CLASHES = [
    pytest.param([OTHER_FUNCTION, OTHER_GENERAL, OTHER_ECONOMIC], "229", id="economic-table-last"),
    pytest.param([OTHER_ECONOMIC, OTHER_FUNCTION, OTHER_GENERAL], "229", id="economic-table-first"),
    pytest.param([OTHER_ECONOMIC], None, id="only-the-economic-table-prints-it"),
]


@pytest.mark.parametrize("coded, code", CLASHES)
def test_a_class_name_is_read_in_the_function_classification(coded, code):
    """The 收支总表's 其他支出 item is the 功能分类 类 229 whatever economic table prints a
    类 of that name (the reviewer's /tmp/review/clash.py): its checks read 229 and pass;
    where no 功能分类 table prints it, no class check is made of it at all."""
    checks = [c for c in _checks({**FINAL, **ECONOMIC}, coded, [("其他支出", "50.00")])
              if c.label.startswith("final_income_expenditure_summary[其他支出]")]
    assert not any("[399]" in c.label for c in checks)
    if code is None:
        assert checks == []
    else:
        read = [c for c in checks if "final_fiscal_grant_summary" not in c.label]  # no such table here
        assert [(c.label.split(" ")[1], c.status) for c in read] == [("=", "pass"), ("≥", "pass")]
        assert f"final_expenditure[{code}].本年支出合计" in read[0].label
        assert f"final_general_budget_by_function[{code}].合计" in read[1].label


def test_class_codes_by_classification():
    """Index.class_codes: each classification's 类 names from its own tables only."""
    rows = [_coded(i, *r) for i, r in enumerate([OTHER_ECONOMIC, OTHER_FUNCTION])]
    layouts = {t: _layout(t, {None: cols}) for t, cols in {**FINAL, **ECONOMIC}.items()}
    index = Index(rows, layouts, DOMAIN.default, fiscal_year=2024)
    assert index.class_codes("function") == {"其他支出": "229"}
    assert index.class_codes("economic") == {"其他支出": "399"}


# ── Real documents ─────────────────────────────────────────────────────────────────────

SLIPS = [
    pytest.param("final-2024-dept-finance-altered", "社会保障和就业支出", "3,267,100.00", "3,267,200.00",
                 id="altered-208-326.71"),
    pytest.param("final-2024-dept-finance", "社会保障和就业支出", "3,267,100.00", "3,267,200.00", id="finance-208-326.71"),
    pytest.param("final-2024-dept-planning-resources", "卫生健康支出", "2,366,300.00", "2,366,400.00",
                 id="planning-210-236.63"),
]


@pytest.mark.parametrize("stem, code, printed, table", SLIPS)
def test_real_slips_are_rounding_warnings(stem, code, printed, table):
    """The 收支总表 printing a class 0.01 万元 below the 一般公共预算 table's row: a rounding
    warning naming both amounts (in the altered copy the only finding of this slip, its
    支出决算表 being gone)."""
    result = yusuan.extract_document(real_pdf(f"{stem}.pdf"))
    found = [f for f in result.records["findings"] if f.rule == "rounding" and "≥" in f.message and f.code == code]
    assert len(found) == 1 and found[0].severity == "warning" and found[0].table == "final_income_expenditure_summary"
    assert f"printed {printed} but the coded table gives {table}" in found[0].message


def _documents() -> list:
    pdfs = sorted(REAL.glob("*.pdf")) if REAL.exists() else []
    return [*pdfs, *sorted(SAMPLES.glob("*.txt"))]


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.stem)
def test_no_inequality_fails_on_a_real_document(path):
    """Every inequality of every real PDF and seed holds or misses by rounding only."""
    result = yusuan.extract_document(path)
    failed = [c.label for c in result.checks if "≥" in c.label and c.status == "fail"]
    assert failed == []
