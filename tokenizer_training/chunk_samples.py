"""Count the chunk samples stage 2 and pruning need, in a second process while stage 1 trains.

Stage 2 learns from the chunks of one sample of lines and pruning counts usage on the chunks of
another (:mod:`tokenizer_training.vocab_pruning`). Splitting and counting those chunks is plain
Python on one core, and it does not depend on stage 1 — while stage 1, stock BPE, leaves a core idle
for much of its merge loop (on 2 cores the `bpe` baseline uses about 1.3 of them). So the counts are
made in a forked process started before stage 1 and collected after it: the same numbers, computed
where a core was free.

Where ``fork`` is not available the counts are made in-process when asked for.

Example::

    >>> samples = ChunkSamples.start(text, STAGE2_REGEX, 0.3, 0.3)  # doctest: +SKIP
    >>> stage1 = train_stage1(...)                                   # doctest: +SKIP
    >>> stage2_chunks, held_out_chunks = samples.result()            # doctest: +SKIP
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from tokenizer_training.superbpe import count_stage2_chunks, evenly_spaced_lines
from tokenizer_training.training_corpus import TrainingCorpus
from tokenizer_training.vocab_pruning import held_out_lines

Counts = tuple[Counter[str] | None, Counter[str] | None]


def count_samples(
    text: TrainingCorpus, regex: str, stage2_share: float | None, held_out_share: float | None
) -> Counts:
    """Chunk counts of stage 2's sample and of the held-out sample (None where a share is None).

    With no stage-2 sample (plain BPE) the held-out lines are drawn from every line.
    """
    stage2 = held_out = None
    if stage2_share is not None:
        stage2 = count_stage2_chunks(evenly_spaced_lines(text.lines(), stage2_share), regex, normalized=True)
    if held_out_share is not None:
        stage2_lines = stage2_share if stage2_share is not None else 1.0
        lines = held_out_lines(text.lines(), stage2_lines, held_out_share)
        held_out = count_stage2_chunks(lines, regex, normalized=True)
    return stage2, held_out


@dataclass
class ChunkSamples:
    """Chunk counts being made in the background (or, without ``fork``, made on first request)."""

    text: TrainingCorpus
    regex: str
    stage2_share: float | None
    held_out_share: float | None
    future: Future[Counts] | None = None
    pool: ProcessPoolExecutor | None = None
    counts: Counts | None = None

    @classmethod
    def start(
        cls, text: TrainingCorpus, regex: str, stage2_share: float | None, held_out_share: float | None
    ) -> ChunkSamples:
        samples = cls(text, regex, stage2_share, held_out_share)
        if "fork" in multiprocessing.get_all_start_methods():
            samples.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            samples.future = samples.pool.submit(count_samples, text, regex, stage2_share, held_out_share)
        return samples

    def result(self) -> Counts:
        """Both counts (kept for later calls); waits for the background process, which then exits."""
        if self.counts is None:
            if self.future is None:
                self.counts = count_samples(self.text, self.regex, self.stage2_share, self.held_out_share)
            else:
                try:
                    self.counts = self.future.result()
                finally:
                    self.close()
        return self.counts

    def close(self) -> None:
        """Stop the background process (also when training failed before the counts were used)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
