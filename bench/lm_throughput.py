"""Decoding throughput of the compact LM at 1, 8 and 32 concurrent streams: tokens/s and characters/s.

Two engines, one table:

- ``ort`` — the shipped runtime (:class:`llm.runtime.OnnxLM`, onnxruntime, CPU or CUDA provider) on an
  exported model folder (``--onnx NAME=DIR``).
- ``torch`` — the same decoder in PyTorch on a GPU (``--checkpoint NAME=CKPT,TOKENIZER``), bf16, and with
  FP8 E4M3 weights (per output channel, quantized with ``serving.quant``) multiplied by ``torch._scaled_mm``
  against activations quantized per row on the fly.

Every stream decodes exactly ``--new-tokens`` tokens after a FLORES dev prompt (languages taken in turn),
sampled at temperature 0.8 / top-k 50; characters are counted in the decoded text. Ratios printed: each
stream count against one stream (the reference talk: 52 → 296 tok/s, 5.7×, going to 32 streams on an H100),
FP8 against bf16, and every model's characters/s against the first model's.

Acceptance (issue 6), checked only for the torch engine on a GPU: 32 streams give ≥ 5.7× the tokens/s of one,
and the model named ``superbpe`` beats ``bpe`` in characters/s. Prints MISSED and exits 1 otherwise.

    python bench/lm_throughput.py --onnx small=indic/data/artifacts/indic-lm-small
    python bench/lm_throughput.py --checkpoint superbpe=runs/lm/ab/superbpe/checkpoint.pt,superbpe.json \\
        --checkpoint bpe=runs/lm/ab/bpe/checkpoint.pt,bpe.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from indic.languages import LANGUAGE_CODES

STREAMS = (1, 8, 32)
REPEATS = 3
SCALING_TARGET = 5.7


def flores_prompts(flores: Path, count: int, words: int = 4) -> list[str]:
    """``count`` prompts: the first words of FLORES dev lines, one language after another."""
    lines = {
        code: (flores / f"{code}.txt").read_text(encoding="utf-8").splitlines() for code in LANGUAGE_CODES
    }
    return [
        " ".join(lines[LANGUAGE_CODES[i % len(LANGUAGE_CODES)]][i // len(LANGUAGE_CODES)].split()[:words])
        for i in range(count)
    ]


def measure_ort(folder: Path, prompts: list[str], streams: int, new_tokens: int) -> dict:
    from llm.runtime import OnnxLM
    from llm.sampling import SamplingSettings

    lm = OnnxLM(folder)
    settings = SamplingSettings(temperature=0.8, top_k=50, top_p=1.0)

    def decode() -> dict:
        result = lm.generate(prompts[:streams], settings, max_new_tokens=new_tokens, stop_at_eot=False)
        return {"tokens": sum(result.new_tokens), "chars": sum(result.chars), "seconds": result.seconds}

    return {**median_of_repeats(decode), "provider": lm.provider}


def stored_precision(path: Path) -> str:
    """``fp8`` when the graph stores FP8 weights (behind DequantizeLinear), else ``fp32``."""
    import onnx

    fp8 = {onnx.TensorProto.FLOAT8E4M3FN, onnx.TensorProto.FLOAT8E5M2}
    return "fp8" if any(i.data_type in fp8 for i in onnx.load(str(path)).graph.initializer) else "fp32"


def median_of_repeats(decode: Callable[[], dict], repeats: int = REPEATS) -> dict:
    """One untimed warm-up run (kernel selection, allocator growth), then the median of ``repeats`` runs."""
    decode()
    runs = sorted((decode() for _ in range(repeats)), key=lambda run: run["seconds"])
    return runs[len(runs) // 2]


def fp8_linears(model):  # noqa: ANN001, ANN201 - torch types imported lazily
    """Swap every block linear for an FP8 E4M3 one (per-channel weight scales from ``serving.quant``)."""
    import torch
    from torch import nn

    from serving.quant.spec import QuantSpec, quantize

    class FP8Linear(nn.Module):
        def __init__(self, linear: nn.Linear) -> None:
            super().__init__()
            q = quantize(linear.weight.detach().float(), QuantSpec("fp8-e4m3", "channel"), channel_axis=0)
            self.weight = q.as_torch_float8()
            self.scale = q.scale.float().reshape(1, -1).contiguous()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            rows = x.reshape(-1, x.shape[-1])
            padded = -rows.shape[0] % 16
            if padded:
                rows = torch.nn.functional.pad(rows, (0, 0, 0, padded))
            row_scale = rows.abs().amax(dim=1, keepdim=True).float().clamp(min=1e-12) / 448.0
            codes = (rows.float() / row_scale).clamp(-448, 448).to(torch.float8_e4m3fn)
            out = torch._scaled_mm(
                codes, self.weight.t(), scale_a=row_scale, scale_b=self.scale, out_dtype=torch.bfloat16
            )
            return out[: out.shape[0] - padded].reshape(*x.shape[:-1], -1)

    for block in model.blocks:
        for parent in (block.attn, block.mlp):
            for name, child in list(parent.named_children()):
                if isinstance(child, nn.Linear):
                    setattr(parent, name, FP8Linear(child))
    return model


def measure_torch(model, tokenizer, prompts: list[str], streams: int, new_tokens: int) -> dict:  # noqa: ANN001
    import torch

    from indic.text import normalize

    device = next(model.parameters()).device
    eot = model.cfg.eot_id
    encoded = [
        [eot, *tokenizer.encode(normalize(p), add_special_tokens=False).ids] for p in prompts[:streams]
    ]
    width = max(len(e) for e in encoded)
    ids = torch.full((streams, width), eot, dtype=torch.long)
    mask = torch.zeros(streams, width, dtype=torch.long)
    for row, e in enumerate(encoded):
        ids[row, width - len(e) :] = torch.tensor(e)
        mask[row, width - len(e) :] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    generator = torch.Generator(device=device).manual_seed(0)

    @torch.no_grad()
    def decode(steps: int) -> list[list[int]]:
        step_ids, step_mask, step_pos = ids, mask, positions
        cache = model.empty_cache(streams, device)
        out = []
        for _ in range(steps):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                logits, cache = model.forward_with_cache(step_ids, step_mask, step_pos, cache)
            top = torch.topk(logits[:, -1].float() / 0.8, 50)
            pick = torch.multinomial(top.values.softmax(-1), 1, generator=generator)
            step_ids = top.indices.gather(1, pick)
            out.append(step_ids)
            step_mask = torch.cat((step_mask, torch.ones_like(step_ids)), dim=1)
            step_pos = step_pos[:, -1:] + 1
        return torch.cat(out, dim=1).tolist()

    def timed() -> dict:
        torch.cuda.synchronize()
        start = time.perf_counter()
        rows = decode(new_tokens)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        visible = [[t for t in row if t != eot] for row in rows]
        texts = tokenizer.decode_batch(visible, skip_special_tokens=True)
        chars = sum(len(text) for text in texts)
        return {"tokens": streams * new_tokens, "chars": chars, "seconds": seconds}

    return {**median_of_repeats(timed), "provider": "torch-cuda"}


def run(args: argparse.Namespace) -> list[dict]:
    prompts = flores_prompts(args.flores, max(STREAMS))
    rows = []
    for spec in args.onnx:
        name, folder = spec.split("=", 1)
        precision = stored_precision(Path(folder) / "model.onnx")
        for streams in STREAMS:
            rows.append(
                {
                    "engine": "ort",
                    "model": name,
                    "precision": precision,
                    "streams": streams,
                    **measure_ort(Path(folder), prompts, streams, args.new_tokens),
                }
            )
            print(rows[-1], flush=True)
    for spec in args.checkpoint:
        import torch
        from tokenizers import Tokenizer

        from llm.train import load_model

        name, paths = spec.split("=", 1)
        checkpoint, tokenizer_path = paths.split(",", 1)
        tokenizer = Tokenizer.from_file(tokenizer_path)
        for precision in ("bf16", "fp8"):
            model = load_model(Path(checkpoint), "cuda").to(torch.bfloat16)
            if precision == "fp8":
                model = fp8_linears(model)
            for streams in STREAMS:
                rows.append(
                    {
                        "engine": "torch",
                        "model": name,
                        "precision": precision,
                        "streams": streams,
                        **measure_torch(model, tokenizer, prompts, streams, args.new_tokens),
                    }
                )
                print(rows[-1], flush=True)
    for row in rows:
        row["tokens_per_s"] = row["tokens"] / row["seconds"]
        row["chars_per_s"] = row["chars"] / row["seconds"]
    return rows


def report(rows: list[dict]) -> bool:
    """Print the side-by-side table; True when every acceptance check that applies is met."""
    single = {(r["engine"], r["model"], r["precision"]): r["tokens_per_s"] for r in rows if r["streams"] == 1}
    first_model = rows[0]["model"] if rows else ""
    chars = {(r["engine"], r["model"], r["precision"], r["streams"]): r["chars_per_s"] for r in rows}
    print(
        f"\n{'engine':6s} {'model':10s} {'prec':5s} {'streams':>7s} {'tok/s':>10s} {'chars/s':>10s} "
        f"{'x 1 stream':>10s} {'chars/s vs ' + first_model:>18s}"
    )
    ok = True
    for r in rows:
        key = (r["engine"], r["model"], r["precision"])
        scaling = r["tokens_per_s"] / single[key]
        base = chars.get((r["engine"], first_model, r["precision"], r["streams"]))
        versus = r["chars_per_s"] / base if base else float("nan")
        print(
            f"{r['engine']:6s} {r['model']:10s} {r['precision']:5s} {r['streams']:7d} "
            f"{r['tokens_per_s']:10.1f} {r['chars_per_s']:10.1f} {scaling:10.2f} {versus:18.3f}"
        )
        if r["engine"] == "torch" and r["streams"] == max(STREAMS) and scaling < SCALING_TARGET:
            print(
                f"MISSED: {key} scales {scaling:.2f}x from 1 to {r['streams']} streams "
                f"(target {SCALING_TARGET}x)"
            )
            ok = False
    for precision in ("bf16", "fp8"):
        super_cps = chars.get(("torch", "superbpe", precision, max(STREAMS)))
        bpe_cps = chars.get(("torch", "bpe", precision, max(STREAMS)))
        if super_cps and bpe_cps:
            met = super_cps > bpe_cps
            ok &= met
            print(
                f"chars/s superbpe/bpe ({precision}, {max(STREAMS)} streams): {super_cps / bpe_cps:.3f} "
                f"{'met' if met else 'MISSED'}"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--onnx", action="append", default=[], help="NAME=model folder (onnxruntime)")
    parser.add_argument(
        "--checkpoint", action="append", default=[], help="NAME=checkpoint.pt,tokenizer.json (GPU)"
    )
    parser.add_argument("--flores", type=Path, default=Path("../shared/corpora/flores/dev"))
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    args = parser.parse_args()
    rows = run(args)
    ok = report(rows)
    if args.out:
        from indic.atomic import atomic_write_text

        atomic_write_text(args.out, json.dumps(rows, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
