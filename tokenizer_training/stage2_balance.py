"""Balance SuperBPE's stage 2 across languages: each language brings the same token mass.

Stage 2 picks superword merges by raw pair frequency, so it serves the languages that bring the most
stage-1 tokens. The training mix is balanced by *bytes* (:mod:`corpora.mixing`), and an English byte
holds far more content than a byte of an Indic script (three UTF-8 bytes per character): in the
stage-2 sample of the whole-corpus mix, English brings 0.59M stage-1 tokens at 128k where each Indic
language brings 0.24–0.28M. Evaluation text such as FLORES is *parallel* — the same content in every
language, so a roughly equal token mass per language — and a merge that saves tokens in the training
sample should save them in that proportion too.

So before stage 2 learns, each script's chunk occurrences are thinned (a seeded binomial draw per
unique chunk) until every language brings the same stage-1 token mass. ``strength`` β moves between
the mix as it is (0) and equal mass per language (1): a script with token share ``m`` whose
languages should hold share ``s`` keeps ``(s / m)^β`` of its occurrences, scaled so that the best
served script keeps all of them. Thinning, not repeating, so stage 2 gets no slower.

A chunk's script is that of its first letter (chunks mix scripts rarely); a script is matched to the
corpus's languages written in it, so Hindi and Marathi share the Devanagari target. Chunks without a
letter (numbers, punctuation) and scripts of no corpus language are kept whole. On FLORES dev at
128k (``bench/RESULTS.md``) β = 1 saved 0.14–0.19 point more tokens than the raw mix, lowered mean
Indic fertility by 0.01 and the worst parity from 1.25 to 1.19–1.20, and cost English 4% more tokens.

Example::

    >>> chunks = {"the cat": 6, "और यह": 2}
    >>> ids = {"the cat": (1, 2), "और यह": (3, 4)}
    >>> balance = balance_stage2_languages(chunks, ids, strength=1.0, languages=["en", "hi"])
    >>> balance.groups["Latin"].kept, balance.groups["Devanagari"].kept
    (0.3333333333333333, 1.0)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import regex

from indic.languages import LANGUAGES
from indic.text.scripts import COMMON, OTHER, script_of

_FIRST_LETTER = regex.compile(r"\p{L}")


@dataclass(frozen=True)
class ScriptShare:
    """One script in stage 2: its languages, the stage-1 tokens it brought, the share of them kept."""

    languages: tuple[str, ...]
    stage1_tokens: int
    kept: float

    def to_card(self) -> dict[str, object]:
        """JSON-ready, for ``card.json``."""
        return {
            "languages": list(self.languages),
            "stage1_tokens": self.stage1_tokens,
            "kept": round(self.kept, 4),
        }


@dataclass(frozen=True)
class Stage2Balance:
    """The thinned chunk counts and, per script, what was kept."""

    counts: dict[str, int]
    groups: dict[str, ScriptShare]

    def to_card(self) -> dict[str, object]:
        """The ``stage2_scripts`` part of ``card.json``: per script, its tokens and the share kept."""
        return {name: share.to_card() for name, share in self.groups.items()}


def chunk_script(chunk: str) -> str | None:
    """The script (as the language registry names it) of the chunk's first letter; None without one.

    >>> chunk_script(" 2024 में"), chunk_script("(12)")
    ('Devanagari', None)
    """
    found = _FIRST_LETTER.search(chunk)
    if found is None:
        return None
    script = script_of(found.group())
    return None if script in (COMMON, OTHER) else script


def _languages_by_script(languages: Collection[str] | None) -> dict[str, tuple[str, ...]]:
    """Script → the given language codes written in it (all registry languages when None)."""
    wanted = {language.code for language in LANGUAGES} if languages is None else set(languages)
    by_script: dict[str, tuple[str, ...]] = {}
    for language in LANGUAGES:
        if language.code in wanted:
            by_script[language.script] = (*by_script.get(language.script, ()), language.code)
    return by_script


def script_shares(
    chunks: Mapping[str, int],
    chunk_tokens: Mapping[str, int],
    strength: float,
    languages: Collection[str] | None = None,
) -> tuple[dict[str, str | None], dict[str, ScriptShare]]:
    """Each chunk's script, and per script the share of its occurrences that evens out the languages.

    ``chunk_tokens`` gives each chunk's length in tokens (its token mass per occurrence). A script
    with token share ``m`` whose languages should hold share ``s`` keeps ``(s / m)^strength``, scaled
    so that the best served script keeps all. Used to thin stage 2's chunks and to weight the usage
    counts of :mod:`tokenizer_training.vocab_pruning`.
    """
    if not 0 <= strength <= 1:
        raise ValueError(f"language balance strength must be in [0, 1], got {strength}")
    by_script = _languages_by_script(languages)
    scripts = {chunk: chunk_script(chunk) for chunk in chunks}
    mass: dict[str, int] = {}
    for chunk, count in chunks.items():
        script = scripts[chunk]
        if script in by_script:
            mass[script] = mass.get(script, 0) + count * chunk_tokens[chunk]
    total_mass = sum(mass.values())
    total_languages = sum(len(by_script[script]) for script in mass)
    raw = {
        script: ((len(by_script[script]) / total_languages) / (tokens / total_mass)) ** strength
        for script, tokens in mass.items()
        if tokens > 0
    }
    top = max(raw.values(), default=1.0)
    groups = {
        script: ScriptShare(by_script[script], mass[script], raw[script] / top) for script in sorted(raw)
    }
    return scripts, groups


def balance_stage2_languages(
    chunks: Mapping[str, int],
    chunk_ids: Mapping[str, tuple[int, ...]],
    strength: float,
    languages: Collection[str] | None = None,
    seed: int = 0,
) -> Stage2Balance:
    """Thin ``chunks`` (chunk → count) so each of ``languages`` brings the same stage-1 token mass.

    ``chunk_ids`` gives each chunk's stage-1 segmentation (its length is the chunk's token mass).
    ``strength`` 0 returns the counts unchanged; ``languages`` None means every registry language.
    Deterministic for a given ``seed`` and chunk order.
    """
    lengths = {chunk: len(ids) for chunk, ids in chunk_ids.items()}
    scripts, groups = script_shares(chunks, lengths, strength, languages)
    if strength == 0:
        return Stage2Balance(dict(chunks), groups)
    keys = list(chunks)
    counts = np.fromiter((chunks[key] for key in keys), dtype=np.int64, count=len(keys))
    shares = np.fromiter(
        (groups[scripts[key]].kept if scripts[key] in groups else 1.0 for key in keys),
        dtype=np.float64,
        count=len(keys),
    )
    drawn = np.random.default_rng(seed).binomial(counts, shares)
    thinned = {key: int(count) for key, count in zip(keys, drawn, strict=True) if count > 0}
    return Stage2Balance(thinned, groups)
