"""The `yusuan` command line: I/O and presentation only; the work is in `pipeline`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__

# `yusuan --help` and `--version` must stay quick: pandas, pyarrow, duckdb, dask and the
# pipeline are imported inside the commands that need them, never here.
DEFAULT_ENGINE = "pdfium"  # extract.pdf_reader.DEFAULT_ENGINE (a test keeps the two equal)
PDF_ENGINES = ("pdfium", "pdfplumber")  # extract.pdf_reader.ENGINES

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn published Chinese government budget documents (预算) into typed, validated Parquet records.",
)
console = Console(highlight=False)

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        console.print(f"yusuan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """yusuan: budget documents → Parquet, checked to add up."""


def _summary(result, written: dict[str, Path] | None) -> None:
    doc = result.document
    console.print(f"[bold]{escape(doc.source)}[/bold]  ({doc.source_kind}, {doc.pages} pages, doc_id {doc.doc_id})")
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
                          f"{escape(f.message)}")
    if written:
        folder = escape(str(next(iter(written.values())).parent))
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


def _checks_json(result) -> str:
    return json.dumps([c.as_json() for c in result.checks], ensure_ascii=False, indent=1)


@app.command()
def extract(
    file: Path = typer.Argument(..., help="A budget document: raw text (.txt, UTF-8 or GBK) or a PDF."),
    out: Path = typer.Option(Path("out"), "-o", "--out", help="Folder for the Parquet files (created if missing)."),
    report: bool = typer.Option(False, "--report", help="Print every identity checked, with pass/fail."),
    json_report: bool = typer.Option(False, "--json", help="Print the checks as JSON instead of the summary."),
    password: Optional[str] = typer.Option(None, "--password", help="Password of an encrypted PDF."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and check, but write no files."),
    engine: str = typer.Option(DEFAULT_ENGINE, "--engine",
                               help="PDF reader: pdfium (fast) or pdfplumber (reference); both give the same records."),
) -> None:
    """Extract one document into OUT/: one Parquet file per record kind (documents, budget_lines,
    summary_lines, findings, projects, project_items, indicators, prose_figures).

    Exit code 0: read, every identity holds. 1: error findings (records are still written).
    2: the file could not be read at all.
    """
    if engine not in PDF_ENGINES:
        _fail(f"--engine must be one of {', '.join(PDF_ENGINES)}, not {engine!r}")
    from .errors import UnreadableDocument
    from .pipeline import extract_document
    from .writer import write_parquet

    try:
        result = extract_document(file, password=password, engine=engine)
    except UnreadableDocument as exc:
        # Plain write: one line whatever the terminal width, file names never read as markup.
        sys.stderr.write(f"yusuan: error: {exc}\n")
        raise typer.Exit(EXIT_UNREADABLE)
    try:
        written = None if dry_run else write_parquet(result.records, out)
    except OSError as exc:
        sys.stderr.write(f"yusuan: error: {out}: cannot write ({exc.strerror or exc})\n")
        raise typer.Exit(EXIT_UNREADABLE)
    except ValueError as exc:  # pyarrow.ArrowInvalid: a value the schema cannot hold exactly
        sys.stderr.write(f"yusuan: error: {file}: a value cannot be stored exactly ({str(exc).splitlines()[0]})\n")
        raise typer.Exit(EXIT_UNREADABLE)
    if json_report:
        sys.stdout.write(_checks_json(result) + "\n")
    else:
        _summary(result, written)
        if report:
            _report(result)
    raise typer.Exit(EXIT_FINDINGS if result.exit_code else EXIT_OK)


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
) -> None:
    """Convert every document below INPUTS into one Parquet dataset in OUT/.

    OUT/<record kind>/fiscal_year=YYYY/part-<doc_id>.parquet, OUT/manifest.parquet (one row per
    input: ok | findings | failed | skipped) and OUT/datapackage.json. Files already done with the
    same bytes and yusuan version are skipped; failed ones are retried. Exit code 1 when any file
    failed.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from .batch import default_workers, require_dask, run_batch

    if engine not in ("local", "dask"):
        _fail(f"--engine must be local or dask, not {engine!r}")
    if engine == "dask":
        try:
            require_dask()
        except ImportError as exc:
            _fail(str(exc))
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        sys.stderr.write(f"yusuan: error: {missing[0]}: no such file or folder\n")
        raise typer.Exit(EXIT_UNREADABLE)
    state = {"pages": 0, "failed": 0, "started": 0.0, "task": None}
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("failed {task.fields[failed]}"), TextColumn("{task.fields[rate]} pages/s"),
                        TimeRemainingColumn(), console=console, transient=False)

    def on_plan(plan) -> None:
        import time

        state["started"] = time.perf_counter()
        console.print(f"{len(plan.tasks)} to extract, {plan.already_done} already done, "
                      f"{plan.duplicates} duplicates")
        state["task"] = progress.add_task("extracting", total=len(plan.tasks), failed=0, rate="0.0")

    def on_done(entry) -> None:
        import time

        state["pages"] += entry.pages or 0
        state["failed"] += entry.status == "failed"
        rate = state["pages"] / max(time.perf_counter() - state["started"], 1e-9)
        progress.update(state["task"], advance=1, failed=state["failed"], rate=f"{rate:.1f}")
        if entry.status == "failed":
            progress.console.print(f"  [red]failed[/] {escape(entry.path)}: {escape(entry.error or '')}")

    try:
        with progress:
            result = run_batch(inputs, out, workers=workers or default_workers(), engine=engine, scheduler=scheduler,
                               timeout=timeout, memory_mb=memory_mb or None, on_plan=on_plan, on_done=on_done)
    except OSError as exc:
        _fail(f"{exc.filename or out}: {exc.strerror or exc}")
    tab = Table(title=f"batch into {escape(str(out))}", box=None, header_style="bold")
    for col in ("status", "files"):
        tab.add_column(col)
    for status in ("ok", "findings", "failed", "skipped"):
        tab.add_row(status, str(result.count(status)))
    console.print(tab)
    console.print(f"  {state['pages']} pages in {result.seconds:.1f} s; manifest {escape(str(out))}/manifest.parquet")
    raise typer.Exit(result.exit_code)


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
        _fail(f"--format must be table, csv, json or parquet, not {fmt!r}")
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
            _fail("--format parquet needs -o FILE")
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
        _fail(f"--format must be csv or xlsx, not {fmt!r}")
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
