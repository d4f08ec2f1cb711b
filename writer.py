"""Records → Parquet files, atomically.

One file: written under a hidden temporary name in its folder and renamed into place, so
a crash never leaves a half-written file. Several files that belong together (one
document's outputs): every file is written under its temporary name first, and only when
all are complete are they renamed in, the previous files kept as hard links until the
last rename; a failure at any step puts the previous files back. So a full disk or a
failed write never leaves a new file beside the previous document's others.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from .schemas.arrow import to_table
from .schemas.records import RECORD_KINDS, Record


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


TMP_SUFFIX = ".tmp"
OLD_SUFFIX = ".old" + TMP_SUFFIX  # the previous file, kept while a group is renamed in


def _stage(table: pa.Table, target: Path) -> Path:
    """Write `table` to a new hidden temporary file beside `target`; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; output follows the umask
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_atomic(table: pa.Table, target: Path) -> Path:
    """Write an Arrow table to `target` through a hidden temporary file in the same folder,
    renamed into place once complete. Returns `target`."""
    tmp = _stage(table, target)
    try:
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _keep_previous(target: Path) -> Path | None:
    """A hidden second name for the file at `target` (None when there is none), so it can
    be put back. A hard link costs no space and leaves `target` in place; where the file
    system has no hard links the file is moved aside instead."""
    if not target.exists():
        return None
    while True:
        old = target.with_name(f".{target.name}.{secrets.token_hex(4)}{OLD_SUFFIX}")
        try:
            os.link(target, old)
            return old
        except FileExistsError:
            continue
        except OSError:
            os.replace(target, old)
            return old


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def write_group(planned: Iterable[tuple[pa.Table, Path]]) -> list[Path]:
    """Given (table, target) pairs that belong together, write them all or none: every
    table to a temporary file first, then each renamed onto its target, in the order
    given (put the file that makes the group visible last). On any failure the targets
    are as they were before the call and no temporary file is left. Returns the targets."""
    planned = list(planned)
    staged: list[tuple[Path, Path]] = []
    try:
        for table, target in planned:
            staged.append((_stage(table, target), target))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    swapped: list[tuple[Path, Path | None]] = []  # (target, its previous file's second name)
    try:
        for tmp, target in staged:
            old = _keep_previous(target)
            swapped.append((target, old))
            os.replace(tmp, target)
    except BaseException:
        for target, old in reversed(swapped):
            if old is not None and _same_file(old, target):
                old.unlink()  # not replaced yet (renaming a hard link onto itself does nothing)
            elif old is not None:
                os.replace(old, target)
            elif target.exists():
                target.unlink()
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for _, old in swapped:
        if old is not None:
            old.unlink(missing_ok=True)
    return [target for _, target in staged]


def write_parquet(records: dict[str, list[Record]], out_dir: str | Path) -> dict[str, Path]:
    """Given records per kind and a folder, write `<kind>.parquet` for each kind as one
    group (all new files or all previous ones, never a mix); return the paths by kind."""
    out = Path(out_dir)
    # Convert everything first: a record Arrow refuses must fail before any file is written.
    tables = {kind: to_table(model, records[kind]) for kind, model in RECORD_KINDS.items() if kind in records}
    # documents.parquet last: a folder shows a document only once its other files are in.
    order = sorted(tables, key=lambda kind: kind == "documents")
    write_group((tables[kind], out / f"{kind}.parquet") for kind in order)
    return {kind: out / f"{kind}.parquet" for kind in tables}
