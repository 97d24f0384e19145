"""The text every algorithm trains on: one temperature-mixed file, written once and reused.

When every corpus file's language is known from its name (``hi.txt``, ``ta/``…), the files are mixed
with :func:`corpora.mixing.write_mix` (p ∝ size^α, thin languages upsampled) into
``<work_dir>/mix.txt``; a later run with the same sources and settings reuses it. Files of unknown
language are trained on as they are.

Every line comes out already normalized (the tokenizer's own normalizer, i.e.
:func:`indic.text.normalize`): the mix is normalized once when it is written, so the trainers can
skip the 70-rule normalizer — the costliest step of a pass over the text — instead of running it
in stage 1 and again in stage 2. Empty or unreadable input is rejected here with a
:class:`corpora.errors.CorpusError` that names the path.

Example::

    >>> text = prepare_training_corpus([Path("corpus/")], TrainConfig(), Path("w"))  # doctest: +SKIP
    >>> text.card()["mix"]["languages"]["or"]["share"]                            # doctest: +SKIP
    0.091
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpora.discovery import CorpusFile, discover_corpus_files
from corpora.errors import CorpusReadError
from corpora.mixing import mix_report_path, write_mix
from corpora.readers import iter_file_lines
from indic.atomic import atomic_open, atomic_write_text
from tokenizer_training.artifact import tokenizer_normalizer
from tokenizer_training.config import TrainConfig


@dataclass(frozen=True)
class TrainingCorpus:
    """Where the training lines come from, and what the card says about them."""

    files: tuple[CorpusFile, ...]
    mix_path: Path | None
    sources: tuple[dict[str, Any], ...]
    alpha: float
    seed: int
    mix_bytes: int | None

    def lines(self) -> Iterator[str]:
        """Every training line, normalized (a fresh pass on each call)."""
        if self.mix_path is not None:
            with self.mix_path.open(encoding="utf-8") as handle:
                yield from (line.rstrip("\n") for line in handle)
            return
        normalize = tokenizer_normalizer().normalize_str
        for corpus_file in self.files:
            yield from map(normalize, iter_file_lines(corpus_file))

    def languages(self) -> tuple[str, ...] | None:
        """The corpus's language codes, or None when some file's language is unknown."""
        codes = [corpus_file.language for corpus_file in self.files]
        if any(code is None for code in codes):
            return None
        return tuple(dict.fromkeys(str(code) for code in codes))

    def fingerprint(self) -> dict[str, Any]:
        """What identifies this text: sources (path, bytes, mtime) and the mix settings."""
        mix = (
            {"alpha": self.alpha, "seed": self.seed, "mix_bytes": self.mix_bytes, "normalized": True}
            if self.mix_path
            else None
        )
        return {"sources": list(self.sources), "mix": mix}

    def card(self) -> dict[str, Any]:
        """The corpus part of ``card.json``: the sources and, when mixed, the effective mix."""
        card: dict[str, Any] = {"sources": [_card_source(source) for source in self.sources], "mix": None}
        if self.mix_path is not None:
            report = json.loads(mix_report_path(self.mix_path).read_text(encoding="utf-8"))
            card["mix"] = {
                "alpha": report["alpha"],
                "seed": report["seed"],
                "bytes": sum(lang["bytes"] for lang in report["languages"].values()),
                "languages": {
                    code: {key: lang[key] for key in ("weight", "share", "upsampling", "bytes")}
                    for code, lang in report["languages"].items()
                },
            }
        return card


def _card_source(source: dict[str, Any]) -> dict[str, Any]:
    """A source as the card shows it: the file name (not this machine's path), language and size."""
    return {"file": Path(source["path"]).name, "language": source["language"], "bytes": source["bytes"]}


def _source(corpus_file: CorpusFile) -> dict[str, Any]:
    stat = corpus_file.path.stat()
    return {
        "path": str(corpus_file.path.resolve()),
        "language": corpus_file.language,
        "bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def _normalize_in_place(path: Path) -> None:
    """Rewrite ``path`` (one line per line) through the tokenizer's normalizer, atomically."""
    normalize = tokenizer_normalizer().normalize_str
    with path.open(encoding="utf-8", newline="\n") as source, atomic_open(path, "w") as target:
        for line in source:
            target.write(normalize(line.rstrip("\n")) + "\n")


def prepare_training_corpus(corpus: list[Path], config: TrainConfig, work_dir: Path) -> TrainingCorpus:
    """Discover ``corpus``, check it holds text, and mix it (or reuse the mix from an earlier run)."""
    if not corpus:
        raise CorpusReadError("no corpus given; pass one or more files or folders")
    files = tuple(discover_corpus_files(corpus))
    sources = tuple(_source(corpus_file) for corpus_file in files)
    empty = [
        str(corpus_file.path)
        for corpus_file, source in zip(files, sources, strict=True)
        if source["bytes"] == 0
    ]
    if len(empty) == len(files):
        raise CorpusReadError(f"the corpus is empty: {', '.join(empty)}")
    if any(corpus_file.language is None for corpus_file in files):
        text = TrainingCorpus(files, None, sources, config.alpha, config.seed, config.mix_bytes)
        if not any(line.strip() for line in text.lines()):
            raise CorpusReadError(f"the corpus has no text: {', '.join(str(p) for p in corpus)}")
        return text
    mix_path = Path(work_dir) / "mix.txt"
    text = TrainingCorpus(files, mix_path, sources, config.alpha, config.seed, config.mix_bytes)
    meta_path = Path(work_dir) / "mix.meta.json"
    wanted = text.fingerprint()
    if (
        mix_path.is_file()
        and meta_path.is_file()
        and json.loads(meta_path.read_text(encoding="utf-8")) == wanted
    ):
        return text
    grouped: dict[str, list[Path]] = {}
    for corpus_file in files:
        grouped.setdefault(str(corpus_file.language), []).append(corpus_file.path)
    mix_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = write_mix(dict(grouped), mix_path, config.alpha, config.mix_bytes, config.seed)
    except ValueError as error:
        raise CorpusReadError(f"cannot mix {', '.join(str(p) for p in corpus)}: {error}") from error
    if report.written_bytes == 0:
        raise CorpusReadError(f"the corpus has no text: {', '.join(str(p) for p in corpus)}")
    _normalize_in_place(mix_path)
    atomic_write_text(meta_path, json.dumps(wanted, ensure_ascii=False, indent=2) + "\n")
    return text
