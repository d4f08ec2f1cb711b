"""The wording rules (validate/wording.py, domain/wording.toml).

Unit tests on short synthetic lines: each rule with a wrong text and the right one side
by side (the right text gives no finding at all). Then the real documents: the wording
defects of ../shared/real/defects/*.json are found on their page, and every finding
check_wording gives on a real PDF or a seed either fits a listed defect or is one of the
few reviewed below (true slips the defects files do not list).
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from conftest import REAL, SAMPLES, real_pdf
from yusuan.domain import RULES
from yusuan.pipeline import read_pages
from yusuan.schemas.intermediate import Page, Word
from yusuan.validate.wording import check_wording, rules


def _pages(*pages: tuple[str, ...] | list[str]) -> list[Page]:
    return [Page(number=n, lines=tuple(lines)) for n, lines in enumerate(pages, start=1)]


def _rules(lines, year=2026, scope="部门", department=None, cover=()) -> list[str]:
    pages = _pages(*([list(cover)] if cover else []), list(lines))
    return [i.rule for i in check_wording(pages, year, scope, department=department)]


# (lines, expected rule or None for a correct text, keyword arguments)
CASES = [
    # punctuation
    pytest.param(["主要用于：信息化建设等方面的支出。。2025年当年预算执行数为60.41万元。"], "duplicate_punctuation", {},
                 id="doubled-full-stop"),
    pytest.param(["主要用于：信息化建设等方面的支出。2025年当年预算执行数为60.41万元。"], None, {}, id="single-full-stop"),
    pytest.param(["包括一般公共预算财政拨款、政府性基金预算财政", "拨款和国有资本经营预算财政拨款。", "。二、事业收入：指收入。"],
                 "duplicate_punctuation", {}, id="doubled-over-a-line-break"),
    pytest.param(["比2025年预算增加10万元，。主要原因是业务量增加。"], "duplicate_punctuation", {}, id="comma-then-stop"),
    pytest.param(["4.开展“人民调解协议书检查”、优秀调解案例”活动。"], "unbalanced_quotes", {}, id="stray-closing-quote"),
    pytest.param(["4.开展“人民调解协议书检查”“优秀调解案例”活动。"], None, {}, id="balanced-quotes"),
    pytest.param(["开展“人民调解协议书检查活动。下一项工作照常开展。"], "unbalanced_quotes", {}, id="unclosed-quote"),
    pytest.param(["指除上述“财政拨款收入”、“事业收入”等以外的收入。"], None, {}, id="quotes-in-a-list"),
    pytest.param(["平均得分99.33分（其中，绩效评级为“优”的项目39个。绩效自评中共发现问题0个。",
                  "（一）机关运行经费支出情况"], "unbalanced_parentheses", {}, id="unclosed-parenthesis"),
    pytest.param(["平均得分99.43分（其中，绩效评级为“优”的项目4个。绩效自评中共发现问题0个，正在整改的",
                  "0个）。"], None, {}, id="parenthesis-holding-a-sentence"),
    pytest.param(["扎实做好政协日常新闻宣传工作；办好专版每月1期）；编辑出版杂志。"], "unbalanced_parentheses", {},
                 id="stray-closing-parenthesis"),
    pytest.param(["工作要求：1）加强管理；2）完善制度。"], None, {}, id="list-markers-are-no-brackets"),
    pytest.param(["单价100万元（含）以上设备（不含车辆）0台（套）。"], None, {}, id="balanced-parentheses"),
    pytest.param(["一般公共预算财政拨款支出增加1193.20万元，增长13.95。主要原因：项目支出增加。"], "missing_percent", {},
                 id="percent-missing"),
    pytest.param(["一般公共预算财政拨款支出增加1193.20万元，增长13.95%。主要原因：项目支出增加。"], None, {},
                 id="percent-printed"),
    pytest.param(["社会保障和就业支出（类）754.75万元，占7.74%；增长1倍。"], None, {}, id="share-and-multiple"),
    # placeholders
    pytest.param(["第二部分 上海市普陀区XX局 2024 年度部门决算表"], "placeholder", {"year": 2024}, id="placeholder-XX"),
    pytest.param(["第二部分 上海市普陀区财政局 2024 年度部门决算表"], None, {"year": 2024}, id="body-filled-in"),
    pytest.param(["××单位2026年部门预算。"], "placeholder", {}, id="placeholder-times"),
    pytest.param(["项目负责人：某某。"], "placeholder", {}, id="placeholder-mouMou"),
    pytest.param(["实施周期：待填。"], "placeholder", {}, id="placeholder-to-fill"),
    pytest.param(["截至○○年底，共有车辆2辆。"], "placeholder", {}, id="placeholder-circles"),
    pytest.param(["本表金额单位：□□万元。"], "placeholder", {}, id="placeholder-boxes"),
    pytest.param(["采购ABXXL型设备。"], None, {}, id="placeholder-in-a-word"),
    # template leftovers
    pytest.param(["2024年度“三公”经费支出决算数比2023年度减少0.15万元，下降（增长）27.78%。"], "template_leftover",
                 {"year": 2024}, id="both-comparison-words"),
    pytest.param(["2024年度“三公”经费支出决算数比2023年度减少0.15万元，下降27.78%。"], None, {"year": 2024},
                 id="one-comparison-word"),
    pytest.param(["比2025年预算增加（减少）10万元。"], "template_leftover", {}, id="increase-decrease"),
    pytest.param(["截至2024年12月31日，上海市普陀区规划和自然资源局部门（单位）共有车辆0辆。"], "template_leftover",
                 {"year": 2024}, id="dept-unit-after-the-name"),
    pytest.param(["组织拟订预算支出标准，审核批复部门（单位）的年度预决算。"], None, {}, id="dept-unit-in-prose"),
    pytest.param(["五、国有资产占有使用情况（增加内容）"], "template_leftover", {}, id="editing-note"),
    pytest.param(["离休费、退休费等。（按“部门预算公开06表 财政拨款基本支出预算表”中实际发生经济分类支出事项填写）"],
                 "template_leftover", {"year": 2018}, id="template-instruction"),
    pytest.param(["详见单位的项目绩效目标填报表。"], None, {}, id="form-name-is-no-instruction"),
    # cut-off sentences
    pytest.param(["（二）公务用车购置及运行费6.40万元，与2023年预算持平，主要原因是。其中：公务用车购置费0.00万元。"],
                 "cut_off_sentence", {"year": 2024}, id="reason-missing"),
    pytest.param(["（二）公务用车购置及运行费6.40万元，与2023年预算持平，主要原因是无此项支出。"], None, {"year": 2024},
                 id="reason-given"),
    pytest.param(["面向中小企业预留政府采购项目预算金额34万元，其中，预留给小型和微型企业的为34万元。",
                  "机关运行经费支出不再列入其中。"], None, {}, id="qizhong-in-prose"),
    pytest.param(["2026年，本部门收入预算为万元。"], "cut_off_sentence", {}, id="amount-missing"),
    # scope
    pytest.param(["2025年部门预算安排购置车辆0辆。"], "scope_wording", {"year": 2025, "scope": "单位"},
                 id="dept-wording-in-unit-budget"),
    pytest.param(["2025年单位预算安排购置车辆0辆。"], None, {"year": 2025, "scope": "单位"}, id="unit-wording-in-unit-budget"),
    pytest.param(["2025年部门预算安排购置车辆0辆。"], None, {"year": 2025, "scope": "部门"}, id="dept-wording-in-dept-budget"),
    pytest.param(["2025年单位预算安排购置车辆0辆。"], "scope_wording", {"year": 2025, "scope": "部门"},
                 id="unit-wording-in-dept-budget"),
    pytest.param(["本部门2个预算单位开展了绩效目标编报工作，下属预算单位预算安排如下。"], None, {"scope": "部门"},
                 id="units-of-a-department"),
    pytest.param(["2025年预算单位一般公共预算基本支出部门预算经济分类预算表"], None, {"year": 2025, "scope": "单位"},
                 id="classification-name-in-unit-budget"),
    pytest.param(["2025年部门预算安排购置车辆0辆。"], None, {"year": 2025, "scope": None}, id="scope-unknown"),
    # government level
    pytest.param(["（一）财政拨款收入：是市级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款。"],
                 "level_wording", {"year": 2024, "cover": ["上海市普陀区2024年区级部门预算"]}, id="city-words-district-cover"),
    pytest.param(["（一）财政拨款收入：是区级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款。"],
                 None, {"year": 2024, "cover": ["上海市普陀区2024年区级部门预算"]}, id="district-words-district-cover"),
    pytest.param(["（一）财政拨款收入：是市级预算主管部门及所属预算单位本年度从本级财政部门取得的财政拨款。"],
                 None, {"year": 2025, "cover": ["上海市2025年市级单位预算"]}, id="city-words-city-cover"),
    # class names
    pytest.param(["5.“医疗卫生与计划生育支出（类）行政事业单位医疗（款）事业单位医疗（项）”50.37万元。"],
                 "outdated_class_name", {"year": 2024}, id="old-class-name-2024"),
    pytest.param(["5.“卫生健康支出（类）行政事业单位医疗（款）事业单位医疗（项）”50.37万元。"], None, {"year": 2024},
                 id="new-class-name-2024"),
    pytest.param(["4. “医疗卫生与计划生育支出”科目2,374万元，主要用于缴纳在职人员医疗保险等支出。"], None, {"year": 2018},
                 id="old-class-name-2018"),
    pytest.param(["三、医疗卫生与计划生育支出 503,724 503,724"], "outdated_class_name", {"year": 2024},
                 id="old-class-name-in-a-table-row"),
    pytest.param(["自然资源事务（款）其他国土资源事务支出（项）45.00万元。"], "outdated_class_name", {"year": 2024},
                 id="old-item-name"),
    # years
    pytest.param(["2026年，收入预算9628.22万元，比2026年预算增加793.14万元。"], "comparison_year", {}, id="compared-with-itself"),
    pytest.param(["2026年，收入预算9628.22万元，比2025年预算增加793.14万元。"], None, {}, id="compared-with-last-year"),
    pytest.param(["政府性基金拨款支出预算0万元，与2026年预算持平。"], "comparison_year", {}, id="flat-with-itself"),
    pytest.param(["决算数比2024年年初预算减少5万元，与2023年度相比增加1万元。"], None,
                 {"year": 2024, "cover": ["2024年度部门决算"]}, id="final-against-its-own-budget"),
    pytest.param(["与2024年度相比，财政拨款收入支出总计增加1万元。"], "comparison_year",
                 {"year": 2024, "cover": ["2024年度部门决算"]}, id="final-against-its-own-year"),
    pytest.param(["五、实施周期", "2025年1月1日-2025年12月31日", "六、年度预算安排", "795万元"], "year_mismatch", {},
                 id="period-before-the-year"),
    pytest.param(["五、实施周期", "2026年1月1日-2026年12月31日", "六、年度预算安排", "795万元"], None, {},
                 id="period-of-the-year"),
    pytest.param(["五、实施周期", "2024年1月1日-2026年12月31日", "六、年度预算安排", "795万元"], None, {},
                 id="period-over-years"),
    pytest.param(["五、实施周期", "2026全年度。"], None, {}, id="period-whole-year"),
    # sections
    pytest.param(["六、年度预算安排", "结合区政府重点工作推进情况，根据合同条款，按时拨付资金。", "七、绩效目标"],
                 "missing_content", {}, id="budget-section-without-amount"),
    pytest.param(["六、年度预算安排", "第一季度用款计划25.88万元，第二季度用款计划180.74万元。", "七、绩效目标"], None, {},
                 id="budget-section-with-amounts"),
    # the body's name
    pytest.param(["2024年，上海市普陀区规划与自然资源局所属各预算单位开支财政拨款的公务用车保有量为0辆。"], "body_name",
                 {"year": 2024, "department": "上海市普陀区规划和自然资源局"}, id="body-name-misprinted"),
    pytest.param(["2024年，上海市普陀区规划和自然资源局所属各预算单位开支财政拨款的公务用车保有量为0辆。"], None,
                 {"year": 2024, "department": "上海市普陀区规划和自然资源局"}, id="body-name-right"),
    pytest.param(["依据上海市规划和自然资源局的规定开展工作。"], None,
                 {"year": 2024, "department": "上海市普陀区规划和自然资源局"}, id="another-body"),
    # misprints
    pytest.param(["负责征收集体士地房屋补偿工作。"], "typo", {}, id="misprint-shi-di"),
    pytest.param(["负责征收集体土地房屋补偿工作。"], None, {}, id="land"),
    pytest.param(["项目支出增加，较上一度增加1133.95万元。"], "typo", {}, id="misprint-last-degree"),
    pytest.param(["项目支出增加，较上一年度增加1133.95万元。"], None, {}, id="last-year"),
    # stock phrases short of a character (domain/phrases.toml; more in tests/test_phrases.py)
    pytest.param(["参与辖区公共服务设施建设规划，推动辖区健、有序、可持续发展。"], "dropped_character", {"year": 2023},
                 id="phrase-short-of-a-character"),
    pytest.param(["参与辖区公共服务设施建设规划，推动辖区健康、有序、可持续发展。"], None, {"year": 2023},
                 id="phrase-whole"),
    # full stops
    pytest.param(["7.负责建设工程项目规划土地管理相关工作，对建设工程项", "目审批后到竣工验收的规划、土地执行情况实行跟踪监督",
                  "8.负责自然资源调查监测评价。"], "missing_full_stop", {}, id="item-without-full-stop"),
    pytest.param(["7.负责建设工程项目规划土地管理相关工作，对建设工程项", "目审批后到竣工验收的规划、土地执行情况实行跟踪监督。",
                  "8.负责自然资源调查监测评价。"], None, {}, id="item-with-full-stop"),
    pytest.param(["具体包括：", "1.普陀区司法局本部", "2.普陀区法律援助中心"], None, {}, id="list-of-names"),
]


@pytest.mark.parametrize("lines, expected, kwargs", CASES)
def test_wording_rule(lines, expected, kwargs):
    found = _rules(lines, **kwargs)
    if expected is None:
        assert found == [], found
    else:
        assert expected in found, found
        assert expected in RULES


def _note_page(title: str, note: str) -> list[Page]:
    return _pages([title, "单位：元", "项目 本年政府性基金预算支出", "合计", note])


@pytest.mark.parametrize("title, note, expected", [
    pytest.param("2024年部门政府性基金预算支出功能分类预算表", "注:本部门2024年无国有资本经营预算财政拨款安排的预算，故本表为空表。",
                 "empty_note_fund", id="note-names-another-fund"),
    pytest.param("2024年部门政府性基金预算支出功能分类预算表", "注:本部门2024年无政府性基金预算财政拨款安排的预算，故本表为空表。",
                 None, id="note-names-its-fund"),
    pytest.param("2024年部门政府性基金预算支出功能分类预算表", "注:本部门2023年无政府性基金预算财政拨款安排的预算，故本表为空表。",
                 "year_mismatch", id="note-names-another-year"),
    pytest.param("部门“三公”经费和机关运行经费预算表", "注:本部门2024年无“三公”经费和机关运行经费预算，故本表为空表。",
                 None, id="three-public-note"),
])
def test_empty_table_note(title, note, expected):
    found = [i.rule for i in check_wording(_note_page(title, note), 2024, "部门")]
    assert found == ([expected] if expected else [])


def test_blank_page_but_not_a_page_without_text_layer():
    pages = [Page(number=1, lines=("目 录",)), Page(number=2, lines=()),
             Page(number=3, lines=(), problem="no_text_layer")]
    found = check_wording(pages, 2026, "部门")
    assert [(i.rule, i.page, i.severity) for i in found] == [("blank_page", 2, "warning")]


def test_paragraph_end_found_by_the_page_geometry():
    """A sentence ending short of the right margin, the next line a new paragraph."""
    def line(text, x1):
        return tuple(Word(w, x0=50.0 + 10 * k, top=0, x1=x1 if k == len(text.split()) - 1 else 60.0 + 10 * k,
                          bottom=10) for k, w in enumerate(text.split()))
    texts = ["支出预算9628.22万元，比2025年预算增加793.14万元，财政拨款支出预算中，一般公共预算拨款",
             "财政拨款收入支出增加的主要原因是工作量增加", "财政拨款支出主要内容如下："]
    words = (line(texts[0], 560.0), line(texts[1], 270.0), line(texts[2], 180.0))
    page = Page(number=8, lines=tuple(texts), words=words)
    assert [i.rule for i in check_wording([page], 2026, "部门")] == ["missing_full_stop"]
    fixed = Page(number=8, lines=(texts[0], texts[1] + "。", texts[2]), words=words)
    assert check_wording([fixed], 2026, "部门") == []


def test_findings_are_warnings_with_a_page_and_a_listed_rule():
    pages = _pages(["比2026年预算增加793.14万元。。主要原因是。"])
    found = check_wording(pages, 2026, "部门")
    assert found and all(i.severity == "warning" and i.page == 1 for i in found)
    assert rules() <= set(RULES)


def test_nothing_to_check():
    assert check_wording([], None, None) == []
    assert check_wording(_pages(["比2026年预算增加。"]), None, None) == []


# ── Real documents ─────────────────────────────────────────────────────────────────────

DOCS = {
    "budget-2017-dept-jiangsu-cppcc-office-tables": (2017, "部门", "江苏省政协办公厅"),
    "budget-2017-dept-jiangsu-high-court": (2017, "部门", "江苏省高级人民法院"),
    "budget-2018-dept-jiangsu-cppcc-office-narrative": (2018, "部门", "江苏省政协办公厅"),
    "budget-2018-dept-jiangsu-cppcc-office-tables": (2018, "部门", "江苏省政协办公厅"),
    "budget-2018-dept-jiangsu-high-court": (2018, "部门", "江苏省高级人民法院"),
    "budget-2019-dept-jiangsu-cppcc-office-tables": (2019, "部门", "江苏省政协办公厅"),
    "budget-2019-dept-jiangsu-high-court": (2019, "部门", "江苏省高级人民法院"),
    "budget-2023-dept-wanli-subdistrict": (2023, "部门", "上海市普陀区人民政府万里街道办事处"),
    "budget-2024-dept-wanli-subdistrict": (2024, "部门", "上海市普陀区人民政府万里街道办事处"),
    "budget-2024-unit-welfare-home": (2024, "单位", "上海市普陀区社会福利院"),
    "budget-2025-dept-district-office": (2025, "部门", "上海市普陀区人民政府办公室"),
    "budget-2025-unit-district-office": (2025, "单位", "上海市普陀区人民政府办公室"),
    "budget-2025-unit-shanghai-finance": (2025, "单位", "上海市财政局"),
    "budget-2026-dept-justice": (2026, "部门", "上海市普陀区司法局"),
    "final-2024-dept-finance-altered": (2024, "部门", "上海市普陀区财政局"),
    "final-2024-dept-finance": (2024, "部门", "上海市普陀区财政局"),
    "final-2024-dept-planning-resources": (2024, "部门", "上海市普陀区规划和自然资源局"),
    "000_b1fb1c67835c9330": (2018, "部门", "上海市质量技术监督局"),
    "002_6f2784664249ed30": (2019, None, "上海市知识产权局"),
}
"""Each document's fiscal year, scope and body, as printed (given here, not extracted)."""

