"""Inequalities between the funds (domain/identities.toml, domain/jiangsu.toml): all
spending of a class or code is at least its 财政拨款 spending, which is at least its
一般公共预算 spending. Within rounding a `rounding` warning, beyond it an error.

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
