"""The PDFium reader's and the layout's loops in C (extract/_loops.c) and in Python give
the same pages.

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
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REAL, SEED_BUDGET
from pdfgen import write_seed_pdf
from test_clipping import write_clipped_paragraph, write_forms, write_table
from test_rotated_pages import turned_copy
from yusuan.extract import compiled, pdf_reader
from yusuan.extract.compiled import LOOPS
from yusuan.extract.pdf_geometry import Char, _all_printed, _lines_of, _on_page, _words
from yusuan.extract.pdf_reader import ENGINES, _Glyphs, read_pdf_pages

needs_c = pytest.mark.skipif(LOOPS != "c", reason="the C loops are not built (no C compiler at install)")


def _pages(data: bytes, engine: str, loops, monkeypatch) -> list[dict]:
    with monkeypatch.context() as m:
        m.setattr(compiled, "loops", loops)
        pdf_reader._calls.cache_clear()
        return [p.model_dump() for p in read_pdf_pages(data, "doc.pdf", engine=engine)]


def _same_with_both_loops(data: bytes, engine: str, monkeypatch) -> list[dict]:
    c = _pages(data, engine, compiled.loops, monkeypatch)
    python = _pages(data, engine, None, monkeypatch)
    assert c == python
    return c


@needs_c
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", sorted(p.name for p in REAL.glob("*.pdf")) or ["(no real PDFs)"])
def test_a_real_pdf_reads_the_same_with_the_loops_in_c_and_in_python(name, engine, monkeypatch):
    if not (REAL / name).exists():
        pytest.skip(f"{REAL} is absent: the real PDFs come from ../shared/real")
    pages = _same_with_both_loops((REAL / name).read_bytes(), engine, monkeypatch)
    assert any(p["lines"] for p in pages)


@needs_c
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


@needs_c
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
    built = sorted(Path(compiled.__file__).parent.glob("_loops*"))
    assert LOOPS == "c", f"extract/_loops.c was not built (found {built}); reinstall: pip install -e ."


# Lines and words from made-up characters: ties in baseline and x, edges at a character's
# middle, glyphs reaching past the next one, characters of other types or fields (the C
# loop hands those back to Python).
_coordinate = st.one_of(st.integers(0, 60).map(lambda v: v / 4), st.floats(0, 15, allow_nan=False))
_char = st.builds(lambda t, x0, w, b: Char(t, x0, x0 + w, b), st.sampled_from(["一", "2", ",", "(cid:3)", "fi"]),
                  _coordinate, st.floats(0, 6, allow_nan=False), _coordinate)
_edges = st.lists(_coordinate, max_size=5, unique=True).map(lambda xs: tuple(sorted(xs)))


def _with(loops, fn, *args):
    saved = compiled.loops
    compiled.loops = loops
    try:
        return fn(*args)
    finally:
        compiled.loops = saved


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(_char, max_size=30))
def test_lines_of_made_up_characters_are_the_same_in_c_and_in_python(chars):
    assert _with(compiled.loops, _lines_of, chars) == _with(None, _lines_of, chars)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(_char, max_size=30), _edges)
def test_words_of_made_up_lines_are_the_same_in_c_and_in_python(chars, edges):
    line = sorted(chars, key=lambda c: c.x0)
    assert _with(compiled.loops, _words, line, edges) == _with(None, _words, line, edges)


@needs_c
def test_characters_the_c_loops_do_not_read_go_to_the_python_loops():
    odd = [Char("一", 1, 11, 20), Char("二", 12.0, 22.0, float("nan"))]  # an int field, a NaN baseline
    assert _with(compiled.loops, _lines_of, odd) == _with(None, _lines_of, odd)
    assert _with(compiled.loops, _words, odd[:1], ()) == _with(None, _words, odd[:1], ())


_any_char = st.builds(lambda t, x0, w, b: Char(t, x0, x0 + w, b),
                      st.sampled_from(["一", "2", " ", "\u3000", "\u200b", "a\u00ad", "", "fi"]),
                      st.floats(-3, 20, allow_nan=False), st.floats(0, 6, allow_nan=False),
                      st.floats(-3, 20, allow_nan=False))


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(_any_char, max_size=12), st.one_of(st.none(), st.tuples(st.floats(5, 15), st.floats(5, 15))))
def test_which_pages_print_every_character_is_told_the_same_in_c_and_in_python(chars, size):
    assert _with(compiled.loops, _all_printed, chars, size) == _with(None, _all_printed, chars, size)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(_any_char, max_size=12))
def test_the_glyph_extent_of_a_page_is_the_same_in_c_and_in_python(chars):
    def extent():
        glyphs = _Glyphs(chars, "", (12.0, 12.0))
        return repr((glyphs.font, glyphs.extent))  # repr: -0.0 and 0.0 told apart

    assert _with(compiled.loops, extent) == _with(None, extent)


@pytest.mark.parametrize("loops", ["c", "python"])
def test_a_character_at_a_nan_or_infinite_place_is_not_printed_text(loops):
    """Such a character is outside the page box (as the per-character filter finds), with
    either loops; min and max over a NaN would have let the whole page through."""
    if loops == "c" and LOOPS != "c":
        pytest.skip("the C loops are not built (no C compiler at install)")
    inside = Char("一", 1.0, 11.0, 20.0)
    for odd in (Char("二", 12.0, 22.0, float("nan")), Char("三", float("-inf"), float("inf"), 20.0)):
        for chars in ([inside, odd], [odd, inside]):
            assert _with(compiled.loops if loops == "c" else None, _on_page, chars, (100.0, 100.0)) == [inside]
