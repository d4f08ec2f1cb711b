"""OCR of pages without a text layer (extract.ocr, validate.ocr_readings).

The slow tests render real budget PDFs to image-only PDFs as a scanner would give them
(200 dpi, turned by half a degree, grey noise and specks), read them with OCR and hold
them against the text-layer reading of the same pages. Run them alone with
`pytest -m ocr tests/test_ocr.py`. They skip when the `ocr` extra or ../shared/real/ is
absent; the tests of the page model and the findings need neither the recogniser nor
the real PDFs' scans.
"""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np
import pytest

import yusuan
from conftest import real_pdf
from yusuan.extract import ocr
from yusuan.extract.pdf_geometry import Box
from yusuan.pipeline import doc_id_of, read_pages, run
from yusuan.schemas.intermediate import Word

needs_ocr = pytest.mark.skipif(not ocr.available(), reason=f"the ocr extra is not installed ({ocr.INSTALL_HINT})")


def _pages_pdf(path, pages: list[int]) -> bytes:
    """The given pages (1-based) of a PDF as a new PDF, text layer kept."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(path), [p - 1 for p in pages])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def scanned(path, pages: list[int], dpi: int = 200, angle: float = 0.5, seed: int = 0) -> bytes:
    """The given pages of a PDF as an image-only PDF: rendered at `dpi`, turned by
    `angle` degrees, grey noise and dark specks added, saved by Pillow."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(path)
    rng = np.random.default_rng(seed)
    images = []
    for p in pages:
        img = pdf[p - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
        a = np.asarray(img).astype(np.int16) + rng.normal(0, 12, (img.height, img.width)).astype(np.int16)
        a[rng.random(a.shape) < 0.0005] = 0
        images.append(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)))
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return buf.getvalue()


def _result(data: bytes, name: str, mode: str) -> yusuan.Result:
    pages, kind = read_pages(data, name, ocr=mode)
    return run(pages, doc_id=doc_id_of(data), source=name, source_kind=kind)


# ── Without the recogniser: skew, rules from the image, the page model's provenance ──

def _grid_image(angle: float = 0.0):
    """A white page (A4 at 100 dpi) with a ruled 3 x 4 grid and a text-like blot in each
    cell, turned by `angle` degrees."""
    from PIL import Image, ImageDraw

    scale = 100 / 72
    img = Image.new("L", (827, 1169), 255)
    d = ImageDraw.Draw(img)
    xs, ys = (100, 300, 500, 700), (200, 240, 280, 320, 360)
    for x in xs:
        d.line([(x, ys[0]), (x, ys[-1])], fill=0, width=2)
    for y in ys:
        d.line([(xs[0], y), (xs[-1], y)], fill=0, width=2)
    for x in xs[:-1]:
        for y in ys[:-1]:
            d.rectangle([x + 20, y + 12, x + 120, y + 26], fill=60)
    return np.asarray(img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)), scale, xs, ys


@pytest.mark.parametrize("angle", [0.0, 0.5, -1.2])
def test_the_tilt_of_a_scan_is_measured(angle):
    gray, *_ = _grid_image(angle)
    assert ocr.skew(gray) == pytest.approx(-angle, abs=0.1)


def test_rules_are_read_from_the_image_and_letters_are_not_rules():
    gray, scale, xs, ys = _grid_image()
    # The blots are the text lines: a run inside one is a letter's stroke.
    text = [(x + 20, y + 12, x + 121, y + 27) for x in xs[:-1] for y in ys[:-1]]
    rules = ocr.image_rules(gray, scale, text)
    vertical = sorted(round((b.x0 + b.x1) / 2 * scale) for b in rules if b.bottom - b.top > b.x1 - b.x0)
    horizontal = sorted(round((b.top + b.bottom) / 2 * scale) for b in rules if b.bottom - b.top < b.x1 - b.x0)
    assert [abs(v - x) <= 1 for v, x in zip(vertical, xs)] == [True] * 4 and len(vertical) == 4
    assert [abs(h - y) <= 1 for h, y in zip(horizontal, ys)] == [True] * 5 and len(horizontal) == 5
    # Without the text boxes the blots' edges count as rules too: the boxes are what tell.
    assert len(ocr.image_rules(gray, scale, [])) > len(rules)


