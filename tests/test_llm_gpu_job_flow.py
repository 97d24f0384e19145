"""The pieces of the LM's GPU job, end to end on tiny models: A/B seeds and their summary, export with an
FP8 copy, the throughput bench on an onnxruntime provider that falls back to the CPU, and installing the
returned model as a bundled artifact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from llm_fixtures import TINY_TEXT, train_tiny_tokenizer
from typer.testing import CliRunner

from indic.artifacts import load_manifest, sha256_file
from indic.cli import app
from indic.languages import LANGUAGE_CODES
from llm.config import LMConfig
from llm.install_bundled import JobOutputError, install
from llm.runtime import OnnxLM
from llm.sampling import SamplingSettings
from llm.tokenizer_ab import run_ab, summarize
from llm.train import TrainSettings

REPO = Path(__file__).resolve().parents[1]
SHAPE = LMConfig(vocab_size=64, d_model=32, n_layers=2, n_heads=4, n_kv_heads=2, max_seq_len=128)


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two seeds of a tiny A/B, then the export the job makes of the SuperBPE side."""
    root = tmp_path_factory.mktemp("job")
    mix = root / "mix.txt"
    mix.write_text("\n".join(TINY_TEXT) + "\n", encoding="utf-8")
    flores = root / "flores"
    flores.mkdir()
    for code in LANGUAGE_CODES:
        (flores / f"{code}.txt").write_text("\n".join(TINY_TEXT[:6]) + "\n", encoding="utf-8")
    tokenizers = {
        "bpe": train_tiny_tokenizer(root / "bpe.json", vocab_size=400),
        "superbpe": train_tiny_tokenizer(root / "superbpe.json", vocab_size=448),
    }
    settings = TrainSettings(
        tokens=Path(),
        out_dir=Path(),
        train_bytes=20_000,
        seq_len=32,
        batch_size=4,
        warmup_steps=2,
        device="cpu",
    )
    out = root / "ab"
    for seed in (0, 1):
        run_ab(mix, tokenizers, flores, out, SHAPE, TrainSettings(**{**settings.__dict__, "seed": seed}), 1)
    result = CliRunner().invoke(
        app,
        [
            "lm", "export", "--checkpoint", str(out / "superbpe" / "checkpoint.pt"),
            "--tokenizer", str(tokenizers["superbpe"]), "--out", str(root / "onnx-fp32"),
            "--fp8-out", str(root / "onnx-fp8"), "--report", str(root / "export.json"), "--verify-steps", "4",
            "--tolerance", "0.05",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {"root": root, "ab": out, "flores": flores, **tokenizers}


def test_a_second_seed_trains_new_runs_on_the_same_token_files(job: dict[str, Path]) -> None:
    ab = job["ab"]
    assert (ab / "ab_report.json").is_file() and (ab / "ab_report-seed1.json").is_file()
    assert (ab / "superbpe-seed1" / "checkpoint.pt").is_file()
    assert sorted(p.name for p in ab.glob("tokens-*.bin")) == ["tokens-bpe.bin", "tokens-superbpe.bin"]
    seed1 = json.loads((ab / "ab_report-seed1.json").read_text())
    assert seed1["seed"] == 1 and seed1["runs"]["superbpe"]["train"]["settings"]["seed"] == 1


def test_summary_averages_the_seeds_against_the_first_tokenizer(job: dict[str, Path]) -> None:
    summary = summarize(job["ab"])
    row = summary["tokenizers"]["superbpe"]
    assert summary["baseline"] == "bpe"
    assert sorted(row["bits_per_byte_ratio_by_seed"]) == [0, 1]
    assert row["mean_ratio"] == pytest.approx(sum(row["bits_per_byte_ratio_by_seed"].values()) / 2)
    assert row["met"] == (row["mean_ratio"] <= 1.01)


def test_export_writes_fp32_and_an_fp8_copy_with_their_logit_checks(job: dict[str, Path]) -> None:
    report = json.loads((job["root"] / "export.json").read_text())
    assert set(report["max_abs_logit_diff"]) == {"fp32", "fp8"}
    assert report["max_abs_logit_diff"]["fp32"] < 1e-3
    assert report["model_bytes"]["fp8"] < report["model_bytes"]["fp32"]


def test_throughput_bench_reports_the_provider_that_ran_when_cuda_is_missing(
    job: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "throughput.json"
    command = [
        sys.executable, "bench/lm_throughput.py", "--onnx", f"tiny={job['root'] / 'onnx-fp8'}",
        "--provider", "cuda", "--flores", str(job["flores"]), "--new-tokens", "3", "--repeats", "1",
        "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [r["streams"] for r in rows] == [1, 8, 32]
    assert {r["precision"] for r in rows} == {"fp8"}
    assert all(r["tokens"] == 3 * r["streams"] and r["graph_tokens_per_s"] > 0 for r in rows)
    import onnxruntime as ort

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        assert {r["provider"] for r in rows} == {"CPUExecutionProvider"}


def _job_out(job: dict[str, Path], folder: Path, tokenizer_sha: str) -> Path:
    """What the GPU job leaves in $OUT: results.tgz and the FP8 model in parts."""
    results = folder / "staging" / "results"
    (results / "ab").mkdir(parents=True)
    (results / "export").mkdir()
    shutil.copy(job["ab"] / "ab_report.json", results / "ab" / "ab_report.json")
    shutil.copy(job["root"] / "export.json", results / "export" / "superbpe.json")
    shutil.copy(job["root"] / "onnx-fp8" / "config.json", results / "export" / "superbpe-fp8-config.json")
    (results / "env.txt").write_text(f"16\nNVIDIA H200, 143771 MiB, 580\n{tokenizer_sha}  superbpe.json\n")
    out = folder / "out"
    out.mkdir()
    with tarfile.open(out / "results.tgz", "w:gz") as archive:
        archive.add(results, arcname="results")
    model = (job["root"] / "onnx-fp8" / "model.onnx").read_bytes()
    half = len(model) // 2
    (out / "indic-lm-small.onnx.part00").write_bytes(model[:half])
    (out / "indic-lm-small.onnx.part01").write_bytes(model[half:])
    return out


def test_install_bundled_writes_the_folder_card_and_manifest_entry(
    job: dict[str, Path], tmp_path: Path
) -> None:
    job_out = _job_out(job, tmp_path, sha256_file(job["superbpe"]))
    root = tmp_path / "artifacts"
    root.mkdir()
    # A toy model's FP8 logits sit further from torch than the real model's 1.5e-5; the bound is the caller's.
    card = {"algorithm": "superbpe", "vocab_size": 448}
    entry = install(job_out, root, job["superbpe"], card, max_logit_diff=0.05)
    folder = root / "indic-lm-small"
    assert sorted(p.name for p in folder.iterdir()) == [
        "card.json",
        "config.json",
        "model.onnx",
        "tokenizer.json",
    ]
    assert (folder / "model.onnx").read_bytes() == (job["root"] / "onnx-fp8" / "model.onnx").read_bytes()
    card = json.loads((folder / "card.json").read_text())
    report = json.loads((job["ab"] / "ab_report.json").read_text())["runs"]["superbpe"]
    assert card["training"]["steps"] == report["train"]["steps"]
    assert card["training"]["hardware"] == "NVIDIA H200"
    assert card["onnx"]["opset"] == 21  # read from the installed graph (the exporter's opset)
    assert card["quality"]["flores_dev_bits_per_byte_fp32"]["mean"] == pytest.approx(
        report["flores_dev"]["mean"]["bits_per_byte"], abs=1e-4
    )
    assert load_manifest(root)["artifacts"]["indic-lm-small"]["files"] == entry["files"]
    result = OnnxLM(folder).generate(
        ["भारत"], SamplingSettings(greedy=True), max_new_tokens=3, stop_at_eot=False
    )
    assert result.provider == "CPUExecutionProvider"


def test_install_bundled_refuses_a_model_trained_with_another_tokenizer(
    job: dict[str, Path], tmp_path: Path
) -> None:
    job_out = _job_out(job, tmp_path, "0" * 64)
    with pytest.raises(JobOutputError, match="sha256"):
        install(job_out, tmp_path, job["superbpe"], {})
    assert not (tmp_path / "indic-lm-small").exists()
