"""Characters and ruling boxes of one PDF page → a `Page` of text lines whose number
cells know the table column they sit in. Pure; shared by every PDF engine.

Both engines (extract.pdf_reader) hand over the same plain data — characters with their
boxes and the boxes of drawn paths, in top-left coordinates — so that the lines, and
hence the records, cannot depend on which engine read the page.

Lines: characters are grouped by their baseline (within `Y_TOLERANCE`; glyph boxes differ
between engines, baselines do not), ordered by x, and split into words where the gap to
the previous character is at least `WORD_GAP`; words are joined by one space, as the
raw-text path expects. Printed space characters are not used: PDFium drops some of them
and adds its own elsewhere, while the advance boxes of both engines agree, so a word
break decided by the gap alone is the same for both.

Rows: inside a ruled table a row is the band between two horizontal rules. Cells of one
row are often printed on different baselines (a name wrapped over two lines, numbers
centred in a taller row), so the words of each band are gathered into one line, cell by
cell, a wrapped cell's pieces joined. Text outside any band keeps its baseline lines.

Columns: the vertical rules of the page (thin filled rectangles or stroked lines, and
the side edges of cell boxes) that cross a line cut it into cells. A number's column is
counted from the nearest *label cell* to its left — the cell where the row names of
that grid are printed — so `(2, 5)` means "third amount cell of a group of five". The
label cells of a grid are the cells that hold CJK words on lines that also print a
number, and the cells of classification codes run into a name (`302 01 办公费`: the
second group of a table printed in two groups side by side). A number with no label
cell to its left counts from the grid's left edge.

Besides lines and slots a page keeps, per line, each word's cell and the line's row band
(forms read merged cells from them), whether it is indented, and whether it runs on from
the line above at the page's line spacing (a wrapped cell or sentence).

Clipping: the engine gives the clip box of each character whose glyph may reach out of
its text object's clip. A character whose middle lies outside is not printed (as text
outside the page box is not); a line with a glyph partly shown is one of the page's
`clipped` lines, which an auditor sees cut through.
"""

from __future__ import annotations

import re
from math import isnan
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import add, attrgetter

from ..domain import DOCUMENT
from ..normalize.numbers import looks_numeric
from ..normalize.text import INVISIBLE, clean, has_cjk
from ..schemas.intermediate import Page, Word as PageWord
from . import compiled

Y_TOLERANCE = 3.0
WORD_GAP = 2.95
"""Points; a space in these documents' 12-point fonts advances 3."""
RULE_WIDTH = 2.5
"""Thicker than this a path is a box (its edges are rules), not a rule."""
EDGE_MERGE = 2.0
"""Rules closer than this are one cell boundary (a double rule, stroke widths)."""
PROBE = 4.0
"""How far above its baseline a word is looked up in the row bands: about the middle of
a 9–14 point glyph, so a wrapped piece that overflows its cell's bottom rule by a
point or two still counts in its own row."""
INDENT = 10.0
"""A text line starting this far right of the page's left text edge is indented (a
paragraph start), as leading white space marks one in raw text."""
JOINED_GAP = 1.8
"""A line at most this many font sizes below the one above runs on from it (prose is set
at 1.2–1.5; a blank line between makes 2.4 or more)."""
UNMAPPED_SHARE = 0.3
"""A page where at least this share of characters has no Unicode mapping is unreadable."""


@dataclass(slots=True)
class Char:
    """A printed character: its advance from x0 to x1 and its baseline, from the top."""

    text: str
    x0: float
    x1: float
    baseline: float


@dataclass(frozen=True, slots=True)
class Box:
    """The bounding box of a drawn path (a rule, a line, a cell rectangle)."""

    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(slots=True)
class Word:
    text: str
    x0: float
    x1: float
    baseline: float
    cell: int | None = None
    grid: tuple[float, ...] = ()
    band: tuple[float, float] | None = None


