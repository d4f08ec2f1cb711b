"""What counts as printed text, decided once where text enters yusuan.

- Characters that print nothing (zero-width space, BOM, soft hyphen) are removed at the
  reading boundary: the seed budget with them sprinkled in gives the seed's records.
- Text placed outside the visible page box (spreadsheet exports leave some there) is not
  printed: it lands in no record and in no `table_cells` row.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

import yusuan
from conftest import SEED_BUDGET, extract_text
from pdfgen import CODED_COLUMNS, CODED_ROWS, draw_coded_grid

ZWSP, BOM, SOFT_HYPHEN = "\u200b", "\ufeff", "\u00ad"
INVISIBLE = (ZWSP, BOM, SOFT_HYPHEN)

# A classification code at the start of a seed line: `201`, `201 17`, `201 17 06`, `302 12`.
CODE_AT_LINE_START = re.compile(r"^(\d{3}(?: \d{2}){0,2})(?= )", re.M)
HYPHENATED = {"行政运行": "行政\u00ad运行", "基本工资": "基本\u00ad工资", "住房公积金": "住房\u00ad公积金"}


def _invisible_seed() -> tuple[str, int]:
    """The seed budget with a zero-width space after each classification code, a BOM at the
    start and soft hyphens inside a few row names; and how many codes were marked."""
    text, codes = CODE_AT_LINE_START.subn(lambda m: m.group(1) + ZWSP, SEED_BUDGET.read_text(encoding="utf-8"))
    lines = []
    for line in text.split("\n"):
        if ZWSP in line:  # a coded row: hyphenate its name
            for name, hyphenated in HYPHENATED.items():
                line = line.replace(f" {name} ", f" {hyphenated} ")
        lines.append(line)
    return BOM + "\n".join(lines), codes


def _strings(value):
    """Every string inside a record's dumped fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _record_strings(result: yusuan.Result) -> list[str]:
    return [s for records in result.records.values() for r in records for s in _strings(r.model_dump())]


def _budget(result: yusuan.Result) -> Counter:
    return Counter((b.table, b.code, b.column, b.amount) for b in result.records["budget_lines"])


def test_the_invisible_seed_is_marked():
    text, codes = _invisible_seed()
    assert codes > 100
    assert text.startswith(BOM)
    assert sum(text.count(h) for h in HYPHENATED.values()) >= len(HYPHENATED)


def test_invisible_characters_give_the_same_budget_lines(tmp_path, seed_result):
    text, _ = _invisible_seed()
    result = extract_text(tmp_path, text, "seed-invisible.txt")
    expected, got = _budget(seed_result), _budget(result)
    lost, added = expected - got, got - expected
    assert got == expected, (
        f"{sum(lost.values())} of {sum(expected.values())} budget_lines lost, {sum(added.values())} added; "
        f"lost e.g. {sorted(lost, key=repr)[:5]}, added e.g. {sorted(added, key=repr)[:5]}")


def test_invisible_characters_reach_no_record(tmp_path, seed_result):
    text, _ = _invisible_seed()
    result = extract_text(tmp_path, text, "seed-invisible.txt")
    marked = [s for s in _record_strings(result) if any(ch in s for ch in INVISIBLE)]
    assert marked == []
    names = lambda r: Counter((b.table, b.code, b.name) for b in r.records["budget_lines"])  # noqa: E731
    assert names(result) == names(seed_result)


# ---- text outside the page box -------------------------------------------------------------

FONT, SIZE, ROW = "STSong-Light", 8, 15.0
TITLE = "2018年部门一般公共预算支出功能分类预算表"
OFF_NUMBER = "7,654,321"        # left of the page, on the 行政运行 row's baseline
OFF_NUMBER_ABOVE = "8,765,432"  # above the page, over the 合计 column
OFF_TITLE = "2018年部门政府性基金预算支出功能分类预算表"  # above the page
OFF_AMOUNTS = {Decimal("7654321"), Decimal("8765432")}
COLUMNS, ROWS = CODED_COLUMNS, CODED_ROWS  # tests/pdfgen.py


def _draw(c, x: float, y: float, text: str) -> None:
    # PDFium drops a text object of one CJK glyph in this non-embedded CID font; a
    # trailing space keeps it (as in tests/pdfgen.py).
    c.drawString(x, y, text + " " if len(text) == 1 else text)


