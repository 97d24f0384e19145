"""Decoding throughput of the compact LM at 1, 8 and 32 concurrent streams: tokens/s and characters/s.

Engines, one table:

- ``ort`` — the shipped runtime (:class:`llm.runtime.OnnxLM`) on an exported model folder
  (``--onnx NAME=DIR``), once per ``--provider`` (``cpu``, ``cuda``; planned by
  :func:`serving.providers.plan_providers`, CUDA then CPU). The row names the provider that actually ran.
  The KV cache stays on the provider's device between steps (IOBinding); logits come to the host, where
  sampling runs, so ``graph tok/s`` (tokens over the time spent in the graph and its transfers: the
  runtime's decode steps, :meth:`llm.runtime.OnnxLM.step`) is also reported: the provider's own speed,
  without host-side sampling and detokenization.
- ``torch`` — the same decoder in PyTorch on a GPU (``--checkpoint NAME=CKPT,TOKENIZER``; the CPU when
  there is none, which only tests the path), bf16, and with
  FP8 E4M3 weights (per output channel, quantized with ``serving.quant``) multiplied by ``torch._scaled_mm``
  against activations quantized per row on the fly (``--torch-precision`` picks).

Every stream decodes exactly ``--new-tokens`` tokens after a FLORES dev prompt (languages taken in turn),
sampled at temperature 0.8 / top-k 50; characters are counted in the decoded text. Timing noise between two
models of identical shape was up to 1.6x in single runs, so every configuration is warmed up once and the
``--repeats`` timed runs of all configurations are *interleaved* (drift hits every model alike) and their
median kept. Ratios printed: each stream count against one stream (the reference talk: 52 → 296 tok/s,
5.7×, going to 32 streams on an H100) and every model's characters/s against the first model's, next to
its characters per token — the tokenizer's share of the difference, free of timing noise.

Acceptance (issue 6), checked only for the torch engine on a GPU: 32 streams give ≥ 5.7× the tokens/s of one,
and the model named ``superbpe`` beats ``bpe`` in characters/s. Prints MISSED and exits 1 otherwise.

    python bench/lm_throughput.py --onnx small=indic/data/artifacts/indic-lm-small --provider cpu
    python bench/lm_throughput.py --checkpoint bpe=runs/lm/ab/bpe/checkpoint.pt,bpe.json \\
        --checkpoint superbpe=runs/lm/ab/superbpe/checkpoint.pt,superbpe.json \\
        --onnx superbpe-fp8=runs/lm/onnx-fp8 --provider cuda --provider cpu --out throughput.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from indic.languages import LANGUAGE_CODES

STREAMS = (1, 8, 32)
REPEATS = 3
SCALING_TARGET = 5.7
TEMPERATURE, TOP_K = 0.8, 50


@dataclass
class Decoder:
    """One configuration under test; ``run(streams)`` decodes once and returns tokens, chars, seconds."""

    engine: str
    model: str
    precision: str
    requested: str
    provider: str
    run: Callable[[int], dict]
    runs: dict[int, list[dict]] = field(default_factory=dict)


def flores_prompts(flores: Path, count: int, words: int = 4) -> list[str]:
    """``count`` prompts: the first words of FLORES dev lines, one language after another."""
    lines = {
        code: (flores / f"{code}.txt").read_text(encoding="utf-8").splitlines() for code in LANGUAGE_CODES
    }
    return [
        " ".join(lines[LANGUAGE_CODES[i % len(LANGUAGE_CODES)]][i // len(LANGUAGE_CODES)].split()[:words])
        for i in range(count)
    ]


def stored_precision(path: Path) -> str:
    """``fp8`` when the graph stores FP8 weights (behind DequantizeLinear), else ``fp32``."""
    import onnx

    fp8 = {onnx.TensorProto.FLOAT8E4M3FN, onnx.TensorProto.FLOAT8E5M2}
    return "fp8" if any(i.data_type in fp8 for i in onnx.load(str(path)).graph.initializer) else "fp32"


def ort_decoder(name: str, folder: Path, provider: str, prompts: list[str], new_tokens: int) -> Decoder:
    """The shipped runtime on ``provider``, with the time spent inside the graph counted separately."""
    from llm.runtime import OnnxLM
    from llm.sampling import SamplingSettings
    from serving.providers import plan_providers

    class TimedOnnxLM(OnnxLM):
        """The runtime, adding up the time its decode steps take (the graph and its transfers)."""

        graph_seconds = 0.0

        def step(
            self, ids: np.ndarray, mask: np.ndarray, positions: np.ndarray, past: list
        ) -> tuple[np.ndarray, list]:
            start = time.perf_counter()
            try:
                return super().step(ids, mask, positions, past)
            finally:
                self.graph_seconds += time.perf_counter() - start

    lm = TimedOnnxLM(folder, providers=list(plan_providers(provider).names))
    settings = SamplingSettings(temperature=TEMPERATURE, top_k=TOP_K, top_p=1.0)

    def decode(streams: int) -> dict:
        lm.graph_seconds = 0.0
        result = lm.generate(prompts[:streams], settings, max_new_tokens=new_tokens, stop_at_eot=False)
        # Every row runs every step (stop_at_eot=False); end-of-text tokens are decoded work too.
        return {
            "tokens": streams * new_tokens,
            "chars": sum(result.chars),
            "seconds": result.seconds,
            "graph_seconds": lm.graph_seconds,
        }

    precision = stored_precision(folder / "model.onnx")
    return Decoder("ort", name, precision, provider, lm.provider, decode)


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


def torch_decoder(
    name: str, checkpoint: Path, tokenizer_path: Path, precision: str, prompts: list[str], new_tokens: int
) -> Decoder:
    """The PyTorch decoder in bf16 on the GPU (the CPU when there is none), sampling on the same device."""
    import torch
    from tokenizers import Tokenizer

    from indic.text import normalize
    from llm.train import load_model

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = load_model(checkpoint, device).to(torch.bfloat16)
    if precision == "fp8":
        model = fp8_linears(model)
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    eot = model.cfg.eot_id

    def synchronize() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    def prompt_batch(streams: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Left-padded prompt ids and their mask, already on the device."""
        encoded = [
            [eot, *tokenizer.encode(normalize(p), add_special_tokens=False).ids] for p in prompts[:streams]
        ]
        width = max(len(e) for e in encoded)
        ids = torch.full((streams, width), eot, dtype=torch.long)
        mask = torch.zeros(streams, width, dtype=torch.long)
        for row, e in enumerate(encoded):
            ids[row, width - len(e) :] = torch.tensor(e)
            mask[row, width - len(e) :] = 1
        return ids.to(device), mask.to(device)

    @torch.no_grad()
    def decode_rows(step_ids: torch.Tensor, step_mask: torch.Tensor) -> list[list[int]]:
        streams = step_ids.shape[0]
        step_pos = (step_mask.cumsum(1) - 1).clamp(min=0)
        generator = torch.Generator(device=device).manual_seed(0)
        cache = model.empty_cache(streams, torch.device(device))
        out = []
        for _ in range(new_tokens):
            with torch.autocast(device, dtype=torch.bfloat16):
                logits, cache = model.forward_with_cache(step_ids, step_mask, step_pos, cache)
            top = torch.topk(logits[:, -1].float() / TEMPERATURE, TOP_K)
            pick = torch.multinomial(top.values.softmax(-1), 1, generator=generator)
            step_ids = top.indices.gather(1, pick)
            out.append(step_ids)
            step_mask = torch.cat((step_mask, torch.ones_like(step_ids)), dim=1)
            step_pos = step_pos[:, -1:] + 1
        return torch.cat(out, dim=1).tolist()

    def decode(streams: int) -> dict:
        ids, mask = prompt_batch(streams)
        synchronize()
        start = time.perf_counter()
        rows = decode_rows(ids, mask)
        synchronize()
        seconds = time.perf_counter() - start
        visible = [[t for t in row if t != eot] for row in rows]
        chars = sum(len(text) for text in tokenizer.decode_batch(visible, skip_special_tokens=True))
        return {"tokens": streams * new_tokens, "chars": chars, "seconds": seconds}

    return Decoder("torch", name, precision, device, f"torch-{device}", decode)


