"""Shared fixtures: the read-only reference data beside the repository, when present.

A fresh clone without ``../shared`` must still pass: tests that need it ask for the
``shared_dir`` fixture and are skipped with a clear reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("INDIC_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The reference data folder (corpora, FLORES dev, anchor tokenizers), or skip."""
    if not (SHARED_DIR / "corpora").is_dir():
        pytest.skip(f"reference data not found at {SHARED_DIR} (set INDIC_SHARED_DIR to use it)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def flores_dev_dir(shared_dir: Path) -> Path:
    """FLORES-200 dev: one ``<lang>.txt`` per language, 997 parallel lines."""
    return shared_dir / "corpora" / "flores" / "dev"


@pytest.fixture(scope="session")
def train_corpus_dir(shared_dir: Path) -> Path:
    """The openly licensed training text, one ``<lang>.txt`` per language."""
    return shared_dir / "corpora" / "train"
