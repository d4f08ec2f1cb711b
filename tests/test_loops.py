"""The PDFium reader's loops in C (extract/_loops.c) and in Python give the same pages.

The C loops are built at install where a C compiler is; the Python ones are the fallback
and the reference. Both read every real PDF, and the generated PDFs that take the rarer
paths (text clipped cell by cell and by frames, form XObjects with clips of their own, a
seed table drawn with ruling, pages shown turned), with either engine (the pdfplumber
engine takes its clips from PDFium's characters).
"""

from __future__ import annotations

import shutil
import sysconfig
from pathlib import Path

import pytest

from conftest import REAL, SEED_BUDGET
from pdfgen import write_seed_pdf
from test_clipping import write_clipped_paragraph, write_forms, write_table
from test_rotated_pages import turned_copy
from yusuan.extract import pdf_reader
from yusuan.extract.pdf_reader import ENGINES, LOOPS, read_pdf_pages

compiled = pytest.mark.skipif(LOOPS != "c", reason="the C loops are not built (no C compiler at install)")


def _pages(data: bytes, engine: str, loops, monkeypatch) -> list[dict]:
    with monkeypatch.context() as m:
        m.setattr(pdf_reader, "_loops", loops)
        pdf_reader._calls.cache_clear()
        return [p.model_dump() for p in read_pdf_pages(data, "doc.pdf", engine=engine)]


def _same_with_both_loops(data: bytes, engine: str, monkeypatch) -> list[dict]:
    c = _pages(data, engine, pdf_reader._loops, monkeypatch)
    python = _pages(data, engine, None, monkeypatch)
    assert c == python
    return c


@compiled
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("*.pdf")) or ["(no real PDFs)"])
def test_a_real_pdf_reads_the_same_with_the_loops_in_c_and_in_python(name, engine, monkeypatch):
    if not (REAL / name).exists():
        pytest.skip(f"{REAL} is absent: the real PDFs come from ../shared/real")
    pages = _same_with_both_loops((REAL / name).read_bytes(), engine, monkeypatch)
    assert any(p["lines"] for p in pages)


@compiled
@pytest.mark.parametrize("engine", ENGINES)
def test_generated_pdfs_read_the_same_with_the_loops_in_c_and_in_python(tmp_path, engine, monkeypatch):
    paragraph = write_clipped_paragraph(tmp_path / "paragraph.pdf")
    table = write_table(tmp_path / "table.pdf", clip_cells=True)
    forms = write_forms(tmp_path / "forms.pdf")
    seed = write_seed_pdf(SEED_BUDGET, tmp_path / "seed.pdf")
    for path in (paragraph, table, forms, seed):
        _same_with_both_loops(path.read_bytes(), engine, monkeypatch)
    # The clipped paragraph hides text: both loops see the clip (the Python loops are the
    # ones tests/test_clipping.py holds to what the page shows).
    pages = _same_with_both_loops(paragraph.read_bytes(), engine, monkeypatch)
    assert any(p["clipped"] for p in pages)


@compiled
def test_a_turned_page_reads_the_same_with_the_loops_in_c_and_in_python(monkeypatch):
    source = REAL / "budget-2024-unit-welfare-home.pdf"
    if not source.exists():
        pytest.skip(f"{source} is absent: the real PDFs come from ../shared/real")
    for quarters in (1, 2, 3):
        _same_with_both_loops(turned_copy(source, quarters), "pdfium", monkeypatch)


def test_the_c_loops_are_built_where_a_compiler_is():
    """A build that fails quietly would leave every install on the slow loops."""
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if not shutil.which(compiler):
        pytest.skip(f"no C compiler ({compiler}) on this machine: the Python loops are used")
    built = list((Path(pdf_reader.__file__).parent).glob("_loops*.so")) + \
        list((Path(pdf_reader.__file__).parent).glob("_loops*.pyd"))
    assert LOOPS == "c", f"extract/_loops.c was not built (found {built}); reinstall: pip install -e ."