def write_offpage_pdf(path: Path) -> tuple[Path, tuple[float, float]]:
    """A one-page ruled 一般公共预算支出功能分类预算表 in 元 (the seed's 2018 layout), plus a
    number and a table title drawn outside the page's MediaBox. Returns the path and the
    page size."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    c.setLineWidth(0.5)
    c.setFont(FONT, SIZE)
    left, top = 40.0, 40.0
    _draw(c, left + 200, height - top, TITLE)
    _draw(c, left, height - top - 22, "编制单位：上海市测试局")
    _draw(c, left + 600, height - top - 22, "单位：元")
    def off_page(name: str, y: float) -> None:
        if name == "行政运行":  # a number of its row printed left of the page
            _draw(c, -150, y - ROW / 2 - SIZE / 3, OFF_NUMBER)

    amount_x = draw_coded_grid(c, lambda x, y, text, box: _draw(c, x, y, text), left, height - top - 40,
                               COLUMNS, ROWS, size=SIZE, row=ROW, after_row=off_page)
    _draw(c, left + 200, height + 30, OFF_TITLE)
    _draw(c, amount_x[0][0] + 10, height + 12, OFF_NUMBER_ABOVE)
    c.showPage()
    c.save()
    return path, (width, height)


def _expected_budget() -> Counter:
    out = Counter()
    for code, _, *amounts in ROWS:
        for column, amount in zip(COLUMNS, amounts):
            if amount:
                out[("general_budget_by_function", code and code.replace(" ", ""), column,
                     Decimal(amount.replace(",", "")))] += 1
    return out


@pytest.fixture(scope="module")
def offpage_pdf(tmp_path_factory):
    return write_offpage_pdf(tmp_path_factory.mktemp("offpage") / "offpage.pdf")


def test_the_offpage_pdf_holds_the_offpage_text(offpage_pdf):
    """The strings are in the file, outside the MediaBox (guards the generator)."""
    import pdfplumber

    path, (width, height) = offpage_pdf
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        assert (page.width, page.height) == pytest.approx((width, height))
        outside = "".join(ch["text"] for ch in page.chars
                          if ch["x1"] < 0 or ch["bottom"] < 0 or ch["x0"] > width or ch["top"] > height)
    assert outside.replace(" ", "") == OFF_NUMBER + OFF_TITLE + OFF_NUMBER_ABOVE


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_text_outside_the_page_is_in_no_record(offpage_pdf, engine):
    path, _ = offpage_pdf
    result = yusuan.extract_document(path, engine=engine)
    assert _budget(result) == _expected_budget()
    assert [t.key for t in result.tables] == ["general_budget_by_function"]
    leaked = [s for s in _record_strings(result)
              if any(off in s.replace(",", "") for off in ("7654321", "8765432", "政府性基金"))]
    assert leaked == []
    amounts = {v for records in result.records.values() for r in records
               for v in r.model_dump().values() if isinstance(v, Decimal)}
    assert not amounts & OFF_AMOUNTS


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_text_outside_the_page_is_in_no_table_cell(offpage_pdf, engine):
    path, (width, height) = offpage_pdf
    result = yusuan.extract_document(path, engine=engine)
    assert "table_cells" in result.records, "the result has no record kind `table_cells`"
    cells = result.frame("table_cells")
    texts = [str(t).replace(",", "") for t in cells["text"]] + [str(t) for t in cells["title"]]
    assert [t for t in texts if "7654321" in t or "8765432" in t or "政府性基金" in t] == []
    assert not set(cells["amount"].dropna()) & OFF_AMOUNTS
    outside = cells[(cells["x0"] < -1) | (cells["y0"] < -1) | (cells["x1"] > width + 1) | (cells["y1"] > height + 1)]
    assert outside.empty, outside.to_dict("records")
    # the table on the page is there: every printed amount is a cell of its table
    printed = Counter(a for _, _, *amounts in ROWS for a in amounts if a)
    on_page = Counter(cells.loc[cells["table"] == "general_budget_by_function", "text"])
    assert {a: on_page[a] for a in printed} == dict(printed)
    assert set(cells["table"].dropna()) == {"general_budget_by_function"}
