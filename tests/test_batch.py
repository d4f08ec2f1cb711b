"""Batch conversion: statuses in the manifest, resuming after kill -9, isolation of a file
that hangs or crashes, the Dask engine, and reading the dataset back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from conftest import SEED_BUDGET, SEED_TARGETS
from yusuan import batch as batch_mod
from yusuan.batch import run_batch
from yusuan.dataset import JOURNAL
from yusuan.query import export, run_query
from yusuan.schemas.records import RECORD_KINDS, VIEW_KINDS

SEED = SEED_BUDGET.read_text(encoding="utf-8")
KINDS = ("documents", "budget_lines", "summary_lines", "findings")


def _copies(folder: Path, n: int) -> list[Path]:
    """n copies of the seed, each with different bytes (a trailing prose page numbered i)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"copy-{i:03d}.txt"
        p.write_text(SEED + f"\n\n\n\n\n附注 第{i}份\n", encoding="utf-8")
        paths.append(p)
    return paths


def _rows(root: Path, kind: str) -> list[tuple]:
    """A kind's rows, without the extraction timestamp, in a stable order."""
    if not (root / kind).exists():
        return []
    table = pads.dataset(root / kind, format="parquet", partitioning="hive").to_table()
    rows = [tuple(sorted((k, str(v)) for k, v in r.items() if k != "extracted_at")) for r in table.to_pylist()]
    return sorted(rows)


def _manifest(root: Path) -> dict[str, dict]:
    return {Path(r["path"]).name: r for r in pq.read_table(root / "manifest.parquet").to_pylist()}


def _visible_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and not p.name.startswith((".", "_")))


@pytest.fixture(scope="module")
def big_batch(tmp_path_factory):
    """196 varied copies of the seed, a corrupt PDF, an empty file, a GBK text and a duplicate."""
    src = tmp_path_factory.mktemp("inputs")
    _copies(src / "copies", 196)
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\x00\x01")
    (src / "empty.txt").write_bytes(b"")
    (src / "gbk.txt").write_bytes(SEED.encode("gb18030"))
    (src / "nested").mkdir()
    (src / "nested" / "same-bytes.txt").write_bytes((src / "copies" / "copy-007.txt").read_bytes())
    out = tmp_path_factory.mktemp("dataset")
    result = run_batch([src], out, workers=2)
    return src, out, result


def test_big_batch_statuses(big_batch):
    src, out, result = big_batch
    manifest = _manifest(out)
    assert len(manifest) == 200
    assert manifest["broken.pdf"]["status"] == "failed"
    assert "not a readable PDF" in manifest["broken.pdf"]["error"]
    assert (manifest["empty.txt"]["status"], manifest["empty.txt"]["error"]) == ("failed", "empty file")
    assert manifest["gbk.txt"]["status"] == "ok" and manifest["gbk.txt"]["pages"] == 21
    dup = manifest["same-bytes.txt"]
    assert dup["status"] == "skipped" and dup["error"].endswith("copy-007.txt")
    assert dup["doc_id"] == manifest["copy-007.txt"]["doc_id"]
    others = {k: v["status"] for k, v in manifest.items()
              if k not in ("broken.pdf", "empty.txt", "gbk.txt", "same-bytes.txt")}
    assert set(others.values()) == {"ok"} and len(others) == 196
    assert result.exit_code == 2  # some files could not be read
    assert not (out / JOURNAL).exists()


