"""The 决算's own execution sentences: `…年初预算为A万元，支出决算为B万元，完成年初预算的x%…`.

A final-accounts document explains, per 类/款/项 and for its totals, the 年初预算 it started
the year with, what it spent and often the completion rate. Each such sentence becomes a
prose figure with `budget_amount` (A), `final_amount` (B), `rate` (x, when printed) and the
`code` its 类（类）款（款）项（项） path names in the document's own coded table. Two checks
per sentence (warnings: the prose contradicts itself, the tables are untouched):

- `final_prose_rate`: the printed x against B/A, each figure taken to its printed precision;
- `final_prose_comparison`: words after the figures (超过/未完成 年初预算, 比年初预算增加/减少)
  against A and B.

Patterns are data: domain/final_prose.toml.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

from .. import domain
from ..normalize.numbers import half_unit, parse_amount
from ..normalize.text import compact
from ..normalize.units import factor
from ..schemas.arrow import fits
from ..extract.sections import sections_of
from ..schemas.intermediate import Check, Page, Sections
from ..schemas.records import BudgetLine, ProseFigure
from .prose import _path_parts

UNIT = "万元"


@dataclass(frozen=True)
class _Spec:
    figures: re.Pattern[str]
    path: re.Pattern[str]
    label_start: re.Pattern[str]
    label_max: int
    words: re.Pattern[str]
    greater: frozenset[str]
    less: frozenset[str]
    clause_end: re.Pattern[str]
    sentences: int


def _load() -> _Spec:
    raw = tomllib.loads(resources.files(domain).joinpath("final_prose.toml").read_text("utf-8"))["execution"]
    number = raw["number"]
    words = raw["words"]
    return _Spec(figures=re.compile(raw["figures"].replace("{number}", number)), path=re.compile(raw["path"]),
                 label_start=re.compile(raw["label_start"]), label_max=int(raw["label_max"]),
                 words=re.compile(words["pattern"]), greater=frozenset(words["greater"]),
                 less=frozenset(words["less"]), clause_end=re.compile(words["clause_end"]),
                 sentences=int(words["sentences"]))


SPEC = _load()


@dataclass(frozen=True)
class Execution:
    """One execution sentence as read: where, what it names, its three printed figures."""

    page: int
    label: str
    path: bool
    """True when the label is a 类/款/项 path (a code may be resolved), False for a total."""
    budget_raw: str
    final_raw: str
    rate_raw: str | None
    sentence: str
    words: tuple[str, ...]
    """Comparison words printed after the figures."""


def read_executions(pages: list[Page], sections: Sections | None = None) -> list[Execution]:
    """Given a document's pages and its sections (extract.sections; cut here when not
    given), return every execution sentence its prose prints, in order.

    The prose of the pages is read as one text (an item may begin on one page and end on
    the next); a figure's page is the page its 支出决算 amount is printed on."""
    sections = sections or sections_of(pages)
    texts, starts, numbers = [], [0], []
    for page in pages:
        text = "".join(sections.texts(page))  # prose lines are cut at the margin, mid-sentence
        texts.append(text)
        starts.append(starts[-1] + len(text))
        numbers.append(page.number)
    text = "".join(texts)
    matches = list(SPEC.figures.finditer(text))
    out = []
    for i, m in enumerate(matches):
        before = text[matches[i - 1].end() if i else 0:m.start()]
        cut = [s.end() for s in SPEC.label_start.finditer(before)]
        label = before[cut[-1] if cut else 0:].strip()
        path = None
        if not label or len(label) > SPEC.label_max:
            paths = list(SPEC.path.finditer(before))
            path = paths[-1].group("path").strip() if paths else None
            label = path or ""
        elif SPEC.path.fullmatch(label):
            path = label
        if not label:
            continue  # figures of nothing the sentence names
        label = re.sub(r"^\s*(?:\d+[、.．]|[（(][一二三四五六七八九十]+[)）])\s*", "", label)
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        page = numbers[bisect_right(starts, m.start("final")) - 1]
        sentence_start = max(text.rfind("。", 0, m.start()) + 1, m.start() - len(before))
        sentence = text[sentence_start:text.find("。", m.end() - 1) + 1 or m.end()].strip()
        out.append(Execution(page=page, label=label, path=path is not None, budget_raw=m.group("budget"),
                             final_raw=m.group("final"), rate_raw=m.group("rate"), sentence=sentence,
                             words=_words(text[m.end():end])))
    return out


