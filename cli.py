"""The `yusuan` command line: I/O and presentation only; the work is in `pipeline`."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from . import __version__

# `yusuan --help` and `--version` must stay quick: pandas, pyarrow, duckdb, dask and the
# pipeline are imported inside the commands that need them, never here.
DEFAULT_ENGINE = "pdfium"  # extract.pdf_reader.DEFAULT_ENGINE (a test keeps the two equal)
PDF_ENGINES = ("pdfium", "pdfplumber")  # extract.pdf_reader.ENGINES
OCR_MODES = ("auto", "always", "never")  # extract.ocr.OCR_MODES
# A backslash before `[`: rich would read `[ocr]` as markup and drop it from the help.
OCR_HELP = ("Pages OCR reads (the ocr extra: pip install 'yusuan[ocr]'): auto, pages without a text layer when "
            "the extra is installed; always, every page; never.")

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE, EXIT_USAGE = 0, 1, 2, 3  # validate.report's codes
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
FAIL_ON = ("error", "warning", "never")
# click's UsageError, as the click typer runs on defines it (typer >= 0.26 carries its own).
_UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


class _Group(TyperGroup):
    """Usage errors (an unknown option, a missing argument, a value click refuses) exit
    with 3: click's 2 is yusuan's code for input it cannot read."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except _UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Turn published Chinese government budget documents (预算) into typed, validated Parquet records.",
)
console = Console(highlight=False)


def _shown(text: str) -> str:
    """A file name or message as one printable line: control characters (a newline, an
    escape, a tab) written as their Python escapes, everything else as it is."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _error(message: str) -> None:
    # Plain write: one line whatever the terminal width, file names never read as markup.
    sys.stderr.write(f"yusuan: error: {message}\n")


def _usage(message: str) -> None:
    """One line on stderr and exit code 3: the command was used wrongly."""
    _error(message)
    raise typer.Exit(EXIT_USAGE)


def _choice(option: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _usage(f"{option} must be one of {', '.join(allowed)}, not {value!r}")


def _not_regular(path: Path) -> str | None:
    """Why `path` must not be read as a document (a FIFO or a device would block or never
    end), or None for a regular file, a folder or a missing path."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: extract_document names the reason
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "special")
    return f"{kind}, not a regular file: refused (it could be read forever)"


def _quiet_pdfminer() -> None:
    """pdfminer (under pdfplumber) logs warnings about odd PDF operators through the
    logging module's last-resort handler, straight onto stderr; yusuan reports what it
    could not read as findings, so those lines are dropped."""
    import logging

    logger = logging.getLogger("pdfminer")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False


