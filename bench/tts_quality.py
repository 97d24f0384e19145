"""Text-to-speech quality: the teacher, the fp32 voice and the FP8 voice in one table, per language.

    python bench/tts_quality.py --checkpoint runs/tts/voice/checkpoint --recognizer runs/ttsq/recognizer \\
        [--per-language 10] [--fp8-voice DIR | --fp8-keep NAME ...] [--languages hi ta ...] \\
        [--workers 2] [--no-dnsmos] [--no-mcd] [--copy-synthesis] [--confusions 8] [--json out.json] \\
        [--details out.json] [--save-audio out.npz]

Held-out sentences (``<checkpoint>/../test_sentences/<lang>.txt``, else the hash-split test lines of
``--corpus``; never used in training) are spoken by the espeak-ng teacher (default speaker) and by
the voice. Columns, all against the teacher's audio of the same sentence unless said otherwise:

- MCD: standard mel-cepstral distortion (WORLD + SPTK, c1..c24, α = 0.455; :mod:`tts.quality.mcd`)
  with the teacher's durations forced, frame by frame, through a forced-duration ONNX graph of the
  voice (``tts.export.export_forced_duration_graph``) — float32 weights for the fp32 row, the FP8
  variant's exact weights for the fp8 row.
- ΔMCD (fp8 row): the FP8 voice's MCD minus the fp32 voice's, both with teacher durations: what the
  FP8 weights do to the sound, with no duration moved. **The FP8 acceptance figure.**
- MCD↔fp32 (fp8 row): the FP8 voice's forced audio against the fp32 voice's, frame by frame.
- DTW-MCD: the same distance along a DTW path, for the free-running voices; ΔDTW is the FP8 minus
  the fp32 figure. Free-running, one duration rounded the other way shifts every later frame, so ΔDTW
  mixes the FP8 effect with DTW's path choices (kept for comparison with earlier entries).
- F0 RMSE (Hz, frames voiced in both) and V/UV (share of frames whose voicing differs), WORLD
  Harvest F0, teacher durations forced.
- PER: phoneme error rate of the CTC recognizer (:mod:`tts.recognizer`, trained on teacher speech of
  training sentences) on each system's free-running audio, pooled over the language's sentences;
  "×teach" is PER over the teacher's PER, with a 90% bootstrap interval over sentences. With MCD on,
  the rows ``fp32 forced`` and ``fp8 forced`` give the PER of the teacher-duration audio: how much of
  a voice's error comes from its predicted durations rather than from how it says each phoneme.
- DNSMOS OVRL (``speechmos``) and its ratio to the teacher's: a noise alarm, not a MOS.
- ``--copy-synthesis`` adds the row ``vocoded``: the voice's vocoder alone, fed the log-mel of the
  teacher's own audio (the features it is trained on, :class:`tts.model.mel.LogMel`). Its PER (and,
  with MCD on, its MCD, F0 and V/UV, frame by frame) against the teacher's, beside ``fp32 forced``
  (acoustic model with the teacher's durations + vocoder) and ``fp32`` (free-running), tells which
  half of the voice loses the phonemes: ``vocoded`` ≈ teacher puts the loss in the acoustic model's
  mels, ``vocoded`` ≫ teacher in the vocoder. It also builds the forced rows under ``--no-mcd``.

The baseline is the teacher for every ratio, and the fp32 voice for the FP8 gaps. Acceptance targets
(issue 7), per language: MCD ≤ 5 dB; voice PER ≤ 1.5 × teacher PER; FP8 ΔMCD within 0.2 dB of
fp32. A missed (or unmeasured) target prints MISSED and exits 1.

The FP8 variant is ``--fp8-voice`` (a folder written by ``indic tts export --fp8``; the weights it
kept in float16 are read from its ``voice.json``) or, without it, built here keeping the
``--fp8-keep`` parameters in float16; ``--no-fp8`` leaves it out. ``--no-mcd`` skips the WORLD
measures (where ``pyworld``/``pysptk`` are not installed: PER only). ``--workers`` scores sentences
in parallel processes (one onnxruntime thread each). ``--save-audio`` writes the voices' held-out
audio (int16, compressed) for scoring elsewhere; ``--details`` every sentence's figures, the
recognizer's edits of each system (``confusions``: ``[reference, heard]`` pairs, ``null`` for a
phoneme lost or added) and the sha256 of the teacher's audio, so two machines can check they scored
the same speech. ``--confusions N`` prints, per language, the N edits each voice makes most often
beyond the teacher's (same sentences, same recognizer): which phonemes the voice gets wrong.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tts_common import cpu_session, held_out_lists, run_voice_graph, verdict

MCD_TARGET, PER_RATIO_TARGET, FP8_GAP_TARGET = 5.0, 1.5, 0.2
VOICES = ("fp32", "fp8")
BOOTSTRAP_DRAWS = 2000
AUDIO_BYTES_LIMIT = 15_000_000
"""``--save-audio`` stops adding sentences at this size (one file a GPU job can bring back)."""


@dataclass
class Scores:
    """Per-utterance values of one language × system; PER is kept as edits and reference lengths."""

    values: dict[str, list[float]] = field(default_factory=dict)
    edits: list[int] = field(default_factory=list)
    phonemes: list[int] = field(default_factory=list)
    utterances: int = 0

    def add(self, column: str, value: float) -> None:
        self.values.setdefault(column, []).append(value)

    def mean(self, column: str) -> float:
        values = self.values.get(column, [])
        return float(np.nanmean(values)) if values and not np.all(np.isnan(values)) else float("nan")

    @property
    def per(self) -> float:
        return sum(self.edits) / sum(self.phonemes) if sum(self.phonemes) else float("nan")


def held_out_sentences(args: argparse.Namespace) -> dict[str, list[str]]:
    """The first ``--per-language`` held-out sentences of each language."""
    from tts.data.sentences import sentence_split

    test_dir = Path(args.test_dir or Path(args.checkpoint).parent / "test_sentences")
    lists = held_out_lists(test_dir, args.per_language, args.languages)
    return {
        lang: lists[lang] if lang in lists else sentence_split(args.corpus, lang, 0, args.per_language)[1]
        for lang in args.languages
    }


def fp8_kept_parameters(args: argparse.Namespace) -> set[str]:
    """The MatMul weights the FP8 variant keeps in float16 (parameter names)."""
    if not args.fp8_voice:
        return set(args.fp8_keep)
    card = json.loads((Path(args.fp8_voice) / "voice.json").read_text(encoding="utf-8"))
    if "weights" not in card:
        raise SystemExit(f"{args.fp8_voice} is not an FP8 voice: voice.json has no 'weights' entry")
    return set(card["weights"]["kept_float16"])


def voice_graphs(args: argparse.Namespace, work: Path) -> dict[str, Path]:
    """ONNX files of each voice, free-running (``fp32``, ``fp8``) and with forced durations
    (``fp32 forced``, ``fp8 forced``, unless ``--no-mcd``): float32 weights for fp32, and for FP8
    the same kept set as the FP8 voice's, so its two graphs hold the very same weights."""
    import onnx

    from tts.checkpoint import load_checkpoint
    from tts.export import export_forced_duration_graph, export_voice, fp8_weight_graph, kept_initializers

    model, inventory, _ = load_checkpoint(args.checkpoint)
    graphs = {"fp32": export_voice(model, inventory, work / "fp32", weights_float16=False).path}
    forced = None
    if not args.no_mcd or args.copy_synthesis:
        forced = export_forced_duration_graph(model)
        graphs["fp32 forced"] = work / "fp32-forced.onnx"
        onnx.save(forced, graphs["fp32 forced"])
    if args.no_fp8:
        return graphs
    keep = fp8_kept_parameters(args)
    if args.fp8_voice:
        graphs["fp8"] = Path(args.fp8_voice) / "model.onnx"
    else:
        fp32 = onnx.load(str(graphs["fp32"]))
        graphs["fp8"] = work / "fp8.onnx"
        onnx.save(fp8_weight_graph(fp32, kept_initializers(fp32, model, keep)), graphs["fp8"])
    if forced is not None:
        graphs["fp8 forced"] = work / "fp8-forced.onnx"
        onnx.save(fp8_weight_graph(forced, kept_initializers(forced, model, keep)), graphs["fp8 forced"])
    print(f"FP8 variant: {len(keep)} MatMul weight(s) kept in float16: {', '.join(sorted(keep)) or 'none'}")
    return graphs


