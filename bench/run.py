"""Benchmarks, one command: `make bench` (or `python bench/run.py [--repeat N]`).

Each measurement is printed beside a baseline measured in the same run on the same
input, as a ratio, so numbers from different machines compare:
- text: the whole pipeline on the seed document vs. a bare read of the same text
  (decode, split into lines, parse every number-shaped token) — the cost of structure,
  columns and checks over reading;
- pdf: the whole pipeline on each real PDF in ../shared/real/ (skipped when absent) vs.
  pdfplumber's own `extract_tables()` on the same pages;
- cli: `yusuan --help` and `--version` in a fresh interpreter (median of 3) vs. a bare
  `python -c pass`;
- batch: `yusuan batch` over N copies of the samples (bytes varied so none is a
  duplicate) with 1 and with 2 workers: files/s, pages/s and the scaling ratio;
- scale: the whole pipeline on one long PDF vs. a short one, both made of the real PDFs'
  pages (all of them in name order, over and over, written to a temporary folder): time
  per page must not grow with length, t(2,000 pages) <= 12 x t(200 pages).
"""

from __future__ import annotations

import argparse
import io
import re
import tempfile
import time
from pathlib import Path

import yusuan
from yusuan.extract.decode import decode_text
from yusuan.normalize.numbers import parse_amount
from yusuan.normalize.text import clear_caches

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "000_b1fb1c67835c9330.txt"
REAL = ROOT.parent / "shared" / "real"
_NUM = re.compile(r"^[\d,]+(?:\.\d+)?$")


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        clear_caches()  # no run profits from text folded by the one before
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _bare_read(path: Path) -> int:
    text, _ = decode_text(path.read_bytes(), str(path))
    n = 0
    for line in text.splitlines():
        for tok in line.split():
            if _NUM.match(tok):
                parse_amount(tok)
                n += 1
    return n


def bench_text(repeat: int) -> None:
    pages = yusuan.extract_document(SEED).document.pages
    base = _best(lambda: _bare_read(SEED), repeat)
    full = _best(lambda: yusuan.extract_document(SEED), repeat)
    print(f"text  {SEED.name}: pipeline {full * 1000:8.1f} ms ({pages / full:7.1f} pages/s)   "
          f"bare read {base * 1000:6.1f} ms   ratio pipeline/bare = {full / base:6.1f}x")


def bench_pdf(repeat: int) -> None:
    """Whole pipeline with each PDF engine vs pdfplumber's extract_tables() on the same
    pages; all real PDFs (budgets and 决算) in ../shared/real/."""
    import pdfplumber

    pdfs = sorted(REAL.glob("*.pdf"))
    if not pdfs:
        print(f"pdf   skipped: {REAL} is absent")
        return
    import os

    from yusuan.extract.compiled import LOOPS

    totals = {"tables": 0.0, "pdfium": 0.0, "pdfplumber": 0.0}
    pages_total = 0
    why = "YUSUAN_LOOPS=python" if os.environ.get("YUSUAN_LOOPS") == "python" else "not built: no C compiler at install"
    print(f"pdf   the reader's and the layout's loops run in {'C (extract/_loops.c)' if LOOPS == 'c' else f'Python ({why})'}")
    print(f"pdf   {'document':44s} {'pages':>5s} {'pdfium':>9s} {'pdfplumber':>11s} {'extract_tables':>15s}"
          f"   (pages/s; ratios vs extract_tables)")
    for pdf in pdfs:
        def tables() -> None:
            with pdfplumber.open(pdf) as doc:
                for page in doc.pages:
                    page.extract_tables()

        took = {"tables": _best(tables, repeat)}
        for engine in ("pdfium", "pdfplumber"):
            took[engine] = _best(lambda: yusuan.extract_document(pdf, engine=engine), repeat)
        pages = yusuan.extract_document(pdf).document.pages
        pages_total += pages
        for k, v in took.items():
            totals[k] += v
        print(f"pdf   {pdf.name:44s} {pages:5d} {pages / took['pdfium']:9.1f} {pages / took['pdfplumber']:11.1f} "
              f"{pages / took['tables']:15.1f}   pdfium {took['tables'] / took['pdfium']:5.1f}x  "
              f"pdfplumber {took['tables'] / took['pdfplumber']:4.2f}x")
    print(f"pdf   all {pages_total} pages: pdfium pipeline {pages_total / totals['pdfium']:.1f} pages/s, "
          f"pdfplumber pipeline {pages_total / totals['pdfplumber']:.1f}, "
          f"extract_tables {pages_total / totals['tables']:.1f}")
    print(f"pdf   speed ratio vs extract_tables: pdfium pipeline {totals['tables'] / totals['pdfium']:.1f}x "
          f"(target >= 10x), pdfplumber pipeline {totals['tables'] / totals['pdfplumber']:.2f}x")


