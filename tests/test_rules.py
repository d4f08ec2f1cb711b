"""The rule catalogue (domain/rules.toml) lists every rule the code can emit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import yusuan
from yusuan.domain import RULES

from conftest import REAL

ROOT = Path(__file__).resolve().parent.parent
# A rule named in code: `rule="x"` in a finding or check, `rule = "x"` in a data file.
_NAMED = re.compile(r"""rule\s*=\s*["']([a-z_]+)["']""")


def _named_in(folders) -> set[str]:
    out = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".toml") and path.name != "rules.toml":
                out |= set(_NAMED.findall(path.read_text("utf-8")))
    return out


def test_every_rule_named_in_code_or_data_is_in_the_catalogue():
    named = _named_in(["extract", "normalize", "validate", "domain"]) | _named_in([]) | set(
        _NAMED.findall((ROOT / "pipeline.py").read_text("utf-8")))
    assert named - set(RULES) == set()


def test_every_rule_has_a_title_severity_and_kind():
    for rule in RULES.values():
        assert rule.title and rule.severity in ("error", "warning", "info") and rule.kind


@pytest.mark.parametrize("path", sorted(
    [*(ROOT / "samples").glob("*.txt"), *(REAL.glob("*.pdf") if REAL.exists() else [])]), ids=lambda p: p.name)
def test_every_finding_names_a_listed_rule(path):
    result = yusuan.extract_document(path)
    assert {f.rule for f in result.records["findings"]} - set(RULES) == set()


def test_the_report_counts_every_check_and_gives_the_exit_code():
    result = yusuan.extract_document(ROOT / "samples" / "000_b1fb1c67835c9330.txt")
    report = result.report
    totals = report.totals()
    assert sum(totals.values()) == len(result.checks)
    assert totals["passed"] == sum(c.status == "pass" for c in result.checks)
    assert report.exit_code("error") == result.exit_code
    # Warnings exist in the seed: failing on warnings makes it exit 1.
    assert report.count("warning") and report.exit_code("warning") == 1
    as_json = report.as_json()
    assert as_json["counts"]["error"] == report.count("error")
    assert {s["rule"] for s in as_json["stats"]} >= {"row_sum", "hierarchy", "cross_table"}


def test_every_rule_has_a_message_template_that_formats():
    """Every template names its fields; given none it still gives a message (a missing
    field prints `?`), so no finding is lost to its template."""
    from yusuan.validate.catalogue import message

    for rule in RULES.values():
        assert rule.message
        assert isinstance(message(rule.id), str)


def test_findings_take_severity_and_message_from_the_catalogue():
    from decimal import Decimal

    from yusuan.schemas.intermediate import Check
    from yusuan.validate.catalogue import finding_of_check, issue

    check = Check(rule="row_sum", status="fail", table="t", code="201", column="合计", page=3,
                  expected=Decimal("10"), actual=Decimal("12"), label="t[201]: 合计 = 基本支出 + 项目支出")
    assert finding_of_check("d", check).message == (
        "row_sum: t[201]: 合计 = 基本支出 + 项目支出: printed 12 but the parts sum to 10 (off by +2 元)")
    within = finding_of_check("d", Check(**{**check.as_json(), "status": "rounding", "expected": Decimal("11"),
                                            "actual": Decimal("12")}))
    assert (within.rule, within.severity) == ("rounding", "warning") and within.message.endswith(", within rounding")
    assert finding_of_check("d", Check(**{**check.as_json(), "status": "pass"})) is None
    made = issue("table_missing", table="final_expenditure", title="支出决算表", year=2024, doc_type="final_accounts",
                 excerpt="")
    assert made.severity == RULES["table_missing"].severity == "error"
    assert made.message == ("final_expenditure (支出决算表) is not in this 2024 final_accounts; "
                            "the identities over it are not checked")


def test_the_severity_policy_is_the_catalogue_default():
    """A percentage against its two amounts and a missing required table are errors;
    a table printed without amounts, wording and table sums within rounding warnings."""
    assert {r: RULES[r].severity for r in ("prose_change", "prose_share", "prose_restated", "table_missing",
                                           "prose_vs_table", "table_without_rows", "rounding", "reason_direction",
                                           "prose_copied")} == {
        "prose_change": "error", "prose_share": "error", "prose_restated": "error", "table_missing": "error",
        "prose_vs_table": "error", "table_without_rows": "warning", "rounding": "warning",
        "reason_direction": "warning", "prose_copied": "warning"}


def test_the_tables_record_counts_each_tables_cells_and_identities():
    result = yusuan.extract_document(ROOT / "samples" / "000_b1fb1c67835c9330.txt")
    quality = {q.table: q for q in result.records["tables"]}
    assert set(quality) == {t.key for t in result.tables}
    for key, q in quality.items():
        checks = [c for c in result.checks if c.table == key]
        assert (q.identities_passed, q.identities_failed, q.identities_rounding, q.identities_not_checked) == (
            sum(c.status == "pass" for c in checks), sum(c.status == "fail" for c in checks),
            sum(c.status == "rounding" for c in checks), sum(c.status == "not_checked" for c in checks))
        cells = [r for r in (*result.records["budget_lines"], *result.records["summary_lines"]) if r.table == key]
        assert q.cells_layout + q.cells_identity + q.cells_position == len(cells)
        assert q.columns_found + len(q.columns_missing) == q.columns_expected
    # Raw text: the seed's columns are decided by the identities, its units printed.
    assert quality["general_budget_by_function"].cells_identity > 0
    assert {q.unit_source for q in quality.values()} == {"printed"}
    indexes = {c.table: c.table_index for c in result.records["table_cells"]}
    assert all(q.table_index == indexes[key] for key, q in quality.items())


@pytest.mark.parametrize(("printed", "convention", "errors"), [
    ("2,952", None, []),  # as published: 29,516,748 元 rounded
    ("2,951", "truncates", []),  # the same figure cut off: the document's convention, no defect
    ("2,950", None, ["住房保障支出"]),  # fits neither convention
], ids=["rounded", "truncated", "neither"])
def test_the_documents_own_number_convention(tmp_path, printed, convention, errors):
    """The seed restates 29,516,748 元 of 住房保障支出 as 2,952万元; its other figures fit
    both conventions, so this one decides which the document follows."""
    from conftest import SEED_BUDGET, extract_text

    text = SEED_BUDGET.read_text("utf-8").replace("“住房保障支出”科目2,952万元", f"“住房保障支出”科目{printed}万元")
    result = extract_text(tmp_path, text)
    found = result.records["findings"]
    assert [f.code for f in found if f.rule == "prose_vs_table" and f.severity == "error"] == errors
    named = [f.message for f in found if f.rule == "number_convention"]
    assert named == ([f"the prose {convention} its 万元 figures: 1 of 13 figures fit only truncation, 0 only "
                      f"rounding; a figure that fits truncation is no defect"] if convention else [])
