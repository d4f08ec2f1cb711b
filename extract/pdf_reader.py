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
from collections.abc import Callable, Iterator
from typing import Literal

from ..errors import UnreadableDocument
from ..schemas.intermediate import Page
from .ocr import DEFAULT_OCR, INSTALL_HINT, OCR_MODES, OcrMode, available as ocr_available, wants_ocr
from .pdf_geometry import RULE_WIDTH, Box, Char, Drawing, lay_out

Engine = Literal["pdfium", "pdfplumber"]
ENGINES: tuple[Engine, ...] = ("pdfium", "pdfplumber")
DEFAULT_ENGINE: Engine = "pdfium"


def read_pdf_pages(data: bytes, source: str, password: str | None = None,
                   engine: Engine = DEFAULT_ENGINE, ocr: OcrMode = DEFAULT_OCR) -> list[Page]:
    """Given PDF bytes, return its pages; UnreadableDocument (one line) when it can't.

    Pages without a text layer are read by OCR (`ocr`: auto, the default, when the `ocr`
    extra is installed; always: every page; never); otherwise they come back with
    `problem` set and no lines. Only when no page at all has text is the document
    unreadable.
    """
    if ocr not in OCR_MODES:
        raise ValueError(f"unknown OCR mode {ocr!r}; choose one of {', '.join(OCR_MODES)}")
    if engine not in ENGINES:
        raise ValueError(f"unknown PDF engine {engine!r}; choose one of {', '.join(ENGINES)}")
    reader = _pdfium_pages if engine == "pdfium" else _pdfplumber_pages
    pages = []
    try:
        for number, (chars, drawing, size) in enumerate(reader(data, source, password), start=1):
            pages.append(lay_out(number, chars, drawing, size))
    except _Rotated:
        # PDFium gives a rotated page's characters in unrotated space, one per line;
        # pdfplumber turns them upright: such a document is read by pdfplumber.
        return read_pdf_pages(data, source, password, "pdfplumber", ocr)
    except UnreadableDocument:
        raise
    except Exception as exc:  # a truncated or damaged file fails while its pages are read
        raise UnreadableDocument(source, f"PDF could not be read to the end ({type(exc).__name__})") from None
    pages = _with_ocr(pages, data, source, password, ocr)
    if not any(p.lines for p in pages):
        why = {p.problem for p in pages} - {None}
        reason = "its fonts have no Unicode mapping" if why == {"unmapped_font"} else \
            "it has no text layer (a scanned image?)"
        if why and not any(p.read_by == "ocr" for p in pages):
            reason += f"; OCR reads such pages: {INSTALL_HINT}, then --ocr auto" if not ocr_available() \
                else "; OCR reads such pages: --ocr auto"
        raise UnreadableDocument(source, f"PDF has no readable text: {reason}")
    return pages


def _with_ocr(pages: list[Page], data: bytes, source: str, password: str | None, mode: OcrMode) -> list[Page]:
    """The pages with those the OCR mode sends to OCR read by it (extract.ocr); without
    the `ocr` extra they keep their problem (auto) or the document is refused (always)."""
    numbers = {p.number for p in pages if wants_ocr(p, mode)}
    if not numbers:
        return pages
    if not ocr_available():
        if mode == "always":
            raise UnreadableDocument(source, f"--ocr always needs the OCR extra: {INSTALL_HINT}")
        return pages
    from .ocr import ocr_pages

    return ocr_pages(data, password, pages, numbers, _page_objects)


PageParts = tuple[list[Char], Callable[[], Drawing], tuple[float, float]]
"""A page's characters, a function that reads its drawing when the layout needs it
(called while the page is open, before the next page is read), and the visible page
box's width and height."""


