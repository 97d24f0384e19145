"""Load test of `indic serve`: 64 concurrent HTTP clients for 60 s, zero failures, bounded memory.

The server is the real command (`python -m indic serve --no-ui`) in its own process on 127.0.0.1;
the clients are :class:`serving.client.ServingClient` threads, each alternating speech and text
requests back to back. Every ``--bad-every``-th request is deliberately bad (an unknown language)
and must come back as its own 400 while the others succeed. The server's resident memory is
sampled once a second; after a warm-up (arenas, thread pools and metric windows fill), it must
stay within ``--max-growth-mb`` of where it started.

Acceptance (issue 8): zero failed good requests, every bad request refused with 400, memory growth
under the limit. Missing any prints MISSED and exits 1.

Example::

    python bench/serving_load.py --clients 64 --seconds 60
    python bench/serving_load.py --tts synthetic --lm synthetic --clients 8 --seconds 5 --warmup 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from serving.client import BadRequestError, ServingClient  # noqa: E402
from serving.metrics import summarize  # noqa: E402
from serving.server import free_local_port  # noqa: E402

PHRASES = [
    ("hi", "भारत एक विशाल देश है"),
    ("bn", "আজ আকাশ পরিষ্কার"),
    ("ta", "சென்னை ஒரு பெரிய நகரம்"),
    ("en", "The report comes out next week."),
]


@dataclass
class Tally:
    """What the clients saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"speak": [], "generate": []})
    failures: list[str] = field(default_factory=list)
    refused_bad: int = 0
    accepted_bad: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "indic",
        "serve",
        "--no-ui",
        "--port",
        str(port),
        "--tts",
        args.tts,
        "--lm",
        args.lm,
        "--providers",
        args.providers,
        "--max-queue",
        str(args.max_queue),
    ]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    with ServingClient(f"http://127.0.0.1:{port}", timeout=5) as probe:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                error = server.stderr.read().decode() if server.stderr else ""
                raise RuntimeError(f"indic serve exited with {server.returncode}: {error[-2000:]}")
            try:
                probe.health()
                return server
            except Exception:  # not listening yet
                time.sleep(0.5)
    server.kill()
    raise RuntimeError("indic serve did not answer /health within 180 s")


def client_loop(
    url: str, index: int, stop: float, tally: Tally, kinds: list[str], args: argparse.Namespace
) -> None:
    """Requests back to back until ``stop``, alternating ``kinds``; every one is counted, none may fail."""
    sent = 0
    with ServingClient(url, timeout=args.timeout) as client:
        while time.monotonic() < stop or sent == 0:
            lang, text = PHRASES[(index + sent) % len(PHRASES)]
            number = index * 100_000 + sent
            sent += 1
            if "speak" in kinds and args.bad_every and number % args.bad_every == args.bad_every - 1:
                try:
                    client.speak(text, "xx")
                except BadRequestError:
                    with tally.lock:
                        tally.refused_bad += 1
                except Exception as error:
                    with tally.lock:
                        tally.failures.append(f"bad request answered wrongly: {error!r}")
                else:
                    with tally.lock:
                        tally.accepted_bad += 1
                continue
            kind = kinds[(index + sent) % len(kinds)]
            began = time.perf_counter()
            try:
                if kind == "speak":
                    client.speak(text, lang, speaker=index % 4)
                else:
                    client.generate(text, max_new_tokens=args.new_tokens, seed=index)
            except Exception as error:
                with tally.lock:
                    tally.failures.append(f"{kind}: {error!r}")
                continue
            with tally.lock:
                tally.latencies[kind].append(time.perf_counter() - began)


def run_clients(url: str, seconds: float, tally: Tally, kinds: list[str], args: argparse.Namespace) -> float:
    stop = time.monotonic() + seconds
    began = time.perf_counter()
    threads = [
        threading.Thread(target=client_loop, args=(url, i, stop, tally, kinds, args))
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def sample_memory(process: psutil.Process, samples: list[float], stop: threading.Event) -> None:
    while not stop.wait(1.0):
        try:
            samples.append(process.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            return


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tts", default="auto", help="auto, synthetic, none, artifact name or folder")
    parser.add_argument("--lm", default="auto", help="auto, synthetic, none, artifact name or folder")
    parser.add_argument("--providers", default="cpu")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before memory is watched")
    parser.add_argument("--new-tokens", type=int, default=16)
    parser.add_argument("--bad-every", type=int, default=16, help="every Nth request is bad; 0 = none")
    parser.add_argument("--max-queue", type=int, default=256)
    parser.add_argument("--timeout", type=float, default=300.0, help="client timeout per request, s")
    parser.add_argument("--max-growth-mb", type=float, default=150.0)
    args = parser.parse_args()

    port = free_local_port()
    url = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    server = start_server(args, port)
    process = psutil.Process(server.pid)
    try:
        with ServingClient(url) as client:
            health = client.health()
        print(f"# indic serve on {url}: {health}, started in {time.perf_counter() - began:.1f} s", flush=True)
        kinds = [kind for kind, model in (("speak", "tts"), ("generate", "lm")) if health.get(model)]
        run_clients(url, args.warmup, Tally(), kinds, args)
        samples = [process.memory_info().rss / 2**20]
        stop = threading.Event()
        watcher = threading.Thread(target=sample_memory, args=(process, samples, stop))
        watcher.start()
        tally = Tally()
        wall = run_clients(url, args.seconds, tally, kinds, args)
        stop.set()
        watcher.join()
        samples.append(process.memory_info().rss / 2**20)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    done = {kind: len(values) for kind, values in tally.latencies.items()}
    growth = max(samples) - samples[0]
    print(f"{args.clients} clients, {wall:.1f} s (load average {os.getloadavg()[0]:.1f} at the end)")
    print("| requests | done | p50 s | p95 s | p99 s |")
    print("|---|---|---|---|---|")
    for kind, values in tally.latencies.items():
        if values:
            stats = summarize(values)
            print(
                f"| {kind} | {len(values)} | {stats['p50']:.3f} | {stats['p95']:.3f} | {stats['p99']:.3f} |"
            )
    print(
        f"bad requests refused with 400: {tally.refused_bad}, accepted: {tally.accepted_bad}; "
        f"failed good requests: {len(tally.failures)}"
    )
    print(
        f"server RSS: {samples[0]:.0f} MB after warm-up, peak {max(samples):.0f} MB, "
        f"end {samples[-1]:.0f} MB (growth {growth:.0f} MB, limit {args.max_growth_mb:.0f} MB)"
    )
    for failure in tally.failures[:10]:
        print(f"  {failure}")
    missed = bool(tally.failures) or tally.accepted_bad > 0 or growth > args.max_growth_mb
    missed |= not all(done[kind] for kind in kinds)
    print("MISSED" if missed else "PASSED: zero failed requests, bad requests failed alone, memory bounded")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
