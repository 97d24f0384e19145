"""How every `indic` command reports bad input: one red line on stderr and exit status 1.

Errors are raised where input enters (a missing file, an unknown language, a bad flag value) and
turned into a message here, once, so no command prints a traceback for a user's mistake::

    with user_errors(CorpusError):
        stats = corpus_stats(paths)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

err_console = Console(stderr=True)

USER_ERRORS: tuple[type[BaseException], ...] = (FileNotFoundError, LookupError, ValueError)
"""What bad input raises throughout the project (UnsupportedLanguageError is a ValueError)."""


def fail(message: object) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise: ``raise fail("...")``."""
    err_console.print(f"[bold red]error:[/bold red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


@contextmanager
def user_errors(*extra: type[BaseException]) -> Iterator[None]:
    """Turn the project's input errors (and ``extra`` types) into :func:`fail`."""
    try:
        yield
    except (*USER_ERRORS, *extra) as error:
        raise fail(error) from None
