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
