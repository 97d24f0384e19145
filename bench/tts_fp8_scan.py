"""Which weights must stay out of FP8? A measured sensitivity scan for the voice's FP8 variant.

    python bench/tts_fp8_scan.py --checkpoint DIR --sentences DIR [--per-language 1] [--json scan.json]

1. Export the checkpoint with float32 weights and speak the first ``--per-language`` held-out
   sentences of each language through onnxruntime (CPU): the reference audio.
2. For every MatMul weight alone, quantize it to FP8 E4M3 per output channel (the other MatMul weights
   stay in float16) and measure the DTW-aligned cepstral distance of the audio to the reference: that
   weight's sensitivity. ``--metric logmel`` (default) applies the MCD formula to cepstra of the voice's
   own log-mel (fast, no extra packages: it runs on the GPU machine's CPU cores); ``--metric world``
   uses the standard WORLD + SPTK DTW-MCD of :mod:`tts.quality.mcd`, the acceptance metric.
3. Build the whole FP8 variant keeping the k most sensitive weights in float16, k = 0, 1, 2, 3, 4, 6, 8,
   and measure the largest per-language distance to the reference.

The smallest k whose largest per-language distance is ≤ ``--target`` (0.2 dB) is the suggestion,
printed as the ``indic tts export --fp8 --keep-float ...`` command. A distance to the fp32 output is a
stricter test than the acceptance figure (the gap between the two voices' distances to the teacher):
by the triangle inequality, that gap cannot exceed it, up to DTW's path choice. If no k meets the
target, the scan prints MISSED and exits 1. Baseline: the fp32 voice (distance 0 by definition);
k = 0 is the plain FP8 variant.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tts_common import cpu_session, held_out_lists, run_voice_graph  # noqa: E402

from indic.atomic import atomic_write_text  # noqa: E402
from tts.export import fp8_weight_graph  # noqa: E402

KEPT_COUNTS = (0, 1, 2, 3, 4, 6, 8)


def speak(model_bytes: bytes, items: list[tuple[str, list[int], int]], threads: int = 2) -> list[np.ndarray]:
    """Audio of each item through onnxruntime's CPU provider."""
    session = cpu_session(model_bytes, threads)
    return [run_voice_graph(session, np.asarray(ids), language) for _, ids, language in items]


def log_mel_cepstrum(audio: np.ndarray, coefficients: int = 24) -> np.ndarray:
    """c0..c24 per frame: orthonormal DCT-II of the voice's own 80-bin natural-log mel."""
    import torch

    from tts.model.mel import LogMel

    with torch.no_grad():
        log_mel = LogMel()(torch.from_numpy(audio.astype(np.float32))[None])[0].numpy().T
    bins = log_mel.shape[1]
    k, n = np.arange(bins)[:, None], np.arange(bins)[None, :]
    basis = np.sqrt(2.0 / bins) * np.cos(np.pi * k * (2 * n + 1) / (2 * bins))
    basis[0] /= np.sqrt(2.0)
    return (log_mel @ basis.T)[:, : coefficients + 1]


def dtw_log_mel_distance(reference: np.ndarray, synthesized: np.ndarray) -> float:
    """The DTW-MCD of :mod:`tts.quality.mcd` (c1..c24, dB) on log-mel cepstra: fast and free of WORLD,
    so it runs anywhere; ``--metric world`` uses the standard SPTK mel-cepstrum instead."""
    from tts.quality.mcd import cepstra_dtw_mcd

    return cepstra_dtw_mcd(log_mel_cepstrum(reference), log_mel_cepstrum(synthesized))


def distance(reference: np.ndarray, synthesized: np.ndarray, metric: str) -> float:
    if metric == "world":
        from tts.quality.mcd import audio_dtw_mcd

        return audio_dtw_mcd(reference, synthesized)
    return dtw_log_mel_distance(reference, synthesized)


def distances(
    audio: list[np.ndarray], reference: list[np.ndarray], items: list[tuple[str, list[int], int]], metric: str
) -> dict[str, float]:
    """Mean DTW distance against the reference per language."""
    per_language: dict[str, list[float]] = {}
    for (lang, _, _), wave, ref in zip(items, audio, reference, strict=True):
        per_language.setdefault(lang, []).append(distance(ref, wave, metric))
    return {lang: float(np.mean(values)) for lang, values in per_language.items()}


_SHARED: dict[str, object] = {}
"""What every scan process needs once: the fp32 graph, the items and the reference audio."""


def _start_worker(
    fp32_path: str, items: list, reference: list[np.ndarray], threads: int, metric: str
) -> None:
    import onnx

    _SHARED.update(
        fp32=onnx.load(fp32_path), items=items, reference=reference, threads=threads, metric=metric
    )


