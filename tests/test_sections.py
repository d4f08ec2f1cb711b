"""One segmentation stage (extract.sections) that every reader of a document reads.

Every line of every page is in one section (cover, 目录, prose, table, form, blank) or is a
table number or page number; the tables read their table sections, the rules over table
rows take each line's table from its section, the prose rules and prose figures read the
running text. The cases below are where the readers' own old guesses and the sections
disagree, on real documents and on a generated page of two tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import yusuan
from conftest import REAL, SEED_BUDGET, SEED_TARGETS, real_pdf
from yusuan.domain import DOMAIN
from yusuan.extract.sections import find_all_forms, is_data_line, profile_score, segment, sections_of
from yusuan.extract.tables import parse_pages
from yusuan.normalize.text import compact
from yusuan.pipeline import read_pages
from yusuan.schemas.intermediate import TEXT_KINDS
from yusuan.validate.wording import check_wording

DOCUMENTS = sorted(p.name for p in REAL.glob("*.pdf")) if REAL.exists() else []
FURNITURE = re.compile(r"公开\d+表|附表[\d一二三四五六七八九十]+|表[\d一二三四五六七八九十]+|[-—–]?\d{1,4}[-—–]?|第\d{1,4}页")
"""What a line in no section prints: a table number on its own line, a page number."""


def _read(path: Path):
    pages, _ = read_pages(path.read_bytes(), str(path))
    profile = DOMAIN.choose(lambda p: profile_score(pages, p))
    sections = segment(pages, profile, find_all_forms(pages, profile)[2])
    return pages, sections, parse_pages(pages, profile, sections=sections)


@pytest.mark.parametrize("name", [*DOCUMENTS, SEED_BUDGET.name, SEED_TARGETS.name])
def test_every_line_is_in_one_section_and_every_table_reads_its_own(name):
    path = SEED_BUDGET.parent / name if name.endswith(".txt") else real_pdf(name)
    pages, sections, parsed = _read(path)
    tables = parsed.all_tables
    for page in pages:
        mine = sections.on(page.number)
        held = [i for s in mine for i in s.lines]
        assert len(held) == len(set(held)), f"p.{page.number}: a line in two sections"
        for i, line in enumerate(page.lines):
            if sections.of(page.number, i) is None:
                assert FURNITURE.fullmatch(compact(line)), f"p.{page.number} line {i} {line!r} is in no section"
        kinds = [s.kind for s in mine]
        assert (kinds == ["blank"]) == (not page.lines)
    for s in sections.all:
        if s.kind == "table" and s.table is not None:
            assert tables[s.table].key == s.key and s.page in tables[s.table].pages
            assert set(s.notes) <= set(s.lines) and not set(s.notes) & set(s.heading)
    started = {s.table for s in sections.all if s.heading}
    assert started == set(range(len(tables)))  # every table begins at a title of its own


def test_a_row_is_in_the_table_whose_title_is_above_it_on_a_page_of_three():
    """Jiangsu high court 2017 p.15 prints 七 (政府性基金, only its 合计), 八 (一般公共预算)
    and 九 (基本支出) one under another: each row is in its own table. The wording rules
    used to take a page's table from its first title, 政府性基金's, for every row."""
    pages, sections, _ = _read(real_pdf("budget-2017-dept-jiangsu-high-court.pdf"))
    page = next(p for p in pages if p.number == 15)
    keys = {line: sections.table_key(15, i) for i, line in enumerate(page.lines)}
    assert [s.key for s in sections.on(15)] == ["gov_fund_by_function", "general_budget_by_function",
                                                 "basic_by_economic"]
    assert keys["204 公共安全支出 23,513.11"] == "general_budget_by_function"
    assert keys["301 工资福利支出 7,687.65"] == "basic_by_economic"


def test_a_class_name_printed_without_its_amount_names_its_table():
    """Jiangsu CPPCC office 2019 p.1, the 收支总表: three 类 printed under names the
    classification dropped in 2019, on lines without an amount (the two-sided table prints
    the income side's amounts on other lines). Each finding names the table whose section
    the line is in; the old lookup gave a table only to lines shaped like amount rows."""
    path = real_pdf("budget-2019-dept-jiangsu-cppcc-office-tables.pdf")
    pages, sections, _ = _read(path)
    line = next(i for i, text in enumerate(pages[0].lines) if compact(text) == "十七、国土海洋气象等支出")
    assert not is_data_line(pages[0].lines[line])
    assert sections.table_key(1, line) == "income_expenditure_summary"
    found = [(f.page, f.table) for f in yusuan.extract_document(path).records["findings"]
             if f.rule == "outdated_class_name"]
    assert found == [(1, "income_expenditure_summary")] * 3


@pytest.mark.parametrize("name, page, label, sentence", [
    pytest.param("budget-2019-dept-jiangsu-high-court.pdf", 17, "一般公共预算收入预算",
                 "一般公共预算收入预算37188.34万元，与上年相比增加4016.19", id="page-number-17-not-read-as-digits"),
    pytest.param("budget-2018-dept-jiangsu-cppcc-office-narrative.pdf", 8, "住房保障（类）",
                 "3.住房保障（类）支出 1,499.26 万元，主要用于发放单位", id="page-number-8-not-in-the-sentence"),
])
def test_prose_figures_read_the_running_text_only(name, page, label, sentence):
    """A page number under the last line of a page is in no section: the prose figures
    used to read every line, and glued it to the sentence (`增加4016.1917`)."""
    figures = yusuan.extract_document(real_pdf(name)).records["prose_figures"]
    assert [f.sentence for f in figures if f.page == page and f.label == label] == [sentence]


def test_the_prose_rules_read_no_table_title_header_or_row():
    """final-2024-dept-finance p.19: the 政府性基金 table's title, header cells and 合计
    row are not running text; its note is (a table's note is prose under it)."""
    pages, sections, _ = _read(real_pdf("final-2024-dept-finance.pdf"))
    page = next(p for p in pages if p.number == 19)
    text = sections.texts(page)
    assert [s.kind for s in sections.on(19)] == ["table"]
    assert text == ["注：上海市普陀区财政局无政府性基金预算财政拨款支出，故本表无数据。"]
    assert sections.texts(page, ("table",)) == list(page.lines)


def test_a_form_after_the_tables_is_read_by_the_form_reader_only():
    """Wanli 2023 pp.31–35, the performance-target forms: form sections, their projects
    read from them, no table row and no running text read there."""
    path = real_pdf("budget-2023-dept-wanli-subdistrict.pdf")
    pages, sections, _ = _read(path)
    forms = {s.page for s in sections.all if s.kind == "form"}
    assert forms == {31, 32, 33, 34, 35}
    assert not any(sections.lines(p, TEXT_KINDS) for p in forms)
    result = yusuan.extract_document(path)
    assert len(result.records["projects"]) == 5
    assert not [r for kind in ("budget_lines", "summary_lines") for r in result.records[kind] if r.page in forms]


# ---- two empty tables printed on one page, each with its note (generated) -----------------

FUNDS = ("2024年部门政府性基金预算支出功能分类预算表", "2024年部门国有资本经营预算支出功能分类预算表")
NOTE = "注：本部门2024年无{}预算财政拨款安排的预算，故本表为空表。"


def write_two_empty_tables(path: Path, notes: tuple[str, str]) -> Path:
    """One page: the 政府性基金 and the 国有资本经营 function tables one under the other,
    each ruled with only its 合计 row, each with an empty-table note under it."""
    from pdfgen import FONT, draw_coded_grid
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setLineWidth(0.5)

    def draw(x: float, y: float, text: str, box=None) -> None:
        c.setFont(FONT, 8)
        c.drawString(x, y, text + " " if len(text) == 1 else text)  # see pdfgen._text

    y = height - 40
    for title, note in zip(FUNDS, notes):
        draw(150, y, title)
        draw(440, y - 18, "单位：元")
        draw_coded_grid(c, draw, 40, y - 30, ("合计", "基本支出", "项目支出"), [(None, "合计", "", "", "")])
        draw(40, y - 104, note)
        y -= 160
    c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("notes, expected", [
    pytest.param(("政府性基金", "国有资本经营"), [], id="each-note-of-its-own-fund"),
    pytest.param(("国有资本经营", "政府性基金"),
                 [("gov_fund_by_function", "国有资本经营"), ("state_capital_by_function", "政府性基金")],
                 id="notes-swapped"),
])
def test_an_empty_table_note_is_read_against_its_own_table(tmp_path, notes, expected):
    """The note under the second table is that table's: its fund is compared with the
    second title, not with the first title printed on the page (the old reading, which
    gave the correct page a false empty_note_fund)."""
    path = write_two_empty_tables(tmp_path / "two.pdf", tuple(NOTE.format(n) for n in notes))
    result = yusuan.extract_document(path)
    assert {t.key: t.pages for t in result.tables} == {"gov_fund_by_function": (1,), "state_capital_by_function": (1,)}
    found = [(f.table, f.message) for f in result.records["findings"] if f.rule == "empty_note_fund"]
    assert [(table, re.search(r"speaks of (\S+),", message).group(1)) for table, message in found] == expected
    pages, _ = read_pages(path.read_bytes(), str(path))
    assert [i.table for i in check_wording(pages, 2024, "部门") if i.rule == "empty_note_fund"] == [
        t for t, _ in expected]
    assert sections_of(pages).texts(pages[0]) == [NOTE.format(n) for n in notes]


# ── Sentences the cut leaves in a table's section are still running text ──────────────
# (review of the segmentation stage: raw text has no ruling to tell prose by, prose may sit
# above the rows, a 说明 may be printed in a ruled frame; the prose rules read them anyway.)

def _figures(result) -> list[tuple]:
    return sorted((f.label, str(f.amount)) for f in result.records["prose_figures"])


def test_raw_text_without_blank_lines_keeps_its_prose_figures(tmp_path):
    """Seed 000 with every blank line removed (its pages run together): the 情况说明's
    figures are all still read, as from the seed itself (13 of them)."""
    from conftest import extract_text

    seed = yusuan.extract_document(SEED_BUDGET)
    text = "\n".join(line for line in SEED_BUDGET.read_text(encoding="utf-8").splitlines() if line.strip())
    squeezed = extract_text(tmp_path, text)
    assert len(_figures(seed)) == 13
    assert _figures(squeezed) == _figures(seed)


def test_a_sentence_printed_after_a_table_in_raw_text_is_read_by_the_prose_rules(tmp_path):
    """A sentence with a doubled comma and a bare percentage, printed right after the last
    row of a table on its page of raw text: both slips are found."""
    from conftest import extract_text

    lines = SEED_BUDGET.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if is_data_line(line) and "合计" in line)
    lines.insert(at + 1, "上述支出比上年增加10万元，增长7.1。主要用于机关运行，，保障日常工作正常运转。")
    found = {f.rule for f in extract_text(tmp_path, "\n".join(lines)).records["findings"]}
    assert {"duplicate_punctuation", "missing_percent"} <= found


# ── Page numbers sit in the page's margin; 目录 entries are contents ──────────────────
# (review of the segmentation stage: a number alone on its line inside an unruled table was
# dropped as a page number; a raw-text 目录 with leader dots was read as rows: unread_table.)

UNRULED_TITLE = "2024年部门一般公共预算支出功能分类预算表"


def write_unruled_table(path: Path, page_number: str, at: str) -> Path:
    """One page of a coded table printed without any ruling (its cells placed by x alone),
    the 行政运行 row's 项目支出 (`500`) wrapped onto a line of its own below that row, the
    next row under it, and the page number `page_number` printed alone at the page's top
    or bottom (`at`)."""
    from pdfgen import LEFT, _canvas, _text

    c, height = _canvas(path)
    width = 842.0
    c.setFont("STSong-Light", 8)
    y = height - 60
    if at == "top":
        _text(c, width / 2, height - 25, page_number)
    _text(c, 280, y, UNRULED_TITLE)
    _text(c, 600, y - 18, "单位：元")
    y -= 40
    columns = (LEFT, LEFT + 90, 400, 480, 560)
    for x, text in zip(columns, ("科目编码", "科目名称", "合计", "基本支出", "项目支出")):
        _text(c, x, y, text)
    rows = [("", "合计", "1,500,500", "1,000,000", "500,500"),
            ("201", "一般公共服务支出", "1,500,500", "1,000,000", "500,500"),
            ("201 17", "质量技术监督与检验检疫事务", "1,500,500", "1,000,000", "500,500"),
            ("201 17 01", "行政运行", "1,000,500", "1,000,000", None),
            ("201 17 02", "一般行政管理事务", "500,000", "", "500,000")]
    for code, name, *amounts in rows:
        y -= 18
        for x, text in zip(columns, (code, name, *amounts)):
            if text:
                _text(c, x, y, text, right=x + 70 if x >= 400 else None)
        if None in amounts:  # the cell wrapped onto a line of its own
            y -= 14
            _text(c, 560, y, "500", right=630)
    if at == "bottom":
        _text(c, width / 2, 30, page_number)
    c.showPage()
    c.save()
    return path


@pytest.mark.parametrize("page_number", ["3", "- 3 -", "第 3 页"])
@pytest.mark.parametrize("at", ["top", "bottom"])
def test_a_number_alone_inside_an_unruled_table_is_a_cell_and_the_page_number_is_in_the_margin(
        tmp_path, page_number, at):
    """The page number, first or last line of the page, is in no section; the `500` alone
    on its line between the table's rows is the table's, as every other row."""
    path = write_unruled_table(tmp_path / "unruled.pdf", page_number, at)
    pages, sections, _ = _read(path)
    (page,) = pages
    assert page.bands and not any(page.bands)  # printed without any ruling
    margin = 0 if at == "top" else len(page.lines) - 1
    assert compact(page.lines[margin]) == compact(page_number)
    assert sections.of(1, margin) is None
    lone = page.lines.index("500")
    section = sections.of(1, lone)
    assert section is not None and section.kind == "table" and section.key == "general_budget_by_function"
    assert all(sections.of(1, i) is not None for i in range(len(page.lines)) if i != margin)


CONTENTS = ["目录", "一、收支预算总表{}3", "二、收入预算总表{}4", "三、支出预算总表{}5",
            "四、财政拨款收支预算总表{}6", "五、一般公共预算支出功能分类预算表{}7"]


@pytest.mark.parametrize("leader", [" ………… ", "……", "....", " ··· ", "···········"])
def test_a_raw_text_contents_page_with_leader_dots_is_contents(tmp_path, leader):
    """Seed 000 with a 目录 page before it whose entries run leader dots to their page
    numbers: the entries are a contents section, no unread_table, and every table and
    record of the seed is read as before."""
    from conftest import extract_text

    contents = "\n\n".join(line.format(leader) for line in CONTENTS)
    seed = SEED_BUDGET.read_text(encoding="utf-8")
    result = extract_text(tmp_path, contents + "\f" + seed)
    assert not [f for f in result.records["findings"] if f.rule == "unread_table"]
    before = yusuan.extract_document(SEED_BUDGET)
    assert [(t.key, t.rows) for t in result.tables] == [(t.key, t.rows) for t in before.tables]
    assert len(result.records["budget_lines"]) == len(before.records["budget_lines"])
    pages, _ = read_pages(contents.encode("utf-8"), "contents.txt")
    (page,) = pages
    (section,) = sections_of(pages).on(1)
    assert section.kind == "contents" and len(section.lines) == len(CONTENTS)


def test_a_contents_entry_is_never_a_row_even_alone_on_a_page(tmp_path):
    """Two 目录 entries left over on a page of their own (the list runs over a page break):
    still contents lines, not a region of amount rows."""
    text = "\n\n".join(line.format(" ………… ") for line in CONTENTS[-2:])
    pages, _ = read_pages(text.encode("utf-8"), "contents.txt")
    (section,) = sections_of(pages).on(1)
    assert section.kind == "contents"
    parsed = parse_pages(pages, DOMAIN.default)
    assert parsed.unread == ()
