"""`indic tokenizer analyze` and `indic tokenizer compare`: token efficiency from the terminal.

``analyze`` measures several tokenizers over a corpus and writes a report folder (markdown,
CSV, PNG/SVG plots); ``compare`` shows how each tokenizer cuts one sentence, token boundaries
colour-coded. Tokenizers are given as specs ``load_tokenizer`` understands, optionally labelled
``label=spec``. Bad input (unknown format, missing file, no English, misaligned parallel files)
is reported in one line on stderr with exit status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from indic.cli.errors import fail
from indic.cli.groups import tokenizer_app

_SEGMENT_COLOURS = ("grey23", "dark_blue", "dark_green", "dark_red", "dark_magenta", "dark_cyan")

TokenizerOption = Annotated[
    list[str],
    typer.Option(
        "--tokenizer",
        "-t",
        help="A tokenizer: bundled name, tokenizer.json, HF folder, SentencePiece .model, .tiktoken file "
        "or hub name; 'label=spec' names it. Repeat for several.",
    ),
]
PatternOption = Annotated[
    str | None,
    typer.Option(
        "--pattern",
        help="Split regex (o200k, cl100k, llama3, qwen2 or a regex) for .tiktoken / vocab+merges "
        "files whose name does not tell.",
    ),
]


def _split_label(text: str) -> tuple[str | None, str]:
    """``"ours=path/tokenizer.json"`` → ``("ours", "path/tokenizer.json")``; a bare spec has no label."""
    label, sep, spec = text.partition("=")
    if sep and label and "/" not in label and spec:
        return label, spec
    return None, text


def _load(specs: list[str], pattern: str | None) -> tuple[list, dict[str, str]]:
    """The tokenizers in order, and each raw spec's label (so --baseline may repeat a spec)."""
    from indic.efficiency import load_tokenizer

    loaded = []
    labels = {}
    for text in specs:
        label, spec = _split_label(text)
        tokenizer = load_tokenizer(spec, name=label, pattern=pattern)
        loaded.append(tokenizer)
        labels[text] = labels[spec] = tokenizer.name
    return loaded, labels


@tokenizer_app.command("analyze")
def analyze(
    tokenizer: TokenizerOption,
    corpus: Annotated[
        str,
        typer.Option(
            "--corpus",
            "-c",
            help="'flores-dev' (../shared/corpora/flores/dev or $INDIC_SHARED_DIR), "
            "a folder of <lang>.txt, or one file.",
        ),
    ] = "flores-dev",
    baseline: Annotated[
        str | None,
        typer.Option("--baseline", "-b", help="Label (or spec) of the tokenizer NSL divides by."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for report.md, CSV and plots.")] = Path(
        "efficiency-report"
    ),
    pattern: PatternOption = None,
    parallel: Annotated[
        bool,
        typer.Option(
            "--parallel/--no-parallel",
            help="Lines are translations of each other (needs en.txt, equal counts).",
        ),
    ] = True,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse token counts cached on disk.")
    ] = True,
) -> None:
    """Measure fertility, chars/bytes per token, parity with English and NSL; write a report with plots.

    Example: indic tokenizer analyze -t o200k=../shared/anchors/tokenizers/o200k_base
    -t indic-superbpe-64k --corpus flores-dev --baseline o200k --out reports/flores
    """
    import time

    from indic.artifacts import ArtifactIntegrityError
    from indic.efficiency import EfficiencyError, load_corpus, measure, report
    from indic.efficiency.report import summarize

    console = Console()
    try:
        started = time.perf_counter()
        text = load_corpus(corpus, parallel=parallel)
        loaded, labels = _load(tokenizer, pattern)
        reference = labels.get(baseline, baseline) if baseline else None
        table = measure(loaded, text, baseline=reference, cache=cache)
        path = report(table, out, title=f"Token efficiency on {text.name}")
    except (EfficiencyError, ArtifactIntegrityError) as error:
        raise fail(error) from None
    _print_summary(console, summarize(table))
    console.print(f"{len(table)} rows in {time.perf_counter() - started:.1f} s; report: {path}")


def _print_summary(console: Console, summary) -> None:  # noqa: ANN001 (a DataFrame; pandas imported lazily)
    from rich.table import Table

    table = Table(*map(str, summary.columns))
    for row in summary.itertuples(index=False):
        table.add_row(*(f"{value:,.2f}" if isinstance(value, float) else str(value) for value in row))
    console.print(table)


@tokenizer_app.command("compare")
def compare(
    sentence: Annotated[str, typer.Argument(help="The text to tokenize.")],
    tokenizer: TokenizerOption,
    pattern: PatternOption = None,
    ids: Annotated[bool, typer.Option("--ids", help="Also print the token ids.")] = False,
) -> None:
    """Show how each tokenizer splits one sentence, token boundaries colour-coded.

    Example: indic tokenizer compare "भारत एक विशाल देश है।" -t ../shared/anchors/tokenizers/o200k_base
    -t indic-superbpe-64k
    """
    from rich.text import Text

    from indic.artifacts import ArtifactIntegrityError
    from indic.efficiency import EfficiencyError, token_segments

    console = Console()
    try:
        loaded, _ = _load(tokenizer, pattern)
    except (EfficiencyError, ArtifactIntegrityError) as error:
        raise fail(error) from None
    words = max(1, len(sentence.split()))
    for model in loaded:
        segments = token_segments(model, sentence)
        count = sum(len(segment.ids) for segment in segments)
        console.print(
            f"[bold]{model.name}[/bold]: {count} tokens, {count / words:.2f} per word, "
            f"{len(sentence) / max(1, count):.2f} chars per token",
            highlight=False,
        )
        line = Text()
        for index, segment in enumerate(segments):
            # Several tokens behind one visible piece (bytes of one character) are underlined.
            style = f"white on {_SEGMENT_COLOURS[index % len(_SEGMENT_COLOURS)]}"
            if len(segment.ids) > 1:
                style += " underline"
            line.append(segment.text.replace("\n", "⏎"), style=style)
        console.print(line)
        if ids:
            flat = (str(token) for segment in segments for token in segment.ids)
            console.print(" ".join(flat), highlight=False)
