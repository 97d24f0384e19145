"""Benchmark: measuring one tokenizer over FLORES dev (11 × 997 lines), batched vs a per-line loop.

Acceptance target (issue 4): one tokenizer over FLORES dev in under 2 s on 2 cores after loading.
The baseline is the naive loop a user would write — one encode and one decode call per line —
through the same adapter, so the ratio isolates what batching buys. Both paths must give identical
token counts. Times are the best of ``--repeat`` runs, round-trip check included, cache off; the
warm-cache time is printed too. Exits 1 (and prints MISSED) if a tokenizer misses the target.

    python bench/efficiency_bench.py                       # the o200k, Qwen2 and Llama-2 anchors
    python bench/efficiency_bench.py -t indic-superbpe-64k -t path/to/tokenizer.json
    python bench/efficiency_bench.py --write-docs          # also the anchor plots in docs/img/
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from indic.artifacts import ArtifactNotFoundError, find_artifact
from indic.efficiency import (
    load_corpus,
    load_tokenizer,
    measure,
    plot_fertility,
    plot_parity,
    plot_tokens_saved,
)
from indic.efficiency.cache import CountCache, TokenCount
from indic.efficiency.corpus import Corpus
from indic.efficiency.measure import count_tokens
from indic.efficiency.protocol import Tokenizer
from indic.efficiency.report import markdown_table, summarize
from indic.reference_data import require_reference_path

TARGET_SECONDS = 2.0
_Result = TypeVar("_Result")
DEFAULT_ANCHORS = ("o200k_base", "qwen2", "llama2")
# --write-docs: every anchor (label -> folder), tokens saved measured against GPT-4's cl100k.
DOCS_ANCHORS = {
    "o200k": "o200k_base",
    "llama4": "llama4",
    "qwen2": "qwen2",
    "llama3": "llama3",
    "cl100k": "cl100k_base",
    "mistral_v3": "mistral_v3",
    "llama2": "llama2",
}
DOCS_BASELINE = "cl100k"
BUNDLED = ("indic-superbpe-64k", "indic-superbpe-128k")
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


def per_line_counts(tokenizer: Tokenizer, corpus: Corpus) -> dict[str, TokenCount]:
    """The naive baseline: one encode and one decode call per line."""
    counts = {}
    for lang in corpus.languages:
        tokens = failures = 0
        for line in corpus.lines[lang]:
            ids = tokenizer.encode_batch([line])[0]
            tokens += len(ids)
            failures += tokenizer.decode(ids) != line
        counts[lang] = TokenCount(tokens, failures)
    return counts


def best_time(function: Callable[[], _Result], repeat: int) -> tuple[float, float, _Result]:
    """Best wall time, the CPU time (all threads) of that run, and the result."""
    best, cpu = float("inf"), float("nan")
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = function()
        elapsed = time.perf_counter() - started
        if elapsed < best:
            best, cpu = elapsed, time.process_time() - cpu_started
    return best, cpu, result


def write_docs_figures(anchors: Path) -> None:
    """Measure every anchor (and bundled tokenizers, when present) and draw the docs' plots."""
    specs: dict[str, str | Path] = {label: anchors / folder for label, folder in DOCS_ANCHORS.items()}
    for name in BUNDLED:
        try:
            find_artifact(name)
        except ArtifactNotFoundError:
            continue
        specs[name] = name
    table = measure(specs, "flores-dev", baseline=DOCS_BASELINE, cache=False)
    plot_fertility(table, DOCS_IMG / "efficiency_fertility")
    plot_parity(table, DOCS_IMG / "efficiency_parity")
    plot_tokens_saved(table, out=DOCS_IMG / "efficiency_tokens_saved")
    print(markdown_table(summarize(table)))
    print("plots written to docs/img/efficiency_{fertility,parity,tokens_saved}.{png,svg}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-t", "--tokenizer", action="append", help="tokenizer spec (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true", help="also draw docs/img/efficiency_*.png|svg")
    args = parser.parse_args()
    anchors = require_reference_path("anchors/tokenizers", "anchor tokenizers")
    if args.write_docs:
        write_docs_figures(anchors)
    specs = args.tokenizer or [str(anchors / name) for name in DEFAULT_ANCHORS]
    corpus = load_corpus("flores-dev")
    lines = sum(corpus.stats(lang).lines for lang in corpus.languages)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"corpus: flores-dev, {len(corpus.languages)} languages, {lines} lines; best of {args.repeat}")
    print(f"machine: {os.cpu_count()} cores, load average {load} (other jobs slow the wall times)")
    header = f"{'tokenizer':<16}{'load s':>8}{'batched s':>11}{'(cpu s)':>9}{'per-line s':>12}{'(cpu s)':>9}"
    print(f"{header}{'speed-up':>10}{'cached s':>10}{'tokens':>11}  target < 2 s")
    missed = False
    for spec in specs:
        started = time.perf_counter()
        tokenizer = load_tokenizer(spec)
        load_seconds = time.perf_counter() - started
        batched, batched_cpu, batched_counts = best_time(
            partial(count_tokens, tokenizer, corpus), args.repeat
        )
        naive, naive_cpu, naive_counts = best_time(partial(per_line_counts, tokenizer, corpus), args.repeat)
        if {k: v.tokens for k, v in batched_counts.items()} != {k: v.tokens for k, v in naive_counts.items()}:
            print(f"{tokenizer.name}: batched and per-line token counts differ", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as folder:
            cache = CountCache(Path(folder))
            count_tokens(tokenizer, corpus, cache)
            cached, _, _ = best_time(partial(count_tokens, tokenizer, corpus, cache), args.repeat)
        total = sum(count.tokens for count in batched_counts.values())
        verdict = "ok" if batched < TARGET_SECONDS else "MISSED"
        missed |= verdict == "MISSED"
        print(
            f"{tokenizer.name:<16}{load_seconds:>8.2f}{batched:>11.3f}{batched_cpu:>9.2f}{naive:>12.3f}{naive_cpu:>9.2f}"
            f"{naive / batched:>9.2f}x{cached:>10.3f}{total:>11,}  {verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
