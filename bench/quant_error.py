"""Tensor-level error of every low-precision format and scale rule: relative L2 error and SQNR (dB).

Baseline: the unquantized float32 tensor. Inputs:

- synthetic heavy-tailed tensors (Student-t with 3 degrees of freedom, like trained weights; the
  same with rare 100x outliers; and one with a few 20x "outlier channels" along the reduction axis,
  like LLM activations), 1024 x 4096, blocks along the last axis as in ``nn.Linear``;
- real weights with ``--weights PATH`` (an ``.onnx`` model, a torch ``.pt`` state dict or training
  checkpoint with the state dict under ``"model"``, or ``.safetensors``): every 2-D float tensor of at
  least 1024 elements, errors pooled over all of them. This is the hook for our trained LM and TTS models.

It prints one markdown table (and, with ``--write-docs``, puts it into docs/quantization.md) and
exits non-zero when a format's default rule misses its sanity floor (e.g. E4M3-based formats below
28 dB on Student-t weights), which would mean a broken quantizer rather than a hard tensor.

    python3 bench/quant_error.py --write-docs
    python3 bench/quant_error.py --weights runs/lm/model.onnx
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indic.atomic import atomic_write_text  # noqa: E402
from serving.quant.error import relative_l2_error, sqnr_db  # noqa: E402
from serving.quant.report import markdown_table  # noqa: E402
from serving.quant.spec import QuantSpec, quantize, stored_bytes  # noqa: E402

SPECS = [
    QuantSpec("fp8-e4m3", "tensor"),
    QuantSpec("fp8-e4m3", "channel"),
    QuantSpec("fp8-e5m2", "tensor"),
    QuantSpec("fp8-e5m2", "channel"),
    *(QuantSpec("mxfp8", scale_rule=rule) for rule in ("floor", "nearest", "ceil")),
    *(QuantSpec("mxfp4", scale_rule=rule) for rule in ("floor", "nearest", "ceil")),
    *(QuantSpec("nvfp4", scale_rule=rule) for rule in ("nearest", "ceil")),
]
# Sanity floors (dB) on the Student-t tensor for each format's default scale rule (per-channel for FP8):
# well below what a correct quantizer reaches, so missing one means a broken quantizer.
SQNR_FLOOR_DB = {"fp8-e4m3": 28.0, "mxfp8": 28.0, "fp8-e5m2": 22.0, "mxfp4": 14.0, "nvfp4": 14.0}
DOCS = REPO / "docs" / "quantization.md"
BEGIN, END = "<!-- quant_error table: begin -->", "<!-- quant_error table: end -->"


def synthetic_tensors(rows: int, cols: int, seed: int) -> dict[str, torch.Tensor]:
    generator = np.random.default_rng(seed)
    student = generator.standard_t(3, size=(rows, cols)).astype(np.float32) * 0.02
    outliers = student.copy()
    picks = generator.choice(outliers.size, max(1, outliers.size // 10_000), replace=False)
    outliers.flat[picks] *= 100
    channels = student.copy()
    channels[:, generator.choice(cols, 8, replace=False)] *= 20
    return {
        "student-t": torch.from_numpy(student),
        "t+outliers": torch.from_numpy(outliers),
        "outlier-channels": torch.from_numpy(channels),
    }


def real_weights(path: Path) -> list[torch.Tensor]:
    """Every 2-D float tensor (>= 1024 elements) of an ONNX model or a torch state dict, as [out, in]."""
    if path.suffix == ".onnx":
        import onnx
        from onnx import numpy_helper

        model = onnx.load(str(path))
        # ONNX MatMul weights are [in, out]: transpose so blocks run along the reduction axis.
        arrays = [numpy_helper.to_array(init).T for init in model.graph.initializer if len(init.dims) == 2]
        tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays if a.dtype == np.float32]
    elif path.suffix == ".safetensors":
        from safetensors.torch import load_file

        tensors = list(load_file(str(path)).values())
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
        # Training checkpoints (llm.train) keep the state dict under "model", beside optimizer state.
        state = state.get("model", state)
        tensors = [t for t in state.values() if isinstance(t, torch.Tensor)]
    return [t.float() for t in tensors if t.dim() == 2 and t.is_floating_point() and t.numel() >= 1024]


def pooled_error(tensors: list[torch.Tensor], spec: QuantSpec) -> tuple[float, float, float]:
    """(relative L2 error, SQNR dB, stored bits per element) over all tensors together."""
    originals, rebuilt, stored, count = [], [], 0, 0
    for tensor in tensors:
        q = quantize(tensor, spec, channel_axis=0, reduction_axis=-1)
        originals.append(tensor.flatten())
        rebuilt.append(q.dequantize().flatten())
        stored += stored_bytes(q)
        count += tensor.numel()
    reference, approximation = torch.cat(originals), torch.cat(rebuilt)
    return relative_l2_error(reference, approximation), sqnr_db(reference, approximation), 8 * stored / count


def measure(inputs: dict[str, list[torch.Tensor]]) -> list[dict[str, object]]:
    rows = []
    for spec in SPECS:
        row: dict[str, object] = {"format": spec.format, "scale": spec.label.split("/")[1]}
        for name, tensors in inputs.items():
            rel, sqnr, bits = pooled_error(tensors, spec)
            row["bits/elem"] = round(bits, 3)
            row[f"{name} rel L2"] = rel
            row[f"{name} SQNR dB"] = round(sqnr, 2)
        rows.append(row)
    return rows


def winners(rows: list[dict[str, object]], input_names: list[str]) -> list[str]:
    """One line per block format and input: which scale rule has the highest SQNR."""
    lines = []
    for fmt in ("mxfp8", "mxfp4", "nvfp4"):
        for name in input_names:
            candidates = [r for r in rows if r["format"] == fmt]
            best = max(candidates, key=lambda r: float(r[f"{name} SQNR dB"]))  # type: ignore[arg-type]
            scores = ", ".join(f"{r['scale']} {r[f'{name} SQNR dB']}" for r in candidates)
            lines.append(f"- {fmt} on {name}: best rule **{best['scale']}** ({scores} dB)")
    return lines


def check_floors(rows: list[dict[str, object]]) -> list[str]:
    missed = []
    defaults = {QuantSpec(fmt).label for fmt in SQNR_FLOOR_DB}
    for row in rows:
        if f"{row['format']}/{row['scale']}" not in defaults:
            continue
        value = row.get("student-t SQNR dB")
        floor = SQNR_FLOOR_DB[str(row["format"])]
        if value is not None and (not math.isfinite(float(value)) or float(value) < floor):  # type: ignore[arg-type]
            missed.append(f"MISSED: {row['format']}/{row['scale']} {value} dB < {floor} dB on student-t")
    return missed


def write_docs(text: str) -> None:
    current = DOCS.read_text(encoding="utf-8")
    if BEGIN not in current or END not in current:
        raise SystemExit(f"{DOCS} lacks the markers {BEGIN} / {END}")
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    atomic_write_text(DOCS, f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1024)
    parser.add_argument("--cols", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="torch device to quantize on (results are identical)")
    parser.add_argument("--weights", type=Path, help="real weights: .onnx, .pt or .safetensors (our models)")
    parser.add_argument(
        "--write-docs", action="store_true", help=f"put the table into {DOCS.relative_to(REPO)}"
    )
    args = parser.parse_args()

    inputs = {name: [t] for name, t in synthetic_tensors(args.rows, args.cols, args.seed).items()}
    if args.weights is not None:
        weights = real_weights(args.weights)
        if not weights:
            raise SystemExit(f"no 2-D float weights with >= 1024 elements in {args.weights}")
        inputs = {args.weights.stem: weights}
    inputs = {name: [t.to(args.device) for t in tensors] for name, tensors in inputs.items()}
    rows = measure(inputs)
    columns = ["format", "scale", "bits/elem"]
    for name in inputs:
        columns += [f"{name} rel L2", f"{name} SQNR dB"]
    table = markdown_table(rows, columns)
    summary = "\n".join(winners(rows, list(inputs)))
    print(table)
    print()
    print(summary)
    if args.write_docs:
        shape = f"{args.rows} x {args.cols}, seed {args.seed}"
        write_docs(f"Synthetic tensors {shape}; baseline: the float32 tensor.\n\n{table}\n\n{summary}")
    missed = check_floors(rows)
    for line in missed:
        print(line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
