"""The batch dataset on disk: Hive-partitioned Parquet parts, the manifest, and the
Frictionless descriptor.

    dataset/<record kind>/fiscal_year=YYYY/part-<doc_id>.parquet
    dataset/manifest.parquet          one row per input file
    dataset/datapackage.json          what every resource and column means
    dataset/_journal.jsonl            manifest rows as files finish (crash-safe; ignored by readers)

    dataset/_batch.lock               held (flock) by the one batch writing the dataset

A document's parts are written as one group (writer.write_group: every part complete
under a hidden temporary name before the first is renamed in, its documents part last),
and its manifest row is journalled only after all its parts are in place: the journal
line is the commit. A batch starts by removing every part whose document has no
committed row, so a run killed between two renames shows that document, after the rerun,
whole or not at all. Readers (pyarrow.dataset, DuckDB, Spark) skip names starting with
`.` or `_`.
"""

from __future__ import annotations

import json
import os
import typing
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .domain import TABLES
from .schemas.arrow import arrow_schema, to_table
from .schemas.records import RECORD_KINDS, VIEW_KINDS, ManifestEntry, Record
from .writer import TMP_SUFFIX, write_atomic, write_group

try:
    import fcntl
except ImportError:  # not POSIX: batches are not locked
    fcntl = None

MANIFEST = "manifest.parquet"
JOURNAL = "_journal.jsonl"
LOCK = "_batch.lock"
DATAPACKAGE = "datapackage.json"
PARTITION = "fiscal_year"
UNKNOWN_YEAR = "__HIVE_DEFAULT_PARTITION__"  # what Hive, Spark and pyarrow read as null


def part_path(root: Path, kind: str, fiscal_year: int | None, doc_id: str) -> Path:
    """Where one document's records of one kind go."""
    year = UNKNOWN_YEAR if fiscal_year is None else str(fiscal_year)
    return root / kind / f"{PARTITION}={year}" / f"part-{doc_id}.parquet"


def part_schema(kind: str) -> pa.Schema:
    """A kind's schema as stored in parts: the partition column lives in the path only."""
    schema = arrow_schema(RECORD_KINDS[kind])
    i = schema.get_field_index(PARTITION)
    return schema if i < 0 else schema.remove(i)


def write_parts(root: Path, records: dict[str, list[Record]], fiscal_year: int | None, doc_id: str) -> list[Path]:
    """Write one document's non-empty record kinds as parts; the documents part always.

    Records that carry their own fiscal_year (documents, projects) go to that year's
    partition, so a form of another year keeps its year; the others go to the document's.
    Every table is converted before any file is written: a value Arrow refuses fails
    the document without leaving parts behind.
    """
    planned: list[tuple[pa.Table, Path]] = []
    for kind, model in RECORD_KINDS.items():
        rows = records.get(kind, [])
        if not rows and kind != "documents":
            continue
        groups: dict[int | None, list[Record]] = {}
        for row in rows:
            groups.setdefault(getattr(row, PARTITION, fiscal_year), []).append(row)
        for year, group in (groups or {fiscal_year: []}).items():
            table = to_table(model, group)
            if PARTITION in table.column_names:
                table = table.drop_columns([PARTITION])
            planned.append((table, part_path(root, kind, year, doc_id)))
    planned.sort(key=lambda pair: pair[1].parts[-3] == "documents")  # its documents row last
    try:
        written = write_group(planned)
    except BaseException:
        remove_parts(root, doc_id)
        raise
    # Kinds or years an earlier extraction of the same bytes wrote and this one did not.
    keep = set(written)
    for part in _parts(root, doc_id):
        if part not in keep:
            part.unlink(missing_ok=True)
    return written


def _parts(root: Path, doc_id: str = "*") -> Iterator[Path]:
    for kind in RECORD_KINDS:
        if (root / kind).is_dir():
            yield from (root / kind).glob(f"{PARTITION}=*/part-{doc_id}.parquet")


def part_doc_id(part: Path) -> str:
    """The doc_id of a part file (`part-<doc_id>.parquet`)."""
    return part.name[len("part-"):-len(".parquet")]


def remove_parts(root: Path, doc_id: str) -> int:
    """Delete every part of one document (a failed, changed or vanished input); return how many."""
    n = 0
    for part in list(_parts(root, doc_id)):
        part.unlink(missing_ok=True)
        n += 1
    return n


