"""Pages shown turned (/Rotate 90, 180, 270): a landscape table put on a portrait page;
and pages whose visible box is not at the origin of their space (a MediaBox of
[100 50 942 645], a CropBox inset).

Each real PDF is copied with every page's content turned the other way and the page
rotated to show it upright again, as a PDF writer does for a landscape table (PDFium's
FPDFPage_TransFormWithClip turns objects and their clips alike). The copy shows exactly
what the original shows, so it must read exactly as the original does: the same lines
and words on every page, the same records, cell boxes and findings (clipped text
included), with either engine.
"""

from __future__ import annotations

import ctypes
import io
from pathlib import Path

import pytest

import yusuan
from yusuan.extract.pdf_reader import read_pdf_pages

from conftest import REAL

DOCUMENTS = ["budget-2019-dept-jiangsu-cppcc-office-tables.pdf",  # clipped text on p.12
             "budget-2026-dept-justice.pdf", "final-2024-dept-finance.pdf"]
absent = pytest.mark.skipif(not REAL.is_dir(), reason=f"real PDFs not available: {REAL} is absent")


def _copy(src: Path, change) -> bytes:
    """The PDF `src` with `change(page, raw)` done to each page (pypdfium2), as bytes."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument(src)
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            change(page, raw)
            page.close()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


def turned_copy(src: Path, quarters: int, moved: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """The PDF `src` with each page's content turned `quarters` quarter turns
    counter-clockwise and the page shown turned as many clockwise (/Rotate); with `moved`
    (dx, dy), content and page box both moved that far from the origin."""
    dx, dy = moved

    def turn(page, raw) -> None:
        w, h = page.get_width(), page.get_height()
        m = {0: (1, 0, 0, 1, 0, 0), 1: (0, 1, -1, 0, h, 0), 2: (-1, 0, 0, -1, w, h), 3: (0, -1, 1, 0, 0, w)}[quarters]
        m = (*m[:4], m[4] + dx, m[5] + dy)
        raw.FPDFPage_TransFormWithClip(page.raw, ctypes.byref(raw.FS_MATRIX(*m)), None)
        width, height = (h, w) if quarters % 2 else (w, h)
        raw.FPDFPage_SetMediaBox(page.raw, dx, dy, width + dx, height + dy)
        raw.FPDFPage_SetCropBox(page.raw, dx, dy, width + dx, height + dy)
        page.set_rotation(90 * quarters)
        assert raw.FPDFPage_GenerateContent(page.raw)

    return _copy(src, turn)


def cropped_copy(src: Path, inset: float) -> bytes:
    """The PDF `src` with each page's CropBox `inset` points inside its MediaBox."""
    def crop(page, raw) -> None:
        w, h = page.get_width(), page.get_height()
        raw.FPDFPage_SetCropBox(page.raw, inset, inset, w - inset, h - inset)

    return _copy(src, crop)


@pytest.fixture(scope="module")
def originals():
    return {name: yusuan.extract_document(REAL / name) for name in DOCUMENTS if (REAL / name).exists()}


FIELDS = {"budget_lines": ("table", "code", "name", "column", "amount", "raw", "page", "x0", "y0", "x1", "y1"),
          "summary_lines": ("table", "item", "column", "amount", "raw", "page"),
          "table_cells": ("table_index", "table", "page", "row", "column", "header", "text", "amount"),
          "findings": ("rule", "severity", "page", "table", "code", "message")}


def _rows(result, kind: str, boxes: bool = True) -> list[tuple]:
    fields = [f for f in FIELDS[kind] if boxes or f not in ("x0", "y0", "x1", "y1")]
    return sorted((tuple(str(getattr(r, f)) for f in fields) for r in result.records[kind]))


def _close(a, b, tolerance=0.02) -> bool:
    return a is None and b is None or a is not None and b is not None and abs(float(a) - float(b)) <= tolerance


@absent
@pytest.mark.parametrize("quarters", [1, 2, 3])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_turned_copy_reads_as_the_original(tmp_path, originals, name, quarters):
    copy = tmp_path / f"turned-{quarters}-{name}"
    copy.write_bytes(turned_copy(REAL / name, quarters))
    original, turned = originals[name], yusuan.extract_document(copy)
    for kind in FIELDS:
        assert _rows(turned, kind) == _rows(original, kind), kind
    # Cells sit where they sit on the original page (PDFium's turn rounds a little).
    for a, b in zip(original.records["table_cells"], turned.records["table_cells"]):
        assert all(_close(getattr(a, f), getattr(b, f)) for f in ("x0", "y0", "x1", "y1")), (a, b)
    assert turned.exit_code == original.exit_code


@absent
def test_the_turned_pages_give_the_same_lines_and_words_with_either_engine(tmp_path):
    name = DOCUMENTS[0]
    data = turned_copy(REAL / name, 1)
    upright = read_pdf_pages((REAL / name).read_bytes(), name)
    for engine in ("pdfium", "pdfplumber"):
        pages = read_pdf_pages(data, name, engine=engine)
        assert [p.lines for p in pages] == [p.lines for p in upright], engine
        assert [p.clipped for p in pages] == [p.clipped for p in upright], engine
        assert any(p.clipped for p in pages)  # the clipped line of p.12 is seen on the turned page too
        for p, q in zip(pages, upright):
            for ws, vs in zip(p.words, q.words):
                assert [w.text for w in ws] == [v.text for v in vs]
                assert all(_close(w.x0, v.x0, 0.5) and _close(w.top, v.top, 0.5) for w, v in zip(ws, vs)), engine


@absent
@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("quarters", [0, 1])
def test_a_page_box_away_from_the_origin_reads_as_the_original(tmp_path, originals, engine, quarters):
    """Content and MediaBox moved by (100, 50) (turned or not): what is shown is the same
    page, so the same records, boxes and findings, with either engine (both read every
    coordinate from the visible box's top-left corner)."""
    name = DOCUMENTS[1]
    copy = tmp_path / f"moved-{quarters}-{name}"
    copy.write_bytes(turned_copy(REAL / name, quarters, moved=(100.0, 50.0)))
    original, moved = originals[name], yusuan.extract_document(copy, engine=engine)
    exact = engine == "pdfium"  # the original is read by PDFium: pdfplumber's boxes differ by a hair
    for kind in FIELDS:
        assert _rows(moved, kind, boxes=exact) == _rows(original, kind, boxes=exact), kind
    for a, b in zip(original.records["table_cells"], moved.records["table_cells"]):
        assert all(_close(getattr(a, f), getattr(b, f), 0.5) for f in ("x0", "y0", "x1", "y1")), (a, b)


@absent
@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
def test_a_cropped_page_is_read_from_its_visible_corner(tmp_path, originals, engine):
    """A CropBox 20 pt inside the MediaBox: the same records and findings (the clipped line
    of p.12 included), every cell box 20 pt up and left (measured from what is shown)."""
    name = DOCUMENTS[0]
    copy = tmp_path / f"cropped-{name}"
    copy.write_bytes(cropped_copy(REAL / name, 20.0))
    original, cropped = yusuan.extract_document(REAL / name), yusuan.extract_document(copy, engine=engine)
    for kind in FIELDS:
        assert _rows(cropped, kind, boxes=False) == _rows(original, kind, boxes=False), kind
    for a, b in zip(original.records["table_cells"], cropped.records["table_cells"]):
        assert all(_close(getattr(a, f), getattr(b, f) + 20, 0.5) for f in ("x0", "y0", "x1", "y1")), (a, b)
