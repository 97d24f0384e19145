"""`indic tokenizer train` — train SuperBPE or a baseline (BPE, SentencePiece) from the command line.

The flags mirror :class:`tokenizer_training.TrainConfig` one to one. Heavy imports happen inside
the command so that ``indic --help`` stays fast; bad input (an empty or unreadable corpus, a vocab
size below the byte alphabet, a transition point or stage-2 sample outside (0, 1], a stage-2
balance outside [0, 1], an unknown encoder) prints one red line and exits 1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from indic.cli.groups import tokenizer_app

_err = Console(stderr=True, soft_wrap=True)
_DEFAULT_FLORES_DEV = Path("..") / "shared" / "corpora" / "flores" / "dev"


@tokenizer_app.command("train")
def train_tokenizer(
    corpus: Annotated[
        list[Path],
        typer.Option(
            "--corpus", help="Corpus files or folders (name files by language, e.g. hi.txt, to mix)."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write tokenizer.json, tokenizer_config.json, card.json.")
    ],
    algorithm: Annotated[str, typer.Option(help="superbpe, bpe, spm-unigram or spm-bpe.")] = "superbpe",
    vocab_size: Annotated[
        int, typer.Option(help="Vocabulary size, special tokens and bytes included.")
    ] = 64000,
    transition: Annotated[
        float,
        typer.Option(help="SuperBPE: share of the vocabulary learned as subwords (stage 1), in (0, 1]."),
    ] = 0.6,
    alpha: Annotated[float, typer.Option(help="Language temperature of the mix: p ∝ size^alpha.")] = 0.3,
    mix_bytes: Annotated[
        int | None, typer.Option(help="Size of the training mix in bytes (default: as large as the corpus).")
    ] = None,
    max_superword_pieces: Annotated[
        int, typer.Option(help="SuperBPE: most stage-1 tokens one superword may join.")
    ] = 4,
    stage2_sample: Annotated[
        float,
        typer.Option(help="SuperBPE: share of the mix's lines stage 2 learns superwords from, in (0, 1]."),
    ] = 1.0,
    stage2_balance: Annotated[
        float,
        typer.Option(
            help="SuperBPE: 0 learns superwords from the mix as it is; 1 thins each script's stage-2 "
            "chunks so every language brings the same token mass (as parallel text does); in [0, 1]."
        ),
    ] = 0.0,
    encoder: Annotated[
        str,
        typer.Option(
            help="How tokenizer.json encodes: merges (replay by rank, as trained) or shortest-path "
            "(fewest tokens of the same vocabulary, renumbered; a little slower)."
        ),
    ] = "merges",
    vocab_overshoot: Annotated[
        float,
        typer.Option(
            help="With --encoder shortest-path: learn (1 + this) x the vocab size, then drop the tokens "
            "the encoder uses least on held-out lines (BPE's stepping stones), e.g. 0.15."
        ),
    ] = 0.0,
    prune_sample: Annotated[
        float,
        typer.Option(
            help="Share of all lines, held out from stage 2, that pruning counts usage on, in (0, 1]."
        ),
    ] = 0.3,
    prune_balance: Annotated[
        float,
        typer.Option(
            help="Pruning: 0 counts usage on the lines as mixed; 1 weights each language to the same "
            "token mass (as --stage2-balance does); in [0, 1]."
        ),
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="Seed of the mix's sampling.")] = 0,
    flores_dev: Annotated[
        Path | None,
        typer.Option(
            help="FLORES dev folder to measure the result on (default: ../shared/corpora/flores/dev)."
        ),
    ] = None,
    work_dir: Annotated[
        Path | None,
        typer.Option(help="Where the mix and the finished stage 1 are kept, to resume (default: OUT.work)."),
    ] = None,
) -> None:
    """Train a tokenizer on a temperature-mixed corpus and save it as a folder.

    Example: indic tokenizer train --algorithm superbpe --corpus ../shared/corpora/train
    --vocab-size 64000 --transition 0.92 --stage2-sample 0.2 --encoder shortest-path
    --vocab-overshoot 0.15 --prune-sample 0.2 --prune-balance 0.7 --out runs/tokenizers/superbpe-64k
    """
    from corpora.errors import CorpusError
    from tokenizer_training import TrainConfig, TrainConfigError, train

    try:
        config = TrainConfig(
            algorithm=algorithm,
            vocab_size=vocab_size,
            transition=transition,
            alpha=alpha,
            mix_bytes=mix_bytes,
            seed=seed,
            max_superword_pieces=max_superword_pieces,
            stage2_sample=stage2_sample,
            stage2_balance=stage2_balance,
            encoder=encoder,
            vocab_overshoot=vocab_overshoot,
            prune_sample=prune_sample,
            prune_balance=prune_balance,
        )
    except TrainConfigError as error:
        _err.print(f"[bold red]error:[/bold red] {error}", highlight=False)
        raise typer.Exit(code=1) from None
    if flores_dev is None and _DEFAULT_FLORES_DEV.is_dir():
        flores_dev = _DEFAULT_FLORES_DEV
    started = time.perf_counter()

    def report(message: str) -> None:
        _err.print(f"[dim]{time.perf_counter() - started:7.1f}s[/dim] {message}", highlight=False)

    try:
        folder = train(
            config,
            corpus,
            out,
            work_dir,
            progress=report,
            show_progress=_err.is_terminal,
            flores_dir=flores_dev,
        )
    except CorpusError as error:
        _err.print(f"[bold red]error:[/bold red] {error}", highlight=False)
        raise typer.Exit(code=1) from None
    _err.print(f"[green]done[/green] {folder}", highlight=False)