_WORKER: dict[str, Any] = {}
"""What each scoring process loads once: sessions, recognizer, and which measures to take."""


def start_worker(
    graphs: dict[str, Path],
    recognizer: str | None,
    mcd: bool,
    dnsmos: bool,
    vocoder_checkpoint: str | None,
    threads: int,
) -> None:
    """Open the graphs' sessions, the recognizer and (for copy synthesis) the checkpoint's vocoder
    in this process."""
    _WORKER.clear()
    _WORKER["sessions"] = {name: cpu_session(path, threads) for name, path in graphs.items()}
    _WORKER["mcd"], _WORKER["dnsmos"] = mcd, dnsmos
    if vocoder_checkpoint:
        import torch

        from tts.checkpoint import load_checkpoint
        from tts.model.mel import LogMel

        torch.set_num_threads(threads)
        _WORKER["vocoder"] = load_checkpoint(vocoder_checkpoint)[0].vocoder
        _WORKER["log_mel"] = LogMel()
    if recognizer:
        import torch

        from tts.frontend.inventory import load_inventory
        from tts.recognizer.checkpoint import load_recognizer

        torch.set_num_threads(threads)
        _WORKER["recognizer"] = load_recognizer(recognizer)[0]
        _WORKER["voice_tokens"] = load_inventory().tokens


