"""Language identification: by script, and Hindi vs Marathi by the shipped n-gram model."""

from __future__ import annotations

import pytest

from indic.text import identify_language
from indic.text.langid import hindi_marathi_model
from indic.text.langid_model import HindiMarathiModel
from indic.text.langid_training import LangidTrainingConfig, train


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("আজ আকাশ পরিষ্কার।", "bn"),
        ("આજે આકાશ સ્વચ્છ છે.", "gu"),
        ("ಇಂದು ಆಕಾಶ ಸ್ವಚ್ಛವಾಗಿದೆ.", "kn"),
        ("ഇന്ന് ആകാശം തെളിഞ്ഞതാണ്.", "ml"),
        ("ଆଜି ଆକାଶ ସଫା ଅଛି।", "or"),
        ("ਅੱਜ ਅਸਮਾਨ ਸਾਫ਼ ਹੈ।", "pa"),
        ("இன்று வானம் தெளிவாக உள்ளது.", "ta"),
        ("ఈ రోజు ఆకాశం నిర్మలంగా ఉంది.", "te"),
        ("The sky is clear today.", "en"),
    ],
)
def test_languages_with_a_script_of_their_own_are_identified_by_script(text: str, code: str) -> None:
    assert identify_language(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("आज आसमान साफ़ है।", "hi"),
        ("मुझे चाय पीना पसंद है।", "hi"),
        ("वह कल दिल्ली जाएगा।", "hi"),
        ("आज आकाश स्वच्छ आहे.", "mr"),
        ("मला चहा प्यायला आवडतो.", "mr"),
        ("तो उद्या पुण्याला जाणार आहे.", "mr"),
    ],
)
def test_hindi_and_marathi_are_told_apart(text: str, code: str) -> None:
    assert identify_language(text) == code


def test_text_without_letters_of_our_scripts_has_no_language() -> None:
    assert identify_language("12:30 — ₹500!") is None
    assert identify_language("Привет") is None


def test_the_shipped_model_is_small_and_has_the_trained_n_gram_orders() -> None:
    model = hindi_marathi_model()
    assert model.orders == (1, 2, 3, 4)
    assert 1000 <= len(model.log_ratios) <= 20000


def test_training_learns_which_n_grams_mark_each_language() -> None:
    hindi = ["यह मेरा घर है", "वह मेरी किताब है", "हम कल आएँगे"]
    marathi = ["हे माझे घर आहे", "ती माझी पुस्तक आहे", "आम्ही उद्या येऊ"]
    model = train(hindi, marathi, LangidTrainingConfig(ngrams_kept=500))
    assert model.log_ratios[" है"] > 0 > model.log_ratios["आहे"]
    assert model.predict("तुम्हारा घर है") == "hi"
    assert model.predict("तुमचे घर आहे") == "mr"


def test_a_model_file_round_trips(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = HindiMarathiModel((1, 2), {"है": 1.5, "आ": -0.25})
    path = tmp_path / "model.json"
    path.write_text(model.to_json(), encoding="utf-8")
    assert HindiMarathiModel.load(path) == model


def test_a_file_of_another_format_is_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.json"
    path.write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a indic-langid-llr/1 model"):
        HindiMarathiModel.load(path)


def test_hindi_and_marathi_flores_dev_lines_are_identified_at_least_95_percent(flores_dev_dir) -> None:  # type: ignore[no-untyped-def]
    for code in ("hi", "mr"):
        lines = (flores_dev_dir / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        right = sum(identify_language(line) == code for line in lines)
        assert right / len(lines) >= 0.95, code
