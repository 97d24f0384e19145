"""`indic languages` and `indic text normalize|split|detect` — the Indic text core from a shell.

Each text command takes its input as an argument, from ``--file``, or from standard input, and
works line by line (a line is a document: normalizing a whole file at once would fold its
newlines). Unreadable input is one red line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from indic.cli.errors import fail
from indic.cli.groups import app, text_app

_out = Console(soft_wrap=True)
_err = Console(stderr=True)

TextArgument = Annotated[
    str | None,
    typer.Argument(help="Text to process (default: --file, else standard input).", show_default=False),
]
FileOption = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="Read this UTF-8 file, one document per line.", show_default=False),
]


def _input_lines(text: str | None, file: Path | None) -> Iterator[str]:
    """The lines to process: the argument, the file, or standard input — exactly one of them."""
    if text is not None and file is not None:
        raise fail("give either TEXT or --file, not both")
    if text is not None:
        yield from text.splitlines() or [""]
        return
    if file is not None:
        try:
            with open(file, encoding="utf-8") as handle:
                for line in handle:
                    yield line.rstrip("\n")
        except FileNotFoundError:
            raise fail(f"no such file: {file}") from None
        except IsADirectoryError:
            raise fail(f"{file} is a folder; give a text file") from None
        except PermissionError:
            raise fail(f"cannot read {file}: permission denied") from None
        except UnicodeDecodeError as error:
            raise fail(f"{file} is not UTF-8 text (byte {error.start}: {error.reason})") from None
        return
    if sys.stdin.isatty():
        raise fail("no input: give TEXT, --file FILE, or pipe text on standard input")
    try:
        for line in sys.stdin:
            yield line.rstrip("\n")
    except UnicodeDecodeError as error:
        raise fail(f"standard input is not UTF-8 text ({error.reason})") from None


@app.command("languages")
def languages() -> None:
    """List the eleven supported languages: codes, script, Unicode block, FLORES code, voice.

    Example: indic languages
    """
    from rich import box

    from indic.languages import LANGUAGES

    table = Table(title="Supported languages", box=box.SIMPLE_HEAD)
    for column in ("code", "639-3", "name", "native", "script", "block", "FLORES", "espeak", "digits"):
        table.add_column(column, no_wrap=True)
    for lang in LANGUAGES:
        block = f"{lang.block_start:04X}–{lang.block_end:04X}"
        digits = f"{lang.digits[0]}–{lang.digits[-1]}"
        table.add_row(
            lang.code, lang.iso639_3, lang.name, lang.native_name, lang.script, block,
            lang.flores_code, lang.espeak_voice, digits,
        )  # fmt: skip
    # Nine columns need more than the 80 columns Rich assumes when output is piped.
    console = _out if _out.width >= 110 else Console(width=110)
    console.print(table)


@text_app.command("normalize")
def normalize_command(text: TextArgument = None, file: FileOption = None) -> None:
    """Print each input line normalized: NFC, Indic fixes, one space between words.

    Example: indic text normalize "ੲਿਹ  ਕਿਤਾਬ ਹੈ|"
    """
    from indic.text import normalize

    for line in _input_lines(text, file):
        typer.echo(normalize(line))


@text_app.command("split")
def split_command(
    text: TextArgument = None,
    file: FileOption = None,
    lang: Annotated[
        str | None, typer.Option("--lang", "-l", help="Use only this language's sentence terminators.")
    ] = None,
) -> None:
    """Print one sentence per line (knows । ॥ . ? ! and abbreviations such as Dr. and e.g.).

    Example: indic text split "डॉ. शर्मा आए। क्या आप चाय पिएँगे?"
    """
    from indic.languages import UnsupportedLanguageError
    from indic.text import split_sentences

    try:
        for line in _input_lines(text, file):
            for sentence in split_sentences(line, lang=lang):
                typer.echo(sentence)
    except UnsupportedLanguageError as error:
        raise fail(str(error)) from None


@text_app.command("detect")
def detect_command(
    text: TextArgument = None,
    file: FileOption = None,
    per_line: Annotated[
        bool,
        typer.Option("--per-line", help="Print language, script and text for every line (tab-separated)."),
    ] = False,
) -> None:
    """Detect the script shares and the language of the input.

    Example: indic text detect "मला मराठी भाषा आवडते."
    """
    from collections import Counter

    from indic.text import dominant_script, identify_language
    from indic.text.scripts import script_counts

    languages: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    for line in _input_lines(text, file):
        language = identify_language(line) or "unknown"
        if per_line:
            typer.echo(f"{language}\t{dominant_script(line) or '-'}\t{line}")
        languages[language] += 1
        scripts.update(script_counts(line))
    if per_line:
        return
    total = sum(scripts.values())
    table = Table(title="Scripts (share of letters)")
    table.add_column("script")
    table.add_column("share", justify="right")
    for name, count in scripts.most_common():
        table.add_row(name, f"{100 * count / total:.1f}%")
    _out.print(table)
    table = Table(title="Languages (lines)")
    table.add_column("language")
    table.add_column("lines", justify="right")
    for name, count in languages.most_common():
        table.add_row(name, str(count))
    _out.print(table)
