"""Phoneme error rate: Levenshtein edits between recognized and reference phonemes, per reference phoneme.

PER = (substitutions + deletions + insertions) / reference length, summed over a set of utterances
before dividing (so long sentences weigh more, as in word error rate). It can exceed 1 when the
hypothesis inserts more than the reference holds.

Example::

    >>> edit_distance(["k", "a", "t"], ["k", "a", "a", "d"])
    2
    >>> phoneme_error_rate([["k", "a", "t"], ["n", "a"]], [["k", "a", "t"], ["m", "a"]])
    0.2
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def edit_distance(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> int:
    """Fewest substitutions, deletions and insertions turning ``reference`` into ``hypothesis``."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, start=1):
        current = [i]
        for j, hyp in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def phoneme_error_rate(
    references: Sequence[Sequence[Hashable]], hypotheses: Sequence[Sequence[Hashable]]
) -> float:
    """Total edits over total reference phonemes; raises ``ValueError`` on mismatched or empty input."""
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("phoneme error rate needs at least one reference phoneme")
    edits = sum(edit_distance(r, h) for r, h in zip(references, hypotheses, strict=True))
    return edits / total