def phoneme_edits(audio: np.ndarray, ids: np.ndarray, language: int) -> tuple[list[list[str | None]], int]:
    """``(edits, reference phonemes)`` of the recognizer's transcript of ``audio``; each edit is
    ``[reference, heard]`` (:func:`tts.quality.per.edit_operations`)."""
    from tts.frontend.phonemize import is_phoneme
    from tts.quality.per import edit_operations
    from tts.recognizer.model import transcribe

    tokens = _WORKER["voice_tokens"]
    reference = [tokens[i] for i in ids if i and is_phoneme(tokens[i])]
    heard = [tokens[i] for i in transcribe(_WORKER["recognizer"], audio, language)]
    return [list(edit) for edit in edit_operations(reference, heard)], len(reference)


def copy_synthesis(teacher: np.ndarray) -> np.ndarray:
    """The vocoder's audio from the log-mel of ``teacher`` (float audio in [-1, 1]): the vocoder
    judged on its own, with the very features training feeds it as ground truth."""
    import torch

    with torch.inference_mode():
        mel = _WORKER["log_mel"](torch.from_numpy(teacher)[None])
        return _WORKER["vocoder"](mel)[0].numpy()


def score_sentence(task: tuple[str, str]) -> dict[str, Any] | None:
    """Every measure of one held-out sentence ``(lang, text)``; None when the teacher cannot align it."""
    from tts.data.dataset import make_example

    lang, text = task
    # The teacher's audio is the PER denominator: it must not depend on what this process spoke before.
    example = make_example((text, lang, "default"), reproducible=True)
    if example is None:
        return None
    sessions = _WORKER["sessions"]
    teacher = example.audio.astype(np.float32) / 32768.0
    audio = {"teacher": teacher}
    audio.update(
        (name, run_voice_graph(sessions[name], example.ids, example.language, example.speaker))
        for name in VOICES
        if name in sessions
    )
    if "vocoder" in _WORKER:
        audio["vocoded"] = copy_synthesis(teacher)
    forced_audio = {
        f"{voice} forced": run_voice_graph(
            sessions[f"{voice} forced"], example.ids, example.language, example.speaker, example.durations
        )
        for voice in VOICES
        if f"{voice} forced" in sessions
    }
    values: dict[str, dict[str, float]] = {system: {} for system in audio}
    confusions, phonemes = {}, 0
    if "recognizer" in _WORKER:
        for system, waveform in {**audio, **forced_audio}.items():
            confusions[system], phonemes = phoneme_edits(waveform, example.ids, example.language)
            values.setdefault(system, {})["edits"] = len(confusions[system])
    if _WORKER["mcd"]:
        from tts.quality.mcd import aligned_mcd, dtw_mcd, f0_errors, world_features

        rate = 22050
        reference = world_features(teacher, rate)
        forced = {
            voice: world_features(forced_audio[f"{voice} forced"], rate)
            for voice in VOICES
            if f"{voice} forced" in forced_audio
        }
        for voice, features in forced.items():
            values[voice]["MCD"] = aligned_mcd(reference, features)
            values[voice]["F0 RMSE"], values[voice]["V/UV"] = f0_errors(reference, features)
            values[voice]["DTW-MCD"] = dtw_mcd(reference, world_features(audio[voice], rate))
        if "fp8" in forced:
            values["fp8"]["MCD↔fp32"] = aligned_mcd(forced["fp32"], forced["fp8"])
        if "vocoded" in audio:
            vocoded = world_features(audio["vocoded"], rate)
            values["vocoded"]["MCD"] = aligned_mcd(reference, vocoded)
            values["vocoded"]["F0 RMSE"], values["vocoded"]["V/UV"] = f0_errors(reference, vocoded)
    if _WORKER["dnsmos"]:
        from tts.quality.dnsmos import dnsmos_scores

        for system, waveform in audio.items():
            values[system]["DNSMOS"] = dnsmos_scores(waveform, 22050).overall
    teacher_pcm = example.audio.astype(np.int16)
    return {
        "lang": lang,
        "text": text,
        "teacher_sha256": hashlib.sha256(teacher_pcm.tobytes()).hexdigest(),
        "phonemes": phonemes,
        "values": values,
        "confusions": confusions,
        "audio": {name: to_pcm(audio[name]) for name in VOICES if name in audio},
    }


