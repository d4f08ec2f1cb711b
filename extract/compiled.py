"""The PDFium reader's and the layout's innermost loops in C (extract/_loops.c), where
they were built: setuptools compiles them at install when a C compiler is present, and
without one the install goes on and the same loops run in Python. Both give the same
pages (tests/test_loops.py); `LOOPS` says which run here.

Modules read `compiled.loops` when they run (None: the Python loops), so a test can
switch it off; `YUSUAN_LOOPS=python` in the environment does the same for a process (to
benchmark or check the Python loops)."""

from __future__ import annotations

import os

try:
    from . import _loops as loops
except ImportError:  # no compiler at install
    loops = None
if os.environ.get("YUSUAN_LOOPS") == "python":  # to measure or check the Python loops
    loops = None

LOOPS = "c" if loops is not None else "python"
"""Which loops read PDFium's characters and objects and lay out the lines: `c` or `python`."""
