"""Table titles by grammar: what a title line is made of, and which table it names.

A printed title may carry, around the table's name: a table number (`公开05表`, `附表3`,
`表一`), an enumerator (`五、`), the year (`2018 年度`), the body's name (before or after
the year), the scope word (部门 / 单位 / 预算单位) and a qualifier after it (`（功能科目）`).
`parse_title` strips them and matches what is left against a profile's title synonyms:
the longest synonym that ends the name wins, and what precedes it must look like a body's
name, never like more table vocabulary (`政府性基金预算财政拨款支出预算表` is not the body
`政府性基金预算` printing a 财政拨款支出预算表). A line with a title's grammar but no
known name is still a title (`key` None): the table is kept as cells, unclassified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain import Profile
from ..normalize.text import compact, fold, memo

MAX_TITLE = 70
MAX_BODY = 40
# Matched on the folded line, whose spaces still separate a table number from the title.
_NUMBER = re.compile(r"^(?P<number>公开\d+表|附表\s*[\d一二三四五六七八九十]+|表\s*[一二三四五六七八九十\d]+(?=[\s:：.、-])|\d+-\d+表)"
                     r"\s*[:：.、-]?")
PART_HEADING = re.compile(r"^第[一二三四五六七八九十\d]+部分")
MIN_UNKNOWN_NAME = 5
"""An unknown title's name is at least this long (`预算表` alone is a part heading)."""
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+、|\d{1,2}[.．、](?!\d))")
_YEAR = re.compile(r"(?P<year>(?:19|20)\d\d)年度?")
_QUALIFIER = re.compile(r"[(（][^()（）]{1,12}[)）]$")
_SCOPE = re.compile(r"^(?:部门|预算单位|单位)|(?:部门|预算单位|单位)$")
# Words of table names: a body's name holds none of them (unless it ends like a body).
_TABLE_WORDS = ("预算", "决算", "拨款", "基金", "支出", "收入", "经费", "采购", "功能", "经济", "科目", "表")
_BODY_END = re.compile(r"(?:局|院|厅|委员会|委|办公室|办|中心|处|所|站|部|署|队|馆|校|社|团|会|政府|街道办事处|公司|集团)$")
_SENTENCE = re.compile(r"[，。；！？,;]")


@dataclass(frozen=True, slots=True)
class Title:
    """What a title line says: the table it names (None when no synonym fits), its
    number, year and body as printed, and the name left after stripping them."""

    key: str | None
    name: str
    number: str | None
    year: int | None
    body: str | None


def _body_ok(body: str) -> bool:
    if not body:
        return True
    if len(body) > MAX_BODY or _SENTENCE.search(body):
        return False
    return bool(_BODY_END.search(body)) or not any(w in body for w in _TABLE_WORDS)


@memo
def _grammar(line: str) -> tuple[str, str | None, int | None, str] | None:
    """The profile-free part of `parse_title` (every stage tests the same lines, each
    profile too): the name left after stripping the table number, enumerator, qualifiers
    and year, with the number, year and what was printed before the year; None when the
    line has no title's grammar."""
    folded = fold(line)
    if "表" not in folded:  # every title names its 表 (the cheap test most lines fail)
        return None
    if len(folded) > MAX_TITLE or _SENTENCE.search(folded) or PART_HEADING.match(folded):
        return None
    number = None
    if m := _NUMBER.match(folded):
        number, folded = compact(m.group("number")), folded[m.end():]
    text = compact(folded)
    if m := _ENUMERATOR.match(text):
        text = text[m.end():]
    while (m := _QUALIFIER.search(text)) and not text.endswith("表"):
        text = text[:m.start()]
    if not text.endswith("表") or len(text) < 4:
        return None
    year = None
    before = ""
    if m := _YEAR.search(text):
        year, before, text = int(m.group("year")), text[:m.start()], text[m.end():]
    return text, number, year, before


def parse_title(line: str, profile: Profile) -> Title | None:
    """Given a line, return its `Title` when it has a table title's grammar, else None.

    A title ends with 表 (before any qualifier) and is not a sentence."""
    grammar = _grammar(line)
    if grammar is None:
        return None
    text, number, year, before = grammar
    index = profile.title_index
    best = None
    for start in range(len(text)):
        if text[start:] in index:
            best = start
            break
    if best is None:
        # Grammar without a known name: a title only when something besides the name says so.
        if (number or year) and len(text) >= MIN_UNKNOWN_NAME:
            return Title(key=None, name=text, number=number, year=year, body=before or None)
        return None
    name, body = text[best:], _SCOPE.sub("", text[:best])
    body = _SCOPE.sub("", before + body) if before and not body else (before or body)
    if not _body_ok(body):
        if (number or year) and len(text) >= MIN_UNKNOWN_NAME:
            return Title(key=None, name=text, number=number, year=year, body=None)
        return None
    return Title(key=index[name], name=name, number=number, year=year, body=body or None)
