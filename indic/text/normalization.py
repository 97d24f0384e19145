"""``normalize(text)``: the one text normalization used in training and at inference.

NFC, then the Indic fixes NFC leaves alone (see :mod:`indic.text.normalization_rules` for each rule
and why). It never raises on a ``str``, is idempotent, and returns an already-normal string
unchanged::

    >>> normalize("ੲਿਹ  ਕਿਤਾਬ ਹੈ|")
    'ਇਹ ਕਿਤਾਬ ਹੈ।'
    >>> normalize("  Hello,\\tworld \\n")
    'Hello, world'

Two boundary decisions:

- Lone surrogates (which cannot be encoded as UTF-8 and so never reach a tokenizer) become
  U+FFFD, exactly what a UTF-8 decoder with ``errors="replace"`` would have produced.
- NFC is computed by the ``tokenizers`` library's NFC, not :mod:`unicodedata`, because the
  tokenizer applies that one at inference and the two disagree on about fifty combining marks
  assigned after its Unicode tables (Telugu nukta U+0C3C, Malayalam U+0D3B/U+0D3C, …), which it
  treats as starters. Python's table is used only for the fast "already NFC" check: a string NFC
  under newer tables is also NFC under older ones for every character both know.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from tokenizers.normalizers import NFC

from indic.text.normalization_rules import RULES, Rule

_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
_TOKENIZERS_NFC = NFC()

Step = Callable[[str], str]


def _literal_block(rules: Sequence[Rule]) -> Step:
    """Consecutive literal rules, run in order, behind one scan for any of their sequences."""
    any_sequence = re.compile("|".join(re.escape(rule.pattern) for rule in rules))
    pairs = tuple((rule.pattern, rule.replacement) for rule in rules)

    def apply(text: str) -> str:
        if any_sequence.search(text) is None:
            return text
        for sequence, replacement in pairs:
            if sequence in text:
                text = text.replace(sequence, replacement)
        return text

    return apply


def _regex_step(rule: Rule) -> Step:
    rewrite: Step
    if rule.python is not None:
        rewrite = rule.python
    else:
        pattern, replacement = re.compile(rule.pattern), rule.replacement
        rewrite = lambda text: pattern.sub(replacement, text)  # noqa: E731
    if not rule.trigger:
        return rewrite
    trigger = re.compile("[" + re.escape(rule.trigger) + "]")
    return lambda text: rewrite(text) if trigger.search(text) else text


def _compile(rules: Sequence[Rule]) -> tuple[Step, ...]:
    steps: list[Step] = []
    pending_literals: list[Rule] = []
    for rule in rules:
        if not rule.is_regex:
            pending_literals.append(rule)
            continue
        if pending_literals:
            steps.append(_literal_block(pending_literals))
            pending_literals = []
        steps.append(_regex_step(rule))
    if pending_literals:
        steps.append(_literal_block(pending_literals))
    return tuple(steps)


_STEPS = _compile(RULES)


def normalize(text: str) -> str:
    """Return ``text`` in the project's canonical form (NFC + Indic fixes, one space between words).

    Why: tokenizers, language models and the speech front end must all see the same code points
    for the same words; ``क़`` typed two ways or a stray ZWJ would otherwise become different
    tokens.

    Example::

        >>> normalize("അവന്\u200d വന്നു")  # old chillu encoding → atomic ൻ
        'അവൻ വന്നു'
    """
    if text.isascii():
        # Only the whitespace rules can apply to ASCII (no Indic text, no joiners, and '|' turns
        # into a danda only after Indic text); str.split() splits on exactly our whitespace set.
        return " ".join(text.split())
    if _LONE_SURROGATES.search(text):
        text = _LONE_SURROGATES.sub("\ufffd", text)
    if not unicodedata.is_normalized("NFC", text):
        text = _TOKENIZERS_NFC.normalize_str(text)
    for step in _STEPS:
        text = step(text)
    return text


__all__ = ["normalize"]