def remove_uncommitted(root: Path, committed: Iterable[str]) -> int:
    """Delete every part whose doc_id is not in `committed` (a document some run began to
    write and never journalled: killed between two renames, or interrupted); return how many."""
    keep = set(committed)
    n = 0
    for part in list(_parts(root)):
        if part_doc_id(part) not in keep:
            part.unlink(missing_ok=True)
            n += 1
    return n


def finding_severities(root: Path, doc_ids: Iterable[str]) -> set[str]:
    """The severities of the findings the given documents have in the dataset."""
    found: set[str] = set()
    for doc_id in set(doc_ids):
        for part in (root / "findings").glob(f"{PARTITION}=*/part-{doc_id}.parquet") \
                if (root / "findings").is_dir() else ():
            found.update(pq.read_table(part, columns=["severity"]).column("severity").to_pylist())
    return found


class DatasetLocked(Exception):
    """Another batch holds the dataset's lock; `str()` is a one-line message."""


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the dataset's exclusive lock for the block, or raise DatasetLocked at once.

    An flock on `_batch.lock`: the kernel drops it when its holder dies (kill -9 too), so a
    stale lock never blocks; forked workers share it, so it is held until the last of
    them is gone. The file stays (removing a lock file lets a third process race)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                raise DatasetLocked(f"{root}: another batch is writing into this dataset (pid {holder}); "
                                    f"wait for it to finish") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)


def remove_stale_temporaries(root: Path) -> int:
    """Delete the temporary files a killed run of ours left behind (only names yusuan
    writes: `.part-*.parquet.*.tmp` in partitions, `.manifest.parquet.*.tmp` and
    `.datapackage.json.tmp` at the top); return how many."""
    patterns = [f"{kind}/{PARTITION}=*/.part-*.parquet.*{TMP_SUFFIX}" for kind in RECORD_KINDS]
    patterns += [f".{MANIFEST}.*{TMP_SUFFIX}", f".{DATAPACKAGE}{TMP_SUFFIX}"]
    n = 0
    for pattern in patterns:
        for tmp in root.glob(pattern):
            tmp.unlink(missing_ok=True)
            n += 1
    return n


