"""Safe edges (issue 15): exports in which text never becomes a formula, a read-only
`query`, `query`/`export` over an `extract` output folder, and a quick CLI that imports
nothing heavy for `--help` / `--version`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tomllib
import zipfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import yusuan
from conftest import ROOT, SEED_BUDGET, SEED_TARGETS
from yusuan import query as query_mod
from yusuan.batch import run_batch
from yusuan.cli import app
from yusuan.dataset import write_parts
from yusuan.query import ExportTooLarge, QueryRefused, export, neutralise, run_query, write_csv
from yusuan.writer import write_parquet

HYPERLINK = '=HYPERLINK("x")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text the budget lines of the seed are given: each one a spreadsheet would run.
NAMES = ["+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3", "\t=1+1", "\r=1+1", HYPERLINK]


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A batch of both seeds, the budget's records then rewritten: its department is
    `=HYPERLINK("x")`, six line names start like formulas and one amount is negative."""
    tmp = tmp_path_factory.mktemp("edges")
    src = tmp / "in"
    src.mkdir()
    for seed in (SEED_BUDGET, SEED_TARGETS):
        (src / seed.name).write_bytes(seed.read_bytes())
    out = tmp / "ds"
    assert run_batch([src], out, workers=1).exit_code == 0
    result = yusuan.extract_document(src / SEED_BUDGET.name)
    records = dict(result.records)
    records["documents"] = [d.model_copy(update={"department": HYPERLINK}) for d in records["documents"]]
    lines = list(records["budget_lines"])
    for i, name in enumerate(NAMES):
        lines[i] = lines[i].model_copy(update={"name": name})
    lines[len(NAMES)] = lines[len(NAMES)].model_copy(update={"amount": Decimal("-5.00"), "raw": "-5"})
    records["budget_lines"] = lines
    write_parts(out, records, result.document.fiscal_year, result.document.doc_id)
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


# ── 1. exports: text stays text ───────────────────────────────────────────────────────

def test_xlsx_text_cells_are_string_cells_never_formulas(dataset, tmp_path):
    target = tmp_path / "out.xlsx"
    assert export(dataset, "xlsx", target) == [target]
    with zipfile.ZipFile(target) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in book.read(name) and b"<f " not in book.read(name), name
    wb = load_workbook(target, data_only=False)
    types = {c.data_type for ws in wb for row in ws.iter_rows() for c in row}
    assert "f" not in types
    [department] = [c for row in wb["documents"].iter_rows() for c in row if c.value == HYPERLINK]
    assert department.data_type == "s"
    targets = [c for row in wb["indicators"].iter_rows() for c in row if c.value == "=100%"]
    assert len(targets) == 10 and {c.data_type for c in targets} == {"s"}  # seed 002's targets
    names = {c.value: c for row in wb["budget_lines"].iter_rows() for c in row if isinstance(c.value, str)}
    for name in NAMES:  # \r is stored as \r in the XML but read back as written
        cell = names.get(name) or names.get(name.replace("\r", "\n"))
        assert cell is not None and cell.data_type == "s", name
    header = [c.value for c in wb["budget_lines"][2]]  # row 1: the Chinese labels, row 2: the names
    amounts = [row[header.index("amount")] for row in wb["budget_lines"].iter_rows(min_row=3)]
    assert all(c.data_type == "n" for c in amounts)  # numbers stay numbers, the negative one too
    assert Decimal(str(min(c.value for c in amounts))) == Decimal("-5")


def test_csv_neutralises_text_but_not_numbers(dataset, tmp_path):
    export(dataset, "csv", tmp_path / "csv")
    [doc] = [d for d in _csv(tmp_path / "csv" / "documents.csv") if d["doc_id"] == "7295689ce2ff48ab"]
    assert doc["department"] == "'" + HYPERLINK
    targets = [i["target"] for i in _csv(tmp_path / "csv" / "indicators.csv") if "100%" in i["target"]]
    assert targets.count("'=100%") == 10
    lines = _csv(tmp_path / "csv" / "budget_lines.csv")
    names = {line["name"] for line in lines}
    assert {"'" + name for name in NAMES} <= names
    [negative] = [line for line in lines if line["amount"].startswith("-")]
    assert (negative["amount"], negative["raw"]) == ("-5.00", "'-5")  # the amount is a number, raw is text
    # No cell of any file starts like a formula unless it is a number.
    for path in (tmp_path / "csv").glob("*.csv"):
        for row in _csv(path):
            for column, value in row.items():
                if value.startswith(FORMULA_START):
                    assert _is_number(value), (path.name, column, value)


