"""Load test of the Gradio app: N concurrent `gradio_client` clients for T seconds against a live app.

Each client loops over the app's real endpoints (speak, tokenize, generate) until the deadline and
records every request's latency and outcome. The run fails (exit 1) on any failed request or when
the server process's memory grew without bound (RSS after > 2× RSS after warm-up + 500 MB).

By default it launches its own app on 127.0.0.1 with the bundled models (``--lm auto --tts auto``,
falling back to random-weight graphs when none are bundled) and tiny tokenizers; ``--url`` targets a
running `indic serve` instead. Loopback only.

Example: python bench/app_load.py --clients 32 --seconds 60
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import Counter

import numpy as np

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CALLS = [
    ("/speak", ("नमस्ते दुनिया। आज मौसम अच्छा है।", "hi", 0, 1.0)),
    ("/tokenize", ("ভারতে অনেক ভাষা বলা হয়।", None)),
    ("/speak", ("வணக்கம், இன்று நல்ல நாள்.", "ta", 0, 1.0)),
    ("/generate", ("भारत की राजधानी", "hi", 16, 0.7)),
]


def run_client(url: str, deadline: float, tokenizers: list[str], out: list, lock: threading.Lock) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    step = 0
    while time.monotonic() < deadline:
        endpoint, args = CALLS[step % len(CALLS)]
        if endpoint == "/tokenize":
            args = (args[0], tokenizers)
        start = time.perf_counter()
        try:
            client.predict(*args, api_name=endpoint)
            outcome = "ok"
        except Exception as error:  # a load test records every failure, whatever its type
            outcome = f"{type(error).__name__}: {str(error)[:80]}"
        with lock:
            out.append((endpoint, time.perf_counter() - start, outcome))
        step += 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: python bench/app_load.py --clients 32 --seconds 60",
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--lm", default="auto")
    parser.add_argument("--tts", default="auto")
    args = parser.parse_args()

    import psutil

    from serving.app import build_app
    from serving.app.tokenize_tab import tokenizer_choices
    from serving.server import free_local_port
    from serving.stack import ServeConfig, build_stack

    bundled = {name: spec for name, spec in tokenizer_choices().items() if name == spec}
    choices = bundled or tokenizer_choices()
    stack = build_stack(ServeConfig(lm=args.lm, tts=args.tts))
    demo = build_app(stack, tokenizer_choices=choices)
    port = free_local_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}/"
    process = psutil.Process()
    print(f"models: {stack.models}; clients {args.clients}; {args.seconds:.0f} s", flush=True)

    results: list = []
    lock = threading.Lock()
    run_client(url, time.monotonic() + 3, list(choices), [], lock)  # warm-up
    rss_warm = process.memory_info().rss
    deadline = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=run_client, args=(url, deadline, list(choices), results, lock))
        for _ in range(args.clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    peak = rss_warm
    while any(t.is_alive() for t in threads):
        peak = max(peak, process.memory_info().rss)
        time.sleep(0.5)
    wall = time.monotonic() - started
    demo.close()
    stack.close()

    failures = Counter(outcome for _, _, outcome in results if outcome != "ok")
    print(f"\n{'endpoint':<12}{'requests':>10}{'req/s':>9}{'p50 s':>9}{'p95 s':>9}{'p99 s':>9}")
    for endpoint in sorted({e for e, _, _ in results}):
        lat = np.array([t for e, t, o in results if e == endpoint and o == "ok"])
        count = sum(1 for e, _, _ in results if e == endpoint)
        if lat.size:
            p50, p95, p99 = np.percentile(lat, [50, 95, 99])
            print(f"{endpoint:<12}{count:>10}{count / wall:>9.2f}{p50:>9.3f}{p95:>9.3f}{p99:>9.3f}")
    bounded = peak < 2 * rss_warm + 500e6
    print(f"\nrequests {len(results)}, failed {sum(failures.values())}, wall {wall:.1f} s")
    print(
        f"server RSS after warm-up {rss_warm / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB"
        f" -> {'bounded' if bounded else 'GREW'}"
    )
    for outcome, count in failures.most_common(5):
        print(f"  {count} x {outcome}")
    ok = not failures and bounded and results
    print("PASS" if ok else "FAIL: failed requests or unbounded memory")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
