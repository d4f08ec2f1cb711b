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

from ..domain import CHANGE_PATTERNS, FIGURES, CellRef
from ..normalize.numbers import half_unit, parse_amount
from ..normalize.text import compact
from ..normalize.units import factor
from ..schemas.arrow import fits
from ..schemas.intermediate import Check, Identity, Page
from ..schemas.records import ProseFigure
from .identities import Index, _Missing, _resolve

UNIT = "万元"
_PATH = re.compile(r"(?P<name>[^（(]+)[（(](?P<level>类|款|项)[)）]")


def read_figures(pages: list[Page], doc_id: str) -> list[tuple[ProseFigure, CellRef]]:
    """Given pages, return every prose figure with the cell it restates."""
    out = []
    for page in pages:
        text = "".join(page.lines)  # prose lines are cut at the margin, mid-sentence
        for spec in FIGURES:
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
                cell = spec.cell.model_copy(update={"row": spec.cell.row.replace("{name}", name)})
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
            terms = _resolve(ref, index, _row_for(ref, index))
        except _Missing as missing:
            checks.append(Check(rule="prose_vs_table", status="not_checked", table=ref.table_key, code=fig.label,
                                column=ref.column, page=fig.page, label=f"{label}: {missing}"))
            continue
        half = factor(UNIT) * half_unit(fig.raw)
        identities.append(Identity(rule="prose_vs_table", table=ref.table_key, code=fig.label, column=ref.column,
                                   page=fig.page, left=tuple(terms), right=(), constant=fig.amount,
                                   tolerance=half, rounded=True, label=label))
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
