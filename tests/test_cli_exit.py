"""The command line's edges: exit codes by --fail-on level (issue 13 item 6), `--json`
built from the report, several files or a folder into one folder per document, FIFOs and
devices refused, odd file names printed escaped, pdfminer kept off stderr, and a
--memory-mb too small to start (issue 15 item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import yusuan
from conftest import SEED_BUDGET, SEED_TARGETS
from yusuan.cli import app
from yusuan.schemas.records import RECORD_KINDS

OUTPUT_FILES = sorted(f"{kind}.parquet" for kind in RECORD_KINDS)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _cli(*args, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from yusuan.cli import main; main()", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory) -> Path:
    """The seed budget cut after its 208 05 02 row: the 208 hierarchy no longer adds up."""
    text = SEED_BUDGET.read_text(encoding="utf-8")
    cut = text.index("\n", text.index("\n208 05 02 ") + 1) + 1
    path = tmp_path_factory.mktemp("cut") / "cut.txt"
    path.write_text(text[:cut], encoding="utf-8")
    return path


# ── exit codes ────────────────────────────────────────────────────────────────────────

# The seed budget: no error, warnings (indicator_pairing); the cut copy: error findings.
EXIT_CASES = [
    ("seed", [], 0),
    ("seed", ["--fail-on", "error"], 0),
    ("seed", ["--fail-on", "warning"], 1),
    ("seed", ["--fail-on", "never"], 0),
    ("cut", [], 1),
    ("cut", ["--fail-on", "warning"], 1),
    ("cut", ["--fail-on", "never"], 0),
]


@pytest.mark.parametrize(("doc", "options", "code"), EXIT_CASES)
def test_exit_code_by_fail_on_level(tmp_path, with_errors, doc, options, code):
    path = SEED_BUDGET if doc == "seed" else with_errors
    result = invoke("extract", path, "-o", tmp_path / "out", *options)
    assert result.exit_code == code, result.stdout + result.stderr
    assert sorted(os.listdir(tmp_path / "out")) == OUTPUT_FILES  # records are written whatever the level


@pytest.mark.parametrize("args", [
    ["extract", SEED_BUDGET, "--fail-on", "sometimes"],
    ["extract", SEED_BUDGET, "--engine", "ocr-everything"],
    ["extract", SEED_BUDGET, "--no-such-option"],
    ["extract"],
    ["no-such-command"],
    ["batch", SEED_BUDGET],  # -o is required
    ["batch", SEED_BUDGET, "-o", "ds", "--fail-on", "always"],
    ["batch", SEED_BUDGET, "-o", "ds", "--engine", "spark"],
    ["query", ".", "SELECT 1", "--format", "yaml"],
    ["export", ".", "--format", "pdf", "-o", "out"],
])
def test_usage_errors_exit_3(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 3, result.stdout + result.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "ds").exists()


def test_unreadable_exits_2_and_usage_3_in_a_real_process(tmp_path):
    (tmp_path / "garbage.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    unreadable = _cli("extract", "garbage.pdf", "-o", "out", cwd=tmp_path)
    assert unreadable.returncode == 2 and unreadable.stderr.startswith("yusuan: error: garbage.pdf: ")
    usage = _cli("extract", "garbage.pdf", "--fail-on", "maybe", cwd=tmp_path)
    assert usage.returncode == 3
    assert usage.stderr == "yusuan: error: --fail-on must be one of error, warning, never, not 'maybe'\n"


def test_several_documents_exit_with_the_worst_code(tmp_path, with_errors):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert invoke("extract", SEED_BUDGET, with_errors, "-o", tmp_path / "a").exit_code == 1
    result = invoke("extract", SEED_BUDGET, with_errors, tmp_path / "empty.txt", "-o", tmp_path / "b")
    assert result.exit_code == 2 and "empty.txt: empty file" in result.stderr
    assert sorted(os.listdir(tmp_path / "b")) == ["000_b1fb1c67835c9330", "cut"]  # the others are written


# ── --json ────────────────────────────────────────────────────────────────────────────

def test_json_carries_the_document_every_finding_the_counts_and_the_files(tmp_path, with_errors):
    out = tmp_path / "out"
    result = invoke("extract", with_errors, "-o", out, "--json")
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()  # one object per document, on one line
    got = json.loads(line)
    report = yusuan.extract_document(with_errors).report
    assert got["document"]["doc_id"] == pq.read_table(out / "documents.parquet").column("doc_id")[0].as_py()
    assert got["document"]["source"] == str(with_errors) and got["document"]["fiscal_year"] == 2018
    assert (got["exit_code"], got["fail_on"], got["valid"]) == (1, "error", False)
    assert got["counts"] == {s: report.count(s) for s in ("error", "warning", "info")}
    assert got["counts"]["error"] > 0
    assert got["checks"] == report.totals()
    assert {(r["rule"], r["table"], r["failed"]) for r in got["rules"]} == \
           {(s.rule, s.table, s.failed) for s in report.stats}
    # Every finding, with its place and amounts (decimals as exact strings), as in findings.parquet.
    written = pq.read_table(out / "findings.parquet").to_pylist()
    fields = ("rule", "severity", "table", "page", "code", "column", "expected", "actual", "message")
    def exact(value):
        return Decimal(value) if isinstance(value, str) and value[:1].isdigit() else value

    assert [tuple(exact(f[k]) if k in ("expected", "actual") else f[k] for k in fields) for f in got["findings"]] \
        == [tuple(f[k] for k in fields) for f in written]
    hierarchy = next(f for f in got["findings"] if f["rule"] == "hierarchy" and f["code"] == "208"
                     and f["column"] == "合计")
    assert (Decimal(hierarchy["expected"]), Decimal(hierarchy["actual"])) == (Decimal("119603718"),
                                                                             Decimal("122318036"))
    assert got["files"] == [str(out / f"{kind}.parquet") for kind in RECORD_KINDS]
    assert all(Path(f).is_file() for f in got["files"])


def test_json_at_warning_level_and_dry_run(tmp_path):
    result = invoke("extract", SEED_BUDGET, "--json", "--dry-run", "--fail-on", "warning")
    assert result.exit_code == 1
    got = json.loads(result.stdout)
    assert (got["valid"], got["files"]) == (False, [])
    warnings = [f["rule"] for f in got["findings"] if f["severity"] == "warning"]
    assert warnings.count("indicator_pairing") == 2
    assert warnings == [f.rule for f in yusuan.extract_document(SEED_BUDGET).report.findings
                        if f.severity == "warning"]


def test_json_names_an_unreadable_document_too(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = invoke("extract", SEED_TARGETS, tmp_path / "empty.txt", "-o", tmp_path / "out", "--json")
    assert result.exit_code == 2
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert docs[0]["document"]["doc_type"] == "performance_targets"
    assert docs[1] == {"source": str(tmp_path / "empty.txt"), "error": "empty file", "exit_code": 2}


# ── several files, a folder ───────────────────────────────────────────────────────────

def test_a_folder_gives_one_output_folder_per_document(tmp_path):
    src = tmp_path / "in"
    (src / "2019").mkdir(parents=True)
    (src / "budget.txt").write_bytes(SEED_BUDGET.read_bytes())
    (src / "2019" / "targets.txt").write_bytes(SEED_TARGETS.read_bytes())
    (src / "notes.md").write_text("not a document", encoding="utf-8")
    result = invoke("extract", src, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(tmp_path / "out")) == ["budget", "targets"]
    for name, doc_type in (("budget", "department_budget"), ("targets", "performance_targets")):
        assert sorted(os.listdir(tmp_path / "out" / name)) == OUTPUT_FILES
        [doc] = pq.read_table(tmp_path / "out" / name / "documents.parquet").to_pylist()
        assert doc["doc_type"] == doc_type
    assert pq.read_table(tmp_path / "out" / "targets" / "indicators.parquet").num_rows == 86


def test_inputs_sharing_a_stem_are_told_apart_by_doc_id(tmp_path):
    for folder, seed in (("a", SEED_BUDGET), ("b", SEED_TARGETS)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "budget.txt").write_bytes(seed.read_bytes())
    result = invoke("extract", tmp_path / "a" / "budget.txt", tmp_path / "b" / "budget.txt", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    ids = {yusuan.extract_document(tmp_path / f / "budget.txt").document.doc_id for f in "ab"}
    assert sorted(os.listdir(tmp_path / "out")) == sorted(f"budget-{i}" for i in ids)


def test_another_documents_output_is_never_overwritten(tmp_path):
    out = tmp_path / "out"
    assert invoke("extract", SEED_BUDGET, "-o", out).exit_code == 0
    before = {name: (out / name).read_bytes() for name in OUTPUT_FILES}
    result = invoke("extract", SEED_TARGETS, "-o", out)
    assert result.exit_code == 2
    assert result.stderr == (f"yusuan: error: {out}: holds the output of another document ({SEED_BUDGET}); "
                             f"choose another -o or remove it\n")
    assert {name: (out / name).read_bytes() for name in OUTPUT_FILES} == before
    # The same file extracted again (its bytes changed or not) replaces its own output.
    copy = tmp_path / "mine.txt"
    copy.write_bytes(SEED_TARGETS.read_bytes())
    assert invoke("extract", copy, "-o", tmp_path / "own").exit_code == 0
    copy.write_bytes(SEED_TARGETS.read_bytes() + "\n附注\n".encode())
    assert invoke("extract", copy, "-o", tmp_path / "own").exit_code == 0


# ── inputs that must not be read ──────────────────────────────────────────────────────

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_and_device_are_refused_not_read_forever(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    cases = [("extract", "pipe.txt", "-o", "out"), ("extract", "/dev/zero", "-o", "out"),
             ("batch", "pipe.txt", "-o", "ds")]
    for args in cases:
        started = time.monotonic()
        proc = _cli(*args, cwd=tmp_path, timeout=60)
        assert time.monotonic() - started < 30
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and "not a regular file" in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"yusuan: error: {args[1]}: a ")
    assert not (tmp_path / "out").exists() and not (tmp_path / "ds").exists()


def test_file_names_with_control_characters_are_printed_escaped(tmp_path):
    name = "bud\nget\x1b[31m\t.txt"
    (tmp_path / name).write_bytes(b"")
    proc = _cli("extract", name, "-o", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == "yusuan: error: bud\\nget\\x1b[31m\\t.txt: empty file\n"
    (tmp_path / name).write_bytes(SEED_TARGETS.read_bytes())
    shown = _cli("extract", name, "-o", "out", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "bud\\nget\\x1b[31m\\t.txt" in shown.stdout and "\x1b[31m" not in shown.stdout


def _pdf_with_a_bad_operator(path: Path) -> Path:
    """A one-page PDF whose content sets the line width to a name: pdfminer logs a warning."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.setFont("Helvetica", 10)
    c.drawString(50, 700, "Budget 2018 page one")
    c._code.append("/NotANumber w")
    c.save()
    return path