def _words(after: str) -> tuple[str, ...]:
    """The comparison words printed after the figures, before the reason or the end of the
    next sentence."""
    stop = SPEC.clause_end.search(after)
    clause = after[:stop.start()] if stop else after
    ends = [i for i, ch in enumerate(clause) if ch in "。；;"]
    if len(ends) >= SPEC.sentences:
        clause = clause[:ends[SPEC.sentences - 1]]
    return tuple(m.group("w1") or m.group("w2") for m in SPEC.words.finditer(clause))


class CodeNames:
    """A document's budget lines by level and compacted name (built once per document:
    a 决算 has an execution sentence per 项, and each is resolved against every code)."""

    def __init__(self, lines: list[BudgetLine]):
        seen: set[str] = set()
        self.named: dict[tuple[int, str], list[str]] = {}
        for line in lines:
            if line.code and line.code not in seen:
                seen.add(line.code)  # a code's first line names it (the others repeat it per column)
                self.named.setdefault((line.level, compact(line.name)), []).append(line.code)

    def under(self, parent: str | None, level: int, name: str) -> set[str]:
        """The codes of `level` printed as `name` below `parent` (anywhere when None)."""
        return {c for c in self.named.get((level, name), ())
                if parent is None or c.startswith(parent) and c != parent}


def resolve_code(label: str, names: CodeNames) -> tuple[str | None, int | None]:
    """Given a `A（类）B（款）C（项）` path and the document's budget lines by name
    (`CodeNames`), return the code and level it names, or (None, None) when a part is not
    printed there or is ambiguous. A 款 the prose misnames (住房保障支出（款） for 住房改革支出)
    is passed over when the 项's name is printed once under the 类."""
    parts = [name for _, name in _path_parts(label)][:3]
    code = None
    for level, name in enumerate(parts, start=1):
        found = names.under(code, level, name)
        if len(found) != 1 and level == 2 and len(parts) == 3:
            found = names.under(code, 3, parts[2])
            if len(found) == 1:
                return found.pop(), 3
        if len(found) != 1:
            return None, None
        code = found.pop()
    return (code, len(parts)) if code else (None, None)


def _amount(raw: str) -> Decimal | None:
    try:
        value = parse_amount(raw) * factor(UNIT)
    except ValueError:
        return None
    return value if fits(value) else None


def _rate_check(ex: Execution) -> Check | None:
    """The printed rate x against B/A: x must lie in the interval the two amounts give
    when each is taken to its printed precision (exact, in Decimal)."""
    if ex.rate_raw is None:
        return None
    try:
        budget, final, rate = parse_amount(ex.budget_raw), parse_amount(ex.final_raw), parse_amount(ex.rate_raw)
    except ValueError:
        return None
    hb, hf, hr = half_unit(ex.budget_raw), half_unit(ex.final_raw), half_unit(ex.rate_raw)
    label = f"prose p.{ex.page} {ex.label}: 年初预算{ex.budget_raw}万元, 支出决算{ex.final_raw}万元, 完成{ex.rate_raw}%"
    if budget - hb <= 0:
        return Check(rule="final_prose_rate", status="not_checked", severity="warning", table=None, code=ex.label,
                     column="%", page=ex.page, label=f"{label}: nothing was budgeted, no rate is defined")
    low = max(final - hf, Decimal(0)) / (budget + hb) * 100
    high = (final + hf) / (budget - hb) * 100
    # Rounded (x ± half its last digit) or truncated (x to x + one digit): both are
    # how documents print a rate; only beyond both is it contradicted.
    ok = rate - hr <= high and rate + 2 * hr > low
    computed = (final / budget * 100).quantize(Decimal("0.01"))
    if not ok:
        label += f": the two amounts give {computed}%"
    return Check(rule="final_prose_rate", status="pass" if ok else "fail", severity="warning", table=None,
                 code=ex.label, column="%", page=ex.page, expected=computed, actual=rate, label=label)