def _concatenation(pdfs: list[Path], pages: int) -> bytes:
    """A PDF of `pages` pages: the pages of `pdfs` in order, over and over."""
    import pypdfium2 as pdfium

    sources = [pdfium.PdfDocument(p) for p in pdfs]
    out = pdfium.PdfDocument.new()
    try:
        while len(out) < pages:
            for src in sources:
                take = min(len(src), pages - len(out))
                if take <= 0:
                    break
                out.import_pages(src, list(range(take)))
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
        for src in sources:
            src.close()


SCALE_TARGET = 12.0
"""Largest t(long)/t(short) accepted for 10x the pages (10x: time per page constant)."""


def bench_scale(repeat: int, short: int, long: int) -> None:
    """Whole pipeline (default engine, from the file) on a `long`-page vs a `short`-page
    concatenation of the real PDFs' pages. A long document prints the same tables again
    (every body of a compendium prints the same set): time per page must not grow."""
    pdfs = sorted(REAL.glob("*.pdf"))
    if not pdfs:
        print(f"scale skipped: {REAL} is absent")
        return
    took = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pages in (short, long):
            path = Path(tmp) / f"concat-{pages}.pdf"
            path.write_bytes(_concatenation(pdfs, pages))
            took[pages] = _best(lambda: yusuan.extract_document(path), repeat)
            print(f"scale {pages:5d} pages (the {len(pdfs)} real PDFs, over and over): {took[pages]:7.2f} s "
                  f"({pages / took[pages]:6.1f} pages/s)")
    ratio = took[long] / took[short]
    target = SCALE_TARGET * long / short / 10
    print(f"scale ratio t({long})/t({short}) = {ratio:.1f}x for {long / short:g}x the pages "
          f"(target <= {target:g}x): {'ok' if ratio <= target else 'TOO SLOW'}")


def bench_batch(copies: int) -> None:
    from yusuan.batch import run_batch

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        samples = sorted((ROOT / "samples").glob("*.txt"))
        for i in range(copies):
            sample = samples[i % len(samples)]
            (src / f"{i:05d}-{sample.name}").write_bytes(sample.read_bytes() + f"\n\n\n\n附注 {i}\n".encode())
        rates = {}
        for workers in (1, 2):
            out = Path(tmp) / f"out{workers}"
            result = run_batch([src], out, workers=workers)
            pages = sum(e.pages or 0 for e in result.entries.values())
            rates[workers] = copies / result.seconds
            print(f"batch {copies} files, {workers} worker(s): {rates[workers]:6.1f} files/s "
                  f"{pages / result.seconds:7.1f} pages/s")
        print(f"batch scaling 2 workers vs 1: {rates[2] / rates[1]:.2f}x")


def bench_cli(repeat: int) -> None:
    """`yusuan --help` and `--version` in a fresh interpreter (the budget: 0.5 s), median of
    `repeat` runs, beside a bare `python -c pass` on the same machine."""
    import statistics
    import subprocess
    import sys

    def median(*args: str) -> float:
        times = []
        for _ in range(max(3, repeat)):
            t = time.perf_counter()
            subprocess.run([sys.executable, *args], capture_output=True, check=False)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    bare = median("-c", "pass")
    for flag in ("--help", "--version"):
        took = median("-c", "from yusuan.cli import main; main()", flag)
        print(f"cli   yusuan {flag:9}: {took * 1000:6.0f} ms (budget 500 ms)   bare python {bare * 1000:4.0f} ms   "
              f"ratio = {took / bare:4.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["cli", "text", "pdf", "batch", "scale"])
    parser.add_argument("--copies", type=int, default=200, help="files in the batch benchmark")
    parser.add_argument("--scale-pages", type=int, nargs=2, default=(200, 2000), metavar=("SHORT", "LONG"),
                        help="pages of the two concatenations of the scaling benchmark (quicker: 100 1000)")
    args = parser.parse_args()
    # As `yusuan extract` does once its imports are done (yusuan.collector): the process is
    # this benchmark's, and the baselines (extract_tables, the bare read) profit alike.
    import yusuan.pipeline  # noqa: F401  (the imports the CLI's extract makes)
    from yusuan import collector

    collector.settle()
    if args.only in (None, "cli"):
        bench_cli(args.repeat)
    if args.only in (None, "text"):
        bench_text(args.repeat)
    if args.only in (None, "pdf"):
        bench_pdf(args.repeat)
    if args.only in (None, "batch"):
        bench_batch(args.copies)
    if args.only in (None, "scale"):
        bench_scale(args.repeat, *args.scale_pages)


if __name__ == "__main__":
    main()