@needs_ocr
def test_a_speck_is_noise_and_a_decimal_point_is_not():
    gray = np.full((40, 40), 255, dtype=np.uint8)
    gray[5, 5] = 0                       # one dark pixel: a speck
    gray[20:23, 20:23] = 0               # a 3 x 3 dot: a decimal point at 200 dpi
    clean = ocr.despeckle(gray)
    assert (clean[5, 5], clean[21, 21]) == (255, 0)


@pytest.mark.parametrize("read,kept,sure", [
    ("4,432..78", "4,432.78", False),     # one decimal point seen twice
    ("156,60", "156.60", False),          # a point read as a comma where only a point fits
    ("6,964,796", "6,964,796", True),     # thousands separators stay
    ("50.00  .", "50.00", True),          # a speck beside the number
    ("-", "-", True),                     # a printed blank stays
])
def test_recognised_marks_are_read_as_an_amount_can_print_them(read, kept, sure):
    spans, x = [], 0.0
    for ch in read:
        if ch != " ":
            spans.append([ch, x, x + 5, 0.99])
        x += 5
    got = ocr._without_lone_marks(ocr._one_point(spans), 4.0)
    assert "".join(c[0] for c in got) == kept
    # A mark taken otherwise than recognised is unsure: no identity-free reading of it
    # passes unreported.
    assert min(c[3] for c in got) == (0.99 if sure else ocr.LOW_MARK)


def _with_ocr_reading(pages, page_no: int, old: str, new: str, confidence: float):
    """The pages with one amount on one page replaced as if OCR had read `new` there
    (its changed characters at `confidence`, the others sure), the page marked OCR."""
    out = []
    for page in pages:
        if page.number != page_no:
            out.append(page)
            continue
        lines, words, done = list(page.lines), [], False
        for i, line in enumerate(page.words):
            row = []
            for w in line:
                if not done and w.text == old:
                    scores = tuple(confidence if a != b else 0.9999 for a, b in zip(old, new))
                    row.append(Word(new, *w[1:6], confidence=scores))
                    lines[i] = " ".join(x.text for x in (*row, *line[len(row):]))
                    done = True
                else:
                    row.append(Word(*w[:6], confidence=(0.9999,) * len(w.text)))
            words.append(tuple(row))
        assert done, f"{old!r} not on page {page_no}"
        out.append(page.model_copy(update={"lines": tuple(lines), "words": tuple(words), "read_by": "ocr"}))
    return out


@pytest.mark.parametrize("old,new,reading", [
    ("4,432.78", "4,482.78", "'4,432.78' (3 for the 8 at character 4)"),   # 3 read as 8
    ("814.16", "814.76", "'814.16' (1 for the 7 at character 5)"),         # 1 read as 7
    ("429.30", "42930", "'429.30' (a decimal point before the last 2 digits)"),  # a dropped point
])
def test_a_misread_digit_is_named_with_the_reading_that_makes_every_identity_hold(old, new, reading):
    path = real_pdf("budget-2018-dept-jiangsu-cppcc-office-tables.pdf")
    data = path.read_bytes()
    pages, kind = read_pages(data, str(path), ocr="never")
    result = run(_with_ocr_reading(pages, 5, old, new, 0.62), doc_id=doc_id_of(data), source=str(path),
                 source_kind=kind)
    named = [f for f in result.records["findings"] if f.rule == "ocr_reading"]
    assert [(f.page, f.table, f.severity) for f in named] == [(5, "fiscal_grant_by_function", "error")]
    assert f"OCR read {new!r}" in named[0].message and f"reading {reading}" in named[0].message
    # The record keeps what OCR read; the finding's expected amount is the reading.
    line = next(b for b in result.records["budget_lines"] if b.page == 5 and b.raw == new)
    assert (line.read_by, line.confidence) == ("ocr", Decimal("0.6200"))
    assert named[0].actual == line.amount and named[0].expected == Decimal(reading.split("'")[1].replace(",", "")) * 10000
    # Cells OCR read and the identities confirm carry their confidence and no finding.
    other = next(b for b in result.records["budget_lines"] if b.page == 5 and b.raw == "7,747.46")
    assert (other.read_by, other.confidence) == ("ocr", Decimal("0.9999"))
    assert all(b.read_by == "text" and b.confidence is None for b in result.records["budget_lines"] if b.page != 5)