def _version(value: bool) -> None:
    if value:
        console.print(f"yusuan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """yusuan: budget documents → Parquet, checked to add up."""
    _quiet_pdfminer()


def _summary(result, written: dict[str, Path] | None) -> None:
    doc = result.document
    console.print(f"[bold]{escape(_shown(doc.source))}[/bold]  ({doc.source_kind}, {doc.pages} pages, doc_id {doc.doc_id})")
    console.print(f"  {doc.doc_type} · {escape(doc.department or 'department unknown')} · "
                  f"fiscal year {doc.fiscal_year or 'unknown'}")
    tab = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("table", "title", "pages", "rows", "cells"):
        tab.add_column(col)
    for t in result.tables:
        tab.add_row(t.key, escape(t.title), ",".join(map(str, t.pages)), str(t.rows), str(t.cells))
    if result.tables:
        console.print(tab)
    rec = result.records
    if rec["projects"] or rec["prose_figures"]:
        console.print(f"  projects {len(rec['projects'])} (sub-items {len(rec['project_items'])}, "
                      f"indicators {len(rec['indicators'])}); prose figures {len(rec['prose_figures'])}")
    findings = result.records["findings"]
    by_sev = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    checks = result.checks
    passed = sum(c.status == "pass" for c in checks)
    blank = sum(c.status == "pass" and c.actual == 0 and c.expected == 0 for c in checks)
    console.print(f"  identities: {passed} passed ({blank} of them 0 = 0 over blank cells), "
                  f"{sum(c.status == 'fail' for c in checks)} failed, "
                  f"{sum(c.status == 'rounding' for c in checks)} within rounding, "
                  f"{sum(c.status == 'not_checked' for c in checks)} not checked")
    console.print(f"  findings: {by_sev['error']} error, {by_sev['warning']} warning, {by_sev['info']} info")
    for f in findings:
        if f.severity != "info":
            console.print(f"    [{'red' if f.severity == 'error' else 'yellow'}]{f.severity}[/] {f.rule}: "
                          f"{escape(_shown(f.message))}")
    if written:
        folder = escape(_shown(next(iter(written.values())).parent))
        console.print(f"  wrote {', '.join(p.name for p in written.values())} to {folder}/")
    console.print(f"  elapsed {result.elapsed:.2f} s")


def _report(result) -> None:
    tab = Table(title="identities checked", show_header=True, header_style="bold", box=None)
    for col in ("status", "rule", "table", "code", "column", "printed", "expected", "identity"):
        tab.add_column(col)
    colour = {"pass": "green", "fail": "red", "rounding": "yellow", "not_checked": "cyan"}
    for c in result.checks:
        tab.add_row(f"[{colour[c.status]}]{c.status}[/]", c.rule, c.table or "", c.code or "", c.column or "",
                    "" if c.actual is None else f"{c.actual:,}", "" if c.expected is None else f"{c.expected:,}",
                    escape(c.label))
    console.print(tab)


def _exit_code(result, fail_on: str) -> int:
    return EXIT_OK if fail_on == "never" else result.report.exit_code(fail_on)


def _checks_json(result, written: dict[str, Path] | None, fail_on: str) -> str:
    """One document as one line of JSON: its documents row, every finding (rule, severity,
    table, page, code, column, expected, actual, message), the report's counts (findings
    by severity, checks by outcome, checks per rule and table), the files written and
    the exit code at `fail_on`."""
    report = result.report.as_json()
    code = _exit_code(result, fail_on)
    out = {"document": result.document.model_dump(mode="json"), "exit_code": code, "fail_on": fail_on,
           "valid": code == EXIT_OK, "counts": report["counts"], "checks": report["checks"],
           "rules": report["stats"], "findings": report["findings"],
           "files": [str(p) for p in (written or {}).values()]}
    return json.dumps(out, ensure_ascii=False, default=str)


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="Budget documents: raw text (.txt, UTF-8 or GBK) or PDFs, or "
                                       "folders of them (searched recursively)."),
    out: Path = typer.Option(Path("out"), "-o", "--out", help="Folder for the Parquet files (created if missing); "
                             "with several documents, one folder per document below it."),
    report: bool = typer.Option(False, "--report", help="Print every identity checked, with pass/fail."),
    json_report: bool = typer.Option(False, "--json", help="Print one JSON object (one line) per document instead "
                                     "of the summary: the document, every finding, the report's counts, the files "
                                     "written."),
    password: Optional[str] = typer.Option(None, "--password", help="Password of an encrypted PDF."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and check, but write no files."),
    engine: str = typer.Option(DEFAULT_ENGINE, "--engine",
                               help="PDF reader: pdfium (fast) or pdfplumber (reference); both give the same records."),
    fail_on: str = typer.Option("error", "--fail-on", help="error, warning or never: findings at this level or "
                                "above make the exit code 1."),
    ocr: str = typer.Option("auto", "--ocr", help=OCR_HELP),
) -> None:
    """Extract documents into OUT/: one Parquet file per record kind (documents, budget_lines,
    summary_lines, findings, projects, project_items, indicators, prose_figures, table_cells).
    One file: into OUT/ itself. Several files or a folder: into OUT/<file stem>/ each
    (OUT/<stem>-<doc_id>/ when two inputs share a stem). A folder holding another
    document's output is never overwritten.

    Exit code 0: every document read, no finding at the --fail-on level. 1: findings at
    that level (records are still written). 2: a file could not be read or its output
    not written. 3: the command was used wrongly.
    """
    _choice("--engine", engine, PDF_ENGINES)
    _choice("--fail-on", fail_on, FAIL_ON)
    _choice("--ocr", ocr, OCR_MODES)
    from .pipeline import display_path

    jobs = _extract_jobs(files, out)
    codes = [_extract_one(path, folder, stem, password=password, engine=engine, dry_run=dry_run,
                          json_report=json_report, report=report, fail_on=fail_on, ocr=ocr)
             for path, folder, stem in jobs]
    if not jobs:
        _fail(f"{_shown(display_path(files[0]))}: no .pdf or .txt file in this folder")
    raise typer.Exit(max(codes))


def _extract_jobs(files: list[Path], out: Path) -> list[tuple[Path, Path | None, Path | None]]:
    """(input, its output folder, or None and OUT/<stem> to which its doc_id is added once
    the file is read): one file goes into OUT itself; several files or a folder
    give one folder per document, named by the file's stem, or stem-<doc_id> when two
    inputs share a stem (the doc_id is known once the file is read)."""
    if len(files) == 1 and not files[0].is_dir():
        return [(files[0], out, None)]
    from .batch import discover

    paths: dict[str, Path] = {}
    for f in files:
        for p in (discover([f]) if f.is_dir() else [f]):
            paths.setdefault(str(p), p)
    stems: dict[str, int] = {}
    for p in paths.values():
        stems[p.stem] = stems.get(p.stem, 0) + 1
    return [(p, out / p.stem, None) if stems[p.stem] == 1 else (p, None, out / p.stem) for p in paths.values()]


def _other_document(folder: Path, doc) -> str | None:
    """The source of another document whose output `folder` holds, or None (empty, the
    same document, or the same source file re-extracted)."""
    previous = folder / "documents.parquet"
    if not previous.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(previous, columns=["doc_id", "source"]).to_pylist()
    except Exception:  # not a file yusuan can read back: nothing to protect
        return None
    for row in rows:
        same_file = row["source"] == doc.source or (
            os.path.exists(row["source"]) and os.path.exists(doc.source)
            and os.path.samefile(row["source"], doc.source))
        if row["doc_id"] != doc.doc_id and not same_file:
            return row["source"]
    return None


def _extract_one(path: Path, folder: Path | None, stem: Path | None, *, password, engine: str, dry_run: bool,
                 json_report: bool, report: bool, fail_on: str, ocr: str = "auto") -> int:
    """Extract, write and print one document; return its exit code."""
    from . import collector
    from .errors import UnreadableDocument
    from .pipeline import display_path, extract_document
    from .writer import write_parquet

    collector.settle()  # this process is the CLI's: its imports need no more collecting

    def unreadable(source: str, reason: str) -> int:
        _error(f"{_shown(source)}: {_shown(reason)}")
        if json_report:
            sys.stdout.write(json.dumps({"source": source, "error": reason, "exit_code": EXIT_UNREADABLE},
                                        ensure_ascii=False) + "\n")
        return EXIT_UNREADABLE

    source = display_path(path)
    refused = _not_regular(path)
    if refused:
        return unreadable(source, refused)
    try:
        result = extract_document(path, password=password, engine=engine, ocr=ocr)
    except UnreadableDocument as exc:
        return unreadable(exc.source, exc.reason)
    written = None
    if not dry_run:
        if folder is None:  # two inputs share the stem: the doc_id tells them apart
            folder = stem.with_name(f"{stem.name}-{result.document.doc_id}")
        other = _other_document(folder, result.document)
        if other is not None:
            return unreadable(str(folder), f"holds the output of another document ({other}); "
                                           f"choose another -o or remove it")
        try:
            written = write_parquet(result.records, folder)
        except OSError as exc:
            return unreadable(str(folder), f"cannot write ({exc.strerror or exc})")
        except ValueError as exc:  # pyarrow.ArrowInvalid: a value the schema cannot hold exactly
            return unreadable(source, f"a value cannot be stored exactly ({str(exc).splitlines()[0]})")
    if json_report:
        sys.stdout.write(_checks_json(result, written, fail_on) + "\n")
    else:
        _summary(result, written)
        if report:
            _report(result)
    return _exit_code(result, fail_on)


@app.command()
def batch(
    inputs: list[Path] = typer.Argument(..., help="Folders (searched recursively) or files: every .pdf and .txt."),
    out: Path = typer.Option(..., "-o", "--out", help="Dataset folder (created if missing; a rerun resumes)."),
    workers: int = typer.Option(0, "--workers", help="Files extracted at once (0: one per CPU)."),
    engine: str = typer.Option("local", "--engine", help="local (process pool) or dask (the optional extra: "
                               "pip install 'yusuan[dask]')."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address to join "
                                            "(without it, --engine dask starts a LocalCluster)."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds one file may take before it is marked failed."),
    memory_mb: int = typer.Option(2048, "--memory-mb", help="Address space one file may add to its worker, MiB "
                                   "(0: no cap)."),
    prune: bool = typer.Option(False, "--prune", help="Remove the documents (parts and manifest rows) of files "
                               "no longer found below INPUTS."),
    fail_on: str = typer.Option("error", "--fail-on", help="error, warning or never: a document with findings at "
                                "this level or above makes the exit code 1."),
    ocr: str = typer.Option("auto", "--ocr", help=OCR_HELP),
) -> None:
    """Convert every document below INPUTS into one Parquet dataset in OUT/.

    OUT/<record kind>/fiscal_year=YYYY/part-<doc_id>.parquet, OUT/manifest.parquet (one row per
    input: ok | findings | failed | skipped) and OUT/datapackage.json. Files already done with the
    same bytes and yusuan version are skipped; failed ones are retried. One batch at a time
    writes a dataset; Ctrl-C stops it with the finished files saved.

    Exit code 0: no file failed, no document has findings at the --fail-on level. 1: some
    document has. 2: a file could not be read (or the dataset is in use). 3: the command
    was used wrongly. 130: interrupted.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .batch import MIN_MEMORY_MB, BatchInterrupted, default_workers, require_dask, run_batch
    from .dataset import DatasetLocked
    from .pipeline import display_path

    _choice("--engine", engine, ("local", "dask"))
    _choice("--fail-on", fail_on, FAIL_ON)
    _choice("--ocr", ocr, OCR_MODES)
    if 0 < memory_mb < MIN_MEMORY_MB:
        _usage(f"--memory-mb {memory_mb} is too small to start a worker: give at least {MIN_MEMORY_MB} "
               f"(MiB), or 0 for no cap")
    if memory_mb < 0 or timeout <= 0 or workers < 0:
        _usage("--memory-mb and --workers must be 0 or more, --timeout more than 0")
    if engine == "dask":
        try:
            require_dask()
        except ImportError as exc:
            _fail(str(exc))
    for p in inputs:
        if not p.exists():
            _fail(f"{_shown(display_path(p))}: no such file or folder")
        if _not_regular(p):
            _fail(f"{_shown(display_path(p))}: {_not_regular(p)}")
    state = {"pages": 0, "failed": 0, "started": 0.0, "task": None, "done": 0, "total": 0, "ocr": 0}
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("failed {task.fields[failed]}"), TextColumn("{task.fields[rate]} pages/s"),
                        TextColumn("OCR {task.fields[ocr]} pages"),
                        TimeRemainingColumn(), console=console, transient=False)

    def on_plan(plan) -> None:
        import time

        state["started"] = time.perf_counter()
        state["total"] = len(plan.tasks)
        console.print(f"{len(plan.tasks)} to extract, {plan.already_done} already done, "
                      f"{plan.duplicates} duplicates")
        state["task"] = progress.add_task("extracting", total=len(plan.tasks), failed=0, rate="0.0", ocr=0)

    def on_done(entry) -> None:
        import time

        state["pages"] += entry.pages or 0
        state["ocr"] += entry.ocr_pages or 0
        state["done"] += 1
        state["failed"] += entry.status == "failed"
        rate = state["pages"] / max(time.perf_counter() - state["started"], 1e-9)
        progress.update(state["task"], advance=1, failed=state["failed"], rate=f"{rate:.1f}", ocr=state["ocr"])
        if entry.status == "failed":
            progress.console.print(f"  [red]failed[/] {escape(_shown(entry.path))}: "
                                   f"{escape(_shown(entry.error or ''))}")

    try:
        with progress:
            result = run_batch(inputs, out, workers=workers or default_workers(), engine=engine, scheduler=scheduler,
                               timeout=timeout, memory_mb=memory_mb or None, prune_gone=prune, ocr=ocr,
                               on_plan=on_plan, on_done=on_done)
    except (BatchInterrupted, KeyboardInterrupt) as exc:
        done, total = (exc.done, exc.total) if isinstance(exc, BatchInterrupted) else (state["done"], state["total"])
        sys.stderr.write(f"interrupted: {done}/{total} done, rerun to resume\n")
        raise typer.Exit(EXIT_INTERRUPTED)
    except DatasetLocked as exc:
        _fail(_shown(str(exc)))
    except OSError as exc:
        _fail(f"{_shown(exc.filename or out)}: {exc.strerror or exc}")
    tab = Table(title=f"batch into {escape(str(out))}", box=None, header_style="bold")
    for col in ("status", "files"):
        tab.add_column(col)
    for status in ("ok", "findings", "failed", "skipped"):
        tab.add_row(status, str(result.count(status)))
    if prune:
        tab.add_row("pruned", str(len(result.pruned)))
    console.print(tab)
    console.print(f"  {state['pages']} pages ({state['ocr']} read by OCR) in {result.seconds:.1f} s; manifest {escape(str(out))}/manifest.parquet")
    raise typer.Exit(result.exit_code_at(fail_on))


