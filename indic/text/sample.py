"""The bundled multilingual sample: a few sentences per language written for the project.

Used by the README's first command and by tests that need real text without ``../shared``::

    >>> sorted(path.stem for path in sample_dir().glob("*.txt"))[:3]
    ['bn', 'en', 'gu']
    >>> sample_path("hi").read_text(encoding="utf-8").splitlines()[0]
    'आज मौसम बहुत अच्छा है।'
"""

from __future__ import annotations

from pathlib import Path

from indic.languages import get_language

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_dir() -> Path:
    """The folder holding ``<lang>.txt`` for all eleven languages."""
    return SAMPLE_DIR


def sample_path(lang: str) -> Path:
    """The sample file of ``lang`` (any code the registry accepts)."""
    return SAMPLE_DIR / f"{get_language(lang).code}.txt"


__all__ = ["sample_dir", "sample_path"]
