"""Time from `indic serve` (bundled defaults) to a page a browser can open, against the 60 s budget.

Starts the real command in a subprocess on 127.0.0.1, polls ``/health`` and ``/`` until both
answer 200, prints the seconds, stops the server, and exits 1 past the budget.

Example: python bench/app_startup.py --budget 60
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import urllib.request


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="Example: python bench/app_startup.py --budget 60"
    )
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed (the README's promise)")
    args = parser.parse_args()
    from serving.server import free_local_port

    port = free_local_port()
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "indic", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while time.monotonic() - started < args.budget * 2:
            if server.poll() is not None:
                print(server.stderr.read() if server.stderr else "", file=sys.stderr)
                print("FAIL: indic serve exited early")
                return 1
            if _ok(f"{base}/health") and _ok(f"{base}/"):
                break
            time.sleep(0.25)
        seconds = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    verdict = "PASS" if seconds <= args.budget else "MISSED"
    print(
        f"indic serve -> app and API answering in {seconds:.1f} s (budget {args.budget:.0f} s, "
        f"{seconds / args.budget:.2f}x of budget): {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
