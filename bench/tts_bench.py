"""Text-to-speech benchmarks: real-time factor against named baselines, and quality against the teacher.

    python bench/tts_bench.py speed   [--voice DIR]            # 2 CPU threads, onnxruntime
    python bench/tts_bench.py quality --checkpoint DIR [--fp8]  # MCD, F0, voicing, DTW-MCD vs the teacher
    python bench/tts_bench.py gpu-throughput --checkpoint DIR  # torch batch inference on a CUDA GPU

speed: single-stream and batch-of-8 real-time factor (wall / audio seconds) of our voice, side by side
with (a) espeak-ng itself and (b) a Piper-medium-sized graph built in the same run: random weights in
the shape of Piper's medium VITS decoder path (4 residual coupling layers of 4 WaveNet layers at
192 channels, then the HiFi-GAN V1 generator: 512 channels, upsampling 8·8·2·2, resblocks 3/7/11
with dilations 1/3/5), fed the same number of frames as our voice produced for each sentence. The
text encoder and duration predictor are left out of the anchor (they run per token and cost little),
which favours the anchor. Without --voice, our voice is the default-size model with random weights
and teacher-like durations: speed does not depend on the weights' values.

Acceptance targets (issue 7): RTF ≤ 0.03 single stream and ≥ 3× faster than the Piper-medium graph;
MCD ≤ 5 dB; H200 batch ≥ 1000× real time. A missed target prints MISSED and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SENTENCES = {
    "hi": "भारत एक विशाल देश है, जहाँ अनेक भाषाएँ बोली जाती हैं।",
    "bn": "আমি প্রতিদিন সকালে বাজারে যাই এবং তাজা সবজি কিনি।",
    "ta": "இன்று காலை மழை பெய்தது, அதனால் சாலைகள் ஈரமாக இருந்தன.",
    "te": "మా ఊరిలో ఒక పెద్ద చెరువు ఉంది, అక్కడ చాలా పక్షులు వస్తాయి.",
    "en": "The train to Mumbai leaves at seven in the morning, so please be on time.",
    "mr": "आज शाळेला सुट्टी आहे, म्हणून मुले मैदानात खेळत आहेत.",
    "gu": "અમદાવાદમાં આજે ખૂબ ગરમી છે, તેથી લોકો ઘરમાં રહે છે.",
    "kn": "ಬೆಂಗಳೂರಿನಲ್ಲಿ ಇಂದು ಹವಾಮಾನ ತುಂಬಾ ಚೆನ್ನಾಗಿದೆ.",
}
THREADS = 2
TEACHER_FRAMES_PER_TOKEN = 5.0
"""Mean frames per token of espeak-ng teacher speech (stress marks and word boundaries count as tokens)."""


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISSED"


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
                self.blocks.append(nn.ModuleList(ResBlock(channels, k) for k in (3, 7, 11)))
            self.post = nn.Conv1d(channels, 1, 7, padding=3)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            for flow in self.flows:
                z = flow(z)
            x = self.pre(z)
            for up, blocks in zip(self.ups, self.blocks, strict=True):
                x = up(nn.functional.leaky_relu(x, 0.1))
                x = sum(block(x) for block in blocks) / len(blocks)
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


def speed(args: argparse.Namespace) -> bool:
    import onnxruntime

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
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = THREADS, 1
    piper = onnxruntime.InferenceSession(
        str(_piper_medium_graph(work)), options, providers=["CPUExecutionProvider"]
    )

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
    print(f"\nsingle-stream RTF {ours_rtf:.4f} <= 0.03: {_verdict(ok_rtf)}")
    print(f"speed-up vs Piper-medium-sized graph {piper_rtf / ours_rtf:.2f}x >= 3x: {_verdict(ok_ratio)}")
    return ok_rtf and ok_ratio


def _mel_cepstrum(audio: np.ndarray, coefficients: int = 24) -> np.ndarray:
    """Mel cepstra c1..cN per frame: orthonormal DCT-II of the natural-log 80-bin mel amplitude."""
    import torch

    from tts.model.mel import LogMel

    with torch.no_grad():
        log_mel = LogMel()(torch.from_numpy(audio.astype(np.float32))[None])[0].numpy().T
    bins = log_mel.shape[1]
    k, n = np.arange(bins)[:, None], np.arange(bins)[None, :]
    basis = np.sqrt(2.0 / bins) * np.cos(np.pi * k * (2 * n + 1) / (2 * bins))
    basis[0] /= np.sqrt(2.0)
    return (log_mel @ basis.T)[:, 1 : coefficients + 1]


def _cepstral_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-frame-pair MCD in dB: (10 / ln 10) · sqrt(2 · Σ_d (c_d − ĉ_d)²)."""
    return 10 / np.log(10) * np.sqrt(2 * ((a - b) ** 2).sum(axis=-1))


