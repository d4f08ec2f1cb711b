"""The prose against itself: what one passage states twice must agree.

- shares (`2106.66万元，占71.73%`) against their part and the passage's total
  (`prose_share`), shares that do not add up to 100% (`share_sum`), parts that do not add
  up to their total (`prose_parts`);
- an amount whose increase on last year exceeds it (`prose_implied`);
- one item's amount stated twice differently (`prose_restated`);
- a reason that speaks of the opposite change (`reason_direction`);
- an item's purpose or reason copied from another 项 (`prose_copied`);
- economic items listed as spent that the table prints as 0 (`prose_list_item`);
- the performance-target forms the prose counts against those printed (`prose_vs_forms`);
- a `其中：` part printed under its total and larger than it (`part_exceeds_total`).

Numbers contradicting numbers are checks (errors beyond rounding, `rounding` warnings
within it); words contradicting numbers or names are warnings. Every pattern is data
(domain/prose.toml `[passages]`). Pure functions over the running text of the pages (their
prose sections, extract.sections) and the decided rows.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from ..normalize.numbers import half_unit, parse_amount
from ..normalize.text import compact
from ..normalize.units import factor
from ..schemas.arrow import fits
from ..schemas.intermediate import Assignment, Check, Page, ParseIssue, Row, Sections
from ..schemas.records import ProjectRecord
from .catalogue import issue
from .convention import ROUND, TRUNCATE
from .wording import _norm

UNIT = "万元"
WAN = factor(UNIT)
HUNDRED = Decimal(100)
CONTEXT = 16
REASON_SPAN = 200
"""Characters a reason is read over at most (a reason is one clause, not a page)."""


@dataclass(frozen=True)
class _Words:
    share_total: re.Pattern[str]
    share_part: re.Pattern[str]
    share_sep: re.Pattern[str]
    max_name: int
    exhaustive: tuple[tuple[str, ...], ...]
    implied: re.Pattern[str]
    marker: re.Pattern[str]
    claim_span: int
    up: tuple[str, ...]
    down: tuple[str, ...]
    flat: tuple[str, ...]
    head: re.Pattern[str]
    level: re.Pattern[str]
    purpose: re.Pattern[str]
    reason: re.Pattern[str]
    restated: re.Pattern[str]
    item_tables: tuple[str, ...]
    list_pattern: re.Pattern[str]
    list_sep: re.Pattern[str]
    list_cells: tuple[tuple[str, str], ...]
    forms: re.Pattern[str]
    part_line: re.Pattern[str]
    total_line: re.Pattern[str]


@lru_cache(maxsize=1)
def words() -> _Words:
    """prose.toml `[passages]`, compiled once."""
    raw = tomllib.loads(resources.files("yusuan.domain").joinpath("prose.toml").read_text("utf-8"))["passages"]
    num = raw["num"]

    def rx(pattern: str) -> re.Pattern[str]:
        return re.compile(pattern.replace("{num}", num))

    sh, rs, it, li = raw["shares"], raw["reasons"], raw["items"], raw["list_items"]
    return _Words(
        share_total=rx(sh["total"]), share_part=rx(sh["part"]), share_sep=rx(sh["separator"]),
        max_name=sh["max_name"],
        exhaustive=tuple(tuple(w) for w in sh["exhaustive"]), implied=rx(raw["implied"]["pattern"]),
        marker=rx(rs["marker"]), claim_span=rs["claim_span"], up=tuple(rs["up"]), down=tuple(rs["down"]),
        flat=tuple(rs["flat"]), head=rx(it["head"]), level=rx(it["level"]), purpose=rx(it["purpose"]),
        reason=rx(it["reason"]), restated=rx(it["restated"]), item_tables=tuple(it["tables"]),
        list_pattern=rx(li["pattern"]), list_sep=rx(li["separator"]),
        list_cells=tuple((c["table"], c["column"]) for c in li["cells"]), forms=rx(raw["forms"]["pattern"]),
        part_line=rx(raw["part_lines"]["part"]), total_line=rx(raw["part_lines"]["total"]))


class _Stream:
    """The document's running text (its prose sections) joined, spaces around Chinese
    characters removed, with the page of every position."""

    def __init__(self, pages: list[Page], sections: Sections):
        parts, self._starts, self._pages = [], [], []
        pos = 0
        for page in pages:
            text = "".join(_norm(line) for line in sections.texts(page))
            parts.append(text)
            self._starts.append(pos)
            self._pages.append(page.number)
            pos += len(text)
        self.text = "".join(parts)

    def page(self, pos: int) -> int | None:
        i = bisect_right(self._starts, pos) - 1
        return self._pages[i] if i >= 0 else None

    def quote(self, start: int, end: int) -> str:
        lead = "…" if start > CONTEXT else ""
        tail = "…" if end + CONTEXT < len(self.text) else ""
        return f"{lead}{self.text[max(0, start - CONTEXT):end + CONTEXT]}{tail}"


def _amount(raw: str) -> Decimal | None:
    try:
        return parse_amount(raw)
    except ValueError:
        return None


def _half(raw: str, value: Decimal) -> Decimal:
    """Half a unit of a printed figure's last digit; a printed 0 is exact."""
    return Decimal(0) if value == 0 else half_unit(raw)


