"""PDF bytes → pages of lines with cell geometry, by one of two engines.

- `pdfium` (default): pypdfium2 character boxes and path objects, read straight from
  PDFium's text page — fast.
- `pdfplumber`: pdfplumber's characters, rects and lines — the reference reader.

Each engine only turns a page into plain `Char`s and `Box`es; extract.pdf_geometry makes
the lines and columns, so both engines give the same records.

Clipping: text a clipping path hides is not printed. PDFium gives each text object's clip
path; for the characters of text objects not inside their clip whose glyph may reach out
of it, the clip box is handed on, by character, to the layout (which drops what the clip
hides and names the lines it cuts). pdfminer ignores clipping, so the pdfplumber engine
takes the same clips from PDFium, matched to its characters by text and place.
"""

from __future__ import annotations

import ctypes
import io
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter, sub
from typing import Literal

from ..errors import UnreadableDocument
from ..schemas.intermediate import Page
from .ocr import DEFAULT_OCR, INSTALL_HINT, OCR_MODES, OcrMode, available as ocr_available, wants_ocr
from .pdf_geometry import ASCENT, OFF_PAGE, RULE_WIDTH, Box, Char, Drawing, lay_out
from . import compiled
from .compiled import LOOPS  # noqa: F401  (which loops run: c | python)

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
        for number, (chars, drawing, size, clips) in enumerate(reader(data, source, password), start=1):
            pages.append(lay_out(number, chars, drawing, size, clips))
    except _TurnedTextUnread:
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


PageParts = tuple[list[Char], Callable[[], Drawing], tuple[float, float], dict[int, Box] | None]
"""A page's characters, a function that reads its drawing when the layout needs it
(called while the page is open, before the next page is read), the visible page box's
width and height, and by character index the clip box of the characters whose text
object is not inside its clip (None: no such character)."""


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
    with pdf, _PdfiumClips(data, password) as clipper:
        for index, page in enumerate(pdf.pages):
            # pdfplumber's coordinates start at the corner of the page's space, not of its
            # visible box (a MediaBox or CropBox away from the origin): moved to the box's.
            left, top, right, bottom = _visible_box(page)
            # The text matrix's translation is the glyph origin: its y the baseline.
            chars = [Char(c["text"], c["x0"] - left, c["x1"] - left, page.height - c["matrix"][5] + page.bbox[1] - top)
                     for c in page.chars]
            paths = [p for p in page.rects if not _white_fill(p)] + page.lines
            boxes = [_moved(_stroked_box(p), left, top) for p in paths]
            yield (chars, lambda: (boxes, bool(page.images)), (right - left, bottom - top),
                   clipper.clips(index, chars))
            page.close()  # frees pdfminer's layout cache page by page


def _visible_box(page) -> tuple[float, float, float, float]:
    """A pdfplumber page's visible box (its CropBox within its MediaBox) in pdfplumber's
    coordinates: (left, top, right, bottom)."""
    media, crop = page.mediabox, page.cropbox or page.mediabox
    return max(media[0], crop[0]), max(media[1], crop[1]), min(media[2], crop[2]), min(media[3], crop[3])


def _moved(box: Box, left: float, top: float) -> Box:
    """A box with its coordinates taken from (left, top)."""
    return box if not (left or top) else Box(box.x0 - left, box.x1 - left, box.top - top, box.bottom - top)


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


class _TurnedTextUnread(Exception):
    """PDFium finds no character on a page shown turned that holds text objects (it drops
    a turned glyph whose font gives it no height); pdfplumber reads such a document."""


Placement = Callable[[Box], Box] | None
"""Takes a box from the page's own top-left coordinates to the page as shown; None: as drawn."""


