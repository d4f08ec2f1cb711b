"""Domain knowledge as data: table kinds, identities, unit words, document patterns.

The TOML files next to this module are the single source of what yusuan knows about
the documents; this module only loads them into frozen models, once. Code elsewhere
asks `TABLES`, `IDENTITIES` and `DOCUMENT` instead of spelling titles or headers out.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from functools import cached_property
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RowSum(_Frozen):
    """`total` equals the sum of `parts`, inside one row."""

    total: str
    parts: tuple[str, ...]


class GroupTotal(_Frozen):
    """An item row (人员经费合计) that equals the sum of some 类 rows (301, 303); `*`
    stands for every 类 no other group of the table names."""

    item: str
    classes: tuple[str, ...]


class SideSpec(_Frozen):
    columns: tuple[str, ...]
    total: str | None = None
    headers: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class TableSpec(_Frozen):
    """One table kind of tables.toml."""

    key: str
    titles: tuple[str, ...]
    shape: Literal["coded", "two_sided", "single_row"]
    default_unit: str
    classification: Literal["function", "economic"] | None = None
    columns: tuple[str, ...] = ()
    total: str | None = None
    headers: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    orders: tuple[tuple[str, ...], ...] = ()
    sums: tuple[RowSum, ...] = ()
    sides: dict[str, SideSpec] = Field(default_factory=dict)
    doc_type: Literal["department_budget", "final_accounts"] = "department_budget"
    required_since: int | None = None
    """From this fiscal year on, every document of its kind prints this table."""
    side_by_side: bool = False
    """Coded rows printed in two column groups on one line (决算 economic table)."""
    group_totals: tuple[GroupTotal, ...] = ()
    """Items that total the 类 rows of one group; they replace the 合计 row."""

    def header_words(self, column: str, side: str | None = None) -> tuple[str, ...]:
        """Given a canonical column, return the header words that name it."""
        headers = self.sides[side].headers if side else self.headers
        return headers.get(column, (column,))

    def row_sums(self, columns: tuple[str, ...], side: str | None = None) -> tuple[RowSum, ...]:
        """Given the columns a document prints, return the row identities among them.

        Explicit `sums` win; otherwise the `total` column is the sum of the others.
        """
        if self.sums:
            return self.sums
        total = self.sides[side].total if side else self.total
        if total is None or total not in columns:
            return ()
        return (RowSum(total=total, parts=tuple(c for c in columns if c != total)),)


class CellRef(_Frozen):
    table: str
    row: str
    column: str
    side: str | None = None

    @property
    def table_key(self) -> str:
        return self.table.rstrip("?")

    @property
    def optional(self) -> bool:
        return self.table.endswith("?")


class IdentitySpec(_Frozen):
    rule: str
    relation: Literal["eq", "ge"] = "eq"
    severity: Literal["error", "warning"] = "error"
    left: CellRef
    right: tuple[CellRef, ...]


class TwoSidedWords(_Frozen):
    item_start: str
    totals: dict[str, str]
    position_totals: tuple[str, ...] = ()
    subtotals: tuple[str, ...] = ()
    expenditure_suffixes: tuple[str, ...]

    @cached_property
    def item_start_re(self) -> re.Pattern[str]:
        return re.compile(self.item_start)


class DocumentWords(_Frozen):
    code_first_digits: dict[str, tuple[str, ...]]
    class_name_synonyms: tuple[tuple[str, ...], ...] = ()
    units: dict[str, Decimal]
    department_patterns: tuple[str, ...]
    fiscal_year_patterns: tuple[str, ...]
    heading_patterns: tuple[str, ...] = ()
    year_end_patterns: tuple[str, ...] = ()
    empty_table_notes: tuple[str, ...]
    total_row_labels: tuple[str, ...] = ()
    two_sided: TwoSidedWords

    @cached_property
    def department_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.department_patterns)

    @cached_property
    def fiscal_year_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.fiscal_year_patterns)

    @cached_property
    def heading_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.heading_patterns)

    @cached_property
    def year_end_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.year_end_patterns)


class MoneyField(_Frozen):
    field: str
    label: str


class FormWords(_Frozen):
    titles: tuple[str, ...]
    unread_titles: tuple[str, ...] = ()
    labels: tuple[str, ...]
    applicant_pattern: str
    period_pattern: str
    subitems_header: str
    indicators_header: str
    money_fields: tuple[MoneyField, ...]
    categories: tuple[str, ...]
    subcategories: tuple[str, ...]
    doc_number_pattern: str


class TargetWords(_Frozen):
    operators: tuple[tuple[str, str], ...]
    relative_words: tuple[str, ...]
    units: tuple[str, ...]
    qualitative: tuple[str, ...]


class RuledFormWords(_Frozen):
    titles: tuple[str, ...]
    fields: dict[str, str]
    """Printed label → ProjectRecord field of the value cell to its right."""
    goals: dict[str, str]
    columns: dict[str, str]


class PerformanceWords(_Frozen):
    form: FormWords
    ruled_form: RuledFormWords | None = None
    framework: dict[str, dict[str, tuple[str, ...]]]
    """一级 → 二级 → common 三级 names (or name parts), in printed order."""
    targets: TargetWords

    @cached_property
    def level2_of(self) -> dict[str, str]:
        """二级 → its 一级."""
        return {l2: l1 for l1, l2s in self.framework.items() for l2 in l2s}

    @cached_property
    def level2_order(self) -> tuple[str, ...]:
        return tuple(l2 for l2s in self.framework.values() for l2 in l2s)


class FigureSpec(_Frozen):
    label: str
    pattern: str
    cell: CellRef | tuple[CellRef, ...]
    """The cell the figure restates; several when the same wording restates different
    tables in different kinds of document (the first whose table is printed is used)."""

    @property
    def cells(self) -> tuple[CellRef, ...]:
        return self.cell if isinstance(self.cell, tuple) else (self.cell,)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern)


def _load(name: str) -> dict:
    return tomllib.loads(resources.files(__package__).joinpath(name).read_text("utf-8"))


def _load_tables() -> dict[str, TableSpec]:
    raw = _load("tables.toml")["tables"]
    return {key: TableSpec(key=key, **spec) for key, spec in raw.items()}


TABLES: dict[str, TableSpec] = _load_tables()
IDENTITIES: tuple[IdentitySpec, ...] = tuple(
    IdentitySpec(**spec) for spec in _load("identities.toml")["identity"]
)
DOCUMENT: DocumentWords = DocumentWords(**_load("document.toml"))
PERFORMANCE: PerformanceWords = PerformanceWords(**_load("performance.toml"))
_PROSE = _load("prose.toml")
FIGURES: tuple[FigureSpec, ...] = tuple(FigureSpec(**f) for f in _PROSE["figure"])
CHANGE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(c["pattern"]) for c in _PROSE.get("change", ()))


class ComparisonSpec(_Frozen):
    """Prose that compares a final amount with its budget in words (决算数小于预算数)."""

    pattern: str
    greater: tuple[str, ...]
    less: tuple[str, ...]
    equal: tuple[str, ...]
    flat: tuple[str, ...]
    flat_share: Decimal

    @cached_property
    def regex(self) -> re.Pattern[str]:
        words = sorted((*self.greater, *self.less, *self.equal, *self.flat), key=len, reverse=True)
        return re.compile(self.pattern.replace("{words}", "|".join(map(re.escape, words))))


COMPARISON: ComparisonSpec | None = ComparisonSpec(**_PROSE["comparison"]) if "comparison" in _PROSE else None
