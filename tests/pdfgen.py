"""Generate PDFs of the seed documents in their 2018 layout, for tests and benchmarks.

`python tests/pdfgen.py OUT_DIR` writes seed000.pdf (元), seed000-wanyuan.pdf (every
元 table in 万元 with two decimals) and seed002.pdf.

The tables are drawn from what the text path read (its records), one PDF page per text
page, so that the PDF path can be compared record for record: ruled cells, a two-row
header whose amount cells are merged vertically and whose code cell is merged over
类/款/项, the title on a table's first page only and the header repeated on the pages it
continues on, the 合计 cell merged over the code and name cells, blank cells left blank.
Pages without a table are drawn line by line, so the prose reads as in the text.
Seed 002 (performance forms) is drawn line by line too: its forms are not ruled here.

Needs reportlab (a test dependency); the CJK font is the Adobe STSong-Light CID font,
which PDF readers map to Unicode without an embedded font file.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yusuan
from yusuan.domain import TABLES
from yusuan.extract.decode import decode_text
from yusuan.domain import DOMAIN
from yusuan.extract.tables import parse_pages
from yusuan.extract.text_reader import split_pages

FONT = "STSong-Light"
SIZE = 8
ROW = 15.0
LEFT, TOP = 40.0, 40.0
CODE_W, NAME_W, AMOUNT_W, ITEM_W = 26.0, 190.0, 78.0, 150.0
WORD_GAP = 5.0


CODED_COLUMNS = ("合计", "基本支出", "项目支出")
CODED_ROWS = [
    (None, "合计", "1,500,000", "1,000,000", "500,000"),
    ("201", "一般公共服务支出", "1,500,000", "1,000,000", "500,000"),
    ("201 17", "质量技术监督与检验检疫事务", "1,500,000", "1,000,000", "500,000"),
    ("201 17 01", "行政运行", "1,000,000", "1,000,000", ""),
    ("201 17 02", "一般行政管理事务", "500,000", "", "500,000"),
]
"""A small coded table that adds up, for `draw_coded_grid`: (code as printed, name, 合计,
基本支出, 项目支出); None: the 合计 row."""


def draw_coded_grid(c, draw, left: float, y: float, columns, rows, *, size: float = SIZE, row: float = ROW,
                    after_row=None) -> list[tuple[float, float]]:
    """Draw a ruled coded table on canvas `c`: 科目编码 over 类/款/项, 科目名称 and one
    amount column per name in `columns` (both merged over the two header rows), then
    `rows` of (code `"201 01 01"` or None for 合计, name, *amounts as printed), the header's
    top edge at `y` (reportlab's upward y) from x `left`. `draw(x, y, text, box)` prints
    each cell's text (`box`: the cell rectangle x, y, width, height); `after_row(name, y)`
    runs after each data row. Returns the amount columns' x ranges."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    code_x = [left + i * 26.0 for i in range(4)]
    name_x = (code_x[3], code_x[3] + 190.0)
    amount_x = [(name_x[1] + i * 78.0, name_x[1] + (i + 1) * 78.0) for i in range(len(columns))]

    def cell(x0: float, x1: float, y: float, text: str, right: bool = False, span: int = 1) -> None:
        c.rect(x0, y - row * span, x1 - x0, row * span)
        if text:
            x = x1 - 3 - stringWidth(text, FONT, size) if right else x0 + 3
            draw(x, y - row * span / 2 - size / 3, text, (x0, y - row * span, x1 - x0, row * span))

    cell(code_x[0], code_x[3], y, "科目编码")
    cell(*name_x, y, "科目名称", span=2)
    for (a, b), header in zip(amount_x, columns):
        cell(a, b, y, header, span=2)
    y -= row
    for i, level in enumerate("类款项"):
        cell(code_x[i], code_x[i + 1], y, level)
    y -= row
    for code, name, *amounts in rows:
        if code is None:
            cell(code_x[0], name_x[1], y, name)
        else:
            parts = code.split()
            for i in range(3):
                cell(code_x[i], code_x[i + 1], y, parts[i] if i < len(parts) else "")
            cell(*name_x, y, name)
        for (a, b), amount in zip(amount_x, amounts):
            cell(a, b, y, amount, right=True)
        if after_row is not None:
            after_row(name, y)
        y -= row
    return amount_x


def _canvas(path: Path):
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path), pagesize=landscape(A4))
    c.setLineWidth(0.5)
    return c, landscape(A4)[1]