def _pdfplumber_pages(data: bytes, source: str, password: str | None) -> Iterator[PageParts]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data), password=password or "")
    except Exception as exc:  # pdfminer raises many exception types on corrupt files
        # pdfplumber wraps pdfminer's errors: look inside for a wrong password.
        if isinstance(exc, PDFPasswordIncorrect) or any(isinstance(a, PDFPasswordIncorrect) for a in exc.args):
            raise UnreadableDocument(source, "encrypted PDF: give the password with --password") from None
        raise UnreadableDocument(source, f"not a readable PDF ({type(exc).__name__})") from None
    with pdf:
        for page in pdf.pages:
            # The text matrix's translation is the glyph origin: its y the baseline.
            chars = [Char(c["text"], c["x0"], c["x1"], page.height - c["matrix"][5] + page.bbox[1])
                     for c in page.chars]
            paths = [p for p in page.rects if not _white_fill(p)] + page.lines
            boxes = [_stroked_box(p) for p in paths]
            yield chars, lambda: (boxes, bool(page.images)), (page.width, page.height)
            page.close()  # frees pdfminer's layout cache page by page


def _stroked_box(path: dict) -> Box:
    """A pdfplumber path's box with its stroke: half the line width on every side, as
    PDFium's bounds give it (a rule drawn to a cell corner then reaches the corner)."""
    half = (path.get("linewidth") or 0) / 2 if path.get("stroke") else 0
    return Box(path["x0"] - half, path["x1"] + half, path["top"] - half, path["bottom"] + half)


def _white_fill(rect: dict) -> bool:
    """A rectangle filled white and not stroked draws nothing on the page (a cell
    background of a spreadsheet export): it is no rule."""
    if rect.get("stroke") or not rect.get("fill"):
        return False
    color = rect.get("non_stroking_color")
    values = tuple(color) if isinstance(color, (tuple, list)) else (color,)
    if not values or any(v is None or not isinstance(v, (int, float)) for v in values):
        return False
    if len(values) == 4:  # CMYK: white is no ink
        return all(v <= WHITE_INK for v in values)
    return all(v >= 1 - WHITE_INK for v in values)


WHITE_INK = 0.03
"""How far a colour component may be from paper white and still be white."""


class _Rotated(Exception):
    """A page is rotated (/Rotate): the PDFium engine hands the document to pdfplumber."""


def _pdfium_pages(data: bytes, source: str, password: str | None) -> Iterator[PageParts]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableDocument(source, "encrypted PDF: give the password with --password") from None
        raise UnreadableDocument(source, f"not a readable PDF ({exc})") from None
    # The calls below run once per character: bound once, with reused out-parameters.
    loose_box, origin = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetCharOrigin
    box, x, y = raw.FS_RECTF(), ctypes.c_double(), ctypes.c_double()
    box_ref, x_ref, y_ref = ctypes.byref(box), ctypes.byref(x), ctypes.byref(y)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            if page.get_rotation() % 360:
                raise _Rotated
            height = page.get_height()
            text = page.get_textpage()
            handle = text.raw
            chars = []
            append = chars.append
            top = bottom = baseline = None
            for i, ch in enumerate(_page_text(raw, handle)):
                if ch.isspace():
                    continue  # printed or made up by PDFium: words are split by their gaps
                loose_box(handle, i, box_ref)
                # The loose box spans the font's ascent and descent: the same vertical
                # extent as the character before means the same baseline, so the origin
                # (a second call per character) is asked only when it changes.
                t, b = box.top, box.bottom
                if t != top or b != bottom:
                    origin(handle, i, x_ref, y_ref)
                    top, bottom, baseline = t, b, height - y.value
                append(Char(ch, box.left, box.right, baseline))
            yield chars, lambda: _page_objects(raw, page.raw, height), (page.get_width(), height)
            text.close()
            page.close()
    finally:
        pdf.close()


