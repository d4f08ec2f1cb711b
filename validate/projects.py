"""Checks on projects of performance-target forms: sub-items add up to 项目当年预算,
当年预算 ≤ 总预算, and last year's execution rate (information, a warning above 100%)."""

from __future__ import annotations

from decimal import Decimal

from ..schemas.intermediate import Check, ParseIssue
from ..schemas.records import ProjectItem, ProjectRecord


def check_projects(forms: list[tuple[ProjectRecord, list[ProjectItem]]]) -> tuple[list[Check], list[ParseIssue]]:
    """Given each form's project and its own sub-items, return the checks and informational
    issues (two forms of the same project name are checked apart)."""
    checks, issues = [], []
    for p, items in forms:
        own = [i.amount for i in items]
        if p.current_budget is None or not own:
            checks.append(Check(rule="subitems_sum", status="not_checked", table="projects", code=p.project,
                                column="current_budget", page=p.page,
                                label=f"{p.project}: 子项目 = 项目当年预算 (no sub-items or no 当年预算 read)"))
        else:
            total = sum(own, Decimal(0))
            checks.append(Check(rule="subitems_sum", status="pass" if total == p.current_budget else "fail",
                                table="projects", code=p.project, column="current_budget", page=p.page,
                                expected=total, actual=p.current_budget,
                                label=f"{p.project}: 项目当年预算 = Σ {len(own)} 子项目"))
        if p.current_budget is not None and p.total_budget is not None:
            checks.append(Check(rule="current_le_total", page=p.page, table="projects", code=p.project,
                                column="current_budget", expected=p.total_budget, actual=p.current_budget,
                                status="pass" if p.current_budget <= p.total_budget else "fail",
                                label=f"{p.project}: 项目当年预算 ≤ 项目总预算"))
        if p.prev_budget and p.prev_executed is not None:
            rate = (p.prev_executed / p.prev_budget * 100).quantize(Decimal("0.01"))
            issues.append(ParseIssue(
                rule="execution_rate", severity="warning" if p.prev_executed > p.prev_budget else "info",
                table="projects", page=p.page, code=p.project,
                message=f"{p.project}: 上年执行 {p.prev_executed:,} of 预算 {p.prev_budget:,} 元 ({rate}%)"))
    return checks, issues
