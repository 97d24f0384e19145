"""Train the Hindi/Marathi n-gram model (:mod:`indic.text.langid_model`) and write it with its card.

Counts character 1–4-grams of the normalized training lines of each language, keeps the most
frequent n-grams of both, and stores one add-k-smoothed log-likelihood ratio per n-gram::

    python -m indic.text.langid_training ../shared/corpora/train indic/data/langid \
        --eval ../shared/corpora/flores/dev
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from indic.text.langid_model import FORMAT, MODEL_FILE, HindiMarathiModel, char_ngrams
from indic.text.normalization import normalize


@dataclass(frozen=True)
class LangidTrainingConfig:
    """How the model is trained; the card records these same field names."""

    orders: tuple[int, ...] = (1, 2, 3, 4)
    ngrams_kept: int = 5000
    smoothing: float = 0.5


def count_ngrams(lines: Iterable[str], orders: tuple[int, ...]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(char_ngrams(normalize(line), orders))
    return counts


def train(
    hindi_lines: Iterable[str], marathi_lines: Iterable[str], config: LangidTrainingConfig
) -> HindiMarathiModel:
    """Fit the model on two corpora (one sentence per line)."""
    hindi = count_ngrams(hindi_lines, config.orders)
    marathi = count_ngrams(marathi_lines, config.orders)
    kept = [gram for gram, _ in (hindi + marathi).most_common(config.ngrams_kept)]
    k, size = config.smoothing, len(kept)
    hindi_total = sum(hindi.values()) + k * size
    marathi_total = sum(marathi.values()) + k * size
    log_ratios = {
        gram: round(
            math.log((hindi[gram] + k) / hindi_total) - math.log((marathi[gram] + k) / marathi_total), 4
        )
        for gram in kept
    }
    return HindiMarathiModel(config.orders, log_ratios)


def accuracy(model: HindiMarathiModel, folder: Path) -> dict[str, float]:
    """Share of the lines of ``folder/hi.txt`` and ``folder/mr.txt`` that the model labels right."""
    scores = {}
    for code in ("hi", "mr"):
        lines = (folder / f"{code}.txt").read_text(encoding="utf-8").splitlines()
        scores[code] = round(sum(model.predict(line) == code for line in lines) / len(lines), 4)
    return scores


def main(argv: list[str] | None = None) -> None:
    """Train on ``<corpus>/hi.txt`` and ``<corpus>/mr.txt`` and write the model and its card."""
    from indic.artifacts import sha256_file
    from indic.atomic import atomic_write_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder with hi.txt and mr.txt")
    parser.add_argument("out", type=Path, help="folder to write the model and card.json into")
    parser.add_argument("--ngrams-kept", type=int, default=LangidTrainingConfig.ngrams_kept)
    parser.add_argument(
        "--eval", type=Path, help="folder with held-out hi.txt and mr.txt to measure accuracy on"
    )
    args = parser.parse_args(argv)
    config = LangidTrainingConfig(ngrams_kept=args.ngrams_kept)
    with (
        open(args.corpus / "hi.txt", encoding="utf-8") as hi,
        open(args.corpus / "mr.txt", encoding="utf-8") as mr,
    ):
        model = train(hi, mr, config)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / MODEL_FILE, model.to_json())
    card = {
        "name": "hi-mr-langid",
        "kind": "language-identification",
        "format": FORMAT,
        "file": MODEL_FILE,
        "sha256": sha256_file(args.out / MODEL_FILE),
        "version": 1,
        "produced_by": "python -m indic.text.langid_training ../shared/corpora/train indic/data/langid"
        " --eval ../shared/corpora/flores/dev",
        "training_data": "../shared/corpora/train/hi.txt and mr.txt (sources and licences: SOURCES.md there)",
        "config": asdict(config),
        "quality": {
            "metric": "share of lines labelled correctly",
            "eval_data": "FLORES-200 dev hi and mr" if args.eval else None,
            "accuracy": accuracy(model, args.eval) if args.eval else None,
        },
    }
    atomic_write_text(args.out / "card.json", json.dumps(card, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
