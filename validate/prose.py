"""Figures restated in the prose, checked against the tables.

The 预算编制说明 and 其他相关情况说明 restate table figures in 万元, rounded to what they
print (50,868万元 stands for 508,684,395 元). Each figure pattern of domain/prose.toml
gives a `ProseFigure` record and an identity: the table cell must round to the printed
figure (|cell − figure| ≤ half a unit of its last printed digit). Like every identity it
also helps decide columns the text left open. A cell that is not in the document makes
the check `not_checked`. `A-B-C` paths (2025 documents) read like `A（类）B（款）C（项）`.

Besides the [[figure]] patterns (one per wording), prose.toml `[statements]` reads the
figures any province's 预算情况说明 prints as `<label>(为|是|：)?<amount>万元` with one
pattern and a list of label words (`本年收入预算合计`, `收入预算总计`, `公务接待费预算支出` …),
each with the cells it may restate in the layouts that print them. A figure keeps all its
candidate cells; the one checked is the first the document prints with its column. A
document that prints no table still gives its figures (its kind read from its words).
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources

from .. import domain
from ..domain import CHANGE_PATTERNS, COMPARISON, DOMAIN, FIGURES, TABLES, CellRef, Profile, TableSpec
from ..normalize.numbers import half_unit, parse_amount
from ..normalize.text import compact
from ..normalize.units import factor
from ..schemas.arrow import fits
from ..extract.sections import sections_of
from ..schemas.intermediate import Check, Identity, Page, Sections
from ..schemas.records import ProseFigure
from .identities import Index, _Missing, _resolve

UNIT = "万元"
_STATES_AMOUNT = re.compile(r"[0-9]\s*万\s*元")
"""Every figure pattern ends in an amount followed by 万元: a page without one (a table
page prints its unit without a figure before it) is not searched."""
_PATH = re.compile(r"(?P<name>[^（(]+)[（(](?P<level>类|款|项)[)）]")


@dataclass(frozen=True)
class _Spec:
    """One way prose states a figure: its regex, its label and the cells it may restate."""

    regex: re.Pattern[str]
    label: str
    """The figure's label (`{name}` filled from the match); empty for a statement, whose
    label is the label word it printed."""
    cells: tuple[CellRef, ...]
    words: tuple[str, ...] = ()
    line_breaks: bool = False
    """Read on the page's lines joined by line breaks (a label may start a line and may
    be cut by one), else on the lines joined end to end."""
    label_regex: re.Pattern[str] | None = None
    """A statement's label words alone: every match of `regex` holds one, so a page
    where this finds none is not searched (the full pattern, which may start anywhere,
    is slow to scan a page with)."""


def _word_regex(word: str) -> str:
    """A label word whose brackets, colons and quotes match either width (text layers
    mix them) and whose characters may be spaced out."""
    out = []
    for ch in word:
        if ch in "（(":
            out.append(r"[（(]")
        elif ch in "）)":
            out.append(r"[）)]")
        elif ch in "：:":
            out.append(r"[：:]")
        elif ch in "“”\"":
            out.append(r"[“”\"]?")
        else:
            out.append(re.escape(ch))
    return r"\s*".join(out)


def _load_statements() -> tuple[tuple[_Spec, ...], dict[str, re.Pattern[str]]]:
    """prose.toml `[statements]` / `[[statement]]`: one regex per statement, built from
    the shared pattern with that statement's label words (longest first)."""
    raw = tomllib.loads(resources.files(domain).joinpath("prose.toml").read_text("utf-8"))
    common = raw.get("statements")
    if not common:
        return (), {}
    joiners = "|".join(_word_regex(j) for j in sorted(common["joiners"], key=len, reverse=True))
    specs = []
    for st in raw.get("statement", ()):
        words = sorted(st["words"], key=len, reverse=True)
        pattern = (common["pattern"].replace("{before}", common["before"]).replace("{joiners}", joiners)
                   .replace("{labels}", "|".join(_word_regex(w) for w in words)))
        cells = st["cell"] if isinstance(st["cell"], list) else [st["cell"]]
        specs.append(_Spec(regex=re.compile(pattern), label="", cells=tuple(CellRef(**c) for c in cells),
                           words=tuple(words), line_breaks=True,
                           label_regex=re.compile("|".join(_word_regex(w) for w in words))))
    kinds = {kind: re.compile(p) for kind, p in common.get("kinds", {}).items()}
    return tuple(specs), kinds