def journal(root: Path, entry: ManifestEntry) -> None:
    """Append one finished file's manifest row durably (flushed and fsynced)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / JOURNAL, "a", encoding="utf-8") as fh:
        fh.write(entry.model_dump_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def load_manifest(root: Path) -> dict[str, ManifestEntry]:
    """Return the manifest rows by path: manifest.parquet, then the journal (newer wins).

    A line the journal lost to a kill mid-write is ignored: its file is simply done again.
    """
    entries: dict[str, ManifestEntry] = {}
    if (root / MANIFEST).exists():
        for row in pq.read_table(root / MANIFEST).to_pylist():
            entries[row["path"]] = ManifestEntry(**row)
    if (root / JOURNAL).exists():
        for line in (root / JOURNAL).read_text(encoding="utf-8").splitlines():
            try:
                entry = ManifestEntry.model_validate_json(line)
            except ValueError:
                continue
            entries[entry.path] = entry
    return entries


def save_manifest(root: Path, entries: dict[str, ManifestEntry]) -> Path:
    """Write manifest.parquet atomically from all rows, sorted by path; clear the journal."""
    rows = [entries[p] for p in sorted(entries)]
    target = write_atomic(to_table(ManifestEntry, rows), root / MANIFEST)
    (root / JOURNAL).unlink(missing_ok=True)
    return target


def _frictionless_type(typ: pa.DataType) -> str:
    """The Table Schema type of an Arrow type (the one schemas.arrow derived from the models)."""
    if pa.types.is_decimal(typ) or pa.types.is_floating(typ):
        return "number"
    if pa.types.is_integer(typ):
        return "integer"
    if pa.types.is_boolean(typ):
        return "boolean"
    if pa.types.is_timestamp(typ):
        return "datetime"
    if pa.types.is_date(typ):
        return "date"
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return "list"
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return "string"
    return "any"


def _choices(model: type[Record] | None, name: str) -> list[str] | None:
    """The values a Literal field of the model may hold (its enum), else None."""
    info = model.model_fields.get(name) if model is not None else None
    if info is None:
        return None
    annotation = info.annotation
    if typing.get_origin(annotation) is not typing.Literal:  # Optional[Literal[…]]: look inside
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else None
    if typing.get_origin(annotation) is typing.Literal:
        return [str(v) for v in typing.get_args(annotation)]
    return None


def _field(field: pa.Field, model: type[Record] | None = None) -> dict:
    """Given an Arrow field of a record kind's schema (and its model), return its Table
    Schema field: type, title (the Chinese label), description, unit, decimal precision,
    `required` for non-nullable columns and `enum` for the model's Literal fields only
    (a free-text column such as `table` gets no enum a finding could break). Lists are
    `list` fields: Parquet hands them over as lists, not as JSON text."""
    typ = _frictionless_type(field.type)
    meta = {k.decode(): v.decode() for k, v in (field.metadata or {}).items()}
    out = {"name": field.name, "type": typ, "description": meta.get("description", "")}
    if meta.get("zh"):
        out["title"] = meta["zh"]
    if meta.get("unit"):
        out["unit"] = meta["unit"]
    if pa.types.is_decimal(field.type):
        out["decimal"] = {"precision": field.type.precision, "scale": field.type.scale}
    if typ == "list":
        # Table Schema's `list` is the right type, but frictionless-py reads Parquet through
        # pandas, which hands lists over as numpy arrays its list and array fields refuse:
        # the type is kept under yusuan:type and the field validates as `any`.
        out.update({"type": "any", "yusuan:type": "list", "yusuan:itemType": _frictionless_type(field.type.value_type)})
    if typ == "integer" and field.nullable:
        # pandas reads a null of an integer column as NaN (a float): that is the null.
        out["missingValues"] = ["nan"]
    constraints = {}
    if not field.nullable:
        constraints["required"] = True
    enum = _choices(model, field.name)
    if enum:
        constraints["enum"] = enum
    if constraints:
        out["constraints"] = constraints
    return out


def _resource(name: str, model: type[Record], schema: pa.Schema, paths: list[str], description: str) -> dict:
    """One tabular resource: its Parquet files (every part), or, when none exists, the
    header alone as inline data, so an empty resource is still listed and valid."""
    fields = [_field(f, model) for f in schema]
    out: dict = {"name": name, "profile": "tabular-data-resource", "description": description}
    if paths:
        out.update({"path": paths if len(paths) > 1 else paths[0], "format": "parquet"})
    else:
        out.update({"data": [[f["name"] for f in fields]], "format": "inline"})
    # Only a real null is missing: an empty string is a value (a header cell printed blank).
    out["schema"] = {"fields": fields, "missingValues": []}
    return out


def write_datapackage(root: Path) -> Path:
    """Describe the dataset as a Frictionless data package (datapackage.json), atomically.

    Every part of every record kind is listed (sorted); the partition column `fiscal_year`
    lives in the folder names, not in the files, so it is described under the resource's
    `yusuan:partition`, never as a file column. The views (execution, codes: views.py)
    are resources of one file each. Field types come from the Arrow schemas, which come
    from the record models."""
    resources = []
    for kind, model in RECORD_KINDS.items():
        parts = sorted(p.relative_to(root).as_posix() for p in (root / kind).rglob("part-*.parquet")) \
            if (root / kind).exists() else []
        resource = _resource(kind, model, part_schema(kind), parts, model.__doc__ or kind)
        resource["yusuan:partition"] = {
            "name": PARTITION, "type": "integer", "title": "年度", "pattern": f"{kind}/{PARTITION}=YYYY/",
            "description": f"budget year, from the Hive partition folder ({PARTITION}=YYYY; "
                           f"{UNKNOWN_YEAR} when unknown)"}
        resources.append(resource)
    resources.append(_resource("manifest", ManifestEntry, arrow_schema(ManifestEntry),
                               [MANIFEST] if (root / MANIFEST).exists() else [],
                               "one row per input file of the batch"))
    for name, model in VIEW_KINDS.items():  # views.py: one file each at the top, always listed
        rel = f"{name}.parquet"
        resources.append(_resource(name, model, arrow_schema(model), [rel] if (root / rel).exists() else [],
                                   model.__doc__ or name))
    package = {
        "profile": "tabular-data-package",
        "name": "yusuan-dataset",
        "title": "Budget documents extracted by yusuan",
        "resources": resources,
        "yusuan:tables": {key: list(spec.titles) for key, spec in TABLES.items()},
    }
    target = root / DATAPACKAGE
    tmp = root / f".{DATAPACKAGE}{TMP_SUFFIX}"
    tmp.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, target)
    return target
