"""One interface for every algorithm: ``train(config, corpus, out_dir)`` → a tokenizer folder.

All four algorithms (``superbpe``, ``bpe``, ``spm-unigram``, ``spm-bpe``) train on the same
temperature-mixed text and save the same folder layout (see :mod:`tokenizer_training.artifact`),
so every SuperBPE claim can be a ratio against a baseline trained on identical input.

SuperBPE keeps its intermediate state in ``work_dir`` (default ``<out_dir>.work``): the training
mix and the stage-1 tokenizer, written atomically with a fingerprint of what produced them, so a
run interrupted in stage 2 resumes from the finished stage 1.

Example::

    >>> from tokenizer_training import TrainConfig, train
    >>> train(TrainConfig("superbpe", vocab_size=64000, transition=0.85),
    ...       [Path("../shared/corpora/train")], Path("runs/tokenizers/superbpe-64k"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indic.atomic import atomic_write_text
from tokenizer_training.artifact import (
    build_byte_bpe,
    load_trained,
    save_tokenizer_dir,
    vocab_and_merges,
)
from tokenizer_training.config import MAX_SUPERWORD_WORDS, TrainConfig
from tokenizer_training.hf_bpe import train_byte_bpe
from tokenizer_training.pretokenize import STAGE1_REGEX, STAGE2_REGEX
from tokenizer_training.training_corpus import TrainingCorpus, prepare_training_corpus

Progress = Callable[[str], None]


@dataclass
class _Clock:
    """Wall time of the named stages of one training run."""

    started: float
    stages: dict[str, float]

    @classmethod
    def start(cls) -> _Clock:
        return cls(time.perf_counter(), {})

    def lap(self, name: str, since: float) -> None:
        self.stages[name] = round(time.perf_counter() - since, 2)

    def total(self) -> float:
        return round(time.perf_counter() - self.started, 2)


def cpu_seconds() -> float:
    """CPU time so far, all threads, user + system, of this process and its finished children (the chunk
    counter of :mod:`tokenizer_training.chunk_samples`): steadier than wall time when other jobs share
    the cores."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(time.process_time() + children.ru_utime + children.ru_stime, 2)