_STATEMENTS, _KINDS = _load_statements()
_FIGURES = tuple(_Spec(regex=f.regex, label=f.label, cells=f.cells) for f in FIGURES)


def _word_of(spec: _Spec, printed: str) -> str:
    """The label word a statement printed, as its list spells it."""
    printed = compact(printed.replace("\n", ""))
    return next((w for w in spec.words if compact(w) == printed), printed)


def _kinds_of(pages: list[Page], tables: set[str], sections: Sections) -> set[str]:
    """The document's kinds: those of its tables, else the kind whose words its running
    text prints most (none when it prints none)."""
    if tables:
        return {TABLES[t].doc_type for t in tables if t in TABLES}
    text = compact("".join(line for page in pages for line in sections.texts(page)))
    counts = {kind: len(regex.findall(text)) for kind, regex in _KINDS.items()}
    best = max(counts.values(), default=0)
    return {kind for kind, n in counts.items() if n == best} if best else set()


def _fits(ref: CellRef, specs: dict[str, TableSpec]) -> bool:
    """True when a layout's table of the reference's key has its column (on its side)."""
    spec = specs.get(ref.table_key)
    if spec is None:
        return False
    if ref.side:
        return ref.side in spec.sides and ref.column in spec.sides[ref.side].columns
    return ref.column in spec.columns


def _layouts_of(profile: Profile | None) -> tuple[dict[str, TableSpec], ...]:
    """The table specs a figure's cell may fit: the document's profile, or when it is not
    known every profile's."""
    return (profile.tables,) if profile is not None else tuple(p.tables for p in DOMAIN.profiles.values())


def read_figures(pages: list[Page], doc_id: str, tables: set[str], profile: Profile | None = None,
                 sections: Sections | None = None) -> list[tuple[ProseFigure, tuple[CellRef, ...]]]:
    """Given pages, the tables the document prints, (best) its layout profile and its
    sections (extract.sections; cut here when not given), return every figure its prose
    sections print with the cells it may restate, in order of preference.

    Run it on every document, tables or not: a narrative-only document's figures are
    records too (its kind is read from its words; its cells are then not checked). One
    printed amount is one figure: where a [[figure]] pattern and a statement both read
    it, the first whose cells fit the document's layout gives the label, and the cells
    of all of them are kept in that order.
    """
    if sections is None:
        sections = sections_of(pages, profile)
    kinds = _kinds_of(pages, tables, sections)
    if not kinds:
        return []
    layouts = _layouts_of(profile)

    def usable(cell: CellRef) -> bool:
        return cell.table_key in TABLES and TABLES[cell.table_key].doc_type in kinds

    def fits_layout(cell: CellRef) -> bool:
        return any(_fits(cell, specs) for specs in layouts)

    out = []
    for page in pages:
        prose = sections.texts(page)
        text = "".join(prose)  # prose lines are cut at the margin, mid-sentence
        if not _STATES_AMOUNT.search(text):
            continue
        broken = "\n".join(prose)
        # Positions in `broken` → positions in `text` (one line break less per line before).
        starts = [0]
        for line in prose:
            starts.append(starts[-1] + len(line) + 1)

        def plain(pos: int) -> int:
            return pos - (bisect_right(starts, pos) - 1)

        found: dict[int, list[tuple[str, str, tuple[CellRef, ...], int, int]]] = {}
        for spec in (*_FIGURES, *_STATEMENTS):
            cells = tuple(c for c in spec.cells if usable(c))
            if not cells:
                continue  # the wording belongs to another kind of document
            at = plain if spec.line_breaks else (lambda pos: pos)
            searched = broken if spec.line_breaks else text
            if spec.label_regex is not None and not spec.label_regex.search(searched):
                continue  # no label word on this page (a cheap test before the full pattern)
            for m in spec.regex.finditer(searched):
                name = (m.groupdict().get("name") or "").strip()
                label = spec.label.replace("{name}", name) if spec.label else _word_of(spec, m.group("label"))
                named = tuple(c.model_copy(update={"row": c.row.replace("{name}", name)}) for c in cells)
                found.setdefault(at(m.start("amount")), []).append(
                    (label, m.group("amount"), named, at(m.start()), at(m.end())))
        for pos in sorted(found):
            readings = found[pos]
            best = next((r for r in readings if any(fits_layout(c) for c in r[2])), readings[0])
            label, raw, _, m_start, m_end = best
            try:
                amount = parse_amount(raw)
            except ValueError:
                continue
            if not fits(amount * factor(UNIT)):
                continue  # more digits than 元 can hold: not a figure yusuan can restate
            cells = tuple(dict.fromkeys(c for r in (best, *readings) for c in r[2]))
            # Cells that fit the layout first, each group in the order read.
            cells = tuple(c for c in cells if fits_layout(c)) + tuple(c for c in cells if not fits_layout(c))
            start = text.rfind("。", 0, m_start) + 1
            end = text.find("。", m_end)
            sentence = text[start:end + 1 if end >= 0 else len(text)].strip()
            out.append((ProseFigure(doc_id=doc_id, page=page.number, label=label, amount=amount * factor(UNIT),
                                    raw=raw, unit=UNIT, sentence=sentence), cells))
    return out


