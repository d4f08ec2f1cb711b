"""PDF bytes → pages of lines with cell geometry, by one of two engines.

- `pdfium` (default): pypdfium2 character boxes and path objects, read straight from
  PDFium's text page — fast.
- `pdfplumber`: pdfplumber's characters, rects and lines — the reference reader.

Each engine only turns a page into plain `Char`s and `Box`es; extract.pdf_geometry makes
the lines and columns, so both engines give the same records.
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Iterator
from typing import Literal

from ..errors import UnreadableDocument
from ..schemas.intermediate import Page
from .pdf_geometry import Box, Char, lay_out

Engine = Literal["pdfium", "pdfplumber"]
ENGINES: tuple[Engine, ...] = ("pdfium", "pdfplumber")
DEFAULT_ENGINE: Engine = "pdfium"


def read_pdf_pages(data: bytes, source: str, password: str | None = None,
                   engine: Engine = DEFAULT_ENGINE) -> list[Page]:
    """Given PDF bytes, return its pages; UnreadableDocument (one line) when it can't.

    Pages without a text layer come back with `problem` set and no lines; only when no
    page at all has text is the document unreadable.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose one of {', '.join(ENGINES)}")
    reader = _pdfium_pages if engine == "pdfium" else _pdfplumber_pages
    pages = []
    try:
        for number, (chars, boxes, images) in enumerate(reader(data, source, password), start=1):
            pages.append(lay_out(number, chars, boxes, images))
    except UnreadableDocument:
        raise
    except Exception as exc:  # a truncated or damaged file fails while its pages are read
        raise UnreadableDocument(source, f"PDF could not be read to the end ({type(exc).__name__})") from None
    if not any(p.lines for p in pages):
        why = {p.problem for p in pages} - {None}
        reason = "its fonts have no Unicode mapping" if why == {"unmapped_font"} else \
            "it has no text layer (a scanned image?)"
        raise UnreadableDocument(source, f"PDF has no readable text: {reason}")
    return pages


PageParts = tuple[list[Char], list[Box], bool]


def _pdfplumber_pages(data: bytes, source: str, password: str | None) -> Iterator[PageParts]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password or "")
    except PDFPasswordIncorrect:
        raise UnreadableDocument(source, "encrypted PDF: give the password with --password") from None
    except Exception as exc:  # pdfminer raises many exception types on corrupt files
        raise UnreadableDocument(source, f"not a readable PDF ({type(exc).__name__})") from None
    with pdf:
        for page in pdf.pages:
            # The text matrix's translation is the glyph origin: its y the baseline.
            chars = [Char(c["text"], c["x0"], c["x1"], page.height - c["matrix"][5] + page.bbox[1])
                     for c in page.chars]
            paths = page.rects + page.lines
            boxes = [Box(p["x0"], p["x1"], p["top"], p["bottom"]) for p in paths]
            yield chars, boxes, bool(page.images)
            page.close()  # frees pdfminer's layout cache page by page


def _pdfium_pages(data: bytes, source: str, password: str | None) -> Iterator[PageParts]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableDocument(source, "encrypted PDF: give the password with --password") from None
        raise UnreadableDocument(source, f"not a readable PDF ({exc})") from None
    box = raw.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    path, image = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            height = page.get_height()
            text = page.get_textpage()
            handle = text.raw
            chars = []
            for i in range(text.count_chars()):
                if raw.FPDFText_IsGenerated(handle, i) == 1:
                    continue  # spaces and line ends PDFium made up
                code = raw.FPDFText_GetUnicode(handle, i)
                ch = "\ufffd" if raw.FPDFText_HasUnicodeMapError(handle, i) == 1 else _char(code)
                raw.FPDFText_GetLooseCharBox(handle, i, ctypes.byref(box))
                raw.FPDFText_GetCharOrigin(handle, i, ctypes.byref(x), ctypes.byref(y))
                chars.append(Char(ch, box.left, box.right, height - y.value))
            boxes, images = [], False
            for obj in page.get_objects(filter=(path, image)):
                images = images or obj.type == image
                if obj.type == path:
                    left, bottom, right, top = obj.get_bounds()
                    boxes.append(Box(left, right, height - top, height - bottom))
            text.close()
            page.close()
            yield chars, boxes, images
    finally:
        pdf.close()


def _char(code: int) -> str:
    try:
        return chr(code)
    except ValueError:
        return "\ufffd"
