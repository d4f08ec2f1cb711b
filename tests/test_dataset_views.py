"""The analyst's views over a batch of the real PDFs (issue 14): `execution` (budget vs
决算 per code of a body) and `codes` (every name printed for a code), both exposed by
`yusuan query`; the 决算's own execution sentences in prose_figures, with their checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import yusuan
from analyst import real_dataset
from conftest import real_pdf
from yusuan.batch import run_batch
from yusuan.cli import app
from yusuan.dataset import write_parts
from yusuan.pipeline import read_pages, run
from yusuan.query import run_query
from yusuan.validate.final_prose import execution_figures
from yusuan.views import body_key, build_views

FINANCE = "final-2024-dept-finance.pdf"
PLANNING = "final-2024-dept-planning-resources.pdf"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return real_dataset(tmp_path_factory)


def _doc_id(dataset: Path, name: str) -> str:
    [row] = run_query(dataset, f"SELECT doc_id FROM documents WHERE source LIKE '%/{name}'").to_pylist()
    return row["doc_id"]


# 决算 p.21–22 of the Putuo finance bureau, as printed: 年初预算为A万元，支出决算为B万元 per 项.
FINANCE_ITEMS = {
    "2010601": ("1560.05", "1511.89"), "2010602": ("10.00", "10.00"), "2010607": ("135.90", "135.25"),
    "2010608": ("450.52", "449.52"), "2080501": ("85.55", "84.65"), "2080505": ("161.62", "160.75"),
    "2080506": ("80.81", "80.38"), "2080599": ("0.94", "0.94"), "2101101": ("62.29", "60.99"),
    "2210201": ("187.75", "187.19"), "2210203": ("258.50", "258.50"),
}
WAN = Decimal(10000)


def test_execution_per_item_of_the_finance_final_accounts(dataset):
    doc_id = _doc_id(dataset, FINANCE)
    rows = run_query(dataset, f"SELECT * FROM execution WHERE final_doc_id = '{doc_id}' "
                              f"AND source = 'final_prose'").to_pylist()
    items = {r["code"]: r for r in rows if r["level"] == 3}
    assert set(items) == set(FINANCE_ITEMS)
    for code, (budget, final) in FINANCE_ITEMS.items():
        row = items[code]
        assert (row["budget_amount"], row["final_amount"]) == (Decimal(budget) * WAN, Decimal(final) * WAN), code
        assert row["rate"] == (Decimal(final) / Decimal(budget) * 100).quantize(Decimal("0.01")), code
        assert row["body"] == "上海市普陀区财政局" and row["scope"] == "部门" and row["fiscal_year"] == 2024
        assert row["page"] == 22
    # The total prints its rate: the view's rate is the printed one.
    [total] = [r for r in rows if r["name"] == "一般公共预算财政拨款支出"]
    assert (total["budget_amount"], total["final_amount"]) == (Decimal("29939200.00"), Decimal("29400500.00"))
    assert total["printed_rate"] == total["rate"] == Decimal("98.20")


def test_execution_rates_equal_the_rates_the_planning_final_accounts_print(dataset):
    doc_id = _doc_id(dataset, PLANNING)
    rows = run_query(dataset, f"SELECT * FROM execution WHERE final_doc_id = '{doc_id}' "
                              f"AND printed_rate IS NOT NULL").to_pylist()
    assert len(rows) >= 14
    for row in rows:
        if row["name"] == "一般公共预算财政拨款支出":
            # 9746.50 / 10210.34 = 95.457…%, printed truncated as 95.45 (the auditor: not a defect).
            assert (row["printed_rate"], row["rate"]) == (Decimal("95.45"), Decimal("95.46"))
        else:
            assert row["rate"] == row["printed_rate"], row
    coded = {r["code"]: r for r in rows if r["code"]}
    assert coded["2080505"]["rate"] == Decimal("98.61")
    # The prose misnames the 款 (住房保障支出 for 住房改革支出): the 项 under its 类 resolves.
    assert coded["2210201"]["name"].startswith("住房保障支出（类）住房保障支出（款）")
    # A 项 the table does not print keeps no code rather than its 款's.
    assert all(len(code) == 7 for code in coded)


def test_no_rate_finding_on_the_real_final_accounts(dataset):
    rows = run_query(dataset, "SELECT rule, message FROM findings WHERE rule LIKE 'final_prose%'").to_pylist()
    assert rows == []


@pytest.mark.parametrize("printed, perturbed, rule, code", [
    ("完成年初预算的 98.61%", "完成年初预算的 96.61%", "final_prose_rate", "2080505"),
    ("完成年初预算的 98.61%。", "完成年初预算的 98.61%，超过年初预算。", "final_prose_comparison", "2080505"),
])
def test_a_perturbed_sentence_gives_its_finding(printed, perturbed, rule, code):
    data = real_pdf(PLANNING).read_bytes()
    pages, kind = read_pages(data, PLANNING)
    changed = []
    for page in pages:
        text = "".join(page.lines)
        if printed in text:
            page = page.model_copy(update={"lines": [text.replace(printed, perturbed, 1)]})
        changed.append(page)
    assert changed != pages
    result = run(changed, doc_id="x", source=PLANNING, source_kind=kind)
    failed = [c for c in result.checks if c.rule == rule and c.status == "fail"]
    assert len(failed) == 1, failed
    [figure] = [f for f in result.records["prose_figures"] if f.code == code and f.budget_amount is not None]
    assert failed[0].code == figure.label and failed[0].page == figure.page
    assert any(f.rule == rule for f in result.records["findings"])


def test_execution_figures_complete_the_prose_figure_of_the_same_sentence():
    result = yusuan.extract_document(real_pdf(FINANCE))
    figures = [f for f in result.records["prose_figures"] if f.code == "2010601"]
    assert len(figures) == 1  # the 支出决算 figure prose.py read, completed, not a second row
    assert (figures[0].amount, figures[0].budget_amount) == (Decimal("15118900.00"), Decimal("15600500.00"))


@pytest.mark.parametrize("printed, key", [
    ("上海市普陀区财政局", "普陀区财政局"),
    ("普陀区 财政局", "普陀区财政局"),
    ("上海市普陀区财政局（本级）", "普陀区财政局"),
    ("上海市财政局", "上海市财政局"),  # a city body keeps its city
    ("江苏省高级人民法院", "江苏省高级人民法院"),
])
def test_body_names_are_normalised_for_pairing(printed, key):
    assert body_key(printed) == key


def test_paired_documents_give_budget_against_final(tmp_path):
    """The real 决算 and a real budget of the same year and scope, the budget's body printed
    with the district only and a qualifier: paired on every code both print."""
    final = yusuan.extract_document(real_pdf(FINANCE))
    budget = yusuan.extract_document(real_pdf("budget-2024-dept-wanli-subdistrict.pdf"))
    records = dict(budget.records)
    records["documents"] = [records["documents"][0].model_copy(update={"department": "普陀区财政局（本级）"})]
    root = tmp_path / "ds"
    for result, recs in ((final, final.records), (budget, records)):
        write_parts(root, recs, result.document.fiscal_year, result.document.doc_id)
    build_views(root)
    rows = run_query(root, "SELECT * FROM execution WHERE source = 'paired'").to_pylist()
    planned = {(line.code): line.amount for line in budget.records["budget_lines"]
               if line.table == "general_budget_by_function" and line.column == "合计"}
    spent = {(line.code): line.amount for line in final.records["budget_lines"]
             if line.table == "final_general_budget_by_function" and line.column == "合计"}
    assert {r["code"] for r in rows} == set(planned) & set(spent) and rows
    for r in rows:
        assert (r["budget_amount"], r["final_amount"]) == (planned[r["code"]], spent[r["code"]])
        assert r["budget_doc_id"] == budget.document.doc_id and r["final_doc_id"] == final.document.doc_id
        assert r["body_key"] == "普陀区财政局"


def test_codes_view_flags_30202(dataset):
    [row] = run_query(dataset, "SELECT * FROM codes WHERE code = '30202'").to_pylist()
    welfare = _doc_id(dataset, "budget-2024-unit-welfare-home.pdf")
    assert row["flagged"] and row["names"] == ["印刷费", "咨询费"] and row["level"] == 2
    assert welfare in row["documents"] and f"咨询费 in 1 document(s) ({welfare})" in row["message"]
    assert 2024 in row["years"]
    # A code printed with one name everywhere is not flagged.
    [plain] = run_query(dataset, "SELECT flagged, names FROM codes WHERE code = '30201'").to_pylist()
    assert plain == {"flagged": False, "names": ["办公费"]}


def test_query_exposes_the_views_on_the_cli_and_on_an_extract_folder(dataset, tmp_path):
    result = CliRunner().invoke(app, ["query", str(dataset), "SELECT count(*) AS n FROM codes WHERE flagged",
                                      "--format", "json"])
    assert result.exit_code == 0 and '"n":' in result.stdout, result.stdout
    out = tmp_path / "one"
    CliRunner().invoke(app, ["extract", str(real_pdf(FINANCE)), "-o", str(out)])
    rows = run_query(out, "SELECT count(*) AS n FROM execution WHERE level = 3").to_pylist()
    assert rows == [{"n": len(FINANCE_ITEMS)}]


def _synthetic_final(n: int):
    """n 项 under one 类, 50 per 款, each with its budget lines (two columns) and its
    execution sentence, ten per page."""
    from yusuan.schemas.intermediate import Page
    from yusuan.schemas.records import BudgetLine

    def line(code, level, name, column):
        return BudgetLine(doc_id="x", table="final_general_budget_by_function", table_title="t", page=1, code=code,
                          raw_code=code, level=level, parent_code=code[:-2] if level > 1 else None, name=name,
                          column=column, amount=Decimal(1), raw="1", source_unit="元", assigned_by="layout",
                          x0=None, y0=None, x1=None, y1=None)

    lines = [line("201", 1, "一般公共服务支出", c) for c in ("合计", "基本支出")]
    sentences = []
    for i in range(n):
        kuan, xiang = f"201{i // 50 + 1:02d}", f"201{i // 50 + 1:02d}{i % 50 + 1:02d}"
        if i % 50 == 0:
            lines += [line(kuan, 2, f"款{kuan}", c) for c in ("合计", "基本支出")]
        lines += [line(xiang, 3, f"项{xiang}", c) for c in ("合计", "基本支出")]
        sentences.append(f"一般公共服务支出（类）款{kuan}（款）项{xiang}（项）年初预算为{i + 1}.00万元，"
                         f"支出决算为{i + 1}.00万元，完成年初预算的100.00%。")
    pages = [Page(number=p + 1, lines=sentences[p * 10:(p + 1) * 10]) for p in range((n + 9) // 10)]
    return pages, lines


def _counted(monkeypatch, module, name: str) -> dict[str, int]:
    """Replace `module.name` (a one-argument function) by itself counting its calls;
    return the counter (`["n"]`), which a test may reset."""
    calls = {"n": 0}
    real = getattr(module, name)

    def counted(arg):
        calls["n"] += 1
        return real(arg)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_execution_figures_resolve_codes_in_time_linear_in_the_document(monkeypatch):
    """Each sentence's code is looked up, not searched among every budget line: the names
    compacted grow with the document, not with its square (a 2,000-page 决算 has a
    sentence per 项); and every 项 still resolves to its code."""
    import yusuan.validate.final_prose as final_prose

    calls = _counted(monkeypatch, final_prose, "compact")
    work = {}
    for n in (100, 400):
        pages, lines = _synthetic_final(n)
        calls["n"] = 0
        figures, checks = execution_figures(pages, "x", [], lines)
        work[n] = calls["n"]
        assert [f.code for f in figures] == [f"201{i // 50 + 1:02d}{i % 50 + 1:02d}" for i in range(n)]
        assert [c.status for c in checks] == ["pass"] * n
    assert work[400] <= 5 * work[100], work  # linear: 4x the document, about 4x the work (not 16x)


def test_pairing_is_linear_in_the_documents_of_a_batch(monkeypatch):
    """Each document's body is keyed once (not once per final × budget: a batch of
    thousands of bodies), and each 决算 still pairs with exactly its own body's budget."""
    import duckdb

    import yusuan.views as views

    def batch(n: int):
        con = duckdb.connect()
        con.execute("CREATE TABLE documents (doc_id VARCHAR, doc_type VARCHAR, department VARCHAR, scope VARCHAR, "
                    "fiscal_year INTEGER)")
        con.execute("CREATE TABLE prose_figures (doc_id VARCHAR, page INTEGER, label VARCHAR, code VARCHAR, "
                    "budget_amount DECIMAL(20, 2), final_amount DECIMAL(20, 2), rate DECIMAL(9, 4))")
        con.execute('CREATE TABLE budget_lines (doc_id VARCHAR, "table" VARCHAR, "column" VARCHAR, code VARCHAR, '
                    "level INTEGER, name VARCHAR, amount DECIMAL(20, 2), page INTEGER)")
        b_table, b_column, f_table, f_column = views.PAIRS[0]
        for i in range(n):
            body = f"上海市普陀区第{i}局"
            con.execute("INSERT INTO documents VALUES (?, 'final_accounts', ?, '部门', 2024), "
                        "(?, 'department_budget', ?, '部门', 2024)", [f"f{i}", body, f"b{i}", body])
            con.execute("INSERT INTO budget_lines VALUES (?, ?, ?, '201', 1, '一般公共服务支出', ?, 3), "
                        "(?, ?, ?, '201', 1, '一般公共服务支出', 200, 4)",
                        [f"b{i}", b_table, b_column, 100 + i, f"f{i}", f_table, f_column])
        return con

    calls = _counted(monkeypatch, views, "body_key")
    for n in (20, 80):
        con = batch(n)
        calls["n"] = 0
        rows = views.compute_execution(con)
        assert sorted((r.final_doc_id, r.budget_doc_id, r.budget_amount) for r in rows) == sorted(
            (f"f{i}", f"b{i}", Decimal(100 + i)) for i in range(n))
        # One key per budget, one per final and one per paired row (no 决算 sentence here).
        assert calls["n"] == 3 * n, (n, calls["n"])
