"""Pictures of where a finding sits: a PDF page drawn with every cell yusuan read framed.

    cell_frames(result, page)        the page's read cells: box, colour by assigned_by,
                                     red for the cells of identities that failed (or
                                     missed by their rounding)
    draw_page(pdf, page, frames)     the page rendered by PDFium with the frames drawn (Pillow)
    failing_cells(findings, lines)   which printed cells the identity findings name

Boxes are the records' x0, y0, x1, y1: points from the page's top left, so a pixel is a
point times the render scale. Pure but for the render; the CLI (`yusuan show`) writes the PNG.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .domain import RULES

COLOURS = {"layout": (37, 99, 235), "identity": (22, 163, 74), "position": (217, 119, 6)}
"""Frame colour by how the cell's column was decided (assigned_by)."""
FAILING = (220, 38, 38)
SCALE = 2.0  # pixels per point


@dataclass(frozen=True)
class Frame:
    """One read cell to draw: its box in points, its colour, and whether an identity over it failed."""

    box: tuple[float, float, float, float]
    colour: tuple[int, int, int]
    failing: bool
    label: str


def _identity_finding(f) -> bool:
    """A finding of an accounting identity (failed or missed by its rounding) that names a
    cell: a code's (or item's), or with the column alone its table's 合计 row's."""
    rule = RULES.get(f.rule)
    return (f.table is not None and (f.code is not None or f.column is not None)
            and (f.rule == "rounding" or bool(rule and rule.kind == "identity")))


def failing_cells(findings, lines) -> set[tuple]:
    """Given a document's findings and its budget/summary lines, return the keys
    (table, page, code-or-item, column) of the printed cells that identity findings name."""
    # Every page each cell is named on: one cell key may be named on several pages (a
    # table printed again for another body, a reprinted page), None for any page.
    named = {(f.table, f.code, f.column, f.page) for f in findings if _identity_finding(f)}
    out = set()
    for line in lines:
        code = getattr(line, "code", None) or getattr(line, "item", None)
        if (line.table, code, line.column, None) in named or (line.table, code, line.column, line.page) in named:
            out.add((line.table, line.page, code, line.column))
    return out


def cell_frames(records: dict, page: int) -> list[Frame]:
    """Given one document's records and a page number, return a frame for every budget or
    summary cell printed on that page that has a box (PDF input)."""
    lines = [*records.get("budget_lines", ()), *records.get("summary_lines", ())]
    failing = failing_cells(records.get("findings", ()), lines)
    out = []
    for line in lines:
        if line.page != page or line.x0 is None:
            continue
        code = getattr(line, "code", None) or getattr(line, "item", None)
        bad = (line.table, line.page, code, line.column) in failing
        out.append(Frame(box=tuple(float(v) for v in (line.x0, line.y0, line.x1, line.y1)),
                         colour=FAILING if bad else COLOURS.get(line.assigned_by, (100, 100, 100)), failing=bad,
                         label=f"{line.table} {code or ''} {line.column or ''} {line.raw}"))
    return out


def draw_page(pdf: str | Path | bytes, page: int, frames: list[Frame], scale: float = SCALE,
              password: str | None = None):
    """Render page `page` (from 1) of a PDF and draw the frames on it; return a Pillow
    image. Failing cells are drawn last and thicker, so they show over the others."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    doc = pdfium.PdfDocument(pdf, password=password)
    try:
        if not 1 <= page <= len(doc):
            raise ValueError(f"page {page} is not in the document (1–{len(doc)})")
        image = doc[page - 1].render(scale=scale).to_pil().convert("RGB")
    finally:
        doc.close()
    draw = ImageDraw.Draw(image)
    for frame in sorted(frames, key=lambda f: f.failing):
        x0, y0, x1, y1 = (v * scale for v in frame.box)
        draw.rectangle((x0, y0, x1, y1), outline=frame.colour, width=4 if frame.failing else 2)
    return image


def png_bytes(image) -> bytes:
    """A Pillow image as PNG bytes."""
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


_NO_BOX = dict.fromkeys(("x0", "y0", "x1", "y1"))


def cell_boxes(lines) -> dict[tuple, list[tuple[int, dict[str, Decimal]]]]:
    """Budget and summary lines → their boxes by (table, code or item, column): the
    (page, box) of each printed cell with a box, in print order (built once per document:
    a long document has thousands of findings and of cells)."""
    out: dict[tuple, list[tuple[int, dict[str, Decimal]]]] = {}
    for line in lines:
        if line.x0 is None:
            continue
        code = getattr(line, "code", None) or getattr(line, "item", None)
        out.setdefault((line.table, code, line.column), []).append(
            (line.page, {"x0": line.x0, "y0": line.y0, "x1": line.x1, "y1": line.y1}))
    return out


def finding_box(finding, boxes: dict[tuple, list[tuple[int, dict[str, Decimal]]]]) -> dict[str, Decimal | None]:
    """The box (x0, y0, x1, y1) of the printed cell a finding names (table, page, code or
    item, column; a column without a code is the 合计 row's, whose lines have no code either),
    looked up in `cell_boxes`, or nulls when it names none or the cell has no box."""
    if finding.table is None or (finding.code is None and finding.column is None):
        return dict(_NO_BOX)
    for page, box in boxes.get((finding.table, finding.code, finding.column), ()):
        if finding.page in (None, page):
            return box
    return dict(_NO_BOX)