def test_query_csv_output_is_neutralised_too(dataset, tmp_path):
    result = invoke("query", dataset, "SELECT department FROM documents WHERE department LIKE '=%'",
                    "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["department", '"\'=HYPERLINK(""x"")"']
    out = tmp_path / "q.csv"
    result = invoke("query", dataset, "SELECT target, value FROM indicators WHERE target = '=100%' LIMIT 1",
                    "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert _csv(out) == [{"target": "'=100%", "value": "100.000000"}]


def test_neutralise_and_csv_writer_by_type():
    assert [neutralise(s) for s in ("=1", "+1", "-1", "@a", "\t1", "\r1", "a=1", "", "１")] == \
           ["'=1", "'+1", "'-1", "'@a", "'\t1", "'\r1", "a=1", "", "１"]
    table = pa.table({"text": ["-1", "=A1", None], "amount": pa.array([Decimal("-1.50"), None, Decimal("0")],
                                                                      pa.decimal128(22, 2)),
                      "tiny": pa.array([Decimal("0.000000")] * 3, pa.decimal128(26, 6)),
                      "docs": pa.array([["=A1"], [], None], pa.list_(pa.string()))})
    import io

    buf = io.StringIO()
    write_csv(table, buf)
    assert buf.getvalue().splitlines() == ["text,amount,tiny,docs", "'-1,-1.50,0.000000,\"[\"\"=A1\"\"]\"",
                                           "'=A1,,0.000000,[]", ",0.00,0.000000,"]


def test_xlsx_limits_are_refused_with_a_message(dataset, tmp_path, monkeypatch):
    monkeypatch.setattr(query_mod, "XLSX_MAX_ROWS", 100)
    with pytest.raises(ExportTooLarge, match=r"budget_lines: 345 rows do not fit an xlsx sheet"):
        export(dataset, "xlsx", tmp_path / "big.xlsx")
    result = invoke("export", dataset, "--format", "xlsx", "-o", tmp_path / "big.xlsx")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "use --format csv" in result.stderr and not (tmp_path / "big.xlsx").exists()
    monkeypatch.undo()
    monkeypatch.setattr(query_mod, "XLSX_MAX_CELL", 40)
    with pytest.raises(ExportTooLarge, match=r"characters does not fit an xlsx cell"):
        export(dataset, "xlsx", tmp_path / "long.xlsx")
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".*.tmp"))


# ── 2. query is read-only ─────────────────────────────────────────────────────────────

def test_query_selects_still_work(dataset):
    [row] = run_query(dataset, "SELECT count(*) AS n, count(DISTINCT fiscal_year) AS years FROM budget_lines "
                               "WHERE \"table\" = 'income_summary'").to_pylist()
    assert row["n"] > 0 and row["years"] == 1
    assert run_query(dataset, "WITH d AS (SELECT doc_id FROM documents) SELECT count(*) AS n FROM d "
                              "JOIN manifest USING (doc_id)").to_pylist() == [{"n": 2}]
    assert run_query(dataset, "FROM indicators SELECT count(*) AS n WHERE op = '='").to_pylist() == [{"n": 10}]
    assert len(run_query(dataset, "DESCRIBE budget_lines")) > 0


def _refusals(dataset: Path, tmp_path: Path) -> dict[str, type[Exception]]:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    write_parquet({"documents": []}, outside)
    manifest = str(dataset / "manifest.parquet")
    return {
        "SELECT * FROM read_csv('/etc/passwd')": duckdb.PermissionException,
        "SELECT * FROM read_text('/etc/passwd')": duckdb.PermissionException,
        f"SELECT * FROM read_parquet('{outside}/documents.parquet')": duckdb.PermissionException,
        f"SELECT * FROM read_text('{dataset}/../outside/documents.parquet')": duckdb.PermissionException,
        "SELECT * FROM glob('/etc/*')": duckdb.PermissionException,
        f"COPY (SELECT 1) TO '{tmp_path}/x.csv'": QueryRefused,
        f"COPY manifest TO '{manifest}'": QueryRefused,
        f"COPY (SELECT * FROM documents) TO '{manifest}' (FORMAT parquet)": QueryRefused,
        f"ATTACH '{tmp_path}/x.db' AS x": QueryRefused,
        "INSTALL httpfs": QueryRefused,
        "LOAD httpfs": QueryRefused,
        "SET enable_external_access = true": QueryRefused,
        "RESET lock_configuration": QueryRefused,
        "CREATE TABLE t AS SELECT 1": QueryRefused,
        "SELECT 1; COPY (SELECT 1) TO 'x.csv'": QueryRefused,
        "PRAGMA enable_profiling": QueryRefused,
    }


