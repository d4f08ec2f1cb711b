"""Shared fixtures: the seed documents and the real PDFs folder."""

from __future__ import annotations

from pathlib import Path

import pytest

import yusuan

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED_BUDGET = SAMPLES / "000_b1fb1c67835c9330.txt"
SEED_TARGETS = SAMPLES / "002_6f2784664249ed30.txt"
REAL = ROOT.parent / "shared" / "real"


@pytest.fixture(scope="session")
def seed_result() -> yusuan.Result:
    """The seed department budget, extracted once per test session."""
    return yusuan.extract_document(SEED_BUDGET)


def extract_text(tmp_path: Path, text: str, name: str = "doc.txt") -> yusuan.Result:
    """Write `text` as UTF-8 into tmp_path and extract it."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return yusuan.extract_document(path)


def real_pdf(name: str) -> Path:
    """Path of a real published PDF, or skip the test when the folder is absent."""
    path = REAL / name
    if not path.exists():
        pytest.skip(f"real PDFs not available: {path} is absent (they live outside the repo)")
    return path