def test_pdfminer_log_lines_do_not_reach_stderr(tmp_path):
    pytest.importorskip("reportlab")
    path = _pdf_with_a_bad_operator(tmp_path / "odd.pdf")
    warning = "Cannot set line width"
    # pdfplumber alone prints pdfminer's warning on stderr …
    bare = subprocess.run([sys.executable, "-c", "import pdfplumber, sys\nwith pdfplumber.open(sys.argv[1]) as pdf: "
                           "pdf.pages[0].extract_text()", str(path)], capture_output=True, text=True, timeout=60)
    assert warning in bare.stderr
    # … the command line does not.
    proc = _cli("extract", path, "--engine", "pdfplumber", "-o", tmp_path / "out", "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    assert warning not in proc.stderr and proc.stderr == ""


def test_memory_cap_too_small_to_start_says_so(tmp_path):
    result = invoke("batch", SEED_TARGETS, "-o", tmp_path / "ds", "--memory-mb", "4")
    assert result.exit_code == 3
    assert result.stderr == ("yusuan: error: --memory-mb 4 is too small to start a worker: give at least 32 (MiB), "
                             "or 0 for no cap\n")
    assert not (tmp_path / "ds").exists()
    ok = invoke("batch", SEED_TARGETS, "-o", tmp_path / "ds", "--memory-mb", "32", "--workers", "1")
    assert ok.exit_code == 0, ok.stdout + ok.stderr


# ── batch: the same levels over every document of the inputs ──────────────────────────

@pytest.mark.parametrize(("inputs", "options", "code"), [
    (["seed"], [], 0),
    (["seed"], ["--fail-on", "warning"], 1),
    (["seed", "cut"], [], 1),
    (["seed", "cut"], ["--fail-on", "never"], 0),
    (["seed", "empty"], ["--fail-on", "never"], 2),  # a file that cannot be read is never clean
])
def test_batch_exit_code_by_fail_on_level(tmp_path, with_errors, inputs, options, code):
    src = tmp_path / "in"
    src.mkdir()
    sources = {"seed": SEED_BUDGET.read_bytes(), "cut": with_errors.read_bytes(), "empty": b""}
    for name in inputs:
        (src / f"{name}.txt").write_bytes(sources[name])
    result = invoke("batch", src, "-o", tmp_path / "ds", "--workers", "1", *options)
    assert result.exit_code == code, result.stdout + result.stderr
    # A rerun that extracts nothing gives the same code: it is the dataset's documents that count.
    assert invoke("batch", src, "-o", tmp_path / "ds", "--workers", "1", *options).exit_code == code
