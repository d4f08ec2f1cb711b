"""One document's outputs appear together or not at all, workers die with their batch,
one batch at a time per dataset, `batch --prune` and Ctrl-C (issue 15 items 3–6).

Faults are injected where they happen: a write or a rename that raises, a process group
killed between two part renames, kill -9 of the batch parent, SIGINT to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import SEED_BUDGET, SEED_TARGETS
from yusuan import writer
from yusuan.batch import run_batch
from yusuan.cli import app
from yusuan.dataset import JOURNAL, LOCK, DatasetLocked, locked
from yusuan.query import export, run_query
from yusuan.schemas.records import RECORD_KINDS

OUTPUT_FILES = sorted(f"{kind}.parquet" for kind in RECORD_KINDS)
KINDS = ("documents", "budget_lines", "summary_lines", "findings", "projects", "indicators", "table_cells")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _rows(root: Path, kind: str, doc_id: str | None = None) -> list[tuple]:
    """A kind's rows in a dataset (of one document), without the extraction timestamp."""
    if not (root / kind).exists():
        return []
    table = pads.dataset(root / kind, format="parquet", partitioning="hive").to_table()
    rows = [r for r in table.to_pylist() if doc_id is None or r["doc_id"] == doc_id]
    return sorted(tuple(sorted((k, str(v)) for k, v in r.items() if k != "extracted_at")) for r in rows)


def _part_ids(root: Path) -> dict[str, set[str]]:
    """doc_id → the kinds it has parts of."""
    out: dict[str, set[str]] = {}
    for kind in RECORD_KINDS:
        for part in (root / kind).glob("fiscal_year=*/part-*.parquet") if (root / kind).exists() else ():
            out.setdefault(part.name[5:-8], set()).add(kind)
    return out


