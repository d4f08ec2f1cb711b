"""The cyclic garbage collector in a process that yusuan owns (the CLI, a batch worker).

A document makes hundreds of thousands of small objects (characters, words, cells) that
live until its records are written, so the collector runs its full collections while a
document is read; each walks every object of the process, the modules, schemas and
domain imported once among them (about 90,000 objects, a sixth of a small document's
time). Frozen (gc.freeze) once the imports are done, they are never walked again, and
what each document leaves behind is collected as usual.

Only a process yusuan owns does this: frozen objects are never collected, so the library
(`extract_document`, `run_batch`) never freezes a caller's objects on its own.
"""

from __future__ import annotations

import gc

_settled = False


def settle() -> None:
    """Freeze every object the process holds now (its imports), once per process; later
    calls do nothing. For the CLI and forked batch workers, after their imports."""
    global _settled
    if not _settled:
        gc.freeze()
        _settled = True


def after_fork() -> None:
    """In a forked worker that reads one document and exits: freeze all it inherited from
    its parent (the pages of memory the two share also stay shared: a collection writes
    into every object it walks)."""
    global _settled
    gc.freeze()
    _settled = True