def _fits_share(pct: Decimal, unit: Decimal, lo: Decimal, hi: Decimal) -> set[str]:
    """The conventions under which a printed share `pct` (to `unit`) stands for a true
    value somewhere in [lo, hi]."""
    out = set()
    if pct - unit / 2 <= hi and pct + unit / 2 >= lo:
        out.add(ROUND)
    if pct <= hi and pct + unit > lo:
        out.add(TRUNCATE)
    return out


@dataclass(frozen=True)
class _Share:
    name: str
    raw: str
    amount: Decimal
    half: Decimal
    pct_raw: str | None
    start: int
    end: int


def _passages(stream: _Stream) -> list[tuple[re.Match, list[_Share]]]:
    """Every total followed by its listed parts."""
    w = words()
    text = stream.text
    out = []
    for m in w.share_total.finditer(text):
        total = _amount(m.group("total"))
        if total is None:
            continue
        parts, pos = [], m.end()
        while True:
            p = w.share_part.match(text, pos)
            if not p or (value := _amount(p.group("amount"))) is None or len(p.group("name")) > w.max_name:
                break
            if parts and (parts[-1].pct_raw is None) != (p.group("pct") is None):
                break  # a list of shares goes on with shares, a list of amounts with amounts
            parts.append(_Share(name=p.group("name"), raw=p.group("amount"), amount=value,
                                half=_half(p.group("amount"), value), pct_raw=p.group("pct"),
                                start=p.start(), end=p.end()))
            sep = w.share_sep.match(text, p.end())
            if not sep:
                break
            pos = sep.end()
        if parts:
            out.append((m, parts))
    return out


