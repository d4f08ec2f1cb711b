"""Reading a batch dataset (or one `extract` output folder) back: read-only DuckDB views
named after the record kinds, and export to one sheet (xlsx) or one file (csv) per record
kind in which text can never become a formula.

The SQL of `query` runs sandboxed: one SELECT statement (WITH …, FROM-first, DESCRIBE and
SUMMARIZE are SELECTs too), DuckDB reading only files below the dataset folder
(`enable_external_access = false`, `allowed_directories`), no extensions installed or
loaded, and the configuration locked so the SQL cannot undo any of it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO, Iterable

import pyarrow as pa

from .dataset import JOURNAL, MANIFEST, PARTITION, part_schema
from .schemas.arrow import arrow_schema
from .schemas.records import RECORD_KINDS, VIEW_KINDS
from .writer import TMP_SUFFIX, _umask

XLSX_MAX_ROWS = 1_048_576  # rows of a worksheet, the header row included
XLSX_MAX_CELL = 32_767  # characters of one cell
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP, CSV injection)."""


class QueryRefused(ValueError):
    """SQL that `query` does not run: anything but one read-only SELECT statement."""


class ExportTooLarge(ValueError):
    """A value or a sheet that an xlsx workbook cannot hold."""


def folder_kind(root: str | Path) -> str | None:
    """`dataset` (written by `yusuan batch`), `extract` (written by `yusuan extract`), or
    None when the folder holds neither."""
    root = Path(root)
    if (root / MANIFEST).is_file() or (root / JOURNAL).is_file() or (root / "documents").is_dir():
        return "dataset"
    if (root / "documents.parquet").is_file():
        return "extract"
    return None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _glob_escaped(path: str) -> str:
    """A path with DuckDB's glob characters ([, ], *, ?) escaped, so it matches only itself."""
    return re.sub(r"([\[\]*?])", r"[\1]", path)


def _sandbox(con, root: Path) -> None:
    """Let DuckDB open files below `root` only, never install or load extensions, and lock
    the configuration. No spilling to a temporary folder (it would be readable too)."""
    folder = str(root)
    allowed = ", ".join(_literal(p) for p in dict.fromkeys([folder, _glob_escaped(folder)]))
    for setting in ("temp_directory = ''", f"allowed_directories = [{allowed}]", "enable_external_access = false",
                    "autoinstall_known_extensions = false", "autoload_known_extensions = false",
                    "lock_configuration = true"):
        con.execute(f"SET {setting}")


def connect(root: str | Path, views: bool = True):
    """Given a dataset folder (or an `extract` output folder), return a read-only DuckDB
    connection with one view per record kind (documents, budget_lines, summary_lines,
    findings …), for a dataset `manifest`, and with `views` the dataset views `execution`
    and `codes` (views.py: read from the files `batch` wrote, else computed in memory).
    Every record view has the partition column `fiscal_year` last, as `pyarrow.dataset`
    and Spark read the dataset."""
    import duckdb

    root = Path(root).absolute()
    con = duckdb.connect()
    _sandbox(con, root)
    extract_folder = folder_kind(root) == "extract"
    for kind in RECORD_KINDS:
        if extract_folder and (root / f"{kind}.parquet").is_file():
            path = _literal(_glob_escaped(str(root / f"{kind}.parquet")))
            if PARTITION in arrow_schema(RECORD_KINDS[kind]).names:
                con.execute(f"CREATE VIEW {kind} AS SELECT * EXCLUDE ({PARTITION}), "
                            f"CAST({PARTITION} AS BIGINT) AS {PARTITION} FROM read_parquet({path})")
            else:  # one document per folder: its year is the documents row's
                docs = _literal(_glob_escaped(str(root / "documents.parquet")))
                con.execute(f"CREATE VIEW {kind} AS SELECT k.*, CAST(d.{PARTITION} AS BIGINT) AS {PARTITION} "
                            f"FROM read_parquet({path}) k LEFT JOIN (SELECT doc_id, {PARTITION} "
                            f"FROM read_parquet({docs})) d USING (doc_id)")
            continue
        parts = list((root / kind).rglob("part-*.parquet")) if (root / kind).is_dir() else []
        if parts and not extract_folder:
            glob = _literal(_glob_escaped(str(root / kind)) + "/**/part-*.parquet")
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet({glob}, "
                        f"hive_partitioning = true, union_by_name = true)")
        else:
            empty = part_schema(kind).empty_table().append_column(PARTITION, pa.array([], pa.int64()))
            con.register(f"_empty_{kind}", empty)
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM _empty_{kind}")
    if (root / MANIFEST).is_file():
        con.execute(f"CREATE VIEW manifest AS SELECT * FROM read_parquet({_literal(_glob_escaped(str(root / MANIFEST)))})")
    if views:
        _add_views(con, root)
    return con