@pytest.mark.parametrize("confidence,named", [
    (0.9, [("ocr_unchecked", 15, "three_public", "机关运行经费")]),   # unsure, and nothing checks it
    (0.999, []),                                                      # sure
])
def test_an_unsure_ocr_cell_no_identity_checks_is_named(confidence, named):
    path = real_pdf("budget-2024-unit-welfare-home.pdf")
    data = path.read_bytes()
    pages, kind = read_pages(data, str(path), ocr="never")
    # Every page as if OCR had read what the text layer holds, every character at `confidence`.
    pages = [p.model_copy(update={"read_by": "ocr", "words": tuple(
        tuple(Word(*w[:6], confidence=(confidence,) * len(w.text)) for w in line) for line in p.words)})
        for p in pages]
    result = run(pages, doc_id=doc_id_of(data), source=str(path), source_kind=kind)
    assert [(f.rule, f.page, f.table, f.column) for f in result.records["findings"]
            if f.rule.startswith("ocr_")] == named
    assert {b.read_by for b in result.records["budget_lines"]} == {"ocr"}


def test_the_finance_final_accounts_blank_ruled_page_is_not_sent_to_ocr(monkeypatch):
    from yusuan.extract import pdf_reader

    monkeypatch.setattr(pdf_reader, "ocr_available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_pages", lambda *a, **k: pytest.fail("nothing is sent to OCR"))
    result = yusuan.extract_document(real_pdf("final-2024-dept-finance.pdf"))
    assert result.ocr_pages == 0
    assert [(f.rule, f.page) for f in result.records["findings"] if f.page == 14] == [("blank_page", 14)]


def test_without_the_extra_a_scanned_page_says_how_to_have_it_read(monkeypatch, tmp_path):
    from yusuan.errors import UnreadableDocument
    from yusuan.extract import pdf_reader

    monkeypatch.setattr(pdf_reader, "ocr_available", lambda: False)
    path = real_pdf("budget-2018-dept-jiangsu-cppcc-office-tables.pdf")
    text = _pages_pdf(path, [5])
    scan = scanned(path, [6], dpi=72)
    # One text page and one scanned page: the scanned one is a finding naming the extra.
    mixed = tmp_path / "mixed.pdf"
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(text)
    doc.import_pages(pdfium.PdfDocument(scan))
    doc.save(str(mixed))
    result = yusuan.extract_document(mixed)
    found = [f for f in result.records["findings"] if f.rule == "no_text_layer"]
    assert [(f.page, f.severity) for f in found] == [(2, "error")]
    assert ocr.INSTALL_HINT in found[0].message and result.ocr_pages == 0
    # A document of scans only cannot be read: the one line says how to have it read.
    only = tmp_path / "scan.pdf"
    only.write_bytes(scan)
    with pytest.raises(UnreadableDocument, match=r"no text layer.*pip install 'yusuan\[ocr\]'"):
        yusuan.extract_document(only)
    with pytest.raises(UnreadableDocument, match=r"--ocr always needs the OCR extra"):
        yusuan.extract_document(only, ocr="always")


# ── With the recogniser: real documents scanned, read back ──

SCANS = [
    # Jiangsu's provincial template: 12 tables, one amount column each, two-sided summaries.
    ("budget-2018-dept-jiangsu-cppcc-office-tables.pdf", list(range(1, 13))),
    # A Shanghai unit budget: the cover and its table pages, amounts in 元 without decimals.
    ("budget-2024-unit-welfare-home.pdf", [1, *range(7, 16)]),
    # A Shanghai 决算: landscape pages, stroked rules, 万元 with two decimals, the economic
    # table in two column groups, and page 14's empty ruled row (blank once scanned too).
    ("final-2024-dept-finance.pdf", [1, *range(6, 19)]),
]


