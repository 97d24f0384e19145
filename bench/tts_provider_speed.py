"""Voice speed on one machine, side by side: onnxruntime CUDA vs torch on the same GPU vs onnxruntime on
two pinned CPU cores, single stream and in batches.

    python bench/tts_provider_speed.py --voice DIR --checkpoint DIR --sentences DIR \\
        [--batches 1 8 64 256] [--cpu-cores 14,15] [--json speed.json]

The sentences are the run's held-out test lists (the first ``--per-language`` lines of each
``<lang>.txt``). Single stream (batch 1) speaks them one at a time; a batch of B speaks B of them
(repeated to fill) in one call. Every row reports audio seconds per wall second (× real time) and the
real-time factor, and its ratio against torch fp32 eager on the same GPU at the same batch (the
baseline). onnxruntime CPU runs in a thread pinned to ``--cpu-cores`` with that many threads, so the
figure stays meaningful while other work uses the remaining cores. Rows go to ``--json`` as soon as
they are measured. Without CUDA (or without the onnxruntime CUDA provider) those rows are reported as
not available and only the CPU rows run.

Acceptance targets (issue 7): GPU batch throughput ≥ 1000× real time, CPU single-stream RTF ≤ 0.03.
A missed target prints MISSED and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tts_common import held_out_lists, verdict  # puts the repository on sys.path

from indic.atomic import atomic_write_text

GPU_TARGET = 1000.0
CPU_RTF_TARGET = 0.03
Batch = list[tuple[list[int], int]]
"""Items of one call: token ids and the language id."""


def load_items(voice: object, sentences: Path, per_language: int) -> Batch:
    """Token ids (as the runtime makes them) of the first lines of each held-out list."""
    return [
        (voice.chunks(text, lang)[0].ids, voice.inventory.language_id(lang))  # type: ignore[attr-defined]
        for lang, texts in held_out_lists(sentences, per_language).items()
        for text in texts
    ]


def feeds(batch: Batch) -> dict[str, np.ndarray]:
    """The voice graph's inputs for a padded batch (speaker 0, pace 1)."""
    tokens = np.zeros((len(batch), max(len(ids) for ids, _ in batch)), np.int64)
    for row, (ids, _) in enumerate(batch):
        tokens[row, : len(ids)] = ids
    return {
        "tokens": tokens,
        "token_lengths": np.array([len(ids) for ids, _ in batch], np.int64),
        "language": np.array([lang for _, lang in batch], np.int64),
        "speaker": np.zeros(len(batch), np.int64),
        "length_scale": np.ones(len(batch), np.float32),
    }


