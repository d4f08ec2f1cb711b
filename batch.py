"""Batch conversion: many input files → one dataset, resumable, isolated per file.

    plan(inputs, dataset)  which files to extract, which are done or duplicates
    run(plan, engine)      extract each file in its own worker process, journal each result
    finish(dataset)        write manifest.parquet and datapackage.json

Every file is extracted in a child process of its own (forked, so it costs no imports),
with a wall-clock timeout and an address-space cap: a file that hangs, crashes or
exhausts memory is marked failed with its reason, and the batch goes on. The local engine
keeps up to N such children running; the Dask engine runs the same per-file task on a
Dask cluster's workers (which fork the same children when their configuration allows
it, and run the task in-process otherwise).
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing as mp
import os
import resource
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from decimal import Decimal
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable

from . import __version__, collector
from .dataset import (finding_severities, journal, load_manifest, locked, remove_parts, remove_stale_temporaries,
                      remove_uncommitted, save_manifest, write_datapackage, write_parts)
from .errors import UnreadableDocument
from .pipeline import display_path as display
from .pipeline import extract_document
from .schemas.records import ManifestEntry
from .views import build_views

SUFFIXES = (".pdf", ".txt")
DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
MIN_MEMORY_MB = 32
"""Below this a worker cannot start reading a small PDF (measured: 8 MiB fails, 16 MiB reads one)."""
DONE = ("ok", "findings")
WATCH_SECONDS = 0.25  # how often a worker looks whether its parent is still there


@dataclass(frozen=True)
class Task:
    path: str
    size: int
    sha256: str
    ocr: str = "auto"
    """Which pages OCR reads (extract.ocr: auto | always | never)."""

    @property
    def shown(self) -> str:
        return display(self.path)


@dataclass
class Plan:
    tasks: list[Task] = field(default_factory=list)
    entries: dict[str, ManifestEntry] = field(default_factory=dict)
    """Rows carried over (done before) or decided without extraction (duplicates)."""
    already_done: int = 0
    duplicates: int = 0
    stale: list[str] = field(default_factory=list)
    """doc_ids of earlier versions of changed files: their parts are removed."""


def discover(inputs: Iterable[str | Path]) -> list[Path]:
    """Given files and folders, return every .pdf and .txt below them, sorted, once each."""
    found: dict[str, Path] = {}
    for item in inputs:
        p = Path(item)
        candidates = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file())
        for q in candidates:
            if q.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in q.parts[-1:]):
                found.setdefault(str(q), q)
    return [found[k] for k in sorted(found)]


def _sha256(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def make_plan(files: list[Path], root: Path) -> Plan:
    """Decide per file: skip (done before with the same bytes and tool version), duplicate
    (same bytes as another input: extracted once), or extract (new, changed, or failed before)."""
    previous = load_manifest(root)
    plan = Plan()
    owner: dict[str, str] = {}  # sha256 → the path that is (or was) extracted for it
    current = {display(f) for f in files}
    for entry in previous.values():
        # A path that still exists keeps its claim only if its bytes are unchanged (checked below).
        if entry.status in DONE and entry.tool_version == __version__ and entry.path not in current:
            owner.setdefault(entry.sha256, entry.path)
    for f in files:
        path = display(f)
        try:
            size, digest = _sha256(f)
        except OSError as exc:
            plan.entries[path] = ManifestEntry(path=path, size=0, sha256="", doc_id="", status="failed",
                                               error=f"cannot be read ({exc.strerror or exc})", pages=None,
                                               seconds=None, tool_version=__version__)
            continue
        old = previous.get(path)
        if old and old.sha256 == digest and old.tool_version == __version__ and old.status in DONE:
            plan.entries[path] = old
            plan.already_done += 1
            owner.setdefault(digest, path)
            continue
        if old and old.sha256 != digest and old.status in DONE:
            plan.stale.append(old.doc_id)  # the file changed: its old parts must go
        if digest in owner and owner[digest] != path:
            plan.entries[path] = ManifestEntry(path=path, size=size, sha256=digest, doc_id=digest[:16],
                                               status="skipped", error=f"duplicate of {owner[digest]}",
                                               pages=None, seconds=None, tool_version=__version__)
            plan.duplicates += 1
            continue
        owner[digest] = path
        plan.tasks.append(Task(path=str(f), size=size, sha256=digest))
    return plan


def extract_one(task: Task, root: str) -> ManifestEntry:
    """Extract one file and write its parts into the dataset; return its manifest row."""
    started = time.perf_counter()

    def entry(status: str, error: str | None = None, pages: int | None = None,
              ocr_pages: int | None = None) -> ManifestEntry:
        seconds = Decimal(str(round(time.perf_counter() - started, 2)))
        return ManifestEntry(path=task.shown, size=task.size, sha256=task.sha256, doc_id=task.sha256[:16],
                             status=status, error=error, pages=pages, seconds=seconds, tool_version=__version__,
                             ocr_pages=ocr_pages)

    try:
        result = extract_document(task.path, ocr=task.ocr)
    except UnreadableDocument as exc:
        return entry("failed", exc.reason)
    except MemoryError:
        return entry("failed", "memory limit exceeded")
    except Exception as exc:  # a bug in yusuan must not stop the batch; the manifest names it
        return entry("failed", f"internal error: {type(exc).__name__}: {exc}")
    doc = result.document
    if doc.doc_id != task.sha256[:16]:
        return entry("failed", "file changed while the batch read it")
    try:
        write_parts(Path(root), result.records, doc.fiscal_year, doc.doc_id)
    except (OSError, ValueError) as exc:  # ValueError: pyarrow.ArrowInvalid, a value the schema refuses
        return entry("failed", f"cannot write its records ({type(exc).__name__}: {str(exc).splitlines()[0]})")
    return entry("findings" if result.errors else "ok", pages=doc.pages, ocr_pages=result.ocr_pages)


def _address_space() -> int:
    """Bytes of address space this process holds now (0 where /proc is absent)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int, forked_by_main_thread: bool) -> None:
    """Make this forked worker exit as soon as `parent` is gone (killed with -9 too).

    On Linux the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); that
    signal follows the thread that forked, so it is asked for only when the parent's main
    thread forked (a Dask worker forks from a pool thread that may end before it). A
    thread that watches the parent id covers every other case."""
    if forked_by_main_thread and sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(70)

    if os.getppid() != parent:  # died before the request could be made
        os._exit(70)
    threading.Thread(target=watch, name="yusuan-parent-watch", daemon=True).start()