@pytest.fixture(scope="module", params=SCANS, ids=[name for name, _ in SCANS])
def read_back(request):
    """(text-layer reading, OCR reading) of the same pages of a real PDF."""
    if not ocr.available():
        pytest.skip(f"the ocr extra is not installed ({ocr.INSTALL_HINT})")
    name, pages = request.param
    path = real_pdf(name)
    return _result(_pages_pdf(path, pages), name, "never"), _result(scanned(path, pages), name, "auto"), len(pages)


def _coded(result) -> dict:
    return {(b.table, b.code, b.column, b.page): b for b in result.records["budget_lines"]}


@needs_ocr
@pytest.mark.ocr
def test_a_scan_reads_as_its_text_layer(read_back):
    text, scan, pages = read_back
    assert scan.ocr_pages == pages
    want, got = _coded(text), _coded(scan)
    assert len(want) > 50
    equal = [k for k, b in want.items() if k in got and got[k].amount == b.amount]
    assert len(equal) >= 0.995 * len(want), sorted(set(want) - set(equal))
    assert all(b.read_by == "ocr" and b.confidence is not None for b in got.values())
    blank = [[f.page for f in r.records["findings"] if f.rule == "blank_page"] for r in (text, scan)]
    assert blank[0] == blank[1]
    assert (scan.document.department, scan.document.fiscal_year) == (text.document.department,
                                                                     text.document.fiscal_year)


@needs_ocr
@pytest.mark.ocr
def test_every_cell_ocr_misread_is_named_and_no_other_error_appears(read_back):
    text, scan, _ = read_back
    want, got = _coded(text), _coded(scan)
    named = [f for f in scan.records["findings"] if f.rule in ("ocr_reading", "ocr_unchecked")]
    places = {(f.table, f.page) for f in named}
    cells = {(f.table, f.code, f.column, f.page) for f in named}
    differing = [k for k, b in got.items() if k not in want or want[k].amount != b.amount]
    assert [k for k in differing if k not in cells] == []
    # Errors are the document's own (the text reading has them too) or follow from a
    # cell named as an OCR reading on that table and page.
    own = {(f.rule, f.table, f.code, f.column) for f in text.errors}
    other = [(f.rule, f.table, f.code, f.page) for f in scan.errors if f.rule != "ocr_reading"
             and (f.rule, f.table, f.code, f.column) not in own and (f.table, f.page) not in places]
    assert other == []


@needs_ocr
@pytest.mark.ocr
def test_batch_passes_the_ocr_choice_and_counts_ocr_pages(tmp_path):
    import pyarrow.parquet as pq

    from yusuan.batch import run_batch

    src = tmp_path / "in"
    src.mkdir()
    (src / "scan.pdf").write_bytes(scanned(real_pdf("budget-2018-dept-jiangsu-cppcc-office-tables.pdf"), [5]))

    def manifest(out):
        return pq.read_table(out / "manifest.parquet").to_pylist()[0]

    run_batch([src], tmp_path / "never", workers=1, ocr="never")
    row = manifest(tmp_path / "never")
    assert (row["status"], row["ocr_pages"]) == ("failed", None) and "--ocr auto" in row["error"]
    run_batch([src], tmp_path / "auto", workers=1, timeout=600)
    row = manifest(tmp_path / "auto")
    assert (row["status"], row["pages"], row["ocr_pages"]) == ("ok", 1, 1)


@needs_ocr
@pytest.mark.ocr
def test_ocr_always_reads_text_pages_with_the_pdfs_own_rules():
    # Jiangsu's rules are thin filled rectangles the PDF draws: OCR takes them (and erases
    # them from the image before reading), and gives what the text layer gives.
    data = _pages_pdf(real_pdf("budget-2018-dept-jiangsu-cppcc-office-tables.pdf"), [5, 6])
    text, scan = _result(data, "two.pdf", "never"), _result(data, "two.pdf", "always")
    assert scan.ocr_pages == 2 and text.ocr_pages == 0
    assert {k: b.amount for k, b in _coded(scan).items()} == {k: b.amount for k, b in _coded(text).items()}
    assert {b.read_by for b in scan.records["budget_lines"]} == {"ocr"}
