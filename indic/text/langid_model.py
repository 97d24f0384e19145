"""The Hindi/Marathi character n-gram model: its file format and scoring.

Hindi and Marathi share Devanagari, so script alone cannot tell them apart. Character n-grams
can: Marathi has ``ळ``, ``च्या``, ``आहे``, ``ला``; Hindi has ``है``, ``के``, ``में``. The model is
naive Bayes reduced to what a decision needs — one log-likelihood ratio per n-gram,
``log P(g | hi) − log P(g | mr)`` (add-k smoothed), kept for the most frequent n-grams of both
languages. A text's score is the sum over its n-grams (unknown ones count 0): positive means
Hindi. The shipped file is small JSON, written by :mod:`indic.text.langid_training`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from indic.text.normalization import normalize

FORMAT = "indic-langid-llr/1"
MODEL_FILE = "hi_mr_char_ngrams.json"


def char_ngrams(text: str, orders: Iterable[int]) -> Iterator[str]:
    """Character n-grams of ``text`` padded with one space each side (so word edges count)."""
    padded = f" {text} "
    for order in orders:
        for start in range(len(padded) - order + 1):
            yield padded[start : start + order]


@dataclass(frozen=True)
class HindiMarathiModel:
    """Log-likelihood ratios per n-gram; ``score > 0`` means Hindi, ``< 0`` Marathi."""

    orders: tuple[int, ...]
    log_ratios: dict[str, float]

    def score(self, text: str) -> float:
        """Sum of the n-grams' log-likelihood ratios for ``normalize(text)``."""
        ratios = self.log_ratios
        return sum(ratios.get(gram, 0.0) for gram in char_ngrams(normalize(text), self.orders))

    def predict(self, text: str) -> str:
        """``"hi"`` or ``"mr"`` (ties, e.g. text with no known n-gram, go to Hindi)."""
        return "hi" if self.score(text) >= 0 else "mr"

    @classmethod
    def load(cls, path: Path) -> HindiMarathiModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} is not a {FORMAT} model (format={data.get('format')!r})")
        return cls(tuple(data["orders"]), dict(data["log_ratios"]))

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "labels": ["hi", "mr"],
                "orders": list(self.orders),
                "log_ratios": self.log_ratios,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
