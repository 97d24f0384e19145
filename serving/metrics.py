"""Serving metrics, computed one way for the CLI, the benchmarks, the HTTP service and the UI.

What is measured, per model (``"lm"``, ``"tts"``):

- latency p50/p95/p99 of finished requests (end to end: queueing + batching + inference);
- time to first token (LM), tokens/s and characters/s per stream and in total;
- real-time factor (TTS): seconds spent producing a clip / seconds of audio in it (< 1 is faster
  than real time);
- queue depth, batch occupancy (rows filled / rows allowed), active provider, failures.

Recent samples live in bounded windows (``max_samples`` per series, ``window_s`` for rates), so a
server that runs for weeks keeps constant memory. Percentiles use linear interpolation between
order statistics (numpy's default), the definition the tests pin down.

Example::

    >>> metrics = ServingMetrics()
    >>> metrics.record_speech(latency_s=0.5, chars=40, audio_s=2.0)
    >>> metrics.snapshot()["tts"]["real_time_factor"]["p50"]
    0.25
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

QUANTILES: tuple[float, ...] = (0.5, 0.95, 0.99)


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation; NaN for no data.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    """
    data = np.asarray(list(values), dtype=np.float64)
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], got {q}")
    if data.size == 0:
        return math.nan
    return float(np.percentile(data, q))


def summarize(values: Iterable[float]) -> dict[str, float]:
    """count, mean, p50, p95, p99 of ``values`` (NaN statistics when empty).

    >>> summarize(range(1, 101))["p95"]
    95.05
    """
    data = np.asarray(list(values), dtype=np.float64)
    summary = {"count": float(data.size), "mean": float(data.mean()) if data.size else math.nan}
    for q in QUANTILES:
        summary[f"p{round(q * 100)}"] = percentile(data, q * 100)
    return summary


class RateMeter:
    """Amount per second over a sliding window (or since creation while younger than the window)."""

    def __init__(
        self, window_s: float, clock: Callable[[], float] = time.monotonic, started: float | None = None
    ) -> None:
        self.window_s = window_s
        self.clock = clock
        self.started = clock() if started is None else started
        self.events: deque[tuple[float, float]] = deque()

    def add(self, amount: float) -> None:
        now = self.clock()
        self.events.append((now, amount))
        self._expire(now)

    def rate(self) -> float:
        now = self.clock()
        self._expire(now)
        span = min(self.window_s, now - self.started)
        return sum(a for _, a in self.events) / span if span > 0 else 0.0

    def _expire(self, now: float) -> None:
        while self.events and self.events[0][0] < now - self.window_s:
            self.events.popleft()


@dataclass(frozen=True)
class StreamStats:
    """One finished LM stream: how much it produced and how fast."""

    tokens: int
    chars: int
    ttft_s: float
    latency_s: float

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.latency_s if self.latency_s > 0 else 0.0

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.latency_s if self.latency_s > 0 else 0.0


@dataclass
class _ModelSeries:
    """Windows and counters of one model."""

    max_samples: int
    window_s: float
    clock: Callable[[], float]
    started: float
    provider: str = "none"
    queue_depth: int = 0
    counters: dict[str, float] = field(default_factory=dict)
    series: dict[str, deque[float]] = field(default_factory=dict)
    rates: dict[str, RateMeter] = field(default_factory=dict)

    def sample(self, name: str, value: float) -> None:
        self.series.setdefault(name, deque(maxlen=self.max_samples)).append(value)

    def count(self, name: str, amount: float = 1.0) -> None:
        self.counters[name] = self.counters.get(name, 0.0) + amount
        if name not in self.rates:
            self.rates[name] = RateMeter(self.window_s, self.clock, self.started)
        self.rates[name].add(amount)

    def summary(self, name: str) -> dict[str, float]:
        return summarize(self.series.get(name, ()))

    def rate(self, name: str) -> float:
        meter = self.rates.get(name)
        return meter.rate() if meter else 0.0


