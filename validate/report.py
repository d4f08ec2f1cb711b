"""One report per document: every finding, and every check counted per rule and table.

The shape is frictionless-py's `Report`: whether the document is valid (no finding at
the `fail_on` level), statistics, the findings, and `flatten` for one-line assertions.
The CLI summary, `--json` and the exit code all read this one object, so what is printed
and what is returned cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from ..domain import RULES
from ..schemas.intermediate import Check
from ..schemas.records import Finding

SEVERITIES = ("error", "warning", "info")
EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_USAGE = 0, 1, 2, 3
"""0 clean at the chosen level, 1 findings at it, 2 the input could not be read, 3 the
command was used wrongly."""


@dataclass(frozen=True, slots=True)
class RuleStats:
    """The checks of one rule on one table: how many passed, failed, were within
    rounding, or could not be checked."""

    rule: str
    table: str | None
    passed: int
    failed: int
    rounding: int
    not_checked: int


@dataclass(frozen=True, slots=True)
class Report:
    findings: tuple[Finding, ...]
    stats: tuple[RuleStats, ...]

    def count(self, severity: str) -> int:
        """How many findings have this severity."""
        return sum(f.severity == severity for f in self.findings)

    def valid(self, fail_on: str = "error") -> bool:
        """True when no finding is at the `fail_on` level or above (error > warning)."""
        levels = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
        return not any(f.severity in levels for f in self.findings)

    def exit_code(self, fail_on: str = "error") -> int:
        """EXIT_OK when valid at `fail_on`, else EXIT_FINDINGS."""
        return EXIT_OK if self.valid(fail_on) else EXIT_FINDINGS

    def flatten(self, fields: tuple[str, ...] = ("rule", "severity", "page")) -> list[tuple]:
        """The findings as tuples of the given fields (tests compare them in one line)."""
        return [tuple(getattr(f, name) for name in fields) for f in self.findings]

    def totals(self) -> dict[str, int]:
        """Checks by outcome over every rule and table."""
        out = Counter()
        for s in self.stats:
            out.update(passed=s.passed, failed=s.failed, rounding=s.rounding, not_checked=s.not_checked)
        return {k: out[k] for k in ("passed", "failed", "rounding", "not_checked")}

    def as_json(self) -> dict:
        """The report as JSON-ready values (decimals as exact strings)."""
        def plain(value):
            return str(value) if isinstance(value, Decimal) else value
        return {
            "valid": self.valid(),
            "counts": {s: self.count(s) for s in SEVERITIES},
            "checks": self.totals(),
            "stats": [{"rule": s.rule, "title": RULES[s.rule].title if s.rule in RULES else None,
                       "table": s.table, "passed": s.passed, "failed": s.failed, "rounding": s.rounding,
                       "not_checked": s.not_checked} for s in self.stats],
            "findings": [{k: plain(v) for k, v in f.model_dump().items()} for f in self.findings],
        }


def build_report(findings: list[Finding], checks: list[Check]) -> Report:
    """Given a document's findings and checks, return its `Report` (stats per rule and
    table, in rule then table order)."""
    counts: dict[tuple[str, str | None], Counter] = {}
    for c in checks:
        counts.setdefault((c.rule, c.table), Counter())[c.status] += 1
    stats = tuple(RuleStats(rule=rule, table=table, passed=n["pass"], failed=n["fail"], rounding=n["rounding"],
                            not_checked=n["not_checked"])
                  for (rule, table), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")))
    return Report(findings=tuple(findings), stats=stats)
