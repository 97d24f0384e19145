"""Temperature-based language mixing: p(lang) ∝ size(lang)^α, thin languages upsampled.

Sampling languages in proportion to their size lets the largest ones crowd out the rest;
sampling uniformly repeats thin ones until a model memorises them. The mBERT/XLM-R compromise
raises each size to a power α < 1 (0.3 here, DESIGN §3): with sizes 100 MB and 1 MB and α = 0.3
the shares are 100^0.3 : 1 = 3.98 : 1, i.e. 80% / 20% instead of 99% / 1%.

:func:`write_mix` streams the sources into one file whose bytes follow those shares. A language
whose target exceeds its text is repeated (whole passes, then a seeded uniform sample of its
lines for the fraction); a larger one is subsampled the same way. Languages are interleaved so
that every stretch of the output has the target mix (the language furthest behind its target
writes next). The effective mix is returned and written beside the output::

    >>> from corpora.mixing import mixing_weights
    >>> {k: round(v, 3) for k, v in mixing_weights({"hi": 100, "or": 1}, alpha=0.5).items()}
    {'hi': 0.909, 'or': 0.091}
    >>> report = write_mix({"hi": Path("hi.txt"), "or": Path("or.txt")}, Path("mix.txt"))  # doctest: +SKIP
    >>> report.languages["or"].upsampling > 1                                           # doctest: +SKIP
    True
"""

from __future__ import annotations

import heapq
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpora.discovery import CorpusFile, discover_corpus_files
from corpora.errors import CorpusLanguageError
from corpora.readers import DEFAULT_TEXT_FIELD, iter_file_lines
from indic.atomic import atomic_open, atomic_write_text

DEFAULT_ALPHA = 0.3


def mixing_weights(sizes: dict[str, int], alpha: float = DEFAULT_ALPHA) -> dict[str, float]:
    """Sampling probabilities p ∝ size^α (α = 1: proportional, α = 0: uniform over non-empty languages).

    >>> mixing_weights({"a": 1, "b": 16}, alpha=0.25)
    {'a': 0.3333333333333333, 'b': 0.6666666666666666}
    """
    if not sizes:
        raise ValueError("no languages to mix")
    if alpha < 0 or not math.isfinite(alpha):
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha}")
    negative = [lang for lang, size in sizes.items() if size < 0]
    if negative:
        raise ValueError(f"sizes must not be negative: {', '.join(negative)}")
    powered = {lang: float(size) ** alpha if size > 0 else 0.0 for lang, size in sizes.items()}
    total = sum(powered.values())
    if total == 0:
        raise ValueError("every language is empty; nothing to mix")
    return {lang: value / total for lang, value in powered.items()}


@dataclass
class LanguageMix:
    """What one language contributed: its source, its target and what was actually written."""

    source_lines: int
    source_bytes: int
    weight: float
    target_bytes: int
    lines: int = 0
    bytes: int = 0
    share: float = 0.0
    upsampling: float = 0.0


