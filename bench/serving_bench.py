"""Serving throughput and latency: batched vs unbatched, TTS and LM, at concurrency 1, 8 and 32.

Baseline: *unbatched serving* — the same service, same model, same clients, but one request per
onnxruntime call (``max_batch=1`` for TTS, ``max_streams=1`` for the LM). At each concurrency level
the two modes alternate in ``--rounds`` short slices in one process (so load from other processes
on a shared machine hits both alike), and the ratio of their summed throughput is printed. Clients
are closed-loop threads (each sends its next request when the previous one returns) calling the
services in-process, so the figures measure batching, not HTTP.

Acceptance (issue 8): at concurrency 32, batched TTS throughput >= 3x unbatched, and the LM's
ratio higher still. Missing either prints MISSED and exits 1.

Models: ``auto`` uses the shipped LM/voice artifacts when they exist, else the synthetic graphs of
``serving.synthetic_graphs`` (same interfaces, random weights); the output says which.

Example::

    nice -n 10 python bench/serving_bench.py --seconds 6
    python bench/serving_bench.py --tts synthetic --lm none --concurrency 1 32
"""

from __future__ import annotations

import argparse
import platform
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from serving.batching import BatchPolicy  # noqa: E402
from serving.metrics import ServingMetrics  # noqa: E402
from serving.services import SpeechService, TextService  # noqa: E402
from serving.stack import ServeConfig, build_stack  # noqa: E402

FLORES_DEV = REPO.parent / "shared" / "corpora" / "flores" / "dev"
FALLBACK_LINES = [
    "भारत एक विशाल देश है जहाँ अनेक भाषाएँ बोली जाती हैं।",
    "আজ আকাশ পরিষ্কার এবং বাতাস ঠান্ডা।",
    "The committee will publish its report next week.",
    "சென்னை ஒரு பெரிய நகரம்.",
]
TTS_TARGET = 3.0


@dataclass(frozen=True)
class RunResult:
    """One (engine, mode, concurrency) run."""

    engine: str
    mode: str
    concurrency: int
    seconds: float
    requests: int
    units: float  # audio seconds (TTS) or tokens (LM)
    latency: dict[str, float]
    ttft: dict[str, float]
    occupancy: float
    failures: int

    @property
    def throughput(self) -> float:
        return self.units / self.seconds


def load_lines(langs: list[str], limit: int) -> list[tuple[str, str]]:
    """(lang, sentence) pairs from FLORES dev when present, else a few built-in sentences."""
    pairs: list[tuple[str, str]] = []
    for lang in langs:
        path = FLORES_DEV / f"{lang}.txt"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()[:limit]
            pairs.extend((lang, line) for line in lines if line.strip())
    return pairs or [("hi", line) for line in FALLBACK_LINES]


def closed_loop(clients: int, seconds: float, call: Callable[[int, int], None]) -> tuple[float, int, int]:
    """Run ``clients`` threads calling ``call(client, i)`` until ``seconds`` pass; (wall, done, failed)."""
    stop = time.perf_counter() + seconds
    done = [0] * clients
    failed = [0] * clients

    def worker(index: int) -> None:
        while time.perf_counter() < stop:
            try:
                call(index, done[index] + failed[index])
                done[index] += 1
            except Exception as error:  # counted and reported: a benchmark must not hide failures
                failed[index] += 1
                print(f"  request failed: {error!r}", file=sys.stderr)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, sum(done), sum(failed)


@dataclass
class Mode:
    """One way of serving an engine: a service, its metrics and the client call that exercises it."""

    engine: str
    name: str
    metrics: ServingMetrics
    call: Callable[[int, int], None]
    close: Callable[[], None]
    wall: float = 0.0
    done: int = 0
    failed: int = 0


def tts_mode(
    base: SpeechService, lines: list[tuple[str, str]], batched: bool, args: argparse.Namespace
) -> Mode:
    metrics = ServingMetrics(max_samples=100_000)
    policy = BatchPolicy(
        max_batch=32 if batched else 1,
        max_wait_s=args.max_wait_ms / 1000,
        max_queue=1024,
        max_batch_tokens=args.max_batch_tokens or None,
    )
    service = SpeechService(base.engine, base.phonemize, base.language_id, base.speakers, policy, metrics)

    def call(client: int, i: int) -> None:
        lang, text = lines[(client * 7919 + i) % len(lines)]
        service.speak(text, lang, speaker=client % (base.speakers or 1))

    return Mode("tts", "batched" if batched else "unbatched", metrics, call, service.close)


def lm_mode(base: TextService, lines: list[tuple[str, str]], batched: bool, args: argparse.Namespace) -> Mode:
    metrics = ServingMetrics(max_samples=100_000)
    service = TextService(
        base.engine, base.codec, max_streams=32 if batched else 1, max_queue=1024, metrics=metrics
    )

    def call(client: int, i: int) -> None:
        _, text = lines[(client * 7919 + i) % len(lines)]
        service.generate(text[: args.prompt_chars], max_new_tokens=args.new_tokens, seed=client)

    return Mode("lm", "batched" if batched else "unbatched", metrics, call, service.close)