def _child(task: Task, root: str, memory_mb: int | None, conn, parent: int = 0,
           forked_by_main_thread: bool = False) -> None:
    try:  # Ctrl-C is the batch's to handle: it stops its workers itself
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        pass
    collector.after_fork()
    if parent:
        _die_with_parent(parent, forked_by_main_thread)  # before the cap: the thread's stack counts
    if memory_mb:
        # The cap is what the file may add: a forked child inherits its parent's address
        # space (a parent that ran DuckDB or pyarrow reserves gigabytes it never touches),
        # which must not count against the file.
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(extract_one(task, root).model_dump())
    except BaseException:
        conn.send({"error": traceback.format_exc(limit=-1).strip().splitlines()[-1]})
    finally:
        conn.close()


def _can_fork() -> bool:
    return "fork" in mp.get_all_start_methods() and not mp.current_process().daemon


def _failed(task: Task, error: str, seconds: float) -> ManifestEntry:
    return ManifestEntry(path=task.shown, size=task.size, sha256=task.sha256, doc_id=task.sha256[:16],
                         status="failed", error=error, pages=None, seconds=Decimal(str(round(seconds, 2))),
                         tool_version=__version__)


def run_isolated(tasks: list[Task], root: str, workers: int, timeout: float, memory_mb: int | None,
                 on_done: Callable[[ManifestEntry], None]) -> None:
    """Extract tasks in forked children, at most `workers` at a time, each under `timeout`
    seconds and `memory_mb`; call `on_done` with each manifest row as it finishes."""
    if not _can_fork():
        for task in tasks:
            on_done(extract_one(task, root))
        return
    ctx = mp.get_context("fork")
    pending = list(reversed(tasks))
    running: dict = {}  # sentinel → (process, conn, task, started)
    try:
        _run_children(ctx, pending, running, root, workers, timeout, memory_mb, on_done)
    finally:  # interrupted (Ctrl-C) or failed: no worker outlives the batch
        for proc, conn, _, _ in running.values():
            proc.kill()
            proc.join()
            conn.close()