def to_pcm(audio: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] as int16 (what ``--save-audio`` stores)."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def scored_sentences(args: argparse.Namespace, graphs: dict[str, Path]) -> list[dict[str, Any]]:
    """:func:`score_sentence` over every held-out sentence, ``--workers`` processes at a time."""
    tasks = [(lang, text) for lang, texts in held_out_sentences(args).items() for text in texts]
    vocoder = args.checkpoint if args.copy_synthesis else None
    initargs = (graphs, args.recognizer, not args.no_mcd, not args.no_dnsmos, vocoder)
    started = time.perf_counter()
    if args.workers <= 1:
        start_worker(*initargs, threads=2)
        return report_progress(tasks, map(score_sentence, tasks), started)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, context, start_worker, (*initargs, 1)) as pool:
        return report_progress(tasks, pool.map(score_sentence, tasks), started)


def report_progress(tasks: list[tuple[str, str]], outcomes: Any, started: float) -> list[dict[str, Any]]:
    """Collect outcomes in task order, printing a line as each language completes."""
    last = {lang: index for index, (lang, _) in enumerate(tasks)}
    results = []
    for index, ((lang, text), outcome) in enumerate(zip(tasks, outcomes, strict=True)):
        if outcome is None:
            print(f"  {lang}: skipped (teacher and front end do not align): {text}", flush=True)
        else:
            results.append(outcome)
        if last[lang] == index:
            done = sum(r["lang"] == lang for r in results)
            print(f"  {lang}: {done} sentences scored ({time.perf_counter() - started:.0f} s)", flush=True)
    return results


def tabulate(results: list[dict[str, Any]]) -> dict[str, dict[str, Scores]]:
    """Per language and system, the per-sentence values gathered into :class:`Scores`."""
    table: dict[str, dict[str, Scores]] = {}
    for result in results:
        systems = table.setdefault(result["lang"], {})
        for system, values in result["values"].items():
            scores = systems.setdefault(system, Scores())
            scores.utterances += 1
            for column, value in values.items():
                if column == "edits":
                    scores.edits.append(int(value))
                    scores.phonemes.append(result["phonemes"])
                else:
                    scores.add(column, value)
    return table


