"""The *Metrics* tab: live throughput, real-time factor, latency percentiles, queue depth, provider.

A :class:`MetricsHistory` samples :meth:`serving.metrics.ServingMetrics.snapshot` once per tick of a
``gr.Timer`` and keeps a bounded window, so the plots move while the server works and a server
that runs for weeks keeps constant memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque

import pandas as pd

SERIES = {
    "throughput": ["lm tokens/s", "lm chars/s", "tts chars/s"],
    "latency": ["lm p50 s", "lm p95 s", "lm p99 s", "tts p50 s", "tts p95 s", "tts p99 s"],
    "speech": ["tts real-time factor p50", "queue depth (all)"],
}


class MetricsHistory:
    """A bounded time series of the figures the tab plots."""

    def __init__(self, metrics, max_points: int = 300) -> None:
        self.metrics = metrics
        self.started = time.monotonic()
        self.rows: deque[dict[str, float]] = deque(maxlen=max_points)
        self._lock = threading.Lock()

    def sample(self) -> dict:
        """Take one sample now; returns the snapshot it came from."""
        snap = self.metrics.snapshot()
        lm, tts = snap.get("lm", {}), snap.get("tts", {})
        row = {
            "t": round(time.monotonic() - self.started, 1),
            "lm tokens/s": lm.get("tokens_per_s", 0.0),
            "lm chars/s": lm.get("chars_per_s", 0.0),
            "tts chars/s": tts.get("chars_per_s", 0.0),
            "tts real-time factor p50": tts.get("real_time_factor", {}).get("p50", math.nan),
            "queue depth (all)": float(sum(m.get("queue_depth", 0) for m in snap.values())),
        }
        for name, model in (("lm", lm), ("tts", tts)):
            latency = model.get("latency_s", {})
            for q in ("p50", "p95", "p99"):
                row[f"{name} {q} s"] = latency.get(q, math.nan)
        with self._lock:
            self.rows.append(row)
        return snap

    def frame(self, group: str) -> pd.DataFrame:
        """Long table (t, series, value) of one plot group, NaNs dropped."""
        with self._lock:
            rows = list(self.rows)
        if not rows:
            return pd.DataFrame({"t": [], "series": [], "value": []})
        wide = pd.DataFrame(rows)
        long = wide.melt(id_vars="t", value_vars=SERIES[group], var_name="series", value_name="value")
        return long.dropna()


def status_markdown(snap: dict) -> str:
    """Provider, queue depth, batch occupancy and counts per model, as a small table."""
    lines = [
        "| model | provider | requests | failures | queue | batch occupancy p50 | TTFT p50 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, model in snap.items():
        occupancy = model.get("batch_occupancy", {}).get("p50", math.nan)
        ttft = model.get("ttft_s", {}).get("p50", math.nan)
        lines.append(
            f"| {name} | {model.get('provider', '?')} | {model.get('requests', 0)} "
            f"| {model.get('failures', 0)} "
            f"| {model.get('queue_depth', 0)} | {_fmt(occupancy)} | {_fmt(ttft, ' s')} |"
        )
    return "\n".join(lines) if snap else "No requests yet."


def _fmt(value: float, unit: str = "") -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.3f}{unit}"
