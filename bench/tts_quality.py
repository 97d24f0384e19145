"""Text-to-speech quality: the teacher, the fp32 voice and the FP8 voice in one table, per language.

    python bench/tts_quality.py --checkpoint runs/tts/voice/checkpoint --recognizer runs/ttsq/recognizer \\
        [--per-language 4] [--fp8-voice DIR] [--languages hi ta ...] [--no-dnsmos] [--json out.json]

Held-out sentences (``<checkpoint>/../test_sentences/<lang>.txt``, else the hash-split test lines of
``--corpus``; never used in training) are spoken by the espeak-ng teacher (default speaker) and by
the voice. Columns, all against the teacher's audio of the same sentence:

- MCD: standard mel-cepstral distortion (WORLD + SPTK, c1..c24, α = 0.455; :mod:`tts.quality.mcd`)
  of the torch model with the teacher's durations forced, frame by frame.
- DTW-MCD: the same distance along a DTW path, for the free-running ONNX voice (fp32 weights, and
  the FP8 variant); "Δfp32" is the FP8 voice's DTW-MCD minus the fp32 voice's.
- F0 RMSE (Hz, frames voiced in both) and V/UV (share of frames whose voicing differs), WORLD
  Harvest F0, teacher durations forced.
- PER: phoneme error rate of the CTC recognizer (:mod:`tts.recognizer`, trained on teacher speech of
  training sentences) on each system's audio; "×teach" is PER over the teacher's PER.
- DNSMOS OVRL (``speechmos``) and its ratio to the teacher's: a noise alarm, not a MOS.

The baseline is the teacher for every ratio, and the fp32 voice for the FP8 gap. Acceptance targets
(issue 7), per language: MCD ≤ 5 dB; voice PER ≤ 1.5 × teacher PER; FP8 DTW-MCD within 0.2 dB of
fp32. A missed (or unmeasured) target prints MISSED and exits 1.

Without ``--fp8-voice`` the FP8 variant is built from the checkpoint with ``indic tts export --fp8``
(FP8 E4M3 per-channel MatMul weights); ``--no-fp8`` leaves it out.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tts_common import REPO, cpu_session, run_voice_graph, verdict

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

    from tts.data.dataset import TeacherExample
    from tts.frontend.inventory import Inventory
    from tts.model.voice_model import VoiceModel

MCD_TARGET, PER_RATIO_TARGET, FP8_GAP_TARGET = 5.0, 1.5, 0.2


@dataclass
class Scores:
    """Per-utterance values of one language × system; PER is kept as edits and reference lengths."""

    values: dict[str, list[float]] = field(default_factory=dict)
    utterances: int = 0
    edits: int = 0
    phonemes: int = 0

    def add(self, column: str, value: float) -> None:
        self.values.setdefault(column, []).append(value)

    def mean(self, column: str) -> float:
        values = self.values.get(column, [])
        return float(np.nanmean(values)) if values and not np.all(np.isnan(values)) else float("nan")

    @property
    def per(self) -> float:
        return self.edits / self.phonemes if self.phonemes else float("nan")


def held_out_sentences(args: argparse.Namespace) -> dict[str, list[str]]:
    """The first ``--per-language`` held-out sentences of each language."""
    from tts.data.sentences import sentence_split

    test_dir = Path(args.test_dir or Path(args.checkpoint).parent / "test_sentences")
    sentences = {}
    for lang in args.languages:
        path = test_dir / f"{lang}.txt"
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
        else:
            _, lines = sentence_split(args.corpus, lang, 0, args.per_language)
        sentences[lang] = [line for line in lines if line.strip()][: args.per_language]
    return sentences


def voice_sessions(
    args: argparse.Namespace, model: VoiceModel, inventory: Inventory, work: Path
) -> dict[str, InferenceSession]:
    """onnxruntime CPU sessions of the fp32 voice and (unless ``--no-fp8``) the FP8 voice."""
    from tts.export import export_voice

    fp32 = export_voice(model, inventory, work / "fp32", weights_float16=False)
    sessions = {"fp32": cpu_session(fp32.path)}
    if args.no_fp8:
        return sessions
    fp8_dir = Path(args.fp8_voice) if args.fp8_voice else work / "fp8"
    if not args.fp8_voice:
        command = [
            sys.executable,
            "-m",
            "indic",
            "tts",
            "export",
            args.checkpoint,
            "--out",
            str(fp8_dir),
            "--fp8",
        ]
        subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    sessions["fp8"] = cpu_session(fp8_dir / "model.onnx")
    return sessions


def forced_audio(model: VoiceModel, example: TeacherExample) -> np.ndarray:
    """The torch voice's audio with the teacher's durations forced (frame-aligned with the teacher)."""
    import torch

    ids = torch.from_numpy(example.ids)[None]
    with torch.no_grad():
        forced = model.acoustic(
            ids,
            torch.tensor([example.language]),
            torch.tensor([example.speaker]),
            torch.ones_like(ids, dtype=torch.bool),
            durations=torch.from_numpy(example.durations)[None],
        )
        return model.vocoder(forced.mel.transpose(1, 2))[0].numpy()


def phoneme_scorer(
    args: argparse.Namespace, voice_tokens: tuple[str, ...]
) -> Callable[..., tuple[int, int]] | None:
    """``score(audio, example) -> (edits, reference phonemes)`` with the recognizer, or None without one."""
    if not args.recognizer:
        return None
    from tts.frontend.phonemize import is_phoneme
    from tts.quality.per import edit_distance
    from tts.recognizer.checkpoint import load_recognizer
    from tts.recognizer.model import transcribe

    recognizer, inventory, _ = load_recognizer(args.recognizer)

    def score(audio: np.ndarray, example: TeacherExample) -> tuple[int, int]:
        reference = [voice_tokens[i] for i in example.ids if i and is_phoneme(voice_tokens[i])]
        heard = [inventory.tokens[i] for i in transcribe(recognizer, audio, example.language)]
        return edit_distance(reference, heard), len(reference)

    return score


def evaluate(args: argparse.Namespace) -> dict[str, dict[str, Scores]]:
    """Scores per language and system (see the module docstring for the columns)."""
    from tts.checkpoint import load_checkpoint
    from tts.data.dataset import make_example
    from tts.quality.mcd import aligned_mcd, dtw_mcd, f0_errors, world_features

    model, inventory, _ = load_checkpoint(args.checkpoint)
    sessions = voice_sessions(args, model, inventory, Path(tempfile.mkdtemp(prefix="tts-quality-")))
    score_phonemes = phoneme_scorer(args, inventory.tokens)
    if args.no_dnsmos:
        dnsmos = None
    else:
        from tts.quality.dnsmos import dnsmos_scores

        dnsmos = dnsmos_scores
    rate = model.config.sample_rate
    table: dict[str, dict[str, Scores]] = {}
    started = time.perf_counter()
    for lang, sentences in held_out_sentences(args).items():
        scores = table.setdefault(lang, {system: Scores() for system in ("teacher", *sessions)})
        for text in sentences:
            example = make_example((text, lang, "default"))
            if example is None:
                print(f"  {lang}: skipped (teacher and front end do not align): {text}", flush=True)
                continue
            teacher = example.audio.astype(np.float32) / 32768.0
            audio = {
                "teacher": teacher,
                **{
                    name: run_voice_graph(session, example.ids, example.language, example.speaker)
                    for name, session in sessions.items()
                },
            }
            reference = world_features(teacher, rate)
            forced = world_features(forced_audio(model, example), rate)
            scores["fp32"].add("MCD", aligned_mcd(reference, forced))
            f0_rmse, voicing = f0_errors(reference, forced)
            scores["fp32"].add("F0 RMSE", f0_rmse)
            scores["fp32"].add("V/UV", voicing)
            for system, waveform in audio.items():
                scores[system].utterances += 1
                if system != "teacher":
                    scores[system].add("DTW-MCD", dtw_mcd(reference, world_features(waveform, rate)))
                if score_phonemes:
                    edits, phonemes = score_phonemes(waveform, example)
                    scores[system].edits += edits
                    scores[system].phonemes += phonemes
                if dnsmos:
                    scores[system].add("DNSMOS", dnsmos(waveform, rate).overall)
        print(
            f"  {lang}: {len(sentences)} sentences scored ({time.perf_counter() - started:.0f} s)", flush=True
        )
    return table


COLUMNS = (
    ("MCD", 7, 2),
    ("DTW-MCD", 9, 2),
    ("Δfp32", 7, 3),
    ("F0 RMSE", 9, 1),
    ("V/UV", 6, 2),
    ("PER", 7, 3),
    ("PER ×teach", 11, 2),
    ("DNSMOS", 8, 2),
    ("DNSMOS ×teach", 14, 2),
)
"""Printed columns: name, width, decimals."""


def summarize(table: dict[str, dict[str, Scores]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per language and system: the mean of every column, PER pooled, and the ratios to the baselines."""
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for lang, systems in table.items():
        teacher, fp32 = systems["teacher"], systems["fp32"]
        for system, scores in systems.items():
            dtw = scores.mean("DTW-MCD")
            rows.setdefault(lang, {})[system] = {
                "n": scores.utterances,
                "MCD": scores.mean("MCD"),
                "DTW-MCD": dtw,
                "Δfp32": dtw - fp32.mean("DTW-MCD") if system == "fp8" else float("nan"),
                "F0 RMSE": scores.mean("F0 RMSE"),
                "V/UV": scores.mean("V/UV"),
                "PER": scores.per,
                "PER ×teach": scores.per / teacher.per if teacher.per else float("nan"),
                "DNSMOS": scores.mean("DNSMOS"),
                "DNSMOS ×teach": scores.mean("DNSMOS") / teacher.mean("DNSMOS"),
            }
    return rows