WORDING_DEFECTS = {
    "budget-2023-dept-wanli-subdistrict#7": "dropped_character",
    "budget-2023-dept-wanli-subdistrict#8": "typo",
    "budget-2024-dept-wanli-subdistrict#1": "level_wording",
    "budget-2024-dept-wanli-subdistrict#8": "dropped_character",
    "budget-2024-dept-wanli-subdistrict#9": "typo",
    "budget-2024-unit-welfare-home#2": "outdated_class_name",
    "budget-2024-unit-welfare-home#3": "outdated_class_name",
    "budget-2024-unit-welfare-home#7": "cut_off_sentence",
    "budget-2024-unit-welfare-home#8": "template_leftover",
    "budget-2025-dept-district-office#1": "missing_content",
    "budget-2025-unit-shanghai-finance#3": "scope_wording",
    "budget-2026-dept-justice#1": "blank_page",
    "budget-2026-dept-justice#3": "comparison_year",
    "budget-2026-dept-justice#4": "missing_full_stop",
    "budget-2026-dept-justice#5": "duplicate_punctuation",
    "budget-2026-dept-justice#8": "outdated_class_name",
    "budget-2026-dept-justice#10": "unbalanced_quotes",
    "budget-2026-dept-justice#11": "year_mismatch",
    "final-2024-dept-finance-altered#1": "placeholder",
    "final-2024-dept-finance-altered#10": "duplicate_punctuation",
    "final-2024-dept-planning-resources#2": "missing_percent",
    "final-2024-dept-planning-resources#4": "outdated_class_name",
    "final-2024-dept-planning-resources#9": "template_leftover",
    "final-2024-dept-planning-resources#10": "body_name",
    "final-2024-dept-planning-resources#11": "unbalanced_parentheses",
    "final-2024-dept-planning-resources#12": "template_leftover",
    "final-2024-dept-planning-resources#13": "typo",
    "final-2024-dept-planning-resources#14": "typo",
}
"""Defects of the defects files that a wording rule finds, and the rule."""

