"""measure(): the tidy table's columns, its arithmetic, the cache, and the corpus checks."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from test_efficiency_fixtures import SENTENCES, write_corpus

from indic.efficiency import (
    COLUMNS,
    Corpus,
    EfficiencyError,
    MissingEnglishError,
    ParallelLineCountError,
    UnknownBaselineError,
    load_corpus,
    measure,
)

# Tiny tokenizers and corpora built in tmp folders, plus an empty cache and an offline hub per test.
pytest_plugins = ["test_efficiency_fixtures"]
pytestmark = pytest.mark.usefixtures("private_cache_and_offline_hub")


class CharTokenizer:
    """One token per code point (optionally lower-casing, which loses information)."""

    def __init__(self, name: str = "chars", lossy: bool = False) -> None:
        self.name = name
        self.vocab_size = 0x110000
        self.fingerprint = f"{name}-{lossy}"
        self.lossy = lossy
        self.encoded_lines = 0

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        self.encoded_lines += len(texts)
        return [[ord(char) for char in (text.lower() if self.lossy else text)] for text in texts]

    def decode_batch(self, ids: list[list[int]]) -> list[str]:
        return [self.decode(sequence) for sequence in ids]

    def decode(self, ids: list[int]) -> str:
        return "".join(map(chr, ids))


class WordTokenizer(CharTokenizer):
    """One token per whitespace word: fertility exactly 1."""

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [[len(word) for word in text.split()] for text in texts]


def test_table_has_one_row_per_tokenizer_and_language_with_the_documented_columns(
    tiny_corpus_dir: Path,
) -> None:
    table = measure([CharTokenizer("a"), CharTokenizer("b")], tiny_corpus_dir)
    assert tuple(table.columns) == COLUMNS
    assert list(table["tokenizer"]) == ["a"] * 3 + ["b"] * 3
    assert list(table["lang"]) == ["en", "hi", "ta"] * 2, "English first, then the registry's order"


def test_counts_and_ratios_follow_the_anchor_definitions(tiny_corpus_dir: Path) -> None:
    table = measure(CharTokenizer(), tiny_corpus_dir).set_index("lang")
    hindi = SENTENCES["hi"]
    words = sum(len(line.split()) for line in hindi)
    chars = sum(map(len, hindi))
    row = table.loc["hi"]
    assert (row["lines"], row["words"], row["chars"]) == (3, words, chars)
    assert row["bytes"] == sum(len(line.encode()) for line in hindi)
    assert row["tokens"] == chars
    assert row["fertility"] == pytest.approx(chars / words)
    assert row["chars_per_token"] == pytest.approx(1.0)
    assert row["bytes_per_token"] == pytest.approx(row["bytes"] / chars)
    assert row["parity_vs_en"] == pytest.approx(chars / sum(map(len, SENTENCES["en"])))
    assert table.loc["en", "parity_vs_en"] == 1.0
    assert math.isnan(row["nsl_vs_baseline"]), "no baseline, no normalized sequence length"
    assert row["roundtrip_failure_rate"] == 0.0


def test_normalized_sequence_length_divides_by_the_baseline(tiny_corpus_dir: Path) -> None:
    table = measure([CharTokenizer(), WordTokenizer("words")], tiny_corpus_dir, baseline="chars")
    by_name = table.set_index(["tokenizer", "lang"])
    assert (by_name.loc["chars", "nsl_vs_baseline"] == 1.0).all()
    words = by_name.loc["words"]
    assert (words["nsl_vs_baseline"] == words["tokens"] / by_name.loc["chars", "tokens"]).all()
    assert (words["fertility"] == 1.0).all()
    assert table.attrs["baseline"] == "chars"
    assert table.attrs["vocab_size"] == {"chars": 0x110000, "words": 0x110000}


def test_lines_that_do_not_round_trip_are_counted_not_hidden(tiny_corpus_dir: Path) -> None:
    table = measure(CharTokenizer(lossy=True), tiny_corpus_dir).set_index("lang")
    assert table.loc["en", "roundtrip_failure_rate"] == 1.0, "every English line has a capital letter"
    assert table.loc["hi", "roundtrip_failure_rate"] == 0.0, "Devanagari has no case"


def test_canonically_equivalent_output_counts_as_a_round_trip(tmp_path: Path) -> None:
    decomposed_ya = "য\u09bc"  # NFC composes it to U+09DF, as a normalizing tokenizer's decode would
    corpus = Corpus.from_mapping({"en": ["a"], "bn": [decomposed_ya]})

    class NfcTokenizer(CharTokenizer):
        def encode_batch(self, texts: list[str]) -> list[list[int]]:
            import unicodedata

            return super().encode_batch([unicodedata.normalize("NFC", text) for text in texts])

    table = measure(NfcTokenizer(), corpus)
    assert (table["roundtrip_failure_rate"] == 0.0).all()


def test_output_in_the_projects_normal_form_counts_as_a_round_trip() -> None:
    from indic.text import normalize

    # A double space, and a Malayalam chillu spelt as consonant + virama + ZWJ.
    lines = {"en": ["two  spaces "], "ml": ["\u0d05\u0d35\u0d28\u0d4d\u200d"]}
    assert all(normalize(line) != line for texts in lines.values() for line in texts)
    corpus = Corpus.from_mapping(lines)

    class NormalizingTokenizer(CharTokenizer):
        def encode_batch(self, texts: list[str]) -> list[list[int]]:
            return super().encode_batch([normalize(text) for text in texts])

    table = measure(NormalizingTokenizer(), corpus)
    assert (table["roundtrip_failure_rate"] == 0.0).all()


def test_every_loader_format_measures_the_same_corpus(
    tiny_corpus_dir: Path, tiny_bpe_dir: Path, tiny_sentencepiece: Path, tiny_tiktoken: Path
) -> None:
    table = measure({"bpe": tiny_bpe_dir, "spm": tiny_sentencepiece, "tik": tiny_tiktoken}, tiny_corpus_dir)
    assert set(table["tokenizer"]) == {"bpe", "spm", "tik"}
    assert (table["tokens"] > 0).all()
    assert (table["roundtrip_failure_rate"] == 0.0).all()


def test_cached_counts_are_reused_and_equal_fresh_ones(tiny_corpus_dir: Path, tmp_path: Path) -> None:
    from indic.efficiency.cache import CountCache

    cache = CountCache(tmp_path / "counts")
    tokenizer = CharTokenizer()
    first = measure(tokenizer, tiny_corpus_dir, cache=cache)
    encoded = tokenizer.encoded_lines
    second = measure(tokenizer, tiny_corpus_dir, cache=cache)
    assert tokenizer.encoded_lines == encoded, "the second run encodes nothing"
    pd.testing.assert_frame_equal(first, second)


def test_changed_text_is_not_served_from_the_cache(tmp_path: Path) -> None:
    tokenizer = CharTokenizer()
    before = measure(tokenizer, write_corpus(tmp_path / "a", {"en": ["one two"]}))
    after = measure(tokenizer, write_corpus(tmp_path / "b", {"en": ["one two three"]}))
    assert after["tokens"].iloc[0] > before["tokens"].iloc[0]


def test_a_parallel_corpus_without_english_is_rejected(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path, {"hi": SENTENCES["hi"], "ta": SENTENCES["ta"]})
    with pytest.raises(MissingEnglishError, match="no English"):
        measure(CharTokenizer(), folder)


def test_a_non_parallel_corpus_needs_no_english_and_has_no_parity(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path, {"hi": SENTENCES["hi"], "ta": SENTENCES["ta"][:2]})
    table = measure(CharTokenizer(), load_corpus(folder, parallel=False))
    assert table["parity_vs_en"].isna().all()
    assert list(table["lines"]) == [3, 2]


def test_mismatched_parallel_line_counts_are_rejected(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path, {"en": SENTENCES["en"], "hi": SENTENCES["hi"][:2]})
    with pytest.raises(ParallelLineCountError, match="en 3, hi 2"):
        measure(CharTokenizer(), folder)


def test_an_unknown_baseline_is_rejected(tiny_corpus_dir: Path) -> None:
    with pytest.raises(UnknownBaselineError, match="nope"):
        measure(CharTokenizer(), tiny_corpus_dir, baseline="nope")


def test_two_tokenizers_with_one_name_must_be_labelled(tiny_corpus_dir: Path) -> None:
    with pytest.raises(EfficiencyError, match="label them"):
        measure([CharTokenizer(), CharTokenizer()], tiny_corpus_dir)


def test_corpus_files_may_be_named_by_any_registry_code(tmp_path: Path) -> None:
    folder = write_corpus(tmp_path, {"eng_Latn": ["a b"], "hin_Deva": ["क ख"]})
    assert load_corpus(folder).languages == ("en", "hi")


def test_flores_dev_without_the_shared_folder_names_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from indic.efficiency import CorpusNotFoundError

    monkeypatch.setenv("INDIC_SHARED_DIR", str(tmp_path))
    with pytest.raises(CorpusNotFoundError, match="INDIC_SHARED_DIR"):
        load_corpus("flores-dev")
