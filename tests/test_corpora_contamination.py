"""Contamination: evaluation lines found in training text, exactly and by n-gram overlap."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpora.contamination import check_contamination, paired_by_language, word_ngrams

EVAL_EN = [
    "The new bridge over the river was opened to traffic on a cold Sunday morning in March.",
    "Scientists say the small island has lost almost half of its beaches in ten years.",
    "A short walk from the station leads to the old market and its famous tea shops.",
]
EVAL_HI = ["नया पुल ठंडी रविवार की सुबह यातायात के लिए खोल दिया गया।", "स्टेशन से थोड़ी दूरी पर पुराना बाज़ार है।"]


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_word_ngrams_keep_indic_words_whole_and_ignore_case_and_punctuation():
    assert word_ngrams("नमस्ते, दुनिया!", 2) == {("नमस्ते", "दुनिया")}
    assert word_ngrams("One TWO three", 2) == {("one", "two"), ("two", "three")}
    assert word_ngrams("short", 8) == {("short",)}
    assert word_ngrams("", 8) == set()


def test_exact_and_ngram_contamination_are_counted_per_language(tmp_path):
    train_lines = [
        "Completely unrelated sentence about cooking rice with lentils and ghee.",
        "  the new bridge over the river was opened to traffic on a cold Sunday morning in March!!",
        EVAL_EN[2],
        "Reports: scientists say the small island has lost almost half of its beaches, and more.",
    ]
    train = {
        "en": [_write(tmp_path / "train" / "en.txt", train_lines)],
        "hi": [_write(tmp_path / "train" / "hi.txt", ["यह बिल्कुल अलग वाक्य है।"])],
    }
    evaluation = {
        "en": [_write(tmp_path / "dev" / "en.txt", EVAL_EN)],
        "hi": [_write(tmp_path / "dev" / "hi.txt", EVAL_HI)],
    }
    report = check_contamination(train, evaluation, n=8, threshold=0.5)
    assert check_contamination(train, evaluation, workers=2).to_json() == report.to_json()
    english, hindi = report.languages["en"], report.languages["hi"]
    assert (english.eval_lines, english.train_lines) == (3, 4)
    assert english.exact == 1  # EVAL_EN[2] verbatim; EVAL_EN[0] differs in case and punctuation
    assert english.ngram == 3  # n-grams see through case, punctuation and surrounding words
    assert english.ngram_share == pytest.approx(1.0)
    assert (hindi.exact, hindi.ngram) == (0, 0)


def test_exact_match_sees_through_normalization(tmp_path):
    spaced = EVAL_HI[1].replace(" ", "   ")
    train = {"hi": [_write(tmp_path / "t" / "hi.txt", [spaced])]}
    evaluation = {"hi": [_write(tmp_path / "e" / "hi.txt", EVAL_HI)]}
    assert check_contamination(train, evaluation).languages["hi"].exact == 1


def test_a_language_without_training_text_reports_no_contamination(tmp_path):
    report = check_contamination({}, {"ta": [_write(tmp_path / "ta.txt", ["ஒரு சிறிய வாக்கியம்."])]})
    assert (report.languages["ta"].train_lines, report.languages["ta"].ngram) == (0, 0)


def test_files_are_paired_by_the_language_in_their_names(tmp_path):
    _write(tmp_path / "train" / "hi.txt", ["क"])
    _write(tmp_path / "train" / "notes.txt", ["x"])
    _write(tmp_path / "dev" / "hin_Deva.txt", ["ख"])
    train, evaluation = paired_by_language([tmp_path / "train"], [tmp_path / "dev"])
    assert list(train) == ["hi"] and list(evaluation) == ["hi"]


def test_contamination_rejects_a_zero_ngram_length(tmp_path):
    with pytest.raises(ValueError, match="n must be"):
        check_contamination({}, {}, n=0)


def test_a_short_evaluation_line_matches_only_a_training_line_of_the_same_words(tmp_path):
    evaluation = {"en": [_write(tmp_path / "e" / "en.txt", ["Thank you very much."])]}
    inside = {"en": [_write(tmp_path / "a" / "en.txt", ["I said thank you very much to the driver."])]}
    alone = {"en": [_write(tmp_path / "b" / "en.txt", ["thank you, very much!"])]}
    assert check_contamination(inside, evaluation).languages["en"].ngram == 0
    assert check_contamination(alone, evaluation).languages["en"].ngram == 1
