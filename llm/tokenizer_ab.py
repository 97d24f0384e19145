"""The tokenizer A/B of the SuperBPE paper at our scale: one model per tokenizer, same shape, same bytes.

For each named tokenizer the mixed corpus is tokenized (:mod:`llm.data`), a model of one fixed shape is
trained on the same number of UTF-8 bytes of text (:mod:`llm.train`) and scored on FLORES dev in bits per
byte and per character (:mod:`llm.evaluate`). The vocabulary is padded to the larger tokenizer's size
(rounded up to a multiple of 64), so both models have exactly the same number of parameters.
The report (``ab_report.json``) puts the languages side by side with each tokenizer's ratio to the first.

Run on a GPU machine::

    python -m llm.tokenizer_ab --mix mix.txt --tokenizer superbpe=superbpe/tokenizer.json \\
        --tokenizer bpe=bpe/tokenizer.json --flores ../shared/corpora/flores/dev --out runs/lm/ab
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


def _print_progress(name: str, record: dict) -> None:
    print(f"[{name}] {record}", flush=True)


def shared_vocab_size(vocab_sizes: list[int], multiple: int = 64) -> int:
    """The vocabulary every model gets: the largest tokenizer's, rounded up (tensor-core friendly)."""
    return -(-max(vocab_sizes) // multiple) * multiple


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
) -> dict:
    """Tokenize, train and evaluate one model per tokenizer; write and return the side-by-side report."""
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
    report: dict = {"mix": str(mix), "tokenizers": {k: str(v) for k, v in tokenizers.items()}, "runs": {}}
    tables = {}
    for name, path in tokenizers.items():
        cfg = replace(shape, vocab_size=vocab, eot_id=token_stats[name].eot_id)
        run_settings = replace(settings, tokens=stems[name], out_dir=out_dir / name)
        summary = train(cfg, run_settings, progress=partial(_print_progress, name))
        model = load_model(run_settings.out_dir / CHECKPOINT_NAME, settings.device)
        tables[name] = evaluate_flores(model, path, flores_dir)
        summary.pop("history")
        report["runs"][name] = {"train": summary, "flores_dev": tables[name]}
        print(f"[{name}] mean bits/byte {tables[name]['mean']['bits_per_byte']:.4f}", flush=True)
    report["ratios"] = compare(tables)
    atomic_write_text(out_dir / "ab_report.json", json.dumps(report, indent=2) + "\n")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mix", type=Path, required=True)
    parser.add_argument("--tokenizer", action="append", required=True, help="name=path/to/tokenizer.json")
    parser.add_argument("--flores", type=Path, required=True)
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
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=float("inf"))
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--vocab-size", type=int, default=0, help="pad the vocabulary to at least this size")
    args = parser.parse_args()
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
    )
    report = run_ab(
        args.mix,
        {k: Path(v) for k, v in tokenizers.items()},
        args.flores,
        args.out,
        shape,
        settings,
        args.workers,
    )
    for lang, row in report["ratios"].items():
        print(lang, {k: round(v, 4) for k, v in row.items()})


if __name__ == "__main__":
    main()