def _add_views(con, root: Path) -> None:
    """The dataset views: their files where `batch` wrote them, else computed now."""
    from .views import compute_views, view_path

    computed = None
    for name in VIEW_KINDS:
        path = view_path(root, name)
        if path.is_file() and folder_kind(root) == "dataset":
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_literal(_glob_escaped(str(path)))})")
            continue
        computed = computed or compute_views(con)
        con.register(f"_view_{name}", computed[name])
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM _view_{name}")


def check_read_only(con, sql: str) -> None:
    """Raise QueryRefused unless `sql` is exactly one SELECT statement."""
    import duckdb

    statements = con.extract_statements(sql)  # a syntax error raises duckdb.ParserException
    if len(statements) != 1:
        raise QueryRefused(f"one SELECT statement, not {len(statements)} statements")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        word = (statement.query.split() or [statement.type.name])[0].upper()[:20]
        raise QueryRefused(f"only SELECT (or WITH … SELECT) is run, not {word}: the dataset is read-only")


def _arrow(con, sql: str) -> pa.Table:
    rel = con.sql(sql)
    if rel is None:  # a statement without a result
        return pa.table({})
    # DuckDB 2 names it to_arrow_table(); DuckDB 1 arrow().
    fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
    table = fetch()
    return table.read_all() if isinstance(table, pa.RecordBatchReader) else table


def run_query(root: str | Path, sql: str) -> pa.Table:
    """Run one SELECT over the dataset's views; return the result as an Arrow table.
    Raises QueryRefused for any other statement, duckdb.Error for SQL that fails (reading
    a file outside the dataset is a duckdb.PermissionException)."""
    con = connect(root)
    try:
        check_read_only(con, sql)
        return _arrow(con, sql)
    finally:
        # Closed at once: a connection left to the garbage collector (an exception's frames
        # hold it) could be collected in a forked batch worker, where DuckDB's threads are gone.
        con.close()


# --- export -------------------------------------------------------------------------------

def _is_text(typ: pa.DataType) -> bool:
    return (pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_list(typ)
            or pa.types.is_large_list(typ) or (pa.types.is_dictionary(typ) and _is_text(typ.value_type)))


def neutralise(text: str) -> str:
    """A text cell a spreadsheet cannot read as a formula: one starting with = + - @, a tab
    or a carriage return gets a leading single quote (OWASP's advice on CSV injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


SPREADSHEET_NUMBER = re.compile(
    r"^\s*[(（]?[-+]?(?:[\d,，]*\.?\d+(?:[eE][-+]?\d+)?|\d[\d,，]*\.)%?[)）]?\s*$"
    r"|^\s*\d{1,4}\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,4}\s*日?)?\s*$")
"""Text Excel and LibreOffice turn into a number or a date when they open a CSV: a printed
amount (`2,570,219`, `(1,234)`, `12.5%`), a code (`2010601`), `2024-01`."""


def as_csv_text(text: str) -> str:
    """A text value for a CSV a spreadsheet opens: neutralised (no formula), and text it
    would turn into a number or a date (`raw` = `2,570,219`, a code `2010601` that would
    lose nothing but its type, `01` its zero) gets the same leading single quote, which
    marks a cell as text without a formula."""
    text = neutralise(text)
    return "'" + text if SPREADSHEET_NUMBER.match(text) else text


def _plain(value) -> object:
    """An Arrow value as CSV/xlsx shows it: Decimals without exponent, lists as JSON."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False, default=str)
    return value


def _columns(table: pa.Table) -> Iterable[tuple[str, bool, list]]:
    for name, column in zip(table.column_names, table.columns):
        yield name, _is_text(column.type), column.to_pylist()