# What engines print for a glyph without a Unicode mapping: pdfminer's `(cid:N)`, the
# replacement character, control characters, private-use code points.
_UNMAPPED = re.compile(r"\(cid:\d+\)|[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff]")


def _lines_of(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into lines by baseline, each line ordered left to right."""
    if compiled.loops is not None:
        got = compiled.loops.lines(chars if type(chars) is list else list(chars), Char, Y_TOLERANCE)
        if got is not None:  # None: characters the C loop does not read (the loop below does)
            return got
    lines: list[list[Char]] = []
    line: list[Char] = []
    last = None
    # By baseline alone: each line is sorted by x after (stably, so characters at one x
    # keep their baseline order, as a (baseline, x) key would give them).
    for ch in sorted(chars, key=_BY_BASELINE):
        baseline = ch.baseline
        if last is None or baseline - last > Y_TOLERANCE:
            line = []
            lines.append(line)
        line.append(ch)
        last = baseline
    for line in lines:
        line.sort(key=_BY_X)
    return lines


_BY_BASELINE = attrgetter("baseline")
_BY_X = attrgetter("x0")
_NO_EDGE = float("inf")


def _words(line: list[Char], edges: tuple[float, ...]) -> list[Word]:
    """A line's words: broken at a gap of `WORD_GAP` or at a cell boundary, so two cells
    printed close together (`91,016,775.35一、一般公共服务支出`) stay two words."""
    if compiled.loops is not None:
        got = compiled.loops.words(line, edges, WORD_GAP, Char, Word)
        if got is not None:  # None: characters the C loop does not read (the loop below does)
            return got
    out: list[Word] = []
    texts: list[str] = []
    x0 = x1 = baseline = 0.0
    word_cell: int | None = None
    cell, next_edge, last = -1, edges[0] if edges else _NO_EDGE, len(edges) - 1
    for ch in line:  # ordered by x: the cell index only grows
        crossed = False
        while (ch.x0 + ch.x1) / 2 >= next_edge:
            cell += 1
            next_edge = edges[cell + 1] if cell + 1 <= last else _NO_EDGE
            crossed = True
        if not texts or crossed or ch.x0 - x1 >= WORD_GAP:
            if texts:
                out.append(Word("".join(texts), x0, x1, baseline, word_cell, edges))
            texts = [ch.text]
            x0, x1, baseline = ch.x0, ch.x1, ch.baseline
            word_cell = cell if 0 <= cell < last else None
        else:
            texts.append(ch.text)
            if ch.x1 > x1:
                x1 = ch.x1
    if texts:
        out.append(Word("".join(texts), x0, x1, baseline, word_cell, edges))
    return out


Rule = tuple[float, float, float]
"""(position across, start, end) of a straight rule."""


def _rules(boxes: list[Box]) -> tuple[list[Rule], list[Rule]]:
    """Vertical rules (x, top, bottom) and horizontal rules (y, x0, x1) drawn by the paths."""
    vertical, horizontal = [], []
    for b in boxes:
        width, height = b.x1 - b.x0, b.bottom - b.top
        if width <= RULE_WIDTH < height:
            vertical.append(((b.x0 + b.x1) / 2, b.top, b.bottom))
        elif height <= RULE_WIDTH < width:
            horizontal.append(((b.top + b.bottom) / 2, b.x0, b.x1))
        elif width > RULE_WIDTH and height > RULE_WIDTH:
            vertical += [(b.x0, b.top, b.bottom), (b.x1, b.top, b.bottom)]
            horizontal += [(b.top, b.x0, b.x1), (b.bottom, b.x0, b.x1)]
    return vertical, horizontal


def _edges(rules: list[Rule], y: float) -> tuple[float, ...]:
    """The cell boundaries crossing the height y, merged and sorted."""
    return _merged(sorted(x for x, t, b in rules if t <= y <= b))


class _Verticals:
    """A page's vertical rules by the heights they cross: between two consecutive rule
    ends the same rules cross, so the boundaries of each such span are merged once (a
    table's lines mostly fall in a few spans); `edges(y)` is `_edges(rules, y)`."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        ends = [v for _, t, b in rules for v in (t, b)]
        # A NaN end has no place among the others: such pages are asked rule by rule.
        self.stops = sorted(set(ends)) if all(v == v for v in ends) else None
        self.spans: dict[int, tuple[float, ...]] = {}

    def edges(self, y: float) -> tuple[float, ...]:
        """The cell boundaries crossing the height y, merged and sorted."""
        stops = self.stops
        if stops is None or y != y:
            return _edges(self.rules, y)
        k = bisect_left(stops, y)
        if k < len(stops) and stops[k] == y:
            return _edges(self.rules, y)  # at a rule's end: the rules ending there count too
        if k == 0 or k == len(stops):
            return ()  # above or below every rule
        got = self.spans.get(k)
        if got is None:  # y strictly between two ends: a rule crosses it iff it spans both
            low, high = stops[k - 1], stops[k]
            got = self.spans[k] = _merged(sorted(x for x, t, b in self.rules if t <= low and b >= high))
        return got


def _merged(xs: list[float]) -> tuple[float, ...]:
    """Sorted boundaries, those closer than `EDGE_MERGE` to the one before dropped."""
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > EDGE_MERGE:
            merged.append(x)
    return tuple(merged)


def _joined_rules(horizontal: list[Rule]) -> list[Rule]:
    """Horizontal rules drawn in pieces (one per cell, ending a fraction of a point short
    of the vertical rule between) joined where the gap is under `EDGE_MERGE`: a cell
    edge probed at a column boundary finds its rule with either engine's stroke width."""
    out: list[Rule] = []
    for y, x0, x1 in sorted(horizontal, key=lambda r: (round(r[0] / EDGE_MERGE), r[1])):
        if out and abs(out[-1][0] - y) <= EDGE_MERGE / 2 and x0 - out[-1][2] <= EDGE_MERGE:
            # Rules a hair apart fall in two y buckets, so a piece may come after one to its right.
            out[-1] = (out[-1][0], min(out[-1][1], x0), max(out[-1][2], x1))
        else:
            out.append((y, x0, x1))
    return out


class _Bands:
    """Horizontal rules by the x they cross: the rules above and below a point, found
    by bisection (a page has hundreds of rule segments and thousands of words)."""

    def __init__(self, horizontal: list[Rule]):
        self.horizontal = _joined_rules(horizontal)
        self.at: dict[float, list[float]] = {}

    def _ys(self, x: float) -> list[float]:
        ys = self.at.get(x)
        if ys is None:
            ys = self.at[x] = sorted(r for r, x0, x1 in self.horizontal if x0 <= x <= x1)
        return ys

    def band(self, word: Word) -> tuple[float, float] | None:
        """The horizontal rules just above and below a word's glyphs, inside its cell's
        column; None when it is not closed on both sides (not inside a ruled row)."""
        # A row of a table has at least two cells: a frame around a paragraph, a page
        # background or border makes one cell, whose lines stay lines.
        if word.cell is None or len(word.grid) < 3:
            return None
        ys = self._ys((word.grid[word.cell] + word.grid[word.cell + 1]) / 2)
        y = word.baseline - PROBE
        below = bisect_right(ys, y)  # the first rule strictly below the probe
        above = bisect_left(ys, y) - 1  # the last rule strictly above it
        if above < 0 or below == len(ys):
            return None
        return ys[above], ys[below]


def _join(pieces: list[Word]) -> list[Word]:
    """One cell's words in reading order → its words, a piece wrapped onto the next line
    joined to the one before it (`机关事业单位基本养老保险` + `缴费支出`)."""
    out: list[Word] = []
    last_line = None
    for w in pieces:
        wrapped = last_line is not None and w.baseline - last_line > Y_TOLERANCE
        if wrapped and out and not looks_numeric(out[-1].text) and not looks_numeric(w.text):
            prev = out[-1]
            out[-1] = Word(prev.text + w.text, prev.x0, max(prev.x1, w.x1), prev.baseline, prev.cell, prev.grid,
                           prev.band)
        else:
            out.append(w)
        last_line = w.baseline
    return out


def _rows(lines: list[list[Word]], horizontal: list[Rule]) -> list[tuple[tuple[float, float] | None, list[Word]]]:
    """Baseline lines → display lines with their row band: the words of each ruled row
    band gathered into one line (cell by cell), the other words left on their baseline
    lines (band None); top to bottom."""
    bands: dict[tuple, list[Word]] = {}
    by_grid: dict[tuple[float, ...], list[tuple]] = {}  # the band keys of each grid, in order
    loose: list[list[Word]] = []
    finder = _Bands(horizontal)
    last = None  # the band of the word before: most words share it (one row, cell after cell)

    def same(k: tuple, band: tuple[float, float]) -> bool:
        # Rules of one row are drawn a fraction of a point apart in some columns.
        return abs(k[1] - band[0]) <= EDGE_MERGE and abs(k[2] - band[1]) <= EDGE_MERGE

    for line in lines:
        rest = []
        for w in line:
            band = finder.band(w) if horizontal else None
            w.band = band
            if band is None:
                rest.append(w)
                continue
            if last is None or last[0] != w.grid or not same(last, band):
                keys = by_grid.setdefault(w.grid, [])
                last = next((k for k in keys if same(k, band)), None)
                if last is None:
                    last = (w.grid, *band)
                    keys.append(last)
                    bands[last] = []
            bands[last].append(w)
        if rest:
            loose.append(rest)
    out = [(ws[0].baseline, None, ws) for ws in loose]
    for key, words in bands.items():
        ordered = sorted(words, key=lambda w: (w.cell, w.baseline, w.x0))
        cells: dict[int | None, list[Word]] = {}
        for w in ordered:
            cells.setdefault(w.cell, []).append(w)
        row = [x for pieces in cells.values() for x in _join(pieces)]
        out.append((min(w.baseline for w in words), (key[1], key[2]), row))
    out.sort(key=lambda item: (item[0], item[2][0].x0))
    return [(band, ws) for _, band, ws in out]


Slot = tuple[int, int] | None
"""(column among its group's amount cells, cells in the group), or None."""


def _code_cells(words: list[Word]) -> set[int]:
    """Cells of a data row that hold classification code parts: digit-only words run
    into a row name (`302 01 办公费`). They end an amount group like a name does (the
    second column group of a side-by-side table starts with its codes)."""
    out: set[int] = set()
    follows_name = False
    for w in reversed(words):
        if w.cell is not None and w.text.isdigit() and 2 <= len(w.text) <= 7 and follows_name:
            out.add(w.cell)
            continue  # a code part: the next one to the left may be one too
        follows_name = has_cjk(w.text) and not DOCUMENT.two_sided.item_start_re.match(w.text)
    return out


def _slots(lines: list[list[Word]]) -> list[tuple[Slot, ...]]:
    """Per line and word, the word's slot (see the module docstring)."""
    numeric = [[looks_numeric(w.text) for w in ws] for ws in lines]
    labels: dict[tuple[float, ...], set[int]] = {}
    for ws, shaped in zip(lines, numeric):
        if True in shaped:
            marks = labels.setdefault(ws[0].grid, set())
            for w in ws:
                if w.cell is not None and has_cjk(w.text):
                    labels.setdefault(w.grid, set()).add(w.cell)
            marks.update(_code_cells(ws))
    ordered = {grid: sorted(cells) for grid, cells in labels.items()}
    out = []
    for ws, shaped in zip(lines, numeric):
        if True not in shaped:
            out.append((None,) * len(ws))
            continue
        slots: list[Slot] = []
        for w, number in zip(ws, shaped):
            c = w.cell
            marks = ordered.get(w.grid, ())
            if c is None or not number or c in marks:
                slots.append(None)
                continue
            at = bisect_left(marks, c)  # marks are sorted, c is not among them
            start = marks[at - 1] if at else -1
            end = marks[at] if at < len(marks) else len(w.grid) - 1
            slots.append((c - start - 1, end - start - 1))
        out.append(tuple(slots))
    return out


Drawing = tuple[list[Box], bool]
"""A page's path boxes and whether it shows an image."""


ASCENT = 0.85
"""A glyph's top above its baseline, in font sizes (its bottom is the rest of one size)."""
OFF_PAGE = 1.0
"""Points a character may stick out of the visible page box and still be printed."""


def _on_page(chars: list[Char], size: tuple[float, float] | None, hidden: Collection[int] = ()) -> list[Char]:
    """The characters that print something inside the visible page box: white space,
    invisible characters (zero-width spaces, soft hyphens), text placed outside the box
    (spreadsheet exports leave some there) and the characters `hidden` by their clip
    (their indices) are not printed text."""
    if hidden:
        chars = [c for i, c in enumerate(chars) if i not in hidden]
    if _all_printed(chars, size):
        return list(chars)
    if size is None:
        return [c for c in chars if not c.text.isspace() and c.text not in INVISIBLE]
    # One pass (a page has thousands of characters); x is doubled, not halved, per character.
    left, right = -2 * OFF_PAGE, 2 * (size[0] + OFF_PAGE)
    top, bottom = -OFF_PAGE, size[1] + OFF_PAGE
    return [c for c in chars if left <= c.x0 + c.x1 <= right and top <= c.baseline <= bottom
            and not c.text.isspace() and c.text not in INVISIBLE]


def _all_printed(chars: list[Char], size: tuple[float, float] | None) -> bool:
    """Whether every character prints inside the page box, none white space or invisible:
    the common case, told by passes over the whole page at C speed."""
    if compiled.loops is not None:
        bounds = None if size is None else (-2 * OFF_PAGE, 2 * (size[0] + OFF_PAGE), -OFF_PAGE, size[1] + OFF_PAGE)
        got = compiled.loops.printed(chars if type(chars) is list else list(chars), Char, INVISIBLE, bounds)
        if got is not None:  # None: characters the C loop does not read (the passes below do)
            return got
    texts = list(map(_TEXT, chars))
    if not texts or _NOT_PRINTED.search("".join(texts)) or not min(map(len, texts)):
        return False
    if size is None:
        return True
    doubled = list(map(add, map(_X0, chars), map(_X1, chars)))
    baselines = list(map(_BY_BASELINE, chars))
    if isnan(sum(doubled) + sum(baselines)):
        return False  # min and max of NaN depend on order: the filter asks each character
    return (-2 * OFF_PAGE <= min(doubled) and max(doubled) <= 2 * (size[0] + OFF_PAGE)
            and -OFF_PAGE <= min(baselines) and max(baselines) <= size[1] + OFF_PAGE)


_NOT_PRINTED = re.compile(f"[\\s{INVISIBLE}]")
"""White space (as str.isspace takes it) or an invisible character."""
_TEXT, _X0, _X1 = attrgetter("text"), attrgetter("x0"), attrgetter("x1")


CUT_HEIGHT = (0.2, 0.95)
"""Shares of a glyph's height outside its clip between which the glyph is cut, partly
shown. Below the first, the glyph model's slack (its ascent) rather than ink; the line a
text frame cuts through may show no more than the top eighth of its glyphs, still seen."""
CUT_WIDTH = (0.2, 0.8)
"""The same across: a glyph's advance holds its side bearings, no ink."""


def _clip(chars: list[Char], clips: dict[int, Box]) -> tuple[set[int], set[int]]:
    """Given the characters and, by index, the clip box of those whose glyph may reach
    out of their text object's clip, return the indices of the characters hidden by their
    clip (their middle outside it) and of those cut by it (partly shown, see `CUT_HEIGHT`).

    A glyph is modelled from its baseline and font size (ASCENT above the baseline): a
    CJK glyph's advance is its size, other glyphs take the median CJK advance of the page,
    so both engines (whose glyph boxes differ, not their baselines) see the same glyph."""
    widths = sorted(c.x1 - c.x0 for c in chars if "\u4e00" <= c.text <= "\u9fff")
    page_font = widths[len(widths) // 2] if widths else max((c.x1 - c.x0 for c in chars), default=0.0)
    hidden, cut = set(), set()
    for i, box in clips.items():
        c = chars[i]
        width = c.x1 - c.x0
        font = width if "\u4e00" <= c.text <= "\u9fff" else page_font
        top, bottom = c.baseline - ASCENT * font, c.baseline + (1 - ASCENT) * font
        middle_x, middle_y = (c.x0 + c.x1) / 2, (top + bottom) / 2
        if not (box.x0 <= middle_x <= box.x1 and box.top <= middle_y <= box.bottom):
            hidden.add(i)
        out_y = (max(0.0, box.top - top) + max(0.0, bottom - box.bottom)) / font if font > 0 else 0.0
        out_x = (max(0.0, box.x0 - c.x0) + max(0.0, c.x1 - box.x1)) / width if width > 0 else 0.0
        if out_x < CUT_WIDTH[1] and out_y < CUT_HEIGHT[1] and (out_x > CUT_WIDTH[0] or out_y > CUT_HEIGHT[0]):
            cut.add(i)
    return hidden, cut


def _cut_lines(chars: list[Char], cut: set[int], size: tuple[float, float] | None) -> tuple[str, ...]:
    """The text of each line a clip cuts through: the printed characters on the baseline
    of a cut character (those the clip hides too), as the line reads in the text layer."""
    marked = {id(chars[i]) for i in cut}
    return tuple(clean(" ".join(w.text for w in _words(line, ()))) for line in _lines_of(_on_page(chars, size))
                 if any(id(c) in marked for c in line))


def _page_words(lines: list[list[Word]], font: float) -> tuple[tuple[PageWord, ...], ...]:
    """Layout words → the page model's words: glyph box, and the box of the ruled cell
    the word sits in (its column edges and its row band) where the ruling gives one."""
    out = []
    for ws in lines:
        row = []
        for w in ws:
            top, bottom = w.baseline - ASCENT * font, w.baseline + (1 - ASCENT) * font
            cell = None
            if w.cell is not None:
                ctop, cbottom = w.band or (top, bottom)
                cell = (w.grid[w.cell], ctop, w.grid[w.cell + 1], cbottom)
            row.append(PageWord(w.text, w.x0, top, w.x1, bottom, cell))
        out.append(tuple(row))
    return tuple(out)


GLYPH_MARK = 12.0
"""Points: drawn marks smaller than this each way are letters drawn as outlines (their
straight edges), not rules or cells."""


def _textless(number: int, boxes: list[Box], images: bool) -> Page:
    """A page without text: a scan (an image) or text drawn as outlines (mostly small
    marks) has its text missing (`no_text_layer`); a page of rules only (an empty ruled
    row or form: a grid of rules, no image, no marks) is blank and says so
    (`ruled_blank`); nothing, one separator rule or white boxes is plainly blank."""
    marks = sum(max(b.x1 - b.x0, b.bottom - b.top) < GLYPH_MARK for b in boxes)
    if images or marks >= max(MIN_MARKS, len(boxes) / 2):
        return Page(number=number, lines=(), problem="no_text_layer")
    thin_v = sum(b.x1 - b.x0 <= RULE_WIDTH < b.bottom - b.top for b in boxes)
    thin_h = sum(b.bottom - b.top <= RULE_WIDTH < b.x1 - b.x0 for b in boxes)
    return Page(number=number, lines=(), ruled_blank=thin_v >= 2 and thin_h >= 2)


MIN_MARKS = 20
"""Fewer small marks than this are no text (a few ticks or dots of a ruled form)."""


def lay_out(number: int, chars: list[Char], drawing: Callable[[], Drawing],
            size: tuple[float, float] | None = None, clips: dict[int, Box] | None = None) -> Page:
    """Given one page's characters and a function returning its drawing, return its `Page`.

    The drawing is read only when needed (reading it is a third of a fast engine's time):
    for a page with a number-shaped word (a table may be on it) or without any text. A
    page with no text but with an image, or letters drawn as outlines, is a scanned page
    or one whose text is missing (`problem = no_text_layer`); a blank page (nothing, white
    boxes, or rules only: `ruled_blank`) is not. A page whose characters mostly lack a Unicode mapping is
    `unmapped_font`. Both keep no lines. `size` (width, height) is the visible page box:
    text outside it is not printed. `clips` gives, by index into `chars`, the clip box of
    the text object of each character whose glyph may reach out of it: a character whose
    middle lies outside is not printed, and the lines a clip cuts through (part of their
    glyphs shown) are the page's `clipped` lines.
    """
    hidden, cut = _clip(chars, clips) if clips else (set(), set())
    clipped = _cut_lines(chars, cut, size) if cut else ()
    visible = _on_page(chars, size, hidden)
    if not visible:
        page = _textless(number, *drawing())
        return page.model_copy(update={"clipped": clipped}) if clipped else page
    if len(_UNMAPPED.findall("".join([c.text for c in visible]))) >= UNMAPPED_SHARE * len(visible):
        return Page(number=number, lines=(), problem="unmapped_font")
    chars_by_line = _lines_of(visible)
    # Without a number-shaped word no cell needs a column: the ruling is not read.
    plain = [_words(line, ()) for line in chars_by_line]
    tabular = any(looks_numeric(w.text) for ws in plain for w in ws)
    vertical, horizontal = _rules(drawing()[0]) if tabular else ([], [])
    # A line no rule crosses keeps its words.
    crossing = _Verticals(vertical)
    lines = [_words(line, edges) if (edges := crossing.edges(line[0].baseline)) else words
             for line, words in zip(chars_by_line, plain)]
    banded = _rows(lines, horizontal)
    lines = [ws for _, ws in banded]
    texts = []
    for words in lines:
        # Radicals folded, as for raw text; a word never holds white space, so the
        # cleaned line splits back into the same words.
        text = clean(" ".join(w.text for w in words))
        for word, folded in zip(words, text.split(" ")):
            word.text = folded
        texts.append(text)
    margin = min(ws[0].x0 for ws in lines)
    indented = tuple(ws[0].cell is None and ws[0].x0 - margin >= INDENT for ws in lines)
    # A line outside ruled rows set at most JOINED_GAP font sizes below the line above
    # runs on from it (a wrapped cell or sentence); a wider gap is the blank line raw text
    # would show. The font size is a CJK character's advance.
    widths = sorted([c.x1 - c.x0 for c in visible if "\u4e00" <= c.text <= "\u9fff"])
    size_font = widths[len(widths) // 2] if widths else 0.0
    loose = [band is None for band, _ in banded]
    joined = (False,) + tuple(
        loose[i] and loose[i - 1] and 0 < lines[i][0].baseline - lines[i - 1][0].baseline <= JOINED_GAP * size_font
        for i in range(1, len(lines)))
    # Built without validation: the layout made every field (pages have thousands of words).
    return Page.model_construct(
        number=number, lines=tuple(texts), slots=tuple(_slots(lines)), indented=indented, joined=joined,
        cells=tuple(tuple(w.cell for w in ws) for ws in lines), bands=tuple(band for band, _ in banded),
        words=_page_words(lines, size_font), problem=None, clipped=clipped)
