"""The rule catalogue at work: every finding's severity and message come from
domain/rules.toml.

A rule's `message` is a template with named fields (`{label}`, `{actual:,}` …). Validators
make `ParseIssue`s with `issue(rule, …fields)` and `Check`s with their label, amounts and
`fields`; `findings` turns both into `Finding` records in one place, so a message cannot
drift from the catalogue. Issues made by the readers (extract/, normalize/) carry their
message already written; they keep it.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain import RULES
from ..schemas.arrow import fits
from ..schemas.intermediate import Check, ParseIssue
from ..schemas.records import Finding

NOT_CHECKED = "not checked: {label}"
"""The message of an identity that could not be checked (an info finding of its rule)."""

_PROSE_HOW = {"fail": "beyond its printed precision",
              "rounding": "beyond its printed precision, within one rounding step of the table"}


class _Fields(dict):
    """Template fields; a field the caller did not give prints as `?` (a message is
    never lost to a missing value)."""

    def __missing__(self, key: str) -> str:
        return "?"


def message(rule: str, **fields) -> str:
    """Given a rule and the values its template names, return the finding's message."""
    template = RULES[rule].message
    try:
        return template.format_map(_Fields(fields))
    except (ValueError, TypeError):
        # A field of another type than the template's format wants (`{actual:,}` given
        # text): print the values plainly rather than lose the finding.
        return template.replace(":,", "").replace(":+,", "").format_map(_Fields(fields))


def issue(rule: str, *, page: int | None = None, table: str | None = None, code: str | None = None,
          severity: str | None = None, **fields) -> ParseIssue:
    """Given a rule, where it holds and its template's fields, return the `ParseIssue`
    (severity: the catalogue's default unless given)."""
    return ParseIssue(rule=rule, severity=severity or RULES[rule].severity, page=page, table=table, code=code,
                      message=message(rule, page=page, table=table, code=code, **fields))


def _check_fields(c: Check) -> dict:
    diff = c.actual - c.expected if c.actual is not None and c.expected is not None else None
    return {"label": c.label, "actual": c.actual, "expected": c.expected, "diff": diff, "table": c.table,
            "page": c.page, "code": c.code, "column": c.column, "how": _PROSE_HOW.get(c.status, ""),
            **dict(c.fields)}


def _stored(value: Decimal | None) -> Decimal | None:
    """A finding's amount as the records can hold it exactly (a value of more decimals, a
    percentage to 0.001, stays in the message only)."""
    return value if value is None or fits(value) else None


def finding_of_check(doc_id: str, c: Check) -> Finding | None:
    """Given a check, return its finding (None when it passed): a failure at the check's
    severity, a miss within rounding as a `rounding` warning, an identity not checked as
    an info of its rule."""
    if c.status == "pass":
        return None
    common = dict(doc_id=doc_id, table=c.table, page=c.page, code=c.code, column=c.column)
    if c.status == "not_checked":
        return Finding(rule=c.rule, severity="info", expected=None, actual=None,
                       message=NOT_CHECKED.format(label=c.label), **common)
    text = message(c.rule, **_check_fields(c))
    if c.status == "rounding":
        return Finding(rule="rounding", severity=RULES["rounding"].severity, expected=_stored(c.expected),
                       actual=_stored(c.actual), message=message("rounding", check=text), **common)
    return Finding(rule=c.rule, severity=c.severity, expected=_stored(c.expected), actual=_stored(c.actual),
                   message=text, **common)


def finding_of_issue(doc_id: str, i: ParseIssue) -> Finding:
    """Given a parse or wording issue, return its finding."""
    return Finding(doc_id=doc_id, rule=i.rule, severity=i.severity, table=i.table, page=i.page, code=i.code,
                   column=None, expected=None, actual=None, message=i.message)


def findings(doc_id: str, issues: list[ParseIssue], checks: list[Check]) -> list[Finding]:
    """Given a document's issues and checks, return its findings: issues first, in their
    order, then every check that did not pass."""
    out = [finding_of_issue(doc_id, i) for i in issues]
    out += [f for c in checks if (f := finding_of_check(doc_id, c)) is not None]
    return out
