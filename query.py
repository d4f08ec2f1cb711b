"""Reading a batch dataset back: DuckDB views named after the record kinds, and export
to one sheet (xlsx) or one file (csv) per record kind."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from .dataset import MANIFEST, PARTITION, part_schema
from .schemas.records import RECORD_KINDS


def connect(root: str | Path):
    """Given a dataset folder, return a DuckDB connection with one view per record kind
    (documents, budget_lines, summary_lines, findings …) and `manifest`."""
    import duckdb

    root = Path(root)
    con = duckdb.connect()
    for kind in RECORD_KINDS:
        parts = list((root / kind).rglob("part-*.parquet")) if (root / kind).exists() else []
        if parts:
            # Escape glob characters of the folder name itself ([, ], *, ?).
            base = re.sub(r"([\[\]*?])", r"[\1]", str(root / kind))
            glob = (base + "/**/part-*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet('{glob}', "
                        f"hive_partitioning = true, union_by_name = true)")
        else:
            empty = part_schema(kind).empty_table().append_column(PARTITION, pa.array([], pa.int64()))
            con.register(f"_empty_{kind}", empty)
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM _empty_{kind}")
    if (root / MANIFEST).exists():
        path = str(root / MANIFEST).replace("'", "''")
        con.execute(f"CREATE VIEW manifest AS SELECT * FROM read_parquet('{path}')")
    return con


def _arrow(con, sql: str) -> pa.Table:
    rel = con.sql(sql)
    if rel is None:  # a statement without a result (CREATE …)
        return pa.table({})
    # DuckDB 2 names it to_arrow_table(); DuckDB 1 arrow().
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    table = fetch()
    return table.read_all() if isinstance(table, pa.RecordBatchReader) else table


def run_query(root: str | Path, sql: str) -> pa.Table:
    """Run SQL over the dataset's views; return the result as an Arrow table."""
    return _arrow(connect(root), sql)


def export(root: str | Path, fmt: str, out: str | Path) -> list[Path]:
    """Write every record kind (and the manifest) as CSV files (UTF-8 with BOM, so Excel
    reads the Chinese text) into folder `out`, or as sheets of one xlsx workbook `out`."""
    con = connect(root)
    kinds = list(RECORD_KINDS) + (["manifest"] if (Path(root) / MANIFEST).exists() else [])
    frames = {k: _arrow(con, f"SELECT * FROM {k}").to_pandas() for k in kinds}
    out = Path(out)
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for kind, frame in frames.items():
            target = out / f"{kind}.csv"
            frame.to_csv(target, index=False, encoding="utf-8-sig")
            written.append(target)
        return written
    if fmt == "xlsx":
        import os

        import pandas as pd
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for kind, frame in frames.items():
                    for col in frame.columns:
                        if hasattr(frame[col], "dt") and getattr(frame[col].dt, "tz", None) is not None:
                            frame[col] = frame[col].dt.tz_localize(None)  # Excel has no time zones
                        elif frame[col].dtype == object:
                            # Control characters cannot be stored in a worksheet: shown as U+FFFD.
                            frame[col] = frame[col].map(
                                lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
                    frame.to_excel(writer, sheet_name=kind[:31], index=False)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
        return [out]
    raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
