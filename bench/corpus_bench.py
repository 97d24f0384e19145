"""Benchmark the corpus pipeline on the shared training corpus, against a plain line read.

Baseline: reading every line of the corpus with Python's ``open()`` and nothing else — the floor
any line-oriented tool pays. Each measured step prints its wall time, its throughput and its
ratio to that baseline, then checks what it found against an independent count (``lines`` and
``bytes`` of ``indic corpus stats`` must equal a byte-level count of the files).

Acceptance (issue 2): ``indic corpus stats`` on the whole corpus (~104 MB, 11 languages) with one
worker per core finishes within ``--target-seconds`` (default 120 s on 2 cores). A missed target
or a wrong count prints MISSED and exits 1.

Example::

    python3 bench/corpus_bench.py --corpus ../shared/corpora/train --workers 2
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from corpora.contamination import check_contamination, paired_by_language  # noqa: E402
from corpora.discovery import discover_corpus_files  # noqa: E402
from corpora.exact_dedup import ExactDeduplicator  # noqa: E402
from corpora.mixing import sources_by_language, write_mix  # noqa: E402
from corpora.near_dedup import NearDeduplicator  # noqa: E402
from corpora.readers import iter_file_lines  # noqa: E402
from corpora.stats import corpus_stats  # noqa: E402
from corpora.workers import default_workers  # noqa: E402


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


@dataclass
class Timing:
    """Wall-clock and CPU seconds of one step; ``cpu`` is None for steps run on worker processes.

    Workers start from a fork server, so they are not this process's children and their CPU time
    is invisible to ``getrusage``: only single-process steps report CPU.
    """

    wall: float
    cpu: float | None


def _timed(step: Callable[[], T], in_workers: bool = False) -> tuple[Timing, T]:
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    result = step()
    cpu = None if in_workers else _cpu_seconds() - cpu_start
    return Timing(time.perf_counter() - start, cpu), result


def _plain_read(paths: list[Path]) -> tuple[int, int]:
    lines = size = 0
    for path in paths:
        with path.open("rb") as handle:
            for raw in handle:
                if raw.strip():
                    lines += 1
                    size += len(raw) if raw.endswith(b"\n") else len(raw) + 1
    return lines, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared" / "corpora" / "train")
    parser.add_argument(
        "--eval", type=Path, default=REPO_ROOT.parent / "shared" / "corpora" / "flores" / "dev"
    )
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--target-seconds", type=float, default=120.0)
    parser.add_argument("--dedup-language", default="hi", help="language file used for the dedup timings")
    args = parser.parse_args()

    files = discover_corpus_files([args.corpus])
    megabytes = sum(f.path.stat().st_size for f in files) / 1e6
    base, (base_lines, base_bytes) = _timed(lambda: _plain_read([f.path for f in files]))
    print(f"corpus: {args.corpus} — {len(files)} files, {megabytes:.1f} MB, {base_lines:,} lines")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"machine: {default_workers()} cores available, load average {load} (others' jobs slow wall times)")
    print(f"{'step':<46}{'wall s':>8}{'CPU s':>8}{'MB/s':>8}{'wall × baseline':>17}")

    def report(name: str, timing: Timing, size_mb: float, baseline: Timing) -> None:
        ratio = timing.wall / baseline.wall
        cpu = "n/a" if timing.cpu is None else f"{timing.cpu:.2f}"
        print(f"{name:<46}{timing.wall:>8.2f}{cpu:>8}{size_mb / timing.wall:>8.1f}{ratio:>17.1f}")

    report("baseline: plain line read (open)", base, megabytes, base)
    read, _ = _timed(lambda: sum(1 for f in files for _ in iter_file_lines(f)))
    report("corpora.readers.iter_file_lines", read, megabytes, base)
    single, _ = _timed(lambda: corpus_stats([args.corpus], workers=1))
    report("corpus stats, 1 worker", single, megabytes, base)
    parallel, stats = _timed(lambda: corpus_stats([args.corpus], workers=args.workers), in_workers=True)
    report(f"corpus stats, {args.workers} workers", parallel, megabytes, base)
    print(f"  speed-up of {args.workers} workers over 1 (wall): {single.wall / parallel.wall:.2f}×")

    sample = next(f for f in files if f.language == args.dedup_language)
    sample_mb = sample.path.stat().st_size / 1e6
    sample_base, _ = _timed(lambda: _plain_read([sample.path]))
    exact = ExactDeduplicator()
    exact_timing, _ = _timed(lambda: sum(1 for _ in exact.filter(iter_file_lines(sample))))
    report(f"exact dedup ({args.dedup_language} only)", exact_timing, sample_mb, sample_base)
    near = NearDeduplicator()
    near_timing, _ = _timed(lambda: sum(1 for _ in near.filter(iter_file_lines(sample))))
    report(f"near dedup, MinHash/LSH ({args.dedup_language} only)", near_timing, sample_mb, sample_base)
    shares = f"exact duplicates {exact.duplicate_share:.3%}, near {near.duplicate_share:.3%}"
    print(f"  {args.dedup_language}: {shares}")

    with tempfile.TemporaryDirectory() as scratch:
        sources: dict[str, Path | list[Path]] = dict(sources_by_language(files).items())
        mix_timing, mix = _timed(lambda: write_mix(sources, Path(scratch) / "mix.txt", alpha=0.3))
    report("mix, alpha 0.3", mix_timing, megabytes, base)
    thinnest = min(mix.languages, key=lambda lang: mix.languages[lang].source_bytes)
    print(f"  thinnest ({thinnest}) upsampled ×{mix.languages[thinnest].upsampling:.2f}")

    if args.eval.is_dir():
        train, evaluation = paired_by_language([args.corpus], [args.eval])
        cont_timing, cont = _timed(
            lambda: check_contamination(train, evaluation, workers=args.workers), in_workers=True
        )
        report(f"contamination vs eval set, {args.workers} workers", cont_timing, megabytes, base)
        found = {lang: (item.exact, item.ngram) for lang, item in cont.languages.items() if item.ngram}
        print(f"  eval lines found (exact, 8-gram ≥ 50%): {found or 'none'}")

    failures = []
    lines = sum(item.lines for item in stats.values())
    size = sum(item.bytes for item in stats.values())
    if (lines, size) != (base_lines, base_bytes):
        failures.append(
            f"stats counted {lines:,} lines / {size:,} bytes, plain read {base_lines:,} / {base_bytes:,}"
        )
    if parallel.wall > args.target_seconds:
        failures.append(f"stats took {parallel.wall:.1f} s, target {args.target_seconds:.0f} s")
    for failure in failures:
        print(f"MISSED: {failure}")
    if not failures:
        timing = f"{parallel.wall:.1f} s ≤ {args.target_seconds:.0f} s"
        print(f"PASSED: stats on {megabytes:.0f} MB in {timing}; counts exact")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
