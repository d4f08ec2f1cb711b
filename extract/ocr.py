"""Pages without a text layer → the same page model, read by OCR (the `ocr` extra).

A page is rendered by PDFium (`DPI`), its slight rotation measured and undone, and its
text read by RapidOCR (PP-OCR models that ship inside the `rapidocr` wheel: nothing is
downloaded at run time). Each recognised character becomes a `Char` in PDF points, as
the text layer would give it, and the rules come from the PDF's own drawing or, where
it draws none (a scan), from the image: long dark runs of the binarised page, across
and down. So the one layout stage (extract.pdf_geometry.lay_out) makes the page's
lines, words, cells and bands, and tables are read exactly as for text PDFs. Every word
keeps the recogniser's confidence per character (`Word.confidence`), and the page says
it was read by OCR (`Page.read_by`).

What the recogniser reads is kept, but for marks no amount can print (a decimal point
seen twice, a comma where only a decimal point fits, a lone speck read as `.`), which
are read as the one mark they can be, at a low confidence. An amount OCR misread is
checked by the identities like any other (validate.ocr_readings names such cells).
"""

from __future__ import annotations

import importlib.util
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from ..schemas.intermediate import Page, Word
from .pdf_geometry import RULE_WIDTH, Box, Char, lay_out

OcrMode = Literal["auto", "always", "never"]
OCR_MODES: tuple[OcrMode, ...] = ("auto", "always", "never")
DEFAULT_OCR: OcrMode = "auto"
INSTALL_HINT = "pip install 'yusuan[ocr]'"
OCR_HINT = f"{INSTALL_HINT}, with --ocr auto, the default"
"""How to have such a page read: the words of a no_text_layer finding."""

DPI = 200
"""Rendering resolution: budget tables print 9–12 point digits, 25–33 pixels high here."""
MAX_SKEW = 3.0
"""Degrees: a scan tilted more than this is not straightened (nor looked for)."""
SKEW_STEP = 0.05
INK = 160
"""Grey level (0 black–255 white) below which a pixel is ink."""
RULE_MIN = {"horizontal": 20.0, "vertical": 10.0}
"""Points: the shortest dark run that is a rule; letters are shorter (a CJK 一 at 12 pt
is 11 pt wide, a digit 1 about 8 pt high)."""
RULE_GAP = 1.5
"""Points: a rule broken by a gap this short (scan noise, a faint stretch) is one rule."""
BOX_THRESH = 0.3
"""The detector's least score for a text region (its own default, 0.5, drops lone digits)."""
MIN_TEXT_SCORE = 0.3
"""Text lines the recogniser scores below this are noise (specks, stamps); above it
every line is kept with its confidence, however low."""
NOISE_MARKS = " .,，。·・'`\"：:;；"
"""A text line of these marks only is a speck or a rule's remnant, not printed text."""
WORD_BREAK = 0.45
"""A gap between two recognised characters of one text line wider than this share of
the line's height is a space between words; narrower gaps are letter spacing."""
THREADS = int(os.environ.get("YUSUAN_OCR_THREADS", "0")) or None
"""Threads for the recogniser (onnxruntime); unset: its own default (every core)."""


def available() -> bool:
    """True when the `ocr` extra (rapidocr with onnxruntime) is installed."""
    try:
        return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime", "cv2"))
    except (ImportError, ValueError):  # a module half there (its name in sys.modules, no spec)
        return False


def wants_ocr(page: Page, mode: OcrMode) -> bool:
    """Given a page read from the text layer and the OCR mode, return whether OCR reads
    it: `always` every page, `auto` the pages whose text layer is missing or unreadable
    (a blank or rules-only page is not sent), `never` none."""
    if mode == "always":
        return True
    return mode == "auto" and page.problem is not None


@lru_cache(maxsize=1)
def _engine():
    from rapidocr import RapidOCR

    # A lone `0` in a wide cell scores about 0.4 as a text region: BOX_THRESH keeps it.
    params = {"Global.log_level": "error", "Global.use_cls": False, "Det.box_thresh": BOX_THRESH}
    if THREADS:
        params |= {"EngineConfig.onnxruntime.intra_op_num_threads": THREADS,
                   "EngineConfig.onnxruntime.inter_op_num_threads": 1}
    # Upright after deskewing: the 0/180° classifier is not run.
    return RapidOCR(params=params)


