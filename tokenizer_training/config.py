"""Training configuration shared by the Python API, the ``indic tokenizer train`` flags and the card.

One dataclass, one set of names: ``TrainConfig(algorithm="superbpe", vocab_size=64000,
transition=0.85)`` is what ``--algorithm superbpe --vocab-size 64000 --transition 0.85`` builds,
and ``card.json`` stores the same fields. Invalid values are rejected here, at the boundary::

    >>> TrainConfig(algorithm="superbpe", vocab_size=64000, transition=0.85).stage1_vocab_size
    54400
    >>> TrainConfig(vocab_size=100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tokenizer_training.config.TrainConfigError: vocab size 100 is smaller than the 256-byte alphabet ...
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ALGORITHMS = ("superbpe", "bpe", "spm-unigram", "spm-bpe")
ENCODERS = ("merges", "shortest-path")
SPECIAL_TOKENS = ("<|endoftext|>", "<|pad|>")
BYTE_ALPHABET_SIZE = 256
MAX_SUPERWORD_WORDS = 4
# Stage-1 tokens one stage-2 token may join. 4 makes the 4-word limit hold by construction; 8 (with
# 5+-word merges dropped afterwards) learned the same FLORES-dev efficiency at 64k, only slower.
MAX_SUPERWORD_PIECES = 4


class TrainConfigError(ValueError):
    """A training option is out of range; the message names the option and the allowed values."""


@dataclass(frozen=True)
class TrainConfig:
    """What to train. ``transition`` is the share of the vocabulary learned in stage 1 (SuperBPE only).

    ``alpha`` is the language temperature of the training mix (p ∝ size^α); ``mix_bytes`` its size
    (``None``: as large as the sources).

    ``stage2_sample`` is the share of the mix's lines that SuperBPE's stage 2 learns superwords from
    (evenly spaced lines). Stage-2 chunks are whole clauses that barely repeat, so stage 2's cost
    grows with the text while BPE's grows with its distinct words; the superwords worth a vocabulary
    slot are frequent enough to be counted well on a sample (``bench/RESULTS.md`` has the measurement).

    ``stage2_balance`` (β in [0, 1]) evens out the languages' weight in stage 2: 0 learns superwords
    from the sample as mixed, 1 thins each script's chunks until every language brings the same
    stage-1 token mass, as parallel text does (:mod:`tokenizer_training.stage2_balance`).

    ``encoder`` is how the saved ``tokenizer.json`` encodes with the learned vocabulary: ``merges``
    replays the merges by rank (BPE, as trained); ``shortest-path`` picks the fewest tokens
    (:mod:`tokenizer_training.shortest_path`: a character-level ``Unigram`` over the same vocabulary,
    renumbered) — fewer tokens, somewhat slower to encode, and not the segmentation the merges were
    learned under.

    ``vocab_overshoot`` (shortest-path encoder only) learns ``(1 + overshoot) · vocab_size`` tokens and
    then drops the ones the encoder uses least on ``prune_sample`` of the lines, held out from stage 2
    (:mod:`tokenizer_training.vocab_pruning`): BPE's stepping-stone tokens make room for more words
    and superwords. ``transition`` stays a share of ``vocab_size``, the size that ships.
    ``prune_balance`` (β in [0, 1]) weights that usage toward equal token mass per language, as
    ``stage2_balance`` does for stage 2.
    """

    algorithm: str = "superbpe"
    vocab_size: int = 64000
    transition: float = 0.6
    alpha: float = 0.3
    mix_bytes: int | None = None
    seed: int = 0
    max_superword_pieces: int = MAX_SUPERWORD_PIECES
    stage2_sample: float = 1.0
    stage2_balance: float = 0.0
    encoder: str = "merges"
    vocab_overshoot: float = 0.0
    prune_sample: float = 0.3
    prune_balance: float = 0.0
    special_tokens: tuple[str, ...] = field(default=SPECIAL_TOKENS)

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise TrainConfigError(
                f"unknown algorithm {self.algorithm!r}; choose one of {', '.join(ALGORITHMS)}"
            )
        smallest = BYTE_ALPHABET_SIZE + len(self.special_tokens)
        if self.vocab_size <= smallest:
            raise TrainConfigError(
                f"vocab size {self.vocab_size} is smaller than the {BYTE_ALPHABET_SIZE}-byte alphabet "
                f"plus {len(self.special_tokens)} special tokens"
            )
        if not 0 < self.transition <= 1:
            raise TrainConfigError(f"transition must be in (0, 1], got {self.transition}")
        if self.algorithm == "superbpe" and self.stage1_vocab_size <= smallest:
            raise TrainConfigError(
                f"transition {self.transition} leaves stage 1 only {self.stage1_vocab_size} tokens, "
                f"not more than the {smallest} of the byte alphabet and special tokens"
            )
        if not 0 < self.stage2_sample <= 1:
            raise TrainConfigError(f"stage2_sample must be in (0, 1], got {self.stage2_sample}")
        if not 0 <= self.stage2_balance <= 1:
            raise TrainConfigError(f"stage2_balance must be in [0, 1], got {self.stage2_balance}")
        if self.encoder not in ENCODERS:
            raise TrainConfigError(f"unknown encoder {self.encoder!r}; choose one of {', '.join(ENCODERS)}")
        if self.encoder == "shortest-path" and self.algorithm.startswith("spm-"):
            raise TrainConfigError(f"encoder shortest-path needs a BPE vocabulary, not {self.algorithm}")
        if self.vocab_overshoot < 0:
            raise TrainConfigError(f"vocab_overshoot must be >= 0, got {self.vocab_overshoot}")
        if self.vocab_overshoot > 0 and self.encoder != "shortest-path":
            raise TrainConfigError(
                "vocab_overshoot prunes by the shortest-path encoder's usage: it needs encoder shortest-path"
            )
        if not 0 < self.prune_sample <= 1:
            raise TrainConfigError(f"prune_sample must be in (0, 1], got {self.prune_sample}")
        if not 0 <= self.prune_balance <= 1:
            raise TrainConfigError(f"prune_balance must be in [0, 1], got {self.prune_balance}")
        if self.max_superword_pieces < 1:
            raise TrainConfigError(f"max_superword_pieces must be >= 1, got {self.max_superword_pieces}")
        if self.alpha < 0:
            raise TrainConfigError(f"alpha must be >= 0, got {self.alpha}")
        if self.mix_bytes is not None and self.mix_bytes <= 0:
            raise TrainConfigError(f"mix_bytes must be positive, got {self.mix_bytes}")

    @property
    def stage1_vocab_size(self) -> int:
        """Vocabulary (special tokens and bytes included) at the end of stage 1."""
        return round(self.transition * self.vocab_size)

    @property
    def trained_vocab_size(self) -> int:
        """Vocabulary learned before pruning (``vocab_size`` when there is no overshoot)."""
        return round(self.vocab_size * (1 + self.vocab_overshoot))

    def to_card(self) -> dict[str, Any]:
        """The fields as JSON-ready values, for ``card.json``."""
        card = asdict(self)
        card["special_tokens"] = list(self.special_tokens)
        return card