def test_query_refuses_files_outside_writes_and_extensions(dataset, tmp_path):
    before = (dataset / "manifest.parquet").read_bytes()
    for sql, error in _refusals(dataset, tmp_path).items():
        with pytest.raises(error):
            run_query(dataset, sql)
    assert (dataset / "manifest.parquet").read_bytes() == before
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.db").exists()
    # The lock holds inside a connection too: nothing the SQL runs can open it up again.
    con = query_mod.connect(dataset)
    try:
        for sql in ("SET enable_external_access = true", "SET allowed_directories = ['/']",
                    "RESET lock_configuration"):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(sql)
        assert con.sql("SELECT current_setting('enable_external_access')").fetchall() == [(False,)]
    finally:
        con.close()


def test_cli_query_refusals_are_one_line_exit_2(dataset, tmp_path):
    for sql in ("SELECT * FROM read_csv('/etc/passwd')", f"COPY (SELECT 1) TO '{tmp_path}/x.csv'",
                f"ATTACH '{tmp_path}/x.db'", "INSTALL httpfs", "SELECT 1; SELECT 2"):
        result = invoke("query", dataset, sql)
        assert result.exit_code == 2, (sql, result.stdout)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("yusuan: error: query "), result.stderr
    assert "refused: only SELECT" in invoke("query", dataset, "INSTALL httpfs").stderr
    assert "Permission Error" in invoke("query", dataset, "SELECT * FROM read_csv('/etc/passwd')").stderr
    assert not (tmp_path / "x.csv").exists()


