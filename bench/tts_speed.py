"""Text-to-speech speed: real-time factor on 2 CPU cores against named baselines, and GPU batch throughput.

    python bench/tts_speed.py rtf [--voice DIR] [--repeats N]            # 2 CPU threads, onnxruntime
    python bench/tts_speed.py gpu-throughput --checkpoint DIR            # torch batch inference on CUDA

rtf: single-stream and batch-of-8 real-time factor (wall / audio seconds) of our voice, side by side
with (a) espeak-ng itself and (b) a Piper-medium-sized graph built in the same run: random weights in
the shape of Piper's medium VITS decoder path (4 residual coupling layers of 4 WaveNet layers at
192 channels, then the HiFi-GAN V1 generator: 512 channels, upsampling 8·8·2·2, resblocks 3/7/11
with dilations 1/3/5), fed the same number of frames as our voice produced for each sentence. The
text encoder and duration predictor are left out of the anchor (they run per token and cost little),
which favours the anchor. Without --voice, our voice is the default-size model with random weights
and teacher-like durations: speed does not depend on the weights' values.

Acceptance targets (issue 7): RTF ≤ 0.03 single stream and ≥ 3× faster than the Piper-medium graph;
H200 batch ≥ 1000× real time. A missed target prints MISSED and exits 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tts_common import SENTENCES, THREADS, cpu_session, verdict

RESBLOCK_KERNELS = (3, 7, 11)
"""HiFi-GAN V1's multi-receptive-field fusion: one residual block per kernel size, averaged."""
TEACHER_FRAMES_PER_TOKEN = 5.0
"""Mean frames per token of espeak-ng teacher speech (stress marks and word boundaries count as tokens)."""


