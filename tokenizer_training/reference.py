"""A slow, obviously correct SuperBPE stage 2, to check the fast path against.

Plain BPE over stage-1-segmented chunks, recounting every pair from scratch before each merge:

- a pair may merge only if the new token joins at most ``max_pieces`` stage-1 tokens;
- the winner has the highest count; ties go to the smallest ``(left, right)`` id pair, as in the
  stock ``tokenizers`` trainer;
- a merge replaces occurrences left to right without overlap; merge k creates id ``n_symbols + k``.

It costs O(corpus × merges), so use it on small corpora only; the test suite checks that
:func:`tokenizer_training.superbpe.learn_superword_merges` returns exactly these merges. The stock
trainer updates counts incrementally and can leave a stale count behind when the *same* token
repeats back to back (``x x x``); test corpora avoid such runs, real corpora rarely reward them.

Example::

    >>> reference_superword_merges({(0, 1, 0, 1): 3, (0, 1): 1}, n_symbols=2, n_merges=2)
    [(0, 1), (2, 2)]
"""

from __future__ import annotations

from collections import Counter

from tokenizer_training.config import MAX_SUPERWORD_PIECES


def _merge(symbols: list[int], pair: tuple[int, int], new: int) -> list[int]:
    merged: list[int] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            merged.append(new)
            i += 2
        else:
            merged.append(symbols[i])
            i += 1
    return merged


def reference_superword_merges(
    chunk_ids: dict[tuple[int, ...], int],
    n_symbols: int,
    n_merges: int,
    max_pieces: int = MAX_SUPERWORD_PIECES,
) -> list[tuple[int, int]]:
    """The stage-2 merges, learned the slow way (see the module docstring for the rules)."""
    chunks = [(list(ids), count) for ids, count in chunk_ids.items()]
    pieces = [1] * n_symbols
    merges: list[tuple[int, int]] = []
    while len(merges) < n_merges:
        counts: Counter[tuple[int, int]] = Counter()
        for symbols, count in chunks:
            for pair in zip(symbols, symbols[1:], strict=False):
                if pieces[pair[0]] + pieces[pair[1]] <= max_pieces:
                    counts[pair] += count
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))
        new = n_symbols + len(merges)
        merges.append(best)
        pieces.append(pieces[best[0]] + pieces[best[1]])
        chunks = [(_merge(symbols, best, new), count) for symbols, count in chunks]
    return merges
