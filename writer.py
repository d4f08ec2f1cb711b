"""Records → Parquet files, atomically: each file is written under a temporary name in
the output folder and renamed into place, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .schemas.arrow import to_table
from .schemas.records import RECORD_KINDS, Record


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


TMP_SUFFIX = ".tmp"


def write_atomic(table: pa.Table, target: Path) -> Path:
    """Write an Arrow table to `target` through a hidden temporary file in the same folder,
    renamed into place once complete. Returns `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; output follows the umask
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_parquet(records: dict[str, list[Record]], out_dir: str | Path) -> dict[str, Path]:
    """Given records per kind and a folder, write `<kind>.parquet` for each kind; return the paths."""
    out = Path(out_dir)
    # Convert everything first: a record Arrow refuses must fail before any file is written.
    tables = {kind: to_table(model, records[kind]) for kind, model in RECORD_KINDS.items() if kind in records}
    return {kind: write_atomic(table, out / f"{kind}.parquet") for kind, table in tables.items()}
