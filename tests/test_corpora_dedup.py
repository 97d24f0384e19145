"""Exact and near-duplicate removal."""

from __future__ import annotations

import pytest

from corpora.deduplicate import deduplicate_corpus
from corpora.exact_dedup import ExactDeduplicator, line_key
from corpora.near_dedup import MinHashConfig, NearDeduplicator, shingle_hashes

SENTENCES = [
    "The village council will meet on Monday morning to discuss the new water supply plan.",
    "Farmers in the district expect a good harvest after three weeks of steady rain.",
    "The library on the corner now stays open until nine in the evening on weekdays.",
    "नई सड़क बनने के बाद गाँव से शहर तक का सफ़र आधे घंटे में पूरा हो जाता है।",
    "ಶಾಲೆಯ ಮಕ್ಕಳು ನಾಳೆ ಬೆಳಿಗ್ಗೆ ವಸ್ತುಸಂಗ್ರಹಾಲಯಕ್ಕೆ ಪ್ರವಾಸ ಹೋಗಲಿದ್ದಾರೆ.",
]


def test_exact_dedup_keeps_first_occurrences_in_order_and_reports_the_share():
    dedup = ExactDeduplicator()
    lines = [SENTENCES[0], SENTENCES[1], SENTENCES[0], SENTENCES[2], SENTENCES[1]]
    assert list(dedup.filter(lines)) == SENTENCES[:3]
    assert (dedup.lines, dedup.duplicates) == (5, 2)
    assert dedup.duplicate_share == pytest.approx(0.4)


def test_exact_dedup_compares_normalized_text():
    precomposed_nukta = "नई स\u095c\u0915 बनी।"
    decomposed_nukta = "नई स\u0921\u093c\u0915 बनी।"
    assert line_key("नई  सड़क   बनी। ") == line_key("नई सड़क बनी।")
    assert line_key(precomposed_nukta) == line_key(decomposed_nukta)
    assert line_key("नई सड़क बनी।") != line_key("नई सड़क बनेगी।")


def test_exact_dedup_of_nothing_has_zero_share():
    assert ExactDeduplicator().duplicate_share == 0.0


def test_near_dedup_drops_a_lightly_edited_copy_and_keeps_different_sentences():
    edited = SENTENCES[0].replace("Monday", "Tuesday")
    dedup = NearDeduplicator()
    assert list(dedup.filter([*SENTENCES, edited])) == SENTENCES
    assert dedup.duplicates == 1
    assert dedup.duplicate_share == pytest.approx(1 / 6)


def test_near_dedup_catches_copies_in_indic_scripts_and_inside_one_batch():
    kannada_copy = SENTENCES[4].replace("ನಾಳೆ", "ನಾಳೆಯೇ")
    hindi_copy = SENTENCES[3].rstrip("।") + "!"
    dedup = NearDeduplicator(MinHashConfig(batch_lines=8))
    flags = dedup.duplicate_flags([SENTENCES[3], SENTENCES[4], kannada_copy, hindi_copy])
    assert flags == [False, False, True, True]


def test_near_dedup_remembers_across_batches():
    dedup = NearDeduplicator(MinHashConfig(batch_lines=2))
    lines = [*SENTENCES, SENTENCES[1].replace("rain.", "rain!")]
    assert list(dedup.filter(lines)) == SENTENCES


def test_near_dedup_is_deterministic_for_a_seed():
    lines = [*SENTENCES, *(s[:-1] + " too." for s in SENTENCES)]
    first = NearDeduplicator(MinHashConfig(seed=7)).duplicate_flags(lines)
    second = NearDeduplicator(MinHashConfig(seed=7)).duplicate_flags(lines)
    assert first == second


def test_near_dedup_handles_short_and_empty_lines():
    dedup = NearDeduplicator()
    assert dedup.duplicate_flags(["ok", "ok", "no", "\u200d"]) == [False, True, False, False]


def test_shingle_hashes_of_a_batch_equal_those_of_each_text_alone():
    texts = ["abcdefgh", "xy", "नमस्ते दुनिया"]
    together, starts = shingle_hashes(texts, 5)
    assert starts.tolist() == [0, 8, 10]
    for text, start in zip(texts, starts, strict=True):
        alone, _ = shingle_hashes([text], 5)
        assert together[start : start + len(text)].tolist() == alone.tolist()


def test_minhash_config_rejects_bands_that_do_not_divide_the_signature():
    with pytest.raises(ValueError, match="multiple of bands"):
        MinHashConfig(num_perm=64, bands=10)


def test_deduplicate_corpus_writes_unique_lines_per_language(tmp_path):
    source = tmp_path / "en.txt"
    edited = SENTENCES[0].replace("Monday", "Tuesday")
    source.write_text("\n".join([SENTENCES[0], SENTENCES[0] + "  ", edited, SENTENCES[1]]) + "\n")
    reports = deduplicate_corpus({"en": [source]}, tmp_path / "clean")
    report = reports["en"]
    assert (report.lines_in, report.exact_duplicates, report.near_duplicates, report.lines_out) == (
        4,
        1,
        1,
        2,
    )
    assert (tmp_path / "clean" / "en.txt").read_text().splitlines() == [SENTENCES[0], SENTENCES[1]]
    exact_only = deduplicate_corpus({"en": [source]}, tmp_path / "exact", near=False)["en"]
    assert exact_only.lines_out == 3 and exact_only.duplicate_share == pytest.approx(0.25)
