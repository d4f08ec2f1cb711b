"""Document facts (body, fiscal year, scope) and narrative prose figures, for documents of
any province: the real PDFs of ../shared/real (skipped with a reason when absent), the two
seeds, and small constructed cases for each rule of extract/facts.py and of the
`[statements]` of domain/prose.toml.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

import pytest

from yusuan.domain import DOMAIN
from yusuan.extract.decode import decode_text
from yusuan.extract.facts import DocumentFacts, document_facts
from yusuan.extract.pdf_reader import read_pdf_pages
from yusuan.extract.text_reader import split_pages
from yusuan.normalize.text import compact
from yusuan.schemas.intermediate import Page
from yusuan.validate.prose import read_figures

from conftest import SEED_BUDGET, SEED_TARGETS, real_pdf

JIANGSU = DOMAIN.profiles["jiangsu"]
SHANGHAI = DOMAIN.profiles["shanghai"]
NARRATIVE = "budget-2018-dept-jiangsu-cppcc-office-narrative.pdf"
CPPCC, COURT = "江苏省政协办公厅", "江苏省高级人民法院"
DISTRICT_OFFICE = "上海市普陀区人民政府办公室"
WANLI = "上海市普陀区人民政府万里街道办事处"


@cache
def _pdf_pages(name: str) -> tuple[Page, ...]:
    path = real_pdf(name)
    return tuple(read_pdf_pages(path.read_bytes(), str(path)))


@cache
def _seed_pages(path) -> tuple[Page, ...]:
    text, _ = decode_text(path.read_bytes(), str(path))
    return tuple(split_pages(text))


_SENTENCE = re.compile(r"[，,。；;]")


def _title_lines(lines: list[str]) -> list[str]:
    """Table-title-like lines, standing in for the titles the table reader finds: short,
    no sentence punctuation, naming a 预算/决算 table."""
    return [line for line in lines if len(c := compact(line)) <= 60 and not _SENTENCE.search(c)
            and re.search(r"表(?:[(（][^)）]*[)）])?$", c) and re.search("预算|决算", c) and not c.startswith("注")]


def _lines(pages) -> list[str]:
    return [line for page in pages for line in page.lines]


# ---- the real documents ----------------------------------------------------------------

REAL_FACTS = [
    pytest.param("budget-2017-dept-jiangsu-cppcc-office-tables.pdf", CPPCC, 2017, "部门", id="js-2017-cppcc"),
    pytest.param("budget-2018-dept-jiangsu-cppcc-office-tables.pdf", CPPCC, 2018, "部门", id="js-2018-cppcc"),
    pytest.param("budget-2019-dept-jiangsu-cppcc-office-tables.pdf", CPPCC, 2019, "部门", id="js-2019-cppcc"),
    pytest.param(NARRATIVE, CPPCC, 2018, "部门", id="js-2018-cppcc-narrative"),
    pytest.param("budget-2017-dept-jiangsu-high-court.pdf", COURT, 2017, "部门", id="js-2017-court"),
    pytest.param("budget-2018-dept-jiangsu-high-court.pdf", COURT, 2018, "部门", id="js-2018-court"),
    pytest.param("budget-2019-dept-jiangsu-high-court.pdf", COURT, 2019, "部门", id="js-2019-court"),
    pytest.param("budget-2023-dept-wanli-subdistrict.pdf", WANLI, 2023, "部门", id="sh-2023-wanli"),
    pytest.param("budget-2024-dept-wanli-subdistrict.pdf", WANLI, 2024, "部门", id="sh-2024-wanli"),
    pytest.param("budget-2024-unit-welfare-home.pdf", "上海市普陀区社会福利院", 2024, "单位", id="sh-2024-welfare-unit"),
    pytest.param("budget-2025-dept-district-office.pdf", DISTRICT_OFFICE, 2025, "部门", id="sh-2025-office-dept"),
    pytest.param("budget-2025-unit-district-office.pdf", DISTRICT_OFFICE, 2025, "单位", id="sh-2025-office-unit"),
    pytest.param("budget-2025-unit-shanghai-finance.pdf", "上海市财政局", 2025, "单位", id="sh-2025-finance-unit"),
    pytest.param("budget-2026-dept-justice.pdf", "上海市普陀区司法局", 2026, "部门", id="sh-2026-justice"),
    pytest.param("final-2024-dept-finance.pdf", "上海市普陀区财政局", 2024, "部门", id="sh-2024-final-finance"),
    # The altered copy's prose heading says 2023 once: outvoted by the document's 2024.
    pytest.param("final-2024-dept-finance-altered.pdf", "上海市普陀区财政局", 2024, "部门", id="sh-2024-final-altered"),
    # One table title misprints the body (上海市规划和自然资源局): outvoted by the others.
    pytest.param("final-2024-dept-planning-resources.pdf", "上海市普陀区规划和自然资源局", 2024, "部门",
                 id="sh-2024-final-planning"),
]


@pytest.mark.parametrize("with_titles", [pytest.param(True, id="titles"), pytest.param(False, id="lines-only")])
@pytest.mark.parametrize("name, body, year, scope", REAL_FACTS)
def test_real_document_facts(name, body, year, scope, with_titles):
    lines = _lines(_pdf_pages(name))
    facts = document_facts(lines, _title_lines(lines) if with_titles else [])
    assert facts == DocumentFacts(department=body, fiscal_year=year, scope=scope)


@pytest.mark.parametrize("path, body, year, scope", [
    pytest.param(SEED_BUDGET, "上海市质量技术监督局", 2018, "部门", id="seed-000-budget"),
    # Performance forms only: the first form's 申报单位名称; nothing says 部门 or 单位.
    pytest.param(SEED_TARGETS, "上海市知识产权局", 2019, None, id="seed-002-forms"),
])
def test_seed_document_facts(path, body, year, scope):
    lines = _lines(_seed_pages(path))
    assert document_facts(lines, _title_lines(lines)) == DocumentFacts(body, year, scope)


def test_department_and_unit_budget_of_one_body_differ_only_in_scope():
    dept, unit = (document_facts(lines, _title_lines(lines)) for lines in (
        _lines(_pdf_pages("budget-2025-dept-district-office.pdf")),
        _lines(_pdf_pages("budget-2025-unit-district-office.pdf"))))
    assert (dept.department, dept.fiscal_year) == (unit.department, unit.fiscal_year) == (DISTRICT_OFFICE, 2025)
    assert (dept.scope, unit.scope) == ("部门", "单位")


# ---- the rules, one line at a time ------------------------------------------------------

@pytest.mark.parametrize("lines, titles, expected", [
    pytest.param(["部门：江苏省政协办公厅 单位：万元"], [], DocumentFacts(CPPCC, None, "部门"), id="label-unit-on-same-line"),
    pytest.param(["部 门 ： 江 苏 省 政 协 办 公 厅   单 位 ： 万 元"], [], DocumentFacts(CPPCC, None, "部门"),
                 id="label-spaced-out"),
    pytest.param(["部门:江苏省政协办公厅"], [], DocumentFacts(CPPCC, None, "部门"), id="label-half-width-colon"),
    pytest.param(["部门：", "单位：万元"], [], DocumentFacts(None, None, "部门"), id="empty-label-names-nobody"),
    pytest.param(["部门： 单位：万元"], [], DocumentFacts(None, None, "部门"), id="label-with-only-the-unit"),
    pytest.param(["第一部分 部门概况"], [], DocumentFacts(None, None, "部门"), id="part-heading-names-nobody"),
    pytest.param(["编制部门：上海市普陀区司法局 单位：元"], [], DocumentFacts("上海市普陀区司法局", None, "部门"),
                 id="compiling-department"),
    pytest.param(["编制单位：上海市财政局 单位：元"], [], DocumentFacts("上海市财政局", None, "单位"), id="compiling-unit"),
    pytest.param(["预算单位：上海市财政局"], [], DocumentFacts("上海市财政局", None, "单位"), id="budget-unit"),
    pytest.param(["预算主管部门：上海市普陀区司法局"], [], DocumentFacts("上海市普陀区司法局", None, "部门"),
                 id="supervising-department"),
    pytest.param(["单位名称：上海市财政局"], [], DocumentFacts("上海市财政局", None, "单位"), id="unit-name"),
    pytest.param(["部门名称：江苏省高级人民法", "院 单位：万元", "部门名称：江苏省高级人民法院 单位:万元"], [],
                 DocumentFacts(COURT, None, "部门"), id="label-wrapped-mid-name"),
    pytest.param(["部门名称：江苏省高级人民法院 元"], [], DocumentFacts(COURT, None, "部门"), id="unit-wrapped-from-above"),
    pytest.param([], ["2018年度江苏省高级人民法院收支预算总表"], DocumentFacts(COURT, 2018, None), id="title-body-after-year"),
    pytest.param([], ["一、2017年度江苏省高级人民法院部门收支预算总表"], DocumentFacts(COURT, 2017, "部门"),
                 id="title-enumerator-scope"),
    pytest.param([], ["2018 年度江苏省高级人民法院财政拨款支出预算表"], DocumentFacts(COURT, 2018, None),
                 id="title-year-spaced"),
    pytest.param(["江苏省政协办公厅2018年部门预算"], [], DocumentFacts(CPPCC, 2018, "部门"), id="cover-body-before-year"),
    pytest.param(["上海市水务局2019年部门预算"], [], DocumentFacts("上海市水务局", 2019, "部门"), id="cover-shanghai"),
    pytest.param(["上海市普陀区2025年区级单位预算"], [], DocumentFacts(None, 2025, "单位"), id="cover-names-a-district"),
    pytest.param([], ["2025年预算单位收入预算总表"], DocumentFacts(None, 2025, "单位"), id="title-budget-unit"),
    pytest.param([], ["2025年单位“三公”经费和机关运行经费预算表"], DocumentFacts(None, 2025, "单位"), id="title-unit"),
    pytest.param([], ["2025年预算单位一般公共预算基本支出部门预算经济分类预算表"], DocumentFacts(None, 2025, "单位"),
                 id="title-first-scope-word-wins"),
    pytest.param([], ["2018年部门收入预算总表"], DocumentFacts(None, 2018, "部门"), id="title-department"),
    pytest.param(["2018 年度", "部门预算公开"], [], DocumentFacts(None, None, "部门"), id="cover-kind-on-its-own-line"),
    pytest.param(["2018 年度部门预算公开"], [], DocumentFacts(None, 2018, "部门"), id="cover-year-spaced"),
    pytest.param(["2024年度部门决算"], [], DocumentFacts(None, 2024, "部门"), id="final-accounts"),
    pytest.param(["一、单位主要职能", "二、单位机构设置"], [], DocumentFacts(None, None, "单位"), id="unit-section-headings"),
    pytest.param([], ["2018年部门收入预算总表", "2018年部门支出预算总表", "2017年政府采购预算表"],
                 DocumentFacts(None, 2018, "部门"), id="most-common-title-year"),
    pytest.param(["2.从预算单位构成看，纳入本部门 2018 年部门汇总预算编", "我单位无2017年政府性基金支出安排。"], [],
                 DocumentFacts(None, None, None), id="prose-says-nothing"),
    pytest.param([], [], DocumentFacts(None, None, None), id="nothing"),
])
def test_document_facts_rules(lines, titles, expected):
    assert document_facts(lines, titles) == expected


def test_labels_outrank_titles_and_headings():
    facts = document_facts(["上海市水务局2019年部门预算", "编制单位：上海市水务局机关 单位：元"],
                           ["2019年部门收入预算总表"])
    assert (facts.department, facts.scope) == ("上海市水务局机关", "单位")


# ---- narrative prose figures ------------------------------------------------------------

# (page, label, printed, table, side, row, column) of the narrative companion's figures:
# each restates a cell of its tables document (all 54 agree with it).
NARRATIVE_FIGURES = [
    pytest.param(7, "收入、支出预算总计", "10,150.48", "income_expenditure_summary", "收入", "收入合计|收入总计|总计",
                 "预算数", id="income-and-expenditure-total"),
    pytest.param(8, "收入预算总计", "10,150.48", "income_expenditure_summary", "收入", "收入合计|收入总计|总计", "预算数",
                 id="income-total"),
    pytest.param(8, "财政拨款收入预算总计", "10,070.48", "fiscal_grant_summary", "收入", "收入合计|收入总计|总计", "预算数",
                 id="fiscal-grant-income-total"),
    pytest.param(8, "一般公共预算收入预算", "10,070.48", "fiscal_grant_summary", "收入", "一般公共预算", "预算数",
                 id="general-budget-income"),
    pytest.param(8, "其他资金收入预算总计", "80", "income_expenditure_summary", "收入", "其他资金", "预算数",
                 id="other-funds-not-the-income-total"),
    pytest.param(8, "支出预算总计", "10,150.48", "income_expenditure_summary", "支出", "支出合计|支出总计|总计", "预算数",
                 id="expenditure-total"),
    pytest.param(8, "一般公共服务（类）", "7,827.46", "income_expenditure_summary", "支出", "一般公共服务支出|一般公共服务",
                 "预算数", id="class"),
    pytest.param(9, "基本支出", "5,678.17", "expenditure_summary", None, "total", "基本支出", id="basic"),
    pytest.param(9, "单位预留机动经费", "1,157.63", "expenditure_summary", None, "total", "单位预留机动经费",
                 id="reserve"),
    pytest.param(9, "本年收入预算合计", "10,150.48", "income_summary", None, "收入总计", "预算数", id="income-summary"),
    pytest.param(10, "本年支出预算合计", "10,150.48", "expenditure_summary", None, "total", "合计",
                 id="expenditure-summary"),
    pytest.param(10, "财政拨款收、支预算", "10,070.48", "fiscal_grant_summary", "收入", "收入合计|收入总计|总计", "预算数",
                 id="fiscal-grant-summary"),
    pytest.param(10, "财政拨款预算支出", "10,070.48", "fiscal_grant_by_function", None, "total", "合计",
                 id="fiscal-grant-spending"),
    pytest.param(11, "政协事务（款）行政运行（项）", "4,432.78", "fiscal_grant_by_function", None,
                 "path:政协事务（款）行政运行（项）", "合计", id="item-by-its-kuan"),
    pytest.param(12, "财政拨款基本支出预算", "5,598.17", "fiscal_grant_basic_by_economic", None, "total", "合计",
                 id="fiscal-grant-basic"),
    pytest.param(13, "一般公共预算财政拨款支出预算", "10,070.48", "general_budget_by_function", None, "total", "合计",
                 id="general-budget-spending"),
    pytest.param(13, "一般公共预算财政拨款基本支出预算", "5,598.17", "basic_by_economic", None, "total", "合计",
                 id="general-budget-basic"),
    pytest.param(14, "因公出国（境）费", "106", "three_public", None, "total", "因公出国(境)费", id="travel-abroad"),
    pytest.param(14, "公务用车购置及运行维护费", "156.60", "three_public", None, "total", "公务用车购置及运行费",
                 id="vehicles"),
    pytest.param(14, "公务接待费", "412.50", "three_public", None, "total", "公务接待费", id="reception"),
    pytest.param(14, "会议费", "884.16", "three_public", None, "total", "会议费", id="meetings"),
    pytest.param(14, "培训费", "97.60", "three_public", None, "total", "培训费", id="training"),
    pytest.param(15, "政府性基金支出预算", "0", "gov_fund_by_function", None, "total", "合计", id="government-fund"),
    pytest.param(15, "一般公共预算机关运行经费", "1,115.85", "operating_costs_by_economic", None, "total", "合计",
                 id="operating-costs"),
    pytest.param(15, "政府采购支出预算总额", "1,281.76", "procurement", None, "合计", "总计", id="procurement"),
]


@cache
def _narrative_figures():
    """The narrative document prints no table: read_figures runs on it all the same."""
    return read_figures(list(_pdf_pages(NARRATIVE)), "narrative", set(), JIANGSU)


@pytest.mark.parametrize("page, label, raw, table, side, row, column", NARRATIVE_FIGURES)
def test_narrative_figure_and_its_cell(page, label, raw, table, side, row, column):
    found = [(f, cells) for f, cells in _narrative_figures() if (f.page, f.label, f.raw) == (page, label, raw)]
    assert found, f"no figure {label} {raw}万元 on p.{page}"
    fig, cells = found[0]
    assert (fig.unit, fig.amount) == ("万元", Decimal(raw.replace(",", "")) * 10000)
    assert (cells[0].table, cells[0].side, cells[0].row, cells[0].column) == (table, side, row, column)


def test_narrative_figures_count_and_wording():
    figures = _narrative_figures()
    assert len(figures) == 54
    assert all(cells for _, cells in figures)  # each restates a table cell of the template
    labels = {f.label for f, _ in figures}
    assert "收入预算" not in labels  # the Shanghai wording yields to the longer Jiangsu label


@pytest.mark.parametrize("text, expected", [
    pytest.param("江苏省政协办公厅本年收入预算合计 10,150.48 万元，其中：", [("本年收入预算合计", "10,150.48")],
                 id="after-the-body"),
    pytest.param("3.其他资金收入预算总计 80 万元，与上年数一致。", [("其他资金收入预算总计", "80")],
                 id="longest-label"),
    pytest.param("主要用于资金收入预算总计 80 万元。", [], id="never-mid-word"),
    pytest.param("此外，基本支出预算数为 5,678.17 万元。", [("基本支出", "5,678.17")], id="joiner-and-为"),
    pytest.param("3.公务接待费预算支出 412.50 万元，比上年预算减少 31 万元", [("公务接待费", "412.50")], id="three-public"),
    pytest.param("一般公共预算拨款安排的会议费预算支出 884.16 万元", [("会议费", "884.16")], id="after-的"),
    pytest.param("因公出国(境)费支出 106 万元", [("因公出国（境）费", "106")], id="half-width-brackets"),
])
def test_statement_patterns(text, expected):
    page = Page(number=1, lines=(text,))
    got = [(f.label, f.raw) for f, _ in read_figures([page], "doc", {"income_expenditure_summary"}, JIANGSU)]
    assert got == expected


def test_narrative_without_tables_reads_its_kind_from_its_words():
    budget = Page(number=1, lines=("2018年度部门预算公开", "本年支出预算合计 10 万元。"))
    final = Page(number=1, lines=("2024年度部门决算", "本年支出预算合计 10 万元。"))
    assert [f.label for f, _ in read_figures([budget], "doc", set(), JIANGSU)] == ["本年支出预算合计"]
    assert read_figures([final], "doc", set(), SHANGHAI) == []  # a budget's wording in a 决算
    assert read_figures([Page(number=1, lines=("本年支出预算合计 10 万元。",))], "doc", set()) == []
