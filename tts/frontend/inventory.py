"""One phoneme inventory for all eleven languages, plus the language and speaker ids.

The acoustic model embeds token ids, so the map from tokens to ids is part of a voice: it is frozen
in ``phoneme_inventory.json`` beside this module (built once from the training corpora by
:func:`build_inventory`) and copied into every voice card. Sharing one inventory lets languages share
phonemes (Hindi ``aː`` and Marathi ``aː`` are one embedding), which is what lets one model speak all
eleven. A token the inventory lacks (a rare espeak phoneme) is decomposed into known tokens, longest
first, so no input is ever refused at this step.

Example::

    >>> inv = load_inventory()
    >>> inv.ids(["^", "n", "ə", "$"])                # doctest: +SKIP
    [1, 20, 13, 2]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from indic.languages import LANGUAGE_CODES, get_language
from tts.frontend.phonemize import BOS, EOS, STRESS, TONE, WORD

PAD = "_"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, BOS, EOS, WORD, ",", ".", "?", "!", "।", *STRESS, TONE)
INVENTORY_PATH = Path(__file__).with_name("phoneme_inventory.json")

SPEAKERS: tuple[str, ...] = ("default", "f3", "m3", "f5")
"""Synthetic speakers: espeak-ng voice variants (``hi`` + ``+f3`` …) that the teacher data uses."""


@dataclass(frozen=True)
class Inventory:
    """Token ↔ id maps and the language/speaker id tables a voice was trained with."""

    tokens: tuple[str, ...]
    languages: tuple[str, ...] = LANGUAGE_CODES
    speakers: tuple[str, ...] = SPEAKERS

    @property
    def token_to_id(self) -> dict[str, int]:
        return _index(self.tokens)

    def ids(self, tokens: Iterable[str]) -> list[int]:
        """Ids for ``tokens``; unknown tokens are split into the longest known pieces (or dropped)."""
        table = self.token_to_id
        out: list[int] = []
        for token in tokens:
            if token in table:
                out.append(table[token])
            else:
                out.extend(_decompose(token, table))
        return out

    def language_id(self, lang: str) -> int:
        return self.languages.index(get_language(lang).code)

    def speaker_id(self, speaker: str | int) -> int:
        """Index of a speaker given by name or id; raises ``ValueError`` naming the known ones."""
        if isinstance(speaker, int) and 0 <= speaker < len(self.speakers):
            return speaker
        if speaker in self.speakers:
            return self.speakers.index(str(speaker))
        raise ValueError(f"unknown speaker {speaker!r}; known: {', '.join(self.speakers)}")

    def to_json(self) -> dict[str, object]:
        return {
            "tokens": list(self.tokens),
            "languages": list(self.languages),
            "speakers": list(self.speakers),
        }

    @classmethod
    def from_json(cls, data: dict) -> Inventory:
        return cls(tuple(data["tokens"]), tuple(data["languages"]), tuple(data["speakers"]))


@cache
def _index(tokens: tuple[str, ...]) -> dict[str, int]:
    return {token: i for i, token in enumerate(tokens)}


def _decompose(token: str, table: dict[str, int]) -> list[int]:
    ids, start = [], 0
    while start < len(token):
        for end in range(len(token), start, -1):
            if token[start:end] in table:
                ids.append(table[token[start:end]])
                start = end
                break
        else:
            start += 1
    return ids


@cache
def load_inventory(path: Path = INVENTORY_PATH) -> Inventory:
    """The shipped inventory (or one saved at ``path``)."""
    return Inventory.from_json(json.loads(path.read_text(encoding="utf-8")))


def build_inventory(token_streams: Iterable[list[str]]) -> Inventory:
    """Specials first, then every phoneme seen, most frequent first (ties by code point)."""
    counts: Counter[str] = Counter()
    for tokens in token_streams:
        counts.update(t for t in tokens if t not in SPECIAL_TOKENS)
    phonemes = sorted(counts, key=lambda t: (-counts[t], t))
    return Inventory((*SPECIAL_TOKENS, *phonemes))