def _path_parts(text: str) -> list[tuple[str | None, str]]:
    """`A（类）B（款）C（项）` → [(类, A), (款, B), (项, C)]; `A-B-C` → [(None, A), …]
    (names compacted)."""
    marked = [(m.group("level"), compact(m.group("name"))) for m in _PATH.finditer(text)]
    return marked or [(None, compact(x)) for x in re.split(r"\s*[-－—]\s*", text) if x.strip()]


def _path_names(text: str) -> list[str]:
    """`A（类）B（款）C（项）` or `A-B-C` → [A, B, C] (compacted)."""
    return [name for _, name in _path_parts(text)]


class _Unnamed(_Missing):
    """The prose names a row (类, 款 or 项) its table does not print under that parent."""

    def __init__(self, name: str, table: str, parent: str | None, printed: list[str]):
        where = f"under {parent}" if parent else "at its level"
        super().__init__(f"no row {name} {where} in {table}")
        self.name, self.table, self.parent, self.printed = name, table, parent, printed


SHOWN_ROWS = 6
"""Rows a prose_row_name finding lists of what the table prints there."""


def _row_for(ref: CellRef, index: Index) -> str:
    """Translate class:/path: rows into codes; other rows pass through. A path may start
    at its 款 (`政协事务（款）行政运行（项）`, the 类 being the heading above it): the one 款
    of that name in the table."""
    table = ref.table_key
    if not ref.row.startswith(("class:", "path:")):
        return ref.row
    parts = _path_parts(ref.row.split(":", 1)[1])
    rows = index.by_code.get(table, {})
    if parts[0][0] == "款":
        name = parts[0][1]
        found = [c for c, r in rows.items() if r.source.level == 2 and compact(r.source.name) == name]
        if not found:
            raise _Unnamed(name, table, None, [compact(r.source.name) for r in rows.values() if r.source.level == 2])
        if len(found) != 1:
            raise _Missing(f"{len(found)} 款 named {name} in {table}")
        code, rest = found[0], [n for _, n in parts[1:2]]
    else:
        names = [n for _, n in parts]
        code = index.classes.get(table, {}).get(names[0])
        if code is None:
            raise _Unnamed(names[0], table, None, list(index.classes.get(table, {})))
        rest = names[1:3]
    for name in rest:
        kids = [c for c, r in rows.items() if r.source.parent_code == code and compact(r.source.name) == name]
        if not kids:
            raise _Unnamed(name, table, code, [compact(r.source.name) for r in rows.values()
                                               if r.source.parent_code == code])
        if len(kids) != 1:
            raise _Missing(f"no row {name} under {code} in {table}")
        code = kids[0]
    return code


