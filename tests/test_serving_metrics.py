"""Serving metrics: percentiles, rates, per-stream figures and the Prometheus text."""

from __future__ import annotations

import math

import pytest

from serving.metrics import RateMeter, ServingMetrics, StreamStats, percentile, summarize


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_percentiles_interpolate_linearly_between_order_statistics() -> None:
    data = list(range(1, 101))  # 1..100
    assert percentile(data, 50) == 50.5
    assert percentile(data, 95) == pytest.approx(95.05)
    assert percentile(data, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert percentile([3, 1, 2], 0) == 1 and percentile([3, 1, 2], 100) == 3


def test_percentile_of_nothing_is_nan_and_out_of_range_q_is_refused() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        percentile([1], 101)


def test_summary_has_count_mean_and_the_three_percentiles() -> None:
    summary = summarize([0.1, 0.2, 0.3, 0.4])
    assert summary["count"] == 4 and summary["mean"] == pytest.approx(0.25)
    assert summary["p50"] == pytest.approx(0.25)
    assert summary["p99"] == pytest.approx(0.397)


def test_rate_is_amount_over_the_window_or_over_the_age_when_younger() -> None:
    clock = FakeClock()
    meter = RateMeter(window_s=10.0, clock=clock)
    clock.now += 2
    meter.add(40)
    assert meter.rate() == pytest.approx(20.0)  # 40 over 2 s of life
    clock.now += 20
    meter.add(100)
    assert meter.rate() == pytest.approx(10.0)  # only the last 10 s count


def test_stream_stats_give_tokens_and_chars_per_second() -> None:
    stats = StreamStats(tokens=50, chars=120, ttft_s=0.1, latency_s=2.0)
    assert stats.tokens_per_s == 25.0 and stats.chars_per_s == 60.0


def test_real_time_factor_is_work_seconds_per_audio_second() -> None:
    metrics = ServingMetrics()
    metrics.record_speech(latency_s=0.5, chars=10, audio_s=2.0)
    metrics.record_speech(latency_s=1.5, chars=10, audio_s=3.0)
    rtf = metrics.snapshot()["tts"]["real_time_factor"]
    assert rtf["count"] == 2 and rtf["p50"] == pytest.approx(0.375)


def test_snapshot_reports_ttft_totals_occupancy_queue_and_provider() -> None:
    clock = FakeClock()
    metrics = ServingMetrics(window_s=10, clock=clock)
    metrics.set_provider("lm", "CPUExecutionProvider")
    metrics.set_queue_depth("lm", 3)
    metrics.record_batch("lm", 8, 32)
    metrics.record_batch("lm", 16, 32)
    clock.now += 4
    metrics.record_stream(StreamStats(tokens=20, chars=40, ttft_s=0.05, latency_s=1.0))
    metrics.record_stream(StreamStats(tokens=20, chars=40, ttft_s=0.15, latency_s=1.0))
    metrics.record_failure("lm")
    lm = metrics.snapshot()["lm"]
    assert lm["provider"] == "CPUExecutionProvider" and lm["queue_depth"] == 3
    assert lm["batch_occupancy"]["mean"] == pytest.approx(0.375)
    assert lm["ttft_s"]["p50"] == pytest.approx(0.1)
    assert lm["tokens_per_s"] == pytest.approx(10.0)  # 40 tokens in 4 s
    assert lm["stream_tokens_per_s"]["p50"] == pytest.approx(20.0)
    assert lm["requests"] == 2 and lm["failures"] == 1


def test_sample_windows_stay_bounded_however_long_the_server_runs() -> None:
    metrics = ServingMetrics(max_samples=100)
    for _ in range(10_000):
        metrics.record_speech(0.1, 5, 1.0)
    assert metrics.snapshot()["tts"]["latency_s"]["count"] == 100


def test_prometheus_text_has_help_type_and_labelled_samples() -> None:
    metrics = ServingMetrics()
    metrics.set_provider("tts", "CPUExecutionProvider")
    metrics.record_speech(latency_s=0.2, chars=12, audio_s=1.0)
    text = metrics.to_prometheus()
    assert "# TYPE indic_requests_total counter" in text
    assert 'indic_requests_total{model="tts"} 1' in text
    assert 'indic_request_latency_seconds{model="tts",quantile="0.95"} 0.2' in text
    assert 'indic_active_provider{model="tts",provider="CPUExecutionProvider"} 1' in text
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith("#") or line.startswith("indic_")
