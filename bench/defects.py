"""Defects caught: yusuan's findings on the real PDFs against what a careful auditor flags
in them (issue 13's "done when"). `python bench/defects.py [--verbose] [--only NAME]`.

For every real PDF with a defects file (`../shared/real/defects/<stem>.json`), the
document is extracted (`yusuan.extract_document`: its registry runs every validator, the
wording rules too) and its findings are scored. It prints, per document and in total:

- defects caught: a warning or error finding on the defect's page ±1 (or one of its
  `also_pages`; any page when the defect has none, if of the defect's table when both
  name one, and a finding without a page only for a defect without one or of the
  finding's table) whose rule is in `match.rules`, whose
  message holds any of `match.text_any` (a list there: all of its strings), or whose rule
  `KIND_RULES` maps from the defect's kind; `match.require_table` also wants the finding's
  table among `match.tables`. Each finding catches one defect at most (a maximum matching,
  findings at the defect's severity first); infos catch nothing (counted apart);
- at the right severity: caught by a finding of the defect's severity;
- rounding slips caught as warnings: a warning on the slip's page ±1 whose message prints
  its printed amount or its parts' sum in 元 (`29,462,500`), one finding per slip;
- false errors: error findings that fit no defect (by the same test, without the
  one-to-one rule): a number contradicted nowhere, or a rounding slip called an error;
- not_defects hit: findings (warning or error) that fit an entry of `not_defects` and no
  defect.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yusuan

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real"

KIND_RULES: dict[str, tuple[str, ...]] = {
    "prose_percent": ("prose_change", "execution_rate", "prose_share", "share_sum"),
    "prose_internal_conflict": ("prose_change", "prose_vs_table", "prose_restated", "prose_implied", "prose_share"),
    "prose_vs_table": ("prose_vs_table", "prose_list_item", "prose_row_name"),
    "prose_comparison_word": ("prose_comparison", "reason_direction"),
    "table_arithmetic": ("row_sum", "hierarchy", "column_total", "group_total", "summary_total",
                         "part_exceeds_total", "summary_subtotal", "item_total", "cross_table", "summary_vs_table",
                         "current_le_total", "subitems_sum"),
    "misprinted_code": ("malformed_code", "code_not_in_classification", "code_name_mismatch"),
    "empty_note_wrong": ("empty_note_with_rows", "empty_note_fund"),
    "table_blank": ("table_without_rows",),
    "table_missing": ("table_missing",),
    "outdated_class_name": ("outdated_class_name",),
    "template_leftover": ("template_leftover",),
    "cut_off_sentence": ("cut_off_sentence",),
    "placeholder": ("placeholder",),
    "punctuation": ("duplicate_punctuation", "unbalanced_quotes", "unbalanced_parentheses",
                    "missing_percent", "missing_full_stop"),
    "scope_wording": ("scope_wording", "level_wording"),
    "comparison_year": ("comparison_year",),
    "heading_year": ("year_mismatch",),
    "heading_body": ("body_mismatch", "body_name"),
    "other": (),
}
"""The rules that speak of a defect of each kind (the defects files' `kind`)."""


@dataclass(frozen=True)
class F:
    """A finding, as the benchmark reads it."""

    rule: str
    severity: str
    page: int | None
    table: str | None
    message: str


@dataclass
class Score:
    defects: int = 0
    caught: int = 0
    right: int = 0
    info_only: int = 0
    rounding: int = 0
    rounding_caught: int = 0
    false_errors: int = 0
    not_defects_hit: int = 0
    missed: list[dict] = field(default_factory=list)
    false: list[F] = field(default_factory=list)
    unmatched_warnings: list[F] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name in ("defects", "caught", "right", "info_only", "rounding", "rounding_caught", "false_errors",
                     "not_defects_hit"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _pages_of(entry: dict) -> list[int] | None:
    if entry.get("page") is None:
        return None
    return [entry["page"], *entry.get("also_pages", [])]


def _near(f: F, entry: dict) -> bool:
    pages = _pages_of(entry)
    tables = {entry.get("table"), *entry.get("match", {}).get("tables", [])} - {None}
    if pages is None:
        # No page: any page, but a finding of another table speaks of something else.
        return not tables or f.table is None or f.table in tables
    if f.page is None:
        return f.table is not None and f.table in tables
    return any(abs(f.page - p) <= 1 for p in pages)


def _says(f: F, match: dict, kind: str | None) -> bool:
    if f.rule in match.get("rules", []) or (kind and f.rule in KIND_RULES.get(kind, ())):
        return True
    message = f.message.lower()
    for text in match.get("text_any", []):
        wanted = text if isinstance(text, list) else [text]
        if wanted and all(w.lower() in message for w in wanted):
            return True
    return False


def fits(f: F, defect: dict) -> bool:
    """True when finding f speaks of the defect (page and content; severity aside)."""
    match = defect.get("match", {})
    if match.get("require_table") and f.table not in match.get("tables", [defect.get("table")]):
        return False
    return _near(f, defect) and _says(f, match, defect.get("kind"))


def _amounts(slip: dict) -> list[str]:
    out = []
    for key in ("printed_yuan", "parts_sum_yuan"):
        try:
            out.append(f"{int(slip[key]):,}")
        except (KeyError, TypeError, ValueError):
            pass
    return out


def fits_rounding(f: F, slip: dict) -> bool:
    if f.severity != "warning" or not _near(f, slip):
        return False
    return any(a in f.message for a in _amounts(slip))


def _matching(n: int, edges, start: dict[int, int] | None = None) -> dict[int, int]:
    """A maximum matching (Kuhn) of left items 0..n-1 to right items over edges(i) -> the
    right items i may take, grown from the matching `start` (left -> right; its items are
    not moved out, only along their edges); returns left -> right."""
    start = start or {}
    owner: dict[int, int] = {j: i for i, j in start.items()}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges(i):
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(n):
        if i not in start:
            augment(i, set())
    return {i: j for j, i in owner.items()}


def score(findings: list[F], truth: dict) -> Score:
    s = Score()
    defects = truth.get("defects", [])
    slips = truth.get("rounding", [])
    s.defects, s.rounding = len(defects), len(slips)
    loud = [f for f in findings if f.severity in ("error", "warning")]
    # Findings at the defect's severity first; then every severity, a defect already caught
    # at its severity only keeping such a finding.
    right_edges = [[j for j, f in enumerate(loud) if f.severity == d["severity"] and fits(f, d)] for d in defects]
    any_edges = [[j for j, f in enumerate(loud) if fits(f, d)] for d in defects]
    first = _matching(len(defects), lambda i: right_edges[i])
    matched = _matching(len(defects), lambda i: right_edges[i] if i in first else any_edges[i], first)
    s.caught = len(matched)
    s.right = sum(loud[j].severity == defects[i]["severity"] for i, j in matched.items())
    for i, d in enumerate(defects):
        if i not in matched:
            s.missed.append(d)
            if any(f.severity == "info" and fits(f, d) for f in findings):
                s.info_only += 1
    s.rounding_caught = len(_matching(len(slips), lambda i: [j for j, f in enumerate(loud)
                                                             if fits_rounding(f, slips[i])]))
    for f in loud:
        if f.severity == "error" and not any(fits(f, d) for d in defects):
            s.false_errors += 1
            s.false.append(f)
        elif f.severity == "warning" and not any(fits(f, d) for d in defects) and not any(
                fits_rounding(f, r) for r in slips):
            s.unmatched_warnings.append(f)
    nots = truth.get("not_defects", [])
    s.not_defects_hit = sum(any(_near(f, n) and _says(f, n.get("match", {}), None) for n in nots)
                            and not any(fits(f, d) for d in defects) for f in loud)
    return s


def findings_of(path: Path) -> list[F]:
    """A document's findings as the benchmark reads them."""
    result = yusuan.extract_document(path)
    return [F(f.rule, f.severity, f.page, f.table, f.message) for f in result.records["findings"]]


HEADER = (f"{'document':44} {'defects':>7} {'caught':>6} {'right':>5} {'missed':>6} {'info':>4} "
          f"{'rounding':>8} {'false err':>9} {'not-def':>7}")


def _row(name: str, s: Score) -> str:
    return (f"{name:44} {s.defects:7} {s.caught:6} {s.right:5} {s.defects - s.caught:6} {s.info_only:4} "
            f"{f'{s.rounding_caught}/{s.rounding}':>8} {s.false_errors:9} {s.not_defects_hit:7}")


def run(real: Path, only: str | None, verbose: bool) -> Score:
    """Score every real PDF with a defects file (those whose name holds `only`), print the
    table, return the total."""
    total = Score()
    print(HEADER)
    for truth_path in sorted((real / "defects").glob("*.json")):
        truth = json.loads(truth_path.read_text("utf-8"))
        pdf = real / truth.get("document", truth_path.stem + ".pdf")
        if not pdf.exists() or (only and only not in pdf.name):
            continue
        s = score(findings_of(pdf), truth)
        total.add(s)
        print(_row(pdf.stem, s))
        if verbose:
            for d in s.missed:
                print(f"    missed  p.{d.get('page')} {d['severity']:7} {d['kind']}: {d['printed'][:70]!r}")
            for f in s.false:
                print(f"    FALSE   p.{f.page} {f.rule}: {f.message[:110]}")
            for f in s.unmatched_warnings:
                print(f"    warning p.{f.page} {f.rule}: {f.message[:110]}")
    print(_row("TOTAL", total))
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, default=REAL, help="folder of the real PDFs and their defects/")
    parser.add_argument("--only", help="only PDFs whose name contains this")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="list missed defects, false errors and warnings that fit no defect")
    args = parser.parse_args(argv)
    if not (args.real / "defects").is_dir():
        print(f"no defects files: {args.real / 'defects'} is absent", file=sys.stderr)
        return 2
    run(args.real, args.only, args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
