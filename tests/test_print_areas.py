"""A table too wide for its page, printed as a spreadsheet prints a print area: its left
columns on one page, the rest on the next (print titles repeating the label columns, or
not), rows split over pages too when the table is tall. The halves are one table.

The PDFs are drawn here with reportlab (ruled cells, the CJK font STSong-Light as in
tests/pdfgen.py): a 支出决算表 of 功能分类 rows (类/款/项 codes in three cells, names), six
amount columns in 元, a 合计 row, a hierarchy that adds up. Cells the right half leaves
blank print nothing, so a row of blanks is absent from that page.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yusuan
from yusuan.domain import RULES

FONT = "STSong-Light"
SIZE = 8
ROW = 15.0
LEFT, TOP = 40.0, 40.0
CODE_W, NAME_W, AMOUNT_W = 30.0, 170.0, 90.0
TITLE = "2024年上海市测试局支出决算表"
TABLE = "final_expenditure"
COLUMNS = ("本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")
SPLIT = 2
"""The left half prints the first two amount columns, the right half the other four."""
RULE = "columns_unmatched"

# 项 rows: code, name and the five parts (基本支出 … 对附属单位补助支出) in 元; 合计 is their sum.
ITEMS = [
    ("2010301", "行政运行", (3_200_000, 0, 0, 0, 0)),
    ("2010302", "一般行政管理事务", (0, 1_234_000, 150_000, 0, 80_000)),
    ("2010350", "事业运行", (640_000, 210_000, 0, 95_000, 0)),
    ("2010601", "行政运行", (1_870_000, 0, 0, 0, 0)),
    ("2010699", "其他财政事务支出", (0, 456_700, 0, 12_300, 33_000)),
    ("2050803", "培训支出", (0, 388_000, 0, 0, 0)),
    ("2080505", "机关事业单位基本养老保险缴费支出", (612_000, 0, 20_000, 0, 0)),
    ("2080506", "机关事业单位职业年金缴费支出", (306_000, 0, 0, 0, 0)),
    ("2210201", "住房公积金", (455_000, 0, 0, 0, 9_000)),
]
NAMES = {"201": "一般公共服务支出", "20103": "政府办公厅（室）及相关机构事务", "20106": "财政事务",
         "205": "教育支出", "20508": "进修及培训", "208": "社会保障和就业支出",
         "20805": "行政事业单位养老支出", "221": "住房保障支出", "22102": "住房改革支出"}

# A tall table: ten 款 of 201 with three 项 each (42 rows with 类 and 合计).
TALL_KUAN = {"01": "人大事务", "02": "政协事务", "03": "政府办公厅（室）及相关机构事务", "04": "发展与改革事务",
             "05": "统计信息事务", "06": "财政事务", "07": "税收事务", "08": "审计事务", "11": "纪检监察事务",
             "13": "商贸事务"}
TALL_XIANG = {"01": "行政运行", "02": "一般行政管理事务", "50": "事业运行"}


def _tall_items():
    items = []
    for k, kuan in enumerate(TALL_KUAN):
        for x, (xiang, name) in enumerate(TALL_XIANG.items()):
            n = 10 * k + x + 1
            # Every third 项 prints nothing in the right half (a row absent from its pages).
            parts = (n * 101_000, 0, 0, 0, 0) if x == 0 else (n * 51_000, n * 7_300, n * 1_100 if x == 2 else 0,
                                                              n * 900, 0 if n % 4 else n * 2_500)
            items.append((f"201{kuan}{xiang}", name, parts))
    names = {"201": "一般公共服务支出", **{f"201{k}": v for k, v in TALL_KUAN.items()}}
    return items, names


def table_rows(items=ITEMS, names=NAMES) -> list[tuple[str | None, str, tuple[int, ...]]]:
    """The printed rows: (code or None for 合计, name, the six amounts), 合计 first, then
    each 类, 款 and 项 in code order, every parent the sum of its children."""
    sums: dict[str, list[int]] = {}
    for code, _, parts in items:
        for prefix in (code[:3], code[:5]):
            acc = sums.setdefault(prefix, [0] * 5)
            for i, v in enumerate(parts):
                acc[i] += v
    grand = tuple(sum(p[i] for _, _, p in items) for i in range(5))
    rows = [(None, "合计", (sum(grand), *grand))]
    seen: set[str] = set()
    for code, name, parts in items:
        for prefix in (code[:3], code[:5]):
            if prefix not in seen:
                seen.add(prefix)
                rows.append((prefix, names[prefix], (sum(sums[prefix]), *sums[prefix])))
        rows.append((code, name, (sum(parts), *parts)))
    return rows


def expected(rows) -> dict[tuple[str | None, str], Decimal]:
    """(code, column) → amount in 元 of every printed (non-blank) cell."""
    return {(code, col): Decimal(v) for code, _, amounts in rows for col, v in zip(COLUMNS, amounts) if v}


def _draw(c, x: float, y: float, text: str) -> None:
    # PDFium drops a text object of one CJK glyph in this non-embedded CID font; a
    # trailing space keeps it (as in tests/pdfgen.py).
    c.drawString(x, y, text + " " if len(text) == 1 else text)


def write_pdf(path: Path, rows, *, labels_right: bool, rows_per_page: int | None = None,
              repeat_header: bool = True, split: int | None = SPLIT, right_row: float = ROW,
              right_rows=None, order: str = "down") -> Path:
    """Draw the table as a spreadsheet prints it: the left columns' pages (rows split
    every `rows_per_page`, the header repeated when `repeat_header`), then the right
    columns' pages ("down, then over"), the title and unit on the first page only. The
    right half repeats the code and name columns when `labels_right`; `split=None` draws
    the whole width on each page (an ordinary table). `right_row` is the right half's row
    height (the same spreadsheet rows: ROW), `right_rows` the rows it prints (all);
    `order="over"` prints each band of rows left then right ("over, then down")."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(width, height))
    c.setLineWidth(0.5)

    def cell(x0: float, x1: float, y: float, text: str, right: bool = False, span: int = 1, row: float = ROW):
        c.rect(x0, y - row * span, x1 - x0, row * span)
        if text:
            x = x1 - 3 - stringWidth(text, FONT, SIZE) if right else x0 + 3
            _draw(c, x, y - row * span / 2 - SIZE / 3, text)

    def paged(rows):
        return [rows] if rows_per_page is None else [rows[i:i + rows_per_page] for i in range(0, len(rows), rows_per_page)]

    halves = [(True, 0, len(COLUMNS))] if split is None else [(True, 0, split), (labels_right, split, len(COLUMNS))]
    printed = [(h, n, chunk) for h in range(len(halves))
               for n, chunk in enumerate(paged(rows if h == 0 or right_rows is None else right_rows))]
    if order == "over":
        printed.sort(key=lambda p: (p[1], p[0]))
    first = True
    for h, n, chunk in printed:
        labels, lo, hi = halves[h]
        step = ROW if h == 0 else right_row
        c.setFont(FONT, SIZE)
        y = height - TOP
        if first:
            _draw(c, LEFT + 200, y, TITLE)
            _draw(c, LEFT, y - 22, "编制单位：上海市测试局")
            _draw(c, LEFT + 600, y - 22, "单位：元")
            y -= 40
            first = False
        code_x = [LEFT + i * CODE_W for i in range(4)]
        name_x = (code_x[3], code_x[3] + NAME_W) if labels else (LEFT, LEFT)
        amount_x = [(name_x[1] + i * AMOUNT_W, name_x[1] + (i + 1) * AMOUNT_W) for i in range(hi - lo)]
        if n == 0 or repeat_header:
            if labels:
                cell(code_x[0], code_x[3], y, "科目编码")
                cell(*name_x, y, "科目名称", span=2)
            for (a, b), head in zip(amount_x, COLUMNS[lo:hi]):
                cell(a, b, y, head, span=2)
            y -= ROW
            if labels:
                for i, level in enumerate("类款项"):
                    cell(code_x[i], code_x[i + 1], y, level)
            y -= ROW
        for code, name, amounts in chunk:
            if labels and code is None:
                cell(code_x[0], name_x[1], y, name, row=step)
            elif labels:
                for i, part in enumerate((code[:3], code[3:5], code[5:7])):
                    cell(code_x[i], code_x[i + 1], y, part, row=step)
                cell(*name_x, y, name, row=step)
            for (a, b), amount in zip(amount_x, amounts[lo:hi]):
                cell(a, b, y, f"{amount:,}" if amount else "", right=True, row=step)
            y -= step
        c.showPage()
    c.save()
    return path


