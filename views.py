"""Views over a whole dataset, built after its documents: `execution` (budget vs 决算 per
code of a body) and `codes` (every code with every name printed for it).

    execution   a body's final accounts against its budget, per code: from the 决算's own
                per-项 年初预算/支出决算 sentences (source final_prose), and from pairing the
                body's budget and 决算 documents of the same year and scope (source paired)
    codes       a code, its level, every name printed for it, the documents and years; a
                code printed with different names is flagged

`build_views` writes them as `<view>.parquet` at the dataset's top (batch does, after its
documents); `query.connect` reads those files, or computes the views in memory over a
folder that has none (an `extract` output folder). Both views are pure functions of the
record views (`compute_views`). The pairing rules are data: domain/execution.toml.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path

import pyarrow as pa

from . import domain
from .normalize.text import compact
from .schemas.arrow import fits, to_table
from .schemas.records import CodeRecord, ExecutionRecord
from .writer import write_atomic

_RAW = tomllib.loads(resources.files(domain).joinpath("execution.toml").read_text("utf-8"))
_DROP = tuple(re.compile(p) for p in _RAW["body"]["drop"])
PAIRS = tuple((p["budget"]["table"], p["budget"]["column"], p["final"]["table"], p["final"]["column"])
              for p in _RAW["pair"])
RATE_STEP = Decimal("0.01")


def view_path(root: str | Path, name: str) -> Path:
    """Where a view is stored in a dataset: `<root>/<name>.parquet`."""
    return Path(root) / f"{name}.parquet"


def body_key(name: str | None) -> str:
    """A body's name normalised to pair its documents: compacted (spaces gone, bracket
    widths folded), bracketed qualifiers and the city before a district dropped."""
    key = compact(name or "")
    for pattern in _DROP:
        key = pattern.sub("", key)
    return key


def rate(final: Decimal, budget: Decimal) -> Decimal | None:
    """final / budget × 100 to 0.01, half up (None when nothing was budgeted)."""
    if budget == 0:
        return None
    value = (final / budget * 100).quantize(RATE_STEP, rounding=ROUND_HALF_UP)
    return value if fits(value, 4) else None


def _level(code: str | None) -> int | None:
    """类 3 digits, 款 5, 项 7 (the national classification's lengths)."""
    return {3: 1, 5: 2, 7: 3}.get(len(code)) if code else None


def _rows(con, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def compute_execution(con) -> list[ExecutionRecord]:
    """Given a connection with the record views (query.connect), return the execution rows:
    every 决算 sentence with its 年初预算 and 支出决算 (final_prose), then every code both a
    body's budget and its 决算 of the same year and scope print (paired)."""
    docs = _rows(con, "SELECT doc_id, doc_type, department, scope, fiscal_year FROM documents")
    finals = [d for d in docs if d["doc_type"] == "final_accounts"]
    budgets = [d for d in docs if d["doc_type"] == "department_budget"]
    out: list[ExecutionRecord] = []
    if not finals:
        return out
    figures = _rows(con, "SELECT doc_id, page, label, code, budget_amount, final_amount, rate FROM prose_figures "
                         "WHERE budget_amount IS NOT NULL ORDER BY doc_id, page")
    by_doc = {d["doc_id"]: d for d in finals}
    for f in figures:
        doc = by_doc.get(f["doc_id"])
        if doc is None:
            continue  # a budget's prose printing 年初预算 figures: no 决算 to speak of
        out.append(ExecutionRecord(
            body=doc["department"] or "", body_key=body_key(doc["department"]), scope=doc["scope"],
            fiscal_year=doc["fiscal_year"], code=f["code"], level=_level(f["code"]), name=f["label"],
            budget_amount=f["budget_amount"], final_amount=f["final_amount"],
            rate=rate(f["final_amount"], f["budget_amount"]), printed_rate=f["rate"], source="final_prose",
            table=None, final_doc_id=doc["doc_id"], budget_doc_id=None, page=f["page"]))
    # Budgets by (body, year, scope), keyed once each: a batch of thousands of documents
    # pairs in time linear in its documents, not in finals × budgets.
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for budget in budgets:
        by_key[(body_key(budget["department"]), budget["fiscal_year"], budget["scope"])].append(budget)
    for final in finals:
        key = (body_key(final["department"]), final["fiscal_year"], final["scope"])
        if not key[0]:
            continue
        for budget in by_key.get(key, ()):
            out += _paired(con, final, budget)
    return out


def _cells(con, doc_id: str, table: str, column: str) -> dict[str | None, dict]:
    rows = _rows(con, 'SELECT code, level, name, amount, page FROM budget_lines WHERE doc_id = ? '
                      'AND "table" = ? AND "column" = ?', [doc_id, table, column])
    return {r["code"]: r for r in rows}


def _paired(con, final: dict, budget: dict) -> list[ExecutionRecord]:
    """Every code (and the total) both documents print in a paired table and column."""
    out = []
    for b_table, b_column, f_table, f_column in PAIRS:
        planned = _cells(con, budget["doc_id"], b_table, b_column)
        spent = _cells(con, final["doc_id"], f_table, f_column)
        for code in sorted(set(planned) & set(spent), key=lambda c: c or ""):
            b, f = planned[code], spent[code]
            out.append(ExecutionRecord(
                body=final["department"] or "", body_key=body_key(final["department"]), scope=final["scope"],
                fiscal_year=final["fiscal_year"], code=code, level=f["level"], name=f["name"],
                budget_amount=b["amount"], final_amount=f["amount"], rate=rate(f["amount"], b["amount"]),
                printed_rate=None, source="paired", table=f_table, final_doc_id=final["doc_id"],
                budget_doc_id=budget["doc_id"], page=f["page"]))
    return out


def compute_codes(con) -> list[CodeRecord]:
    """Given a connection with the record views, return one row per code the budget lines
    print: its names (compared compacted: spaces and bracket widths do not count; the most
    printed first), documents, years and tables, flagged when documents print it with
    different names."""
    rows = _rows(con, "SELECT DISTINCT code, level, name, doc_id, fiscal_year, \"table\" FROM budget_lines "
                      "WHERE code IS NOT NULL ORDER BY code, doc_id")
    grouped: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        grouped[r["code"]].append(r)
    out = []
    for code, group in sorted(grouped.items()):
        spelled: dict[str, str] = {}
        docs_by_name: dict[str, set[str]] = defaultdict(set)
        for r in group:
            key = compact(r["name"])
            spelled.setdefault(key, r["name"])
            docs_by_name[key].add(r["doc_id"])
        order = sorted(docs_by_name, key=lambda k: (-len(docs_by_name[k]), k))
        flagged = len(order) > 1
        message = None
        if flagged:
            message = f"{code} is printed as " + "; ".join(
                f"{spelled[k]} in {len(docs_by_name[k])} document(s)"
                + (f" ({', '.join(sorted(docs_by_name[k]))})" if len(docs_by_name[k]) <= 3 else "")
                for k in order)
        level = Counter(r["level"] for r in group).most_common(1)[0][0]
        out.append(CodeRecord(
            code=code, level=level, names=[spelled[k] for k in order],
            documents=sorted({r["doc_id"] for r in group}),
            years=sorted({r["fiscal_year"] for r in group if r["fiscal_year"] is not None}),
            tables=sorted({r["table"] for r in group}), flagged=flagged, message=message))
    return out


def compute_views(con) -> dict[str, pa.Table]:
    """Given a connection with the record views, return every view as an Arrow table."""
    return {"execution": to_table(ExecutionRecord, compute_execution(con)),
            "codes": to_table(CodeRecord, compute_codes(con))}


def build_views(root: str | Path) -> list[Path]:
    """Compute the views over the dataset at `root` (its records, never older view files)
    and write each as `<root>/<view>.parquet`, atomically; then describe them in its
    datapackage.json. Return the files written."""
    from .dataset import write_datapackage
    from .query import connect

    con = connect(root, views=False)
    try:
        tables = compute_views(con)
    finally:
        con.close()
    written = [write_atomic(table, view_path(root, name)) for name, table in tables.items()]
    write_datapackage(Path(root))
    return written