def _word_checks(ex: Execution) -> list[Check]:
    """Each comparison word against the two amounts, to their printed precision."""
    try:
        budget, final = parse_amount(ex.budget_raw), parse_amount(ex.final_raw)
    except ValueError:
        return []
    slack = half_unit(ex.budget_raw) + half_unit(ex.final_raw)
    out = []
    for word in ex.words:
        # Above (below) the budget, within the two figures' printed precision.
        if word in SPEC.greater:
            ok = final + slack > budget
        elif word in SPEC.less:
            ok = budget + slack > final
        else:
            continue
        label = (f"prose p.{ex.page} {ex.label}: 年初预算{ex.budget_raw}万元, 支出决算{ex.final_raw}万元, "
                 f"then `{word}`")
        if not ok:
            label += f": the final amount is {'not above' if word in SPEC.greater else 'not below'} the budget"
        out.append(Check(rule="final_prose_comparison", status="pass" if ok else "fail", severity="warning",
                         table=None, code=ex.label, column=None, page=ex.page, expected=budget * factor(UNIT),
                         actual=final * factor(UNIT), label=label))
    return out


def execution_figures(pages: list[Page], doc_id: str, figures: list[ProseFigure], lines: list[BudgetLine],
                      sections: Sections | None = None) -> tuple[list[ProseFigure], list[Check]]:
    """Given a document's pages, its prose figures, its budget lines and its sections
    (extract.sections; cut here when not given), return the prose figures with each
    execution sentence's (in the prose sections) budget_amount, final_amount, rate and code
    (the figure that already restates its 支出决算 is completed, else a figure is added),
    and the checks of its rates and comparison words."""
    out = list(figures)
    checks: list[Check] = []
    names = CodeNames(lines)
    # The figures prose.py read that an execution sentence may complete, by where and what
    # they print (looked up, not searched: a 决算 has a sentence per 项).
    open_figures: dict[tuple[int, Decimal, str], list[int]] = {}
    for i, f in enumerate(out):
        if f.budget_amount is None:
            open_figures.setdefault((f.page, f.amount, f.raw), []).append(i)
    for ex in read_executions(pages, sections):
        budget, final = _amount(ex.budget_raw), _amount(ex.final_raw)
        if budget is None or final is None:
            continue
        code = resolve_code(ex.label, names)[0] if ex.path else None
        rate = None
        if ex.rate_raw is not None:
            try:
                rate = parse_amount(ex.rate_raw)
            except ValueError:
                rate = None
            if rate is not None and not fits(rate, 4):
                rate = None
        update = {"budget_amount": budget, "final_amount": final, "rate": rate, "code": code}
        # The figure prose.py already read from this sentence (its 支出决算 amount), if any.
        candidates = open_figures.get((ex.page, final, ex.final_raw), [])
        said = compact(f"年初预算为{ex.budget_raw}")
        same = next((i for i in candidates if said in compact(out[i].sentence)), None)
        if same is not None:
            candidates.remove(same)  # completed: it has its budget_amount now
            out[same] = out[same].model_copy(update=update)
        else:
            out.append(ProseFigure(doc_id=doc_id, page=ex.page, label=ex.label, amount=final, raw=ex.final_raw,
                                   unit=UNIT, sentence=ex.sentence, **update))
        rate_check = _rate_check(ex)
        checks += ([rate_check] if rate_check else []) + _word_checks(ex)
    return out, checks
