"""One batch dataset of every real PDF and the seeds, built once per test session and
shared by the analyst's tests (issue 14: views, Frictionless, spreadsheets, pictures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REAL, SAMPLES

_BUILT: dict[str, Path] = {}


def real_dataset(tmp_path_factory) -> Path:
    """The dataset `yusuan batch` makes of ../shared/real/*.pdf and samples/ (built on
    first use, then shared); skip when the real PDFs are absent."""
    if not REAL.exists() or not list(REAL.glob("*.pdf")):
        pytest.skip(f"real PDFs not available: {REAL} is absent (they live outside the repo)")
    if "real" not in _BUILT:
        from yusuan.batch import run_batch

        out = tmp_path_factory.mktemp("analyst") / "dataset"
        run_batch([REAL, SAMPLES], out, workers=2)  # a failed file shows in the tests that need it
        _BUILT["real"] = out
    return _BUILT["real"]
