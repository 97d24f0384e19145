"""Text → phoneme tokens, through espeak-ng's IPA output with its known quirks fixed.

A token is one espeak-ng phoneme (``aː``, ``ʈʰ``, ``ɛ̃``), a stress mark (``ˈ`` ``ˌ``), the
Punjabi tone mark, a word boundary (``" "``), a pause (``,`` ``.`` ``?`` ``!`` and the danda ``।``)
or the sentence ends ``^`` and ``$``. These are the same units as espeak's phoneme events during
synthesis, which is what lets the teacher data carry exact durations per token.

Quirks fixed here, once:
- espeak writes the retroflex flap as Kirshenbaum ``r.`` even in IPA mode (Punjabi, Odia): → ``ɽ``.
- Punjabi tone is a ``+`` glued to the vowel: it becomes its own token :data:`TONE`.
- Language-switch flags such as ``(en)…(hi)`` appear when espeak meets another script: stripped
  (we split scripts ourselves in :mod:`tts.frontend.segment`, so each run has the right voice).

Example::

    >>> phonemize("नमस्ते", "hi")                                          # doctest: +SKIP
    ['^', 'n', 'ə', 'm', 'ˈ', 'ʌ', 's', 't', 'eː', '.', '$']
"""

from __future__ import annotations

import regex

from indic.languages import get_language
from tts.frontend.espeak import espeak_library
from tts.frontend.segment import PAUSES, Clause, Run, segment

BOS, EOS, WORD = "^", "$", " "
STRESS = ("ˈ", "ˌ")
TONE = "˦"
"""espeak-ng's Punjabi tone mark (``+``), kept as a token of its own."""

_SEPARATOR = "|"
_LANGUAGE_FLAG = regex.compile(r"\([a-z-]+\)")


def phonemize(text: str, lang: str) -> list[str]:
    """Phoneme tokens for ``text`` read in ``lang``, framed by ``^`` … ``$``."""
    return clauses_to_tokens(segment(text, lang))


def clauses_to_tokens(clauses: list[Clause]) -> list[str]:
    """Tokens for already segmented clauses: each clause's runs, then its pause token."""
    tokens = [BOS]
    for clause in clauses:
        for index, run in enumerate(clause.runs):
            if index:
                tokens.append(WORD)
            tokens.extend(run_to_tokens(run))
        tokens.append(clause.pause)
    tokens.append(EOS)
    return tokens


def run_to_tokens(run: Run) -> list[str]:
    """Tokens of one single-script run, words separated by :data:`WORD`."""
    voice = get_language(run.lang).espeak_voice
    ipa = espeak_library().text_to_phonemes(run.text, voice, separator=_SEPARATOR)
    tokens: list[str] = []
    for word in _LANGUAGE_FLAG.sub("", ipa).split():
        if tokens:
            tokens.append(WORD)
        for phoneme in word.split(_SEPARATOR):
            tokens.extend(split_phoneme(phoneme))
    return tokens


def split_phoneme(phoneme: str) -> list[str]:
    """One espeak phoneme → tokens: stress marks split off in front, tone after, ``r.`` → ``ɽ``.

    >>> split_phoneme("ˈo+")
    ['ˈ', 'o', '˦']
    """
    phoneme = phoneme.replace("r.", "ɽ")
    stress = [mark for mark in phoneme if mark in STRESS]
    core = "".join(c for c in phoneme if c not in STRESS and c != "+")
    tone = [TONE] if "+" in phoneme else []
    return [*stress, *([core] if core else []), *tone]


def phoneme_count(tokens: list[str]) -> int:
    """How many tokens are sounding phonemes (what espeak reports as phoneme events)."""
    return sum(1 for t in tokens if is_phoneme(t))


PAUSE_TOKENS = frozenset(PAUSES.values())
"""The pause marks a clause ends with (``, . ? ! ।``): boundaries, not phonemes."""


def is_phoneme(token: str) -> bool:
    """True for tokens that take time in espeak's own output: phonemes, not marks or boundaries."""
    return token not in (BOS, EOS, WORD, TONE, *STRESS) and token not in PAUSE_TOKENS