def budget(result: yusuan.Result) -> dict[tuple[str | None, str], Decimal]:
    lines = [b for b in result.records["budget_lines"] if b.table == TABLE]
    got = {(b.code, b.column): b.amount for b in lines}
    assert len(got) == len(lines), "a cell read twice"
    return got


def _cells(result: yusuan.Result):
    return [c for c in result.records["table_cells"] if c.table == TABLE]


def _row_codes(cells) -> dict[int, str | None]:
    """table_cells row → the code its code cells print (None for 合计); a label printed
    again on the right half is the same text in the same place."""
    parts: dict[int, dict[str, str]] = {}
    for c in cells:
        if c.row is not None and c.header.startswith("科目编码/"):
            assert parts.setdefault(c.row, {}).setdefault(c.header, c.text) == c.text
    out = {}
    for row, texts in parts.items():
        joined = "".join(texts[h] for h in sorted(texts, key="科目编码/类 科目编码/款 科目编码/项".split().index))
        out[row] = None if joined == "合计" else joined
    return out


VARIANTS = {  # name: the writer's arguments
    "labels-repeated": dict(labels_right=True),
    "no-labels": dict(labels_right=False),
    "tall-four-pages": dict(labels_right=False, rows_per_page=25),
    "tall-four-pages-labels": dict(labels_right=True, rows_per_page=25),
    "tall-over-then-down": dict(labels_right=False, rows_per_page=25, order="over"),
}


