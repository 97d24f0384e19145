"""Install the bundled demo model (``indic-lm-small``) from what the GPU job returned.

The GPU job (``scripts/gpu/lm_job.sh run``) trains the SuperBPE side of the tokenizer A/B, exports it to
ONNX with FP8 weights, checks it against torch and hands back ``results.tgz`` plus the FP8 model in parts
(``indic-lm-small.onnx.part00``, ``.part01``, …; a returned file may not exceed 16 MB). This module joins
the parts, refuses a model trained with a tokenizer other than the one it will ship with (sha256 of the
job's tokenizer against the bundled one), writes the artifact folder (``model.onnx``, ``config.json``,
``tokenizer.json``, ``card.json`` with data, steps and bits per byte), proves the folder generates, swaps
it in place of the old one and records it in the manifest (:func:`indic.artifacts.record_artifact`).

Run from the repository root, with the job's files in one folder::

    python -m llm.install_bundled --job-out runs/lmg/job_out
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any

from llm.config import LMConfig

MODEL_PARTS = "indic-lm-small.onnx.part*"
RESULTS = "results.tgz"
MAX_MODEL_BYTES = 30_000_000
MAX_LOGIT_DIFF = 1e-3


class JobOutputError(ValueError):
    """Raised when the job's files are missing, incomplete or were made with another tokenizer."""


def read_results(tarball: Path) -> dict[str, Any]:
    """The JSON files of ``results.tgz`` by their path inside it (``results/ab/ab_report.json``, …)."""
    if not tarball.is_file():
        raise JobOutputError(f"{tarball} not found")
    found: dict[str, Any] = {}
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.endswith(".json"):
                handle = archive.extractfile(member)
                if handle is not None:
                    found[member.name] = json.loads(handle.read().decode("utf-8"))
        env = next((m for m in archive.getmembers() if m.name == "results/env.txt"), None)
        if env is not None and (handle := archive.extractfile(env)) is not None:
            found["results/env.txt"] = handle.read().decode("utf-8")
    return found


def join_parts(job_out: Path, target: Path) -> Path:
    """Concatenate the model's parts in name order into ``target``."""
    parts = sorted(job_out.glob(MODEL_PARTS))
    if not parts:
        raise JobOutputError(f"no {MODEL_PARTS} in {job_out}")
    with open(target, "wb") as out:
        for part in parts:
            out.write(part.read_bytes())
    return target


def job_tokenizer_sha256(env_text: str, name: str = "superbpe.json") -> str:
    """The sha256 the job printed for its tokenizer (``sha256sum`` lines in ``env.txt``)."""
    for line in env_text.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == name:
            return fields[0]
    raise JobOutputError(f"the job's env.txt has no sha256 for {name}")


def build_card(
    results: dict[str, Any],
    tokenizer_card: dict[str, Any],
    tokenizer_sha: str,
    max_logit_diff: float = MAX_LOGIT_DIFF,
) -> dict:
    """The artifact card: shape, tokenizer, training run, ONNX checks and FLORES dev quality."""
    report = results.get("results/ab/ab_report.json")
    if report is None or "superbpe" not in report.get("runs", {}):
        raise JobOutputError("results.tgz lacks results/ab/ab_report.json with a superbpe run")
    run = report["runs"]["superbpe"]
    train, flores = run["train"], run["flores_dev"]
    if not train.get("complete"):
        raise JobOutputError(f"the superbpe run stopped at step {train['steps']} of {train['total_steps']}")
    export = results.get("results/export/superbpe.json", {})
    diffs = export.get("max_abs_logit_diff", {})
    if "fp8" not in diffs or max(diffs.values()) > max_logit_diff:
        raise JobOutputError(f"the export was not verified within {max_logit_diff} of torch: {diffs}")
    quant = results.get("results/quant_study.json", {}).get("bits_per_byte", {})
    settings = train["settings"]
    card: dict[str, Any] = {
        "kind": "language-model",
        "name": "indic-lm-small",
        "format": "onnx",
        "version": 2,
        "files": {"model": "model.onnx", "config": "config.json", "tokenizer": "tokenizer.json"},
        "onnx": {
            "io": "onnxruntime-genai layout: input_ids, attention_mask, position_ids, "
            "past_key_values.N.key|value -> logits, present.N.key|value [batch, kv_heads, seq, head_dim]",
            "weights": "FP8 E4M3, one float32 scale per output channel (serving.quant), tied embedding/LM "
            "head stored once (per-token scales) behind DequantizeLinear; rotary tables and norms float32",
            "verified": {
                "fp32_vs_torch_max_abs_logit_diff": diffs.get("fp32"),
                "fp8_vs_fake_quantized_torch_max_abs_logit_diff": diffs["fp8"],
                "cached_decode_steps": export.get("verify_steps"),
            },
            "runtime_note": "onnxruntime CPU: load with session config session.disable_quant_qdq=1 "
            "(llm.runtime does) so the FP8 weights are dequantized once at load",
        },
        "model": train["config"],
        "parameters": train["parameters"],
        "tokenizer": {
            "name": "indic-superbpe-64k",
            "algorithm": tokenizer_card.get("algorithm"),
            "vocab_size": tokenizer_card.get("vocab_size"),
            "transition": tokenizer_card.get("transition"),
            "sha256": tokenizer_sha,
        },
        "training": {
            "data": "../shared/corpora/train (11 languages; openly licensed, CC BY-SA sources among them: "
            "see that folder's SOURCES.md), temperature mix alpha=0.3 seed 0 of the whole corpus (the mix "
            "indic-superbpe-64k was trained on), normalized with indic.text.normalize, one document per "
            "line separated by <|endoftext|>",
            "licence_note": "trained on share-alike (CC BY-SA) text among others; attributions in "
            "../shared/corpora/train/SOURCES.md",
            "mix_bytes": train["token_file"]["text_bytes"],
            "steps": train["steps"],
            "batch_size": settings["batch_size"],
            "seq_len": settings["seq_len"],
            "tokens_trained": train["tokens_trained"],
            "bytes_trained": train["bytes_trained"],
            "lr": settings["lr"],
            "schedule": f"linear warm-up {settings['warmup_steps']} steps, cosine to "
            f"{settings['min_lr_ratio']:.0%}",
            "optimizer": "AdamW (0.9, 0.95), weight decay 0.1 on matrices",
            "precision": "bf16 autocast" + (", torch.compile" if settings["compile"] else ""),
            "seed": settings["seed"],
            "hardware": _hardware(results.get("results/env.txt", "")),
            "seconds": round(train["seconds"], 1),
            "final_train_loss": round(train["final_loss"], 4),
            "command": "scripts/gpu/lm_job.sh run (llm.tokenizer_ab, then indic lm export --fp8-out)",
        },
        "quality": {
            "flores_dev_bits_per_byte_fp32": {k: round(v["bits_per_byte"], 4) for k, v in flores.items()},
            "flores_dev_bits_per_char_fp32": {k: round(v["bits_per_char"], 4) for k, v in flores.items()},
            "flores_dev_lines_per_language": int(flores[next(iter(flores))]["lines"]),
            "note": f"a {train['parameters']['total'] / 1e6:.0f}M-parameter demo model: fluent-looking "
            "fragments, not facts",
        },
    }
    if quant:
        limit = results.get("results/quant_study.json", {}).get("limit")
        lines = f"_{limit}_lines" if limit else ""
        card["quality"][f"flores_dev_bits_per_byte_fp32{lines}"] = round(quant["fp32"]["mean"], 4)
        fp8 = quant.get("fp8-e4m3 weights + embedding", {}).get("mean")
        if fp8 is not None:
            card["quality"][f"flores_dev_bits_per_byte_fp8_weights_and_embedding{lines}"] = round(fp8, 4)
    return card