def _printed(ref: CellRef, index: Index) -> bool:
    layout = index.layouts.get(ref.table_key)
    return layout is not None and ref.column in layout.columns.get(ref.side, ())


def _choose(cells: tuple[CellRef, ...], index: Index) -> CellRef:
    """The cell a figure is checked against: the first printed with its column, else the
    first the document's layout has, else the first."""
    specs = getattr(index, "tables", TABLES)
    return (next((c for c in cells if _printed(c, index)), None)
            or next((c for c in cells if _fits(c, specs)), None)
            or cells[0])


def figure_identities(figures: list[tuple[ProseFigure, CellRef | tuple[CellRef, ...]]],
                      index: Index) -> tuple[list[Identity], list[Check]]:
    """Given prose figures with the cells they may restate, return an identity per figure
    whose cell is in the document (cell = figure, to the figure's printed precision) and
    `not_checked` for the others (no such table, column or row: another layout family's
    table of that key, or wording that names no printed row)."""
    identities, checks = [], []
    if not index.layouts:
        return identities, checks  # a narrative-only document: its figures are records, nothing to check
    for fig, cells in figures:
        cells = (cells,) if isinstance(cells, CellRef) else tuple(cells)
        if not cells:
            continue  # a figure no table restates: a record, nothing to check
        ref = _choose(cells, index)
        label = f"prose p.{fig.page} {fig.label} {fig.raw}{fig.unit} = {ref.table_key}[{ref.row}].{ref.column}"
        try:
            if ref.table_key not in index.layouts:
                raise _Missing(f"table {ref.table_key} not in the document")
            if ref.column not in index.layouts[ref.table_key].columns.get(ref.side, ()):
                # Another layout family's table of that key (a list of funding sources
                # where the figure names a coded table's 合计 column): nothing to compare.
                raise _Missing(f"{ref.table_key} prints no column {ref.column}")
            row = _row_for(ref, index)
            terms = _resolve(ref, index, row)
            if not terms and index.layouts[ref.table_key].rows and fig.amount != 0:
                # The table prints no such row (an item of another template): a figure
                # the table does not state is not contradicted by it.
                raise _Missing(f"{ref.table_key} prints no row {row}")
        except _Missing as missing:
            checks.append(Check(rule="prose_vs_table", status="not_checked", table=ref.table_key, code=fig.label,
                                column=ref.column, page=fig.page, label=f"{label}: {missing}"))
            if isinstance(missing, _Unnamed) and fig.amount != 0:
                # A name the table does not print is a slip of the prose (another year's
                # or another 款's name): a warning, its figure not checked.
                shown = "、".join(missing.printed[:SHOWN_ROWS]) + ("…" if len(missing.printed) > SHOWN_ROWS else "")
                checks.append(Check(
                    rule="prose_row_name", status="fail", severity="warning", table=ref.table_key, code=fig.label,
                    column=None, page=fig.page, label=f"prose p.{fig.page} {fig.label} {fig.raw}{fig.unit}",
                    fields=(("name", missing.name), ("parent", missing.parent or "its level"),
                            ("hint", f"; it prints {shown} there" if shown else ""))))
            continue
        half = factor(UNIT) * half_unit(fig.raw)
        # A table that prints no amount has no rounding step of its own.
        step = index.precision(ref.table_key) if index.layouts[ref.table_key].rows else Decimal(0)
        # The figure holds within half its last printed digit. A table printed to the
        # same digit may itself sit one rounding step from another table the prose
        # copied (决算: 236.63 in the summary, 236.64 in the coded table): within one
        # unit of the table's precision more, a `rounding` warning; beyond, an error.
        layout = index.layouts[ref.table_key]
        # A table printed without any amount against a figure that is not 0: the blank
        # table is where the reader sees the contradiction.
        page = layout.pages[0] if not layout.rows and fig.amount != 0 and layout.pages else fig.page
        identities.append(Identity(rule="prose_vs_table", table=ref.table_key, code=fig.label, column=ref.column,
                                   page=page, left=tuple(terms), right=(), constant=fig.amount,
                                   tolerance=half + step, slack=half, rounded=True,
                                   label=label))
    return identities, checks


