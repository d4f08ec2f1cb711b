"""Domain knowledge as data: layout profiles (table kinds, identities), unit words,
document patterns.

The TOML files next to this module are the single source of what yusuan knows about
the documents; this module only loads them into frozen models, once. A `Profile` is one
layout family (`shanghai.toml`, `jiangsu.toml`: the tables a template prints, its
two-sided words, its cross-table identities); the `Domain` holds every profile and
chooses one per document (`Domain.choose`). Stages are given the profile, never a
module global: two templates that print the same title with other columns stay apart.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from functools import cached_property
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..normalize.text import compact


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
    shape: Literal["coded", "two_sided", "single_row", "items"]
    """coded: rows keyed by a classification code; two_sided: 收入 | 支出 items;
    single_row: one row under a (multi-level) header; items: a list of labelled rows,
    grouped by merged label cells (a row's item is its label path)."""
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

    def column_of(self, path: str, side: str | None = None) -> str | None:
        """Given a printed header path (`“三公”经费/公务用车购置及运行维护费/小计`), return
        the canonical column whose header words end it at a `/` boundary (the longest
        such word wins), or None. A coded table with one column takes any amount."""
        candidates = self.sides[side].columns if side else self.columns
        if self.shape == "coded" and len(candidates) == 1:
            return candidates[0]
        text = compact(path)
        best, best_len = None, -1
        for column in candidates:
            for word in self.header_words(column, side):
                w = compact(word)
                if (text == w or text.endswith("/" + w)) and len(w) > best_len:
                    best, best_len = column, len(w)
        return best

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
    sections: tuple[str, ...] = ()
    """Header words that split a side into parts (功能分类 | 支出用途), each part summing to
    the side's subtotal."""

    @cached_property
    def item_start_re(self) -> re.Pattern[str]:
        return re.compile(self.item_start)


class DocumentWords(_Frozen):
    """The words a document of one layout family prints around its tables and prose
    (document.toml, each field overridable in a profile's `[document]` table): units,
    labels, notes, table and page numbers, 目录 lines, two-sided items; the patterns typed
    `re.Pattern` are compiled as they are loaded. Every stage reads them from the profile
    it is given (`Profile.document`)."""

    code_first_digits: dict[str, tuple[str, ...]]
    class_name_synonyms: tuple[tuple[str, ...], ...] = ()
    units: dict[str, Decimal]
    unit_pattern: str
    """A `单位：` line; `{unit}` stands for the unit word (extract.sections, extract.tables)."""
    department_patterns: tuple[str, ...]
    fiscal_year_patterns: tuple[str, ...]
    heading_patterns: tuple[str, ...] = ()
    year_end_patterns: tuple[str, ...] = ()
    empty_table_notes: tuple[str, ...]
    note_pattern: re.Pattern[str]
    """The start of a table's note (`注：`, `说明：`, `注1`), on the compacted line."""
    table_number_pattern: re.Pattern[str]
    """A table number printed on its own line (`公开01表`), on the compacted line."""
    page_number_pattern: re.Pattern[str]
    """A page number (`5`, `- 5 -`, `第5页`), on the folded line."""
    title_start_pattern: re.Pattern[str]
    """How a title wrapped over two lines starts (a year, a table number, an enumerator)."""
    contents_line_pattern: re.Pattern[str]
    """A 目录 entry with leader dots and its page number, on the compacted line."""
    total_row_labels: tuple[str, ...] = ()
    two_sided: TwoSidedWords

    @cached_property
    def unit_re(self) -> re.Pattern[str]:
        """A unit line naming a known unit (group `unit`), the longest word first."""
        words = "|".join(map(re.escape, sorted(self.units, key=len, reverse=True)))
        return re.compile(self.unit_pattern.replace("{unit}", f"(?P<unit>{words})"))

    @cached_property
    def unit_line_re(self) -> re.Pattern[str]:
        """A unit line naming any word (group `unit`): known or not, it is no table row."""
        return re.compile(self.unit_pattern.replace("{unit}", r"(?P<unit>[^\d\s:：]{1,8})"))

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


DOCUMENT: DocumentWords = DocumentWords(**_load("document.toml"))
"""The base words every profile starts from (document.toml); stages read their
profile's (`Profile.document`). One stage cannot: extract.pdf_geometry lays a PDF page
out while the document is read, before any profile is chosen (the profile is chosen from
the laid-out pages' titles), and tells a name cell from the amount after it by these
words' two-sided item start."""


class Profile(_Frozen):
    """One layout family: the tables its documents print, how they are read, its
    two-sided words and its cross-table identities."""

    name: str
    description: str
    reader: Literal["lines", "cells"]
    """lines: a table is read line by line (numbers placed by ruling slots or by the
    identities); cells: from its ruled cells, each amount under its printed header."""
    tables: dict[str, TableSpec]
    identities: tuple[IdentitySpec, ...]
    document: DocumentWords
    """The words its documents print: document.toml with the profile's `[document]`
    (and `[two_sided]`) fields over it."""

    @property
    def two_sided(self) -> TwoSidedWords:
        """The words of its two-sided tables."""
        return self.document.two_sided

    @cached_property
    def title_index(self) -> dict[str, str]:
        """Compacted title → table key."""
        return {compact(t): key for key, spec in self.tables.items() for t in spec.titles}


PROFILE_FILES = ("shanghai.toml", "jiangsu.toml")
"""The profiles, the first the default (a document no profile knows better)."""


def _load_profile(file: str) -> Profile:
    return make_profile(file.removesuffix(".toml"), _load(file))


def make_profile(name: str, raw: dict) -> Profile:
    """Given a profile's name and its TOML as a dict (`[profile]`, its tables or the file
    naming them, identities, and `[document]` / `[two_sided]` words over document.toml's),
    return the Profile."""
    meta = raw["profile"]
    tables = _load(meta["tables"])["tables"] if "tables" in meta else raw["tables"]
    identities = _load(meta["identities"])["identity"] if "identities" in meta else raw.get("identity", [])
    words = DOCUMENT.model_dump() | raw.get("document", {})
    words["two_sided"] = (DOCUMENT.two_sided.model_dump() | raw.get("document", {}).get("two_sided", {})
                          | raw.get("two_sided", {}))
    return Profile(name=name, description=meta["description"], reader=meta["reader"],
                   tables={key: TableSpec(key=key, **spec) for key, spec in tables.items()},
                   identities=tuple(IdentitySpec(**spec) for spec in identities),
                   document=DocumentWords(**words))


class Domain:
    """Every profile yusuan knows, loaded once."""

    def __init__(self, profiles: tuple[Profile, ...]):
        self.profiles = {p.name: p for p in profiles}
        self.default = profiles[0]

    def choose(self, score) -> Profile:
        """Given `score(profile) -> int` (how many of a document's table titles the profile
        knows), return the best profile; the default wins ties."""
        scores = {name: score(profile) for name, profile in self.profiles.items()}
        best = self.default
        for name, profile in self.profiles.items():
            if scores[name] > scores[best.name]:
                best = profile
        return best

    @cached_property
    def units(self) -> dict[str, Decimal]:
        """Every unit word of any profile → its factor to 元: a word means the same amount
        in every template (万元 is 10000 元), profiles differ only in the words they print."""
        out: dict[str, Decimal] = {}
        for profile in self.profiles.values():
            for word, f in profile.document.units.items():
                if out.setdefault(word, f) != f:
                    raise ValueError(f"unit {word!r} is {out[word]} 元 in one profile, {f} 元 in {profile.name}")
        return out

    @cached_property
    def all_tables(self) -> dict[str, TableSpec]:
        """Every table key of any profile (the default profile's spec where two share a
        key): what the dataset's schema lists."""
        out: dict[str, TableSpec] = {}
        for profile in self.profiles.values():
            for key, spec in profile.tables.items():
                out.setdefault(key, spec)
        return out


DOMAIN = Domain(tuple(_load_profile(f) for f in PROFILE_FILES))
TABLES: dict[str, TableSpec] = DOMAIN.all_tables
"""Every table kind by key, for the dataset's schema and tests; stages use their profile."""
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


class RuleSpec(_Frozen):
    """One rule of the catalogue (rules.toml): what a finding of that rule means."""

    id: str
    title: str
    severity: Literal["error", "warning", "info"]
    kind: Literal["identity", "read", "coverage", "prose", "document", "form"]
    message: str = "{label}"
    """The finding's message as a template with named fields ({label}, {actual:,} …),
    filled by validate.catalogue."""


RULES: dict[str, RuleSpec] = {rid: RuleSpec(id=rid, **spec) for rid, spec in _load("rules.toml")["rule"].items()}
"""Every rule a finding can name (rules.toml)."""