def peak_rss_mb() -> float:
    """Peak resident memory so far (Rust trainer threads included), in MB: this process's peak plus
    its largest child's, an upper bound on what both held at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024, 1)


def train(
    config: TrainConfig,
    corpus: list[Path],
    out_dir: Path,
    work_dir: Path | None = None,
    progress: Progress | None = None,
    show_progress: bool = False,
    flores_dir: Path | None = None,
) -> Path:
    """Train ``config.algorithm`` on ``corpus`` (files or folders) and save the folder ``out_dir``.

    With ``flores_dir`` (FLORES dev, one ``<lang>.txt`` per language) the card gets a ``quality``
    section with the tokenizer's efficiency there.
    """
    say = progress or (lambda message: None)
    out_dir = Path(out_dir)
    work_dir = Path(work_dir) if work_dir is not None else out_dir.with_name(out_dir.name + ".work")
    clock = _Clock.start()
    since = time.perf_counter()
    say("mixing the training corpus")
    text = prepare_training_corpus(corpus, config, work_dir)
    clock.lap("mix", since)
    if config.algorithm in ("spm-unigram", "spm-bpe"):
        from tokenizer_training.sentencepiece_trainer import train_sentencepiece

        tokenizer, extra = train_sentencepiece(config, text, out_dir, clock, say)
    else:
        tokenizer, extra = _train_bpe_family(config, text, work_dir, clock, say, show_progress)
    card = {
        "kind": "tokenizer",
        "format": "tokenizers-json",
        "version": 1,
        **config.to_card(),
        "vocab_size_actual": tokenizer.get_vocab_size(),
        **extra,
        "corpus": text.card(),
        "training": {
            "wall_s": clock.total(),
            "cpu_s": cpu_seconds(),
            "stages_s": clock.stages,
            "peak_rss_mb": peak_rss_mb(),
        },
    }
    save_tokenizer_dir(tokenizer, out_dir, card, config.special_tokens)
    if flores_dir is not None:
        from tokenizer_training.card_quality import flores_quality

        say(f"measuring efficiency on {flores_dir}")
        card["quality"] = flores_quality(out_dir, Path(flores_dir))
        save_tokenizer_dir(tokenizer, out_dir, card, config.special_tokens)
    say(f"saved {out_dir}")
    return out_dir


def _train_bpe_family(
    config: TrainConfig,
    text: TrainingCorpus,
    work_dir: Path,
    clock: _Clock,
    say: Progress,
    show_progress: bool,
) -> tuple[Any, dict[str, Any]]:
    """``bpe`` or ``superbpe``, then the encoder, and pruning when the vocabulary was overshot.

    The chunk samples of stage 2 and of pruning are counted in a second process while stage 1 (or
    plain BPE) trains (:mod:`tokenizer_training.chunk_samples`).
    """
    from tokenizer_training.chunk_samples import ChunkSamples

    superbpe = config.algorithm == "superbpe"
    prune = config.encoder == "shortest-path" and config.vocab_overshoot > 0
    samples = None
    if superbpe or prune:
        samples = ChunkSamples.start(
            text,
            STAGE2_REGEX if superbpe else STAGE1_REGEX,
            config.stage2_sample if superbpe else None,
            config.prune_sample if prune else None,
        )
    try:
        if superbpe:
            tokenizer, extra = _train_superbpe(config, text, work_dir, clock, say, show_progress, samples)
        else:
            say(f"training BPE to {config.trained_vocab_size} tokens")
            tokenizer = _timed_byte_bpe(config, text, config.trained_vocab_size, clock, "bpe", show_progress)
            extra = {"regexes": {"pre_tokenizer": STAGE1_REGEX}}
        if config.encoder == "shortest-path":
            from tokenizer_training.shortest_path import shortest_path_tokenizer

            tokenizer = shortest_path_tokenizer(tokenizer)
        if prune and samples is not None:
            tokenizer, extra["pruning"] = _prune(config, text, tokenizer, samples, clock, say)
    finally:
        if samples is not None:
            samples.close()
    return tokenizer, extra


def _timed_byte_bpe(
    config: TrainConfig, text: TrainingCorpus, size: int, clock: _Clock, stage: str, show_progress: bool
) -> Any:
    """Stock byte-level BPE to ``size`` tokens on the (normalized) mix, timed as ``stage``."""
    since = time.perf_counter()
    tokenizer = train_byte_bpe(
        text.lines(), size, STAGE1_REGEX, config.special_tokens, show_progress, normalized=True
    )
    clock.lap(stage, since)
    return tokenizer


def _prune(
    config: TrainConfig,
    text: TrainingCorpus,
    tokenizer: Any,
    samples: Any,
    clock: _Clock,
    say: Progress,
) -> tuple[Any, dict[str, Any]]:
    """Cut the shortest-path vocabulary back to ``config.vocab_size`` by usage on held-out lines."""
    from tokenizer_training.vocab_pruning import prune_least_used

    since = time.perf_counter()
    say(
        f"pruning {tokenizer.get_vocab_size()} tokens to {config.vocab_size} "
        f"by shortest-path usage on {config.prune_sample:.0%} of the lines"
    )
    _, chunks = samples.result()
    pruned, report = prune_least_used(
        tokenizer, chunks, config.vocab_size, config.prune_balance, text.languages()
    )
    clock.lap("prune", since)
    held_out = config.algorithm == "superbpe" and config.stage2_sample < 1
    return pruned, {**report.to_card(), "held_out_from_stage2": held_out}


def _stage1_fingerprint(config: TrainConfig, text: TrainingCorpus) -> dict[str, Any]:
    return {
        "vocab_size": config.stage1_vocab_size,
        "regex": STAGE1_REGEX,
        "special_tokens": list(config.special_tokens),
        "corpus": text.fingerprint(),
    }


def _stage1(
    config: TrainConfig,
    text: TrainingCorpus,
    work_dir: Path,
    clock: _Clock,
    say: Progress,
    show_progress: bool,
) -> Any:
    """The stage-1 tokenizer: loaded when a finished one with the same fingerprint is in ``work_dir``."""
    state, meta = work_dir / "stage1.json", work_dir / "stage1.meta.json"
    fingerprint = _stage1_fingerprint(config, text)
    if state.is_file() and meta.is_file() and json.loads(meta.read_text(encoding="utf-8")) == fingerprint:
        say(f"stage 1: resuming from {state}")
        return load_trained(state)
    say(f"stage 1: subword BPE to {config.stage1_vocab_size} tokens")
    tokenizer = _timed_byte_bpe(config, text, config.stage1_vocab_size, clock, "stage1", show_progress)
    work_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(state, tokenizer.to_str())
    atomic_write_text(meta, json.dumps(fingerprint, ensure_ascii=False, indent=2) + "\n")
    return tokenizer


def _train_superbpe(
    config: TrainConfig,
    text: TrainingCorpus,
    work_dir: Path,
    clock: _Clock,
    say: Progress,
    show_progress: bool,
    samples: Any,
) -> tuple[Any, dict[str, Any]]:
    from tokenizer_training.stage2_balance import balance_stage2_languages
    from tokenizer_training.superbpe import (
        chunk_id_counts,
        learn_superword_merges,
        replay_stage1_merges,
        stage2_merge_budget,
        superword_vocab,
    )

    stage1 = _stage1(config, text, work_dir, clock, say, show_progress)
    vocab1, merges1 = vocab_and_merges(stage1)
    since = time.perf_counter()
    say(
        f"stage 2: segmenting chunks of {config.stage2_sample:.0%} of the lines "
        f"with the {len(merges1)} stage-1 merges"
    )
    chunks, _ = samples.result()
    segmentation = replay_stage1_merges(chunks, vocab1, merges1)
    balance = balance_stage2_languages(
        chunks, segmentation, config.stage2_balance, text.languages(), config.seed
    )
    chunk_ids = chunk_id_counts(balance.counts, segmentation)
    kept = ", ".join(f"{script} {share.kept:.0%}" for script, share in balance.groups.items())
    say(f"stage 2: language balance {config.stage2_balance} keeps {kept}")
    clock.lap("stage2_segment", since)
    since = time.perf_counter()
    say(f"stage 2: superword BPE to {config.trained_vocab_size} tokens")
    budget = stage2_merge_budget(config.trained_vocab_size, len(vocab1))
    id_merges = learn_superword_merges(
        chunk_ids, len(vocab1), budget, config.max_superword_pieces, show_progress
    )
    vocab, merges = superword_vocab(vocab1, merges1, id_merges, config.trained_vocab_size)
    clock.lap("stage2_merges", since)
    extra = {
        "regexes": {"stage1": STAGE1_REGEX, "stage2": STAGE2_REGEX, "pre_tokenizer": STAGE2_REGEX},
        "stage1_merges": len(merges1),
        "stage2_merges": len(merges) - len(merges1),
        "unique_stage2_chunks": len(chunk_ids),
        "stage2_scripts": balance.to_card(),
        "max_superword_words": MAX_SUPERWORD_WORDS,
    }
    return build_byte_bpe(vocab, merges, STAGE2_REGEX, config.special_tokens), extra