def _share_checks(stream: _Stream) -> list[Check]:
    """Shares against their amounts, shares adding up to 100%, parts adding up to their total."""
    w = words()
    found = _passages(stream)
    # The document's convention for shares: the one its shares that tell them apart follow.
    graded = []
    for m, parts in found:
        total_raw = m.group("total")
        total = _amount(total_raw)
        t_half = _half(total_raw, total)
        for part in parts:
            if part.pct_raw is None or total - t_half <= 0:
                continue
            pct, unit = parse_amount(part.pct_raw), 2 * half_unit(part.pct_raw)
            lo = max(Decimal(0), part.amount - part.half) / (total + t_half) * HUNDRED
            hi = (part.amount + part.half) / (total - t_half) * HUNDRED
            graded.append((m, part, pct, unit, lo, hi, _fits_share(pct, unit, lo, hi)))
    only_trunc = sum(f == {TRUNCATE} for *_, f in graded)
    only_round = sum(f == {ROUND} for *_, f in graded)
    accept = {ROUND, TRUNCATE} if only_trunc > only_round else {ROUND}
    checks = []
    for m, part, pct, unit, lo, hi, fit in graded:
        # To the printed share's digits (`unit` as 0.01, not 0.010: findings store two decimals).
        exact = (part.amount / parse_amount(m.group("total")) * HUNDRED).quantize(unit.normalize())
        near = pct + unit * 3 / 2 >= lo and pct - unit * 3 / 2 <= hi  # one digit beyond: a rounding-size gap
        status = "pass" if fit & accept else "rounding" if near else "fail"
        page = stream.page(part.start)
        label = f"prose p.{page} {part.name}{part.raw}万元，占{part.pct_raw}%"
        checks.append(Check(rule="prose_share", status=status, table=None, code=part.name or None, column="%",
                            page=page, expected=exact if fits(exact) else None, actual=pct if fits(pct) else None,
                            label=label,
                            fields=(("printed", part.pct_raw), ("part", f"{part.raw}"),
                                    ("total", m.group("total")), ("exact", f"{exact}"))))
    for m, parts in found:
        total = _amount(m.group("total"))
        t_half = _half(m.group("total"), total)
        page = stream.page(m.start())
        names = [p.name for p in parts]
        covered = any(all(any(word in n for n in names) for word in group) for group in w.exhaustive)
        shares = [p for p in parts if p.pct_raw is not None]
        pct_sum = sum((parse_amount(p.pct_raw) for p in shares), Decimal(0))
        pct_slack = sum((half_unit(p.pct_raw) for p in shares), Decimal(0))
        amounts = sum((p.amount for p in parts), Decimal(0))
        envelope = t_half + sum((p.half for p in parts), Decimal(0))
        parts_add_up = abs(amounts - total) <= envelope
        shares_add_up = len(shares) == len(parts) and abs(pct_sum - HUNDRED) <= pct_slack
        if len(shares) >= 2 and len(shares) == len(parts) and parts_add_up and not shares_add_up:
            listed = " + ".join(f"{p.pct_raw}%" for p in shares)
            far = abs(pct_sum - HUNDRED) > pct_slack + 2 * max(half_unit(p.pct_raw) for p in shares)
            checks.append(Check(rule="share_sum", status="fail" if far else "rounding", table=None, code=None,
                                column="%", page=page, expected=HUNDRED, actual=pct_sum if fits(pct_sum) else None,
                                label=f"prose p.{page} {stream.quote(m.start(), m.end())}",
                                fields=(("total", m.group("total")), ("shares", listed), ("sum", f"{pct_sum}"))))
        if len(parts) >= 2 and (covered or shares_add_up):
            diff = amounts - total
            status = "pass" if diff == 0 else "rounding" if abs(diff) <= envelope else "fail"
            label = (f"prose p.{page} {stream.quote(m.start(), m.end())}: " + " + ".join(
                f"{p.name}{p.raw}" for p in parts) + f" = {m.group('total')}万元")
            checks.append(Check(rule="prose_parts", status=status, table=None, code=None, column=None, page=page,
                                expected=amounts * WAN, actual=total * WAN, label=label))
    return checks


def _implied(stream: _Stream) -> list[Check]:
    """An amount whose stated increase on last year is larger than itself."""
    out = []
    for m in words().implied.finditer(stream.text):
        amount, change = _amount(m.group("amount")), _amount(m.group("change"))
        if amount is None or change is None:
            continue
        slack = _half(m.group("amount"), amount) + _half(m.group("change"), change)
        if change - amount <= slack:
            continue
        page = stream.page(m.start())
        out.append(Check(rule="prose_implied", status="fail", table=None, code=None, column=None, page=page,
                         expected=amount * WAN, actual=change * WAN,
                         label=f"prose p.{page} {m.group(0)}",
                         fields=(("quote", stream.quote(m.start(), m.end())), ("amount", m.group("amount")),
                                 ("change", m.group("change")), ("prev", f"{amount - change}"))))
    return out


def _direction(text: str, w: _Words) -> set[str]:
    found = set()
    for name, group in (("up", w.up), ("down", w.down), ("flat", w.flat)):
        if any(word in text for word in group):
            found.add(name)
    return found