def test_big_batch_dataset_reads_as_a_whole(big_batch):
    _, out, _ = big_batch
    lines = pads.dataset(out / "budget_lines", format="parquet", partitioning="hive").to_table()
    assert lines.num_rows == 197 * 345  # 196 copies + the GBK text, 345 coded cells each
    assert str(lines.schema.field("amount").type) == "decimal128(22, 2)"
    assert set(lines.column("fiscal_year").to_pylist()) == {2018}
    docs = pq.read_table(out / "documents").to_pandas()  # pandas/pyarrow read the folder too
    assert len(docs) == 197 and set(docs["department"]) == {"上海市质量技术监督局"}
    answer = run_query(out, 'SELECT "column", sum(amount) AS total, count(DISTINCT doc_id) AS docs '
                            "FROM budget_lines WHERE \"table\" = 'income_summary' AND level = 0 "
                            "GROUP BY 1 ORDER BY 1").to_pylist()
    assert {r["column"]: (r["total"], r["docs"]) for r in answer}["其他收入"] == (197 * 10_800_000, 197)
    failed = run_query(out, "SELECT count(*) AS n FROM manifest WHERE status = 'failed'").to_pylist()
    assert failed == [{"n": 2}]


def test_rerun_skips_done_and_retries_failed(big_batch, tmp_path):
    src, out, _ = big_batch
    before = {kind: _rows(out, kind) for kind in KINDS}
    calls = []
    result = run_batch([src], out, workers=2, on_plan=lambda plan: calls.append(plan))
    plan = calls[0]
    assert sorted(Path(t.path).name for t in plan.tasks) == ["broken.pdf", "empty.txt"]
    assert (plan.already_done, plan.duplicates) == (197, 1)  # 196 copies and gbk; the duplicate re-checked
    assert {kind: _rows(out, kind) for kind in KINDS} == before
    assert result.exit_code == 2