class ServingMetrics:
    """Thread-safe metrics of every model the service runs.

    Read them with :meth:`snapshot` (JSON-able dict) or :meth:`to_prometheus` (text exposition).
    """

    def __init__(
        self, window_s: float = 60.0, max_samples: int = 4096, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_s = window_s
        self.max_samples = max_samples
        self.clock = clock
        self.started = clock()
        self._lock = threading.Lock()
        self._models: dict[str, _ModelSeries] = {}

    def _model(self, name: str) -> _ModelSeries:
        if name not in self._models:
            self._models[name] = _ModelSeries(self.max_samples, self.window_s, self.clock, self.started)
        return self._models[name]

    def reset(self) -> None:
        """Forget every sample and counter (providers stay): e.g. after a benchmark's warm-up."""
        with self._lock:
            self.started = self.clock()
            self._models = {
                name: _ModelSeries(
                    self.max_samples, self.window_s, self.clock, self.started, provider=old.provider
                )
                for name, old in self._models.items()
            }

    def set_provider(self, model: str, provider: str) -> None:
        """Record which execution provider runs ``model``."""
        with self._lock:
            self._model(model).provider = provider

    def set_queue_depth(self, model: str, depth: int) -> None:
        """Requests (or streams) waiting for ``model`` right now."""
        with self._lock:
            self._model(model).queue_depth = depth

    def record_batch(self, model: str, size: int, capacity: int) -> None:
        """One batch (or decode step) of ``size`` rows out of ``capacity`` allowed."""
        with self._lock:
            series = self._model(model)
            series.sample("batch_occupancy", size / capacity)
            series.sample("batch_size", size)
            series.count("batches")

    def record_failure(self, model: str) -> None:
        """A request of ``model`` that ended in an error (bad input, overload, engine failure)."""
        with self._lock:
            self._model(model).count("failures")

    def record_speech(self, latency_s: float, chars: int, audio_s: float, model: str = "tts") -> None:
        """A finished TTS request: its latency, text length and seconds of audio produced."""
        with self._lock:
            series = self._model(model)
            series.sample("latency_s", latency_s)
            if audio_s > 0:
                series.sample("real_time_factor", latency_s / audio_s)
            series.count("requests")
            series.count("chars", chars)
            series.count("audio_s", audio_s)

    def record_stream(self, stats: StreamStats, model: str = "lm") -> None:
        """A finished LM stream."""
        with self._lock:
            series = self._model(model)
            series.sample("latency_s", stats.latency_s)
            series.sample("ttft_s", stats.ttft_s)
            series.sample("stream_tokens_per_s", stats.tokens_per_s)
            series.sample("stream_chars_per_s", stats.chars_per_s)
            series.count("requests")
            series.count("tokens", stats.tokens)
            series.count("chars", stats.chars)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every model's current figures as plain JSON-able values."""
        with self._lock:
            out: dict[str, dict[str, Any]] = {}
            for name, series in sorted(self._models.items()):
                out[name] = {
                    "provider": series.provider,
                    "queue_depth": series.queue_depth,
                    "requests": int(series.counters.get("requests", 0)),
                    "failures": int(series.counters.get("failures", 0)),
                    "latency_s": series.summary("latency_s"),
                    "batch_occupancy": series.summary("batch_occupancy"),
                    "tokens_per_s": series.rate("tokens"),
                    "chars_per_s": series.rate("chars"),
                    "requests_per_s": series.rate("requests"),
                    "audio_s_per_s": series.rate("audio_s"),
                    "ttft_s": series.summary("ttft_s"),
                    "stream_tokens_per_s": series.summary("stream_tokens_per_s"),
                    "stream_chars_per_s": series.summary("stream_chars_per_s"),
                    "real_time_factor": series.summary("real_time_factor"),
                    "totals": dict(series.counters),
                }
            return out

    def to_prometheus(self, prefix: str = "indic") -> str:
        """Prometheus text exposition (format 0.0.4) of :meth:`snapshot`."""
        snap = self.snapshot()
        lines: list[str] = []

        def family(name: str, kind: str, help_text: str, rows: list[tuple[dict[str, str], float]]) -> None:
            lines.append(f"# HELP {prefix}_{name} {help_text}")
            lines.append(f"# TYPE {prefix}_{name} {kind}")
            for labels, value in rows:
                label_text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
                lines.append(f"{prefix}_{name}{{{label_text}}} {_number(value)}")

        def per_model(getter: Callable[[dict[str, Any]], float]) -> list[tuple[dict[str, str], float]]:
            return [({"model": m}, getter(s)) for m, s in snap.items()]

        def quantiles(key: str) -> list[tuple[dict[str, str], float]]:
            return [
                ({"model": m, "quantile": str(q)}, s[key][f"p{round(q * 100)}"])
                for m, s in snap.items()
                for q in QUANTILES
                if s[key]["count"]
            ]

        family("requests_total", "counter", "Requests finished.", per_model(lambda s: s["requests"]))
        family(
            "failures_total",
            "counter",
            "Requests that ended in an error.",
            per_model(lambda s: s["failures"]),
        )
        family(
            "tokens_total",
            "counter",
            "LM tokens generated.",
            per_model(lambda s: s["totals"].get("tokens", 0)),
        )
        family(
            "characters_total",
            "counter",
            "Characters generated or spoken.",
            per_model(lambda s: s["totals"].get("chars", 0)),
        )
        family(
            "audio_seconds_total",
            "counter",
            "Seconds of audio produced.",
            per_model(lambda s: s["totals"].get("audio_s", 0)),
        )
        family(
            "tokens_per_second",
            "gauge",
            "Tokens/s over the recent window.",
            per_model(lambda s: s["tokens_per_s"]),
        )
        family(
            "characters_per_second",
            "gauge",
            "Characters/s over the recent window.",
            per_model(lambda s: s["chars_per_s"]),
        )
        family("queue_depth", "gauge", "Requests waiting.", per_model(lambda s: s["queue_depth"]))
        family(
            "batch_occupancy",
            "gauge",
            "Mean fraction of batch rows filled (recent batches).",
            per_model(lambda s: s["batch_occupancy"]["mean"]),
        )
        family("request_latency_seconds", "summary", "End-to-end request latency.", quantiles("latency_s"))
        family("time_to_first_token_seconds", "summary", "LM time to first token.", quantiles("ttft_s"))
        family(
            "real_time_factor",
            "summary",
            "TTS seconds of work per second of audio.",
            quantiles("real_time_factor"),
        )
        family(
            "active_provider",
            "gauge",
            "Execution provider running each model.",
            [({"model": m, "provider": s["provider"]}, 1.0) for m, s in snap.items()],
        )
        return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))
