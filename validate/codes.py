"""Economic codes against the names the classification gives them (domain/economic.toml).

Some bodies number the sub-items of a 类 in their own print order (`302 06 办公设备购置费`
where the classification's 30206 is 电费). Such a code does not say what the row is: a
cross-table identity that names 30212 (因公出国（境）费用) must find the row printed with
that name, or not be checked at all. `check_names` reports every such table once.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

from ..normalize.text import compact
from ..schemas.intermediate import ParseIssue, Row
from .catalogue import issue

SHOWN = 6
"""Rows quoted in a finding; the others are counted."""


@lru_cache(maxsize=1)
def _classification() -> tuple[int, dict[str, frozenset[str]]]:
    raw = tomllib.loads(resources.files("yusuan.domain").joinpath("economic.toml").read_text("utf-8"))
    return raw["since"], {code: frozenset(_norm(n) for n in names) for code, names in raw["names"].items()}


def _norm(name: str) -> str:
    return compact(name).replace("(", "（").replace(")", "）")


def applies(table_spec, fiscal_year: int | None) -> bool:
    """True when a table's codes can be read against the classification's names: an
    economic table of a year the classification covers."""
    since, _ = _classification()
    return (table_spec is not None and table_spec.classification == "economic" and fiscal_year is not None
            and fiscal_year >= since)


def names_of(code: str) -> frozenset[str]:
    """The names the classification gives a code (empty when it does not list it)."""
    return _classification()[1].get(code, frozenset())


def misnamed(row: Row) -> bool:
    """True when a coded row's printed name is none of its code's names."""
    names = names_of(row.source.code or "")
    return bool(names) and _norm(row.source.name) not in names


def by_name(rows: dict[str, Row], code: str) -> str | None:
    """The code under which a table prints the row the classification calls `code`
    (its own numbering), or None when it prints no row of that name."""
    names = names_of(code)
    return next((c for c, r in rows.items() if _norm(r.source.name) in names), None)


def check_names(index, fiscal_year: int | None) -> list[ParseIssue]:
    """Given a document's row index and year, return one warning per economic table whose
    codes are not the classification's for their printed names."""
    out = []
    for table, rows in index.by_code.items():
        if not applies(index.tables.get(table), fiscal_year):
            continue
        wrong = [r for r in rows.values() if misnamed(r)]
        if not wrong:
            continue
        listed = "; ".join(f"{r.source.raw_code or r.source.code} {r.source.name} (the classification's "
                           f"{r.source.code} is {min(names_of(r.source.code))})" for r in wrong[:SHOWN])
        more = f"; and {len(wrong) - SHOWN} more" if len(wrong) > SHOWN else ""
        out.append(issue("code_name_mismatch", page=wrong[0].source.page, table=table, code=wrong[0].source.code,
                         rows=listed + more))
    return out


def _well_formed(raw: str) -> bool:
    """A code printed as the classification writes it: 类 in three digits, 款 and 项 in
    two (`301 02`, `2010101`)."""
    parts = raw.split()
    if len(parts) > 1:
        return len(parts[0]) == 3 and all(len(p) == 2 for p in parts[1:])
    return len(parts[0]) in (3, 5, 7) if parts else True


def check_widths(index, known: tuple[ParseIssue, ...] = ()) -> list[ParseIssue]:
    """Given a document's row index (and the code issues its reader already raised),
    return a warning per coded row whose printed code has a part of the wrong width
    (`301 2` for 301 02): read from its place, the misprint is the document's."""
    flagged = {(i.table, i.code) for i in known if i.rule == "malformed_code"}
    out = []
    for table, rows in index.by_code.items():
        for code, row in rows.items():
            raw = row.source.raw_code
            if raw and not _well_formed(raw) and (table, code) not in flagged:
                out.append(issue("malformed_code", severity="warning", page=row.source.page, table=table, code=code,
                                 raw=raw, name=row.source.name, parent=row.source.parent_code, read=code))
    return out

