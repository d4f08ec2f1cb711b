"""OCR speed: pages/s of reading real PDF pages by OCR (`--ocr always`: render, deskew,
recognise, rule and lay out) vs reading the same pages from their text layer, in one run.

    python bench/ocr.py [--pages N] [--threads T]

Needs the `ocr` extra (pip install 'yusuan[ocr]') and ../shared/real/ (skipped, with the
reason, when either is absent). The pages are the first N of each real PDF in name order
(default 2 each, 34 pages): tables and prose both. `--threads` sets the recogniser's
threads (YUSUAN_OCR_THREADS; default: onnxruntime's own, every core).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real"


def _subset(path: Path, pages: int) -> bytes:
    """The first `pages` pages of a PDF as a new PDF (text layer kept)."""
    import io

    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(path)
    out = pdfium.PdfDocument.new()
    out.import_pages(src, list(range(min(pages, len(src)))))
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="pages taken from each real PDF")
    parser.add_argument("--threads", type=int, default=0, help="recogniser threads (0: every core)")
    args = parser.parse_args()
    if args.threads:
        os.environ["YUSUAN_OCR_THREADS"] = str(args.threads)
    from yusuan.extract import ocr
    from yusuan.extract.pdf_reader import read_pdf_pages

    if not ocr.available():
        print(f"ocr: skipped, the ocr extra is not installed ({ocr.INSTALL_HINT})")
        return 0
    pdfs = sorted(REAL.glob("*.pdf"))
    if not pdfs:
        print(f"ocr: skipped, no real PDFs in {REAL}")
        return 0
    docs = [(p.name, _subset(p, args.pages)) for p in pdfs]
    pages = 0
    text_s = ocr_s = 0.0
    read_pages = 0
    for name, data in docs:
        t = time.perf_counter()
        text = read_pdf_pages(data, name, ocr="never")
        text_s += time.perf_counter() - t
        t = time.perf_counter()
        got = read_pdf_pages(data, name, ocr="always")
        ocr_s += time.perf_counter() - t
        pages += len(text)
        read_pages += sum(p.read_by == "ocr" for p in got)
    print(f"ocr: {pages} pages of {len(docs)} real PDFs ({read_pages} read by OCR), "
          f"threads {os.environ.get('YUSUAN_OCR_THREADS', 'default')}")
    print(f"  text layer {pages / text_s:8.1f} pages/s   ({text_s:.2f} s)")
    print(f"  OCR        {pages / ocr_s:8.2f} pages/s   ({ocr_s:.2f} s, {ocr_s / pages:.2f} s a page)")
    print(f"  OCR is {ocr_s / text_s:.0f}x slower than reading the text layer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