def ocr_pages(data: bytes, password: str | None, pages: list[Page], numbers: set[int],
              drawing: Callable | None = None) -> list[Page]:
    """Given PDF bytes, its pages as read from the text layer and the page numbers to
    OCR, return the pages with those replaced by what OCR read (`read_by = "ocr"`).
    `drawing(raw, page, height)` reads a page's drawn boxes (extract.pdf_reader): where
    they rule a grid those rules are used, else the rules are found in the image. A page
    OCR fails on keeps what the text layer gave (its problem is its finding)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    out = list(pages)
    pdf = pdfium.PdfDocument(data, password=password)
    try:
        for i, page in enumerate(pages):
            if page.number not in numbers:
                continue
            pdf_page = pdf[page.number - 1]
            try:
                size = (pdf_page.get_width(), pdf_page.get_height())
                boxes = drawing(raw, pdf_page.raw, size[1])[0] if drawing else []
                gray = np.asarray(pdf_page.render(scale=DPI / 72, grayscale=True).to_pil().convert("L"))
                out[i] = read_image(page.number, gray, DPI / 72, size, boxes)
            except (pdfium.PdfiumError, ValueError, RuntimeError, MemoryError):
                continue  # not rendered or not recognised: the page keeps its problem finding
            finally:
                pdf_page.close()
    finally:
        pdf.close()
    return out


def read_image(number: int, gray: np.ndarray, scale: float, size: tuple[float, float],
               pdf_boxes: list[Box] = ()) -> Page:
    """Given a page image (grey levels, `scale` pixels per point), the page's size in
    points and its drawn boxes (if any), return its `Page` as OCR reads it.

    Steps: straighten; find the text lines; find the rules with the text left out (or
    take the PDF's own); erase the rules, so no rule is read as a 1 or a |; widen each
    text line sideways up to its neighbours and rules (the detector leaves a lone 一 of
    `一、` or `一般` outside its line); recognise each line."""
    angle = skew(gray)
    if angle:
        gray = _rotate(gray, angle)
    gray = despeckle(gray)
    lines = detect(gray)
    if _rules_grid(pdf_boxes):
        rules = list(pdf_boxes)
        printed = [edge for b in rules for edge in _outline(b)]
    else:
        printed = image_rules(gray, scale, lines)
        rules = [_thin(r) for r in printed]
    clean = _erase(gray, printed, scale)
    chars, confidences = recognise(clean, [_trim(clean, b) for b in _widen(lines, rules, scale)], scale)
    page = lay_out(number, chars, lambda: (rules, False), size)
    return _with_confidence(page, confidences)


PixelBox = tuple[int, int, int, int]
"""x0, top, x1, bottom in pixels."""


def detect(gray: np.ndarray) -> list[PixelBox]:
    """Given a straightened page image, return the boxes of its text lines (pixels)."""
    found = _engine()(np.dstack([gray] * 3), use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(found, "boxes", None)
    if boxes is None:
        return []
    out = []
    for quad in boxes:
        q = np.asarray(quad, dtype=float)
        out.append((int(q[:, 0].min()), int(q[:, 1].min()), int(np.ceil(q[:, 0].max())), int(np.ceil(q[:, 1].max()))))
    return out


def _erase(gray: np.ndarray, rules: list[Box], scale: float) -> np.ndarray:
    """The image with its rules painted white (ERASE_MARGIN pixels more on each side:
    the grey edge of a scanned rule)."""
    out = gray.copy()
    h, w = out.shape
    m = ERASE_MARGIN
    for b in rules:
        x0, x1 = max(int(b.x0 * scale) - m, 0), min(int(np.ceil(b.x1 * scale)) + m, w)
        y0, y1 = max(int(b.top * scale) - m, 0), min(int(np.ceil(b.bottom * scale)) + m, h)
        out[y0:y1, x0:x1] = 255
    return out


ERASE_MARGIN = 2
WIDEN = 2.5
"""A text line is widened by up to this many line heights on each side (the detector
can leave out `一、` at its start), then trimmed to the ink."""


def _widen(lines: list[PixelBox], rules: list[Box], scale: float) -> list[PixelBox]:
    """Each text line widened sideways by up to WIDEN line heights, stopping short of the
    next line on its row and of the vertical rules crossing it."""
    out = []
    verticals = [((b.x0 + b.x1) / 2 * scale, b.top * scale, b.bottom * scale) for b in rules
                 if b.x1 - b.x0 <= RULE_WIDTH < b.bottom - b.top]
    for i, (x0, y0, x1, y1) in enumerate(lines):
        h = y1 - y0
        mid = (y0 + y1) / 2
        left, right = x0 - WIDEN * h, x1 + WIDEN * h
        for j, (a0, b0, a1, b1) in enumerate(lines):
            if j != i and b0 < mid < b1:
                if a1 <= x0:
                    left = max(left, a1 + 1)
                elif a0 >= x1:
                    right = min(right, a0 - 1)
        for x, top, bottom in verticals:
            if top < mid < bottom:
                if x <= x0:
                    left = max(left, x + 2)
                elif x >= x1:
                    right = min(right, x - 2)
        out.append((int(min(left, x0)), y0, int(max(right, x1)), y1))
    return out


def _trim(gray: np.ndarray, box: PixelBox) -> PixelBox:
    """A widened line box cut back to the first and last column with ink in it."""
    x0, y0, x1, y1 = box
    cols = np.nonzero((gray[y0:y1, x0:x1] < INK).any(axis=0))[0]
    if not len(cols):
        return box
    pad = int(TRIM_PAD * (y1 - y0))  # white each side, as the detector's own boxes have
    return (max(x0 + int(cols[0]) - pad, x0), y0, min(x0 + int(cols[-1]) + 1 + pad, x1), y1)


TRIM_PAD = 0.3
"""White kept beside the ink of a trimmed line, in line heights."""
SPECK = 3
"""Pixels: a dark blot this small with no ink next to it is scan noise (a decimal point
at 200 dpi is 6 or more)."""


def despeckle(gray: np.ndarray) -> np.ndarray:
    """The image with dark blots of at most SPECK pixels (scan noise) made white."""
    import cv2

    ink = (gray < INK).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.nonzero(stats[:, cv2.CC_STAT_AREA] <= SPECK)[0]
    small = small[small != 0]
    if not len(small):
        return gray
    out = gray.copy()
    out[np.isin(labels, small)] = 255
    return out


def _outline(b: Box) -> list[Box]:
    """What a drawn path prints as rules: a thin one itself, a box its four edges (a
    cell's rectangle is not erased whole: its text is inside)."""
    if min(b.x1 - b.x0, b.bottom - b.top) <= RULE_WIDTH:
        return [b]
    w = EDGE / 2
    return [Box(b.x0 - w, b.x1 + w, b.top - w, b.top + w), Box(b.x0 - w, b.x1 + w, b.bottom - w, b.bottom + w),
            Box(b.x0 - w, b.x0 + w, b.top - w, b.bottom + w), Box(b.x1 - w, b.x1 + w, b.top - w, b.bottom + w)]


EDGE = 1.0
"""Points: the width erased along a drawn box's edge."""


def _rules_grid(boxes) -> bool:
    thin_v = sum(b.x1 - b.x0 <= RULE_WIDTH < b.bottom - b.top for b in boxes)
    thin_h = sum(b.bottom - b.top <= RULE_WIDTH < b.x1 - b.x0 for b in boxes)
    return thin_v >= 2 and thin_h >= 2


def skew(gray: np.ndarray) -> float:
    """Given a page image, return the angle (degrees, counter-clockwise positive as PIL
    rotates) that makes its text lines and rules level: the angle whose row profile of
    ink is sharpest, searched within ±MAX_SKEW."""
    small = gray[::2, ::2]  # half resolution is plenty to measure a tilt
    ys, xs = np.nonzero(small < INK)
    if len(ys) < 100:
        return 0.0
    if len(ys) > 200_000:
        pick = np.random.default_rng(0).choice(len(ys), 200_000, replace=False)
        ys, xs = ys[pick], xs[pick]
    xs = xs - small.shape[1] / 2
    best, best_score = 0.0, -1.0
    # Nearest to level first: a tilt scoring no better than a smaller one is not taken.
    for angle in sorted(np.arange(-MAX_SKEW, MAX_SKEW + SKEW_STEP / 2, SKEW_STEP), key=abs):
        t = np.tan(np.radians(angle))
        # Rotating the page by `angle` moves a point's row by about x·tan(angle).
        rows = np.round(ys - xs * t).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        score = float(np.dot(counts, counts))
        if score > best_score:
            best, best_score = float(angle), score
    return 0.0 if abs(best) < SKEW_STEP / 2 else round(best, 2)


def _rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(gray).rotate(angle, resample=Image.BICUBIC, fillcolor=255))


@dataclass(frozen=True, slots=True)
class OcrChar:
    """A recognised character in points: its box and the recogniser's confidence."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    confidence: float


def recognise(gray: np.ndarray, lines: list[PixelBox], scale: float) -> tuple[list[Char], list[OcrChar]]:
    """Given a page image and its text line boxes, return the recognised characters as
    layout `Char`s (advance from x0 to x1, baseline, in points) and, in the same order,
    with their boxes and confidences. Characters of one line touch unless there is a
    word space between them."""
    from rapidocr.cal_rec_boxes import CalRecBoxes

    h, w = gray.shape
    lines = [(max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)) for x0, y0, x1, y1 in lines]
    lines = [b for b in lines if b[2] > b[0] and b[3] > b[1]]
    chars: list[Char] = []
    info: list[OcrChar] = []
    if not lines:
        return chars, info
    rgb = np.dstack([gray] * 3)
    crops = [np.ascontiguousarray(rgb[y0:y1, x0:x1]) for x0, y0, x1, y1 in lines]
    engine = _engine()
    engine.update_params(return_word_box=True, return_single_char_box=True)
    read = engine.recognize_txt(crops)
    quads = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]] for x0, y0, x1, y1 in lines], dtype=np.float32)
    read = CalRecBoxes()(crops, quads, read, return_single_char_box=True)
    for (x0, y0, x1, y1), text, score, pieces in zip(lines, read.txts, read.scores, read.word_results):
        if not text.strip() or score < MIN_TEXT_SCORE or not text.strip(NOISE_MARKS):
            continue  # nothing, noise, or a speck read as a lone mark (a `-` is kept: a printed blank)
        top, bottom = y0 / scale, y1 / scale
        height = bottom - top
        # The glyphs sit in the box's middle; a baseline about a fifth of it above the bottom.
        baseline = bottom - 0.2 * height
        spans = []
        for piece, confidence, quad in pieces:
            quad = np.asarray(quad, dtype=float)
            a, b = float(quad[:, 0].min()) / scale, float(quad[:, 0].max()) / scale
            piece = "".join(piece.split())
            if not piece:
                continue
            step = (b - a) / len(piece)  # a word box of several characters: shared evenly
            spans += [[ch, a + k * step, a + (k + 1) * step, float(confidence)] for k, ch in enumerate(piece)]
        spans.sort(key=lambda s: s[1])
        spans = _without_lone_marks(_one_point(spans), WORD_BREAK * height)
        for k, (ch, a, b, confidence) in enumerate(spans):
            if k + 1 < len(spans) and spans[k + 1][1] - b <= WORD_BREAK * height:
                b = max(b, spans[k + 1][1])  # letter spacing: advance to the next glyph
            chars.append(Char(ch, a, b, baseline))
            info.append(OcrChar(ch, a, b, top, bottom, confidence))
    return chars, info


def _one_point(spans: list[list]) -> list[list]:
    """Recognised characters with a doubled decimal point or comma (`4,432..78`: the
    recogniser saw one mark twice) read as one, at the confidence of the less sure and
    never above LOW_MARK, so a reading no identity confirms is reported."""
    out: list[list] = []
    for span in spans:
        if out and span[0] in ".,，" and out[-1][0] == span[0]:
            out[-1] = [span[0], out[-1][1], span[2], min(out[-1][3], span[3], LOW_MARK)]
            continue
        out.append(span)
    return out


_AMOUNT = re.compile(r"-?\d{1,3}(?:,\d{3})*,\d{1,2}|-?\d+,\d{1,2}")
"""An amount whose last comma stands where only a decimal point can (`156,60`)."""


def _words_of(spans: list[list], gap: float) -> list[list[list]]:
    words: list[list[list]] = []
    for span in spans:
        if words and span[1] - words[-1][-1][2] <= gap:
            words[-1].append(span)
        else:
            words.append([span])
    return words


def _without_lone_marks(spans: list[list], gap: float) -> list[list]:
    """A line's characters without the words (runs closer than `gap`) made only of
    NOISE_MARKS (a speck beside a number read as `.` is no printed text), and with the
    last comma of an amount that only a decimal point fits (`156,60`) read as the point,
    at a confidence of at most LOW_MARK."""
    out = []
    for word in _words_of(spans, gap):
        text = "".join(c[0] for c in word)
        if not text.strip(NOISE_MARKS):
            continue
        if _AMOUNT.fullmatch(text):
            i = text.rindex(",")
            word[i] = [".", word[i][1], word[i][2], min(word[i][3], LOW_MARK)]
        out += word
    return out


LOW_MARK = 0.5
"""Confidence given to a mark read twice and taken once."""


def image_rules(gray: np.ndarray, scale: float, text: list[PixelBox] = ()) -> list[Box]:
    """Given a page image and its text line boxes (pixels), return its rules as boxes in
    points as thick as they print: dark runs at least RULE_MIN long across (horizontal)
    or down (vertical), gaps under RULE_GAP closed, runs on adjacent pixel rows merged
    into one. A run that stays inside one text line is a stroke of its letters (a
    title's 一, the stem of a large letter), no rule: a rule crossing a line of text
    runs on beyond it."""
    ink = gray < INK
    gap = max(1, round(RULE_GAP * scale))
    boxes = []
    for axis, name in ((1, "horizontal"), (0, "vertical")):
        grid = ink if axis == 1 else ink.T
        for _, start, end, first, last in _merge_runs(_runs(grid, gap, round(RULE_MIN[name] * scale))):
            # In pixels: (x0, top, x1, bottom) of the run.
            px = (start, first, end, last + 1) if axis == 1 else (first, start, last + 1, end)
            if any(_inside(px, t) for t in text):
                continue
            boxes.append(Box(px[0] / scale, px[2] / scale, px[1] / scale, px[3] / scale))
    return boxes


def _inside(run: PixelBox, text: PixelBox) -> bool:
    """The run stays within the text line's box, give or take STROKE_SLACK of its height
    (a letter's stroke may reach past the box the detector drew)."""
    slack = max(2, STROKE_SLACK * (text[3] - text[1]))
    return (run[0] >= text[0] - slack and run[2] <= text[2] + slack
            and run[1] >= text[1] - slack and run[3] <= text[3] + slack)


STROKE_SLACK = 0.3


def _thin(b: Box) -> Box:
    """A rule for the layout stage: at most RULE_WIDTH thick, about its middle line."""
    if b.x1 - b.x0 < b.bottom - b.top:
        mid, half = (b.x0 + b.x1) / 2, min(b.x1 - b.x0, RULE_WIDTH) / 2
        return Box(mid - half, mid + half, b.top, b.bottom)
    mid, half = (b.top + b.bottom) / 2, min(b.bottom - b.top, RULE_WIDTH) / 2
    return Box(b.x0, b.x1, mid - half, mid + half)


def _runs(grid: np.ndarray, gap: int, min_len: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of each run of True along the rows of `grid` at least `min_len`
    long, after closing gaps of at most `gap` pixels."""
    padded = np.zeros((grid.shape[0], grid.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = grid
    diff = np.diff(padded, axis=1)
    rows_s, starts = np.nonzero(diff == 1)
    _, ends = np.nonzero(diff == -1)  # same row-major order as the starts
    out = []
    current = None
    for r, s, e in zip(rows_s.tolist(), starts.tolist(), ends.tolist()):
        if current and current[0] == r and s - current[2] <= gap:
            current[2] = e
            continue
        if current and current[2] - current[1] >= min_len:
            out.append(tuple(current))
        current = [r, s, e]
    if current and current[2] - current[1] >= min_len:
        out.append(tuple(current))
    return out


def _merge_runs(runs: list[tuple[int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    """Runs on consecutive rows that overlap → one rule: (row, start, end, first row,
    last row). A run joins every rule it touches on the row above (the first row of a
    thick scanned rule is often dark only in pieces)."""
    open_: list[list[int]] = []  # [start, end, first, last]
    done: list[list[int]] = []
    for r, s, e in sorted(runs):
        still = []
        for o in open_:
            (still if o[3] >= r - 1 else done).append(o)
        open_ = still
        touching = [o for o in open_ if o[3] == r - 1 and s < o[1] and e > o[0]]
        if not touching:
            open_.append([s, e, r, r])
            continue
        merged = [min([s] + [o[0] for o in touching]), max([e] + [o[1] for o in touching]),
                  min(o[2] for o in touching), r]
        open_ = [o for o in open_ if not any(o is t for t in touching)] + [merged]
    done += open_
    return [((o[2] + o[3]) // 2, o[0], o[1], o[2], o[3]) for o in done]


def _with_confidence(page: Page, chars: list[OcrChar]) -> Page:
    """The layout's page with every word's per-character confidence (the recognised
    characters under its glyph box, left to right) and `read_by = "ocr"`."""
    if not page.words:
        return page.model_copy(update={"read_by": "ocr"})
    chars = sorted(chars, key=lambda c: (c.x0 + c.x1) / 2)
    centres = [(c.x0 + c.x1) / 2 for c in chars]
    words = []
    for line in page.words:
        row = []
        for w in line:
            middle = (w.top + w.bottom) / 2
            inside = [c for c in chars[bisect_left(centres, w.x0 - 0.01):bisect_right(centres, w.x1 + 0.01)]
                      if c.top <= middle <= c.bottom]
            scores = tuple(c.confidence for c in inside)
            if len(scores) != len(w.text):  # wrapped pieces joined: each character its piece's least
                scores = (min(scores, default=0.0),) * len(w.text)
            row.append(Word(*w[:6], confidence=scores))
        words.append(tuple(row))
    return page.model_copy(update={"words": tuple(words), "read_by": "ocr"})
