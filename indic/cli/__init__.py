"""Entry point of the `indic` command.

This package is the house's front door: the one place allowed to reach every layer,
and only to dispatch. Each ``*_commands`` module registers its commands on the apps in
:mod:`indic.cli.groups`.
"""

from __future__ import annotations

from indic.cli import (  # noqa: F401  (imported for their command registrations)
    corpus_commands,
    lm_commands,
    quantize_commands,
    serve_commands,
    text_commands,
    tokenizer_analyze_commands,
    tokenizer_train_commands,
    tts_commands,
)
from indic.cli.groups import app


def main() -> None:
    """Run the `indic` command line."""
    app()


__all__ = ["app", "main"]
