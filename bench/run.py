"""Benchmarks, one command: `make bench` (or `python bench/run.py [--repeat N]`).

Each measurement is printed beside a baseline measured in the same run on the same
input, as a ratio, so numbers from different machines compare:
- text: the whole pipeline on the seed document vs. a bare read of the same text
  (decode, split into lines, parse every number-shaped token) — the cost of structure,
  columns and checks over reading;
- pdf: the whole pipeline on each real PDF in ../shared/real/ (skipped when absent) vs.
  pdfplumber's own `extract_tables()` on the same pages;
- batch: `yusuan batch` over N copies of the samples (bytes varied so none is a
  duplicate) with 1 and with 2 workers: files/s, pages/s and the scaling ratio.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

import yusuan
from yusuan.extract.decode import decode_text
from yusuan.normalize.numbers import parse_amount

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "000_b1fb1c67835c9330.txt"
REAL = ROOT.parent / "shared" / "real"
_NUM = re.compile(r"^[\d,]+(?:\.\d+)?$")


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
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
    import pdfplumber

    pdfs = sorted(REAL.glob("budget-*.pdf"))
    if not pdfs:
        print(f"pdf   skipped: {REAL} is absent")
        return
    ratios = []
    for pdf in pdfs:
        def tables() -> None:
            with pdfplumber.open(pdf) as doc:
                for page in doc.pages:
                    page.extract_tables()

        base = _best(tables, repeat)
        full = _best(lambda: yusuan.extract_document(pdf), repeat)
        pages = yusuan.extract_document(pdf).document.pages
        ratios.append(base / full)
        print(f"pdf   {pdf.name:42s} pipeline {pages / full:6.1f} pages/s   "
              f"pdfplumber extract_tables {pages / base:6.1f} pages/s   speed ratio {base / full:5.2f}x")
    print(f"pdf   median speed ratio pipeline vs extract_tables: {statistics.median(ratios):.2f}x")


def bench_batch(copies: int) -> None:
    import tempfile

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["text", "pdf", "batch"])
    parser.add_argument("--copies", type=int, default=200, help="files in the batch benchmark")
    args = parser.parse_args()
    if args.only in (None, "text"):
        bench_text(args.repeat)
    if args.only in (None, "pdf"):
        bench_pdf(args.repeat)
    if args.only in (None, "batch"):
        bench_batch(args.copies)


if __name__ == "__main__":
    main()
