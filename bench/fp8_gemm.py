"""FP8 matrix products on a Hopper GPU: ``torch._scaled_mm`` (E4M3) against BF16 ``torch.matmul``.

Baseline: BF16 ``a @ w.T`` on the same shapes. For each shape it prints TFLOP/s of BF16, of FP8 with
one scale per tensor (default and fast accumulation) and with row-wise scales, the FP8/BF16 ratio,
and the cost of quantizing the activations on every call (amax -> scale -> saturate -> native cast,
eager torch; and the same with ``serving.quant.fp8.quantize_fp8``, the bit-exact reference-grade
path), then the weight memory each format needs. Shapes: 8192^3 and the projections of a decoder
LM (``--d-model``; attention qkv/out, SwiGLU gate+up/down with hidden = ``--ffn-mult`` x d, the output
head over ``--vocab``) at ``--tokens`` tokens per batch; or any ``--shapes MxKxN,...``.
``_scaled_mm`` needs M divisible by 16: smaller M is padded and TFLOP/s count only the real tokens.
Timing: CUDA events around back-to-back launches after warm-up (launch overhead included, as in
eager serving). Exits 1 (MISSED) if FP8 < 1.6x BF16 at 8192^3.

    python3 bench/fp8_gemm.py --json fp8_gemm.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indic.atomic import atomic_write_text  # noqa: E402
from serving.quant.fp8 import quantize_fp8  # noqa: E402
from serving.quant.report import markdown_table  # noqa: E402
from serving.quant.spec import QuantSpec, quantize, stored_bytes  # noqa: E402

DEVICE = "cuda"
TARGET_RATIO_8192 = 1.6
E4M3_MAX = 448.0


def time_ms(fn, min_total_ms: float = 40.0) -> float:
    """Mean milliseconds per call: warm up, estimate, then time enough calls to fill ``min_total_ms``."""
    for _ in range(3):
        fn()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    torch.cuda.synchronize()
    calls = max(10, min(2000, int(min_total_ms / max(start.elapsed_time(end), 1e-3))))
    start.record()
    for _ in range(calls):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / calls


def quantize_activation(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Dynamic per-tensor E4M3 quantization of an activation, as an FP8 linear layer does per call."""
    scale = (a.abs().amax().float() / E4M3_MAX).clamp(min=1e-12)
    return (a.float() / scale).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn), scale


def lm_shapes(
    d_models: list[int], tokens: list[int], ffn_mult: int, vocab: int
) -> list[tuple[str, int, int, int]]:
    shapes = []
    for d in d_models:
        hidden = ffn_mult * d
        for m in tokens:
            shapes += [
                (f"d{d} qkv", m, d, 3 * d),
                (f"d{d} attn-out", m, d, d),
                (f"d{d} gate+up", m, d, 2 * hidden),
                (f"d{d} down", m, hidden, d),
                (f"d{d} lm-head", m, d, vocab),
            ]
    return shapes


