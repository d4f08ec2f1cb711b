"""One static HTML page over a dataset or an `extract` output folder: its documents, the
quality of their tables, and the findings grouped by severity, each page a finding names
drawn with the cells read on it (pictures.py), embedded as PNG data URIs.

    build_report(folder) -> str    the page (pure but for reading the folder and the PDFs)
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from types import SimpleNamespace

from .pictures import cell_frames, draw_page, png_bytes
from .query import connect

SEVERITIES = ("error", "warning", "info")
PICTURE_SCALE = 1.2


def _rows(con, sql: str, params: list | None = None) -> list[SimpleNamespace]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [SimpleNamespace(**dict(zip(names, row))) for row in cur.fetchall()]


def _table(rows: list[SimpleNamespace], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if getattr(r, c, None) is None else str(getattr(r, c)))}</td>"
                                    for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _picture(con, doc, page: int) -> str:
    """The page drawn with its read cells as an <img>, or '' when its PDF is not at hand."""
    source = Path(doc.source)
    if doc.source_kind != "pdf" or not source.is_file():
        return ""
    records = {kind: _rows(con, f"SELECT * FROM {kind} WHERE doc_id = ? AND page = ?", [doc.doc_id, page])
               for kind in ("budget_lines", "summary_lines", "findings")}
    try:
        image = draw_page(source, page, cell_frames(records, page), scale=PICTURE_SCALE)
    except Exception as exc:  # a PDF that no longer reads: the report says so instead of a picture
        return f"<p class=note>page {page} could not be drawn ({html.escape(type(exc).__name__)})</p>"
    data = base64.b64encode(png_bytes(image)).decode("ascii")
    return f'<img alt="page {page}" src="data:image/png;base64,{data}">'


def build_report(folder: str | Path) -> str:
    """Given a dataset (or `extract`) folder, return one static HTML page: documents, table
    quality (when the `tables` records exist), findings by severity with the picture of
    each page an error or warning names (PDFs read from their recorded source path)."""
    con = connect(folder)
    try:
        docs = _rows(con, "SELECT * FROM documents ORDER BY source")
        parts = ["<!doctype html><html lang=zh><meta charset=utf-8><title>yusuan report</title>",
                 "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
                 "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}img{max-width:100%;border:1px solid #999}"
                 ".error{color:#b91c1c}.warning{color:#b45309}.info{color:#555}</style>",
                 f"<h1>yusuan report: {html.escape(str(folder))}</h1>",
                 "<p>Frames: blue read by layout, green decided by the identities, orange by position, "
                 "red the cells of an identity that failed or missed by its rounding.</p>",
                 "<h2>Documents</h2>",
                 _table(docs, ["doc_id", "source", "doc_type", "department", "scope", "fiscal_year", "pages"])]
        tables = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tables'").fetchone()[0]
        if tables:
            quality = _rows(con, "SELECT * FROM tables ORDER BY doc_id")
            if quality:
                parts += ["<h2>Tables</h2>", _table(quality, list(vars(quality[0])))]
        by_id = {d.doc_id: d for d in docs}
        for severity in SEVERITIES:
            findings = _rows(con, "SELECT * FROM findings WHERE severity = ? ORDER BY doc_id, page, rule", [severity])
            parts.append(f"<h2 class={severity}>{severity}: {len(findings)}</h2>")
            drawn: set[tuple[str, int]] = set()
            for f in findings:
                doc = by_id.get(f.doc_id)
                where = f"{doc.source if doc else f.doc_id} p.{f.page}" if f.page else (doc.source if doc else f.doc_id)
                parts.append(f"<h3 class={severity}>{html.escape(f.rule)} · {html.escape(str(where))}</h3>"
                             f"<p>{html.escape(f.message)}</p>")
                if severity != "info" and doc and f.page and (f.doc_id, f.page) not in drawn:
                    drawn.add((f.doc_id, f.page))
                    parts.append(_picture(con, doc, f.page))
        parts.append("</html>")
        return "\n".join(parts)
    finally:
        con.close()