def build_decoders(args: argparse.Namespace, prompts: list[str], failures: dict[str, str]) -> list[Decoder]:
    """Every configuration asked for; one that cannot start is reported in ``failures``, not fatal."""
    builders: list[tuple[str, Callable[[], Decoder]]] = []
    for spec in args.checkpoint:
        name, paths = spec.split("=", 1)
        checkpoint, tokenizer_path = (Path(p) for p in paths.split(",", 1))
        for precision in args.torch_precision:
            builders.append(
                (
                    f"torch {name} {precision}",
                    partial(
                        torch_decoder, name, checkpoint, tokenizer_path, precision, prompts, args.new_tokens
                    ),
                )
            )
    for spec in args.onnx:
        name, folder = spec.split("=", 1)
        for provider in args.provider:
            builders.append(
                (
                    f"ort {name} {provider}",
                    partial(ort_decoder, name, Path(folder), provider, prompts, args.new_tokens),
                )
            )
    decoders = []
    for label, build in builders:
        try:
            decoders.append(build())
        except Exception as error:  # a provider or model that fails to load must not cost the other rows
            failures[label] = f"{type(error).__name__}: {error}"
            print(f"FAILED to start {label}: {failures[label]}", flush=True)
    return decoders


def measure(
    decoders: list[Decoder],
    repeats: int,
    max_seconds: float,
    save: Callable[[], None],
    failures: dict[str, str],
) -> None:
    """Per stream count: one warm-up per decoder, then ``repeats`` rounds over all decoders, interleaved.

    A decoder that raises is dropped (its error kept in ``failures``) so the others are still measured.
    """
    start = time.perf_counter()
    live = list(decoders)

    def attempt(decoder: Decoder, streams: int) -> dict | None:
        try:
            return decoder.run(streams)
        except Exception as error:  # reported in the table's failures, and the run goes on
            label = f"{decoder.engine} {decoder.model} {decoder.precision} {decoder.provider} x{streams}"
            failures[label] = f"{type(error).__name__}: {error}"
            print(f"FAILED {label}: {failures[label]}", flush=True)
            live.remove(decoder)
            return None

    # 1 and 32 streams first: the scaling verdict needs both, should the time budget run out.
    for streams in sorted(STREAMS, key=lambda n: n not in (min(STREAMS), max(STREAMS))):
        if time.perf_counter() - start > max_seconds:
            print(f"time budget of {max_seconds:.0f}s spent: {streams} streams not measured", flush=True)
            break
        for decoder in list(live):
            attempt(decoder, streams)
        for _ in range(repeats):
            for decoder in list(live):
                if (run := attempt(decoder, streams)) is not None:
                    decoder.runs.setdefault(streams, []).append(run)
        save()
        print(f"{streams} streams measured at {time.perf_counter() - start:.0f}s", flush=True)