def bench_shape(label: str, m: int, k: int, n: int) -> dict[str, object]:
    padded = -(-m // 16) * 16
    a = torch.randn(padded, k, device=DEVICE, dtype=torch.bfloat16)
    w = torch.randn(n, k, device=DEVICE, dtype=torch.bfloat16)
    a8, w8 = a.to(torch.float8_e4m3fn), w.to(torch.float8_e4m3fn)
    b8 = w8.t()  # column-major, as _scaled_mm wants its second operand
    one = torch.tensor(1.0, device=DEVICE)
    row_a, row_b = torch.ones(padded, 1, device=DEVICE), torch.ones(1, n, device=DEVICE)
    flops = 2.0 * m * k * n
    bf16 = time_ms(lambda: a @ w.t())
    fp8 = time_ms(lambda: torch._scaled_mm(a8, b8, one, one, out_dtype=torch.bfloat16))
    fast = time_ms(lambda: torch._scaled_mm(a8, b8, one, one, out_dtype=torch.bfloat16, use_fast_accum=True))
    try:
        rowwise = time_ms(lambda: torch._scaled_mm(a8, b8, row_a, row_b, out_dtype=torch.bfloat16))
    except RuntimeError:
        rowwise = float("nan")
    quant = time_ms(lambda: quantize_activation(a))
    ours = time_ms(lambda: quantize_fp8(a))

    def tflops(ms: float) -> float:
        return round(flops / (ms * 1e-3) / 1e12, 1)

    return {
        "shape": label,
        "M": m,
        "K": k,
        "N": n,
        "bf16 TFLOP/s": tflops(bf16),
        "fp8 TFLOP/s": tflops(fp8),
        "fp8 fast-acc TFLOP/s": tflops(fast),
        "fp8 rowwise TFLOP/s": tflops(rowwise),
        "fp8/bf16": round(bf16 / fp8, 2),
        "quantize us": round(quant * 1e3, 1),
        "serving.quant us": round(ours * 1e3, 1),
        "(quant+fp8)/bf16": round(bf16 / (quant + fp8), 2),
    }


def memory_table(d: int, layers: int, ffn_mult: int) -> list[dict[str, object]]:
    """Bytes per weight of each format, measured by quantizing one [hidden, d] weight on the GPU."""
    weight = torch.randn(ffn_mult * d, d, device=DEVICE)
    params = layers * (4 * d * d + 3 * ffn_mult * d * d)
    rows = [
        {"format": "bf16", "bytes/param": 2.0, f"{layers}x d{d} linears MiB": round(2 * params / 2**20, 1)}
    ]
    for spec in (QuantSpec("fp8-e4m3"), QuantSpec("mxfp8"), QuantSpec("mxfp4"), QuantSpec("nvfp4")):
        per_param = stored_bytes(quantize(weight, spec)) / weight.numel()
        rows.append(
            {
                "format": spec.label,
                "bytes/param": round(per_param, 4),
                f"{layers}x d{d} linears MiB": round(per_param * params / 2**20, 1),
            }
        )
    for row in rows:
        row["saved vs bf16"] = f"{100 * (1 - float(row['bytes/param']) / 2.0):.1f}%"  # type: ignore[arg-type]
    return rows


def parse_shapes(text: str) -> list[tuple[str, int, int, int]]:
    shapes = []
    for item in text.split(","):
        m, k, n = (int(v) for v in item.lower().split("x"))
        shapes.append((item, m, k, n))
    return shapes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shapes", help="MxKxN,... instead of the LM shapes")
    parser.add_argument("--d-model", default="512,768")
    parser.add_argument("--tokens", default="1,16,128,1024,8192")
    parser.add_argument("--ffn-mult", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=65536)
    parser.add_argument("--layers", type=int, default=12, help="layers of the model in the memory table")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("needs a CUDA GPU with FP8 tensor cores (Hopper or newer)")

    d_models = [int(v) for v in args.d_model.split(",")]
    shapes = [("8192^3", 8192, 8192, 8192)]
    shapes += (
        parse_shapes(args.shapes)
        if args.shapes
        else lm_shapes(d_models, [int(v) for v in args.tokens.split(",")], args.ffn_mult, args.vocab)
    )
    print(f"# {torch.cuda.get_device_name()} · torch {torch.__version__}")
    results = [bench_shape(*shape) for shape in shapes]
    print(markdown_table(results, list(results[0])))
    memory = memory_table(d_models[-1], args.layers, args.ffn_mult)
    print()
    print(markdown_table(memory, list(memory[0])))
    ratio = float(results[0]["fp8/bf16"])  # type: ignore[arg-type]
    verdict = "met" if ratio >= TARGET_RATIO_8192 else "MISSED"
    print(f"\n8192^3: FP8 {ratio}x BF16 (target >= {TARGET_RATIO_8192}x): {verdict}")
    if args.json:
        atomic_write_text(
            args.json, json.dumps({"gemm": results, "memory": memory, "ratio_8192": ratio}, indent=2)
        )
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    sys.exit(main())