def _page_text(raw, handle) -> str:
    """The text page's characters, one per character index (one call, not one per char)."""
    n = raw.FPDFText_CountChars(handle)
    buf = (ctypes.c_ushort * (n + 1))()
    got = raw.FPDFText_GetText(handle, 0, n, buf)
    text = bytes(buf)[: max(got - 1, 0) * 2].decode("utf-16-le", "replace")
    if len(text) != n:  # characters outside the BMP take two UTF-16 units: go one by one
        text = "".join(_char(raw.FPDFText_GetUnicode(handle, i)) for i in range(n))
    return text


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner`, then `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _matrix(raw, obj) -> Matrix:
    m = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _page_objects(raw, page, height: float) -> Drawing:
    """The page's path boxes (top-left coordinates), following form XObjects (their
    objects placed by the form's matrix), and whether it shows an image."""
    boxes: list[Box] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    refs = [ctypes.byref(v) for v in (left, bottom, right, top)]
    images = False
    white_fill = _WhiteFill(raw)
    # Bound once: a page has a hundred paths and hundreds of text objects to pass over.
    kind_of, path_kind = raw.FPDFPageObj_GetType, raw.FPDF_PAGEOBJ_PATH
    stack = [(raw.FPDFPage_GetObject, page, raw.FPDFPage_CountObjects(page), _IDENTITY)]
    while stack:
        get, parent, count, placed = stack.pop()
        for k in range(count):
            obj = get(parent, k)
            kind = kind_of(obj)
            if kind == path_kind:
                if white_fill(obj):
                    continue
                if raw.FPDFPath_CountSegments(obj) not in SIMPLE_PATHS:
                    boxes.extend(_segments(raw, obj, height, placed))
                    continue
                raw.FPDFPageObj_GetBounds(obj, *refs)
                if placed is not _IDENTITY:  # bounds are in the form's space
                    corners = [_apply(placed, x, y) for x in (left.value, right.value) for y in (bottom.value, top.value)]
                    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
                    boxes.append(Box(min(xs), max(xs), height - max(ys), height - min(ys)))
                else:
                    boxes.append(Box(left.value, right.value, height - top.value, height - bottom.value))
            elif kind == raw.FPDF_PAGEOBJ_IMAGE:
                images = True
            elif kind == raw.FPDF_PAGEOBJ_FORM:
                stack.append((raw.FPDFFormObj_GetObject, obj, raw.FPDFFormObj_CountObjects(obj),
                              _compose(_matrix(raw, obj), placed)))
    return boxes, images


class _WhiteFill:
    """Tells a path filled white and not stroked (see `_white_fill`); its out-parameters
    are made once, as the call runs for every path of a page."""

    def __init__(self, raw):
        self.draw_mode, self.fill_color = raw.FPDFPath_GetDrawMode, raw.FPDFPageObj_GetFillColor
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.mode_refs = (ctypes.byref(self.fill), ctypes.byref(self.stroke))
        self.rgba = [ctypes.c_uint() for _ in range(4)]
        self.rgba_refs = tuple(ctypes.byref(v) for v in self.rgba)
        self.white = 255 * (1 - WHITE_INK)

    def __call__(self, obj) -> bool:
        if not self.draw_mode(obj, *self.mode_refs) or self.stroke.value or not self.fill.value:
            return False
        if not self.fill_color(obj, *self.rgba_refs):
            return False
        return min(v.value for v in self.rgba[:3]) >= self.white


SIMPLE_PATHS = (1, 2, 5)
"""Segment counts of a path drawn as one line (move, line) or one rectangle (move, three
lines, close): its bounds are its box. Any other path (two lines in one path, a whole
grid drawn as one path) is walked segment by segment."""


def _segments(raw, obj, height: float, placed: Matrix = _IDENTITY) -> list[Box]:
    """One box per straight horizontal or vertical segment of a path (top-left
    coordinates); curves and slanted strokes are no rules."""
    matrix = _compose(_matrix(raw, obj), placed)
    x, y = ctypes.c_float(), ctypes.c_float()

    def point(segment) -> tuple[float, float]:
        raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        px, py = _apply(matrix, x.value, y.value)
        return px, height - py

    out, start, last = [], None, None
    for i in range(raw.FPDFPath_CountSegments(obj)):
        segment = raw.FPDFPath_GetPathSegment(obj, i)
        kind, here = raw.FPDFPathSegment_GetType(segment), point(segment)
        if kind == raw.FPDF_SEGMENT_LINETO and last is not None:
            out.append(_line_box(last, here))
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = here
        last = here
        if raw.FPDFPathSegment_GetClose(segment) and start is not None:
            out.append(_line_box(here, start))
            last = start
    return [b for b in out if min(b.x1 - b.x0, b.bottom - b.top) <= RULE_WIDTH]


def _line_box(a: tuple[float, float], b: tuple[float, float]) -> Box:
    return Box(min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1]))


def _char(code: int) -> str:
    try:
        return chr(code)
    except ValueError:
        return "\ufffd"
