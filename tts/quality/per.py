"""Phoneme error rate: Levenshtein edits between recognized and reference phonemes, per reference phoneme.

PER = (substitutions + deletions + insertions) / reference length, summed over a set of utterances
before dividing (so long sentences weigh more, as in word error rate). It can exceed 1 when the
hypothesis inserts more than the reference holds.

Example::

    >>> edit_distance(["k", "a", "t"], ["k", "a", "a", "d"])
    2
    >>> phoneme_error_rate([["k", "a", "t"], ["n", "a"]], [["k", "a", "t"], ["m", "a"]])
    0.2
    >>> edit_operations(["k", "a", "t"], ["g", "a"])
    [('k', 'g'), ('t', None)]
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


def edit_operations(
    reference: Sequence[Hashable], hypothesis: Sequence[Hashable]
) -> list[tuple[Hashable | None, Hashable | None]]:
    """The edits of one minimal alignment, in reference order: ``(ref, hyp)`` for a substitution,
    ``(ref, None)`` for a deletion, ``(None, hyp)`` for an insertion; as many as :func:`edit_distance`.

    What a phoneme error rate hides: *which* phonemes a voice loses or swaps. Ties prefer a
    substitution, then a deletion, so an edit lands on a reference phoneme where it can.
    """
    rows, columns = len(reference) + 1, len(hypothesis) + 1
    cost = [[i + j if i == 0 or j == 0 else 0 for j in range(columns)] for i in range(rows)]
    for i in range(1, rows):
        for j in range(1, columns):
            cost[i][j] = min(
                cost[i - 1][j] + 1,
                cost[i][j - 1] + 1,
                cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]),
            )
    operations: list[tuple[Hashable | None, Hashable | None]] = []
    i, j = rows - 1, columns - 1
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            if reference[i - 1] != hypothesis[j - 1]:
                operations.append((reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            operations.append((reference[i - 1], None))
            i -= 1
        else:
            operations.append((None, hypothesis[j - 1]))
            j -= 1
    return operations[::-1]


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