def _reasons(stream: _Stream) -> list[ParseIssue]:
    """Reasons that speak only of the change opposite to the one they explain."""
    w = words()
    text = stream.text
    claims = re.compile("|".join(re.escape(x) for x in sorted((*w.up, *w.down, *w.flat), key=len, reverse=True)))
    out = []
    for m in w.marker.finditer(text):
        # A reason runs to its sentence's end, its clause list's end or the next reason.
        window = min(len(text), m.end() + REASON_SPAN)
        ends = [e for e in (text.find(x, m.end(), window) for x in ("。", "；", ";")) if e >= 0]
        after = w.marker.search(text, m.end(), window)
        ends += [after.start()] if after else []
        reason = text[m.end():min(ends, default=window)]
        if not reason.strip():
            continue  # a cut-off sentence (主要原因是。): the wording rules say so
        # The claim: the last change word before the marker, within its sentence or the one before.
        before = text[max(0, m.start() - w.claim_span):m.start()]
        stop = before.rfind("。", 0, max(0, len(before) - 1))
        before = before[stop + 1:]
        words_before = claims.findall(before)
        if not words_before:
            continue
        claim = next(name for name, group in (("up", w.up), ("down", w.down), ("flat", w.flat))
                     if words_before[-1] in group)
        said = _direction(reason, w)
        if not said or claim in said:
            continue
        page = stream.page(m.start())
        named = "、".join(x for x in (*w.up, *w.down, *w.flat) if x in reason)
        out.append(issue("reason_direction", page=page, quote=stream.quote(m.start() - len(before), m.end() + len(reason)),
                         claim=words_before[-1], words=named))
    return out


def _levels(path: str) -> dict[str, str]:
    return {m.group("level"): compact(m.group("name")) for m in words().level.finditer(path)}


class _Families:
    """The function tables' 款 by name and each 款's 项 (code → name), the tables in the
    order items are looked up in: built once per document, asked once per spending item."""

    def __init__(self, index):
        self.tables: list[tuple[str, dict[str, list[str]], dict[str, dict[str, str]]]] = []
        for table in dict.fromkeys((*words().item_tables, *index.by_code)):
            rows = index.by_code.get(table)
            if not rows:
                continue
            kuan: dict[str, list[str]] = {}
            kids: dict[str, dict[str, str]] = {}
            for code, r in rows.items():
                if r.source.level == 2:
                    kuan.setdefault(compact(r.source.name), []).append(r.source.code)
                elif r.source.level == 3:
                    kids.setdefault(r.source.parent_code, {})[code] = compact(r.source.name)
            self.tables.append((table, kuan, kids))

    def siblings(self, names: dict[str, str]) -> tuple[str, str, dict[str, str]] | None:
        """(table, the item's code, {sibling 项 code: name}) for an item path, from the
        first function table that prints its 款 and 项."""
        for table, kuan, kids in self.tables:
            for parent in kuan.get(names.get("款"), ()):
                family = kids.get(parent, {})
                own = next((c for c, n in family.items() if n == names.get("项")), None)
                if own:
                    return table, own, family
        return None


def _items(stream: _Stream, index) -> tuple[list[Check], list[ParseIssue]]:
    """Each item of the spending list: its amount restated, its purpose and reason its own."""
    w = words()
    text = stream.text
    heads = list(w.head.finditer(text))
    families = _Families(index)
    checks, issues = [], []
    for i, m in enumerate(heads):
        body_end = heads[i + 1].start() if i + 1 < len(heads) else min(len(text), m.end() + 400)
        body = text[m.end():body_end]
        path = m.group("quoted") or m.group("path")
        page = stream.page(m.start())
        amount = _amount(m.group("amount"))
        again = w.restated.search(body)
        if again and amount is not None and (second := _amount(again.group("amount"))) is not None:
            slack = max(_half(m.group("amount"), amount), _half(again.group("amount"), second))
            if abs(second - amount) > slack:
                checks.append(Check(rule="prose_restated", status="fail", table=None, code=compact(path), column=None,
                                    page=page, expected=amount * WAN, actual=second * WAN,
                                    label=f"prose p.{page} {path}",
                                    fields=(("item", path), ("first", m.group("amount")),
                                            ("second", again.group("amount")))))
        names = _levels(path)
        if "项" not in names or "款" not in names:
            continue
        found = families.siblings(names)
        if found is None:
            continue
        table, own_code, kids = found
        own = names["项"]
        for part, pattern in (("purpose", w.purpose), ("reason", w.reason)):
            got = pattern.search(body)
            if not got:
                continue
            said = compact(got.group("text"))
            if own in said:
                continue
            others = [(c, n) for c, n in kids.items() if c != own_code and n and n in said and n not in own]
            if not others:
                continue
            code, name = max(others, key=lambda cn: len(cn[1]))
            issues.append(issue("prose_copied", page=stream.page(m.end() + got.start()), table=table, code=own_code,
                                item=path, amount=m.group("amount"), part=part, other=name, other_code=code,
                                quote=got.group(0)[:40]))
    return checks, issues


