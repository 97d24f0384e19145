"""The bundled sample: eleven files of clean, correctly labelled everyday sentences."""

from __future__ import annotations

import pytest

from indic.languages import LANGUAGE_CODES
from indic.text import identify_language, normalize, sample_dir, sample_path


def test_the_sample_has_one_file_per_language_and_a_readme() -> None:
    assert sorted(path.stem for path in sample_dir().glob("*.txt")) == sorted(LANGUAGE_CODES)
    assert "GPL-3.0-or-later" in (sample_dir() / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_each_sample_has_15_to_25_normalized_sentences_in_its_language(code: str) -> None:
    lines = sample_path(code).read_text(encoding="utf-8").splitlines()
    assert 15 <= len(lines) <= 25
    assert all(normalize(line) == line for line in lines)
    assert all(identify_language(line) == code for line in lines)
    assert any(line.endswith("?") for line in lines)
    assert any(char.isdigit() for line in lines for char in line)