def _rows_of(variant: str):
    return table_rows(*_tall_items()) if variant.startswith("tall") else table_rows()


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print_areas")
    return {name: write_pdf(folder / f"{name}.pdf", _rows_of(name), **args) for name, args in VARIANTS.items()}


def _expected_page(variant: str, index: int, column: str) -> int:
    """The page a cell is printed on: the left pages first, then the right ones."""
    per = VARIANTS[variant].get("rows_per_page")
    n_pages = 1 if per is None else -(-len(_rows_of(variant)) // per)
    down = 0 if per is None else index // per
    right = COLUMNS.index(column) >= SPLIT
    if VARIANTS[variant].get("order") == "over":
        return 1 + 2 * down + right
    return 1 + down + (n_pages if right else 0)


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_halves_are_one_table(pdfs, variant, engine):
    result = yusuan.extract_document(pdfs[variant], engine=engine)
    rows = _rows_of(variant)
    assert [t.key for t in result.tables] == [TABLE]
    assert budget(result) == expected(rows)
    # Spot values of the right half, under their code and column.
    if not variant.startswith("tall"):
        got = budget(result)
        assert got[("2010302", "项目支出")] == Decimal("1234000")
        assert got[("2010699", "经营支出")] == Decimal("12300")
        assert got[("2210201", "对附属单位补助支出")] == Decimal("9000")
        assert got[(None, "项目支出")] == Decimal("2288700")
        assert ("2010301", "项目支出") not in got  # printed blank
    errors = [f for f in result.records["findings"] if f.severity == "error"]
    assert errors == []
    assert not [f for f in result.records["findings"] if f.rule == RULE]
    # Identities run across the whole width: every row's 本年支出合计 is the sum of all five
    # parts, and the hierarchy and 合计 hold in every column.
    status = Counter((c.rule, c.column, c.status) for c in result.checks if c.table == TABLE)
    assert status[("row_sum", "本年支出合计", "pass")] == len(rows)
    for column in COLUMNS:
        assert status[("column_total", column, "pass")] == 1
        assert status[("hierarchy", column, "pass")] > 0
    assert not [k for k in status if k[2] in ("fail", "rounding")]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_table_cells_keep_their_page_row_and_box(pdfs, variant):
    result = yusuan.extract_document(pdfs[variant])
    rows = _rows_of(variant)
    cells = _cells(result)
    codes = _row_codes(cells)
    assert sorted(codes.values(), key=str) == sorted((r[0] for r in rows), key=str)
    index = {code: i for i, (code, _, _) in enumerate(rows)}
    amounts = [c for c in cells if c.row is not None and c.amount is not None and c.header in COLUMNS]
    assert len(amounts) == len(expected(rows))
    seen = set()
    for c in amounts:
        code = codes[c.row]
        assert (code, c.header) not in seen
        seen.add((code, c.header))
        assert c.amount == expected(rows)[(code, c.header)]
        assert c.column == 4 + COLUMNS.index(c.header)  # 类 款 项 名称, then the amounts left to right
        assert c.page == _expected_page(variant, index[code], c.header), (code, c.header)
        # The box is where the cell is printed on its own page.
        lo = 0 if COLUMNS.index(c.header) < SPLIT else SPLIT
        left = LEFT + (3 * CODE_W + NAME_W if lo == 0 or VARIANTS[variant]["labels_right"] else 0)
        x0 = left + (COLUMNS.index(c.header) - lo) * AMOUNT_W
        assert float(c.x0) == pytest.approx(x0, abs=1.0)
        assert float(c.x1) == pytest.approx(x0 + AMOUNT_W, abs=1.0)
    # A label the right half prints again is a cell of its row, under its own header,
    # and no amount: the same name as the left half prints in that row.
    if VARIANTS[variant]["labels_right"]:
        right_pages = {_expected_page(variant, i, COLUMNS[-1]) for i in range(len(rows))}
        names = {c.row: c.text for c in cells if c.page not in right_pages and c.header == "科目名称"}
        again = {c.row: c.text for c in cells if c.page in right_pages and c.header == "科目名称"}
        assert again == names and len(names) == len(rows) - 1


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_budget_lines_name_the_page_each_cell_is_printed_on(pdfs, variant):
    """Provenance: a right-half amount's record says the page it is printed on, not the
    page of its row's code."""
    result = yusuan.extract_document(pdfs[variant])
    index = {code: i for i, (code, _, _) in enumerate(_rows_of(variant))}
    lines = [b for b in result.records["budget_lines"] if b.table == TABLE]
    assert len(lines) == len(expected(_rows_of(variant)))
    for b in lines:
        assert b.page == _expected_page(variant, index[b.code], b.column), (b.code, b.column)


def test_an_ordinary_continuation_reads_as_before(tmp_path):
    """The whole width on each page, rows continuing downward under a repeated header:
    one table, rows counted on over the pages, no continuation finding."""
    rows = table_rows(*_tall_items())
    path = write_pdf(tmp_path / "ordinary.pdf", rows, labels_right=True, rows_per_page=25, split=None)
    result = yusuan.extract_document(path)
    assert budget(result) == expected(rows)
    assert not [f for f in result.records["findings"] if f.rule == RULE or f.severity == "error"]
    cells = _cells(result)
    assert {c.page for c in cells} == {1, 2}
    assert sorted({c.row for c in cells if c.row is not None}) == list(range(len(rows)))
    assert min(c.row for c in cells if c.row is not None and c.page == 2) == 25
    # Rows from the code of each line, pages as printed.
    lines = {b.code: b.page for b in result.records["budget_lines"]}
    assert lines[rows[24][0]] == 1 and lines[rows[25][0]] == 2


def test_a_continuation_whose_rows_do_not_match_is_not_joined(tmp_path):
    """The right half drawn with taller rows than the left: its rows sit where the left
    page prints none. A warning says so; no amount of it lands in any row or column."""
    rows = table_rows()
    path = write_pdf(tmp_path / "unmatched.pdf", rows, labels_right=False, right_row=ROW + 6)
    result = yusuan.extract_document(path)
    warnings = [f for f in result.records["findings"] if f.rule == RULE]
    assert len(warnings) == 1 and warnings[0].severity == "warning" and warnings[0].page == 2
    assert "项目支出" in warnings[0].message
    left = {k: v for k, v in expected(rows).items() if COLUMNS.index(k[1]) < SPLIT}
    assert budget(result) == left
    # The right half's cells are kept as printed, under their own header.
    right = [c for c in _cells(result) if c.page == 2 and c.amount is not None]
    assert len(right) == sum(1 for k in expected(rows) if COLUMNS.index(k[1]) >= SPLIT)
    assert {c.header for c in right} == set(COLUMNS[SPLIT:])


def test_labels_that_do_not_match_keep_their_own_rows(tmp_path):
    """The right half repeats the label columns but lacks the left half's last row: not
    joined, a warning; its rows stand on their own codes (as a page of rows would), so no
    amount is under a code or a column it was not printed in."""
    rows = table_rows()
    path = write_pdf(tmp_path / "fewer.pdf", rows, labels_right=True, right_rows=rows[:-1])
    result = yusuan.extract_document(path)
    warnings = [f for f in result.records["findings"] if f.rule == RULE]
    assert len(warnings) == 1 and warnings[0].page == 2
    lines = [b for b in result.records["budget_lines"] if b.table == TABLE]
    truth = expected(rows)
    assert lines and all(truth[(b.code, b.column)] == b.amount for b in lines)
    assert {(b.code, b.column) for b in lines if b.page == 2} == {
        k for k in truth if COLUMNS.index(k[1]) >= SPLIT and k[0] != rows[-1][0]}


_PART = st.one_of(st.just(0), st.integers(1, 99_999).map(lambda n: n * 100))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.tuples(*[_PART] * 5), min_size=len(ITEMS), max_size=len(ITEMS)),
       split=st.integers(1, 4), labels=st.booleans())
def test_any_amounts_and_split_read_as_one_table(parts, split, labels):
    """Whatever the right half leaves blank (rows of blanks are absent from its page) and
    wherever the columns split, every cell lands in its code and column."""
    items = [(code, name, p) for (code, name, _), p in zip(ITEMS, parts)]
    rows = table_rows(items)
    if not any(any(amounts[split:]) for _, _, amounts in rows):
        return  # a right half printing no amount at all is no continuation to read
    with tempfile.TemporaryDirectory() as folder:
        path = write_pdf(Path(folder) / "split.pdf", rows, labels_right=labels, split=split)
        result = yusuan.extract_document(path)
    assert budget(result) == expected(rows)
    assert not [f for f in result.records["findings"] if f.severity == "error" or f.rule == RULE]


def test_the_rule_is_catalogued():
    rule = RULES[RULE]
    assert rule.severity == "warning" and rule.kind == "read" and rule.title