@dataclass
class MixReport:
    """The effective mix of a written file; ``upsampling`` > 1 means repeated, < 1 subsampled."""

    out: str
    alpha: float
    seed: int
    total_bytes: int
    languages: dict[str, LanguageMix] = field(default_factory=dict)

    @property
    def written_bytes(self) -> int:
        """UTF-8 bytes written, newlines included."""
        return sum(mix.bytes for mix in self.languages.values())

    def to_json(self) -> str:
        """The report as indented JSON (the file written beside the output)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"


def mix_report_path(out: Path) -> Path:
    """Where :func:`write_mix` writes its report: ``<out>.mix.json``."""
    return out.with_name(out.name + ".mix.json")


def _line_bytes(line: str) -> int:
    return len(line.encode("utf-8")) + 1


def _measure(files: list[CorpusFile], text_field: str) -> tuple[int, int]:
    lines = size = 0
    for corpus_file in files:
        for line in iter_file_lines(corpus_file, text_field):
            lines += 1
            size += _line_bytes(line)
    return lines, size


def _sampled_lines(
    files: list[CorpusFile], lines: int, factor: float, rng: random.Random, text_field: str
) -> Iterator[tuple[str, int]]:
    """Whole passes for the integer part of ``factor``, then a seeded sample for the fraction.

    The fractional pass keeps exactly ``round(fraction × lines)`` lines, each line equally likely,
    in one streaming pass (Knuth's selection sampling: keep a line with probability
    still-needed / still-unseen), so small corpora hit their share without a coin's variance.
    """
    whole_passes, fraction = divmod(factor, 1.0)
    for _ in range(int(whole_passes)):
        for corpus_file in files:
            for line in iter_file_lines(corpus_file, text_field):
                yield line, _line_bytes(line)
    needed, unseen = round(fraction * lines), lines
    for corpus_file in files:
        for line in iter_file_lines(corpus_file, text_field):
            if needed == 0:
                return
            if rng.random() * unseen < needed:
                needed -= 1
                yield line, _line_bytes(line)
            unseen -= 1


def write_mix(
    sources: dict[str, Path | list[Path]],
    out: Path,
    alpha: float = DEFAULT_ALPHA,
    total_bytes: int | None = None,
    seed: int = 0,
    *,
    text_field: str = DEFAULT_TEXT_FIELD,
    progress: Callable[[int], None] | None = None,
) -> MixReport:
    """Write a temperature-mixed file of about ``total_bytes`` (default: the sources' total).

    ``sources`` maps a language to a file, a folder or a list of them. ``progress`` is called with
    the bytes written since its last call. The output and ``<out>.mix.json`` are written atomically.
    """
    out = Path(out)
    files = {
        lang: discover_corpus_files(paths if isinstance(paths, list) else [paths])
        for lang, paths in sources.items()
    }
    measured = {lang: _measure(lang_files, text_field) for lang, lang_files in files.items()}
    sizes = {lang: size for lang, (_, size) in measured.items()}
    weights = mixing_weights(sizes, alpha)
    total = sum(sizes.values()) if total_bytes is None else total_bytes
    if total <= 0:
        raise ValueError(f"total_bytes must be positive, got {total}")
    report = MixReport(str(out), alpha, seed, total)
    streams: dict[str, Iterator[tuple[str, int]]] = {}
    for lang, (lines, size) in measured.items():
        target = round(weights[lang] * total)
        report.languages[lang] = LanguageMix(lines, size, weights[lang], target)
        if target > 0 and size > 0:
            rng = random.Random(f"{seed}:{lang}")
            streams[lang] = _sampled_lines(files[lang], lines, target / size, rng, text_field)
    # Heap of (progress toward target, language): the language furthest behind writes next.
    queue = [(0.0, lang) for lang in streams]
    heapq.heapify(queue)
    with atomic_open(out, "w") as handle:
        while queue:
            _, lang = heapq.heappop(queue)
            item = next(streams[lang], None)
            if item is None:
                continue
            line, size = item
            handle.write(line + "\n")
            mix = report.languages[lang]
            mix.lines += 1
            mix.bytes += size
            if progress is not None:
                progress(size)
            heapq.heappush(queue, (mix.bytes / mix.target_bytes, lang))
    written = report.written_bytes
    for mix in report.languages.values():
        mix.share = mix.bytes / written if written else 0.0
        mix.upsampling = mix.bytes / mix.source_bytes if mix.source_bytes else 0.0
    atomic_write_text(mix_report_path(out), report.to_json())
    return report


def sources_by_language(files: list[CorpusFile]) -> dict[str, list[Path]]:
    """Group discovered files by language, for :func:`write_mix`; files of unknown language are an error."""
    unknown = [str(corpus_file.path) for corpus_file in files if corpus_file.language is None]
    if unknown:
        raise CorpusLanguageError(
            f"cannot tell the language of {', '.join(unknown)} (name files like hi.txt)"
        )
    grouped: dict[str, list[Path]] = {}
    for corpus_file in files:
        grouped.setdefault(str(corpus_file.language), []).append(corpus_file.path)
    return grouped