REVIEWED = {
    ("budget-2018-dept-jiangsu-cppcc-office-narrative", 12, "template_leftover"),
    ("budget-2018-dept-jiangsu-cppcc-office-narrative", 13, "template_leftover"),
    # `（按“部门预算公开06表 …”中实际发生经济分类支出事项填写）`: the template's instruction, printed
    # after the 人员经费 and 公用经费 lists (no defects file for this document).
    ("budget-2019-dept-jiangsu-cppcc-office-tables", 1, "outdated_class_name"),
    # 公开01表 of a 2019 budget lists 医疗卫生与计划生育支出, 国土海洋气象等支出, 文化体育与传媒支出;
    # the same province's 2019 high-court budget prints 卫生健康支出, 自然资源海洋气象等支出,
    # 文化旅游体育与传媒支出 (no defects file).
    ("final-2024-dept-planning-resources", 5, "missing_full_stop"),
    # item 7 ends '…实行跟踪监督' without its full stop: the defects file names it in the
    # context of defect #13 (same page), not as a defect of its own.
    ("final-2024-dept-finance", 14, "blank_page"),
    # a page of rules only (the empty continuation row of the 财政拨款收入支出决算总表): a
    # blank page (the defects file lists it as no no_text_layer, which it is not).
}
"""Findings checked against the printed page that no defects file lists: true slips."""


