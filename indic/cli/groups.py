"""The `indic` command tree: one Typer app per job, shared by the command modules.

Command modules import *only* these apps and typer at module level; heavy imports
(pandas, tokenizers, onnxruntime, torch) happen inside the command functions so that
``indic --help`` stays fast.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="indic",
    help="indic-speech: tokenize, model and speak eleven languages of India.\n\n"
    "Example: indic corpus stats ../shared/corpora/train",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
text_app = typer.Typer(help="Normalize, split and detect Indic text.", no_args_is_help=True)
corpus_app = typer.Typer(help="Corpus statistics and temperature-balanced mixing.", no_args_is_help=True)
tokenizer_app = typer.Typer(help="Train, analyze and compare tokenizers.", no_args_is_help=True)
lm_app = typer.Typer(help="Train, evaluate, export and run the compact language model.", no_args_is_help=True)
tts_app = typer.Typer(
    help="Speak text, generate speech in batch, train and export voices.", no_args_is_help=True
)

app.add_typer(text_app, name="text")
app.add_typer(corpus_app, name="corpus")
app.add_typer(tokenizer_app, name="tokenizer")
app.add_typer(lm_app, name="lm")
app.add_typer(tts_app, name="tts")
