"""Cells read by OCR: their provenance on the records, and the identities as the check
on what OCR read.

- `ocr_cells(pages)`: the OCR words of a document by page and cell box, with their
  per-character confidence.
- `mark_read_by(records, cells)`: records on OCR pages say `read_by = "ocr"` and their
  cell's least confidence.
- `check_ocr_readings(...)`: a cell read by OCR every one of whose identities fails is
  named (`ocr_reading`); where exactly one alternative reading of one low-confidence
  digit (domain/ocr.toml: 8/3, 1/7, 0/6/8, 5/6, a dropped decimal point) makes every
  identity of the cell hold, the finding gives that reading. A low-confidence OCR cell
  no identity checks is named too (`ocr_unchecked`). Records keep what OCR read.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from ..normalize.numbers import parse_amount
from ..schemas.intermediate import Assignment, Identity, Page, Row, TableLayout
from ..schemas.records import Finding, Record, box_fields
from ..domain import RULES
from .catalogue import message as rule_message
from .checks import evaluate

BoxKey = tuple[int, Decimal | None, Decimal | None, Decimal | None, Decimal | None]
"""(page, x0, y0, x1, y1) as the records hold a cell's box."""


@dataclass(frozen=True)
class OcrSpec:
    low_confidence: float
    least: int
    confusions: tuple[str, ...]
    dropped_point: bool

    def alternatives(self, digit: str) -> tuple[str, ...]:
        """The digits OCR may have taken `digit` for (domain/ocr.toml), in order."""
        out = []
        for group in self.confusions:
            if digit in group:
                out += [d for d in group if d != digit and d not in out]
        return tuple(out)


@lru_cache(maxsize=1)
def spec() -> OcrSpec:
    """The OCR knowledge of domain/ocr.toml."""
    raw = tomllib.loads(resources.files("yusuan.domain").joinpath("ocr.toml").read_text("utf-8"))
    return OcrSpec(low_confidence=raw["low_confidence"], least=raw["least"], confusions=tuple(raw["confusions"]),
                   dropped_point=raw["dropped_point"])


@dataclass(frozen=True)
class OcrCell:
    """What OCR read in one cell: its text and each character's confidence."""

    text: str
    confidence: tuple[float, ...]

    @property
    def least(self) -> float:
        return min(self.confidence, default=0.0)


def _key(page: int, box) -> BoxKey:
    b = box_fields(box)
    return (page, b["x0"], b["y0"], b["x1"], b["y1"])


def ocr_cells(pages: list[Page]) -> dict[BoxKey, OcrCell]:
    """Given a document's pages, return what OCR read per cell box (the words of one
    ruled cell joined), for the pages read by OCR; empty for a text document."""
    out: dict[BoxKey, OcrCell] = {}
    for page in pages:
        if page.read_by != "ocr":
            continue
        for line in page.words:
            for w in line:
                if w.box is None:
                    continue
                key = _key(page.number, w.box)
                scores = w.confidence or (0.0,) * len(w.text)
                got = out.get(key)
                out[key] = OcrCell(w.text, scores) if got is None else OcrCell(
                    got.text + w.text, got.confidence + scores)
    return out


def ocr_page_numbers(pages: list[Page]) -> frozenset[int]:
    """The numbers of the pages read by OCR."""
    return frozenset(p.number for p in pages if p.read_by == "ocr")


def mark_read_by(records: list[Record], cells: dict[BoxKey, OcrCell], ocr_pages: frozenset[int]) -> list[Record]:
    """Given records with a page and a cell box, return them with `read_by = "ocr"` and
    the cell's least confidence (4 decimals) where their page was read by OCR."""
    if not ocr_pages:
        return records
    out = []
    for r in records:
        if r.page not in ocr_pages:
            out.append(r)
            continue
        cell = cells.get((r.page, r.x0, r.y0, r.x1, r.y1))
        confidence = None if cell is None else Decimal(repr(cell.least)).quantize(Decimal("0.0001"))
        out.append(r.model_copy(update={"read_by": "ocr", "confidence": confidence}))
    return out


@dataclass(frozen=True)
class _Cell:
    row: Row
    token: int
    column: str
    read: OcrCell


def _readings(cell: _Cell, decimals: int, ocr: OcrSpec) -> list[tuple[str, str]]:
    """Alternative texts of a cell, each with what it changes: one low-confidence digit
    swapped for a digit OCR confuses it with, or a dropped decimal point put back."""
    raw = cell.row.source.tokens[cell.token].raw
    scores = cell.read.confidence if len(cell.read.confidence) == len(raw) else (cell.read.least,) * len(raw)
    digits = [i for i, ch in enumerate(raw) if ch.isdigit()]
    low = [i for i in digits if scores[i] < ocr.low_confidence]
    if not low:
        low = sorted(digits, key=lambda i: scores[i])[:ocr.least]
    out = []
    for i in sorted(low):
        for alt in ocr.alternatives(raw[i]):
            out.append((raw[:i] + alt + raw[i + 1:], f"{alt} for the {raw[i]} at character {i + 1}"))
    if ocr.dropped_point and decimals > 0 and "." not in raw and len([c for c in raw if c.isdigit()]) > decimals:
        body = raw.replace(",", "")
        out.append((body[:-decimals] + "." + body[-decimals:], f"a decimal point before the last {decimals} digits"))
    return out