_QUOTED = re.compile(r"“([^”]+)”")
_DOWN = ("减少", "下降")


def check_changes(pages: list[Page], sections: Sections | None = None) -> list[Check]:
    """Year-on-year changes in the prose (its sections, extract.sections; cut here when
    not given): the printed % must agree with the two printed amounts, each taken to its
    printed precision (an interval test, exact in Decimal)."""
    sections = sections or sections_of(pages)
    checks = []
    for page in pages:
        text = "".join(sections.texts(page))
        for pattern in CHANGE_PATTERNS:
            for m in pattern.finditer(text):
                quoted = _QUOTED.findall(text[:m.start()])
                where = quoted[-1] if quoted else f"{m.group('year')}年"
                try:
                    prev, cur = parse_amount(m.group("prev")), parse_amount(m.group("cur"))
                except ValueError:
                    continue  # a malformed figure is no claim to check
                hp, hc = half_unit(m.group("prev")), half_unit(m.group("cur"))
                label = f"prose p.{page.number} {where}: {m.group(0)}"
                if prev - hp <= 0:
                    checks.append(Check(rule="prose_change", status="not_checked", table=None, code=where,
                                        column=None, page=page.number,
                                        label=f"{label}: last year's amount is 0, no percentage is defined"))
                    continue
                low = (cur - hc) / (prev + hp) * 100 - 100
                high = (cur + hc) / (prev - hp) * 100 - 100
                if m.group("flat"):
                    printed, half = Decimal(0), Decimal(0)
                else:
                    printed = parse_amount(m.group("pct")) * (-1 if m.group("dir") in _DOWN else 1)
                    half = half_unit(m.group("pct"))
                ok = printed + half >= low and printed - half <= high
                exact = (cur / prev * 100 - 100).quantize(Decimal("0.01"))
                # An error: a percentage contradicts its two printed amounts (the severity policy).
                checks.append(Check(rule="prose_change", status="pass" if ok else "fail", severity="error",
                                    table=None, code=where,
                                    column="%", page=page.number, expected=exact, actual=printed, label=label))
    return checks


def check_comparisons(pages: list[Page], sections: Sections | None = None) -> list[Check]:
    """Words of the prose (its sections, extract.sections; cut here when not given)
    comparing a final amount with its budget (决算数大于/小于/等于预算数, 基本持平) must
    agree with the two printed amounts, each to its printed precision. A warning: the
    prose contradicts itself, the tables are untouched."""
    spec = COMPARISON
    if spec is None:
        return []
    sections = sections or sections_of(pages)
    checks = []
    for page in pages:
        text = "".join(sections.texts(page))
        for m in spec.regex.finditer(text):
            try:
                budget, final = parse_amount(m.group("budget")), parse_amount(m.group("final"))
            except ValueError:
                continue
            slack = half_unit(m.group("budget")) + half_unit(m.group("final"))
            word = m.group("word")
            if word in spec.greater:
                ok = final - budget > -slack
            elif word in spec.less:
                ok = budget - final > -slack
            elif word in spec.equal:
                ok = abs(final - budget) <= slack
            else:
                ok = abs(final - budget) <= slack + spec.flat_share * budget
            quoted = _QUOTED.findall(text[:m.start()])
            where = _ITEM_BEFORE.findall(text[:m.start()])
            checks.append(Check(
                rule="prose_comparison", status="pass" if ok else "fail", severity="warning", table=None,
                code=where[-1] if where else (quoted[-1] if quoted else None), column=None, page=page.number,
                expected=budget, actual=final,
                label=f"prose p.{page.number}: {m.group(0)}: the final amount {final}万元 is not "
                      f"{word.replace('与预算数', '')} the budget {budget}万元" if not ok else f"prose p.{page.number}: {m.group(0)}"))
    return checks


_ITEM_BEFORE = re.compile(r"[^。；;，,：:\d、]+[（(]项[)）]")