def mel_cepstral_distortion(reference: np.ndarray, synthesized: np.ndarray) -> float:
    """Frame-aligned MCD in dB (same frame count: teacher durations forced), averaged over frames."""
    a, b = _mel_cepstrum(reference), _mel_cepstrum(synthesized)
    n = min(len(a), len(b))
    return float(np.mean(_cepstral_distances(a[:n], b[:n])))


def dtw_mel_cepstral_distortion(reference: np.ndarray, synthesized: np.ndarray) -> float:
    """MCD along the dynamic-time-warping path, for free-running output whose timing differs."""
    a, b = _mel_cepstrum(reference), _mel_cepstrum(synthesized)
    cost = _cepstral_distances(a[:, None, :], b[None, :, :])
    total = np.full((len(a) + 1, len(b) + 1), np.inf)
    steps = np.zeros_like(total)
    total[0, 0] = 0.0
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            options = (total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])
            k = int(np.argmin(options))
            previous = ((i - 1, j - 1), (i - 1, j), (i, j - 1))[k]
            total[i, j] = cost[i - 1, j - 1] + options[k]
            steps[i, j] = steps[previous] + 1
    return float(total[-1, -1] / steps[-1, -1])


def _f0_errors(reference: np.ndarray, audio: np.ndarray) -> tuple[float | None, float]:
    from tts.data.prosody import frame_f0

    f_ref, f_syn = frame_f0(reference), frame_f0(audio)
    n = min(len(f_ref), len(f_syn))
    both = (f_ref[:n] > 0) & (f_syn[:n] > 0)
    rmse = float(np.sqrt(np.mean((f_ref[:n][both] - f_syn[:n][both]) ** 2))) if both.any() else None
    return rmse, float(np.mean((f_ref[:n] > 0) != (f_syn[:n] > 0)))


def _onnx_voices(model: object, inventory: object, folder: Path) -> dict[str, object]:
    """fp32 and FP8-weight (per-channel E4M3 on every MatMul weight) ONNX sessions of the checkpoint."""
    import onnx
    import onnxruntime

    from serving.quant.onnx_fp8 import quantize_onnx_model
    from serving.quant.spec import QuantSpec
    from tts.export import export_voice

    report = export_voice(model, inventory, folder / "fp32", weights_float16=False)
    fp8, _ = quantize_onnx_model(onnx.load(str(report.path)), QuantSpec("fp8-e4m3", "channel"))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    return {
        "fp32": onnxruntime.InferenceSession(str(report.path), options, providers=["CPUExecutionProvider"]),
        "fp8": onnxruntime.InferenceSession(
            fp8.SerializeToString(), options, providers=["CPUExecutionProvider"]
        ),
    }


def _run_onnx(session: object, ids: np.ndarray, language: int) -> np.ndarray:
    feeds = {
        "tokens": ids[None],
        "token_lengths": np.array([len(ids)]),
        "language": np.array([language]),
        "speaker": np.array([0]),
        "length_scale": np.array([1.0], np.float32),
    }
    audio, lengths = session.run(None, feeds)  # type: ignore[attr-defined]
    return audio[0, : int(lengths[0])]