def _piper_medium_graph(folder: Path) -> Path:
    """Export the Piper-medium-sized anchor (random weights): latent [1, 192, F] → audio [1, F·256]."""
    import torch
    from torch import nn

    class WaveNet(nn.Module):
        def __init__(self, channels: int = 192, layers: int = 4, kernel: int = 5) -> None:
            super().__init__()
            self.convs = nn.ModuleList(
                nn.Conv1d(channels, 2 * channels, kernel, padding=kernel // 2) for _ in range(layers)
            )
            self.outs = nn.ModuleList(nn.Conv1d(channels, 2 * channels, 1) for _ in range(layers))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            skip = torch.zeros_like(x)
            for conv, out in zip(self.convs, self.outs, strict=True):
                a, b = conv(x).chunk(2, dim=1)
                res, sk = out(torch.tanh(a) * torch.sigmoid(b)).chunk(2, dim=1)
                x, skip = x + res, skip + sk
            return skip

    class Coupling(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pre, self.wn, self.post = nn.Conv1d(96, 192, 1), WaveNet(), nn.Conv1d(192, 96, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            a, b = x.chunk(2, dim=1)
            return torch.cat([a, b - self.post(self.wn(self.pre(a)))], dim=1).flip(1)

    class ResBlock(nn.Module):
        def __init__(self, channels: int, kernel: int) -> None:
            super().__init__()
            self.c1 = nn.ModuleList(
                nn.Conv1d(channels, channels, kernel, dilation=d, padding=d * (kernel - 1) // 2)
                for d in (1, 3, 5)
            )
            self.c2 = nn.ModuleList(
                nn.Conv1d(channels, channels, kernel, padding=(kernel - 1) // 2) for _ in range(3)
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for c1, c2 in zip(self.c1, self.c2, strict=True):
                x = x + c2(nn.functional.leaky_relu(c1(nn.functional.leaky_relu(x, 0.1)), 0.1))
            return x

    class PiperMediumDecoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.flows = nn.ModuleList(Coupling() for _ in range(4))
            self.pre = nn.Conv1d(192, 512, 7, padding=3)
            self.ups, self.blocks = nn.ModuleList(), nn.ModuleList()
            channels = 512
            for rate, kernel in zip((8, 8, 2, 2), (16, 16, 4, 4), strict=True):
                self.ups.append(
                    nn.ConvTranspose1d(channels, channels // 2, kernel, rate, padding=(kernel - rate) // 2)
                )
                channels //= 2
                self.blocks.append(nn.ModuleList(ResBlock(channels, k) for k in RESBLOCK_KERNELS))
            self.post = nn.Conv1d(channels, 1, 7, padding=3)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            for flow in self.flows:
                z = flow(z)
            x = self.pre(z)
            for up, blocks in zip(self.ups, self.blocks, strict=True):
                x = up(nn.functional.leaky_relu(x, 0.1))
                x = sum(block(x) for block in blocks) / len(RESBLOCK_KERNELS)  # type: ignore[attr-defined]
            return torch.tanh(self.post(nn.functional.leaky_relu(x)))[:, 0]

    model = PiperMediumDecoder().eval()
    path = folder / "piper_medium_sized.onnx"
    with torch.no_grad():
        torch.onnx.export(
            model,
            (torch.randn(1, 192, 50),),
            str(path),
            input_names=["z"],
            output_names=["audio"],
            dynamic_axes={"z": {2: "frames"}, "audio": {1: "samples"}},
            opset_version=17,
            dynamo=False,
        )
    params = sum(p.numel() for p in model.parameters())
    print(f"Piper-medium-sized anchor: {params / 1e6:.1f}M parameters (decoder path), exported to ONNX")
    return path


def rtf(args: argparse.Namespace) -> bool:
    from tts.data.teacher import synthesize_teacher
    from tts.voice import Voice

    work = Path(tempfile.mkdtemp(prefix="tts-bench-"))
    if args.voice:
        voice_dir, label = Path(args.voice), f"voice {args.voice}"
    else:
        from tts.export import export_random_voice
        from tts.model.config import VoiceConfig

        sizes = {
            k: v
            for k, v in VoiceConfig(n_tokens=1).to_json().items()
            if k not in ("n_tokens", "n_languages", "n_speakers")
        }
        export_random_voice(work / "voice", frames_per_token=TEACHER_FRAMES_PER_TOKEN, **sizes)
        voice_dir, label = work / "voice", "default-size voice (random weights, teacher-like durations)"
    voice = Voice(voice_dir, providers=["CPUExecutionProvider"], threads=THREADS)
    piper = cpu_session(_piper_medium_graph(work))

    chunks = [(lang, voice.chunks(text, lang)[0].ids) for lang, text in SENTENCES.items()]
    for lang, ids in chunks:
        voice.synthesize_ids([ids], lang)
    ours_wall = ours_audio = ours_cpu = piper_wall = teacher_wall = teacher_audio = 0.0
    frames_per_sentence = []
    for _ in range(args.repeats):
        for lang, ids in chunks:
            start, cpu_start = time.perf_counter(), time.process_time()
            audio = voice.synthesize_ids([ids], lang)[0]
            ours_wall += time.perf_counter() - start
            ours_cpu += time.process_time() - cpu_start
            ours_audio += len(audio) / voice.sample_rate
            frames_per_sentence.append(len(audio) // 256)
    for frames in frames_per_sentence:
        z = np.random.default_rng(0).standard_normal((1, 192, max(frames, 1))).astype(np.float32)
        start = time.perf_counter()
        piper.run(None, {"z": z})
        piper_wall += time.perf_counter() - start
    for _ in range(args.repeats):
        for lang, text in SENTENCES.items():
            start = time.perf_counter()
            teacher_audio += len(synthesize_teacher(text, lang).audio) / 22050
            teacher_wall += time.perf_counter() - start
    batch_ids = [ids for _, ids in chunks]
    start = time.perf_counter()
    batch_audio = sum(len(a) for a in voice.synthesize_ids(batch_ids, "hi")) / voice.sample_rate
    batch_wall = time.perf_counter() - start

    ours_rtf, piper_rtf, teacher_rtf = (
        ours_wall / ours_audio,
        piper_wall / ours_audio,
        teacher_wall / teacher_audio,
    )
    load = os.getloadavg()[0]
    print(
        f"\nours: {label}; {ours_audio:.1f} s of audio over {len(frames_per_sentence)} sentences, "
        f"{THREADS} threads"
    )
    print(
        f"load average at the end {load:.1f} on {os.cpu_count()} cores; "
        f"ours used {ours_cpu / ours_audio:.4f} CPU-s per audio-s"
    )
    print(f"{'system':<34}{'RTF':>8}{'x real time':>13}{'vs ours':>10}")
    for name, rtf in (
        ("ours, single stream", ours_rtf),
        (f"ours, batch of {len(batch_ids)}", batch_wall / batch_audio),
        ("Piper-medium-sized graph", piper_rtf),
        ("espeak-ng (teacher, in-process)", teacher_rtf),
    ):
        print(f"{name:<34}{rtf:>8.4f}{1 / rtf:>13.1f}{rtf / ours_rtf:>10.2f}")
    ok_rtf, ok_ratio = ours_rtf <= 0.03, piper_rtf / ours_rtf >= 3.0
    print(f"\nsingle-stream RTF {ours_rtf:.4f} <= 0.03: {verdict(ok_rtf)}")
    print(f"speed-up vs Piper-medium-sized graph {piper_rtf / ours_rtf:.2f}x >= 3x: {verdict(ok_ratio)}")
    return ok_rtf and ok_ratio


def gpu_throughput(args: argparse.Namespace) -> bool:
    import torch

    from tts.checkpoint import load_checkpoint
    from tts.frontend.phonemize import phonemize

    model, inventory, _ = load_checkpoint(args.checkpoint)
    device = torch.device(args.device)
    model = model.to(device).eval()
    items = [(lang, inventory.ids(phonemize(text, lang))) for lang, text in SENTENCES.items()]
    items = (items * (args.batch // len(items) + 1))[: args.batch]
    longest = max(len(ids) for _, ids in items)
    tokens = torch.zeros(len(items), longest, dtype=torch.long)
    for row, (_, ids) in enumerate(items):
        tokens[row, : len(ids)] = torch.tensor(ids)
    feeds = (
        tokens.to(device),
        torch.tensor([len(ids) for _, ids in items], device=device),
        torch.tensor([inventory.language_id(lang) for lang, _ in items], device=device),
        torch.zeros(len(items), dtype=torch.long, device=device),
        torch.ones(len(items), device=device),
    )
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16):
        for _ in range(3):
            model(*feeds)
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        audio_seconds = 0.0
        for _ in range(args.repeats):
            _, lengths = model(*feeds)
            audio_seconds += float(lengths.sum()) / 22050
        if device.type == "cuda":
            torch.cuda.synchronize()
    wall = time.perf_counter() - start
    speed = audio_seconds / wall
    name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
    print(
        f"torch bf16 on {name}: batch {len(items)}, {audio_seconds:.0f} s of audio in {wall:.2f} s "
        f"= {speed:.0f}x real time; target >= 1000x: {verdict(speed >= 1000)}"
    )
    return speed >= 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_rtf = sub.add_parser("rtf")
    p_rtf.add_argument("--voice")
    p_rtf.add_argument("--repeats", type=int, default=3)
    p_gpu = sub.add_parser("gpu-throughput")
    p_gpu.add_argument("--checkpoint", required=True)
    p_gpu.add_argument("--batch", type=int, default=64)
    p_gpu.add_argument("--repeats", type=int, default=10)
    p_gpu.add_argument("--device", default="cuda")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    ok = {"rtf": rtf, "gpu-throughput": gpu_throughput}[args.command](args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
