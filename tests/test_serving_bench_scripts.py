"""The serving benchmarks run end to end: the GPU command's script on this CPU, and the load test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_serving_bench_asked_for_cuda_falls_back_to_cpu_and_writes_json_and_text(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "bench/serving_bench.py",
        "--voice",
        "synthetic",
        "--lm",
        "synthetic",
        "--provider",
        "cuda",
        "--concurrency",
        "2",
        "--seconds",
        "0.5",
        "--rounds",
        "1",
        "--warmup",
        "0.2",
        "--stage-sentences",
        "2",
        "--out",
        str(tmp_path),
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode in (0, 1), run.stderr  # 1 = a CPU acceptance target missed at this size
    assert "Traceback" not in run.stderr
    fallback = [
        line for line in run.stderr.splitlines() if "runs on CPUExecutionProvider (asked for cuda" in line
    ]
    assert len(fallback) == 2  # one line per model
    report = json.loads((tmp_path / "serving_bench_cuda.json").read_text(encoding="utf-8"))
    assert report["environment"]["active_providers"] == {
        "tts": "CPUExecutionProvider",
        "lm": "CPUExecutionProvider",
    }
    runs = {(r["engine"], r["mode"]) for r in report["results"]}
    assert runs == {("tts", "unbatched"), ("tts", "batched"), ("lm", "unbatched"), ("lm", "batched")}
    assert all(r["failures"] == 0 for r in report["results"])
    assert set(report["tts_stages"]["modules_by_batch"]) == {"1", "2"}  # batch sizes capped at 2 sentences
    text = (tmp_path / "serving_bench_cuda.txt").read_text(encoding="utf-8")
    assert "ratio vs unbatched" in text and "TTS batched/unbatched at 2 clients" in text


def test_serving_bench_budget_skips_runs_that_would_not_fit_and_says_so(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "bench/serving_bench.py",
        "--voice",
        "synthetic",
        "--lm",
        "none",
        "--concurrency",
        "1",
        "--stage-sentences",
        "0",
        "--budget-s",
        "1",
        "--out",
        str(tmp_path),
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1 and "SKIPPED tts at 1 clients" in run.stdout
    report = json.loads((tmp_path / "serving_bench_cpu.json").read_text(encoding="utf-8"))
    assert report["results"] == [] and report["skipped"]


@pytest.mark.slow
def test_load_test_against_indic_serve_passes_with_bad_requests_failing_alone() -> None:
    command = [
        sys.executable,
        "bench/serving_load.py",
        "--tts",
        "synthetic",
        "--lm",
        "synthetic",
        "--clients",
        "16",
        "--seconds",
        "5",
        "--warmup",
        "2",
        "--bad-every",
        "4",
    ]
    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PASSED" in run.stdout and "accepted: 0; failed good requests: 0" in run.stdout