def _doc_id(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# ── 3. extract: a failure between two files leaves the previous output ────────────────

@pytest.fixture()
def previous(tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """doc.txt (the seed budget) extracted into out/; then doc.txt is replaced by seed 002."""
    doc, out = tmp_path / "doc.txt", tmp_path / "out"
    doc.write_bytes(SEED_BUDGET.read_bytes())
    assert invoke("extract", doc, "-o", out).exit_code == 0
    doc.write_bytes(SEED_TARGETS.read_bytes())
    return doc, out, _snapshot(out)


@pytest.mark.parametrize("fail_at", [1, 4, len(RECORD_KINDS)])
def test_write_failure_between_two_files_leaves_the_previous_output(previous, monkeypatch, fail_at):
    """A full disk at the n-th file: no file of the new document appears, none of the
    previous one is lost, and no temporary file stays."""
    doc, out, before = previous
    real, calls = writer.pq.write_table, []

    def full_disk(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) == fail_at:
            Path(where).write_bytes(b"PAR1 half")
            raise OSError(28, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(writer.pq, "write_table", full_disk)
    result = invoke("extract", doc, "-o", out)
    assert result.exit_code == 2
    assert result.stderr == f"yusuan: error: {out}: cannot write (No space left on device)\n"
    assert _snapshot(out) == before


@pytest.mark.parametrize("fail_at", [1, 2, len(RECORD_KINDS)])
def test_rename_failure_between_two_files_puts_the_previous_ones_back(previous, monkeypatch, fail_at):
    """Every new file complete, then the n-th rename fails: the files already renamed in
    are replaced by the previous ones again."""
    doc, out, before = previous
    real, renamed = os.replace, []

    def flaky(src, dst):
        if str(src).endswith(writer.TMP_SUFFIX) and not str(src).endswith(writer.OLD_SUFFIX):
            renamed.append(dst)
            if len(renamed) == fail_at:
                raise OSError(5, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(writer.os, "replace", flaky)
    assert invoke("extract", doc, "-o", out).exit_code == 2
    assert len(renamed) == fail_at
    assert _snapshot(out) == before
    monkeypatch.undo()
    assert invoke("extract", doc, "-o", out).exit_code == 0  # and then it goes through
    [row] = pq.read_table(out / "documents.parquet").to_pylist()
    assert row["doc_type"] == "performance_targets" and sorted(os.listdir(out)) == OUTPUT_FILES


def test_the_documents_file_is_renamed_in_last(tmp_path, monkeypatch, seed_result):
    real, order = os.replace, []
    monkeypatch.setattr(writer.os, "replace", lambda src, dst: (order.append(Path(dst).name), real(src, dst)))
    writer.write_parquet(seed_result.records, tmp_path / "out")
    assert order[-1] == "documents.parquet" and sorted(order) == OUTPUT_FILES


# ── 3. batch: killed between two part renames, then rerun ─────────────────────────────

KILL_BETWEEN_RENAMES = """
import os, signal, sys
from yusuan.batch import run_batch

victim, real = sys.argv[3], os.replace
renamed = []

def replace(src, dst):
    real(src, dst)
    name = os.path.basename(dst)
    if name == f"part-{victim}.parquet":
        renamed.append(name)
        if len(renamed) == 2:  # the batch and its workers die together, as with kill -9
            os.killpg(0, signal.SIGKILL)

os.replace = replace  # the forked worker inherits it
run_batch([sys.argv[1]], sys.argv[2], workers=1)
"""


@pytest.fixture()
def killed(tmp_path) -> tuple[Path, Path, str, str]:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_bytes(SEED_TARGETS.read_bytes())
    (src / "b.txt").write_bytes(SEED_BUDGET.read_bytes())
    first, victim = _doc_id(src / "a.txt"), _doc_id(src / "b.txt")
    out = tmp_path / "ds"
    proc = subprocess.run([sys.executable, "-c", KILL_BETWEEN_RENAMES, str(src), str(out), victim],
                          start_new_session=True, capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    parts = _part_ids(out)
    assert len(parts[victim]) == 2 and "documents" not in parts[victim]  # half of it is visible
    assert "documents" in parts[first]
    return src, out, first, victim


def test_killed_between_renames_then_rerun_shows_the_document_whole(killed, tmp_path):
    src, out, first, victim = killed
    whole = tmp_path / "whole"
    run_batch([src], whole, workers=1)
    calls = []
    result = run_batch([src], out, workers=1, on_plan=calls.append)
    assert [Path(t.path).name for t in calls[0].tasks] == ["b.txt"]  # a.txt was committed
    assert result.exit_code == 0
    for kind in KINDS:
        assert _rows(out, kind) == _rows(whole, kind), kind
    findings = run_query(out, f"SELECT count(*) AS n FROM findings WHERE doc_id = '{victim}'").to_pylist()
    assert findings == [{"n": len(_rows(whole, "findings", victim))}] and findings[0]["n"] > 0


def test_killed_between_renames_then_input_gone_shows_it_not_at_all(killed):
    src, out, first, victim = killed
    (src / "b.txt").unlink()
    run_batch([src], out, workers=1)
    assert set(_part_ids(out)) == {first}
    for kind in KINDS:
        assert not [r for r in _rows(out, kind) if ("doc_id", victim) in r], kind
    assert run_query(out, "SELECT count(*) AS n FROM documents").to_pylist() == [{"n": 1}]


def test_a_document_extracted_again_loses_the_parts_it_no_longer_has(tmp_path):
    from yusuan.dataset import part_path, write_parts
    import yusuan

    result = yusuan.extract_document(SEED_TARGETS)
    doc = result.document
    stray = part_path(tmp_path, "budget_lines", doc.fiscal_year, doc.doc_id)  # an earlier version wrote it
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"old")
    written = write_parts(tmp_path, result.records, doc.fiscal_year, doc.doc_id)
    assert not stray.exists() and all(p.exists() for p in written)
    assert written[-1].parts[-3] == "documents"


# ── 4. workers die with their batch ───────────────────────────────────────────────────

SLOW_BATCH = """
import os, sys, time
from pathlib import Path
from yusuan import batch

real = batch.extract_document

def slow(path, **kw):
    if "slow" in Path(path).name:
        Path(os.environ["PIDS"], str(os.getpid())).write_text(str(path))
        time.sleep(120)
    return real(path, **kw)

batch.extract_document = slow  # the forked workers inherit it
from yusuan.cli import main
main()
"""


def _slow_batch(src: Path, out: Path, pids: Path, *args: str) -> subprocess.Popen:
    pids.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-c", SLOW_BATCH, "batch", str(src), "-o", str(out), *args],
                            env={**os.environ, "PIDS": str(pids)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(predicate, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """True while any thread of `pid` runs (a zombie no one reaped yet counts as gone).

    Every thread, not the leader's state alone: a killed process's main thread can show `Z`
    while another of its threads is still exiting and holds the process's open files (its
    share of the dataset lock among them)."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return False
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    return True
        except (FileNotFoundError, ProcessLookupError):
            continue
    return False


def _lock_free(out: Path) -> bool:
    """True when no process holds the dataset's lock (taking and releasing it at once)."""
    try:
        with locked(out):
            return True
    except DatasetLocked:
        return False


def _inputs(tmp_path: Path, fast: int, slow: int) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    text = SEED_TARGETS.read_text(encoding="utf-8")
    for i in range(fast):
        (src / f"a-{i}.txt").write_text(text + f"\n附注 {i}\n", encoding="utf-8")
    for i in range(slow):
        (src / f"slow-{i}.txt").write_text(text + f"\n附注 slow {i}\n", encoding="utf-8")
    return src


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see processes")
def test_workers_exit_when_the_batch_is_killed(tmp_path):
    src, pids = _inputs(tmp_path, 0, 2), tmp_path / "pids"
    proc = _slow_batch(src, tmp_path / "ds", pids, "--workers", "2", "--timeout", "60")
    _wait_for(lambda: len(list(pids.iterdir())) == 2)
    workers = [int(p.name) for p in pids.iterdir()]
    assert all(_alive(pid) for pid in workers)
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as `kill -9 <batch pid>`
    proc.wait()
    started = time.monotonic()
    try:
        _wait_for(lambda: not any(_alive(pid) for pid in workers), seconds=30)
    finally:  # a failing test leaves nothing running
        for pid in filter(_alive, workers):
            os.kill(pid, signal.SIGKILL)
    assert time.monotonic() - started < 5  # well within --timeout (60 s)
    # Its lock went with it (the kernel drops it once the last holder's files are closed, at
    # most moments after the workers are seen gone): the next batch runs and extracts what was left.
    _wait_for(lambda: _lock_free(tmp_path / "ds"), seconds=5)
    for p in pids.iterdir():
        p.unlink()
    (src / "slow-0.txt").rename(src / "done-0.txt")
    (src / "slow-1.txt").rename(src / "done-1.txt")
    assert run_batch([src], tmp_path / "ds", workers=1).count("ok") == 2


SLOW_EVERYWHERE = """
import os
if os.environ.get("PIDS"):  # every Python process started with this folder on its path: Dask's workers too
    import time
    from pathlib import Path
    from yusuan import batch

    def slow(path, **kw):
        Path(os.environ["PIDS"], str(os.getpid())).write_text(str(path))
        time.sleep(120)

    batch.extract_document = slow
"""


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see processes")
def test_dask_workers_exit_when_the_batch_is_killed(tmp_path):
    """The LocalCluster's worker processes and the children they fork for each file."""
    pytest.importorskip("dask.distributed")
    src, pids, site = _inputs(tmp_path, 0, 2), tmp_path / "pids", tmp_path / "site"
    pids.mkdir()
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_EVERYWHERE, encoding="utf-8")
    env = {**os.environ, "PIDS": str(pids), "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen([sys.executable, "-c", "from yusuan.cli import main; main()", "batch", str(src), "-o",
                             str(tmp_path / "ds"), "--engine", "dask", "--workers", "2", "--timeout", "60"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    family: set[int] = set()
    try:
        _wait_for(lambda: len(list(pids.iterdir())) == 2, seconds=90)
        family = _descendants(proc.pid)
        assert {int(p.name) for p in pids.iterdir()} <= family and len(family) >= 4  # 2 workers, 2 children
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        started = time.monotonic()
        _wait_for(lambda: not any(_alive(pid) for pid in family), seconds=30)
        assert time.monotonic() - started < 10  # within --timeout (60 s)
    finally:  # a failing test leaves nothing running
        for pid in family | _descendants(proc.pid) | {proc.pid}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ── 5. one batch at a time ────────────────────────────────────────────────────────────

def test_a_second_batch_into_the_same_dataset_is_refused(tmp_path):
    src, pids, out = _inputs(tmp_path, 0, 1), tmp_path / "pids", tmp_path / "ds"
    first = _slow_batch(src, out, pids, "--workers", "1")
    try:
        _wait_for(lambda: any(pids.iterdir()))
        second = subprocess.run([sys.executable, "-c", "from yusuan.cli import main; main()", "batch", str(src),
                                 "-o", str(out)], capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert second.stderr == (f"yusuan: error: {out}: another batch is writing into this dataset "
                                 f"(pid {first.pid}); wait for it to finish\n")
        with pytest.raises(DatasetLocked):
            run_batch([src], out)
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    # A lock whose holder was killed does not block: the kernel dropped it.
    _wait_for(lambda: _lock_free(out), seconds=10)
    assert (out / LOCK).exists() and not [p for p in out.iterdir() if p.name.endswith(".tmp")]


# ── 6. --prune and Ctrl-C ─────────────────────────────────────────────────────────────

def test_prune_removes_the_documents_whose_input_is_gone(tmp_path):
    src = _inputs(tmp_path, 3, 0)
    out = tmp_path / "ds"
    run_batch([src], out, workers=1)
    gone = _doc_id(src / "a-1.txt")
    (src / "a-1.txt").unlink()
    run_batch([src], out, workers=1)  # without --prune the document stays
    assert gone in _part_ids(out)
    result = invoke("batch", src, "-o", out, "--prune", "--workers", "1")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "pruned" in result.stdout
    assert gone not in _part_ids(out) and len(_part_ids(out)) == 2
    manifest = run_query(out, "SELECT path FROM manifest ORDER BY path").to_pylist()
    assert [Path(r["path"]).name for r in manifest] == ["a-0.txt", "a-2.txt"]
    assert run_query(out, "SELECT count(DISTINCT doc_id) AS n FROM indicators").to_pylist() == [{"n": 2}]
    # Files outside this run's inputs are not gone: another folder's documents stay.
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_bytes(SEED_BUDGET.read_bytes())
    run_batch([other], out, workers=1)
    run_batch([src], out, workers=1, prune_gone=True)
    assert len(_part_ids(out)) == 3


def test_ctrl_c_saves_what_is_done_and_exits_130(tmp_path):
    src, pids, out = _inputs(tmp_path, 3, 2), tmp_path / "pids", tmp_path / "ds"
    proc = _slow_batch(src, out, pids, "--workers", "1")
    _wait_for(lambda: any(pids.iterdir()))  # the three quick files are done, a slow one runs
    [worker] = [int(p.name) for p in pids.iterdir()]
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - started < 10
    assert proc.returncode == 130, stderr
    assert stderr.splitlines()[-1] == "interrupted: 3/5 done, rerun to resume", stderr
    assert "Traceback" not in stderr + stdout
    _wait_for(lambda: not _alive(worker), seconds=10)
    # query and export accept the dataset; it holds the finished documents, whole.
    assert not (out / JOURNAL).exists() and (out / "datapackage.json").exists()
    rows = run_query(out, "SELECT path, status FROM manifest ORDER BY path").to_pylist()
    assert [(Path(r["path"]).name, r["status"]) for r in rows] == [(f"a-{i}.txt", "ok") for i in range(3)]
    assert run_query(out, "SELECT count(*) AS n FROM documents").to_pylist() == [{"n": 3}]
    assert set(_part_ids(out)) == {_doc_id(src / f"a-{i}.txt") for i in range(3)}
    written = {p.name for p in export(out, "csv", tmp_path / "csv")}
    assert {f"{kind}.csv" for kind in RECORD_KINDS} | {"manifest.csv"} <= written
    assert (tmp_path / "csv" / "documents.csv").read_text(encoding="utf-8-sig").count("\n") == 4  # header + 3
    # A rerun resumes with the two that were not done.
    calls = []
    run_batch([src], out, workers=1, on_plan=calls.append)
    assert sorted(Path(t.path).name for t in calls[0].tasks) == ["slow-0.txt", "slow-1.txt"]
