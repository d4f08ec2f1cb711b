"""Performance-target forms of seed 002 (five 2019 绩效目标申报表), values checked by hand
against the raw text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import yusuan
from conftest import SEED_TARGETS, extract_text
from yusuan.domain import PERFORMANCE
from yusuan.normalize.levels import assign_levels
from yusuan.normalize.targets import parse_target

TEXT = SEED_TARGETS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def forms():
    return yusuan.extract_document(SEED_TARGETS)


PROJECTS = {
    "知识产权(专利扶持)专项资金": dict(
        applicant="上海市知识产权局", page=1, start="1月1日", end="12月31日",
        total_budget=170_000_000, current_budget=170_000_000, prev_budget=170_000_000, prev_executed=169_429_617,
        basis_docs=["沪知局规〔2018〕1号", "沪知局〔2017〕62号", "沪委办发〔2015〕49号"]),
    "红盾维权联络专项经费": dict(
        applicant="上海市市场监督管理局", page=3, start="2019-01-01", end="2019-12-31",
        total_budget=11_994_000, current_budget=11_994_000, prev_budget=14_185_000, prev_executed=12_435_700,
        basis_docs=[]),
    "消费者维权管理专项": dict(
        applicant="上海市消费者投诉举报中心（上海市保护知识产权举报投诉服务中心）", page=6, start="1月1日",
        end="12月31日", total_budget=3_884_872, current_budget=3_884_872, prev_budget=3_593_600,
        prev_executed=3_579_600, basis_docs=[]),
    "标准资料费": dict(
        applicant="上海市质量和标准化研究院", page=9, start="1月1日", end="12月31日",
        total_budget=12_300_000, current_budget=12_300_000, prev_budget=12_295_000, prev_executed=12_295_000,
        basis_docs=[]),
    "上海市政府质量奖": dict(
        applicant="上海市市场监督管理局", page=13, start="1月1日", end="12月31日",
        total_budget=7_200_000, current_budget=7_200_000, prev_budget=7_200_000, prev_executed=5_100_000,
        basis_docs=["沪府办发〔2016〕39号"]),
}


def test_document_is_performance_targets(forms):
    assert forms.document.doc_type == "performance_targets"
    assert forms.exit_code == 0
    assert [p.project for p in forms.records["projects"]] == list(PROJECTS)


@pytest.mark.parametrize("name", list(PROJECTS))
def test_project_header_fields(forms, name):
    p = next(x for x in forms.records["projects"] if x.project == name)
    want = PROJECTS[name]
    got = {k: getattr(p, k) for k in want}
    assert got == {k: (Decimal(v) if isinstance(v, int) and k != "page" else v) for k, v in want.items()}
    assert (p.fiscal_year, p.category, p.subcategory) == (2019, "经常性专项业务费", "其他事业专业类")
    assert (p.start_date, p.end_date) == (date(2019, 1, 1), date(2019, 12, 31))
    assert p.summary and p.goal_total and p.goal_annual


def test_summary_and_goals(forms):
    p = forms.records["projects"][0]
    assert p.summary.startswith("本项目为我单位计划于2019年对专利申请授权进行资助")
    assert p.goal_total.startswith("通过一般资助，降低专利申请和维持成本")
    assert p.goal_annual.startswith("根据新的资助办法进行动态调整") and p.goal_annual.endswith("不长于3个月。")
    std = next(x for x in forms.records["projects"] if x.project == "标准资料费")
    # Numbered paragraphs ①② stay one goal each.
    assert std.goal_total.startswith("①通过每年采购一定数量的标准资料") and "②依托质标院服务大厅" in std.goal_total
    assert std.goal_annual.startswith("①通过2019年采购一定数量的标准资料")


SUBITEMS = {
    "知识产权(专利扶持)专项资金": [("专利一般资助", 90_250_000), ("专利专项资助", 79_750_000)],
    "红盾维权联络专项经费": [("联络点工作经费", 11_994_000)],
    "消费者维权管理专项": [("12345市民热线协调工作经费", 2_284_872), ("12315话务设备改造（三期）", 1_600_000)],
    "标准资料费": [
        ("国外其他技术资源", 112_500), ("国外期刊、目录", 37_500), ("国外标准补缺", 60_000),
        ("国家计量技术法规（2种）", 55_000), ("中国国家标准（3种）", 120_000), ("地方标准", 10_000),
        ("行业标准(76种)", 180_000), ("团体/联盟标准", 10_000),
        # continued on the next page
        ("国内标准全文光盘", 10_000), ("国内标准化期刊、目录", 10_000), ("国内标准补缺", 10_000),
        ("国际标准(22种)", 1_743_000), ("国家、地区标准(16种)", 4_575_000),
        ("国外专业协会、公司标准(86种)", 5_250_000), ("国外技术法规(11种)", 117_000)],
    "上海市政府质量奖": [("上海市市长质量奖获奖组织奖励费（2家）", 2_000_000),
                   ("上海市市长质量奖获奖个人奖励费（2人）", 200_000),
                   ("上海市质量金奖获奖组织奖励费（10家）", 5_000_000)],
}


def test_every_subitem(forms):
    got: dict[str, list] = {}
    for item in forms.records["project_items"]:
        got.setdefault(item.project, []).append((item.item, item.amount))
    assert got == SUBITEMS
    pages = {i.page for i in forms.records["project_items"] if i.project == "标准资料费"}
    assert pages == {10, 11}


def test_subitems_add_up(forms):
    sums = {c.code: c.status for c in forms.checks if c.rule == "subitems_sum"}
    assert sums == {name: "pass" for name in PROJECTS}
    assert {c.status for c in forms.checks if c.rule == "current_le_total"} == {"pass"}
    rates = {f.code: f.message for f in forms.records["findings"] if f.rule == "execution_rate"}
    assert "(99.66%)" in rates["知识产权(专利扶持)专项资金"] and "(70.83%)" in rates["上海市政府质量奖"]


def test_perturbed_subitem_fails_on_its_project(tmp_path):
    result = extract_text(tmp_path, TEXT.replace("专利专项资助 79,750,000", "专利专项资助 79,750,001"))
    [check] = [c for c in result.checks if c.rule == "subitems_sum" and c.status == "fail"]
    assert (check.code, check.expected, check.actual) == (
        "知识产权(专利扶持)专项资金", Decimal(170_000_001), Decimal(170_000_000))
    assert any(f.rule == "subitems_sum" and f.severity == "error" and f.code == check.code
               for f in result.records["findings"])
    assert result.exit_code == 1


TRIPLES_1 = [
    ("投入和管理目标", "投入管理", "预算执行率", "≥99%"),
    ("投入和管理目标", "投入管理", "资金使用率", "=100%"),
    ("投入和管理目标", "财务管理", "财务管理制度健全性", "健全"),
    ("投入和管理目标", "财务管理", "财务监控有效性", "有效"),
    ("投入和管理目标", "财务管理", "资金使用合规性", "合规"),
    ("投入和管理目标", "项目实施", "项目管理制度健全性", "健全"),
    ("投入和管理目标", "项目实施", "项目管理制度有效性", "有效"),
    (None, None, "足额资助率", "=100%"),  # 项目实施 or 数量目标: the text cannot tell
    (None, None, "每万人口发明专利拥有量", "≥50"),  # 数量目标 or 质量目标: the text cannot tell
    (None, None, "发明专利申请增长率", "≥2%"),  # 质量目标 or 时效目标 (with 资助及时率)
    ("产出目标", "时效目标", "资助及时率", "≥95%"),
    ("效果目标", "社会效益目标", "发明专利申请增长率", "≥2%"),  # the same 三级 under a second 二级
    ("效果目标", "社会效益目标", "企业竞争力", "增强"),
    ("影响力目标", "可持续目标", "能力建设和可持续影响", "完善"),
    ("影响力目标", "满意度目标", "资助对象满意度", "≥85%"),
]

TRIPLES_2 = [
    ("投入和管理目标", "投入管理", "预算执行率", "=100%"),
    ("投入和管理目标", "投入管理", "资金使用率", "=100%"),
    ("投入和管理目标", "财务管理", "财务管理制度健全性", "健全"),
    ("投入和管理目标", "财务管理", "财务监控有效性", "有效"),
    ("投入和管理目标", "财务管理", "资金使用合规性", "合规"),
    ("投入和管理目标", "项目实施", "项目管理制度健全性", "健全"),
    ("投入和管理目标", "项目实施", "项目管理制度有效性", "有效"),
    ("产出目标", "数量目标", "联络点数量计划完成率", "=100%"),
    ("产出目标", "数量目标", "联络点居（村）委会覆盖率", "=100%"),
    ("产出目标", "数量目标", "接受咨询和宣传及培训增长率", "较上年增长"),
    ("产出目标", "数量目标", "“六统一”联络点覆盖率", "≥90%"),
    ("产出目标", "质量目标", "消费者维权申（投）诉和举报处理率", "≥90%"),
    ("产出目标", "时效目标", "各项工作完成及时性", "及时"),
    ("效果目标", "经济效益目标", "消费者经济损失挽回率", "≥85%"),
    ("效果目标", "社会效益目标", "消费者对联络点知晓率", "≥85%"),  # printed glued: ≥85%效果目标
    ("效果目标", "社会效益目标", "消费维权法规政策知晓率", "≥85%"),
    ("影响力目标", "可持续目标", "能力建设和可持续影响", "完善"),
    ("影响力目标", "满意度目标", "消费者满意率", "≥85%"),
]


@pytest.mark.parametrize("project,triples", [
    pytest.param("知识产权(专利扶持)专项资金", TRIPLES_1, id="patents"),
    pytest.param("红盾维权联络专项经费", TRIPLES_2, id="red-shield"),
])
def test_indicator_triples_in_full(forms, project, triples):
    rows = [i for i in forms.records["indicators"] if i.project == project]
    got = [(i.level1 if i.level_source != "guess" else None, i.level2 if i.level_source != "guess" else None,
            i.level3, i.target) for i in rows]
    assert got == triples
    assert {i.target_source for i in rows} == {"layout"}
    assert all(i.level3 and i.target for i in rows)


def test_level_sources(forms):
    rows = {(i.project, i.level3): i for i in forms.records["indicators"]}
    assert rows[("知识产权(专利扶持)专项资金", "预算执行率")].level_source == "framework"
    assert rows[("知识产权(专利扶持)专项资金", "足额资助率")].level_source == "guess"
    assert rows[("知识产权(专利扶持)专项资金", "每万人口发明专利拥有量")].level_source == "guess"
    twice = [i for i in forms.records["indicators"] if i.level3 == "发明专利申请增长率"]
    assert [(i.level2, i.level_source) for i in twice] == [("质量目标", "guess"), ("社会效益目标", "framework")]
    assert rows[("红盾维权联络专项经费", "消费者维权申（投）诉和举报处理率")].level_source == "layout"


def test_scrambled_tables_are_marked_guess(forms):
    """Forms 4 and 5 print targets apart from their names: nothing there is presented as read."""
    for project in ("标准资料费", "上海市政府质量奖"):
        rows = [i for i in forms.records["indicators"] if i.project == project]
        assert rows and {i.target_source for i in rows} == {"guess"}
        assert {i.level_source for i in rows} <= {"framework", "guess"}
        assert any(f.rule == "indicator_pairing" and f.code == project for f in forms.records["findings"])


def test_parsed_targets(forms):
    by_name = {(i.project, i.level3): i for i in forms.records["indicators"]}
    i = by_name[("红盾维权联络专项经费", "接受咨询和宣传及培训增长率")]
    assert (i.op, i.value, i.unit, i.kind) == (None, None, None, "relative")
    i = by_name[("知识产权(专利扶持)专项资金", "每万人口发明专利拥有量")]
    assert (i.op, i.value, i.unit, i.kind) == ("≥", Decimal(50), None, "numeric")


@pytest.mark.parametrize("text,expected", [
    pytest.param("≥99%", ("≥", Decimal(99), "%", "numeric"), id="ge-percent"),
    pytest.param("=100%", ("=", Decimal(100), "%", "numeric"), id="eq"),
    pytest.param("不低于95%", ("≥", Decimal(95), "%", "numeric"), id="words"),
    pytest.param("≥0.75", ("≥", Decimal("0.75"), None, "numeric"), id="ratio"),
    pytest.param("100%", (None, Decimal(100), "%", "numeric"), id="no-op"),
    pytest.param("≥前五年平均值的110%", ("≥", Decimal(110), "%", "relative"), id="relative-number"),
    pytest.param("较上年增长", (None, None, None, "relative"), id="relative"),
    pytest.param("健全", (None, None, None, "qualitative"), id="qualitative"),
    pytest.param("位于各政府热线前列", (None, None, None, "qualitative"), id="ranking"),
    pytest.param("≥12.00(次)", ("≥", Decimal("12.00"), "次", "numeric"), id="bracketed-unit"),
    pytest.param("≥13459.00(平方米)", ("≥", Decimal("13459.00"), "平方米", "numeric"), id="bracketed-word"),
    pytest.param("１００％", (None, Decimal(100), "%", "numeric"), id="full-width"),
])
def test_parse_target_table(text, expected):
    assert tuple(parse_target(text)) == expected


@given(st.sampled_from(PERFORMANCE.targets.operators), st.decimals(min_value=0, max_value=10**6, places=2),
       st.sampled_from(PERFORMANCE.targets.units))
def test_parse_target_round_trip(op, value, unit):
    word, meaning = op
    parsed = parse_target(f"{word}{value}{unit}")
    assert (parsed.op, parsed.value, parsed.unit, parsed.kind) == (meaning, value, unit, "numeric")


@given(st.text(max_size=30))
def test_parse_target_never_raises(text):
    parsed = parse_target(text)
    assert parsed.kind in ("numeric", "qualitative", "relative")


def test_levels_follow_printed_order():
    names = ["预算执行率", "某项新指标", "资助对象满意度"]
    got = assign_levels(names, {"投入管理", "数量目标", "满意度目标"})
    assert got == [("投入和管理目标", "投入管理", "framework"), ("产出目标", "数量目标", "layout"),
                   ("影响力目标", "满意度目标", "framework")]


def test_name_ending_in_a_heading_word_stays_whole(tmp_path):
    head = TEXT[: TEXT.index("三级指标 指标目标值")]
    text = head + "三级指标 指标目标值\n\n预算执行率 ≥99%\n\n重点项目实施 100%\n\n满意度 ≥90%\n\n分解目标\n"
    result = extract_text(tmp_path, text)
    names = [i.level3 for i in result.records["indicators"] if i.project == "知识产权(专利扶持)专项资金"]
    assert "重点项目实施" in names


def test_same_project_twice_is_checked_per_form(tmp_path):
    first = TEXT[: TEXT.index("\n项目名称\n", 100)]
    result = extract_text(tmp_path, first + "\n\n\n\n" + first)
    sums = [c for c in result.checks if c.rule == "subitems_sum"]
    assert [c.status for c in sums] == ["pass", "pass"]
    assert [c.expected for c in sums] == [Decimal(170_000_000)] * 2


def test_small_subitem_amounts(tmp_path):
    text = TEXT.replace("专利一般资助 90,250,000", "专利一般资助 800\n\n专利其他资助 90,249,200", 1)
    result = extract_text(tmp_path, text)
    items = {i.item: i.amount for i in result.records["project_items"] if i.project == "知识产权(专利扶持)专项资金"}
    assert items == {"专利一般资助": 800, "专利其他资助": 90_249_200, "专利专项资助": 79_750_000}
    assert {c.status for c in result.checks if c.rule == "subitems_sum"} == {"pass"}


def test_every_indicator_has_a_name_and_a_target(forms, seed_result):
    """Scrambled tables included: a cell wrapped over lines is one name or one target, and
    targets printed apart from their names are paired (by shared words, then order) and
    marked `guess`; a target left over is reported, never dropped silently."""
    for result in (forms, seed_result):
        rows = result.records["indicators"]
        assert rows and all(i.level3 and i.target for i in rows)
        assert not [f for f in result.records["findings"] if f.severity == "error"]
    quality = {i.level3: i.target for i in seed_result.records["indicators"]}
    assert quality["对企业、行业质量水平提升的影响"] == (
        "树立一批行业内质量先进的标杆组织和个人，有效推广其先进管理模式或理念，带动行业质量水平提升")
    assert quality["审查、评审计划完成率"] == "经办机构对申报组织和个人审查、评审的完成率达到100%"
    assert quality["计划实施的及时性"] == "及时"
    left = [f for f in seed_result.records["findings"] if f.rule == "indicator_pairing" and "without an indicator" in f.message]
    assert [f.message.split(": ")[1] for f in left] == ["0 indicator(s) without a target and 1 target(s) without an indicator after pairing"]


def _form(rows: str) -> str:
    return ("上海市财政支出项目绩效目标申报表\n\n（2019年度）\n\n测试项目\n\n分解目标\n\n"
            "三级指标 指标目标值\n" + rows)


def test_rows_printed_without_blank_lines_stay_rows(tmp_path):
    """pdftotext -layout style: one row per line, no blank line between rows."""
    result = extract_text(tmp_path, _form("项目实施单位满意度调查覆盖率 ≥95%\n资金使用率 =100%\n预算执行率 ≥99%\n"))
    got = [(i.level3, i.target, i.target_source) for i in result.records["indicators"]]
    assert got == [("项目实施单位满意度调查覆盖率", "≥95%", "layout"), ("资金使用率", "=100%", "layout"),
                   ("预算执行率", "≥99%", "layout")]


def test_a_target_on_its_names_line_is_not_re_paired(tmp_path):
    result = extract_text(tmp_path, _form("资助及时率 ≥95%\n\n计划实施的及时性\n\n财务监控有效性\n\n及时\n\n有效\n"))
    got = {i.level3: i.target for i in result.records["indicators"]}
    assert got == {"资助及时率": "≥95%", "计划实施的及时性": "及时", "财务监控有效性": "有效"}