def _run_children(ctx, pending: list[Task], running: dict, root: str, workers: int, timeout: float,
                  memory_mb: int | None, on_done: Callable[[ManifestEntry], None]) -> None:
    parent, main = os.getpid(), threading.current_thread() is threading.main_thread()
    while pending or running:
        while pending and len(running) < max(1, workers):
            task = pending.pop()
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(task, root, memory_mb, send, parent, main), daemon=True)
            proc.start()
            send.close()
            running[proc.sentinel] = (proc, recv, task, time.monotonic())
        now = time.monotonic()
        deadline = min(started + timeout for _, _, _, started in running.values())
        ready = wait([c for _, c, _, _ in running.values()] + list(running), timeout=max(0.0, deadline - now))
        finished = set()
        for sentinel, (proc, conn, task, started) in running.items():
            if conn in ready or sentinel in ready:
                try:
                    payload = conn.recv() if conn.poll() else None
                except (EOFError, OSError):
                    payload = None
                proc.join(timeout=5)
                if payload is None or "status" not in payload:
                    code = proc.exitcode
                    reason = (payload or {}).get("error") or (
                        "memory limit exceeded or worker crashed" if code and code < 0 else f"worker exited with code {code}")
                    on_done(_failed(task, reason, time.monotonic() - started))
                else:
                    on_done(ManifestEntry(**payload))
                finished.add(sentinel)
            elif time.monotonic() - started >= timeout:
                proc.kill()
                proc.join()
                on_done(_failed(task, f"timed out after {timeout:g} s", time.monotonic() - started))
                finished.add(sentinel)
        for sentinel in finished:
            running.pop(sentinel)[1].close()


DASK_HINT = "--engine dask needs Dask's distributed scheduler, an optional extra: pip install 'yusuan[dask]'"


def require_dask() -> None:
    """Raise ImportError naming the extra to install when Dask (distributed) is missing."""
    try:
        import dask  # noqa: F401
        import dask.distributed  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{DASK_HINT} ({exc})") from exc


def _dask_task(task: Task, root: str, timeout: float, memory_mb: int | None) -> dict:
    out: list[ManifestEntry] = []
    run_isolated([task], root, 1, timeout, memory_mb, out.append)
    return out[0].model_dump()


def run_dask(tasks: list[Task], root: str, workers: int, timeout: float, memory_mb: int | None,
             on_done: Callable[[ManifestEntry], None], scheduler: str | None = None) -> None:
    """Run the same per-file task on a Dask cluster: `scheduler` to join one, else a
    LocalCluster of `workers` processes (non-daemonic, so each task forks its child)."""
    require_dask()
    import dask
    from dask.distributed import Client, LocalCluster, as_completed

    with dask.config.set({"distributed.worker.daemon": False}):
        if scheduler:
            client, cluster = Client(scheduler), None
        else:
            cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            futures = [client.submit(_dask_task, t, root, timeout, memory_mb, key=f"yusuan-{t.sha256[:16]}",
                                     pure=False) for t in tasks]
            for future in as_completed(futures):
                on_done(ManifestEntry(**future.result()))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


class BatchInterrupted(Exception):
    """Ctrl-C stopped the batch: `done` of `total` files of the plan were extracted, the
    dataset holds them (manifest and datapackage written) and a rerun resumes."""

    def __init__(self, done: int, total: int):
        super().__init__(f"interrupted: {done}/{total} done, rerun to resume")
        self.done, self.total = done, total