def test_query_of_a_dataset_folder_with_glob_characters(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(SEED_TARGETS.read_bytes())
    out = tmp_path / "ds[1]*?"
    run_batch([src], out, workers=1)
    assert run_query(out, "SELECT count(*) AS n FROM indicators").to_pylist() == [{"n": 86}]
    with pytest.raises(duckdb.PermissionException):
        run_query(out, f"SELECT * FROM read_text('{tmp_path}/in/a.txt')")


# ── issue 14 item 6: query and export an `extract` output folder ──────────────────────

def test_query_and_export_an_extract_folder(tmp_path):
    out = tmp_path / "one"
    result = invoke("extract", SEED_TARGETS, "-o", out)
    assert result.exit_code in (0, 1), result.stderr
    rows = run_query(out, "SELECT fiscal_year, count(*) AS n FROM indicators GROUP BY ALL").to_pylist()
    assert rows == [{"fiscal_year": 2019, "n": 86}]
    [doc] = run_query(out, "SELECT doc_id, fiscal_year FROM documents").to_pylist()
    assert doc["fiscal_year"] == 2019
    # The same columns, in the same order, as a dataset's views.
    ds = tmp_path / "ds"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.txt").write_bytes(SEED_TARGETS.read_bytes())
    run_batch([tmp_path / "in"], ds, workers=1)
    for kind in ("documents", "indicators", "projects", "budget_lines"):
        a = run_query(out, f"SELECT * FROM {kind} LIMIT 0").schema
        b = run_query(ds, f"SELECT * FROM {kind} LIMIT 0").schema
        assert a.names == b.names, kind
    assert invoke("query", out, "SELECT count(*) AS n FROM projects", "--format", "json").stdout.strip() == '[{"n":5}]'
    exported = invoke("export", out, "--format", "csv", "-o", tmp_path / "csv")
    assert exported.exit_code == 0, exported.stderr
    assert "'=100%" in (tmp_path / "csv" / "indicators.csv").read_text(encoding="utf-8-sig")
    assert not (tmp_path / "csv" / "manifest.csv").exists()


def test_query_and_export_refuse_a_folder_that_is_neither(tmp_path):
    (tmp_path / "empty").mkdir()
    for args in (("query", tmp_path / "empty", "SELECT 1"),
                 ("export", tmp_path / "empty", "--format", "csv", "-o", tmp_path / "x")):
        result = invoke(*args)
        assert result.exit_code == 2 and "not a dataset folder" in result.stderr, result.stderr


# ── 8. a quick CLI ────────────────────────────────────────────────────────────────────

HEAVY = ("pandas", "pyarrow", "dask", "distributed", "duckdb", "pdfplumber", "pdfminer", "pypdfium2",
         "openpyxl", "numpy", "yusuan.pipeline")

_PROBE = """
import json, sys, time
started = time.perf_counter()
from yusuan.cli import main
sys.argv = ["yusuan", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                  "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _probe(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=60)
    return json.loads(proc.stderr.strip().splitlines()[-1]) | {"stdout": proc.stdout}


@pytest.mark.parametrize("args", [["--help"], ["--version"], [], ["batch", "--help"], ["query", "--help"],
                                  ["export", "--help"], ["extract", "--help"]])
def test_help_and_version_import_nothing_heavy(args):
    """`--help` timed in a subprocess: the time is printed (the benchmark reports it too);
    what the test asserts is the cause of slowness, the heavy imports, being absent."""
    probe = _probe(*args)
    loaded = [m for m in probe["modules"] if m.split(".")[0] in HEAVY or m in HEAVY]
    assert loaded == [], loaded
    # No arguments prints the help as a usage error: exit 3 (click's 2 is yusuan's "unreadable").
    assert probe["code"] == (3 if args == [] else 0) or (probe["code"] is None and args != [])
    print(f"yusuan {' '.join(args)}: {probe['seconds'] * 1000:.0f} ms in-process")
    if args == ["--version"]:
        assert probe["stdout"].strip() == f"yusuan {yusuan.__version__}"
    elif args:
        assert "Usage" in probe["stdout"]


def test_cli_engine_names_match_the_reader():
    from yusuan import cli
    from yusuan.extract import pdf_reader

    assert cli.DEFAULT_ENGINE == pdf_reader.DEFAULT_ENGINE and cli.PDF_ENGINES == pdf_reader.ENGINES


def test_lazy_package_attributes():
    proc = subprocess.run([sys.executable, "-c", "import sys, yusuan; assert 'yusuan.pipeline' not in sys.modules; "
                           "r = yusuan.Result; assert yusuan.extract_document.__module__ == 'yusuan.pipeline'; "
                           "print(sorted(set(yusuan.__all__) - set(dir(yusuan))))"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stderr
    with pytest.raises(AttributeError):
        yusuan.no_such_thing  # noqa: B018


def test_dask_engine_without_dask_says_how_to_install(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None\n"
            "from yusuan.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code, "batch", str(ROOT / "samples"), "-o", str(tmp_path / "ds"),
                           "--engine", "dask"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "pip install 'yusuan[dask]'" in proc.stderr, proc.stderr
    assert not (tmp_path / "ds").exists()


def test_dependencies_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(reqs: list[str]) -> set[str]:
        return {r.split(">")[0].split("=")[0].split("[")[0].strip() for r in reqs}

    assert "pypdfium2" in names(project["dependencies"])
    assert "dask" not in names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert any(r.startswith("dask[distributed]") for r in extras["dask"])
    assert any(r.startswith("dask[distributed]") for r in extras["test"])  # `make test` tests the Dask path
    assert {"pytest", "hypothesis", "reportlab"} <= names(extras["test"])


# ── the batch memory cap counts what a file adds, not what the parent reserved ───────

def test_memory_cap_ignores_the_address_space_a_parent_reserved(tmp_path):
    """A process that ran DuckDB (or pyarrow) holds gigabytes of reserved, untouched address
    space; its forked workers inherit it, and a cap on the whole address space failed every
    PDF of a later batch (`PDF could not be read to the end (OSError)`)."""
    import mmap

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(SEED_TARGETS.read_bytes())
    reserved = mmap.mmap(-1, 3 << 30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_NORESERVE", 0))
    try:
        result = run_batch([src], tmp_path / "ds", workers=1, memory_mb=512)
    finally:
        reserved.close()
    assert [e.status for e in result.entries.values()] == ["ok"], [e.error for e in result.entries.values()]