def calls_for(items: Batch, batch: int) -> list[Batch]:
    """Single stream: every item alone; otherwise one call of ``batch`` items (repeated to fill)."""
    if batch == 1:
        return [[item] for item in items]
    return [(items * (batch // len(items) + 1))[:batch]]


def time_calls(run: Callable[[Batch], float], calls: list[Batch], repeats: int) -> tuple[float, float]:
    """(audio seconds, wall seconds) over ``repeats`` passes, after one warm-up pass."""
    for call in calls:
        run(call)
    audio = 0.0
    start = time.perf_counter()
    for _ in range(repeats):
        for call in calls:
            audio += run(call)
    return audio, time.perf_counter() - start


def onnx_runner(session: object, sample_rate: int) -> Callable[[Batch], float]:
    def run(batch: Batch) -> float:
        _, lengths = session.run(["audio", "audio_lengths"], feeds(batch))  # type: ignore[attr-defined]
        return float(lengths.sum()) / sample_rate

    return run


def torch_runner(model: object, sample_rate: int, bf16: bool, device: str) -> Callable[[Batch], float]:
    import torch

    def run(batch: Batch) -> float:
        inputs = [torch.from_numpy(v).to(device) for v in feeds(batch).values()]
        with torch.inference_mode(), torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            _, lengths = model(*inputs)  # type: ignore[operator]
        if device == "cuda":
            torch.cuda.synchronize()
        return float(lengths.sum()) / sample_rate

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voice", required=True, help="ONNX voice folder (model.onnx + voice.json)")
    parser.add_argument("--checkpoint", required=True, help="the same voice's torch checkpoint")
    parser.add_argument("--sentences", required=True, help="folder of held-out <lang>.txt lists")
    parser.add_argument("--per-language", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 64, 256])
    parser.add_argument("--cpu-batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--cpu-cores", default="14,15", help="cores for the onnxruntime CPU rows")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="write the rows here as they are measured")
    parser.add_argument(
        "--torch-device", default="cuda", help="cpu runs the torch rows on the CPU (a dry run)"
    )
    args = parser.parse_args()

    import onnxruntime

    from indic.gpu_libraries import preload_cuda_libraries
    from tts.voice import Voice

    cuda = "CUDAExecutionProvider" in onnxruntime.get_available_providers()
    if cuda:
        preload_cuda_libraries()
    cores = {int(c) for c in args.cpu_cores.split(",")} & os.sched_getaffinity(0)
    cores = cores or set(sorted(os.sched_getaffinity(0))[-2:])
    tokenizer = Voice(args.voice, providers=["CPUExecutionProvider"], threads=1)
    items = load_items(tokenizer, Path(args.sentences), args.per_language)
    sample_rate = tokenizer.sample_rate
    rows: list[dict] = []
    report = {"voice": args.voice, "sentences": len(items), "cpu_cores": sorted(cores), "rows": rows}

    def record(system: str, batch: int, audio: float, wall: float) -> None:
        rows.append(
            {"system": system, "batch": batch, "audio_s": audio, "wall_s": wall, "x_real_time": audio / wall}
        )
        print(
            f"{system:<34}{batch:>6}{audio:>10.1f}{wall:>9.3f}{audio / wall:>12.1f}{wall / audio:>9.4f}",
            flush=True,
        )
        if args.json:
            atomic_write_text(args.json, json.dumps(report, indent=1) + "\n")

    print(
        f"{len(items)} held-out sentences\n"
        f"{'system':<34}{'batch':>6}{'audio s':>10}{'wall s':>9}{'x real':>12}{'RTF':>9}"
    )
    try:
        import torch

        gpu = torch.cuda.is_available()
    except ImportError:
        gpu = False
    if gpu or args.torch_device == "cpu":
        from tts.checkpoint import load_checkpoint

        model = load_checkpoint(args.checkpoint)[0].to(args.torch_device).eval()
        report["gpu"] = torch.cuda.get_device_name() if gpu else None
        for bf16, label in ((False, "torch fp32 eager (baseline)"), (True, "torch bf16 autocast")):
            run = torch_runner(model, sample_rate, bf16, args.torch_device)
            for batch in args.batches:
                record(label, batch, *time_calls(run, calls_for(items, batch), args.repeats))
    else:
        print("torch rows: no CUDA device here", flush=True)
    if gpu and cuda:
        voice = Voice(args.voice, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        report["cuda_session_providers"] = voice.session.get_providers()
        run = onnx_runner(voice.session, sample_rate)
        for batch in args.batches:
            record("onnxruntime CUDA", batch, *time_calls(run, calls_for(items, batch), args.repeats))
    else:
        print("onnxruntime CUDA rows: provider not available here", flush=True)
    # Threads inherit the affinity of the thread that creates them: pin, then create the CPU session.
    os.sched_setaffinity(0, cores)
    cpu = Voice(args.voice, providers=["CPUExecutionProvider"], threads=len(cores))
    run = onnx_runner(cpu.session, sample_rate)
    for batch in args.cpu_batches:
        record(
            f"onnxruntime CPU, {len(cores)} threads",
            batch,
            *time_calls(run, calls_for(items, batch), args.repeats),
        )

    baseline = {r["batch"]: r["x_real_time"] for r in rows if r["system"].startswith("torch fp32")}
    print(f"\n{'system':<34}{'batch':>6}{'vs torch fp32':>15}")
    for r in rows:
        if r["batch"] in baseline:
            print(f"{r['system']:<34}{r['batch']:>6}{r['x_real_time'] / baseline[r['batch']]:>14.2f}x")
    ok = True
    cpu_single = [r for r in rows if r["system"].startswith("onnxruntime CPU") and r["batch"] == 1]
    if cpu_single:
        rtf = cpu_single[0]["wall_s"] / cpu_single[0]["audio_s"]
        ok = rtf <= CPU_RTF_TARGET
        print(f"CPU single-stream RTF {rtf:.4f} <= {CPU_RTF_TARGET}: {verdict(ok)}")
    for system in ("torch bf16 autocast", "onnxruntime CUDA"):
        best = max((r["x_real_time"] for r in rows if r["system"] == system), default=None)
        if best is not None and gpu:
            met = best >= GPU_TARGET
            ok = ok and met
            print(f"{system}: best batch {best:.0f}x real time >= {GPU_TARGET:.0f}x: {verdict(met)}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
