"""FP8 / MXFP8 / NVFP4 post-training quantization of the compact LM, scored in bits per byte on FLORES dev.

Each variant quantizes-then-dequantizes (``serving.quant.fake_quantize``) what a deployment would store in
low precision, and the model is evaluated in fp32 (no bf16 autocast, no TF32) so the figure isolates the
format: the linear layers' weights (per output channel for FP8; blocks of 32 or 16 along the reduction
axis for MX and NVFP4), optionally the tied embedding / output matrix (per row), and the KV cache (FP8,
one scale per key/value head). Baseline: the same model unquantized.

Acceptance (issue 6): FP8 weights cost ≤ 1% bits per byte; the FP8 KV cache costs ≤ 1% more on top of
them. The script prints MISSED and exits 1 when either is exceeded. ``--variant`` (repeatable) runs only the
named variants (the fp32 baseline always runs); a verdict is printed only when its variants ran.

    python bench/lm_quant_study.py --checkpoint runs/lm/ab/superbpe/checkpoint.pt \\
        --tokenizer runs/tokenizers/superbpe-64k/tokenizer.json --flores ../shared/corpora/flores/dev
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch import nn

from llm.evaluate import evaluate_flores
from llm.train import load_model
from serving.quant.spec import QuantSpec, fake_quantize

WEIGHT_BUDGET = 0.01
KV_BUDGET = 0.01


def quantize_linears(model: nn.Module, spec: QuantSpec) -> None:
    """Fake-quantize every block ``nn.Linear`` weight (``[out, in]``: channel axis 0, blocks along 1)."""
    for module in model.blocks.modules():
        if isinstance(module, nn.Linear):
            module.weight.data = fake_quantize(module.weight.data, spec, channel_axis=0, reduction_axis=1)


def quantize_embedding(model: nn.Module, spec: QuantSpec) -> None:
    """Fake-quantize the tied embedding per row: one scale per token = per output channel of the head."""
    model.embed.weight.data = fake_quantize(model.embed.weight.data, spec, channel_axis=0, reduction_axis=1)


def quantize_kv_cache(model: nn.Module, spec: QuantSpec) -> None:
    """Keys and values ``[batch, kv_heads, seq, head_dim]`` pass through FP8 with one scale per head."""
    for block in model.blocks:
        block.attn.kv_transform = lambda t: fake_quantize(t, spec, channel_axis=1).to(t.dtype)


VARIANTS: dict[str, list[tuple[str, QuantSpec]]] = {
    "fp32": [],
    "fp8-e4m3 weights (per channel)": [("linears", QuantSpec("fp8-e4m3", "channel"))],
    "fp8-e4m3 weights + embedding": [
        ("linears", QuantSpec("fp8-e4m3", "channel")),
        ("embedding", QuantSpec("fp8-e4m3", "channel")),
    ],
    "fp8-e4m3 weights + fp8 KV cache (per head)": [
        ("linears", QuantSpec("fp8-e4m3", "channel")),
        ("kv", QuantSpec("fp8-e4m3", "channel")),
    ],
    "fp8-e4m3 KV cache only": [("kv", QuantSpec("fp8-e4m3", "channel"))],
    "mxfp8 weights (ceil)": [("linears", QuantSpec("mxfp8", scale_rule="ceil"))],
    "mxfp8 weights (floor)": [("linears", QuantSpec("mxfp8", scale_rule="floor"))],
    "mxfp4 weights (ceil)": [("linears", QuantSpec("mxfp4", scale_rule="ceil"))],
    "nvfp4 weights (nearest)": [("linears", QuantSpec("nvfp4", scale_rule="nearest"))],
    "nvfp4 weights (ceil)": [("linears", QuantSpec("nvfp4", scale_rule="ceil"))],
}
_APPLY = {"linears": quantize_linears, "embedding": quantize_embedding, "kv": quantize_kv_cache}


class UnknownVariantError(ValueError):
    """Raised when ``--variant`` names none of :data:`VARIANTS`."""


def run_study(
    checkpoint: Path,
    tokenizer: Path,
    flores: Path,
    device: str,
    limit: int | None,
    variants: list[str] | None = None,
) -> dict:
    unknown = sorted(set(variants or ()) - VARIANTS.keys())
    if unknown:
        raise UnknownVariantError(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    chosen = ["fp32", *(v for v in variants if v != "fp32")] if variants else list(VARIANTS)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    results = {}
    for label in chosen:
        steps = VARIANTS[label]
        model = load_model(checkpoint, device).float()
        for target, spec in steps:
            _APPLY[target](model, spec)
        table = evaluate_flores(model, tokenizer, flores, limit=limit, bf16=False)
        results[label] = {lang: row["bits_per_byte"] for lang, row in table.items()}
        print(f"{label:45s} mean bits/byte {results[label]['mean']:.4f}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--tokenizer", type=Path, required=True)
    parser.add_argument("--flores", type=Path, default=Path("../shared/corpora/flores/dev"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--limit", type=int, default=None, help="lines per language (default: all 997)")
    parser.add_argument("--out", type=Path, default=None, help="write the table as JSON here")
    parser.add_argument("--variant", action="append", default=None, help="run only these (repeatable)")
    args = parser.parse_args()
    results = run_study(args.checkpoint, args.tokenizer, args.flores, args.device, args.limit, args.variant)
    base = results["fp32"]["mean"]
    print(f"\n{'variant':45s} {'bits/byte':>10s} {'vs fp32':>9s}")
    for label, row in results.items():
        print(f"{label:45s} {row['mean']:10.4f} {row['mean'] / base:9.4f}x")
    weights = results.get("fp8-e4m3 weights (per channel)", {}).get("mean")
    with_kv = results.get("fp8-e4m3 weights + fp8 KV cache (per head)", {}).get("mean")
    weight_cost = weights / base - 1 if weights else None
    kv_cost = with_kv / weights - 1 if weights and with_kv else None
    verdicts = {
        name: (cost, budget)
        for name, cost, budget in (
            ("fp8 weights cost", weight_cost, WEIGHT_BUDGET),
            ("fp8 KV cache extra cost", kv_cost, KV_BUDGET),
        )
        if cost is not None
    }
    missed = False
    for name, (cost, budget) in verdicts.items():
        ok = cost <= budget
        missed |= not ok
        print(f"{name}: {100 * cost:+.3f}% (target ≤ {100 * budget:.0f}%) {'met' if ok else 'MISSED'}")
    if args.out:
        from indic.atomic import atomic_write_text

        payload = {
            "bits_per_byte": results,
            "limit": args.limit,
            "fp8_weight_cost": weight_cost,
            "fp8_kv_extra_cost": kv_cost,
        }
        atomic_write_text(args.out, json.dumps(payload, indent=2) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