@dataclass
class BatchResult:
    entries: dict[str, ManifestEntry]
    plan: Plan
    seconds: float
    root: Path | None = None
    pruned: list[str] = field(default_factory=list)
    """Paths whose input was gone: their rows and parts were removed (`prune=True`)."""

    def count(self, status: str) -> int:
        return sum(e.status == status for e in self.entries.values())

    @property
    def exit_code(self) -> int:
        """The exit code at the default level (see `exit_code_at`)."""
        return self.exit_code_at("error")

    def exit_code_at(self, fail_on: str = "error") -> int:
        """2 when a file could not be read; else 1 when a document of the inputs has a
        finding at `fail_on` (error, or warning: warnings and errors) or above; else 0.
        `fail_on = never`: findings never fail the batch."""
        if self.count("failed"):
            return 2
        if fail_on == "error":
            return 1 if self.count("findings") else 0
        if fail_on == "warning" and self.root is not None:
            docs = [e.doc_id for e in self.entries.values() if e.status in DONE]
            return 1 if finding_severities(self.root, docs) & {"error", "warning"} else 0
        return 0


def _gone(entries: dict[str, ManifestEntry], inputs: list[Path], current: set[str]) -> list[str]:
    """Paths of manifest rows below this run's inputs whose file is no longer there.
    Rows of files outside the inputs are left alone: their input is not known to be gone."""
    roots = [display(p) for p in inputs]
    below = [r.rstrip("/") + "/" for r in roots]
    return sorted(path for path in entries if path not in current
                  and (path in roots or any(path.startswith(b) for b in below)))


def run_batch(inputs: Iterable[str | Path], out: str | Path, *, workers: int = 1, engine: str = "local",
              scheduler: str | None = None, timeout: float = DEFAULT_TIMEOUT,
              memory_mb: int | None = DEFAULT_MEMORY_MB, prune_gone: bool = False, ocr: str = "auto",
              on_plan: Callable[[Plan], None] | None = None,
              on_done: Callable[[ManifestEntry], None] | None = None) -> BatchResult:
    """Convert every .pdf/.txt below `inputs` into the dataset at `out`; resumable.

    Holds the dataset's lock (raises dataset.DatasetLocked when another batch has it);
    parts of documents no committed manifest row names are removed first; `prune_gone`
    also removes the rows and parts of files below `inputs` that are gone. Ctrl-C raises
    BatchInterrupted after the finished files are saved and the unfinished ones removed."""
    started = time.perf_counter()
    root = Path(out)
    inputs = [Path(p) for p in inputs]
    with locked(root):
        remove_stale_temporaries(root)
        files = discover(inputs)
        previous = load_manifest(root)
        pruned = _gone(previous, inputs, {display(f) for f in files}) if prune_gone else []
        for path in pruned:
            previous.pop(path)
        if pruned:
            save_manifest(root, previous)
        # The commit point of a document is its manifest row: parts without one are a run's
        # unfinished work (killed between two renames) and must not stay visible.
        remove_uncommitted(root, (e.doc_id for e in previous.values() if e.status in DONE))
        plan = make_plan(files, root)
        plan.tasks = [replace(t, ocr=ocr) for t in plan.tasks]  # the OCR choice travels to each worker
        if on_plan:
            on_plan(plan)
        entries = dict(plan.entries)

        for doc_id in plan.stale:
            if not any(e.doc_id == doc_id for e in plan.entries.values()):
                remove_parts(root, doc_id)

        finished: set[str] = set()

        def done(entry: ManifestEntry) -> None:
            if entry.status == "failed":
                remove_parts(root, entry.doc_id)  # a child killed mid-write leaves no part visible
            journal(root, entry)
            entries[entry.path] = entry
            finished.add(entry.path)
            if on_done:
                on_done(entry)

        try:
            if engine == "dask":
                run_dask(plan.tasks, str(root), workers, timeout, memory_mb, done, scheduler)
            else:
                run_isolated(plan.tasks, str(root), workers, timeout, memory_mb, done)
        except KeyboardInterrupt:
            interrupted = True
        else:
            interrupted = False
        previous = load_manifest(root)
        previous.update(entries)
        if interrupted:
            # Work in flight is dropped whole: its parts and any older row of its file.
            for task in plan.tasks:
                if task.shown not in finished:
                    remove_parts(root, task.sha256[:16])
                    previous.pop(task.shown, None)
        save_manifest(root, previous)
        write_datapackage(root)
        build_views(root)  # execution and codes over the whole dataset (views.py); describes them too
    if interrupted:
        raise BatchInterrupted(len(finished), len(plan.tasks))
    return BatchResult(entries=entries, plan=plan, seconds=time.perf_counter() - started, root=root, pruned=pruned)


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