def _list_items(stream: _Stream, index, rows: list[Row], assignments: dict[int, Assignment]) -> list[ParseIssue]:
    """Economic items the prose lists under 人员经费 / 公用经费 that the table prints as 0."""
    w = words()
    table, column = next(((t, c) for t, c in w.list_cells if index.by_code.get(t)), (None, None))
    if table is None:
        return []
    printed = {}
    for code, row in index.by_code[table].items():
        if row.source.level >= 2 and row.id in assignments:
            printed[compact(row.source.name)] = (code, row.value(assignments[row.id], column))
    out = []
    for m in w.list_pattern.finditer(stream.text):
        zero = []
        for item in w.list_sep.split(m.group("items")):
            name = compact(item)
            hit = printed.get(name) or next((v for n, v in printed.items()
                                             if name.startswith(n) and len(name) - len(n) <= 2), None)
            if hit is not None and hit[1] == 0:
                zero.append(f"{item}（{hit[0]}）")
        if zero:
            out.append(issue("prose_list_item", page=stream.page(m.start()), table=table,
                             label=f"{m.group('label')}{m.group('amount')}万元", names="、".join(zero)))
    return out


def _forms(stream: _Stream, projects: list[ProjectRecord]) -> list[ParseIssue]:
    """The count and money of the performance-target forms the prose states, against the forms."""
    if not projects or any(p.current_budget is None for p in projects):
        return []
    total = sum((p.current_budget for p in projects), Decimal(0))
    out = []
    for m in words().forms.finditer(stream.text):
        amount = _amount(m.group("amount"))
        if amount is None:
            continue
        count = int(m.group("count"))
        if count == len(projects) and abs(total - amount * WAN) <= half_unit(m.group("amount")) * WAN:
            continue
        out.append(issue("prose_vs_forms", page=stream.page(m.start()), quote=stream.quote(m.start(), m.end()),
                         count=count, amount=m.group("amount"), forms=len(projects),
                         total=f"{(total / WAN).quantize(Decimal('0.01'))}"))
    return out


def _part_lines(pages: list[Page], sections: Sections) -> list[Check]:
    """A `其中：` part printed on the line under its total, larger than the total, outside
    the tables (a form's money fields, a list in the prose: a table's rows are checked by
    its identities)."""
    w = words()
    out = []
    for page in pages:
        for i, (above, line) in enumerate(zip(page.lines, page.lines[1:])):
            part = w.part_line.match(line)
            if not part or _in_table(sections, page.number, i) or _in_table(sections, page.number, i + 1):
                continue
            total = w.total_line.search(above)
            if not total or w.part_line.match(above):
                continue  # a part under another part is a part of the same total
            amount, whole = _amount(part.group("amount")), _amount(total.group("amount"))
            if amount is None or whole is None:
                continue
            slack = _half(part.group("amount"), amount) + _half(total.group("amount"), whole)
            status = "pass" if amount - whole <= slack else "fail"
            out.append(Check(rule="part_exceeds_total", status=status, table=None, code=part.group("label"),
                             column=None, page=page.number, expected=whole, actual=amount,
                             label=f"page {page.number}: {line.strip()}",
                             fields=(("part", line.strip()), ("amount", part.group("amount")),
                                     ("total", above.strip()[-40:]), ("total_amount", total.group("amount")))))
    return out


def _in_table(sections: Sections, page: int, line: int) -> bool:
    """True when a page's line is in a titled table's section."""
    s = sections.of(page, line)
    return s is not None and s.kind == "table" and s.table is not None


def check_passages(pages: list[Page], index, rows: list[Row], assignments: dict[int, Assignment],
                   projects: list[ProjectRecord], sections: Sections) -> list[Check | ParseIssue]:
    """Given a document's pages, its row index with the decided columns, its projects and
    its sections (extract.sections), return the checks and issues of its passages."""
    stream = _Stream(pages, sections)
    if not stream.text:
        return []
    item_checks, item_issues = _items(stream, index)
    return [*_share_checks(stream), *_implied(stream), *item_checks, *_reasons(stream), *item_issues,
            *_list_items(stream, index, rows, assignments), *_forms(stream, projects), *_part_lines(pages, sections)]