def compare(modes: list[Mode], clients: int, args: argparse.Namespace) -> list[RunResult]:
    """Alternate the modes in short slices, so load from other processes hits both alike."""
    for mode in modes:
        closed_loop(clients, args.warmup, mode.call)
        mode.metrics.reset()
    for _ in range(args.rounds):
        for mode in modes:
            wall, done, failed = closed_loop(clients, args.seconds / args.rounds, mode.call)
            mode.wall, mode.done, mode.failed = mode.wall + wall, mode.done + done, mode.failed + failed
    results = []
    for mode in modes:
        mode.close()
        snap = mode.metrics.snapshot()[mode.engine]
        units = snap["totals"].get("audio_s" if mode.engine == "tts" else "tokens", 0.0)
        results.append(
            RunResult(
                mode.engine,
                mode.name,
                clients,
                mode.wall,
                mode.done,
                units,
                snap["latency_s"],
                snap["ttft_s"] if mode.engine == "lm" else {},
                snap["batch_occupancy"]["mean"],
                mode.failed,
            )
        )
    return results


def print_table(results: list[RunResult]) -> None:
    unit = {"tts": "audio s/s", "lm": "tokens/s"}
    print(
        "| engine | clients | mode | requests | throughput | ratio vs unbatched | p50 s | p95 s | p99 s "
        "| TTFT p50 s | occupancy | failed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    baseline = {(r.engine, r.concurrency): r.throughput for r in results if r.mode == "unbatched"}
    for r in results:
        ratio = (
            r.throughput / baseline[(r.engine, r.concurrency)]
            if baseline.get((r.engine, r.concurrency))
            else 0
        )
        ttft = f"{r.ttft['p50']:.3f}" if r.ttft else "-"
        print(
            f"| {r.engine} | {r.concurrency} | {r.mode} | {r.requests} "
            f"| {r.throughput:,.1f} {unit[r.engine]} "
            f"| {ratio:.2f}x | {r.latency['p50']:.3f} | {r.latency['p95']:.3f} | {r.latency['p99']:.3f} "
            f"| {ttft} | {r.occupancy:.2f} | {r.failures} |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tts", default="auto", help="auto, synthetic, none, artifact name or folder")
    parser.add_argument("--lm", default="auto", help="auto, synthetic, none, artifact name or folder")
    parser.add_argument("--providers", default="cpu")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument(
        "--seconds", type=float, default=8.0, help="measured seconds per mode and concurrency"
    )
    parser.add_argument("--rounds", type=int, default=4, help="slices the modes alternate in")
    parser.add_argument("--warmup", type=float, default=1.5, help="unmeasured seconds before each run")
    parser.add_argument("--max-wait-ms", type=float, default=5.0, help="TTS batcher max wait")
    parser.add_argument(
        "--max-batch-tokens", type=int, default=256, help="TTS rows x padded phonemes; 0 = no cap"
    )
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--prompt-chars", type=int, default=24)
    parser.add_argument("--langs", nargs="+", default=["hi", "bn", "ta", "en"])
    args = parser.parse_args()

    stack = build_stack(ServeConfig(lm=args.lm, tts=args.tts, providers=args.providers))
    lines = load_lines(args.langs, limit=200)
    print(
        f"# serving_bench: {platform.machine()} {platform.processor() or ''} — models: {stack.models}; "
        f"provider: {args.providers}; {len(lines)} sentences ({', '.join(args.langs)}); "
        f"{args.seconds:.0f} s per mode in {args.rounds} alternating slices, closed-loop clients"
    )
    results: list[RunResult] = []
    for clients in args.concurrency:
        if stack.speech is not None:
            modes = [tts_mode(stack.speech, lines, batched, args) for batched in (False, True)]
            results.extend(compare(modes, clients, args))
        if stack.text is not None:
            modes = [lm_mode(stack.text, lines, batched, args) for batched in (False, True)]
            results.extend(compare(modes, clients, args))
    stack.close()
    results.sort(key=lambda r: (r.engine, r.concurrency, r.mode != "unbatched"))
    print_table(results)
    return verdict(results)


def verdict(results: list[RunResult]) -> int:
    """Check the acceptance targets at the highest concurrency measured; 1 if any is missed."""
    top = max(r.concurrency for r in results)
    ratios = {}
    for engine in ("tts", "lm"):
        runs = {r.mode: r.throughput for r in results if r.engine == engine and r.concurrency == top}
        if len(runs) == 2 and runs["unbatched"] > 0:
            ratios[engine] = runs["batched"] / runs["unbatched"]
    missed = any(r.failures for r in results)
    if "tts" in ratios:
        ok = ratios["tts"] >= TTS_TARGET
        missed |= not ok
        print(
            f"TTS batched/unbatched at {top} clients: {ratios['tts']:.2f}x (target >= {TTS_TARGET}x) "
            f"{'met' if ok else 'MISSED'}"
        )
    if "lm" in ratios:
        floor = max(TTS_TARGET, ratios.get("tts", 0.0))
        ok = ratios["lm"] > floor
        missed |= not ok
        print(
            f"LM batched/unbatched at {top} clients: {ratios['lm']:.2f}x (target > {floor:.2f}x) "
            f"{'met' if ok else 'MISSED'}"
        )
    if any(r.failures for r in results):
        print("MISSED: some requests failed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