def _page_space(raw, page) -> tuple[int, tuple[float, float], float, Placement]:
    """A PDFium page's quarter turns (/Rotate), its size as shown, the top of its visible
    box in PDF coordinates (a character's top-left y is that top less its y) and the map
    placing its own top-left boxes on the page as shown (see `_placement`)."""
    quarters = raw.FPDFPage_GetRotation(page)
    if quarters == -1:
        raise ValueError("PDFium cannot read the page's rotation")
    size = raw.FPDF_GetPageWidthF(page), raw.FPDF_GetPageHeightF(page)  # as shown
    box = raw.FS_RECTF()
    if not raw.FPDF_GetPageBoundingBox(page, ctypes.byref(box)):
        box.left, box.top = 0.0, (size[0] if quarters % 2 else size[1])
    return quarters, size, box.top, _placement(quarters, size, box.left)


def _placement(quarters: int, shown: tuple[float, float], left: float = 0.0) -> Placement:
    """For a page shown turned `quarters` quarter turns clockwise (/Rotate) at size `shown`
    (width, height as shown) whose visible box starts `left` points right of its space's
    origin, the map of a box in the page's own top-left coordinates to the shown page's;
    None for a page shown as drawn. A landscape table is often put on a portrait page
    turned; some writers place the page's box away from the origin (a MediaBox of
    [100 50 942 645]): either way, read as shown it is the table as printed."""
    turn = _turner(quarters, shown)
    if not left:
        return turn
    if turn is None:
        return lambda b: _moved(b, left, 0.0)
    return lambda b: turn(_moved(b, left, 0.0))


def _turner(quarters: int, shown: tuple[float, float]) -> Placement:
    """The turn of `_placement` alone (a visible box at the origin)."""
    width, height = shown  # as shown: the page's own space is `height` wide when turned once
    if quarters == 1:  # the page's left edge is shown on top, its bottom on the left
        return lambda b: Box(width - b.bottom, width - b.top, b.x0, b.x1)
    if quarters == 2:
        return lambda b: Box(width - b.x1, width - b.x0, height - b.bottom, height - b.top)
    if quarters == 3:
        return lambda b: Box(b.top, b.bottom, height - b.x1, height - b.x0)
    return None


def _turned(drawing: Drawing, turn: Placement) -> Drawing:
    """A drawing (path boxes, images) with its boxes turned upright by `turn`."""
    boxes, images = drawing
    return (boxes, images) if turn is None else ([turn(b) for b in boxes], images)


def _pdfium_pages(data: bytes, source: str, password: str | None) -> Iterator[PageParts]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableDocument(source, "encrypted PDF: give the password with --password") from None
        raise UnreadableDocument(source, f"not a readable PDF ({exc})") from None
    calls = _calls(raw)
    read_chars = _CharReader(raw)
    try:
        for index in range(len(pdf)):
            # Raw handles, closed here: pypdfium2's page objects register a finalizer each,
            # which cost as much as reading a page's objects.
            page = raw.FPDF_LoadPage(pdf.raw, index)
            if not page:
                raise pdfium.PdfiumError(f"failed to load page {index + 1}")
            text = None
            try:
                # PDFium gives the page's size as shown (turned by /Rotate), its characters
                # and paths in the page's own space: `turn` places those as shown.
                quarters, size, height, turn = _page_space(raw, page)
                text = raw.FPDFText_LoadPage(page)
                if not text:
                    raise pdfium.PdfiumError(f"failed to load the text of page {index + 1}")
                chars, printed = read_chars(text, height, turn)
                if turn is not None and not chars and _holds_text(calls, _address(page)):
                    raise _TurnedTextUnread
                objects = _walk(calls, _address(page), height)
                clips = _clips(calls, objects, chars, printed, _address(text), size, height, turn)
                yield chars, lambda: _turned(objects.drawing(raw, height), turn), size, clips
            finally:
                if text:
                    raw.FPDFText_ClosePage(text)
                raw.FPDF_ClosePage(page)
    finally:
        pdf.close()