def check_ocr_readings(doc_id: str, rows: list[Row], identities: list[Identity], assignments: dict[int, Assignment],
                       layouts: dict[str, TableLayout], cells: dict[BoxKey, OcrCell]) -> list[Finding]:
    """Given the document's rows, identities and decided columns, its tables' layouts and
    what OCR read per cell box, return the findings on cells read by OCR (see the module
    docstring). Empty when no cell was read by OCR."""
    if not cells:
        return []
    ocr = spec()
    by_cell: dict[tuple[int, str], _Cell] = {}
    for row in rows:
        for i, (column, token) in enumerate(zip(assignments.get(row.id, ()), row.source.tokens)):
            if token.box is None or row.values[i] is None:
                continue
            read = cells.get(_key(row.source.page, token.box))
            if read is not None:
                by_cell[(row.id, column)] = _Cell(row, i, column, read)
    if not by_cell:
        return []
    involved: dict[tuple[int, str], list[int]] = {}
    for k, idt in enumerate(identities):
        for t in (*idt.left, *idt.right):
            if (t.row, t.column) in by_cell:
                involved.setdefault((t.row, t.column), []).append(k)
    checks = evaluate(identities, rows, assignments)
    out = []
    suspects: dict[tuple[int, str], list[int]] = {}
    for key, cell in by_cell.items():
        ks = sorted(set(involved.get(key, ())))
        if not ks:
            if cell.read.least < ocr.low_confidence:
                out.append(Finding(rule="ocr_unchecked", severity=RULES["ocr_unchecked"].severity, expected=None,
                                   message=rule_message("ocr_unchecked", where=_where(cell)), **_base(doc_id, cell)))
            continue
        failed = [k for k in ks if checks[k].status == "fail"]
        # An equality that holds confirms the cell; an inequality that holds does not (a
        # digit misread upwards still passes `≥`).
        if failed and not any(checks[k].status != "fail" and identities[k].relation == "eq" for k in ks):
            suspects[key] = ks
    readings = {key: _holding(by_cell[key], [identities[k] for k in ks], rows, assignments,
                              layouts[by_cell[key].row.table].decimals if by_cell[key].row.table in layouts else 0,
                              ocr)
                for key, ks in suspects.items()}
    # A cell with the one reading that makes its identities hold explains their failure:
    # the other cells of those identities are not named for it.
    explained = {k for key, ks in suspects.items() if len(readings[key]) == 1 for k in ks}
    for key, ks in suspects.items():
        cell, found = by_cell[key], readings[key]
        failed = [k for k in ks if checks[k].status == "fail"]
        if len(found) != 1 and all(k in explained for k in failed):
            continue
        rules = ", ".join(sorted({identities[k].rule for k in failed}))
        expected, reading = None, ""
        if len(found) == 1:
            text, change, expected = found[0]
            reading = f"; reading {text!r} ({change}) makes every one hold — the record keeps what OCR read"
        elif found:
            reading = f"; {len(found)} one-digit readings would make them hold, so none is named"
        out.append(Finding(rule="ocr_reading", severity=RULES["ocr_reading"].severity, expected=expected,
                           message=rule_message("ocr_reading", where=_where(cell), rules=rules, reading=reading),
                           **_base(doc_id, cell)))
    return sorted(out, key=lambda f: (f.page or 0, f.table or "", f.code or "", f.column or ""))


def _label(cell: _Cell) -> str | None:
    """The cell's row as findings name it: the code of a coded row (None on its 合计, as
    in budget_lines), the item of other rows."""
    src = cell.row.source
    if src.kind == "coded":
        return src.code
    return None if src.kind == "total" else src.item_key or src.name or None


def _where(cell: _Cell) -> str:
    src = cell.row.source
    return (f"page {src.page}, {cell.row.table} {_label(cell) or src.name}, {cell.column}: OCR read "
            f"{src.tokens[cell.token].raw!r} (least confidence {cell.read.least:.2f})")


def _base(doc_id: str, cell: _Cell) -> dict:
    return dict(doc_id=doc_id, table=cell.row.table, page=cell.row.source.page, code=_label(cell),
                column=cell.column, actual=cell.row.values[cell.token])


class _Replaced:
    """A document's rows with one row replaced by a trial reading, as `evaluate` reads
    them (by row id), without copying every row for every reading of every suspect cell."""

    def __init__(self, rows: list[Row], row: Row):
        self.rows, self.row = rows, row

    def __getitem__(self, row_id: int) -> Row:
        return self.row if row_id == self.row.id else self.rows[row_id]


def _holding(cell: _Cell, identities: list[Identity], rows: list[Row], assignments: dict[int, Assignment],
             decimals: int, ocr: OcrSpec) -> list[tuple[str, str, Decimal]]:
    """The alternative readings of a cell under which every given identity holds, as
    (text, what changed, amount in 元)."""
    out = []
    for text, change in _readings(cell, decimals, ocr):
        try:
            value = parse_amount(text)
        except ValueError:
            continue
        if value is None:
            continue
        amount = value * cell.row.factor
        values = list(cell.row.values)
        values[cell.token] = amount
        trial = _Replaced(rows, cell.row.model_copy(update={"values": tuple(values)}))
        if all(c.status in ("pass", "rounding") for c in evaluate(identities, trial, assignments)):
            out.append((text, change, amount))
    return out