def _text(c, x: float, y: float, text: str, right: float | None = None) -> None:
    """Draw words separated by a clear gap (the CID font's own space is narrow)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = text.split()
    width = sum(stringWidth(w, FONT, SIZE) for w in words) + WORD_GAP * (len(words) - 1)
    x = right - width if right is not None else x
    for w in words:
        # PDFium drops a text object of one CJK glyph in this non-embedded CID font;
        # a trailing space (no word of its own) keeps it.
        c.drawString(x, y, w + " " if len(w) == 1 else w)
        x += stringWidth(w, FONT, SIZE) + WORD_GAP


class _Grid:
    """Rows of cells drawn top-down; each cell is (x0, x1, text, align, rows spanned)."""

    def __init__(self, c, height: float, top: float):
        self.c, self.height, self.y = c, height, top

    def row(self, cells: list[tuple[float, float, str, str, int]]) -> None:
        c, y = self.c, self.height - self.y
        for x0, x1, text, align, span in cells:
            if span == 0:
                continue  # covered by a cell merged from the row above
            c.rect(x0, y - ROW * span, x1 - x0, ROW * span)
            base = y - ROW * span / 2 - SIZE / 3
            if text:
                _text(c, x0 + 3, base, text, right=x1 - 3 if align == "right" else None)
        self.y += ROW


def _wanyuan(amount: Decimal) -> str:
    """An amount in 元 as printed in 万元 with two decimals (`50,868.44`)."""
    value = (amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:,.2f}"


def _rows(result, unit: str):
    """Per table and page: the rows read by the text path, cells by column, in order."""
    tables: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    index: dict[tuple, dict] = {}
    for b in result.records["budget_lines"]:
        key = (b.table, b.page, b.code)
        if key not in index:
            index[key] = {"code": b.code, "raw_code": b.raw_code, "name": b.name, "cells": {}}
            tables[b.table][b.page].append(index[key])
        raw = _wanyuan(b.amount) if unit == "万元" and b.source_unit == "元" else b.raw
        index[key]["cells"][b.column] = raw
    for s in result.records["summary_lines"]:
        single = TABLES[s.table].shape == "single_row"
        key = (s.table, s.page) if single else (s.table, s.page, s.side, s.item)
        if key not in index:
            index[key] = {"side": s.side, "item": s.item, "cells": {}}
            tables[s.table][s.page].append(index[key])
        raw = _wanyuan(s.amount) if unit == "万元" and s.source_unit == "元" else s.raw
        index[key]["cells"][f"{s.item}/{s.column}" if single and s.column else s.column or s.item] = raw
    return tables


def _columns(spec, rows: list[dict], side: str | None = None) -> list[str]:
    seen = {col for r in rows for col in r["cells"]}
    canon = spec.sides[side].columns if side else spec.columns
    return [col for col in canon if col in seen] or list(canon[:1])


def _header(spec, col: str, side: str | None = None) -> str:
    return spec.header_words(col, side)[0]


def _coded(grid: _Grid, spec, rows: list[dict], columns: list[str], with_header: bool) -> None:
    x = LEFT
    code_x = [x + i * CODE_W for i in range(4)]
    name_x = (code_x[3], code_x[3] + NAME_W)
    amount_x = [(name_x[1] + i * AMOUNT_W, name_x[1] + (i + 1) * AMOUNT_W) for i in range(len(columns))]
    if with_header:
        grid.row([(code_x[0], code_x[3], "科目编码", "left", 1), (*name_x, "科目名称", "left", 2)]
                 + [(a, b, _header(spec, col), "left", 2) for (a, b), col in zip(amount_x, columns)])
        grid.row([(code_x[i], code_x[i + 1], w, "left", 1) for i, w in enumerate("类款项")]
                 + [(*name_x, "", "left", 0)] + [(a, b, "", "left", 0) for a, b in amount_x])
    for r in rows or [{"code": None, "cells": {}}]:  # an empty table prints its 合计 row blank
        cells = [(a, b, r["cells"].get(col, ""), "right", 1) for (a, b), col in zip(amount_x, columns)]
        if r["code"] is None:
            grid.row([(code_x[0], name_x[1], "合计", "left", 1)] + cells)
            continue
        parts = r["raw_code"].split()
        codes = [(code_x[i], code_x[i + 1], parts[i] if i < len(parts) else "", "left", 1) for i in range(3)]
        grid.row(codes + [(*name_x, r["name"], "left", 1)] + cells)


def _two_sided(grid: _Grid, spec, rows: list[dict], with_header: bool) -> None:
    sides = {side: [r for r in rows if r["side"] == side] for side in spec.sides}
    columns = {side: _columns(spec, sides[side], side) for side in spec.sides}
    x = LEFT
    spans = {}
    for side in spec.sides:
        spans[side] = ((x, x + ITEM_W), [(x + ITEM_W + i * AMOUNT_W, x + ITEM_W + (i + 1) * AMOUNT_W)
                                         for i in range(len(columns[side]))])
        x = spans[side][1][-1][1]
    if with_header:
        grid.row([cell for side in spec.sides for cell in
                  [(*spans[side][0], "项目", "left", 1)]
                  + [(a, b, _header(spec, col, side), "left", 1) for (a, b), col in zip(spans[side][1], columns[side])]])
    depth = max(len(v) for v in sides.values())
    for i in range(depth):
        cells = []
        for side in spec.sides:
            r = sides[side][i] if i < len(sides[side]) else None
            cells.append((*spans[side][0], r["item"] if r else "", "left", 1))
            cells += [(a, b, r["cells"].get(col if len(columns[side]) > 1 else r["item"], "") if r else "", "right", 1)
                      for (a, b), col in zip(spans[side][1], columns[side])]
        grid.row(cells)


def _single_row(grid: _Grid, spec, rows: list[dict], with_header: bool) -> None:
    cells = rows[0]["cells"] if rows else {}
    columns = [col for col in spec.columns if col in cells] or list(spec.columns)
    xs = [(LEFT + i * 100, LEFT + (i + 1) * 100) for i in range(len(columns))]
    if with_header:
        grid.row([(a, b, _header(spec, col), "left", 1) for (a, b), col in zip(xs, columns)])
    grid.row([(a, b, cells.get(col, ""), "right", 1) for (a, b), col in zip(xs, columns)])


def _lines(c, width: float, page) -> None:
    """Draw a text page line by line on one PDF page as tall as it needs: indented lines
    indented, a blank line of the text as a double gap."""
    joined = page.joined or (False,) * len(page.lines)
    step = 12.0
    height = max(width * 0.7, 2 * TOP + step * (len(page.lines) + sum(not j for j in joined[1:])))
    c.setPageSize((width, height))
    c.setFont(FONT, SIZE)
    y = height - TOP
    for i, (line, indented) in enumerate(zip(page.lines, page.indented)):
        if i:
            y -= step if joined[i] else 2 * step
        _text(c, LEFT + (2 * SIZE + 4 if indented else 0), y, line)


def write_seed_pdf(text_path: Path, out: Path, unit: str = "元") -> Path:
    """Given a seed text file, write its PDF to `out` (tables in `unit`) and return `out`."""
    result = yusuan.extract_document(text_path)
    text, _ = decode_text(Path(text_path).read_bytes(), str(text_path))
    pages = split_pages(text)
    tables = _rows(result, unit)
    # Two-sided tables print items without amounts too (`2. 政府性基金`): take the items
    # in printed order from the text path's parse, their cells from its records.
    for parsed in parse_pages(pages, DOMAIN.default).tables:
        if TABLES[parsed.key].shape == "two_sided":
            cells = {(r["side"], r["item"]): r["cells"] for rows in tables[parsed.key].values() for r in rows}
            tables[parsed.key] = defaultdict(list)
            for src in parsed.rows:
                tables[parsed.key][src.page].append(
                    {"side": src.side, "item": src.name, "cells": cells.get((src.side, src.name), {})})
    first_page = {t.key: t.pages[0] for t in result.tables}
    on_page: dict[int, list[str]] = defaultdict(list)
    for t in result.tables:
        for p in t.pages:
            on_page[p].append(t.key)
    c, height = _canvas(out)
    c.setFont(FONT, SIZE)
    for page in pages:
        c.setPageSize((842.0, height))
        c.setFont(FONT, SIZE)
        if page.number not in on_page:
            _lines(c, 842.0, page)
        grid = _Grid(c, height, TOP)
        for key in on_page.get(page.number, []):
            spec = TABLES[key]
            title = next(t.title for t in result.tables if t.key == key)
            table_unit = unit if spec.default_unit == "元" else spec.default_unit
            if page.number == first_page[key]:
                _text(c, LEFT + 200, height - grid.y, title)
                grid.y += ROW * 1.5
                _text(c, LEFT, height - grid.y, f"编制部门：{result.document.department}")
                _text(c, LEFT + 600, height - grid.y, f"单位：{table_unit}")
                grid.y += ROW
            rows = tables[key].get(page.number, [])
            if spec.shape == "coded":
                all_rows = [r for p in sorted(tables[key]) for r in tables[key][p]]
                _coded(grid, spec, rows, _columns(spec, all_rows), with_header=True)
            elif spec.shape == "two_sided":
                _two_sided(grid, spec, rows, with_header=True)
            else:
                _single_row(grid, spec, rows, with_header=True)
            notes = [line for line in page.lines if any(n in line for n in DOMAIN.default.document.empty_table_notes)]
            for note in notes if not rows else []:
                _text(c, LEFT, height - grid.y - ROW, note)
                grid.y += ROW
            grid.y += ROW * 2
        c.showPage()
        c.setFont(FONT, SIZE)
    c.save()
    return out


def write_text_pdf(text_path: Path, out: Path) -> Path:
    """Given a text file, write a PDF that prints its pages line by line."""
    text, _ = decode_text(Path(text_path).read_bytes(), str(text_path))
    c, height = _canvas(out)
    for page in split_pages(text):
        _lines(c, 842.0, page)
        c.showPage()
    c.save()
    return out


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent / "samples"
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "out/seed-pdfs")
    target.mkdir(parents=True, exist_ok=True)
    for made in (write_seed_pdf(root / "000_b1fb1c67835c9330.txt", target / "seed000.pdf"),
                 write_seed_pdf(root / "000_b1fb1c67835c9330.txt", target / "seed000-wanyuan.pdf", unit="万元"),
                 write_text_pdf(root / "002_6f2784664249ed30.txt", target / "seed002.pdf")):
        print(made)