class _CharReader:
    """Reads a text page's printed characters; its out-parameters are made once, as the
    calls run once per character."""

    def __init__(self, raw):
        self.raw = raw
        calls = _calls(raw)
        self.loose_box, self.origin = calls.loose_box, calls.origin
        self.box, self.x, self.y = raw.FS_RECTF(), ctypes.c_double(), ctypes.c_double()
        self.refs = ctypes.addressof(self.box), ctypes.addressof(self.x), ctypes.addressof(self.y)
        self.compiled = compiled.loops
        self.addresses = calls.address["loose_box"], calls.address["origin"]

    def __call__(self, text_page, height: float, turn: Placement = None) -> tuple[list[Char], str]:
        """Given a text page and the height of the page's own space, return its characters
        but white space (top-left coordinates; turned upright by `turn`, see `_turner`) and
        the text page's text (one character per index)."""
        if turn is not None:
            return self._turned(text_page, height, turn)
        box_ref, x_ref, y_ref = self.refs
        handle = _address(text_page)
        if self.compiled:
            text = _page_text(self.raw, text_page)
            return self.compiled.chars(text, handle, *self.addresses, box_ref, x_ref, y_ref, height, Char), text
        loose_box, origin, box, y = self.loose_box, self.origin, self.box, self.y
        chars = []
        append = chars.append
        top = bottom = baseline = None
        text = _page_text(self.raw, text_page)
        for i, ch in enumerate(text):
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
        return chars, text

    def _turned(self, text_page, height: float, turn: Placement) -> tuple[list[Char], str]:
        """The characters of a page shown turned, upright: each one's loose box and origin
        in the page's own space, turned (its advance is then across the shown page)."""
        loose_box, origin, box, x, y = self.loose_box, self.origin, self.box, self.x, self.y
        box_ref, x_ref, y_ref = self.refs
        handle = _address(text_page)
        chars = []
        text = _page_text(self.raw, text_page)
        for i, ch in enumerate(text):
            if ch.isspace():
                continue
            loose_box(handle, i, box_ref)
            origin(handle, i, x_ref, y_ref)
            glyph = turn(Box(box.left, box.right, height - box.top, height - box.bottom))
            at = turn(Box(x.value, x.value, height - y.value, height - y.value))
            chars.append(Char(ch, glyph.x0, glyph.x1, at.top))
        return chars, text


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
    return _walk(_calls(raw), _address(page), height).drawing(raw, height)


