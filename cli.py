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
from .errors import UnreadableDocument
from .pipeline import Result, extract_document
from .writer import write_parquet

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


def _summary(result: Result, written: dict[str, Path] | None) -> None:
    doc = result.document
    console.print(f"[bold]{escape(doc.source)}[/bold]  ({doc.source_kind}, {doc.pages} pages, doc_id {doc.doc_id})")
    console.print(f"  {doc.doc_type} · {escape(doc.department or 'department unknown')} · "
                  f"fiscal year {doc.fiscal_year or 'unknown'}")
    tab = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("table", "title", "pages", "rows", "cells"):
        tab.add_column(col)
    for t in result.tables:
        tab.add_row(t.key, escape(t.title), ",".join(map(str, t.pages)), str(t.rows), str(t.cells))
    console.print(tab)
    findings = result.records["findings"]
    by_sev = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    checks = result.checks
    passed = sum(c.status == "pass" for c in checks)
    console.print(f"  identities: {passed} passed, {sum(c.status == 'fail' for c in checks)} failed, "
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


def _report(result: Result) -> None:
    tab = Table(title="identities checked", show_header=True, header_style="bold", box=None)
    for col in ("status", "rule", "table", "code", "column", "printed", "expected", "identity"):
        tab.add_column(col)
    colour = {"pass": "green", "fail": "red", "rounding": "yellow", "not_checked": "cyan"}
    for c in result.checks:
        tab.add_row(f"[{colour[c.status]}]{c.status}[/]", c.rule, c.table or "", c.code or "", c.column or "",
                    "" if c.actual is None else f"{c.actual:,}", "" if c.expected is None else f"{c.expected:,}",
                    escape(c.label))
    console.print(tab)


def _checks_json(result: Result) -> str:
    return json.dumps([c.model_dump(mode="json") for c in result.checks], ensure_ascii=False, indent=1)


@app.command()
def extract(
    file: Path = typer.Argument(..., help="A budget document: raw text (.txt, UTF-8 or GBK) or a PDF."),
    out: Path = typer.Option(Path("out"), "-o", "--out", help="Folder for the Parquet files (created if missing)."),
    report: bool = typer.Option(False, "--report", help="Print every identity checked, with pass/fail."),
    json_report: bool = typer.Option(False, "--json", help="Print the checks as JSON instead of the summary."),
    password: Optional[str] = typer.Option(None, "--password", help="Password of an encrypted PDF."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and check, but write no files."),
) -> None:
    """Extract one document into OUT/: documents, budget_lines, summary_lines, findings (.parquet).

    Exit code 0: read, every identity holds. 1: error findings (records are still written).
    2: the file could not be read at all.
    """
    try:
        result = extract_document(file, password=password)
    except UnreadableDocument as exc:
        # Plain write: one line whatever the terminal width, file names never read as markup.
        sys.stderr.write(f"yusuan: error: {exc}\n")
        raise typer.Exit(EXIT_UNREADABLE)
    written = None if dry_run else write_parquet(result.records, out)
    if json_report:
        sys.stdout.write(_checks_json(result) + "\n")
    else:
        _summary(result, written)
        if report:
            _report(result)
    raise typer.Exit(EXIT_FINDINGS if result.exit_code else EXIT_OK)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
