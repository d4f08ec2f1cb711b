"""Pictures of where a finding sits (issue 14): findings carry the box of the cell they
name, `yusuan show` draws a page with the read cells framed and the cells of failing
identities in red, `yusuan report` writes one static HTML page with the pictures."""

from __future__ import annotations

from decimal import Decimal

from PIL import Image
from typer.testing import CliRunner

import yusuan
from conftest import real_pdf
from yusuan.cli import app
from yusuan.pictures import FAILING, SCALE, cell_frames

FINANCE_UNIT = "budget-2025-unit-shanghai-finance.pdf"


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_show_draws_red_boxes_on_the_cells_of_the_known_defect(tmp_path):
    """The auditor's rounding defect: p.17 basic_by_economic, 302 printed 24,840,779 in 合计
    and 公用经费, its 款 rows sum to 24,840,778."""
    pdf = real_pdf(FINANCE_UNIT)
    result = yusuan.extract_document(pdf)
    cells = {(line.column): line for line in result.records["budget_lines"]
             if line.table == "basic_by_economic" and line.code == "302"}
    assert {c.raw for c in cells.values()} == {"24,840,779"} and set(cells) == {"合计", "公用经费"}
    out = tmp_path / "page.png"
    shown = invoke("show", pdf, "--page", 17, "-o", out)
    assert shown.exit_code == 0, shown.stderr
    image = Image.open(out).convert("RGB")
    red = [(x, y) for y in range(image.height) for x in range(image.width) if image.getpixel((x, y)) == FAILING]
    assert red

    def on_cell(x, y, cell, slack=3):
        x0, y0, x1, y1 = (float(v) * SCALE for v in (cell.x0, cell.y0, cell.x1, cell.y1))
        return x0 - slack <= x <= x1 + slack and y0 - slack <= y <= y1 + slack

    # Every red pixel lies on one of the two 302 cells, and both cells are framed in red all round.
    assert all(any(on_cell(x, y, c) for c in cells.values()) for x, y in red)
    for cell in cells.values():
        x0, y0, x1, y1 = (round(float(v) * SCALE) for v in (cell.x0, cell.y0, cell.x1, cell.y1))
        mid_x, mid_y = (x0 + x1) // 2, (y0 + y1) // 2
        for x, y in ((mid_x, y0 + 1), (mid_x, y1 - 1), (x0 + 1, mid_y), (x1 - 1, mid_y)):
            assert image.getpixel((x, y)) == FAILING, (cell.column, x, y)


def test_findings_that_name_a_cell_carry_its_box():
    result = yusuan.extract_document(real_pdf(FINANCE_UNIT))
    boxed = {(f.code, f.column): f for f in result.records["findings"] if f.x0 is not None}
    lines = {line.column: line for line in result.records["budget_lines"]
             if line.table == "basic_by_economic" and line.code == "302"}
    for column in ("合计", "公用经费"):
        f = boxed[("302", column)]
        assert f.rule == "rounding" and f.page == 17
        assert (f.x0, f.y0, f.x1, f.y1) == (lines[column].x0, lines[column].y0, lines[column].x1, lines[column].y1)
    assert all(f.x0 is None for f in result.records["findings"] if f.code is None and f.column is None)
    assert all(isinstance(f.x0, Decimal) for f in boxed.values())


def test_a_finding_on_a_total_row_carries_the_total_cell_box():
    """The finance 决算's 收入决算表 p.8: the 合计 row's 本年收入合计 misses the sum of its 类
    rows by a rounding slip; the finding names the column only (totals have no code)."""
    result = yusuan.extract_document(real_pdf("final-2024-dept-finance.pdf"))
    [f] = [f for f in result.records["findings"]
           if f.table == "final_income" and f.code is None and f.column == "本年收入合计"]
    [line] = [b for b in result.records["budget_lines"]
              if b.table == "final_income" and b.code is None and b.column == "本年收入合计"]
    assert f.page == line.page == 8 and f.x0 is not None
    assert (f.x0, f.y0, f.x1, f.y1) == (line.x0, line.y0, line.x1, line.y1)
    frames = [fr for fr in cell_frames(result.records, 8) if fr.failing]
    assert tuple(float(v) for v in (line.x0, line.y0, line.x1, line.y1)) in {fr.box for fr in frames}


def test_report_writes_one_page_with_the_pictures(tmp_path):
    pdf = real_pdf(FINANCE_UNIT)
    assert invoke("extract", pdf, "-o", tmp_path / "one").exit_code in (0, 1)
    out = tmp_path / "report.html"
    written = invoke("report", tmp_path / "one", "-o", out)
    assert written.exit_code == 0, written.stderr
    page = out.read_text(encoding="utf-8")
    assert "<h2>Documents</h2>" in page and "上海市财政局" in page
    assert page.count("data:image/png;base64,") >= 1 and "rounding" in page
    assert invoke("show", pdf, "--page", 99, "-o", tmp_path / "x.png").exit_code == 2


def _line(page: int, code: str = "302", column: str = "合计"):
    from yusuan.schemas.records import BudgetLine
    return BudgetLine(doc_id="d", table="basic_by_economic", table_title="t", page=page, code=code, raw_code=code,
                      level=1, parent_code=None, name="商品和服务支出", column=column, amount=Decimal(1), raw="1",
                      source_unit="元", assigned_by="layout", x0=Decimal(1), y0=Decimal(2), x1=Decimal(3),
                      y1=Decimal(4))


def _finding(page: int | None, code: str = "302", column: str = "合计", rule: str = "hierarchy"):
    from yusuan.schemas.records import Finding
    return Finding(doc_id="d", rule=rule, severity="error", table="basic_by_economic", page=page, code=code,
                   column=column, expected=None, actual=None, message="m")


def test_failing_cells_keeps_every_page_a_cell_is_named_on():
    """The same cell key (table, code, column) named by findings on two pages (a table
    printed again for another body): the cell is red on both pages, not only on the page
    of the last finding; a page no finding names stays unmarked."""
    from yusuan.pictures import failing_cells
    lines = [_line(17), _line(40), _line(41)]
    cases = [
        ([_finding(17), _finding(40)], {17, 40}),
        ([_finding(40), _finding(17)], {17, 40}),
        ([_finding(None)], {17, 40, 41}),
        ([_finding(17), _finding(None)], {17, 40, 41}),
        ([_finding(17, column="公用经费")], set()),
        ([_finding(17, rule="rounding")], {17}),
    ]
    for findings, pages in cases:
        got = failing_cells(findings, lines)
        assert {page for _, page, _, _ in got} == pages, (findings, got)