class _Calls:
    """The PDFium functions called once per page object or character, bound with plain
    addresses for arguments and results: ctypes then makes no pointer object per call,
    and a page of one text object per character has thousands of objects."""

    def __init__(self, raw):
        address, count = ctypes.c_void_p, ctypes.c_int

        def bind(function, result, *arguments):
            return ctypes.CFUNCTYPE(result, *arguments)(ctypes.cast(function, address).value)

        self.count = bind(raw.FPDFPage_CountObjects, count, address)
        self.object = bind(raw.FPDFPage_GetObject, address, address, count)
        self.form_count = bind(raw.FPDFFormObj_CountObjects, count, address)
        self.form_object = bind(raw.FPDFFormObj_GetObject, address, address, ctypes.c_ulong)
        self.kind = bind(raw.FPDFPageObj_GetType, count, address)
        self.matrix = bind(raw.FPDFPageObj_GetMatrix, count, address, address)
        self.bounds = bind(raw.FPDFPageObj_GetBounds, count, address, address, address, address, address)
        self.clip = bind(raw.FPDFPageObj_GetClipPath, address, address)
        self.paths = bind(raw.FPDFClipPath_CountPaths, count, address)
        self.segments = bind(raw.FPDFClipPath_CountPathSegments, count, address, count)
        self.segment = bind(raw.FPDFClipPath_GetPathSegment, address, address, count, count)
        self.point = bind(raw.FPDFPathSegment_GetPoint, count, address, address, address)
        # PDFium builds before FPDFText_GetTextObject cannot tell a character's text
        # object: their pages are read without clips.
        text_object = getattr(raw, "FPDFText_GetTextObject", None)
        self.text_object = bind(text_object, address, address, count) if text_object else None
        self.loose_box = bind(raw.FPDFText_GetLooseCharBox, count, address, count, address)
        self.path_segments = bind(raw.FPDFPath_CountSegments, count, address)
        self.draw_mode = bind(raw.FPDFPath_GetDrawMode, count, address, address, address)
        self.fill_color = bind(raw.FPDFPageObj_GetFillColor, count, address, address, address, address, address)
        self.origin = bind(raw.FPDFText_GetCharOrigin, count, address, count, address, address)
        # The loops in C (extract/_loops.c) call the same functions by their addresses.
        self.path_functions = tuple(ctypes.cast(f, address).value for f in (
            raw.FPDFClipPath_CountPathSegments, raw.FPDFClipPath_GetPathSegment, raw.FPDFPathSegment_GetPoint))
        self.address = {name: ctypes.cast(getattr(raw, function), address).value for name, function in (
            ("loose_box", "FPDFText_GetLooseCharBox"), ("origin", "FPDFText_GetCharOrigin"),
            ("object", "FPDFPage_GetObject"), ("form_object", "FPDFFormObj_GetObject"),
            ("kind", "FPDFPageObj_GetType"), ("clip", "FPDFPageObj_GetClipPath"),
            ("paths", "FPDFClipPath_CountPaths"), ("segment", "FPDFClipPath_GetPathSegment"),
            ("draw_mode", "FPDFPath_GetDrawMode"), ("fill_color", "FPDFPageObj_GetFillColor"),
            ("path_segments", "FPDFPath_CountSegments"), ("bounds", "FPDFPageObj_GetBounds"))}
        self.kinds = (raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM)
        # Out-parameters of the calls above, made once.
        self.floats = [ctypes.c_float() for _ in range(4)]
        self.float_refs = [ctypes.addressof(v) for v in self.floats]
        self.fs_matrix = raw.FS_MATRIX()
        self.matrix_ref = ctypes.addressof(self.fs_matrix)

    def object_matrix(self, obj: int) -> Matrix:
        m = self.fs_matrix
        self.matrix(obj, self.matrix_ref)
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def object_bounds(self, obj: int, placed: Matrix, height: float) -> Box:
        """An object's bounds on the page (top-left coordinates)."""
        self.bounds(obj, *self.float_refs)
        left, bottom, right, top = (v.value for v in self.floats)
        return _placed_box(placed, left, bottom, right, top, height)

    def clip_box(self, clip: int, placed: Matrix, height: float, known: dict | None = None) -> Box | None:
        """The box of a clip path (top-left coordinates): the intersection of its paths'
        boxes (a path not a rectangle counts by its box, showing more, never less); None
        when it clips nothing. `known` keeps the boxes of paths read before on the same
        open page (clips share their first paths: a page's, then a frame's or cell's)."""
        n = self.paths(clip)
        if n <= 0:
            return None
        known = {} if known is None else known
        x_ref, y_ref = self.float_refs[:2]
        x, y = self.floats[:2]
        box = None
        for p in range(n):
            first = self.segment(clip, p, 0)
            here = known.get((first, placed))
            if here is None and compiled.loops is not None:
                got = compiled.loops.path_extent(clip, p, self.path_functions, *self.float_refs[:2])
                if got is None:
                    continue
                here = known[first, placed] = _placed_box(placed, *got, height)
            elif here is None:
                m = self.segments(clip, p)
                if m <= 0:
                    continue
                point, segment = self.point, self.segment
                point(first, x_ref, y_ref)
                left = right = x.value
                bottom = top = y.value
                for s in range(1, m):
                    point(segment(clip, p, s), x_ref, y_ref)
                    px, py = x.value, y.value
                    if px < left:
                        left = px
                    elif px > right:
                        right = px
                    if py < bottom:
                        bottom = py
                    elif py > top:
                        top = py
                here = known[first, placed] = _placed_box(placed, left, bottom, right, top, height)
            box = here if box is None else _intersect(box, here)
        return box


@cache
def _calls(raw) -> _Calls:
    return _Calls(raw)


def _address(handle) -> int:
    """A PDFium handle's address, as the `_Calls` take it."""
    return ctypes.cast(handle, ctypes.c_void_p).value