def default_domain_opset(model: Path) -> int:
    """The ONNX opset of the default domain that ``model`` declares (read from the file, not assumed)."""
    import onnx

    proto = onnx.load(str(model), load_external_data=False)
    return next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))


def _hardware(env_text: str) -> str:
    for line in env_text.splitlines():
        if "NVIDIA" in line:
            return line.split(",")[0].strip()
    return "CPU"


def install(
    job_out: Path,
    root: Path,
    tokenizer: Path,
    tokenizer_card: dict[str, Any],
    name: str = "indic-lm-small",
    max_logit_diff: float = MAX_LOGIT_DIFF,
) -> dict[str, Any]:
    """Write ``root/name`` from the job's files and record it in ``root``'s manifest; returns the entry.

    ``max_logit_diff`` bounds the ONNX-vs-torch check the job recorded (the issue's 1e-3 by default).
    """
    from indic.artifacts import record_artifact, sha256_file
    from indic.atomic import atomic_write_text, replace_directory, staging_directory
    from llm.runtime import OnnxLM
    from llm.sampling import SamplingSettings

    results = read_results(job_out / RESULTS)
    job_sha = job_tokenizer_sha256(results.get("results/env.txt", ""))
    shipped_sha = sha256_file(tokenizer)
    if job_sha != shipped_sha:
        raise JobOutputError(f"the job trained with tokenizer sha256 {job_sha}, {tokenizer} is {shipped_sha}")
    config = results.get("results/export/superbpe-fp8-config.json")
    if config is None:
        raise JobOutputError("results.tgz lacks results/export/superbpe-fp8-config.json (export failed?)")
    card = build_card(results, tokenizer_card, shipped_sha, max_logit_diff)
    staging = staging_directory(root / name)
    model = join_parts(job_out, staging / "model.onnx")
    if model.stat().st_size > MAX_MODEL_BYTES:
        raise JobOutputError(f"model.onnx is {model.stat().st_size:,} bytes, over {MAX_MODEL_BYTES:,}")
    card["onnx"]["opset"] = default_domain_opset(model)
    LMConfig.from_dict(config).save(staging / "config.json")
    shutil.copyfile(tokenizer, staging / "tokenizer.json")
    atomic_write_text(staging / "card.json", json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    # The folder must load and decode through its cache; the bundled-model test judges the text itself.
    OnnxLM(staging, providers=["CPUExecutionProvider"]).generate(
        ["भारत"], SamplingSettings(greedy=True), max_new_tokens=4, stop_at_eot=False
    )
    replace_directory(staging, root / name)
    return record_artifact(name, f"python -m llm.install_bundled --job-out {job_out}", root)


def main() -> int:
    from indic.artifacts import BUNDLED_DIR, find_artifact

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--job-out", type=Path, required=True, help="folder with results.tgz and the parts")
    parser.add_argument("--root", type=Path, default=BUNDLED_DIR, help="artifact folder to install into")
    parser.add_argument("--name", default="indic-lm-small")
    parser.add_argument("--tokenizer-artifact", default="indic-superbpe-64k")
    args = parser.parse_args()
    tokenizer = find_artifact(args.tokenizer_artifact)
    try:
        entry = install(args.job_out, args.root, tokenizer.path / "tokenizer.json", tokenizer.card, args.name)
    except JobOutputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(json.dumps({"installed": str(args.root / args.name), **entry}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
