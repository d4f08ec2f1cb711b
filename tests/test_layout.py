"""Any layout: titles by grammar, the profile chosen per document, tables no kind fits
kept as cells, amount rows no table claims reported."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import yusuan
from yusuan.domain import DOMAIN, Profile
from yusuan.extract.sections import profile_score
from yusuan.extract.titles import parse_title
from yusuan.pipeline import read_pages

from conftest import real_pdf

SHANGHAI = DOMAIN.profiles["shanghai"]
JIANGSU = DOMAIN.profiles["jiangsu"]


@pytest.mark.parametrize("line, profile, key, year, number", [
    pytest.param("一、2018年度江苏省高级人民法院收支预算总表", JIANGSU, "income_expenditure_summary", 2018, None,
                 id="enumerator-year-body"),
    pytest.param("公开05表 财政拨款支出预算表（功能科目）", JIANGSU, "fiscal_grant_by_function", None, "公开05表",
                 id="number-qualifier"),
    pytest.param("表十一 “三公”经费、会议费、培训费支出预算表（一般公共预算）", JIANGSU, "three_public", None, "表十一",
                 id="chinese-number-quotes"),
    pytest.param("十、2018 年度江苏省高级人民法院政府性基金预算财政拨款支出预算表", JIANGSU, "gov_fund_by_function", 2018,
                 None, id="year-with-space-longest-name"),
    pytest.param("十二、2017年江苏省高级人民法院部门政府采购预算表", JIANGSU, "procurement", 2017, None, id="scope-word"),
    pytest.param("附表3 2019年部门收入预算总表", SHANGHAI, "income_summary", 2019, "附表3", id="appendix-number"),
    pytest.param("上海市XX局2019年部门财务收支预算总表", SHANGHAI, "income_expenditure_summary", 2019, None,
                 id="body-before-year"),
    pytest.param("2025年预算单位收入预算总表", SHANGHAI, "income_summary", 2025, None, id="unit-scope"),
    pytest.param("表9 2019年部门基本建设支出预算表", SHANGHAI, None, 2019, "表9", id="unknown-name-is-still-a-title"),
])
def test_titles_by_grammar(line, profile, key, year, number):
    title = parse_title(line, profile)
    assert title is not None
    assert (title.key, title.year, title.number) == (key, year, number)


@pytest.mark.parametrize("line", [
    pytest.param("本表反映部门年度总体收支预算情况。", id="sentence"),
    pytest.param("第二部分 江苏省高级人民法院 2018 年度预算表", id="part-heading"),
    pytest.param("一、收支预算总表情况说明", id="explanation-heading"),
    pytest.param("一、2018年度江苏省高级人民法院收支预算总表 ........ 9", id="contents-line"),
])
def test_not_titles(line):
    title = parse_title(line, JIANGSU)
    assert title is None or title.key is None and "表" not in line[-3:]


@given(year=st.integers(2000, 2099), body=st.sampled_from(["江苏省高级人民法院", "江苏省政协办公厅", "南京市财政局", ""]),
       enumerator=st.sampled_from(["", "五、", "公开05表 ", "表五 "]), spaced=st.booleans())
def test_any_year_body_and_number_name_the_same_table(year, body, enumerator, spaced):
    year_text = f"{year} 年度" if spaced else f"{year}年度"
    title = parse_title(f"{enumerator}{year_text}{body}财政拨款支出预算表", JIANGSU)
    assert title is not None and (title.key, title.year) == ("fiscal_grant_by_function", year)


def test_a_body_name_made_of_table_words_is_not_a_body():
    # `政府性基金预算` is not a body printing a 财政拨款支出预算表: with no title of that
    # name known, the line is an unclassified title, not the 财政拨款 table.
    profile = Profile(name="test", description="jiangsu without its fund table", reader="cells",
                      tables={k: v for k, v in JIANGSU.tables.items() if k != "gov_fund_by_function"},
                      identities=JIANGSU.identities, document=JIANGSU.document)
    title = parse_title("2018年度政府性基金预算财政拨款支出预算表", profile)
    assert title is not None and title.key is None


@pytest.mark.parametrize("name, profile", [
    pytest.param("budget-2018-dept-jiangsu-high-court.pdf", "jiangsu", id="jiangsu"),
    pytest.param("budget-2019-dept-jiangsu-cppcc-office-tables.pdf", "jiangsu", id="jiangsu-numbered"),
    pytest.param("budget-2024-dept-wanli-subdistrict.pdf", "shanghai", id="shanghai"),
    pytest.param("final-2024-dept-finance.pdf", "shanghai", id="shanghai-final"),
])
def test_the_profile_is_chosen_per_document(name, profile):
    path = real_pdf(name)
    pages, _ = read_pages(path.read_bytes(), str(path))
    assert DOMAIN.choose(lambda p: profile_score(pages, p)).name == profile
    assert yusuan.extract_document(path).document.profile == profile


UNKNOWN_TABLE = """表9 2019年部门基本建设支出预算表
单位：元
项目 合计 基本建设
办公楼改造 1,200,000 1,200,000
信息系统 300,000 300,000
"""

UNCLAIMED_ROWS = """第一部分 概况
本部门的主要职能如下。



一般公共服务支出 1,200,000 1,200,000
教育支出 300,000 300,000
"""


def _extract(tmp_path, text: str):
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    return yusuan.extract_document(path)


def test_a_table_no_kind_fits_is_kept_as_cells(tmp_path):
    result = _extract(tmp_path, UNKNOWN_TABLE)
    cells = [c for c in result.records["table_cells"] if c.row is not None]
    assert {c.table for c in cells} == {None}
    assert ("办公楼改造", 0) in {(c.text, c.row) for c in cells}
    assert [c.amount for c in cells if c.text == "300,000"] == [300000, 300000]
    assert "table_unclassified" in {f.rule for f in result.records["findings"]}
    # Printed amounts, none read as records: never a clean exit.
    assert "no_records" in {f.rule for f in result.errors} and result.exit_code == 1


def test_amount_rows_no_table_claims_are_an_error(tmp_path):
    result = _extract(tmp_path, UNCLAIMED_ROWS)
    unread = [f for f in result.errors if f.rule == "unread_table"]
    assert [f.page for f in unread] == [2] and "一般公共服务支出" in unread[0].message
    assert result.exit_code == 1
