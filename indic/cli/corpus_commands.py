"""`indic corpus stats|mix|contamination|manifest` — look at corpora and mix them for training.

Heavy work lives in the ``corpora`` package and is imported inside each command. Every command
turns a corpus error (missing file, not UTF-8, bad JSON, wrong compression) into one red line on
stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from indic.cli.errors import fail, user_errors
from indic.cli.groups import corpus_app

_out = Console()
_err = Console(stderr=True)

TextFieldOption = Annotated[
    str, typer.Option("--text-field", help="JSONL field / Parquet column holding the text.")
]
WorkersOption = Annotated[int, typer.Option(help="Worker processes (0: one per core).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@contextmanager
def _corpus_errors() -> Iterator[None]:
    """Turn errors at the corpus boundary into a clear message and a non-zero exit."""
    from corpora.errors import CorpusError

    with user_errors(CorpusError):
        yield


@contextmanager
def _byte_progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr counting bytes; yields the callback that advances it."""
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_err, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda advance: progress.advance(task, advance)


def _sample_dir() -> Path:
    from indic.text import sample_dir

    sample = sample_dir()
    if not sample.is_dir():
        raise fail(f"the bundled sample is missing ({sample}); name a corpus path instead")
    return sample


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


@corpus_app.command("stats")
def stats(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Corpus files or folders (default: the bundled multilingual sample)."),
    ] = None,
    workers: WorkersOption = 0,
    text_field: TextFieldOption = "text",
    as_json: JsonOption = False,
) -> None:
    """Lines, bytes, words, script purity and duplicate share per language.

    Example: indic corpus stats ../shared/corpora/train
    """
    import json

    from corpora.discovery import discover_corpus_files
    from corpora.stats import corpus_stats
    from corpora.workers import default_workers

    with _corpus_errors():
        targets = paths or [_sample_dir()]
        total = sum(corpus_file.path.stat().st_size for corpus_file in discover_corpus_files(targets))
        with _byte_progress("reading corpus", total) as advance:
            results = corpus_stats(
                targets, workers=workers or default_workers(), text_field=text_field, progress=advance
            )
    if as_json:
        typer.echo(
            json.dumps({lang: item.as_dict() for lang, item in results.items()}, ensure_ascii=False, indent=2)
        )
        return
    table = Table(title="Corpus statistics")
    for column in ("language", "files", "lines", "bytes", "words", "script purity", "duplicates"):
        table.add_column(column, justify="left" if column == "language" else "right")
    for lang, item in results.items():
        table.add_row(
            lang,
            f"{item.files:,}",
            f"{item.lines:,}",
            f"{item.bytes:,}",
            f"{item.words:,}",
            _percent(item.script_purity),
            _percent(item.duplicate_share),
        )
    table.add_section()
    table.add_row(
        "total",
        f"{sum(i.files for i in results.values()):,}",
        f"{sum(i.lines for i in results.values()):,}",
        f"{sum(i.bytes for i in results.values()):,}",
        f"{sum(i.words for i in results.values()):,}",
        "",
        "",
    )
    _out.print(table)


@corpus_app.command("mix")
def mix(
    paths: Annotated[
        list[Path], typer.Argument(help="Corpus files or folders, language named by file (hi.txt).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The mixed text file to write.")],
    alpha: Annotated[
        float, typer.Option(help="Temperature exponent: p ∝ size^alpha (1 = proportional).")
    ] = 0.3,
    total_bytes: Annotated[
        int | None, typer.Option("--total-bytes", help="Size of the output (default: the sources' total).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subsampling coin.")] = 0,
    text_field: TextFieldOption = "text",
    as_json: JsonOption = False,
) -> None:
    """Write a temperature-mixed training file (thin languages upsampled) and print the mix.

    Example: indic corpus mix ../shared/corpora/train --alpha 0.3 --out runs/mix.txt
    """

    from corpora.discovery import discover_corpus_files
    from corpora.mixing import mix_report_path, sources_by_language, write_mix

    with _corpus_errors():
        grouped = sources_by_language(discover_corpus_files(paths))
        sources: dict[str, Path | list[Path]] = {lang: lang_paths for lang, lang_paths in grouped.items()}
        with _byte_progress(f"writing {out.name}", total_bytes) as advance:
            report = write_mix(
                sources, out, alpha, total_bytes, seed, text_field=text_field, progress=advance
            )
    if as_json:
        typer.echo(report.to_json().rstrip("\n"))
        return
    _print_language_table(
        f"Mix written to {out} (alpha {alpha}); report in {mix_report_path(out).name}",
        ("source bytes", "target share", "written bytes", "share", "upsampling"),
        {
            lang: (
                f"{i.source_bytes:,}",
                _percent(i.weight),
                f"{i.bytes:,}",
                _percent(i.share),
                f"×{i.upsampling:.2f}",
            )
            for lang, i in report.languages.items()
        },
    )


