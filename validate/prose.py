"""Figures restated in the prose, checked against the tables.

The 预算编制说明 and 其他相关情况说明 restate table figures in 万元, rounded to what they
print (50,868万元 stands for 508,684,395 元). Each figure pattern of domain/prose.toml
gives a `ProseFigure` record and an identity: the table cell must round to the printed
figure (|cell − figure| ≤ half a unit of its last printed digit). Like every identity it
also helps decide columns the text left open. A cell that is not in the document makes
the check `not_checked`. `A-B-C` paths (2025 documents) read like `A（类）B（款）C（项）`.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..domain import CHANGE_PATTERNS, COMPARISON, FIGURES, TABLES, CellRef
from ..normalize.numbers import half_unit, parse_amount
from ..normalize.text import compact
from ..normalize.units import factor
from ..schemas.arrow import fits
from ..schemas.intermediate import Check, Identity, Page
from ..schemas.records import ProseFigure
from .identities import Index, _Missing, _resolve

UNIT = "万元"
_PATH = re.compile(r"(?P<name>[^（(]+)[（(](?P<level>类|款|项)[)）]")


def _cell_for(spec, tables: set[str]) -> CellRef | None:
    """The figure's cell in a document printing `tables`: the first alternative whose
    table is printed, else the first of the document's kind (then not checked), else
    None (the wording belongs to another kind of document)."""
    kinds = {TABLES[t].doc_type for t in tables}
    return (next((c for c in spec.cells if c.table_key in tables), None)
            or next((c for c in spec.cells if TABLES[c.table_key].doc_type in kinds), None))


def read_figures(pages: list[Page], doc_id: str, tables: set[str]) -> list[tuple[ProseFigure, CellRef]]:
    """Given pages and the tables the document prints, return every prose figure with the
    cell it restates."""
    out = []
    specs = [(spec, ref) for spec in FIGURES if (ref := _cell_for(spec, tables)) is not None]
    for page in pages:
        text = "".join(page.lines)  # prose lines are cut at the margin, mid-sentence
        for spec, ref in specs:
            for m in spec.regex.finditer(text):
                name = m.groupdict().get("name") or ""
                raw = m.group("amount")
                try:
                    amount = parse_amount(raw)
                except ValueError:
                    continue
                if not fits(amount * factor(UNIT)):
                    continue  # more digits than 元 can hold: not a figure yusuan can restate
                start = text.rfind("。", 0, m.start()) + 1
                end = text.find("。", m.end())
                sentence = text[start:end + 1 if end >= 0 else len(text)].strip()
                cell = ref.model_copy(update={"row": ref.row.replace("{name}", name)})
                out.append((ProseFigure(doc_id=doc_id, page=page.number, label=spec.label.replace("{name}", name),
                                        amount=amount * factor(UNIT), raw=raw, unit=UNIT, sentence=sentence), cell))
    return out


def _path_names(text: str) -> list[str]:
    """`A（类）B（款）C（项）` or `A-B-C` → [A, B, C] (compacted)."""
    marked = [compact(m.group("name")) for m in _PATH.finditer(text)]
    return marked or [compact(x) for x in re.split(r"\s*[-－—]\s*", text) if x.strip()]


def _row_for(ref: CellRef, index: Index) -> str:
    """Translate class:/path: rows into codes; other rows pass through."""
    table = ref.table_key
    if not ref.row.startswith(("class:", "path:")):
        return ref.row
    names = _path_names(ref.row.split(":", 1)[1])
    code = index.classes.get(table, {}).get(names[0])
    if code is None:
        raise _Missing(f"no 类 {names[0]} in {table}")
    for name in names[1:3]:
        kids = [c for c, r in index.by_code.get(table, {}).items()
                if r.source.parent_code == code and compact(r.source.name) == name]
        if len(kids) != 1:
            raise _Missing(f"no row {name} under {code} in {table}")
        code = kids[0]
    return code


def figure_identities(figures: list[tuple[ProseFigure, CellRef]], index: Index) -> tuple[list[Identity], list[Check]]:
    """Given prose figures, return an identity per figure whose cell is in the document
    (cell = figure, to the figure's printed precision) and `not_checked` for the others."""
    identities, checks = [], []
    for fig, ref in figures:
        label = f"prose p.{fig.page} {fig.label} {fig.raw}{fig.unit} = {ref.table_key}[{ref.row}].{ref.column}"
        try:
            if ref.table_key not in index.layouts:
                raise _Missing(f"table {ref.table_key} not in the document")
            if ref.column not in index.layouts[ref.table_key].columns.get(ref.side, ()):
                # Another layout family's table of that key (a list of funding sources
                # where the figure names a coded table's 合计 column): nothing to compare.
                raise _Missing(f"{ref.table_key} prints no column {ref.column}")
            terms = _resolve(ref, index, _row_for(ref, index))
        except _Missing as missing:
            checks.append(Check(rule="prose_vs_table", status="not_checked", table=ref.table_key, code=fig.label,
                                column=ref.column, page=fig.page, label=f"{label}: {missing}"))
            continue
        half = factor(UNIT) * half_unit(fig.raw)
        # A table that prints no amount has no rounding step of its own.
        step = index.precision(ref.table_key) if index.layouts[ref.table_key].rows else Decimal(0)
        # The figure holds within half its last printed digit. A table printed to the
        # same digit may itself sit one rounding step from another table the prose
        # copied (决算: 236.63 in the summary, 236.64 in the coded table): within one
        # unit of the table's precision more, a `rounding` warning; beyond, an error.
        identities.append(Identity(rule="prose_vs_table", table=ref.table_key, code=fig.label, column=ref.column,
                                   page=fig.page, left=tuple(terms), right=(), constant=fig.amount,
                                   tolerance=half + step, slack=half, rounded=True,
                                   label=label))
    return identities, checks


_QUOTED = re.compile(r"“([^”]+)”")
_DOWN = ("减少", "下降")


def check_changes(pages: list[Page]) -> list[Check]:
    """Year-on-year changes in the prose: the printed % must agree with the two printed
    amounts, each taken to its printed precision (an interval test, exact in Decimal)."""
    checks = []
    for page in pages:
        text = "".join(page.lines)
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
                # A warning, not an error: the prose contradicts itself, the tables are untouched.
                checks.append(Check(rule="prose_change", status="pass" if ok else "fail", severity="warning",
                                    table=None, code=where,
                                    column="%", page=page.number, expected=exact, actual=printed, label=label))
    return checks


def check_comparisons(pages: list[Page]) -> list[Check]:
    """Words comparing a final amount with its budget (决算数大于/小于/等于预算数, 基本持平)
    must agree with the two printed amounts, each to its printed precision. A warning:
    the prose contradicts itself, the tables are untouched."""
    spec = COMPARISON
    if spec is None:
        return []
    checks = []
    for page in pages:
        text = "".join(page.lines)
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
