"""The two PDF engines (pypdfium2, the default, and pdfplumber, the reference) give the
same records on every real PDF; the page geometry stage on its own; per-page problems;
encrypted PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import yusuan
from conftest import REAL, real_pdf
from yusuan.cli import app
from yusuan.extract.pdf_geometry import Box, Char, lay_out
from yusuan.extract.pdf_reader import read_pdf_pages

REAL_PDFS = sorted(p.name for p in REAL.glob("*.pdf")) if REAL.exists() else ["(absent)"]


BOX = ("x0", "y0", "x1", "y1")
BOX_TOLERANCE = 0.5
"""Points: ruled cell boxes agree to 0.01 pt, but a word outside any ruling has a box
made from its baseline, which the engines place up to 0.4 pt apart in some fonts (a box
is a picture, not a figure; the records themselves must be identical)."""


def _records(result):
    """Every record as plain values, the cell boxes apart (compared within BOX_TOLERANCE)."""
    out = {kind: [r.model_dump(exclude={"extracted_at", *BOX}) for r in records]
           for kind, records in result.records.items()}
    boxes = [[getattr(r, k) for k in BOX] for records in result.records.values() for r in records
             if hasattr(r, "x0")]
    return out, boxes


@pytest.mark.parametrize("name", REAL_PDFS)
def test_both_engines_give_identical_records(name):
    path = real_pdf(name)
    (pdfium, pdfium_boxes) = _records(yusuan.extract_document(path, engine="pdfium"))
    (plumber, plumber_boxes) = _records(yusuan.extract_document(path, engine="pdfplumber"))
    assert pdfium == plumber
    assert len(pdfium_boxes) == len(plumber_boxes)
    for a, b in zip(pdfium_boxes, plumber_boxes):
        assert all((x is None) == (y is None) and (x is None or abs(x - y) <= BOX_TOLERANCE) for x, y in zip(a, b)), (a, b)


def _word(text: str, x0: float, baseline: float, width: float = 8.0) -> list[Char]:
    return [Char(ch, x0 + i * width, x0 + (i + 1) * width, baseline) for i, ch in enumerate(text)]


def test_numbers_take_their_column_from_the_ruling():
    # 类 | 名称 | 合计 | 基本支出 | 项目支出, 基本支出 left blank in the second row.
    edges = [50, 80, 200, 280, 360, 440]
    rules = [Box(x - 0.5, x + 0.5, 90, 150) for x in edges] + [Box(50, 440, y - 0.5, y + 0.5) for y in (90, 110, 130, 150)]
    chars = (_word("项目", 90, 105) + _word("合计", 210, 105) + _word("基本支出", 290, 105) + _word("项目支出", 370, 105)
             + _word("201", 55, 125) + _word("一般公共服务", 85, 125) + _word("300", 250, 125, 6)
             + _word("100", 330, 125, 6) + _word("200", 410, 125, 6)
             + _word("205", 55, 145) + _word("教育支出", 85, 145) + _word("50", 260, 145, 6) + _word("50", 420, 145, 6))
    page = lay_out(1, chars, lambda: (rules, False))
    assert page.lines[-1] == "205 教育支出 50 50"
    assert page.slots[-1] == (None, None, (0, 3), (2, 3))  # 50 under 合计, 50 under 项目支出
    assert page.slots[-2] == (None, None, (0, 3), (1, 3), (2, 3))


def test_a_frame_around_prose_is_not_a_table_row():
    frame = [Box(40, 560, 80, 170)]  # a bordered note, or a page background
    chars = _word("一、部门主要职责", 50, 100) + _word("二、机构设置", 50, 130)
    assert lay_out(1, chars, lambda: (frame, False)).lines == ("一、部门主要职责", "二、机构设置")


def test_a_wrapped_name_and_numbers_on_other_baselines_make_one_row():
    rules = [Box(x - 0.5, x + 0.5, 100, 140) for x in (50, 80, 200, 280)] + [
        Box(50, 280, y - 0.5, y + 0.5) for y in (100, 140)]
    chars = _word("201", 55, 124) + _word("机关事业单位", 85, 115) + _word("缴费支出", 85, 127) + _word("160.75", 210, 124, 6)
    page = lay_out(1, chars, lambda: (rules, False))
    assert page.lines == ("201 机关事业单位缴费支出 160.75",)


_GRID = [Box(50, 51, 10, 300), Box(300, 301, 10, 300), Box(50, 301, 10, 11), Box(50, 301, 299, 300)]
# Letters drawn as outlines: the straight edges of each glyph, a few points long.
_OUTLINES = [Box(60 + 9 * k, 61 + 9 * k, 100, 106) for k in range(30)] + [
    Box(60 + 9 * k, 66 + 9 * k, 103, 103.5) for k in range(30)]


@pytest.mark.parametrize("chars,boxes,images,problem,ruled_blank", [
    ([], [], True, "no_text_layer", False),                         # a scanned page
    ([], _GRID + _OUTLINES, False, "no_text_layer", False),         # a ruled table, its text drawn as outlines
    ([], _GRID, False, None, True),                                 # rules only: an empty ruled row, blank
    ([], [Box(40, 800, 60, 60.5)], False, None, False),             # one separator rule: a blank page
    ([], [Box(50, 700, 10, 30)], False, None, False),               # a blank page (white boxes)
    ([Char("(cid:12)", 0, 5, 10)] * 8 + _word("目录", 0, 30), [], False, "unmapped_font", False),
    ([Char("\ufffd", i * 5, i * 5 + 5, 10) for i in range(10)], [], False, "unmapped_font", False),
])
def test_pages_without_readable_text(chars, boxes, images, problem, ruled_blank):
    page = lay_out(3, chars, lambda: (boxes, images))
    assert (page.problem, page.lines, page.ruled_blank) == (problem, (), ruled_blank)


def test_a_ruled_page_without_text_is_blank_and_the_rest_extracts():
    # Page 14 of the finance 决算 draws one empty ruled row (22 rules, no text, no image):
    # a blank page, neither a page whose text is missing nor one for OCR.
    result = yusuan.extract_document(real_pdf("final-2024-dept-finance.pdf"))
    found = [(f.rule, f.severity, f.page) for f in result.records["findings"]
             if f.rule in ("no_text_layer", "blank_page")]
    assert found == [("blank_page", "warning", 14)]
    assert result.ocr_pages == 0
    assert len(result.tables) == 9


def _encrypted(path: Path, password: str) -> Path:
    # Latin text in a standard font: pdfminer cannot map the CID font of an encrypted
    # reportlab file, which would test pdfminer rather than the password path.
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption(password, canPrint=1))
    c.setFont("Helvetica", 10)
    c.drawString(50, 700, "Budget 2018 page one")
    c.save()
    return path


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_encrypted_pdf_opens_with_its_password(tmp_path, engine):
    path = _encrypted(tmp_path / "secret.pdf", "s3cret")
    runner = CliRunner()
    bad = runner.invoke(app, ["extract", str(path), "--engine", engine, "-o", str(tmp_path / "o")])
    assert bad.exit_code == 2
    assert "encrypted PDF: give the password with --password" in bad.output
    assert len(bad.output.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
    result = yusuan.extract_document(path, password="s3cret", engine=engine)
    assert (result.document.pages, result.document.doc_type) == (1, "unknown")


def test_ruled_columns_in_another_printed_order_are_left_to_the_identities():
    from yusuan.domain import TABLES
    from yusuan.normalize.rows import layout_assignments
    from yusuan.schemas.intermediate import Token

    spec = TABLES["three_public"]
    tokens = [Token(raw=str(k), value=None, slot=(k, 7)) for k in range(7)]
    got = layout_assignments(tokens, spec.columns, spec.orders)
    assert got == tuple(spec.orders)  # one assignment per allowed order; the 三公 sums choose
    assert layout_assignments(tokens[:3], spec.columns[:3]) == ()  # 7 cells ruled, 3 columns named


def _cjk_canvas(path: Path, pagesize=(842, 595)):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=pagesize)
    c.setFont("STSong-Light", 10)
    return c


def _both_engines(path: Path) -> list:
    """The first page of a PDF as each engine reads it: [pdfium, pdfplumber]."""
    data = path.read_bytes()
    return [read_pdf_pages(data, path.name, engine=engine)[0] for engine in ("pdfium", "pdfplumber")]


def test_a_grid_drawn_as_one_path_is_read_alike(tmp_path):
    """Some generators draw a whole table grid as one path of many subpaths."""
    c = _cjk_canvas(tmp_path / "grid.pdf")
    xs, ys = [40, 240, 340, 440], [500, 480, 460, 440]
    path = c.beginPath()
    for y in ys:
        path.moveTo(xs[0], y)
        path.lineTo(xs[-1], y)
    for x in xs:
        path.moveTo(x, ys[0])
        path.lineTo(x, ys[-1])
    c.drawPath(path, stroke=1, fill=0)
    for row, (top, bottom) in enumerate(zip(ys, ys[1:])):
        cells = [["项目", "合计", "基本支出"], ["一般公共服务支出", "100.00", ""], ["合计", "100.00", "60.00"]][row]
        for k, text in enumerate(cells):
            if text:
                c.drawString(xs[k] + 4, bottom + 6, text + " ")
    c.save()
    pages = _both_engines(tmp_path / "grid.pdf")
    assert pages[0].lines == pages[1].lines == ("项目 合计 基本支出", "一般公共服务支出 100.00", "合计 100.00 60.00")
    assert pages[0].slots == pages[1].slots
    assert pages[0].slots[2] == (None, (0, 2), (1, 2))


def test_a_rotated_page_reads_upright_with_either_engine(tmp_path):
    # A landscape table put on a portrait page: /Rotate 90, the content drawn turned so
    # that it reads upright on screen.
    c = _cjk_canvas(tmp_path / "rotated.pdf", pagesize=(595, 842))
    c.setPageRotation(90)
    c.translate(595, 0)
    c.rotate(90)
    c.setFont("STSong-Light", 12)
    c.drawString(60, 515, "一、部门主要职责 ")
    c.drawString(60, 485, "支出合计 ")
    c.save()
    pages = _both_engines(tmp_path / "rotated.pdf")
    assert pages[0].lines == pages[1].lines == ("一、部门主要职责", "支出合计")


def test_a_grid_inside_a_form_xobject_is_placed_by_the_form(tmp_path):
    c = _cjk_canvas(tmp_path / "form.pdf", pagesize=(600, 800))
    c.beginForm("grid")
    path = c.beginPath()
    for k in range(4):
        path.moveTo(0, 20 * k)
        path.lineTo(300, 20 * k)
        path.moveTo(100 * k, 0)
        path.lineTo(100 * k, 60)
    c.drawPath(path, stroke=1, fill=0)
    c.endForm()
    c.saveState()
    c.translate(100, 500)
    c.doForm("grid")
    c.restoreState()
    c.drawString(104, 546, "一般公共服务 ")
    c.drawString(204, 546, "100.00 ")
    c.drawString(304, 546, "60.00 ")
    c.save()
    pages = _both_engines(tmp_path / "form.pdf")
    assert pages[0].lines == pages[1].lines == ("一般公共服务 100.00 60.00",)
    assert pages[0].slots == pages[1].slots == ((None, (0, 2), (1, 2)),)


def test_two_rules_in_one_short_path_are_two_rules(tmp_path):
    c = _cjk_canvas(tmp_path / "two.pdf")
    path = c.beginPath()
    for x in (40, 240, 340):  # three vertical rules as one path of six segments
        path.moveTo(x, 500)
        path.lineTo(x, 440)
    c.drawPath(path, stroke=1, fill=0)
    path = c.beginPath()
    for y in (500, 440):  # the top and bottom rules: move, line, move, line
        path.moveTo(40, y)
        path.lineTo(340, y)
    c.drawPath(path, stroke=1, fill=0)
    c.drawString(44, 466, "一般公共服务 ")
    c.drawString(244, 466, "100.00 ")
    c.save()
    pages = _both_engines(tmp_path / "two.pdf")
    assert pages[0].lines == pages[1].lines == ("一般公共服务 100.00",)
    assert pages[0].slots == pages[1].slots == ((None, (0, 1)),)