def _placed_box(placed: Matrix, left: float, bottom: float, right: float, top: float, height: float) -> Box:
    """A box in an object's space (PDF coordinates, y up) → on the page, top-left coordinates."""
    if placed is not _IDENTITY:  # in a form: its own space, placed by the form's matrix
        corners = [_apply(placed, x, y) for x in (left, right) for y in (bottom, top)]
        xs, ys = [p[0] for p in corners], [p[1] for p in corners]
        left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    return Box(left, right, height - top, height - bottom)


def _intersect(a: Box | None, b: Box | None) -> Box | None:
    """Two clip boxes together (None: no clip). An empty intersection keeps its inverted
    edges: it contains no point."""
    if a is None or b is None:
        return a if b is None else b
    return Box(max(a.x0, b.x0), min(a.x1, b.x1), max(a.top, b.top), min(a.bottom, b.bottom))


def _contains(outer: Box, inner: Box, slack: float = 0.0) -> bool:
    return (outer.x0 - slack <= inner.x0 and inner.x1 <= outer.x1 + slack
            and outer.top - slack <= inner.top and inner.bottom <= outer.bottom + slack)


Context = tuple[Matrix, Box | None]
"""Where objects sit: the placement of their form (identity on the page) and the clip box
of the forms around them (None on the page)."""


@dataclass
class _Objects:
    """A page's objects as one pass over them found them: its path objects (drawn boxes,
    read when the layout asks), whether it shows an image, and its text objects grouped
    by their clip path (per form they sit in; text objects without a clip are left out)."""

    paths: list[tuple[int, Matrix]] = field(default_factory=list)
    images: bool = False
    texts: dict[Context, dict[int | None, list]] = field(default_factory=dict)

    def drawing(self, raw, height: float) -> Drawing:
        """The page's path boxes (top-left coordinates) and whether it shows an image."""
        calls = _calls(raw)
        if compiled.loops is not None:
            return self._compiled_drawing(raw, calls, height), self.images
        boxes: list[Box] = []
        left, bottom, right, top = calls.floats
        refs = calls.float_refs
        white_fill = _WhiteFill(calls)
        count_segments, bounds = calls.path_segments, calls.bounds
        for obj, placed in self.paths:
            if white_fill(obj):
                continue
            if count_segments(obj) not in SIMPLE_PATHS:
                boxes.extend(_segments(raw, ctypes.cast(obj, raw.FPDF_PAGEOBJECT), height, placed))
                continue
            bounds(obj, *refs)
            if placed is _IDENTITY:
                boxes.append(Box(left.value, right.value, height - top.value, height - bottom.value))
            else:
                boxes.append(_placed_box(placed, left.value, bottom.value, right.value, top.value, height))
        return boxes, self.images

    def _compiled_drawing(self, raw, calls: "_Calls", height: float) -> list[Box]:
        """The page's path boxes by extract/_loops.c; paths in a form or walked segment by
        segment come back to be read here."""
        a = calls.address
        functions = (a["draw_mode"], a["fill_color"], a["path_segments"], a["bounds"])
        read = compiled.loops.boxes(self.paths, functions, tuple(calls.float_refs), 255 * (1 - WHITE_INK),
                                    SIMPLE_PATHS, height, _IDENTITY, Box)
        boxes: list[Box] = []
        left, bottom, right, top = calls.floats
        for item in read:
            if type(item) is Box:
                boxes.append(item)
                continue
            obj, placed, simple = item
            if not simple:
                boxes.extend(_segments(raw, ctypes.cast(obj, raw.FPDF_PAGEOBJECT), height, placed))
                continue
            calls.bounds(obj, *calls.float_refs)
            boxes.append(_placed_box(placed, left.value, bottom.value, right.value, top.value, height))
        return boxes


def _holds_text(calls: _Calls, page: int) -> bool:
    """Whether a page draws a text object (outside form XObjects)."""
    text_kind = calls.kinds[0]
    return any(calls.kind(calls.object(page, k)) == text_kind for k in range(calls.count(page)))