def _print_language_table(title: str, columns: tuple[str, ...], rows: dict[str, tuple[str, ...]]) -> None:
    """One row per language, figures right-aligned."""
    table = Table(title=title)
    table.add_column("language")
    for column in columns:
        table.add_column(column, justify="right")
    for lang, cells in rows.items():
        table.add_row(lang, *cells)
    _out.print(table)


@corpus_app.command("contamination")
def contamination(
    train: Annotated[list[Path], typer.Argument(help="Training corpus files or folders.")],
    evaluation: Annotated[
        list[Path], typer.Option("--eval", help="Evaluation files or folders (e.g. FLORES dev), repeatable.")
    ],
    ngram: Annotated[int, typer.Option(help="Word n-gram length of the overlap test.")] = 8,
    threshold: Annotated[
        float, typer.Option(help="Share of an evaluation line's n-grams that flags it.")
    ] = 0.5,
    workers: WorkersOption = 0,
    text_field: TextFieldOption = "text",
    as_json: JsonOption = False,
) -> None:
    """Count evaluation lines found in training text, exactly and by n-gram overlap, per language.

    Example: indic corpus contamination ../shared/corpora/train --eval ../shared/corpora/flores/dev
    """
    from corpora.contamination import check_contamination, paired_by_language
    from corpora.discovery import discover_corpus_files
    from corpora.workers import default_workers

    with _corpus_errors():
        train_files, eval_files = paired_by_language(train, evaluation)
        if not eval_files:
            raise fail("no evaluation file has a language in its name (name them like hi.txt)")
        total = sum(
            corpus_file.path.stat().st_size
            for lang in eval_files
            for corpus_file in discover_corpus_files(train_files.get(lang, []))
        )
        with _byte_progress("scanning training text", total) as advance:
            report = check_contamination(
                train_files,
                eval_files,
                ngram,
                threshold,
                text_field,
                progress=advance,
                workers=workers or default_workers(),
            )
    if as_json:
        typer.echo(report.to_json().rstrip("\n"))
        return
    _print_language_table(
        f"Evaluation lines found in training text ({ngram}-gram overlap ≥ {threshold:.0%})",
        ("eval lines", "train lines", "exact", "n-gram", "n-gram share"),
        {
            lang: (
                f"{i.eval_lines:,}",
                f"{i.train_lines:,}",
                f"{i.exact:,}",
                f"{i.ngram:,}",
                _percent(i.ngram_share),
            )
            for lang, i in report.languages.items()
        },
    )


@corpus_app.command("manifest")
def manifest(
    paths: Annotated[list[Path], typer.Argument(help="Corpus files or folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The JSON manifest to write.")],
    text_field: TextFieldOption = "text",
) -> None:
    """Write a per-language manifest (path, lines, bytes, sha256) of a corpus as JSON.

    Example: indic corpus manifest ../shared/corpora/train --out runs/train.manifest.json
    """
    from corpora.manifest import build_manifest, write_manifest

    with _corpus_errors():
        result = build_manifest(paths, text_field)
        write_manifest(result, out)
    summary = ", ".join(f"{lang} {group['lines']:,} lines" for lang, group in result["languages"].items())
    _out.print(f"wrote {out}: {summary}", highlight=False, soft_wrap=True)


@corpus_app.command("dedup")
def dedup(
    paths: Annotated[
        list[Path], typer.Argument(help="Corpus files or folders, language named by file (hi.txt).")
    ],
    out_dir: Annotated[
        Path, typer.Option("--out-dir", "-o", help="Folder for the deduplicated <lang>.txt files.")
    ],
    near: Annotated[
        bool, typer.Option("--near/--exact-only", help="Also drop near duplicates (MinHash).")
    ] = True,
    threshold: Annotated[
        float, typer.Option(help="Jaccard similarity of 5-gram sets that counts as near.")
    ] = 0.8,
    seed: Annotated[int, typer.Option(help="Seed of the MinHash functions.")] = 0,
    text_field: TextFieldOption = "text",
) -> None:
    """Remove exact (normalized) and near-duplicate lines per language; write <lang>.txt files.

    Example: indic corpus dedup ../shared/corpora/train --out-dir runs/dedup
    """
    from corpora.deduplicate import deduplicate_corpus
    from corpora.discovery import discover_corpus_files
    from corpora.mixing import sources_by_language
    from corpora.near_dedup import MinHashConfig

    with _corpus_errors():
        files = discover_corpus_files(paths)
        sources = sources_by_language(files)
        config = MinHashConfig(threshold=threshold, seed=seed)
        with _byte_progress("deduplicating", sum(f.path.stat().st_size for f in files)) as advance:
            reports = deduplicate_corpus(sources, out_dir, near, config, text_field, progress=advance)
    table = Table(title=f"Deduplicated into {out_dir}")
    for column in ("language", "lines in", "exact", "near", "lines out", "removed"):
        table.add_column(column, justify="left" if column == "language" else "right")
    for lang, item in reports.items():
        table.add_row(
            lang,
            f"{item.lines_in:,}",
            f"{item.exact_duplicates:,}",
            f"{item.near_duplicates:,}",
            f"{item.lines_out:,}",
            _percent(item.duplicate_share),
        )
    _out.print(table)