def print_table(rows: dict[str, dict[str, dict[str, float]]]) -> None:
    """One line per language × system; — where a column does not apply or was not measured."""
    print(f"{'lang':<6}{'system':<9}{'n':>4}" + "".join(f"{name:>{width}}" for name, width, _ in COLUMNS))
    for lang, systems in rows.items():
        for system, row in systems.items():
            cells = "".join(
                f"{'—' if np.isnan(row[name]) else f'{row[name]:.{digits}f}':>{width}}"
                for name, width, digits in COLUMNS
            )
            print(f"{lang:<6}{system:<9}{row['n']:>4}{cells}")


def verdicts(rows: dict[str, dict[str, dict[str, float]]]) -> bool:
    """Print PASS/MISSED for each target of issue 7; True when all are met."""

    def column(system: str, name: str) -> dict[str, float]:
        return {lang: systems[system][name] for lang, systems in rows.items() if system in systems}

    mcd = column("fp32", "MCD")
    worst = max(mcd, key=lambda lang: mcd[lang])
    ok = all(v <= MCD_TARGET for v in mcd.values())
    print(
        f"\nMCD, fp32 voice, teacher durations: worst {worst} {mcd[worst]:.2f} dB, "
        f"mean {np.mean(list(mcd.values())):.2f} dB; target <= {MCD_TARGET} dB per language: {verdict(ok)}"
    )
    voices = [s for s in ("fp32", "fp8") if s in next(iter(rows.values()))]
    for system in voices:
        ratios = column(system, "PER ×teach")
        if all(np.isnan(v) for v in ratios.values()):
            print(f"PER {system} / teacher: not measured (no --recognizer): MISSED")
            ok = False
            continue
        over = ", ".join(f"{k} {v:.2f}" for k, v in ratios.items() if not v <= PER_RATIO_TARGET)
        print(
            f"PER {system} / teacher: worst {max(ratios.values()):.2f}x; languages over "
            f"{PER_RATIO_TARGET}x: {over or 'none'}; target per language: {verdict(not over)}"
        )
        ok &= not over
    if "fp8" in voices:
        gaps = {lang: abs(v) for lang, v in column("fp8", "Δfp32").items()}
        worst = max(gaps, key=lambda lang: gaps[lang])
        met = gaps[worst] <= FP8_GAP_TARGET
        print(
            f"FP8 vs fp32 voice, DTW-MCD gap: largest {worst} {gaps[worst]:.3f} dB; "
            f"target <= {FP8_GAP_TARGET} dB: {verdict(met)}"
        )
        ok &= met
    return ok


def main(argv: list[str] | None = None) -> None:
    from indic.languages import LANGUAGE_CODES

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--checkpoint", default="runs/tts/voice/checkpoint", help="voice checkpoint (indic tts train)"
    )
    parser.add_argument("--recognizer", help="phoneme recognizer folder (python -m tts.recognizer.train)")
    parser.add_argument("--test-dir", help="held-out <lang>.txt lists (default: beside the checkpoint)")
    parser.add_argument(
        "--corpus", default="../shared/corpora/train", help="for the test split when no list exists"
    )
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGE_CODES))
    parser.add_argument("--per-language", type=int, default=4)
    parser.add_argument("--fp8-voice", help="FP8 voice folder (indic tts export --fp8); default: built here")
    parser.add_argument("--no-fp8", action="store_true", help="leave the FP8 voice out")
    parser.add_argument("--no-dnsmos", action="store_true", help="leave DNSMOS out (it loads librosa)")
    parser.add_argument("--json", help="write the table's numbers here")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    started = time.perf_counter()
    rows = summarize(evaluate(args))
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    ok = verdicts(rows)
    print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