def rows_of(decoders: list[Decoder]) -> list[dict]:
    """The median run (by seconds) of each decoder and stream count, with its rates."""
    rows = []
    for d in decoders:
        for streams, runs in sorted(d.runs.items()):
            median = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
            row = {
                "engine": d.engine,
                "model": d.model,
                "precision": d.precision,
                "requested": d.requested,
                "provider": d.provider,
                "streams": streams,
                "repeats": len(runs),
                **median,
                "tokens_per_s": median["tokens"] / median["seconds"],
                "chars_per_s": median["chars"] / median["seconds"],
                "chars_per_token": median["chars"] / median["tokens"],
            }
            if "graph_seconds" in median:
                row["graph_tokens_per_s"] = median["tokens"] / median["graph_seconds"]
            rows.append(row)
    return rows


def report(rows: list[dict]) -> bool:
    """Print the side-by-side table; True when every acceptance check that applies is met."""

    def config(r: dict) -> tuple:
        return (r["engine"], r["precision"], r["requested"], r["provider"])

    single = {(*config(r), r["model"]): r["tokens_per_s"] for r in rows if r["streams"] == 1}
    first_model = rows[0]["model"] if rows else ""
    by_key = {(*config(r), r["model"], r["streams"]): r for r in rows}
    print(
        f"\n{'engine':6s} {'model':10s} {'prec':5s} {'asked':5s} {'provider':22s} {'streams':>7s} "
        f"{'tok/s':>9s} {'graph tok/s':>11s} {'chars/s':>9s} {'x 1 str':>7s} {'chars/tok':>9s} "
        f"{'chars/s vs ' + first_model:>18s}"
    )
    ok = True
    for r in rows:
        scaling = r["tokens_per_s"] / single[(*config(r), r["model"])] if r["streams"] in STREAMS else 0.0
        base = by_key.get((*config(r), first_model, r["streams"]))
        versus = r["chars_per_s"] / base["chars_per_s"] if base else float("nan")
        graph = f"{r['graph_tokens_per_s']:11.1f}" if "graph_tokens_per_s" in r else f"{'-':>11s}"
        print(
            f"{r['engine']:6s} {r['model']:10s} {r['precision']:5s} {r['requested']:5s} {r['provider']:22s} "
            f"{r['streams']:7d} "
            f"{r['tokens_per_s']:9.1f} {graph} {r['chars_per_s']:9.1f} {scaling:7.2f} "
            f"{r['chars_per_token']:9.3f} {versus:18.3f}"
        )
        if r["engine"] == "torch" and r["streams"] == max(STREAMS) and scaling < SCALING_TARGET:
            print(f"MISSED: {config(r)} {r['model']} scales {scaling:.2f}x to {r['streams']} streams")
            ok = False
    for r in rows:
        if r["model"] != "superbpe" or r["streams"] != max(STREAMS):
            continue
        bpe = by_key.get((*config(r), "bpe", r["streams"]))
        if bpe:
            met = r["chars_per_s"] > bpe["chars_per_s"]
            if r["engine"] == "torch":
                ok &= met
            verdict = ("met" if met else "MISSED") if r["engine"] == "torch" else "information"
            print(
                f"chars/s superbpe/bpe ({' '.join(config(r))}, {r['streams']} streams): "
                f"{r['chars_per_s'] / bpe['chars_per_s']:.3f} = chars/token "
                f"{r['chars_per_token'] / bpe['chars_per_token']:.3f} x tokens/s "
                f"{r['tokens_per_s'] / bpe['tokens_per_s']:.3f}: {verdict}"
            )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--onnx", action="append", default=[], help="NAME=model folder (onnxruntime)")
    parser.add_argument(
        "--provider", action="append", default=None, help="cpu, cuda or auto for --onnx (repeatable)"
    )
    parser.add_argument(
        "--checkpoint", action="append", default=[], help="NAME=checkpoint.pt,tokenizer.json (torch)"
    )
    parser.add_argument(
        "--torch-precision", action="append", default=None, choices=("bf16", "fp8"), help="default: both"
    )
    parser.add_argument("--flores", type=Path, default=Path("../shared/corpora/flores/dev"))
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--max-seconds", type=float, default=float("inf"), help="skip stream counts after")
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON here (as they come)")
    args = parser.parse_args()
    args.provider = args.provider or ["cpu"]
    args.torch_precision = args.torch_precision or ["bf16", "fp8"]
    failures: dict[str, str] = {}
    decoders = build_decoders(args, flores_prompts(args.flores, max(STREAMS)), failures)

    def save() -> None:
        if args.out:
            from indic.atomic import atomic_write_text

            payload = {"rows": rows_of(decoders), "failures": failures}
            atomic_write_text(args.out, json.dumps(payload, indent=2) + "\n")

    measure(decoders, args.repeats, args.max_seconds, save, failures)
    save()
    ok = report(rows_of(decoders))
    for label, error in failures.items():
        print(f"FAILED {label}: {error}")
    return 0 if ok and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