def _score(keep: frozenset[str]) -> dict[str, float]:
    """Per-language DTW distance to the reference of the FP8 variant keeping ``keep`` in float16."""
    items, reference = _SHARED["items"], _SHARED["reference"]
    graph = fp8_weight_graph(_SHARED["fp32"], set(keep))  # type: ignore[arg-type]
    audio = speak(graph.SerializeToString(), items, int(_SHARED["threads"]))  # type: ignore[arg-type]
    return distances(audio, reference, items, str(_SHARED["metric"]))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--sentences", required=True, help="folder of held-out <lang>.txt lists")
    parser.add_argument("--per-language", type=int, default=1)
    parser.add_argument("--target", type=float, default=0.2, help="largest DTW distance to fp32 allowed, dB")
    parser.add_argument("--json", help="write the scan here (rewritten as results arrive)")
    parser.add_argument("--workers", type=int, default=1, help="processes scoring variants in parallel")
    parser.add_argument(
        "--metric",
        choices=("logmel", "world"),
        default="logmel",
        help="logmel: MCD formula on the voice's log-mel cepstra (fast, no extra packages); "
        "world: the standard WORLD + SPTK DTW-MCD of tts.quality (needs pyworld and pysptk)",
    )
    args = parser.parse_args()

    import onnx

    from tts.checkpoint import load_checkpoint
    from tts.export import export_voice, matmul_weight_parameters
    from tts.voice import Voice

    started = time.perf_counter()
    model, inventory, card = load_checkpoint(args.checkpoint)
    folder = Path(tempfile.mkdtemp(prefix="tts-fp8-scan-"))
    export_voice(model, inventory, folder, card, weights_float16=False)
    fp32 = onnx.load(str(folder / "model.onnx"))
    sizes = {t.name: int(np.prod(t.dims)) for t in fp32.graph.initializer}
    # Weights under the quantizer's 1,024-element floor stay float32 in every variant.
    parameters = {
        name: init for name, init in matmul_weight_parameters(fp32, model).items() if sizes[init] >= 1024
    }
    voice = Voice(folder, providers=["CPUExecutionProvider"], threads=2)
    try:
        sentences = held_out_lists(args.sentences, args.per_language)
    except FileNotFoundError as error:
        raise SystemExit(str(error)) from error
    items = [
        (lang, voice.chunks(text, lang)[0].ids, inventory.language_id(lang))
        for lang, texts in sentences.items()
        for text in texts
    ]
    reference = speak(fp32.SerializeToString(), items)
    print(f"{len(parameters)} MatMul weights, {len(items)} held-out sentences", flush=True)
    report: dict[str, object] = {
        "checkpoint": args.checkpoint,
        "sentences": len(items),
        "target_db": args.target,
        "metric": args.metric,
        "sensitivity_db": {},
        "variants": [],
        "chosen": None,
    }

    def save() -> None:
        report["seconds"] = round(time.perf_counter() - started, 1)
        if args.json:
            atomic_write_text(args.json, json.dumps(report, indent=1) + "\n")

    all_weights = set(parameters.values())
    sensitivity: dict[str, float] = report["sensitivity_db"]  # type: ignore[assignment]
    threads = 1 if args.workers > 1 else 2
    context = multiprocessing.get_context("spawn")
    initargs = (str(folder / "model.onnx"), items, reference, threads, args.metric)
    with ProcessPoolExecutor(args.workers, context, _start_worker, initargs) as pool:
        jobs = {
            pool.submit(_score, frozenset(all_weights - {initializer})): name
            for name, initializer in sorted(parameters.items())
        }
        for done in as_completed(jobs):
            name = jobs[done]
            sensitivity[name] = float(np.mean(list(done.result().values())))
            print(f"  FP8 only {name:<44} DTW distance to fp32 {sensitivity[name]:.4f} dB", flush=True)
            save()
        ranked = sorted(sensitivity, key=lambda n: -sensitivity[n])
        kept = [ranked[:count] for count in KEPT_COUNTS]
        results = pool.map(_score, [frozenset(parameters[n] for n in keep) for keep in kept])
        variants: list[dict] = report["variants"]  # type: ignore[assignment]
        print(f"\n{'kept in float16':>16}{'mean dB':>10}{'worst dB':>10}  worst language")
        for keep, per_language in zip(kept, results, strict=True):
            worst = max(per_language, key=lambda lang: per_language[lang])
            variants.append({"kept": keep, "per_language": per_language, "worst": per_language[worst]})
            mean = float(np.mean(list(per_language.values())))
            print(f"{len(keep):>16}{mean:>10.4f}{per_language[worst]:>10.4f}  {worst}", flush=True)
            save()
    chosen = next((v for v in variants if v["worst"] <= args.target), None)
    report["chosen"] = chosen
    save()
    if chosen is None:
        print(f"\nno variant within {args.target} dB of fp32 up to {KEPT_COUNTS[-1]} kept weights: MISSED")
        sys.exit(1)
    flags = " ".join(f"--keep-float {name}" for name in chosen["kept"])
    print(
        f"\nkeeping {len(chosen['kept'])} weight(s) in float16: worst language {chosen['worst']:.4f} dB "
        f"<= {args.target} dB: PASS\nindic tts export {args.checkpoint} --out VOICE_DIR --fp8 {flags}"
    )


if __name__ == "__main__":
    main()