def test_datapackage_and_export(big_batch, tmp_path):
    _, out, _ = big_batch
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {*RECORD_KINDS, *VIEW_KINDS, "manifest"}  # views.py: execution, codes
    fields = {f["name"]: f for f in resources["budget_lines"]["schema"]["fields"]}
    assert fields["amount"]["type"] == "number" and fields["amount"]["unit"] == "元"
    assert fields["amount"]["title"] == "金额"
    # An enum only for the models' Literal fields (dataset._field): `table` is free text.
    assert fields["assigned_by"]["constraints"]["enum"] == ["position", "identity", "layout"]
    assert "enum" not in fields["table"]["constraints"]
    assert len(resources["documents"]["path"]) == 197
    written = export(out, "csv", tmp_path / "csv")
    raw = (tmp_path / "csv" / "budget_lines.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "财政拨款收入".encode() in raw
    assert {p.name for p in written} >= {f"{kind}.csv" for kind in (*RECORD_KINDS, "manifest")}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from yusuan.cli import main; main()", *args]


def test_kill_9_then_rerun_equals_uninterrupted(tmp_path):
    src = tmp_path / "in"
    _copies(src, 40)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run_batch([src], whole, workers=2)

    proc = subprocess.Popen(_cli("batch", str(src), "-o", str(killed), "--workers", "2"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        journal = killed / JOURNAL
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") >= 8:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "manifest.parquet").exists()  # killed before the end
    # Nothing partial is visible: every visible file is a complete Parquet part.
    for name in _visible_files(killed):
        pq.read_table(killed / name)
    done_before = (killed / JOURNAL).read_text(encoding="utf-8").count("\n")

    calls = []
    run_batch([src], killed, workers=2, on_plan=calls.append)
    assert calls[0].already_done >= done_before - 1  # at most a line lost mid-write
    for kind in KINDS:
        assert _rows(killed, kind) == _rows(whole, kind), kind
    assert {k: v["status"] for k, v in _manifest(killed).items()} == {k: "ok" for k in _manifest(whole)}
    assert _visible_files(killed) == _visible_files(whole)


def test_hanging_and_crashing_files_are_isolated(tmp_path, monkeypatch):
    src = tmp_path / "in"
    _copies(src, 3)
    (src / "hang.txt").write_text(SEED + "\nhang\n", encoding="utf-8")
    (src / "crash.txt").write_text(SEED + "\ncrash\n", encoding="utf-8")
    real = batch_mod.extract_document

    def flaky(path, **kw):
        name = Path(path).name
        if name == "hang.txt":
            time.sleep(60)
        if name == "crash.txt":
            os._exit(3)
        return real(path, **kw)

    monkeypatch.setattr(batch_mod, "extract_document", flaky)  # inherited by the forked children
    started = time.monotonic()
    result = run_batch([src], tmp_path / "out", workers=2, timeout=2)
    assert time.monotonic() - started < 30
    manifest = _manifest(tmp_path / "out")
    assert (manifest["hang.txt"]["status"], manifest["hang.txt"]["error"]) == ("failed", "timed out after 2 s")
    assert manifest["crash.txt"]["status"] == "failed" and "code 3" in manifest["crash.txt"]["error"]
    assert [manifest[f"copy-{i:03d}.txt"]["status"] for i in range(3)] == ["ok"] * 3
    assert result.exit_code == 2


def test_memory_cap_marks_file_failed(tmp_path, monkeypatch):
    src = tmp_path / "in"
    _copies(src, 1)

    def hog(path, **kw):
        return bytearray(1 << 30)  # 1 GiB, over the 256 MiB cap

    monkeypatch.setattr(batch_mod, "extract_document", hog)
    run_batch([src], tmp_path / "out", workers=1, memory_mb=256)
    [row] = _manifest(tmp_path / "out").values()
    assert row["status"] == "failed" and "memory" in row["error"]


def test_dask_engine_gives_the_same_dataset(tmp_path):
    pytest.importorskip("dask.distributed")
    src = tmp_path / "in"
    _copies(src, 6)
    (src / "targets.txt").write_bytes(SEED_TARGETS.read_bytes())
    (src / "empty.txt").write_bytes(b"")
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    run_batch([src], local, workers=2)
    run_batch([src], dask_out, workers=2, engine="dask")
    assert _visible_files(dask_out) == _visible_files(local)
    for kind in KINDS:
        assert _rows(dask_out, kind) == _rows(local, kind), kind
    strip = lambda m: {k: (v["status"], v["doc_id"], v["error"], v["pages"]) for k, v in m.items()}  # noqa: E731
    assert strip(_manifest(dask_out)) == strip(_manifest(local))


def test_cli_batch_and_query(tmp_path):
    src = tmp_path / "in"
    _copies(src, 2)
    out = tmp_path / "ds"
    done = subprocess.run(_cli("batch", str(src), "-o", str(out), "--workers", "1"), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout and "manifest" in done.stdout
    q = subprocess.run(_cli("query", str(out), "SELECT count(*) AS n FROM budget_lines", "--format", "json"),
                       capture_output=True, text=True)
    assert q.returncode == 0 and json.loads(q.stdout) == [{"n": 690}]
    bad = subprocess.run(_cli("query", str(out), "SELECT nonsense FROM nowhere"), capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("yusuan: error: query failed")


def test_dask_engine_joins_an_existing_scheduler(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    src = tmp_path / "in"
    _copies(src, 3)
    # Workers of a cluster we did not start are daemonic: the task then runs in-process.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run_batch([src], tmp_path / "joined", workers=1, engine="dask", scheduler=cluster.scheduler_address)
    run_batch([src], tmp_path / "local", workers=1)
    for kind in KINDS:
        assert _rows(tmp_path / "joined", kind) == _rows(tmp_path / "local", kind), kind
    assert {v["status"] for v in _manifest(tmp_path / "joined").values()} == {"ok"}


def test_changed_file_replaces_its_old_records(tmp_path):
    src = tmp_path / "in"
    [path] = _copies(src, 1)
    out = tmp_path / "ds"
    run_batch([src], out, workers=1)
    path.write_text(path.read_text(encoding="utf-8") + "\n再附注\n", encoding="utf-8")
    run_batch([src], out, workers=1)
    docs = run_query(out, "SELECT doc_id FROM documents").to_pylist()
    assert len(docs) == 1 and docs[0]["doc_id"] == _manifest(out)["copy-000.txt"]["doc_id"]
    assert run_query(out, "SELECT count(*) AS n FROM budget_lines").to_pylist() == [{"n": 345}]


def test_failed_document_leaves_no_parts(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    # A sub-item amount with more decimals than 元 can hold.
    text = SEED_TARGETS.read_text(encoding="utf-8").replace("专利一般资助 90,250,000", "专利一般资助 90,250,000.123")
    (src / "dec.txt").write_text(text, encoding="utf-8")
    run_batch([src], tmp_path / "ds", workers=1)
    # The amount that cannot be stored is left out with an error; the rest of the document is kept.
    assert _manifest(tmp_path / "ds")["dec.txt"]["status"] == "findings"
    items = run_query(tmp_path / "ds", "SELECT item FROM project_items").to_pylist()
    assert {"item": "专利一般资助"} not in items and {"item": "专利专项资助"} in items
    errors = run_query(tmp_path / "ds", "SELECT rule FROM findings WHERE severity = 'error'").to_pylist()
    assert {"rule": "amount_out_of_range"} in errors


def test_failed_file_leaves_no_parts(tmp_path, monkeypatch):
    src = tmp_path / "in"
    _copies(src, 1)

    def half_written(root, records, fiscal_year, doc_id):
        from yusuan.dataset import part_path
        target = part_path(root, "documents", fiscal_year, doc_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"PAR1 partial")
        os._exit(9)  # killed mid-write

    monkeypatch.setattr(batch_mod, "write_parts", half_written)
    run_batch([src], tmp_path / "ds", workers=1)
    assert _manifest(tmp_path / "ds")["copy-000.txt"]["status"] == "failed"
    assert _visible_files(tmp_path / "ds") == sorted(["datapackage.json", "manifest.parquet",
                                                      *(f"{name}.parquet" for name in VIEW_KINDS)])


def test_projects_keep_their_own_year(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    text = SEED_TARGETS.read_text(encoding="utf-8")
    cut = text.index("\n项目名称\n", 100)  # the second form
    second = text[cut:].replace("(2019年 )", "(2020年 )", 1)
    (src / "years.txt").write_text(text[:cut] + second, encoding="utf-8")
    run_batch([src], tmp_path / "ds", workers=1)
    years = run_query(tmp_path / "ds", "SELECT project, fiscal_year FROM projects ORDER BY page").to_pylist()
    assert [y["fiscal_year"] for y in years] == [2019, 2020, 2019, 2019, 2019]


def test_batch_keeps_other_files_in_the_output_folder(tmp_path):
    src = tmp_path / "in"
    _copies(src, 1)
    out = tmp_path / "mine"
    (out / "deep").mkdir(parents=True)
    (out / "deep" / ".my-draft.tmp").write_text("important", encoding="utf-8")
    run_batch([src], out, workers=1)
    assert (out / "deep" / ".my-draft.tmp").read_text(encoding="utf-8") == "important"


def test_odd_file_names_and_query_columns(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    name = os.fsdecode(b"\xff\xfe-budget.txt")  # not UTF-8
    (src / name).write_bytes(SEED_BUDGET.read_bytes())
    out = tmp_path / "ds[1]"  # glob characters in the dataset folder
    run_batch([src], out, workers=1)
    [row] = run_query(out, "SELECT path, status FROM manifest").to_pylist()
    assert row["status"] == "ok" and row["path"].endswith("\\xff\\xfe-budget.txt")
    q = subprocess.run(_cli("query", str(out), "SELECT d.doc_id, m.doc_id, m.status FROM documents d "
                            "JOIN manifest m USING (doc_id)", "--format", "json"), capture_output=True, text=True)
    assert q.returncode == 0, q.stderr
    [joined] = json.loads(q.stdout)
    assert joined["status"] == "ok"
