"""The tokenizer A/B of the SuperBPE paper at our scale: one model per tokenizer, same shape, same bytes.

For each named tokenizer the mixed corpus is tokenized (:mod:`llm.data`), a model of one fixed shape is
trained on the same number of UTF-8 bytes of text (:mod:`llm.train`) and scored on FLORES dev in bits per
byte and per character (:mod:`llm.evaluate`). The vocabulary is padded to the larger tokenizer's size
(rounded up to a multiple of 64), so both models have exactly the same number of parameters.
The report (``ab_report.json``) puts the languages side by side with each tokenizer's ratio to the first
(list the baseline first).

A 1% verdict between two models is within reach of seed noise, so the A/B can be repeated with other
seeds: ``--seed 1`` draws a new initialization and data order over the same token files, trains in
``<name>-seed1`` and reports to ``ab_report-seed1.json``. ``--summarize`` reads every report in the folder
and prints, per seed and on average, each tokenizer's mean bits per byte against the baseline's, with
the acceptance verdict (at most 1% worse).

Run on a GPU machine::

    python -m llm.tokenizer_ab --mix mix.txt --tokenizer bpe=bpe/tokenizer.json \\
        --tokenizer superbpe=superbpe/tokenizer.json --flores ../shared/corpora/flores/dev --out runs/lm/ab
    python -m llm.tokenizer_ab --out runs/lm/ab --summarize
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

from llm.config import LMConfig
from llm.data import load_token_stats, tokenize_corpus
from llm.evaluate import evaluate_flores
from llm.train import CHECKPOINT_NAME, TrainSettings, load_model, train

RATIO_KEYS = ("bits_per_byte", "bits_per_char", "tokens_per_byte")
BITS_PER_BYTE_BOUND = 1.01
REPORT_NAME = "ab_report.json"


def _print_progress(name: str, record: dict) -> None:
    print(f"[{name}] {record}", flush=True)


def shared_vocab_size(vocab_sizes: list[int], multiple: int = 64) -> int:
    """The vocabulary every model gets: the largest tokenizer's, rounded up (tensor-core friendly)."""
    return -(-max(vocab_sizes) // multiple) * multiple


def run_name(name: str, seed: int) -> str:
    """Folder of one model: the tokenizer's name, with ``-seedN`` for every seed but 0."""
    return name if seed == 0 else f"{name}-seed{seed}"


def report_path(out_dir: Path, seed: int) -> Path:
    return out_dir / (REPORT_NAME if seed == 0 else f"ab_report-seed{seed}.json")


def compare(tables: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per language and metric, each tokenizer's value divided by the first tokenizer's (1.0 = equal)."""
    names = list(tables)
    baseline = tables[names[0]]
    ratios: dict[str, dict[str, float]] = {}
    for name in names[1:]:
        for lang, row in tables[name].items():
            for key in RATIO_KEYS:
                ratios.setdefault(lang, {})[f"{key}.{name}/{names[0]}"] = row[key] / baseline[lang][key]
    return ratios


def run_ab(
    mix: Path,
    tokenizers: dict[str, Path],
    flores_dir: Path,
    out_dir: Path,
    shape: LMConfig,
    settings: TrainSettings,
    workers: int = 0,
    min_vocab_size: int = 0,
    eval_limit: int | None = None,
) -> dict:
    """Tokenize, train and evaluate one model per tokenizer; write and return the side-by-side report.

    Token files are shared by every seed; ``settings.seed`` picks the run folders and report name.
    """
    from indic.atomic import atomic_write_text

    stems = {name: out_dir / f"tokens-{name}" for name in tokenizers}
    for name, path in tokenizers.items():
        if not stems[name].with_suffix(".json").is_file():
            started = time.perf_counter()
            stats = tokenize_corpus(mix, path, stems[name], workers)
            print(
                f"[{name}] tokenized {stats.tokens:,} tokens in {time.perf_counter() - started:.0f}s",
                flush=True,
            )
    token_stats = {name: load_token_stats(stem) for name, stem in stems.items()}
    vocab = shared_vocab_size([min_vocab_size, *(s.vocab_size for s in token_stats.values())])
    report: dict = {
        "mix": str(mix),
        "tokenizers": {k: str(v) for k, v in tokenizers.items()},
        "seed": settings.seed,
        "eval_lines_per_language": eval_limit,
        "runs": {},
    }
    tables = {}
    for name, path in tokenizers.items():
        label = run_name(name, settings.seed)
        cfg = replace(shape, vocab_size=vocab, eot_id=token_stats[name].eot_id)
        run_settings = replace(settings, tokens=stems[name], out_dir=out_dir / label)
        summary = train(cfg, run_settings, progress=partial(_print_progress, label))
        model = load_model(run_settings.out_dir / CHECKPOINT_NAME, settings.device)
        tables[name] = evaluate_flores(model, path, flores_dir, limit=eval_limit)
        summary.pop("history")
        report["runs"][name] = {"train": summary, "flores_dev": tables[name]}
        print(f"[{label}] mean bits/byte {tables[name]['mean']['bits_per_byte']:.4f}", flush=True)
    report["ratios"] = compare(tables)
    atomic_write_text(report_path(out_dir, settings.seed), json.dumps(report, indent=2) + "\n")
    return report


def summarize(out_dir: Path) -> dict:
    """Mean bits/byte of each tokenizer against the baseline (first listed), per seed and averaged.

    The verdict uses the mean of the per-seed ratios; the spread between seeds says how much of the
    difference is noise.
    """
    reports = sorted(out_dir.glob("ab_report*.json"))
    if not reports:
        raise FileNotFoundError(f"no ab_report*.json in {out_dir}")
    per_seed: dict[str, dict[int, float]] = {}
    baseline = ""
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        names = list(report["runs"])
        baseline = names[0]
        base_bpb = report["runs"][baseline]["flores_dev"]["mean"]["bits_per_byte"]
        for name in names[1:]:
            bpb = report["runs"][name]["flores_dev"]["mean"]["bits_per_byte"]
            per_seed.setdefault(name, {})[int(report.get("seed", 0))] = bpb / base_bpb
    summary: dict = {"baseline": baseline, "bound": BITS_PER_BYTE_BOUND, "tokenizers": {}}
    for name, ratios in per_seed.items():
        mean = sum(ratios.values()) / len(ratios)
        summary["tokenizers"][name] = {
            "bits_per_byte_ratio_by_seed": ratios,
            "mean_ratio": mean,
            "spread": max(ratios.values()) - min(ratios.values()),
            "met": mean <= BITS_PER_BYTE_BOUND,
        }
        seeds = ", ".join(f"seed {seed}: {ratio:.4f}" for seed, ratio in sorted(ratios.items()))
        verdict = "met" if mean <= BITS_PER_BYTE_BOUND else "MISSED"
        print(
            f"bits/byte {name}/{baseline}: {seeds}; mean {mean:.4f} "
            f"(target <= {BITS_PER_BYTE_BOUND}: {verdict})",
            flush=True,
        )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mix", type=Path)
    parser.add_argument("--tokenizer", action="append", default=[], help="name=path/to/tokenizer.json")
    parser.add_argument("--flores", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--d-model", type=int, default=320)
    parser.add_argument("--n-layers", type=int, default=6)
    parser.add_argument("--n-heads", type=int, default=5)
    parser.add_argument("--n-kv-heads", type=int, default=1)
    parser.add_argument("--max-seq-len", type=int, default=1024)
    parser.add_argument("--train-bytes", type=int, default=200_000_000)
    parser.add_argument("--seq-len", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--warmup-steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="initialization and data-order seed")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=float("inf"))
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--vocab-size", type=int, default=0, help="pad the vocabulary to at least this size")
    parser.add_argument("--eval-limit", type=int, default=0, help="FLORES lines per language (0: all)")
    parser.add_argument(
        "--summarize", action="store_true", help="only summarize the reports already in --out"
    )
    args = parser.parse_args()
    if not args.summarize:
        if not (args.mix and args.flores and len(args.tokenizer) >= 2):
            parser.error("an A/B needs --mix, --flores and at least two --tokenizer name=path")
        tokenizers = dict(item.split("=", 1) for item in args.tokenizer)
        shape = LMConfig(
            vocab_size=64,
            d_model=args.d_model,
            n_layers=args.n_layers,
            n_heads=args.n_heads,
            n_kv_heads=args.n_kv_heads,
            max_seq_len=args.max_seq_len,
        )
        settings = TrainSettings(
            tokens=Path(),
            out_dir=Path(),
            train_bytes=args.train_bytes,
            seq_len=args.seq_len,
            batch_size=args.batch_size,
            lr=args.lr,
            warmup_steps=args.warmup_steps,
            compile=args.compile,
            max_seconds=args.max_seconds,
            seed=args.seed,
        )
        report = run_ab(
            args.mix,
            {k: Path(v) for k, v in tokenizers.items()},
            args.flores,
            args.out,
            shape,
            settings,
            args.workers,
            min_vocab_size=args.vocab_size,
            eval_limit=args.eval_limit or None,
        )
        for lang, row in report["ratios"].items():
            print(lang, {k: round(v, 4) for k, v in row.items()})
    summary = summarize(args.out)
    from indic.atomic import atomic_write_text

    atomic_write_text(args.out / "ab_summary.json", json.dumps(summary, indent=2) + "\n")
    return 0 if all(row["met"] for row in summary["tokenizers"].values()) else 1


if __name__ == "__main__":
    import sys

    sys.exit(main())
