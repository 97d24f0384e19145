"""Stage 2 balanced across languages: each language brings the same stage-1 token mass to the merges."""

from __future__ import annotations

import json

import pytest

from tests.test_tokenizer_corpus import superbpe_cards
from tokenizer_training import TrainConfig, TrainConfigError
from tokenizer_training.stage2_balance import balance_stage2_languages, chunk_script

# English brings 600 stage-1 tokens, Hindi + Marathi 400 (two languages), Tamil 100.
CHUNKS = {"the cat": 200, " of the": 100, "और यह": 100, "आहे तर": 100, "அது ஒரு": 50, " 2024": 7, " (": 3}
CHUNK_IDS = {
    "the cat": (1, 2),
    " of the": (3, 4),
    "और यह": (5, 6),
    "आहे तर": (7, 8),
    "அது ஒரு": (9, 10),
    " 2024": (11, 12),
    " (": (13,),
}


def _kept_mass(balance, script_chunks):
    return sum(balance.counts.get(chunk, 0) * len(CHUNK_IDS[chunk]) for chunk in script_chunks)


@pytest.mark.parametrize(
    ("chunk", "script"),
    [("the cat", "Latin"), (" 2024 में", "Devanagari"), ("«அது»", "Tamil"), ("(12) !", None), ("日本", None)],
)
def test_a_chunk_belongs_to_the_script_of_its_first_letter(chunk, script):
    assert chunk_script(chunk) == script


def test_strength_zero_keeps_the_mix_as_it_is():
    balance = balance_stage2_languages(CHUNKS, CHUNK_IDS, strength=0.0)
    assert balance.counts == CHUNKS
    assert balance.groups["Latin"].stage1_tokens == 600


def test_full_strength_gives_every_language_the_same_token_mass():
    balance = balance_stage2_languages(CHUNKS, CHUNK_IDS, strength=1.0, seed=0)
    kept = {script: share.kept for script, share in balance.groups.items()}
    assert kept == pytest.approx({"Latin": 1 / 6, "Devanagari": 0.5, "Tamil": 1.0})
    assert balance.groups["Devanagari"].languages == ("hi", "mr")
    english = _kept_mass(balance, ["the cat", " of the"])
    devanagari = _kept_mass(balance, ["और यह", "आहे तर"])
    tamil = _kept_mass(balance, ["அது ஒரு"])
    assert tamil == 100
    assert english == pytest.approx(100, abs=30) and devanagari == pytest.approx(200, abs=30)


def test_thinning_is_seeded_never_adds_and_keeps_chunks_without_letters_whole():
    first = balance_stage2_languages(CHUNKS, CHUNK_IDS, strength=1.0, seed=3)
    again = balance_stage2_languages(CHUNKS, CHUNK_IDS, strength=1.0, seed=3)
    assert first.counts == again.counts
    assert all(count <= CHUNKS[chunk] for chunk, count in first.counts.items())
    assert first.counts[" 2024"] == 7 and first.counts[" ("] == 3


def test_the_targets_follow_the_corpus_languages():
    balance = balance_stage2_languages(CHUNKS, CHUNK_IDS, strength=1.0, languages=["en", "hi", "ta"])
    assert balance.groups["Devanagari"].languages == ("hi",)
    assert balance.groups["Devanagari"].kept == pytest.approx(0.25)


@pytest.mark.parametrize("strength", [-0.5, 1.5])
def test_strength_outside_zero_one_is_refused(strength):
    with pytest.raises(ValueError, match="strength"):
        balance_stage2_languages(CHUNKS, CHUNK_IDS, strength=strength)
    with pytest.raises(TrainConfigError, match="stage2_balance"):
        TrainConfig(stage2_balance=strength)


def test_the_card_records_the_balance_and_what_each_script_kept(tmp_path):
    cards = superbpe_cards(tmp_path, 120, "stage2_balance", (0.0, 1.0))
    assert cards[1.0]["stage2_balance"] == 1.0 and cards[1.0]["vocab_size_actual"] == 800
    scripts = cards[1.0]["stage2_scripts"]
    assert max(script["kept"] for script in scripts.values()) == 1.0
    assert all(script["kept"] == 1.0 for script in cards[0.0]["stage2_scripts"].values())
    assert len({json.dumps(card["stage2_scripts"]) for card in cards.values()}) == 2
