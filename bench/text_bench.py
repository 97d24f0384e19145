"""Benchmark of the Indic text core on FLORES-200 dev and the training corpus.

Measures, in one run:
1. script detection: share of each FLORES dev file's lines whose dominant script is the language's
   script (target ≥ 99% each);
2. Hindi/Marathi tie-break: share of FLORES dev hi and mr lines that ``identify_language`` labels
   correctly (target ≥ 95% each), next to the script-only baseline (always "hi"), and the same on
   each line's first three words and first word (short inputs, no target);
3. language identification over all eleven FLORES dev files;
4. ``normalize`` throughput (MB/s of UTF-8 input) beside two named baselines on the same lines:
   ``unicodedata.normalize("NFC")`` alone and ``hf_normalizer()`` (the tokenizers engine).

Exits 1 and prints MISSED when a target is missed.

    python bench/text_bench.py
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indic.languages import LANGUAGES  # noqa: E402
from indic.text import detect_script, dominant_script, hf_normalizer, identify_language, normalize  # noqa: E402

SHARED = REPO.parent / "shared" / "corpora"
SCRIPT_TARGET = 0.99
HI_MR_TARGET = 0.95


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def read_head(path: Path, megabytes: float) -> list[str]:
    limit = int(megabytes * 1e6)
    lines, size = [], 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            lines.append(line.rstrip("\n"))
            size += len(line.encode("utf-8"))
            if size >= limit:
                break
    return lines


def share(hits: int, total: int) -> float:
    return hits / total if total else 0.0


def mark(value: float, target: float) -> str:
    return "ok" if value >= target else "MISSED"


def throughput(function: Callable[[str], object], lines: list[str], megabytes: float) -> float:
    start = time.process_time()
    for line in lines:
        function(line)
    return megabytes / (time.process_time() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flores", type=Path, default=SHARED / "flores" / "dev")
    parser.add_argument("--train", type=Path, default=SHARED / "train")
    parser.add_argument("--throughput-mb", type=float, default=2.0, help="MB of each training file to time")
    args = parser.parse_args()
    missed = False

    print("Script detection and language identification on FLORES-200 dev")
    print(f"{'lang':<5}{'lines':>6}{'script ok':>11}{'langid ok':>11}  script target {SCRIPT_TARGET:.0%}")
    for lang in LANGUAGES:
        lines = read_lines(args.flores / f"{lang.code}.txt")
        script_ok = share(sum(dominant_script(line) == lang.script for line in lines), len(lines))
        langid_ok = share(sum(identify_language(line) == lang.code for line in lines), len(lines))
        missed |= script_ok < SCRIPT_TARGET
        verdict = mark(script_ok, SCRIPT_TARGET)
        print(f"{lang.code:<5}{len(lines):>6}{script_ok:>11.2%}{langid_ok:>11.2%}  {verdict}")

    print(f"\nHindi/Marathi tie-break (target {HI_MR_TARGET:.0%}); baseline: script only, always 'hi'")
    print(
        f"{'lang':<5}{'n-gram model':>14}{'baseline':>10}{'ratio':>8}{'first 3 words':>15}{'first word':>12}"
    )
    for code in ("hi", "mr"):
        lines = read_lines(args.flores / f"{code}.txt")
        model_ok = share(sum(identify_language(line) == code for line in lines), len(lines))
        prefixes = {words: [" ".join(line.split()[:words]) for line in lines] for words in (3, 1)}
        short_ok = {
            words: share(sum(identify_language(prefix) == code for prefix in texts), len(texts))
            for words, texts in prefixes.items()
        }
        baseline_ok = 1.0 if code == "hi" else 0.0
        missed |= model_ok < HI_MR_TARGET
        ratio = f"{model_ok / baseline_ok:.2f}x" if baseline_ok else "inf"
        print(
            f"{code:<5}{model_ok:>14.2%}{baseline_ok:>10.2%}{ratio:>8}{short_ok[3]:>15.2%}{short_ok[1]:>12.2%}"
            f"  {mark(model_ok, HI_MR_TARGET)}"
        )

    print(f"\nNormalization throughput, first {args.throughput_mb:g} MB of each training file")
    print("(MB of UTF-8 input per CPU-second, one core)")
    hf = hf_normalizer()
    engines: dict[str, Callable[[str], object]] = {
        "normalize": normalize,
        "NFC only": lambda line: unicodedata.normalize("NFC", line),
        "hf_normalizer": hf.normalize_str,
    }
    print(f"{'lang':<5}" + "".join(f"{name:>15}" for name in engines) + f"{'vs NFC':>9}{'vs hf':>8}")
    totals = dict.fromkeys(engines, 0.0)
    total_mb = detect_seconds = 0.0
    for lang in LANGUAGES:
        lines = read_head(args.train / f"{lang.code}.txt", args.throughput_mb)
        megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
        speeds = {name: throughput(function, lines, megabytes) for name, function in engines.items()}
        for name, speed in speeds.items():
            totals[name] += megabytes / speed
        total_mb += megabytes
        detect_seconds += megabytes / throughput(detect_script, lines, megabytes)
        ours, nfc, hf_speed = speeds["normalize"], speeds["NFC only"], speeds["hf_normalizer"]
        row = "".join(f"{speed:>15.1f}" for speed in speeds.values())
        print(f"{lang.code:<5}{row}{ours / nfc:>8.2f}x{ours / hf_speed:>7.2f}x")
    overall = {name: total_mb / seconds for name, seconds in totals.items()}
    row = "".join(f"{speed:>15.1f}" for speed in overall.values())
    print(
        f"{'all':<5}{row}{overall['normalize'] / overall['NFC only']:>8.2f}x"
        f"{overall['normalize'] / overall['hf_normalizer']:>7.2f}x"
    )
    print(f"\ndetect_script on the same lines: {total_mb / detect_seconds:.1f} MB per CPU-second")

    print("\nRESULT: " + ("MISSED a target" if missed else "all targets met"))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
