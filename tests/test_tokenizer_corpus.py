"""Tiny deterministic multilingual corpora for the tokenizer tests (no shared data needed), and their spec."""

from __future__ import annotations

import json
import random
from pathlib import Path

WORDS = {
    "hi": "यह एक अच्छा दिन है और हम सब के लिए खुशी की बात है कि वह घर आया".split(),
    "en": "this is a good day and we all went to the market for the new book of life".split(),
    "ta": "இது ஒரு நல்ல நாள் நாங்கள் எல்லோரும் சந்தைக்குச் சென்றோம் புதிய புத்தகம்".split(),
    "ml": "ഇത് ഒരു നല്ല ദിവസം ആണ് ഞങ്ങൾ എല്ലാവരും ചന്തയിൽ പോയി പുതിയ പുസ്തകം".split(),
}
TERMINATORS = {"hi": "।", "en": ".", "ta": ".", "ml": "."}


def sentences(lang: str, count: int, seed: int = 0) -> list[str]:
    """``count`` lines of 1–3 sentences; no word follows itself, some carry digits and commas."""
    rng = random.Random(f"{seed}:{lang}")
    words = WORDS[lang]
    lines = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 3)):
            chosen: list[str] = []
            while len(chosen) < rng.randint(3, 9):
                word = rng.choice(words)
                if not chosen or chosen[-1] != word:
                    chosen.append(word)
            if rng.random() < 0.3:
                chosen.insert(rng.randrange(len(chosen)), str(rng.randint(1, 99999)))
            if rng.random() < 0.3:
                chosen[0] += ","
            parts.append(" ".join(chosen) + rng.choice([TERMINATORS[lang], "?", "!", ":"]))
        lines.append(" ".join(parts))
    return lines


def write_corpus(folder: Path, lines_per_language: int = 300) -> Path:
    """One ``<lang>.txt`` per language under ``folder``; returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang in WORDS:
        (folder / f"{lang}.txt").write_text(
            "\n".join(sentences(lang, lines_per_language)) + "\n", encoding="utf-8"
        )
    return folder


def superbpe_cards(tmp_path: Path, lines_per_language: int, option: str, values: tuple) -> dict:
    """Train a tiny SuperBPE (800 tokens, t = 0.6) once per ``option`` value; value → its ``card.json``."""
    from tokenizer_training import TrainConfig, train

    corpus = write_corpus(tmp_path / "corpus", lines_per_language=lines_per_language)
    cards = {}
    for value in values:
        config = TrainConfig("superbpe", vocab_size=800, transition=0.6, **{option: value})
        out = train(config, [corpus], tmp_path / f"{option}-{value}", tmp_path / "work")
        cards[value] = json.loads((out / "card.json").read_text(encoding="utf-8"))
    return cards


def test_tiny_corpus_never_repeats_a_word_back_to_back():
    # The stock trainer can keep a stale pair count inside runs of one token (``x x x``); the
    # fast-path-equals-reference test relies on corpora without them.
    for lang in WORDS:
        for line in sentences(lang, 200):
            words = line.split()
            assert all(a != b for a, b in zip(words, words[1:], strict=False)), line