def quality(args: argparse.Namespace) -> bool:
    import torch

    from tts.checkpoint import load_checkpoint
    from tts.data.dataset import make_example

    model, inventory, _card = load_checkpoint(args.checkpoint)
    test_dir = Path(args.test_dir or Path(args.checkpoint).parent / "test_sentences")
    sessions = (
        _onnx_voices(model, inventory, Path(tempfile.mkdtemp(prefix="tts-quality-"))) if args.fp8 else {}
    )
    columns = ["MCD", "F0 RMSE", "voicing", "DTW-MCD", *(f"DTW {k}" for k in sessions)]
    rows: dict[str, list[list[float]]] = {}
    for lang_file in sorted(test_dir.glob("*.txt")):
        lang = lang_file.stem
        for text in lang_file.read_text(encoding="utf-8").splitlines()[: args.per_language]:
            example = make_example((text, lang, "default"))
            if example is None:
                continue
            ids = torch.from_numpy(example.ids)[None]
            language, speaker = torch.tensor([example.language]), torch.tensor([example.speaker])
            with torch.no_grad():
                forced = model.acoustic(
                    ids,
                    language,
                    speaker,
                    torch.ones_like(ids, dtype=torch.bool),
                    durations=torch.from_numpy(example.durations)[None],
                )
                audio = model.vocoder(forced.mel.transpose(1, 2))[0].numpy()
                free, _ = model(ids, torch.tensor([ids.shape[1]]), language, speaker, torch.tensor([1.0]))
            reference = example.audio.astype(np.float32) / 32768.0
            f0_rmse, voicing = _f0_errors(reference, audio)
            row = [mel_cepstral_distortion(reference, audio), f0_rmse or float("nan"), voicing]
            row.append(dtw_mel_cepstral_distortion(reference, free[0].numpy()))
            for session in sessions.values():
                row.append(
                    dtw_mel_cepstral_distortion(reference, _run_onnx(session, example.ids, example.language))
                )
            rows.setdefault(lang, []).append(row)
    print("vs held-out teacher audio; MCD, F0 RMSE (Hz) and voicing error with teacher durations forced;")
    print(
        "DTW-MCD free-running (predicted durations)"
        + (", also through ONNX fp32 and FP8 weights" if sessions else "")
    )
    print(f"{'lang':<6}{'n':>4}" + "".join(f"{c:>12}" for c in columns))
    means = {}
    for lang, values in rows.items():
        means[lang] = np.nanmean(np.array(values), axis=0)
        print(f"{lang:<6}{len(values):>4}" + "".join(f"{v:>12.2f}" for v in means[lang]))
    worst = max((m[0] for m in means.values()), default=float("inf"))
    mean_mcd = float(np.mean([m[0] for m in means.values()])) if means else float("inf")
    ok = worst <= 5.0
    print(
        f"\nmean MCD {mean_mcd:.2f} dB, worst language {worst:.2f} dB; "
        f"target <= 5 dB per language: {_verdict(ok)}"
    )
    if sessions:
        gap = max(abs(m[-1] - m[-2]) for m in means.values())
        print(f"largest FP8 vs fp32 DTW-MCD gap {gap:.3f} dB; target <= 0.2 dB: {_verdict(gap <= 0.2)}")
        ok = ok and gap <= 0.2
    if args.json:
        table = {lang: dict(zip(columns, map(float, m), strict=True)) for lang, m in means.items()}
        Path(args.json).write_text(json.dumps(table, indent=1), encoding="utf-8")
    return ok


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
        f"= {speed:.0f}x real time; target >= 1000x: {_verdict(speed >= 1000)}"
    )
    return speed >= 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_speed = sub.add_parser("speed")
    p_speed.add_argument("--voice")
    p_speed.add_argument("--repeats", type=int, default=3)
    p_quality = sub.add_parser("quality")
    p_quality.add_argument("--checkpoint", required=True)
    p_quality.add_argument("--test-dir")
    p_quality.add_argument("--per-language", type=int, default=10)
    p_quality.add_argument("--json")
    p_quality.add_argument("--fp8", action="store_true", help="also compare fp32 and FP8-weight ONNX graphs")
    p_gpu = sub.add_parser("gpu-throughput")
    p_gpu.add_argument("--checkpoint", required=True)
    p_gpu.add_argument("--batch", type=int, default=64)
    p_gpu.add_argument("--repeats", type=int, default=10)
    p_gpu.add_argument("--device", default="cuda")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
    ok = {"speed": speed, "quality": quality, "gpu-throughput": gpu_throughput}[args.command](args)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