def _walk(calls: _Calls, page: int, height: float) -> _Objects:
    """One pass over a page's objects, following form XObjects (see `_Objects`); `height`
    places the clip of a form object on the page."""
    out = _Objects()
    scan = _scan if compiled.loops is None else _compiled_scan
    stack = [(False, page, calls.count(page), (_IDENTITY, None))]
    while stack:
        in_form, parent, count, context = stack.pop()
        placed, outer = context
        images, forms = scan(calls, in_form, parent, count, out.texts.setdefault(context, {}), outer is not None,
                             placed, out.paths)
        out.images = out.images or images
        for obj in forms:
            # The form object's own clip holds all it draws; its objects' clips are
            # in the form's space, placed by its matrix.
            clip = calls.clip(obj)
            inside = _intersect(outer, calls.clip_box(clip, placed, height) if clip else None)
            stack.append((True, obj, calls.form_count(obj), (_compose(calls.object_matrix(obj), placed), inside)))
    return out


def _scan(calls: _Calls, in_form: bool, parent: int, count: int, by_clip: dict, outer: bool, placed: Matrix,
          paths: list) -> tuple[bool, list[int]]:
    """The `count` objects of a page (or, `in_form`, of a form XObject) in one pass: its
    text objects grouped into `by_clip` by their clip (the group's first member is the
    clip, or None; text objects without a clip are left out where no clip is `outer`),
    its path objects appended to `paths` with their placement; whether it shows an image,
    and its form objects in order. extract/_loops.c does the same in C."""
    text_kind, path_kind, image_kind, form_kind = calls.kinds
    # Bound once: a page has hundreds of text objects (thousands, one per character).
    get = calls.form_object if in_form else calls.object
    kind_of, clip_of, paths_of, segment = calls.kind, calls.clip, calls.paths, calls.segment
    images, forms = False, []
    last = group = None  # objects in a row mostly share a clip
    for k in range(count):
        obj = get(parent, k)
        kind = kind_of(obj)
        if kind == text_kind:
            clip = clip_of(obj)
            n = paths_of(clip)  # -1 without a clip (PDFium drops a clip of one rectangle holding its object)
            # Objects drawn under one clip share its stored paths: the handle of the
            # last path's first point names the clip (a later clip adds a path).
            key = segment(clip, n - 1, 0) if n > 0 else None
            if key != last or group is None:
                if key is None and not outer:
                    continue  # no clip at all
                group = by_clip.get(key)
                if group is None:
                    group = by_clip[key] = [clip if key is not None else None]
                last = key
            group.append(obj)
        elif kind == path_kind:
            paths.append((obj, placed))
        elif kind == image_kind:
            images = True
        elif kind == form_kind:
            forms.append(obj)
    return images, forms


def _compiled_scan(calls: _Calls, in_form: bool, parent: int, count: int, by_clip: dict, outer: bool,
                   placed: Matrix, paths: list) -> tuple[bool, list[int]]:
    """`_scan` by extract/_loops.c."""
    a = calls.address
    functions = (a["form_object" if in_form else "object"], a["kind"], a["clip"], a["paths"], a["segment"])
    return compiled.loops.scan(parent, count, in_form, functions, calls.kinds, by_clip, outer, placed, paths)


