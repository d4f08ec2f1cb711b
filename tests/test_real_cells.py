"""Cells of the real budget PDFs, read by hand: every one must come out in its column.

`data/real_budget_cells.csv` was made without yusuan: a helper placed each printed number
under its header cell by the page ruling (pdfplumber word boxes and rules) and checked the
harder pages on rendered images; 297 cells over the seven budgets, all seven tables of
each, chosen to include 0 / 0.00 cells, blank neighbours, class/款/项 rows and 合计 rows.
Both PDF engines must produce every one of them.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

import yusuan
from conftest import real_pdf
from yusuan.normalize.text import compact

CELLS = Path(__file__).parent / "data" / "real_budget_cells.csv"
ROWS = list(csv.DictReader(CELLS.open(encoding="utf-8")))
BY_FILE: dict[str, list[dict]] = defaultdict(list)
for _row in ROWS:
    BY_FILE[_row["file"]].append(_row)
# The helper named the first 支出 column of a split 财务收支预算总表 by its printed 合计;
# yusuan's canonical name for that column is 预算数 (tables.toml).
COLUMN_NAMES = {("income_expenditure_summary", "合计"): "预算数"}


@cache
def _cells(name: str, engine: str) -> dict:
    result = yusuan.extract_document(real_pdf(name), engine=engine)
    out = {}
    for b in result.records["budget_lines"]:
        out[(b.table, b.code or "total", b.column)] = b
    for s in result.records["summary_lines"]:
        key = f"{s.side}:{compact(s.item)}" if s.side else s.item
        out[(s.table, key, s.column)] = s
    return out


def test_the_hand_made_table_covers_every_budget_pdf():
    assert len(ROWS) >= 7 * 22
    assert all(len({r["table"] for r in rows}) >= 5 for rows in BY_FILE.values())
    assert len(BY_FILE) == 7


@pytest.mark.parametrize("engine", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_every_hand_read_cell(name, engine):
    cells = _cells(name, engine)
    wrong = []
    for row in BY_FILE[name]:
        column = row["column"] or None
        column = COLUMN_NAMES.get((row["table"], column), column)
        key = row["key"] if ":" not in row["key"] else row["key"].split(":")[0] + ":" + compact(row["key"].split(":", 1)[1])
        got = cells.get((row["table"], key, column))
        if got is None or (got.raw, got.page) != (row["raw"], int(row["page"])):
            wrong.append((row["table"], key, column, row["raw"], row["page"],
                          None if got is None else (got.raw, got.page)))
    assert not wrong, f"{len(wrong)} of {len(BY_FILE[name])} cells differ: {wrong[:8]}"


@pytest.mark.parametrize("name", sorted(BY_FILE))
def test_every_cell_is_placed_by_the_page_ruling(name):
    cells = _cells(name, "pdfium")
    assert {c.assigned_by for c in cells.values()} == {"layout"}
