"""Install an exported voice as a bundled artifact, its card carrying the quality that was measured.

``indic tts export`` writes a voice folder (``model.onnx``, ``voice.json``, ``phoneme_inventory.json``,
``card.json``); ``bench/tts_quality.py --json`` scores the teacher, the fp32 voice and the FP8 voice
on held-out sentences. This module joins the two: it copies the voice into
``indic/data/artifacts/<name>/``, writes into ``card.json`` the bench's per-language figures for the
system this voice is (``fp32`` or ``fp8``), the teacher's own phoneme error rate beside them, the
real-time factor and the commands that produced it all, proves the folder speaks through the runtime
(:class:`tts.voice.Voice`) and only then swaps it in place of the old folder. Recording the folder in
the manifest is a separate step (:func:`indic.artifacts.record_artifact`), so several artifacts can be
installed before one manifest write.

Run from the repository root::

    python -m tts.install_bundled --voice runs/wtts/voice/onnx --name indic-voice-multi \\
        --quality runs/wtts/q_part1.json runs/wtts/q_part2.json --system fp32 --training-minutes 16.3 \\
        --rtf 0.021 --piper-ratio 30.1 --command "indic tts export ..." --measured-by "python3 bench/..."
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from pathlib import Path
from typing import Any

from indic.artifacts import BUNDLED_DIR
from indic.atomic import atomic_write_text, replace_directory, staging_directory

VOICE_FILES = ("model.onnx", "voice.json", "phoneme_inventory.json", "card.json")
SYSTEMS = ("fp32", "fp8")
COLUMNS = {
    "fp32": ("MCD", "DTW-MCD", "F0 RMSE", "V/UV", "PER", "PER ×teach", "DNSMOS", "DNSMOS ×teach"),
    "fp8": (
        "MCD",
        "Δfp32",
        "MCD↔fp32",
        "DTW-MCD",
        "ΔDTW",
        "F0 RMSE",
        "V/UV",
        "PER",
        "PER ×teach",
        "DNSMOS",
        "DNSMOS ×teach",
    ),
}
"""The bench's columns that describe each system; for fp8, ``Δfp32`` is its MCD minus the fp32
voice's, both with the teacher's durations (the FP8 acceptance figure)."""


class VoiceInstallError(ValueError):
    """Raised when the voice folder is incomplete or the quality table lacks the system asked for."""


def quality_block(
    table: dict[str, Any], system: str, per_table: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Per-language figures of ``system`` from ``bench/tts_quality.py --json``, NaN (unmeasured) left out.

    ``per_table``, a second run of the bench on more sentences (PER is cheap, MCD is not), replaces
    the phoneme error rates, the teacher's included, and adds its sentence count as ``PER sentences``."""
    if system not in SYSTEMS:
        raise VoiceInstallError(f"system must be one of {', '.join(SYSTEMS)}, not {system!r}")
    per_language: dict[str, dict[str, float]] = {}
    for lang, systems in table.items():
        if system not in systems:
            raise VoiceInstallError(f"the quality table has no {system!r} row for {lang}")
        row = {column: systems[system].get(column, math.nan) for column in COLUMNS[system]}
        row["teacher PER"] = systems.get("teacher", {}).get("PER", math.nan)
        if per_table is not None:
            if system not in per_table.get(lang, {}):
                raise VoiceInstallError(f"the PER table has no {system!r} row for {lang}")
            per_rows = per_table[lang]
            row.update(
                {
                    "PER": per_rows[system].get("PER", math.nan),
                    "PER ×teach": per_rows[system].get("PER ×teach", math.nan),
                    "teacher PER": per_rows.get("teacher", {}).get("PER", math.nan),
                    "PER sentences": per_rows[system]["n"],
                }
            )
        per_language[lang] = {k: round(float(v), 4) for k, v in row.items() if not math.isnan(float(v))}
        per_language[lang]["sentences"] = int(systems[system]["n"])
        if "PER sentences" in per_language[lang]:
            per_language[lang]["PER sentences"] = int(per_language[lang]["PER sentences"])
    return {"per_language": per_language, "worst": _worst(per_language)}


