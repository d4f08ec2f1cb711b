"""Text a clipping path hides is not printed text, and a line its clip cuts through (part
of its glyphs shown) is a defect an auditor sees: `Page.clipped` and a `clipped_text`
warning (issues 12 and 13). Both engines see the same clips (pdfminer ignores clipping:
the pdfplumber engine takes them from PDFium)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

import yusuan
from conftest import real_pdf
from pdfgen import CODED_COLUMNS, CODED_ROWS, draw_coded_grid
from yusuan.extract.pdf_geometry import Box, Char, lay_out
from yusuan.extract.pdf_reader import ENGINES, read_pdf_pages

FONT = "STSong-Light"


# ---- the layout stage on its own ----------------------------------------------------------

def _line(text: str, baseline: float, x0: float = 50.0, size: float = 10.0) -> list[Char]:
    return [Char(ch, x0 + i * size, x0 + (i + 1) * size, baseline) for i, ch in enumerate(text)]


def test_the_layout_drops_what_the_clip_hides_and_names_the_line_it_cuts():
    # A frame clipped at y=100 (top-left coordinates); glyphs 10 points, 8.5 above the baseline.
    frame = Box(40, 400, 20, 100)
    above, cut, below = _line("第一行文字", 60), _line("第二行被切", 106), _line("第三行隐藏", 130)
    beside = _line("框外不裁剪", 130, x0=450)  # another text object, without a clip
    chars = above + cut + below + beside
    clips = {i: frame for i in range(len(above + cut + below))}
    page = lay_out(1, chars, lambda: ([], False), (600, 800), clips)
    # The cut line shows its top 40% (its middle lies below the clip): not read, but named.
    assert page.lines == ("第一行文字", "框外不裁剪")
    assert page.clipped == ("第二行被切",)
    assert lay_out(1, chars, lambda: ([], False), (600, 800)).lines == (
        "第一行文字", "第二行被切", "第三行隐藏 框外不裁剪")


@pytest.mark.parametrize(("baseline", "lines", "clipped"), [
    (97, ("第一行", "第二行"), ()),            # 0.5 point of a 10-point glyph outside: its model's slack
    (101, ("第一行", "第二行"), ("第二行",)),  # a quarter outside, its middle inside: read and named
    (105, ("第一行",), ("第二行",)),          # 65% outside: hidden, and named
    (109, ("第一行",), ()),                    # 1.5 points of its top show: no more than a speck
    (120, ("第一行",), ()),                    # wholly outside: hidden, nothing cut
])
def test_a_glyph_is_cut_between_a_fifth_and_nearly_all_of_its_height_outside(baseline, lines, clipped):
    chars = _line("第一行", 60) + _line("第二行", baseline)
    page = lay_out(1, chars, lambda: ([], False), (600, 800), {i: Box(40, 400, 20, 100) for i in range(len(chars))})
    assert (page.lines, page.clipped) == (lines, clipped)


# ---- a paragraph clipped by a rectangle (generated) ----------------------------------------

TITLE = "部门主要职能"
VISIBLE = ["（一）负责本系统财务管理工作。", "（二）负责本系统资产管理工作。", "（三）负责本系统信息化建设。"]
CUT = "（四）负责本系统警车管理工作。"
HIDDEN = ["（五）完成交办的其他任务。", "（六）组织实施和指导监督工作。"]
FOOTER = "本页以下无正文"


def _canvas(path: Path, size: tuple[float, float]):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return canvas.Canvas(str(path), pagesize=size)


def _clip(c, x: float, y: float, width: float, height: float) -> None:
    p = c.beginPath()
    p.rect(x, y, width, height)
    c.clipPath(p, stroke=0, fill=0)


def _page_clip(c, width: float, height: float, margin: float = 10) -> None:
    """The clips an office export draws before a frame's or a cell's: the printable area,
    then the whole page. PDFium keeps the first beside the inner clip (it merges a
    rectangle into the one before when that holds it, and drops a clip of one rectangle
    holding its object: an inner clip alone would leave the text without any)."""
    _clip(c, margin, margin, width - 2 * margin, height - 2 * margin)
    _clip(c, 0, 0, width, height)


def write_clipped_paragraph(path: Path) -> Path:
    """A title, then a text frame clipped at the bottom of its rectangle (a page-wide clip
    and the frame's, as office exports draw them): three lines whole, the fourth cut
    through below its middle, two hidden below the frame; then a footer drawn after the
    frame, below it, under no clip."""
    c = _canvas(path, (400, 400))
    c.setFont(FONT, 12)
    c.drawString(20, 370, TITLE)
    c.saveState()
    _page_clip(c, 400, 400)
    _clip(c, 10, 200, 380, 140)  # the frame: y 200..340 (PDF coordinates)
    c.setFont(FONT, 12)
    for text, y in zip(VISIBLE + [CUT] + HIDDEN, (320, 290, 260, 193, 170, 150)):
        c.drawString(20, y, text)  # the cut line: glyph 191.2..203.2, 73% below the frame
    c.restoreState()
    c.setFont(FONT, 12)
    c.drawString(20, 120, FOOTER)
    c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def paragraph_pdf(tmp_path_factory) -> Path:
    return write_clipped_paragraph(tmp_path_factory.mktemp("clip") / "paragraph.pdf")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clipped_paragraph_reads_as_the_page_shows_it(paragraph_pdf, engine):
    (page,) = read_pdf_pages(paragraph_pdf.read_bytes(), paragraph_pdf.name, engine=engine)
    assert page.lines == (TITLE, *VISIBLE, FOOTER)
    assert page.clipped == (CUT,)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clipped_paragraph_gives_one_clipped_text_warning(paragraph_pdf, engine):
    result = yusuan.extract_document(paragraph_pdf, engine=engine)
    found = [(f.rule, f.severity, f.page) for f in result.records["findings"] if f.rule == "clipped_text"]
    assert found == [("clipped_text", "warning", 1)]
    (message,) = [f.message for f in result.records["findings"] if f.rule == "clipped_text"]
    assert CUT in message and "page 1" in message
    strings = [str(v) for records in result.records.values() for r in records for v in r.model_dump().values()]
    assert not [s for s in strings if any(h[:6] in s for h in HIDDEN)]


def test_the_generated_paragraph_holds_its_hidden_text(paragraph_pdf):
    """Guards the generator: the hidden lines are in the text layer, each line in the
    frame with the two clip paths PDFium keeps."""
    import pdfplumber
    import pypdfium2 as pdfium

    with pdfplumber.open(paragraph_pdf) as pdf:
        text = pdf.pages[0].extract_text()
    assert all(h in text for h in HIDDEN + [CUT])
    page = pdfium.PdfDocument(paragraph_pdf)[0]
    clipped = [obj for obj in page.get_objects() if obj.type == 1
               and pdfium.raw.FPDFClipPath_CountPaths(pdfium.raw.FPDFPageObj_GetClipPath(obj.raw)) == 2]
    assert len(clipped) == len(VISIBLE + [CUT] + HIDDEN)


# ---- a table whose every cell is clipped by its own rectangle (generated) ------------------

SIZE, ROW = 8, 15.0
TABLE_TITLE = "2018年部门一般公共预算支出功能分类预算表"
COLUMNS, ROWS = CODED_COLUMNS, CODED_ROWS  # tests/pdfgen.py


def write_table(path: Path, clip_cells: bool) -> Path:
    """A ruled 一般公共预算支出功能分类预算表 in 元; with `clip_cells` every cell's text is
    drawn under a page-wide clip and the clip of its own cell rectangle, as spreadsheet
    exports draw them (the text inside its clip)."""
    from reportlab.lib.pagesizes import A4, landscape

    width, height = landscape(A4)
    c = _canvas(path, (width, height))
    c.setLineWidth(0.5)
    c.setFont(FONT, SIZE)
    left, top = 40.0, 40.0

    def draw(x: float, y: float, text: str, box: tuple[float, float, float, float] | None = None) -> None:
        # PDFium drops a text object of one CJK glyph in this non-embedded CID font; a
        # trailing space keeps it (as in tests/pdfgen.py).
        text = text + " " if len(text) == 1 else text
        if clip_cells and box is not None:
            c.saveState()
            _page_clip(c, width, height, 20)
            _clip(c, *box)
            c.setFont(FONT, SIZE)
            c.drawString(x, y, text)
            c.restoreState()
        else:
            c.drawString(x, y, text)

    draw(left + 200, height - top, TABLE_TITLE)
    draw(left, height - top - 22, "编制单位：上海市测试局")
    draw(left + 600, height - top - 22, "单位：元")
    draw_coded_grid(c, draw, left, height - top - 40, COLUMNS, ROWS, size=SIZE, row=ROW)
    c.showPage()
    c.save()
    return path


def _read(result) -> dict:
    """Every record as plain values, but what names the file (its id, its path, when read)."""
    return {kind: [r.model_dump(exclude={"doc_id", "source", "extracted_at"}) for r in records]
            for kind, records in result.records.items()}


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cells")
    return write_table(folder / "plain.pdf", False), write_table(folder / "clipped.pdf", True)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_table_clipped_cell_by_cell_reads_exactly_as_without_clips(tables, engine):
    plain, clipped = (yusuan.extract_document(p, engine=engine) for p in tables)
    assert _read(clipped) == _read(plain)
    lines = Counter((b.code, b.column, b.amount) for b in clipped.records["budget_lines"])
    assert sum(lines.values()) == sum(1 for _, _, *amounts in ROWS for a in amounts if a)
    assert not [f for f in clipped.records["findings"] if f.rule == "clipped_text"]


def test_the_clipped_table_clips_its_cells(tables):
    """Guards the generator: each cell's text object keeps its two clip paths in PDFium
    (35 cells print text; the title, body and unit lines above the table have no clip)."""
    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(tables[1])[0]
    counts = Counter(pdfium.raw.FPDFClipPath_CountPaths(pdfium.raw.FPDFPageObj_GetClipPath(obj.raw))
                     for obj in page.get_objects() if obj.type == 1)
    assert counts == Counter({2: 35, -1: 3})


# ---- the real case ------------------------------------------------------------------------

JUSTICE = "budget-2026-dept-justice.pdf"
JUSTICE_CUT = ("（八）负责本系统警车管理工作。按规定权限负责本系统国有资产的管理，负责下属单位国有资产投资项目"
               "计划的审核、立项和转报工作")


@pytest.mark.parametrize("engine", ENGINES)
def test_the_justice_frame_reads_as_its_pages_show_it(engine):
    # p.4: a text frame clipped at y=468.5 cuts the (八) line through (only the top eighth of
    # its glyphs shows) and hides every line below it; p.5 repeats the whole frame's text
    # and shows only (八)–(十).
    path = real_pdf(JUSTICE)
    pages = read_pdf_pages(path.read_bytes(), path.name, engine=engine)
    p4, p5 = pages[3], pages[4]
    assert p4.clipped == (JUSTICE_CUT,)
    assert p4.lines[-1] == "负责本区律师、法律援助、司法鉴定、公证和基层法律服务等管理工作。"
    assert not [line for line in p4.lines if line.startswith(("（八）", "。负责本系统信息化", "（九）", "（十）"))]
    assert [line[:3] for line in p5.lines] == ["（八）", "。负责", "（九）", "（十）"]
    assert p5.clipped == ()
    assert [p.number for p in pages if p.clipped] == [4]


def test_the_justice_cut_line_is_a_warning_on_its_page():
    result = yusuan.extract_document(real_pdf(JUSTICE))
    found = [(f.rule, f.severity, f.page, f.message) for f in result.records["findings"] if f.rule == "clipped_text"]
    assert found == [("clipped_text", "warning", 4,
                      f"page 4: the line {JUSTICE_CUT!r} is cut by its clipping path: only part of it shows on the page")]


# ---- text in a form XObject (generated) ----------------------------------------------------

def write_forms(path: Path) -> Path:
    """Two form XObjects placed by a matrix: the first clips its own second line (a clip
    in the form's space), the second is drawn under a page clip that hides its second
    line (the form object's clip)."""
    c = _canvas(path, (400, 400))
    c.beginForm("inner")
    _clip(c, 10, 10, 100, 15)
    c.setFont(FONT, 12)
    c.drawString(12, 12, "表内可见文字")
    c.drawString(12, 0, "表内隐藏文字")
    c.endForm()
    c.beginForm("outer")
    c.setFont(FONT, 12)
    c.drawString(0, 30, "框内可见文字")
    c.drawString(0, 10, "框外隐藏文字")
    c.endForm()
    c.saveState()
    c.translate(100, 300)
    c.doForm("inner")
    c.restoreState()
    c.saveState()
    _clip(c, 50, 170, 300, 40)
    c.translate(100, 150)
    c.doForm("outer")
    c.restoreState()
    c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("engine", ENGINES)
def test_clips_of_and_around_form_xobjects_hide_their_text(tmp_path, engine):
    path = write_forms(tmp_path / "forms.pdf")
    (page,) = read_pdf_pages(path.read_bytes(), path.name, engine=engine)
    assert (page.lines, page.clipped) == (("表内可见文字", "框内可见文字"), ())
