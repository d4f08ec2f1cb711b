"""What a document says about itself: the body that publishes it, its fiscal year and
its scope (部门 or 单位), for documents of any province.

`document_facts(lines, titles)` is pure: `lines` are every text line of the document in
order, `titles` the table-title lines found in it. The words and patterns are data
(domain/facts.toml). Each fact is read from the most explicit evidence first:

- body: the labels (`部门：X`, `编制单位：X`, `预算主管部门：X`, `部门名称：X` …), then the
  table titles (`2018年度江苏省高级人民法院收支预算总表`: between the year and the
  table's name; `江苏省政协办公厅2018年度…`: before the year) together with the heading,
  cover and prose lines that start with a body's name and the year, then the profile's
  `department_patterns` (document.toml: `X主要职能`, `申报单位名称：X`). Within one kind of evidence the
  most frequent name wins (the first printed on a tie), and a name that is a prefix of
  another counts for the longer one (a label wrapped mid-name: `部门名称：江苏省高级人民法`).
- fiscal year: the most common year among the titles, else among heading and cover lines
  (`2018 年度部门预算公开`), else the profile's `fiscal_year_patterns` (document.toml).
- scope: the labels (`预算单位：` / `编制单位：` → 单位; `部门：` / `预算主管部门：` → 部门),
  then the titles (`2025年预算单位收入预算总表` → 单位, `2018年部门收入预算总表` → 部门), then
  the headings (`2024年单位预算`, `部门预算公开`, `2024年度部门决算`); None when nothing says.
  The first kind of evidence that leans one way decides. A 部门预算 and the 单位预算 of the
  same body differ here and only here.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Iterable, Literal

from ..domain import DOMAIN, DocumentWords
from ..normalize.text import compact, fold

Scope = Literal["部门", "单位"]
_SENTENCE = re.compile(r"[，,。；;！？!?]")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    """The body that publishes a document, its fiscal year and its scope."""

    department: str | None
    fiscal_year: int | None
    scope: Scope | None


@dataclass(frozen=True)
class _Words:
    label: re.Pattern[str]
    label_scope: dict[str, str]
    value_tails: tuple[re.Pattern[str], ...]
    min_length: int
    max_length: int
    not_names: frozenset[str]
    name_end: re.Pattern[str]
    table_words: re.Pattern[str]
    lead: re.Pattern[str]
    before_year: re.Pattern[str]
    after_year: re.Pattern[str]
    title_year: re.Pattern[str]
    year_headings: tuple[re.Pattern[str], ...]
    scope_headings: tuple[re.Pattern[str], ...]
    title_scope: re.Pattern[str]
    title_scope_of: dict[str, str]


def _alternation(words: Iterable[str]) -> str:
    return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))


@cache
def _words() -> _Words:
    raw = tomllib.loads(resources.files("yusuan.domain").joinpath("facts.toml").read_text("utf-8"))
    labels, body, year, scope = raw["labels"], raw["body"], raw["year"], raw["scope"]
    return _Words(
        label=re.compile(rf"^(?P<label>{_alternation(labels)})\s*[:：]\s*(?P<value>.*)$"),
        label_scope=dict(labels),
        value_tails=tuple(re.compile(p) for p in body["value_tails"]),
        min_length=body["min_length"],
        max_length=body["max_length"],
        not_names=frozenset(body["not_names"]),
        name_end=re.compile(body["name_end"]),
        table_words=re.compile(_alternation(body["table_words"])),
        lead=re.compile(body["lead"]),
        before_year=re.compile(body["before_year"]),
        after_year=re.compile(body["after_year"]),
        title_year=re.compile(year["in_title"]),
        year_headings=tuple(re.compile(p) for p in year["headings"]),
        scope_headings=tuple(re.compile(p) for p in scope["headings"]),
        title_scope=re.compile(_alternation(scope["title_words"])),
        title_scope_of=dict(scope["title_words"]),
    )


def _name_ok(name: str, w: _Words, *, needs_end: bool) -> bool:
    if not (w.min_length <= len(name) <= w.max_length) or name in w.not_names:
        return False
    if _SENTENCE.search(name) or _DIGIT.search(name) or any(ch in name for ch in ":：、"):
        return False  # an enumerated heading (`一、单位主要职能`), a sentence, a date
    return bool(w.name_end.search(name)) if needs_end else True


def _label(line: str, w: _Words) -> tuple[str, str | None] | None:
    """A label line → (its scope word or "", the body's name or None)."""
    folded = fold(line)
    m = w.label.match(compact(folded))
    if not m:
        return None
    # Cut the value's tail on the folded line, where its spaces still separate it.
    value = re.sub(r"^.*?[:：]", "", folded, count=1)
    for tail in w.value_tails:
        value = tail.sub("", value)
    name = compact(value)
    return w.label_scope[m.group("label")], (name if _name_ok(name, w, needs_end=False) else None)


def _without_lead(text: str, w: _Words) -> str:
    """A compacted line less its lead (part, table number, enumerator …): the lead pattern
    is anchored at the start, one match there (a `sub` would try every position)."""
    return text[w.lead.match(text).end():]


def _body_of_title(title: str, w: _Words) -> str | None:
    """`2018年度江苏省高级人民法院收支预算总表` → 江苏省高级人民法院; `江苏省政协办公厅2018年度…`
    → 江苏省政协办公厅."""
    text = _without_lead(compact(title), w)
    m = w.after_year.match(text)
    if m:
        rest = m.group("rest")
        cut = w.table_words.search(rest)
        name = rest[:cut.start()] if cut else ""
        if _name_ok(name, w, needs_end=True):
            return name
    return _body_before_year(text, w)


def _body_before_year(text: str, w: _Words) -> str | None:
    m = w.before_year.match(text)
    if m and _name_ok(m.group("name"), w, needs_end=True):
        return m.group("name")
    return None


def _body_of_heading(line: str, w: _Words) -> str | None:
    """A heading, cover or prose line that starts with a body's name and the year:
    `江苏省政协办公厅 2018 年度收入、支出预算总计…`, `第二部分 上海市普陀区财政局2024年度部门决算表`."""
    text = _without_lead(compact(line), w)
    m = w.before_year.match(text)
    if m and _name_ok(m.group("name"), w, needs_end=True):
        return m.group("name")
    return None


def _vote(names: list[str]) -> str | None:
    """The most frequent name, a prefix counting for the longer names it begins (a name cut
    by a line break), the first printed on a tie."""
    if not names:
        return None
    counts = Counter(names)
    distinct = list(dict.fromkeys(names))
    full = {n: counts[n] + sum(counts[m] for m in distinct if m != n and n.startswith(m)) for n in distinct}
    # A prefix of a longer name gives its votes away: it is never the answer itself.
    candidates = [n for n in distinct if not any(m != n and m.startswith(n) for m in distinct)]
    return max(candidates, key=lambda n: (full[n], -distinct.index(n)))


def _most_common(values: list) -> object | None:
    if not values:
        return None
    counts = Counter(values)
    order = list(dict.fromkeys(values))
    return max(order, key=lambda v: (counts[v], -order.index(v)))


def _is_heading(line: str) -> bool:
    return not _SENTENCE.search(fold(line))


def _lean(scopes: list[str]) -> Scope | None:
    counts = Counter(s for s in scopes if s)
    if counts["部门"] == counts["单位"]:
        return None
    return "部门" if counts["部门"] > counts["单位"] else "单位"


def _department(lines: list[str], titles: list[str], labels: list[tuple[str, str | None]], w: _Words,
                document: DocumentWords) -> str | None:
    by_label = _vote([name for _, name in labels if name])
    if by_label:
        return by_label
    # Titles and headings vote together: one misprinted title (`上海市规划和自然资源局2024
    # 年度部门决算表` in a document of 上海市普陀区规划和自然资源局) is outvoted.
    printed = _vote([b for t in titles if (b := _body_of_title(t, w))]
                    + [b for line in lines if (b := _body_of_heading(line, w))])
    if printed:
        return printed
    for line in lines:
        for pattern in document.department_res:
            m = pattern.search(fold(line))
            if m and _name_ok(name := compact(m.group("name")), w, needs_end=False):
                return name
    return None


def _fiscal_year(lines: list[str], titles: list[str], w: _Words, document: DocumentWords) -> int | None:
    in_titles = [int(m.group("year")) for t in titles if (m := w.title_year.search(compact(t)))]
    if in_titles:
        return _most_common(in_titles)
    in_headings = [int(m.group("year")) for line in lines if _is_heading(line)
                   for p in w.year_headings if (m := p.match(compact(line)))]
    if in_headings:
        return _most_common(in_headings)
    for line in lines:
        for pattern in document.fiscal_year_res:
            m = pattern.search(fold(line))
            if m:
                return int(m.group("year"))
    return None


def _title_scope(title: str, w: _Words) -> str | None:
    text = _without_lead(compact(title), w)
    m = w.title_year.search(text)
    if m:
        text = text[m.end():].removeprefix("度")
    found = w.title_scope.search(text)
    return w.title_scope_of[found.group(0)] if found else None


def _scope(lines: list[str], titles: list[str], labels: list[tuple[str, str | None]], w: _Words) -> Scope | None:
    def heading_scopes() -> list[str]:
        return [m.group("scope") for line in lines if _is_heading(line)
                for p in w.scope_headings if (m := p.match(compact(line)))]

    # The most explicit evidence first; the headings (every line) read only when it is silent.
    for evidence in (lambda: [s for s, _ in labels], lambda: [_title_scope(t, w) for t in titles], heading_scopes):
        if (scope := _lean([s for s in evidence() if s])) is not None:
            return scope
    return None


def document_facts(lines: list[str], titles: list[str], document: DocumentWords | None = None) -> DocumentFacts:
    """Given every text line of a document in order, its table-title lines and its
    profile's document words (the default profile's when not given), return the body that
    publishes it, its fiscal year and whether it is a 部门 or a 单位 document (each None
    when the document does not say)."""
    w = _words()
    document = document or DOMAIN.default.document
    labels = [got for line in lines if (got := _label(line, w))]
    return DocumentFacts(department=_department(lines, titles, labels, w, document),
                         fiscal_year=_fiscal_year(lines, titles, w, document),
                         scope=_scope(lines, titles, labels, w))