def write_csv(table: pa.Table, fh: IO[str]) -> None:
    """Write an Arrow table as CSV: amounts as plain decimals, integers as integers (a page
    is `21`, never `21.0`), nulls empty, every text value neutralised (`=100%` → `'=100%`)
    and kept as text (`2,570,219` → `'2,570,219`); numbers, negative ones too, stay numbers."""
    # CRLF rows (RFC 4180): a field holding \r or \n is then always quoted.
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow(table.column_names)
    cells = []
    for _, text, values in _columns(table):
        if text:
            cells.append(["" if v is None else as_csv_text(v if isinstance(v, str) else _plain(v)) for v in values])
        else:
            cells.append(["" if v is None else str(_plain(v)) for v in values])
    writer.writerows(zip(*cells))


def _atomic_open(target: Path, mode: str = "w", **kwargs) -> tuple[Path, IO]:
    """A hidden temporary file beside `target` (renamed into place by the caller)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    try:
        return Path(tmp), os.fdopen(fd, mode, **kwargs)
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise


def save_csv(table: pa.Table, target: Path) -> Path:
    """Write a CSV file (UTF-8 with BOM, so Excel reads the Chinese) atomically."""
    tmp, fh = _atomic_open(target, encoding="utf-8-sig", newline="")
    try:
        with fh:
            write_csv(table, fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


LIST_SEPARATOR = "；"
"""How xlsx cells show a list (basis_docs, a view's names): its items joined with a full-width semicolon."""
AMOUNT_FORMATS = {2: "#,##0.00", 4: "#,##0.0000", 6: "#,##0.000000"}


def labels(kind: str) -> dict[str, tuple[str, str]]:
    """Column → (Chinese label, description) of a record kind, view or the manifest, from
    the field catalogue (the Arrow field metadata); the partition column is 年度."""
    from .dataset import part_schema as _part
    from .schemas.records import ManifestEntry

    if kind in RECORD_KINDS:
        schema = _part(kind)
    elif kind in VIEW_KINDS:
        schema = arrow_schema(VIEW_KINDS[kind])
    elif kind == "manifest":
        schema = arrow_schema(ManifestEntry)
    else:
        return {}
    out = {}
    for f in schema:
        meta = {k.decode(): v.decode() for k, v in (f.metadata or {}).items()}
        out[f.name] = (meta.get("zh") or f.name, meta.get("description", ""))
    out.setdefault(PARTITION, ("年度", "budget year, from the partition folder"))
    return out


def _width(value) -> float:
    """Characters a cell shows, a CJK character counted twice."""
    text = value if isinstance(value, str) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _xlsx_rows(sheet, table: pa.Table, kind: str = ""):
    """The sheet's rows: the Chinese labels, the English names, then the values. Text is
    string cells (never formulas), lists joined with `；`, amounts numbers with thousands
    separators; returns (rows, widths) for the caller to size the columns first."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)

    def text_cell(value: str, font=None):
        # Control characters cannot be stored in a worksheet: shown as U+FFFD.
        cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"  # a string cell, whatever it starts with: never a formula
        cell.number_format = "@"  # and stays text when edited
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited, too
        if font is not None:
            cell.font = font
        return cell

    names = labels(kind)
    header_zh = [names.get(n, (n, ""))[0] for n in table.column_names]
    rows = [[text_cell(h, bold) for h in header_zh], [text_cell(n) for n in table.column_names]]
    widths = [max(_width(a), _width(b)) for a, b in zip(header_zh, table.column_names)]
    columns = []
    for i, (name, text, values) in enumerate(_columns(table)):
        typ = table.schema.field(i).type
        fmt = AMOUNT_FORMATS.get(typ.scale, "#,##0." + "0" * typ.scale) if pa.types.is_decimal(typ) else None
        out = []
        for v in values:
            if v is None:
                out.append(None)
                continue
            if isinstance(v, (list, tuple)):
                shown = LIST_SEPARATOR.join("" if x is None else str(x) for x in v)
                out.append(text_cell(shown))
            elif text:
                shown = v if isinstance(v, str) else str(_plain(v))
                out.append(text_cell(shown))
            elif isinstance(v, datetime) and v.tzinfo is not None:
                shown = v.astimezone(timezone.utc).replace(tzinfo=None)  # Excel has no time zones
                out.append(shown)
            elif isinstance(v, Decimal):
                cell = WriteOnlyCell(sheet, v)
                cell.number_format = fmt or "#,##0.00"
                shown = f"{v:,}"
                out.append(cell)
            elif isinstance(v, (bool, int, float, date)):
                shown = v
                out.append(v)
            else:
                shown = str(v)
                out.append(text_cell(shown))
            widths[i] = max(widths[i], _width(shown))
        columns.append(out)
    rows += [list(row) for row in zip(*columns)]
    return rows, widths


def _check_xlsx_limits(tables: dict[str, pa.Table]) -> None:
    """Raise ExportTooLarge for a sheet over Excel's rows or a text over its cell size."""
    import pyarrow.compute as pc

    for kind, table in tables.items():
        if table.num_rows + 1 > XLSX_MAX_ROWS:
            raise ExportTooLarge(f"{kind}: {table.num_rows:,} rows do not fit an xlsx sheet "
                                 f"({XLSX_MAX_ROWS - 1:,} at most); use --format csv")
        for name, column in zip(table.column_names, table.columns):
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                longest = pc.max(pc.utf8_length(column)).as_py() or 0
            elif _is_text(column.type):
                longest = max((len(str(_plain(v))) for v in column.to_pylist() if v is not None), default=0)
            else:
                continue
            if longest > XLSX_MAX_CELL:
                raise ExportTooLarge(f"{kind}.{name}: a value of {longest:,} characters does not fit an xlsx "
                                     f"cell ({XLSX_MAX_CELL:,} at most); use --format csv")


def save_xlsx(tables: dict[str, pa.Table], target: Path) -> Path:
    """Write one sheet per table into one workbook, atomically. Every text is a string
    cell; a sheet over Excel's row limit or a text over its cell limit raises ExportTooLarge
    before anything is written."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    _check_xlsx_limits(tables)
    book = Workbook(write_only=True)
    for kind, table in tables.items():
        sheet = book.create_sheet(kind[:31])
        rows, widths = _xlsx_rows(sheet, table, kind)
        # Sized, frozen and filtered before the first row is written (a write-only sheet).
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 6), 60)
        sheet.freeze_panes = "A3"  # both header rows stay in view
        if table.num_columns:
            sheet.auto_filter.ref = f"A2:{get_column_letter(table.num_columns)}{max(table.num_rows + 2, 2)}"
        for row in rows:
            sheet.append(row)
    _dictionary(book, tables)
    tmp, fh = _atomic_open(target, "wb")
    try:
        with fh:
            book.save(fh)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _dictionary(book, tables: dict[str, pa.Table]) -> None:
    """A last sheet `columns`: every sheet's columns with the Chinese label and description."""
    from openpyxl.cell.cell import WriteOnlyCell

    sheet = book.create_sheet("columns")
    for letter, width in zip("ABCD", (16, 18, 16, 90)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"

    def text(value: str):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell

    sheet.append([text("sheet"), text("column"), text("label"), text("description")])
    for kind, table in tables.items():
        names = labels(kind)
        for name in table.column_names:
            zh, description = names.get(name, (name, ""))
            sheet.append([text(kind[:31]), text(name), text(zh), text(description)])


def export(root: str | Path, fmt: str, out: str | Path) -> list[Path]:
    """Write every record kind (and the manifest) as CSV files (UTF-8 with BOM, so Excel
    reads the Chinese text) into folder `out`, or as sheets of one xlsx workbook `out`.
    Text never becomes a formula: xlsx text cells are string cells, CSV text starting
    with = + - @ (tab, CR) is prefixed with a single quote."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown export format {fmt!r} (csv or xlsx)")
    con = connect(root)
    try:
        kinds = list(RECORD_KINDS) + (["manifest"] if (Path(root) / MANIFEST).is_file() else []) + list(VIEW_KINDS)
        tables = {k: _arrow(con, f"SELECT * FROM {k}") for k in kinds}
    finally:
        con.close()
    out = Path(out)
    if fmt == "csv":
        return [save_csv(table, out / f"{kind}.csv") for kind, table in tables.items()]
    return [save_xlsx(tables, out)]
