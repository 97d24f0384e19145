"""The serving benchmarks run end to end: the GPU command's script on this CPU, and the load test."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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
    stages = report["tts_stages"]
    assert set(stages["modules_by_batch"]) == {"1", "2", "grouped"}  # batch sizes capped at 2 sentences
    assert stages["grouped"]["padded_phonemes_ratio"] <= 1 + stages["grouped"]["max_padding_waste"]
    bound = stages["ceiling"]
    assert bound["speedup"] == pytest.approx(bound["gemm_headroom"] * bound["useful_arithmetic"])
    text = (tmp_path / "serving_bench_cuda.txt").read_text(encoding="utf-8")
    assert "ratio vs unbatched" in text and "TTS batched/unbatched at 2 clients" in text
    assert "ceiling of TTS batching on these cores" in text
    lm_stages = report["lm_stages"]  # synthetic LM: no exported graph to compare with
    assert set(lm_stages["prefill_ms"]) == {"served"} and set(lm_stages["step_ms"]) == {"1", "32"}
    assert lm_stages["engine_batching_headroom"] > 0 and "LM stage profile: prefill" in text
    assert "vs the ceiling of batching on these cores" in report["verdict"][-1]


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


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("serving_bench", REPO / "bench" / "serving_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_the_verdict_says_when_the_tts_target_is_above_the_ceiling_and_still_misses() -> None:
    bench = load_bench()

    def run(mode: str, units: float) -> object:
        return bench.RunResult("tts", mode, 32, "CPUExecutionProvider", 10.0, 5, units, {}, {}, 0.5, 0)

    runs = [run("unbatched", 100.0), run("batched", 110.0)]
    lines, missed = bench.verdict(runs, {"gemm_headroom": 2.8, "useful_arithmetic": 0.5, "speedup": 1.4})
    assert missed and "1.10x (target >= 3.0x) MISSED" in lines[0]
    assert lines[-1].endswith("1.40x: above what these cores can compute")
    lines, _ = bench.verdict(runs, {"gemm_headroom": 5.0, "useful_arithmetic": 0.8, "speedup": 4.0})
    assert lines[-1].endswith("4.00x: within what these cores can compute")


def test_the_ceiling_is_gemm_headroom_times_the_useful_share_of_grouped_arithmetic() -> None:
    stages = {
        "gemm_reference_gflops": 80.0,
        "modules_by_batch": {
            "1": {"gflops_per_s": 20.0, "gflop_per_audio_s": 0.6},
            "grouped": {"gflops_per_s": 30.0, "gflop_per_audio_s": 0.75},
        },
    }
    bound = load_bench().ceiling(stages)
    assert bound["gemm_headroom"] == pytest.approx(4.0)
    assert bound["useful_arithmetic"] == pytest.approx(0.8)
    assert bound["speedup"] == pytest.approx(3.2)
    stages["modules_by_batch"]["1"]["gflops_per_s"] = 100.0  # already faster than the reference
    assert load_bench().ceiling(stages)["gemm_headroom"] == 1.0


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