def _clips(calls: _Calls, objects: _Objects, chars: list[Char], text: str, textpage: int,
           size: tuple[float, float], height: float | None = None,
           turn: Placement = None) -> dict[int, Box] | None:
    """By index into `chars` (a text page's characters as `_CharReader` gives them, `text`
    its text), the clip box of each character whose glyph may reach out of the clip of
    its text object, that object's bounds not inside its clip; None when there is none.
    `size` is the page as shown, `height` the top of its visible box (see `_page_space`;
    the shown height by default); on a page shown turned or placed away from the origin,
    `turn` places the clips and bounds PDFium gives in the page's own space as shown, as
    `chars` are.

    Cheap where nothing is clipped: a clip holding the whole page, or every glyph the
    page prints, cuts nothing, and most text objects have only such a clip or none. Of a
    clip shared by many objects, only the characters reaching out of it are looked up
    (their text object); of one shared by a few (a spreadsheet clips each cell), the
    objects' bounds are asked and only characters inside those reaching out looked up."""
    if calls.text_object is None:
        return None
    width, shown_height = size
    page = Box(OFF_PAGE, width - OFF_PAGE, OFF_PAGE, shown_height - OFF_PAGE)
    height = shown_height if height is None else height
    upright = (lambda b: b) if turn is None else (lambda b: None if b is None else turn(b))
    glyphs: _Glyphs | None = None
    out: dict[int, Box] = {}
    known: dict = {}  # path boxes read on this page
    for (placed, outer), by_clip in objects.texts.items():
        for key, group in by_clip.items():
            box = upright(_intersect(calls.clip_box(group[0], placed, height, known) if key is not None else None,
                                     outer))
            if box is None or _contains(box, page):
                continue
            if glyphs is None:
                glyphs = _Glyphs(chars, text, size)
            if glyphs.extent is None or _contains(box, glyphs.extent):
                continue
            members = group[1:]
            inside: dict[int, bool] = {}  # by object: its bounds inside the clip
            if len(members) <= FEW_OBJECTS:
                reaching = []
                for obj in members:
                    bounds = upright(calls.object_bounds(obj, placed, height))
                    inside[obj] = _contains(box, bounds, CLIP_SLACK)
                    if not inside[obj]:
                        reaching.append(bounds)
                candidates = glyphs.near(reaching)
                if not candidates:
                    continue
            else:
                candidates = range(len(chars))
            ours = set(members)
            for j in glyphs.outside(box, candidates):
                obj = calls.text_object(textpage, glyphs.index(j))
                if obj not in ours:
                    continue
                if obj not in inside:
                    inside[obj] = _contains(box, upright(calls.object_bounds(obj, placed, height)), CLIP_SLACK)
                if not inside[obj]:
                    out[j] = box
    return out or None


FEW_OBJECTS = 16
"""A clip shared by at most this many text objects has their bounds asked (one call
each) rather than the characters reaching out of it looked up (one call each)."""
CLIP_SLACK = 0.5
"""Points a text object's bounds may pass its clip and still be inside it."""


_X0, _X1, _BASELINE = attrgetter("x0"), attrgetter("x1"), attrgetter("baseline")


class _Glyphs:
    """A page's characters as glyph boxes for finding those a clip may cut: every glyph
    as tall as the page's widest advance (never smaller than the glyph the layout
    models), and each character's index in the text page, made when asked."""

    def __init__(self, chars: list[Char], text: str, size: tuple[float, float]):
        self.chars, self.text = chars, text
        width, height = size
        got = compiled.loops.extent(chars, Char) if compiled.loops is not None and type(chars) is list else None
        if got is None and chars:  # no C loops, or characters they do not read
            baselines = list(map(_BASELINE, chars))
            got = (max(map(sub, map(_X1, chars), map(_X0, chars))), min(map(_X0, chars)), max(map(_X1, chars)),
                   min(baselines), max(baselines))
        self.font, left, right, top, bottom = got or (0.0, 0.0, 0.0, 0.0, 0.0)
        self.above, self.below = ASCENT * self.font, (1 - ASCENT) * self.font
        # Text placed off the page counts up to the page's edge: it is not printed.
        self.extent = Box(max(left, -OFF_PAGE), min(right, width + OFF_PAGE), max(top - self.above, -OFF_PAGE),
                          min(bottom + self.below, height + OFF_PAGE)) if chars else None
        self._indices: list[int] | None = None
        self._by_baseline: tuple[list[float], list[int]] | None = None

    def outside(self, box: Box, candidates) -> Iterator[int]:
        """The candidates (indices) whose glyph box is not inside `box`."""
        chars, above, below = self.chars, self.above, self.below
        x0, x1, top, bottom = box.x0, box.x1, box.top, box.bottom
        for j in candidates:
            c = chars[j]
            if c.x0 < x0 or c.x1 > x1 or c.baseline - above < top or c.baseline + below > bottom:
                yield j

    def near(self, regions: list[Box]) -> list[int]:
        """The characters whose glyph may lie in one of the regions (object bounds)."""
        if not regions:
            return []
        if self._by_baseline is None:
            order = sorted(range(len(self.chars)), key=lambda j: self.chars[j].baseline)
            self._by_baseline = ([self.chars[j].baseline for j in order], order)
        baselines, order = self._by_baseline
        found = set()
        for r in regions:
            for k in range(bisect_left(baselines, r.top - self.font), bisect_right(baselines, r.bottom + self.font)):
                c = self.chars[order[k]]
                if c.x1 >= r.x0 and c.x0 <= r.x1:
                    found.add(order[k])
        return sorted(found)

    def index(self, j: int) -> int:
        """The text page's index of character j (white space is not among the characters)."""
        if self._indices is None:
            self._indices = [i for i, ch in enumerate(self.text) if not ch.isspace()]
        return self._indices[j]