def voice_only_edits(results: list[dict[str, Any]], system: str) -> dict[str, Counter[tuple[str, str]]]:
    """Per language, each edit's count in ``system``'s transcripts minus its count in the teacher's
    (positive counts only): the phonemes the voice swaps, loses or adds that the teacher's audio
    does not make the recognizer miss. Edits are ``(reference, heard)``, ``∅`` for nothing."""
    edits: dict[str, Counter[tuple[str, str]]] = {}
    for result in results:
        if system not in result["confusions"]:
            continue
        count = edits.setdefault(result["lang"], Counter())
        for sign, source in ((1, system), (-1, "teacher")):
            for reference, heard in result["confusions"][source]:
                count[(reference or "∅", heard or "∅")] += sign
    return {lang: Counter({edit: n for edit, n in count.items() if n > 0}) for lang, count in edits.items()}


def print_confusions(results: list[dict[str, Any]], top: int) -> None:
    """The ``top`` most frequent voice-only edits of each language, per voice system."""
    systems = sorted({system for r in results for system in r["confusions"]} - {"teacher"})
    for system in systems:
        print(f"\nedits of the {system} voice beyond the teacher's (reference→heard, ∅ nothing: count):")
        for lang, count in voice_only_edits(results, system).items():
            common = ", ".join(f"{ref}→{heard} {n}" for (ref, heard), n in count.most_common(top))
            print(f"  {lang}: {common or 'none'}")


def per_ratio_interval(voice: Scores, teacher: Scores, seed: int = 0) -> tuple[float, float]:
    """90% bootstrap interval of the voice's PER over the teacher's, resampling sentences."""
    if not teacher.edits or not voice.edits:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    voice_edits, teacher_edits = np.array(voice.edits), np.array(teacher.edits)
    draws = rng.integers(0, len(voice_edits), (BOOTSTRAP_DRAWS, len(voice_edits)))
    # Both systems speak the same sentences, so their phoneme counts cancel in the ratio.
    numerator, denominator = voice_edits[draws].sum(1), teacher_edits[draws].sum(1)
    ratios = np.sort(np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.inf))
    return float(ratios[int(0.05 * (len(ratios) - 1))]), float(ratios[int(np.ceil(0.95 * (len(ratios) - 1)))])


COLUMNS = (
    ("MCD", 7, 2),
    ("ΔMCD", 8, 3),
    ("MCD↔fp32", 10, 3),
    ("DTW-MCD", 9, 2),
    ("ΔDTW", 8, 3),
    ("F0 RMSE", 9, 1),
    ("V/UV", 6, 2),
    ("PER", 7, 3),
    ("PER ×teach", 11, 2),
    ("90% CI", 13, 0),
    ("DNSMOS", 8, 2),
    ("DNSMOS ×teach", 14, 2),
)
"""Printed columns: name, width, decimals (0: a preformatted interval)."""


