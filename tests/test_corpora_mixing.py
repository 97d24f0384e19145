"""Temperature mixing: weights p ∝ size^α and the mixed file with its report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpora.errors import CorpusReadError
from corpora.mixing import mix_report_path, mixing_weights, write_mix


def test_mixing_weights_match_a_hand_worked_example():
    # sizes 1 and 16 with alpha 0.25: 1^0.25 = 1 and 16^0.25 = 2, so the shares are 1/3 and 2/3.
    assert mixing_weights({"or": 1, "hi": 16}, alpha=0.25) == pytest.approx({"or": 1 / 3, "hi": 2 / 3})
    # 100 MB against 1 MB at the default alpha 0.3: 100^0.3 = 3.981 → 79.9% / 20.1% instead of 99% / 1%.
    weights = mixing_weights({"hi": 100_000_000, "or": 1_000_000})
    assert weights["hi"] == pytest.approx(3.981 / 4.981, abs=1e-4)


def test_alpha_one_is_proportional_and_alpha_zero_is_uniform():
    sizes = {"a": 10, "b": 30, "c": 60}
    assert mixing_weights(sizes, alpha=1.0) == pytest.approx({"a": 0.1, "b": 0.3, "c": 0.6})
    assert mixing_weights(sizes, alpha=0.0) == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})


def test_empty_languages_get_no_weight_even_at_alpha_zero():
    assert mixing_weights({"a": 0, "b": 5}, alpha=0.0) == {"a": 0.0, "b": 1.0}


@pytest.mark.parametrize(
    ("sizes", "alpha", "message"),
    [
        ({}, 0.3, "no languages"),
        ({"a": 0}, 0.3, "empty"),
        ({"a": -1}, 0.3, "negative"),
        ({"a": 1}, -0.5, "alpha"),
    ],
)
def test_mixing_weights_reject_bad_input(sizes, alpha, message):
    with pytest.raises(ValueError, match=message):
        mixing_weights(sizes, alpha)


def _corpus(tmp_path: Path, name: str, word: str, lines: int) -> Path:
    path = tmp_path / name
    path.write_text("".join(f"{word} {index}\n" for index in range(lines)), encoding="utf-8")
    return path


def test_write_mix_upsamples_the_thin_language_and_subsamples_the_large_one(tmp_path):
    big = _corpus(tmp_path, "hi.txt", "बड़ा", 2000)
    thin = _corpus(tmp_path, "or.txt", "ଛୋଟ", 50)
    out = tmp_path / "mix" / "train.txt"
    report = write_mix({"hi": big, "or": thin}, out, alpha=0.3, seed=1)
    hi, odia = report.languages["hi"], report.languages["or"]
    assert odia.upsampling > 1.0 > hi.upsampling
    assert odia.share == pytest.approx(odia.weight, abs=0.02)
    assert report.written_bytes == pytest.approx(report.total_bytes, rel=0.03)
    written = out.read_text(encoding="utf-8").splitlines()
    assert sum(line.startswith("ଛୋଟ") for line in written) == odia.lines
    assert len(set(line for line in written if line.startswith("ଛୋଟ"))) == 50  # every thin line repeated


def test_write_mix_writes_the_effective_mix_beside_the_output(tmp_path):
    out = tmp_path / "mix.txt"
    report = write_mix(
        {"hi": _corpus(tmp_path, "hi.txt", "क", 300), "ta": _corpus(tmp_path, "ta.txt", "க", 30)}, out
    )
    saved = json.loads(mix_report_path(out).read_text(encoding="utf-8"))
    assert mix_report_path(out).name == "mix.txt.mix.json"
    assert saved["alpha"] == 0.3
    assert saved["languages"]["ta"]["lines"] == report.languages["ta"].lines
    assert set(saved["languages"]["ta"]) >= {"source_bytes", "bytes", "share", "upsampling", "weight"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hi.txt", "mix.txt", "mix.txt.mix.json", "ta.txt"]


def test_write_mix_honours_total_bytes_and_interleaves_languages(tmp_path):
    sources = {"hi": _corpus(tmp_path, "hi.txt", "क", 1000), "en": _corpus(tmp_path, "en.txt", "a", 1000)}
    out = tmp_path / "mix.txt"
    report = write_mix(sources, out, alpha=1.0, total_bytes=4000)
    assert report.written_bytes == pytest.approx(4000, rel=0.1)
    first_half = out.read_text(encoding="utf-8").splitlines()[: report.languages["en"].lines]
    assert any(line.startswith("क") for line in first_half) and any(
        line.startswith("a") for line in first_half
    )


def test_subsampling_keeps_an_exact_number_of_distinct_lines(tmp_path):
    sources = {"hi": _corpus(tmp_path, "hi.txt", "क", 1000), "ta": _corpus(tmp_path, "ta.txt", "க", 1000)}
    total = sum(path.stat().st_size for path in sources.values())
    report = write_mix(sources, tmp_path / "mix.txt", alpha=1.0, total_bytes=total * 3 // 10)
    assert report.languages["hi"].lines == report.languages["ta"].lines == 300
    written = (tmp_path / "mix.txt").read_text(encoding="utf-8").splitlines()
    assert len(set(written)) == 600


def test_write_mix_is_deterministic_for_a_seed(tmp_path):
    sources = {"hi": _corpus(tmp_path, "hi.txt", "क", 500), "or": _corpus(tmp_path, "or.txt", "ଓ", 40)}
    write_mix(sources, tmp_path / "a.txt", seed=3)
    write_mix(sources, tmp_path / "b.txt", seed=3)
    write_mix(sources, tmp_path / "c.txt", seed=4)
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    assert (tmp_path / "a.txt").read_bytes() != (tmp_path / "c.txt").read_bytes()


def test_write_mix_accepts_lists_and_folders_per_language(tmp_path):
    (tmp_path / "hi").mkdir()
    _corpus(tmp_path / "hi", "a.txt", "क", 10)
    _corpus(tmp_path / "hi", "b.txt", "ख", 10)
    parts = [_corpus(tmp_path, "en1.txt", "a", 10), _corpus(tmp_path, "en2.txt", "b", 10)]
    report = write_mix({"hi": tmp_path / "hi", "en": parts}, tmp_path / "mix.txt", alpha=1.0)
    assert report.languages["hi"].source_lines == 20 and report.languages["en"].source_lines == 20


def test_write_mix_of_a_missing_source_is_a_read_error_and_writes_nothing(tmp_path):
    out = tmp_path / "mix.txt"
    with pytest.raises(CorpusReadError, match="no such file"):
        write_mix({"hi": tmp_path / "absent.txt"}, out)
    assert not out.exists()