@app.command()
def query(
    dataset: Path = typer.Argument(..., help="A dataset folder written by `yusuan batch`."),
    sql: str = typer.Argument(..., help="SQL over the views documents, budget_lines, summary_lines, findings, manifest."),
    fmt: str = typer.Option("table", "--format", help="table (print), csv, json or parquet."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="File for csv/json/parquet (default: stdout "
                                          "for csv/json)."),
) -> None:
    """Run one SELECT (DuckDB SQL) over a batch dataset or an `extract` output folder and
    print or save the result.

    The SQL is read-only: one SELECT (or WITH … SELECT) statement, reading no file outside
    DATASET; COPY, ATTACH, INSTALL, LOAD, SET and several statements are refused.
    Exit code 2: the query was refused or failed (one line on stderr).
    """
    from .query import QueryRefused, folder_kind, run_query

    if fmt not in ("table", "csv", "json", "parquet"):
        _usage(f"--format must be table, csv, json or parquet, not {fmt!r}")
    if not dataset.is_dir() or folder_kind(dataset) is None:
        _fail(f"{dataset}: not a dataset folder (no manifest.parquet, no documents.parquet)")
    try:
        table = run_query(dataset, sql)
    except QueryRefused as exc:
        _fail(f"query refused: {exc}")
    except Exception as exc:  # duckdb raises its own error types for bad SQL
        _fail(f"query failed: {_first_line(exc)}")
    names = table.column_names
    unique = [n if names.index(n) == i else f"{n}_{i}" for i, n in enumerate(names)]
    table = table.rename_columns(unique)  # `SELECT a.doc_id, b.doc_id` gives two columns of one name
    if fmt == "table":
        tab = Table(box=None, header_style="bold")
        for name in unique:
            tab.add_column(name)
        for row in table.to_pylist():
            tab.add_row(*("" if v is None else escape(str(v)) for v in row.values()))
        console.print(tab)
        return
    try:
        _save(table, fmt, output)
    except OSError as exc:
        _fail(f"{exc.filename or output}: {exc.strerror or exc}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _fail(message: str) -> None:
    """One line on stderr and exit code 2: the work could not be done at all."""
    sys.stderr.write(f"yusuan: error: {message}\n")
    raise typer.Exit(EXIT_UNREADABLE)


def _save(table, fmt: str, output: Optional[Path]) -> None:
    if fmt == "parquet":
        if output is None:
            _usage("--format parquet needs -o FILE")
        from .writer import write_atomic

        write_atomic(table, output)
    elif fmt == "csv":  # text that could run as a formula is neutralised, as in `export`
        from .query import save_csv, write_csv

        save_csv(table, output) if output else write_csv(table, sys.stdout)
    elif fmt == "json":
        text = table.to_pandas().to_json(orient="records", force_ascii=False, default_handler=str)
        output.write_text(text, encoding="utf-8") if output else sys.stdout.write(text + "\n")


@app.command("export")
def export_cmd(
    dataset: Path = typer.Argument(..., help="A dataset folder written by `yusuan batch`."),
    fmt: str = typer.Option("csv", "--format", help="csv (one UTF-8-with-BOM file per record kind) or xlsx "
                            "(one sheet per record kind)."),
    out: Path = typer.Option(..., "-o", "--out", help="Folder for csv, file for xlsx."),
) -> None:
    """Export a batch dataset (or an `extract` output folder) for spreadsheet users, Chinese
    headers intact. Text never becomes a formula: xlsx text cells are string cells, and CSV
    text starting with = + - @ (or a tab, a carriage return) gets a leading single quote.
    """
    from .query import ExportTooLarge, export, folder_kind

    if fmt not in ("csv", "xlsx"):
        _usage(f"--format must be csv or xlsx, not {fmt!r}")
    if not dataset.is_dir() or folder_kind(dataset) is None:
        _fail(f"{dataset}: not a dataset folder (no manifest.parquet, no documents.parquet)")
    try:
        written = export(dataset, fmt, out)
    except ExportTooLarge as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{exc.filename or out}: {exc.strerror or exc}")
    console.print(f"wrote {len(written)} file(s): {escape(', '.join(str(p) for p in written))}")


@app.command()
def show(
    file: Path = typer.Argument(..., help="A PDF budget document."),
    page: int = typer.Option(..., "--page", help="Page to draw (from 1)."),
    out: Path = typer.Option(..., "-o", "--out", help="PNG file to write."),
    password: Optional[str] = typer.Option(None, "--password", help="Password of an encrypted PDF."),
) -> None:
    """Draw one page of a PDF with every cell yusuan read framed (blue layout, green
    identity, orange position) and the cells of failing identities in red, as a PNG."""
    from .errors import UnreadableDocument
    from .pictures import cell_frames, draw_page
    from .pipeline import extract_document

    try:
        result = extract_document(file, password=password)
    except UnreadableDocument as exc:
        _fail(str(exc))
    if result.document.source_kind != "pdf":
        _fail(f"{file}: not a PDF, nothing to draw")
    try:
        image = draw_page(file, page, cell_frames(result.records, page), password=password)
    except ValueError as exc:
        _fail(f"{file}: {exc}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, format="PNG")
    except OSError as exc:
        _fail(f"{out}: cannot write ({exc.strerror or exc})")
    frames = cell_frames(result.records, page)
    console.print(f"wrote {escape(str(out))}: page {page}, {len(frames)} cells, "
                  f"{sum(f.failing for f in frames)} of failing identities")


@app.command("report")
def report_cmd(
    folder: Path = typer.Argument(..., help="A dataset folder (yusuan batch) or an extract output folder."),
    out: Path = typer.Option(..., "-o", "--out", help="HTML file to write."),
) -> None:
    """Write one static HTML page: the documents, their tables' quality, and the findings
    grouped by severity, each page they name drawn with its read cells (PNG data URIs)."""
    from .query import folder_kind

    if not folder.is_dir() or folder_kind(folder) is None:
        _fail(f"{folder}: not a dataset folder (no manifest.parquet, no documents.parquet)")
    from .html_report import build_report

    page = build_report(folder)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as exc:
        _fail(f"{out}: cannot write ({exc.strerror or exc})")
    console.print(f"wrote {escape(str(out))} ({len(page) // 1024} KiB)")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
