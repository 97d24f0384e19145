"""Tokenizer training: SuperBPE and its baselines (BPE, SentencePiece) behind one interface.

>>> from tokenizer_training import TrainConfig, load_trained, train
>>> folder = train(TrainConfig("superbpe"), [Path("corpus/")], Path("out"))  # doctest: +SKIP
>>> load_trained(folder).encode("के लिए").tokens                           # doctest: +SKIP
"""

from __future__ import annotations

from tokenizer_training.artifact import load_trained
from tokenizer_training.config import ALGORITHMS, TrainConfig, TrainConfigError
from tokenizer_training.interface import train

__all__ = ["ALGORITHMS", "TrainConfig", "TrainConfigError", "load_trained", "train"]
