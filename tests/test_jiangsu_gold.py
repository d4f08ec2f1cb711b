"""Jiangsu province-level budgets (2017–2019) against their verified cells.

`../shared/real/gold/<pdf stem>.gold.json` holds every table of six Jiangsu table
documents, read from each PDF twice by independent methods, every identity checked, 20
cells per document read by eye (see `../shared/real/README.md`). These tests hold the
pipeline to all of it:

- every gold cell of a coded table is one `budget_lines` record, every other gold cell
  one `summary_lines` record, with its amount in 元, its raw text, page and unit; no
  record of a gold table is left over (multisets, so a missing cell, an extra cell and a
  cell in the wrong column or table all fail, listed in the message);
- every gold cell is a `table_cells` row at its printed position (the centre of the row's
  box inside the gold cell box), under its printed header, in its table;
- the document names its body, year and scope; no error finding;
- the narrative-only companion gives its headline figures and no error.

The output contract these tests encode (table keys, item names per shape) is spelled out
in the constants below. Tests skip with a clear reason when `../shared/real` is absent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import NamedTuple

import pandas as pd
import pytest

import yusuan
from conftest import REAL, real_pdf

GOLD = REAL / "gold"
TABLE_DOCS = [
    "budget-2017-dept-jiangsu-cppcc-office-tables",
    "budget-2017-dept-jiangsu-high-court",
    "budget-2018-dept-jiangsu-cppcc-office-tables",
    "budget-2018-dept-jiangsu-high-court",
    "budget-2019-dept-jiangsu-cppcc-office-tables",
    "budget-2019-dept-jiangsu-high-court",
]
NARRATIVE = "budget-2018-dept-jiangsu-cppcc-office-narrative.pdf"

# Gold `title_canonical` → the table key records carry.
TABLE_KEYS = {
    "收支预算总表": "income_expenditure_summary",
    "收入预算总表": "income_summary",
    "支出预算总表": "expenditure_summary",
    "财政拨款收支预算总表": "fiscal_grant_summary",
    "财政拨款支出预算表": "fiscal_grant_by_function",
    "财政拨款基本支出预算表": "fiscal_grant_basic_by_economic",
    "一般公共预算支出预算表": "general_budget_by_function",
    "一般公共预算基本支出预算表": "basic_by_economic",
    "“三公”经费、会议费、培训费支出预算表": "three_public",
    "财政拨款政府性基金支出预算表": "gov_fund_by_function",
    "一般公共预算机关运行经费支出预算表": "operating_costs_by_economic",
    "政府采购预算表": "procurement",
}
# A coded table prints one amount column (金额, 机关运行经费支出, 基本支出): it is the 合计.
CODED_COLUMN = "合计"
# The 三公 table's gold columns → the canonical item of its summary_lines.
THREE_PUBLIC_ITEMS = {
    "合计": "合计",
    "“三公”经费/小计": "三公经费合计",
    "“三公”经费/因公出国（境）费": "因公出国(境)费",
    "“三公”经费/公务用车购置及运行维护费/小计": "公务用车购置及运行费",
    "“三公”经费/公务用车购置及运行维护费/公务用车购置费": "公务用车购置费",
    "“三公”经费/公务用车购置及运行维护费/公务用车运行维护费": "公务用车运行费",
    "“三公”经费/公务接待费": "公务接待费",
    "会议费": "会议费",
    "培训费": "培训费",
}
# Columns of the table_cells record kind.
TABLE_CELL_COLUMNS = {"doc_id", "table_index", "page", "title", "table", "row", "column", "header",
                      "text", "amount", "unit", "x0", "y0", "x1", "y1"}
BOX_TOLERANCE = 2.0
"""Points the centre of a table_cells box may lie outside the gold cell box."""
SHOWN = 12
"""Differences listed in an assertion message."""
_SPACE = re.compile(r"\s+")


def _short(stem: str) -> str:
    return stem.removeprefix("budget-").replace("-dept-jiangsu", "")


@cache
def _gold(stem: str) -> dict:
    path = GOLD / f"{stem}.gold.json"
    if not path.exists():
        pytest.skip(f"gold cells not available: {path} is absent (they live outside the repo)")
    return json.loads(path.read_text(encoding="utf-8"))


# ---- what the gold says the records are ---------------------------------------------------


class Cell(NamedTuple):
    """One amount as a record carries it. `key` is the code (budget_lines) or (side, item)
    (summary_lines)."""

    table: str
    key: object
    column: str | None
    amount: Decimal
    raw: str
    page: int
    unit: str


@dataclass(frozen=True)
class GoldCell:
    kind: str            # budget_lines | summary_lines
    record: Cell
    bbox: tuple[float, float, float, float]
    header: str          # the printed header path over the cell, '/'-joined
    where: str           # for messages: table, row and column as the gold names them


def _item(key: str, shape: str, row: dict, column: str) -> tuple[str | None, str]:
    """(side, item) of a gold cell of a table that is not coded, by the contract."""
    if shape == "two_sided":
        return row["side"], _SPACE.sub("", row["name"])
    if shape == "items":
        return None, row["label_path"]
    if shape == "single_row" and key == "three_public":
        return None, THREE_PUBLIC_ITEMS[column]
    if shape == "single_row" and key == "expenditure_summary":
        return None, column
    if shape == "other":
        return None, "/".join(row["context"].values()) if row["context"] else row["name"]
    raise ValueError(f"no contract for a {shape} table {key}")


def _header(table: dict, bbox) -> str:
    centre = (bbox[0] + bbox[2]) / 2
    paths = [h["path"] for h in table["header"] if h["x0"] <= centre <= h["x1"]]
    if len(paths) != 1:
        raise ValueError(f"{table['title_canonical']}: {len(paths)} header cells over x={centre}")
    return "/".join(paths[0])


def gold_cells(gold: dict) -> list[GoldCell]:
    """Every amount cell of the gold, as the record the contract makes of it. Raises on a
    cell the contract has no place for: none is skipped."""
    out = []
    for table in gold["tables"]:
        key, shape = TABLE_KEYS[table["title_canonical"]], table["shape"]
        for row in table["rows"]:
            for column, value in row["values"].items():
                amount, raw, page = Decimal(value), row["raw"][column], row["page"]
                if shape == "coded":
                    if row["code"] is None and row["name"] != "合计":
                        raise ValueError(f"{key}: a coded row without a code: {row['name']}")
                    record, kind = Cell(key, row["code"], CODED_COLUMN, amount, raw, page, table["unit"]), "budget_lines"
                else:
                    column_out = column if shape == "other" else None
                    record = Cell(key, _item(key, shape, row, column), column_out, amount, raw, page, table["unit"])
                    kind = "summary_lines"
                bbox = tuple(row["bbox"][column])
                where = f"{table['title_canonical']} p{page} [{row['code'] or row['name']}] {column}"
                out.append(GoldCell(kind, record, bbox, _header(table, bbox), where))
    return out


def gold_keys(gold: dict) -> set[str]:
    return {TABLE_KEYS[t["title_canonical"]] for t in gold["tables"]}


# ---- comparing -------------------------------------------------------------------------------


def _show(c: Cell) -> str:
    if isinstance(c.key, tuple):
        side, item = c.key
        key = f"{side}:{item}" if side else item
    else:
        key = c.key or "合计"
    column = f" [{c.column}]" if c.column else ""
    return f"{c.table} {key}{column} = {c.amount:,} 元 (raw {c.raw!r}, p{c.page}, {c.unit})"


def diff(expected: Counter, got: Counter) -> list[str]:
    """Missing and extra cells, a cell present on both sides with other values shown as one
    difference."""
    missing, extra = expected - got, got - expected
    extra_at: dict[tuple, list[Cell]] = defaultdict(list)
    for c in sorted(extra.elements(), key=repr):
        extra_at[c[:3]].append(c)
    out = []
    for c in sorted(missing.elements(), key=repr):
        if extra_at.get(c[:3]):
            out.append(f"differs {_show(c)}\n        got {_show(extra_at[c[:3]].pop(0))}")
        else:
            out.append(f"missing {_show(c)}")
    out += [f"extra   {_show(c)}" for cs in extra_at.values() for c in cs]
    return out


def _assert_same(expected: Counter, got: Counter, what: str) -> None:
    lines = diff(expected, got)
    if lines:
        kinds = ("differs", "missing", "extra")
        shown = [line for kind in kinds for line in [x for x in lines if x.startswith(kind)][:SHOWN // 2]]
        pytest.fail(f"{what}: {sum((expected - got).values())} of {sum(expected.values())} gold cells not as "
                    f"printed, {sum((got - expected).values())} records of gold tables not in the gold "
                    f"(first of each):\n" + "\n".join(shown))


# ---- fixtures ---------------------------------------------------------------------------------


@dataclass
class Doc:
    stem: str
    gold: dict
    result: yusuan.Result


@pytest.fixture(scope="module", params=TABLE_DOCS, ids=_short)
def doc(request) -> Doc:
    """Each table document, extracted once per module."""
    gold = _gold(request.param)
    return Doc(request.param, gold, yusuan.extract_document(real_pdf(request.param + ".pdf")))


def _table_cells(result: yusuan.Result) -> pd.DataFrame:
    assert "table_cells" in result.records, "the result has no record kind `table_cells`"
    cells = result.frame("table_cells")
    assert TABLE_CELL_COLUMNS <= set(cells.columns), (
        f"table_cells lacks the columns {sorted(TABLE_CELL_COLUMNS - set(cells.columns))}")
    return cells


# ---- the gold itself, as these tests read it (they hold today) ---------------------------------


@pytest.mark.parametrize("stem", TABLE_DOCS, ids=_short)
def test_gold_is_of_this_pdf(stem):
    gold = _gold(stem)
    pdf = real_pdf(stem + ".pdf")
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == gold["doc"]["sha256"]


@pytest.mark.parametrize("stem", TABLE_DOCS, ids=_short)
def test_every_gold_cell_has_a_place_in_the_contract(stem):
    gold = _gold(stem)
    assert {t["title_canonical"] for t in gold["tables"]} <= set(TABLE_KEYS)
    cells = gold_cells(gold)  # raises on a cell the contract cannot place
    assert len(cells) == sum(len(r["values"]) for t in gold["tables"] for r in t["rows"])
    for c in cells:  # the gold's raw and value agree (万元 → 元)
        assert Decimal(c.record.raw.replace(",", "")) * 10000 == c.record.amount, c.where
    for kind in ("budget_lines", "summary_lines"):  # one record per cell: no two share a place
        places = Counter(c.record[:3] for c in cells if c.kind == kind)
        assert [p for p, n in places.items() if n > 1] == []
    for table in gold["tables"]:
        if table["shape"] == "coded":
            assert len(table["columns"]) == 1, table["title_canonical"]
        if TABLE_KEYS[table["title_canonical"]] == "three_public":
            assert set(table["columns"]) == set(THREE_PUBLIC_ITEMS)


# ---- records --------------------------------------------------------------------------------


def test_budget_lines_are_the_gold_cells(doc):
    keys = gold_keys(doc.gold)
    expected = Counter(c.record for c in gold_cells(doc.gold) if c.kind == "budget_lines")
    got = Counter(Cell(b.table, b.code, b.column, b.amount, b.raw, b.page, b.source_unit)
                  for b in doc.result.records["budget_lines"] if b.table in keys)
    _assert_same(expected, got, f"{_short(doc.stem)} budget_lines")


def test_summary_lines_are_the_gold_cells(doc):
    keys = gold_keys(doc.gold)
    expected = Counter(c.record for c in gold_cells(doc.gold) if c.kind == "summary_lines")
    got = Counter(Cell(s.table, (s.side, s.item), s.column, s.amount, s.raw, s.page, s.source_unit)
                  for s in doc.result.records["summary_lines"] if s.table in keys)
    _assert_same(expected, got, f"{_short(doc.stem)} summary_lines")


def test_document_names_its_body_year_and_scope(doc):
    documents = doc.result.documents
    assert len(documents) == 1
    assert "scope" in documents.columns, "documents has no column `scope`"
    row = documents.iloc[0]
    assert (row["department"], row["fiscal_year"], row["scope"]) == (
        doc.gold["doc"]["body"], doc.gold["doc"]["fiscal_year"], "部门")


def test_no_error_findings(doc):
    errors = [f for f in doc.result.records["findings"] if f.severity == "error"]
    if errors:
        pytest.fail(f"{len(errors)} error findings:\n" + "\n".join(
            f"{f.rule} {f.table} p{f.page} {f.code} {f.column}: {f.message}" for f in errors[:SHOWN]))
    assert doc.result.records["budget_lines"], "no budget_lines"
    assert doc.result.exit_code == 0


# ---- table_cells ------------------------------------------------------------------------------


def _centre_in(cell: dict, bbox) -> bool:
    cx, cy = (cell["x0"] + cell["x1"]) / 2, (cell["y0"] + cell["y1"]) / 2
    x0, top, x1, bottom = bbox
    return (x0 - BOX_TOLERANCE <= cx <= x1 + BOX_TOLERANCE
            and top - BOX_TOLERANCE <= cy <= bottom + BOX_TOLERANCE)


def _at_gold_cells(doc: Doc) -> list[tuple[GoldCell, list[dict]]]:
    """Each gold cell with the table_cells rows of its page whose centre lies in its box."""
    by_page: dict[int, list[dict]] = defaultdict(list)
    for cell in _table_cells(doc.result).to_dict("records"):
        by_page[cell["page"]].append(cell)
    return [(g, [c for c in by_page[g.record.page] if _centre_in(c, g.bbox)]) for g in gold_cells(doc.gold)]


def test_table_cells_hold_every_gold_cell(doc):
    wrong = []
    pairs = _at_gold_cells(doc)
    for g, found in pairs:
        want = (g.record.table, g.record.raw, g.record.amount, g.record.unit)
        if len(found) != 1:
            wrong.append(f"{g.where}: {len(found)} table_cells at {g.bbox}, want one {want}")
            continue
        c = found[0]
        got = (c["table"], c["text"], c["amount"], c["unit"])
        if got != want:
            wrong.append(f"{g.where}: (table, text, amount, unit) = {got}, want {want}")
    if wrong:
        pytest.fail(f"{len(wrong)} of {len(pairs)} gold cells:\n" + "\n".join(wrong[:SHOWN]))
    assert set(_table_cells(doc.result)["doc_id"]) == {doc.result.document.doc_id}


def test_table_cells_name_the_printed_header_of_every_gold_cell(doc):
    wrong = []
    for g, found in _at_gold_cells(doc):
        if len(found) != 1:
            wrong.append(f"{g.where}: {len(found)} table_cells at {g.bbox}, want one")
        elif _SPACE.sub("", str(found[0]["header"])) != _SPACE.sub("", g.header):
            wrong.append(f"{g.where}: header {found[0]['header']!r}, printed {g.header!r}")
    if wrong:
        pytest.fail(f"{len(wrong)} gold cells:\n" + "\n".join(wrong[:SHOWN]))


def test_table_cells_find_every_gold_table_on_its_pages(doc):
    """Every gold table, its empty ones too (a blank 合计 row, a note), is found on exactly
    the pages it is printed on."""
    cells = _table_cells(doc.result)
    wrong = []
    for table in doc.gold["tables"]:
        key = TABLE_KEYS[table["title_canonical"]]
        pages = sorted({int(p) for p in cells.loc[cells["table"] == key, "page"]})
        if pages != table["pages"]:
            wrong.append(f"{key} ({table['title_printed']}): on pages {pages}, printed on {table['pages']}")
    if wrong:
        pytest.fail("\n".join(wrong))


# ---- the narrative-only companion -----------------------------------------------------------

# Headline figures its 预算情况说明 prints in 万元: (the words before the figure, the
# figure as printed, the amount in 元).
NARRATIVE_FIGURES = [
    ("收入预算总计", "10,150.48", Decimal("101504800")),  # p8 （一）收入预算总计 10,150.48 万元。
    ("支出预算总计", "10,150.48", Decimal("101504800")),  # p8 （二）支出预算总计 10,150.48 万元。
    ("基本支出预算数为", "5,678.17", Decimal("56781700")),  # p9 此外，基本支出预算数为 5,678.17 万元。
]


@pytest.fixture(scope="module")
def narrative():
    return yusuan.extract_document(real_pdf(NARRATIVE))


def test_narrative_figures_are_printed_in_the_pdf():
    """The figures below are the document's own (guards the test data)."""
    from yusuan.extract.pdf_reader import read_pdf_pages

    path = real_pdf(NARRATIVE)
    text = _SPACE.sub("", "".join(line for page in read_pdf_pages(path.read_bytes(), str(path))
                                  for line in page.lines))
    for words, raw, amount in NARRATIVE_FIGURES:
        assert f"{words}{raw}万元" in text
        assert Decimal(raw.replace(",", "")) * 10000 == amount


def test_narrative_document_reads_without_error(narrative):
    errors = [f for f in narrative.records["findings"] if f.severity == "error"]
    if errors:
        pytest.fail(f"{len(errors)} error findings:\n" + "\n".join(f"{f.rule}: {f.message}" for f in errors[:SHOWN]))
    assert narrative.exit_code == 0


@pytest.mark.parametrize("words,raw,amount", NARRATIVE_FIGURES, ids=["income-total", "expenditure-total", "basic"])
def test_narrative_gives_its_headline_figures(narrative, words, raw, amount):
    figures = narrative.records["prose_figures"]
    found = [f for f in figures if f.raw == raw and words in _SPACE.sub("", f.sentence)]
    assert found, (f"no prose figure {raw} 万元 in a sentence with {words!r}; the document gave "
                   f"{[(f.label, f.raw) for f in figures][:SHOWN]}")
    assert [(f.amount, f.unit) for f in found] == [(amount, "万元")] * len(found)
    assert all(f.label for f in found)