def summarize(table: dict[str, dict[str, Scores]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per language and system: the mean of every column, PER pooled, and the ratios to the baselines.

    ``Δfp32`` (the column ``tts.install_bundled`` records) is ΔMCD, the FP8 acceptance figure."""
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for lang, systems in table.items():
        teacher, fp32 = systems["teacher"], systems["fp32"]
        for system, scores in systems.items():
            fp8 = system == "fp8"
            low, high = per_ratio_interval(scores, teacher) if system != "teacher" else (np.nan, np.nan)
            gap = scores.mean("MCD") - fp32.mean("MCD") if fp8 else float("nan")
            rows.setdefault(lang, {})[system] = {
                "n": scores.utterances,
                "MCD": scores.mean("MCD"),
                "ΔMCD": gap,
                "Δfp32": gap,
                "MCD↔fp32": scores.mean("MCD↔fp32"),
                "DTW-MCD": scores.mean("DTW-MCD"),
                "ΔDTW": scores.mean("DTW-MCD") - fp32.mean("DTW-MCD") if fp8 else float("nan"),
                "F0 RMSE": scores.mean("F0 RMSE"),
                "V/UV": scores.mean("V/UV"),
                "PER": scores.per,
                "PER ×teach": scores.per / teacher.per if teacher.per else float("nan"),
                "PER ×teach 5%": low,
                "PER ×teach 95%": high,
                "phonemes": float(sum(scores.phonemes)),
                "edits": float(sum(scores.edits)),
                "DNSMOS": scores.mean("DNSMOS"),
                "DNSMOS ×teach": scores.mean("DNSMOS") / teacher.mean("DNSMOS"),
            }
    return rows


def cell(row: dict[str, float], name: str, digits: int) -> str:
    if name == "90% CI":
        low, high = row["PER ×teach 5%"], row["PER ×teach 95%"]
        return "—" if np.isnan(low) else f"{low:.2f}–{high:.2f}"
    return "—" if np.isnan(row[name]) else f"{row[name]:.{digits}f}"


def print_table(rows: dict[str, dict[str, dict[str, float]]]) -> None:
    """One line per language × system; — where a column does not apply or was not measured."""
    print(f"{'lang':<6}{'system':<12}{'n':>4}" + "".join(f"{name:>{width}}" for name, width, _ in COLUMNS))
    for lang, systems in rows.items():
        for system, row in systems.items():
            cells = "".join(f"{cell(row, name, digits):>{width}}" for name, width, digits in COLUMNS)
            print(f"{lang:<6}{system:<12}{row['n']:>4}{cells}")


def verdicts(rows: dict[str, dict[str, dict[str, float]]]) -> bool:
    """Print PASS/MISSED for each target of issue 7; True when all are met."""

    def column(system: str, name: str) -> dict[str, float]:
        return {lang: systems[system][name] for lang, systems in rows.items() if system in systems}

    ok = True
    mcd = column("fp32", "MCD")
    if all(np.isnan(v) for v in mcd.values()):
        print("\nMCD: not measured (--no-mcd): MISSED")
        ok = False
    else:
        worst = max(mcd, key=lambda lang: mcd[lang])
        met = all(v <= MCD_TARGET for v in mcd.values())
        print(
            f"\nMCD, fp32 voice, teacher durations: worst {worst} {mcd[worst]:.2f} dB, "
            f"mean {np.mean(list(mcd.values())):.2f} dB; "
            f"target <= {MCD_TARGET} dB per language: {verdict(met)}"
        )
        ok &= met
    voices = [s for s in VOICES if s in next(iter(rows.values()))]
    for system in voices:
        ratios = column(system, "PER ×teach")
        if all(np.isnan(v) for v in ratios.values()):
            print(f"PER {system} / teacher: undefined (no --recognizer, or no teacher error): MISSED")
            ok = False
            continue
        over = ", ".join(f"{k} {v:.2f}" for k, v in ratios.items() if not v <= PER_RATIO_TARGET)
        print(
            f"PER {system} / teacher: worst {np.nanmax(list(ratios.values())):.2f}x; languages over "
            f"{PER_RATIO_TARGET}x (or undefined): {over or 'none'}; target per language: {verdict(not over)}"
        )
        ok &= not over
    if "fp8" in voices:
        gaps = {lang: abs(v) for lang, v in column("fp8", "ΔMCD").items()}
        if all(np.isnan(v) for v in gaps.values()):
            print("FP8 vs fp32, MCD gap with teacher durations: not measured (--no-mcd): MISSED")
            return False
        worst = max(gaps, key=lambda lang: gaps[lang])
        met = gaps[worst] <= FP8_GAP_TARGET
        dtw = {lang: abs(v) for lang, v in column("fp8", "ΔDTW").items()}
        print(
            f"FP8 vs fp32 voice, MCD gap with teacher durations: largest {worst} {gaps[worst]:.3f} dB; "
            f"target <= {FP8_GAP_TARGET} dB: {verdict(met)} "
            f"(free-running DTW-MCD gap, for comparison: largest {max(dtw.values()):.3f} dB)"
        )
        ok &= met
    return ok


def save_audio(results: list[dict[str, Any]], path: str, limit: int = AUDIO_BYTES_LIMIT) -> int:
    """The voices' int16 audio in one compressed ``.npz``, sentences taken round-robin over the
    languages while the file stays under ``limit`` bytes; returns how many sentences it holds.
    Keys: ``<lang>/<index>/<system>`` with ``index`` the sentence's place in its held-out list."""
    import zlib

    from indic.atomic import atomic_write_bytes

    by_language: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        by_language.setdefault(result["lang"], []).append(result)
    longest = max(map(len, by_language.values()), default=0)
    arrays: dict[str, np.ndarray] = {}
    size = 0
    for index in range(longest):
        for lang, items in by_language.items():
            if index >= len(items):
                continue
            pcm = {f"{lang}/{index}/{name}": audio for name, audio in items[index]["audio"].items()}
            # The deflate size of each array, plus room for the zip headers, predicts the file's size.
            added = sum(len(zlib.compress(a.tobytes(), 6)) + 512 for a in pcm.values())
            if size + added > limit:
                break
            arrays.update(pcm)
            size += added
        else:
            continue
        break
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
    return len(arrays) // max(1, len(VOICES))


def main(argv: list[str] | None = None) -> None:
    from indic.languages import LANGUAGE_CODES

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--checkpoint", default="runs/tts/voice/checkpoint", help="voice checkpoint (indic tts train)"
    )
    parser.add_argument("--recognizer", help="phoneme recognizer folder (python -m tts.recognizer.train)")
    parser.add_argument(
        "--judge-with-guide",
        action="store_true",
        help="allow a recognizer the voice was trained against (tts.intelligibility): a diagnostic only",
    )
    parser.add_argument("--test-dir", help="held-out <lang>.txt lists (default: beside the checkpoint)")
    parser.add_argument(
        "--corpus", default="../shared/corpora/train", help="for the test split when no list exists"
    )
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGE_CODES))
    parser.add_argument("--per-language", type=int, default=10)
    parser.add_argument("--fp8-voice", help="FP8 voice folder (indic tts export --fp8); default: built here")
    parser.add_argument(
        "--fp8-keep", nargs="*", default=[], help="without --fp8-voice: MatMul weights kept in float16"
    )
    parser.add_argument("--no-fp8", action="store_true", help="leave the FP8 voice out")
    parser.add_argument("--no-dnsmos", action="store_true", help="leave DNSMOS out (it loads librosa)")
    parser.add_argument("--no-mcd", action="store_true", help="leave the WORLD measures out (PER only)")
    parser.add_argument(
        "--copy-synthesis",
        action="store_true",
        help="add the row 'vocoded': the voice's vocoder on the teacher audio's own log-mel",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes scoring sentences in parallel")
    parser.add_argument(
        "--confusions", type=int, default=0, help="print each language's N most frequent voice-only edits"
    )
    parser.add_argument("--json", help="write the table's numbers here")
    parser.add_argument("--details", help="write every sentence's figures here (JSON)")
    parser.add_argument("--save-audio", help="write the voices' held-out audio here (.npz, int16)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    started = time.perf_counter()
    judged_by_guide = False
    if args.recognizer:
        from tts.intelligibility import GuideAsJudgeError, check_judge

        try:
            judged_by_guide = check_judge(args.checkpoint, args.recognizer, args.judge_with_guide)
        except GuideAsJudgeError as error:
            parser.error(str(error))
    graphs = voice_graphs(args, Path(tempfile.mkdtemp(prefix="tts-quality-")))
    results = scored_sentences(args, graphs)
    rows = summarize(tabulate(results))
    print_table(rows)
    if args.confusions:
        print_confusions(results, args.confusions)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.details:
        details = [{k: v for k, v in r.items() if k != "audio"} for r in results]
        Path(args.details).write_text(json.dumps(details, indent=1, ensure_ascii=False), encoding="utf-8")
    if args.save_audio:
        print(
            f"audio of {save_audio(results, args.save_audio)} sentences per voice saved to {args.save_audio}"
        )
    ok = verdicts(rows)
    if judged_by_guide:
        print("PER judged by a recognizer this voice was trained against: a diagnostic, not a verdict")
        ok = False
    print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
