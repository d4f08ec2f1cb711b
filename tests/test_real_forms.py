"""The 2023 财政项目支出绩效目标填报表 (wanli 2023, pp. 31–35), read from the PDF's ruled
cells. Values below were read off the printed pages."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

import yusuan
from conftest import real_pdf


@pytest.fixture(scope="module")
def wanli_2023():
    return yusuan.extract_document(real_pdf("budget-2023-dept-wanli-subdistrict.pdf"))


def test_five_projects_with_their_header_fields(wanli_2023):
    projects = {p.project: p for p in wanli_2023.records["projects"]}
    assert list(projects) == ["新建万里街道社区公共服务中心", "就业援助基地补贴", "社区环境整治和建设经费",
                              "各类工作经费", "公共服务设施运行经费"]
    p = projects["新建万里街道社区公共服务中心"]
    assert (p.page, p.fiscal_year, p.category, p.subcategory, p.applicant) == (
        31, 2023, "阶段性项目", "特定目标类", "上海市普陀区人民政府万里街道办事处")
    assert (p.start, p.start_date, p.end_date) == ("2023-01-01", date(2023, 1, 1), date(2023, 12, 31))
    assert (p.total_budget, p.current_budget) == (Decimal("4100000.00"), Decimal("4100000.00"))
    assert p.goal_total == p.goal_annual == (
        "建成后作为万里街道社区事务受理、社区管理、社区文化艺术活动场所。更有效的整合社区公共服务资源，"
        "为周边居民提供便捷、优质的社区服务和生活配套设施。")
    q = projects["公共服务设施运行经费"]
    assert (q.category, q.subcategory, q.total_budget) == ("经常性项目", "其他运转类", Decimal("10903043.00"))
    assert projects["各类工作经费"].total_budget == Decimal("7595500.00")  # printed without separators


def test_indicator_triples_from_merged_cells(wanli_2023):
    indicators = wanli_2023.records["indicators"]
    assert Counter(i.project for i in indicators) == {
        "新建万里街道社区公共服务中心": 5, "就业援助基地补贴": 4, "社区环境整治和建设经费": 4,
        "各类工作经费": 43, "公共服务设施运行经费": 9}
    assert {i.level_source for i in indicators} == {"layout"}
    got = {(i.project, i.level3): (i.level1, i.level2, i.target, i.op, i.value, i.unit) for i in indicators}
    assert got[("新建万里街道社区公共服务中心", "规划建筑面积")] == (
        "产出指标", "数量指标", "≥13459.00(平方米)", "≥", Decimal("13459.00"), "平方米")
    assert got[("就业援助基地补贴", "补贴对象满意度")] == (
        "满意度指标", "服务对象满意度指标", "≥80.00(%)", "≥", Decimal("80.00"), "%")
    # p.34: 数量指标 is one cell merged over 15 rows, printed in their middle.
    assert got[("各类工作经费", "成立社戒社康人员习得规范小组")][:2] == ("产出指标", "数量指标")
    assert got[("各类工作经费", "统计法制宣传活动")][:3] == ("产出指标", "数量指标", "=1.00(次)")
    assert got[("各类工作经费", "民兵训练及备勤工作")][:2] == ("产出指标", "质量指标")
    assert got[("各类工作经费", "党员群众满意度")][:3] == ("满意度指标", "服务对象满意度指标", "党员群众满意度不少于80%")
    assert got[("公共服务设施运行经费", "安全责任事故")][:3] == ("效益指标", "社会效益指标", "安全无事故")


def test_the_ruled_form_is_read_not_reported_unread(wanli_2023):
    assert not [f for f in wanli_2023.records["findings"] if f.rule == "form_layout_not_read"]
    # The forms' only error is the one they print: p.35 其中：当年财政拨款 11,419,043.00 under a
    # 年度资金申请总额 of 10,903,043.00 (the defects file's error).
    form_pages = {p.page for p in wanli_2023.records["projects"]}
    assert [(f.rule, f.page) for f in wanli_2023.records["findings"]
            if f.severity == "error" and f.page in form_pages] == [("part_exceeds_total", 35)]