class _PdfiumClips:
    """The clips of a PDF's pages as PDFium reads them, for characters another engine
    read: each character gets the clip of the PDFium character of the same text at the
    same place (pdfminer ignores clipping); on a page shown turned (/Rotate) both are
    upright. Pages PDFium cannot open get none."""

    def __init__(self, data: bytes, password: str | None):
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw

        self.raw, self.calls, self.error = raw, _calls(raw), pdfium.PdfiumError
        try:
            self.pdf = pdfium.PdfDocument(data, password=password)
        except pdfium.PdfiumError:
            self.pdf = None
        self.read_chars = _CharReader(raw)

    def __enter__(self) -> "_PdfiumClips":
        return self

    def __exit__(self, *exc) -> None:
        if self.pdf is not None:
            self.pdf.close()

    def clips(self, index: int, chars: list[Char]) -> dict[int, Box] | None:
        """Given a page's index and its characters, their clips as `PageParts` holds them."""
        if self.pdf is None or index >= len(self.pdf):
            return None
        try:
            page = self.pdf[index]
        except self.error:  # a page PDFium cannot load: read as pdfminer reads it
            return None
        try:
            try:
                _, size, height, turn = _page_space(self.raw, page.raw)
            except ValueError:  # PDFium cannot place it: read as pdfminer reads it
                return None
            objects = _walk(self.calls, _address(page.raw), height)
            if not any(objects.texts.values()):
                return None
            text = page.get_textpage()
            try:
                own, printed = self.read_chars(text.raw, height, turn)
                own_clips = _clips(self.calls, objects, own, printed, _address(text.raw), size, height, turn)
            finally:
                text.close()
        finally:
            page.close()
        return _matched(chars, own, own_clips) if own_clips else None


MATCH = 1.0
"""Points two engines' places of one character may differ (their baselines agree to
0.4 pt, their advances to less)."""


def _matched(chars: list[Char], own: list[Char], own_clips: dict[int, Box]) -> dict[int, Box] | None:
    """Clips of PDFium's characters (`own`, by index) → clips of `chars`: each takes the
    clip of a clipped PDFium character of its text within `MATCH` of its place."""
    by_text: dict[str, list[tuple[float, float, Box]]] = {}
    for j, box in own_clips.items():
        c = own[j]
        by_text.setdefault(c.text, []).append((c.x0 + c.x1, c.baseline, box))
    out = {}
    for i, c in enumerate(chars):
        for middle, baseline, box in by_text.get(c.text, ()):
            if abs(c.x0 + c.x1 - middle) <= 2 * MATCH and abs(c.baseline - baseline) <= MATCH:
                out[i] = box
                break
    return out or None


class _WhiteFill:
    """Tells a path filled white and not stroked (see `_white_fill`); its out-parameters
    are made once, as the call runs for every path of a page."""

    def __init__(self, calls: "_Calls"):
        self.draw_mode, self.fill_color = calls.draw_mode, calls.fill_color
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.mode_refs = (ctypes.addressof(self.fill), ctypes.addressof(self.stroke))
        self.rgba = [ctypes.c_uint() for _ in range(4)]
        self.rgba_refs = tuple(ctypes.addressof(v) for v in self.rgba)
        self.white = 255 * (1 - WHITE_INK)

    def __call__(self, obj: int) -> bool:
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