def _defects_file(stem: str) -> dict | None:
    path = REAL / "defects" / f"{stem}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


@cache
def _wording(stem: str):
    path = SAMPLES / f"{stem}.txt" if stem[0].isdigit() else real_pdf(f"{stem}.pdf")
    pages, _ = read_pages(path.read_bytes(), str(path))
    year, scope, department = DOCS[stem]
    return tuple(check_wording(pages, year, scope, department=department))


def _pages_of(defect: dict) -> list[int]:
    return [defect["page"], *defect.get("also_pages", [])]


def _fits(finding, defect: dict, rule: str | None = None) -> bool:
    """Finding on the defect's page ±1, naming its rule (the listed rule or one of
    match.rules) or quoting one of match.text_any."""
    if defect.get("page") is not None and (finding.page is None or not any(
            abs(finding.page - p) <= 1 for p in _pages_of(defect))):
        return False
    match = defect.get("match", {})
    if finding.rule == rule or finding.rule in match.get("rules", []):
        return True
    return any(all(t in finding.message for t in (text if isinstance(text, list) else [text]))
               for text in match.get("text_any", []))


@pytest.mark.parametrize("defect_id, rule", sorted(WORDING_DEFECTS.items()), ids=lambda v: str(v))
def test_real_wording_defect_is_found_on_its_page(defect_id, rule):
    stem = defect_id.split("#")[0]
    real_pdf(f"{stem}.pdf")
    truth = _defects_file(stem)
    if truth is None:
        pytest.skip(f"no defects file for {stem}")
    defect = next(d for d in truth["defects"] if d["id"] == defect_id)
    found = [i for i in _wording(stem) if i.rule == rule and i.page in _pages_of(defect)]
    assert found, f"{defect_id} ({defect['printed']!r}, p.{defect['page']}): no {rule} finding there"
    assert all(i.severity == defect["severity"] for i in found)
    texts = [t for t in defect["match"].get("text_any", []) if isinstance(t, str)]
    if texts and rule not in defect["match"].get("rules", []):
        assert any(any(t in i.message for t in texts) for i in found), [i.message for i in found]
    if defect["match"].get("require_table"):
        tables = {i.table for i in found}
        assert tables <= set(defect["match"]["tables"]) and None not in tables


@pytest.mark.parametrize("stem", sorted(DOCS))
def test_no_wording_finding_that_no_defect_or_review_explains(stem):
    """check_wording on every real PDF and seed: each finding fits a defect of the
    document's defects file or is a reviewed true slip; none fits a not_defect only."""
    findings = _wording(stem)
    truth = _defects_file(stem) or {"defects": [], "not_defects": []}
    rule_of = {d["id"]: WORDING_DEFECTS.get(d["id"]) for d in truth["defects"]}
    unexplained = [
        (i.page, i.rule, i.message) for i in findings
        if (stem, i.page, i.rule) not in REVIEWED
        and not any(_fits(i, d, rule_of[d["id"]]) for d in truth["defects"])]
    assert unexplained == []