def merged_tables(paths: list[Path]) -> dict[str, Any]:
    """One table from several ``--json`` outputs of the bench, each run on its own languages."""
    table: dict[str, Any] = {}
    for path in paths:
        part = json.loads(path.read_text(encoding="utf-8"))
        twice = sorted(set(part) & set(table))
        if twice:
            raise VoiceInstallError(f"{path} scores {', '.join(twice)} again: give each language once")
        table.update(part)
    return table


def _worst(per_language: dict[str, dict[str, float]]) -> dict[str, float]:
    """The largest value of each error column over the languages (the acceptance targets are per language)."""
    worst: dict[str, float] = {}
    for column in ("MCD", "DTW-MCD", "Δfp32", "PER ×teach"):
        values = [row[column] for row in per_language.values() if column in row]
        if values:
            worst[column] = max(values)
    return worst


def install_voice(
    voice_dir: Path,
    name: str,
    quality: dict[str, Any],
    extra: dict[str, Any],
    root: Path = BUNDLED_DIR,
) -> Path:
    """Copy ``voice_dir`` to ``root/name`` with ``quality`` and ``extra`` in its card; returns the folder."""
    from tts.voice import Voice

    missing = [f for f in VOICE_FILES if not (voice_dir / f).is_file()]
    if missing:
        raise VoiceInstallError(f"{voice_dir} lacks {', '.join(missing)}: export it with `indic tts export`")
    staging = staging_directory(root / name)
    for file in VOICE_FILES:
        shutil.copyfile(voice_dir / file, staging / file)
    card = json.loads((staging / "card.json").read_text(encoding="utf-8"))
    card.update({"name": name, **extra, "quality": quality})
    atomic_write_text(staging / "card.json", json.dumps(card, ensure_ascii=False, indent=1) + "\n")
    audio = Voice(staging, threads=1).synthesize("नमस्ते दुनिया", "hi")
    if len(audio) == 0 or not float(abs(audio).max()) > 0:
        raise VoiceInstallError(f"{staging} produced no audio for a Hindi test sentence")
    replace_directory(staging, root / name)
    return root / name


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--voice", required=True, type=Path, help="folder written by `indic tts export`")
    parser.add_argument("--name", required=True, help="artifact name, e.g. indic-voice-multi")
    parser.add_argument(
        "--quality", required=True, type=Path, nargs="+", help="bench/tts_quality.py --json outputs"
    )
    parser.add_argument(
        "--per-quality",
        type=Path,
        nargs="+",
        help="--json outputs of a PER-only run on more sentences: their PER replaces --quality's",
    )
    parser.add_argument("--system", default="fp32", choices=SYSTEMS, help="which row of the table this is")
    parser.add_argument("--measured-by", required=True, help="the quality bench's command line")
    parser.add_argument("--command", required=True, help="the commands that produced the voice")
    parser.add_argument("--training-minutes", type=float, required=True, help="GPU minutes over all runs")
    parser.add_argument("--rtf", type=float, help="single-stream real-time factor on 2 CPU cores")
    parser.add_argument("--piper-ratio", type=float, help="times faster than the Piper-medium-sized graph")
    parser.add_argument("--speed-by", default="", help="the speed bench's command line and machine")
    parser.add_argument("--root", type=Path, default=BUNDLED_DIR)
    args = parser.parse_args(argv)
    table = merged_tables(args.quality)
    per_table = merged_tables(args.per_quality) if args.per_quality else None
    quality = quality_block(table, args.system, per_table)
    quality["measured_by"] = args.measured_by
    quality["baseline"] = "held-out espeak-ng teacher audio (default speaker); FP8 gap against the fp32 voice"
    if args.rtf is not None:
        quality["rtf_2_cpu_cores"] = args.rtf
        quality["times_faster_than_piper_medium_graph"] = args.piper_ratio
        quality["speed_measured_by"] = args.speed_by
    extra = {"command": args.command, "training_minutes_total": args.training_minutes}
    folder = install_voice(args.voice, args.name, quality, extra, args.root)
    print(f"installed {folder} (record it: indic.artifacts.record_artifact({args.name!r}, ...))")


if __name__ == "__main__":
    main()
