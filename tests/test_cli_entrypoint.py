"""The `indic` command tree is reachable and every command documents itself with an example."""

from __future__ import annotations

import subprocess
import sys

import click
import typer.main
from typer.testing import CliRunner

from indic.cli import app


def _all_commands(command: click.Command, path: tuple[str, ...] = ()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _all_commands(sub, (*path, name))
    else:
        yield path, command


def test_top_level_help_lists_the_command_groups():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("text", "corpus", "tokenizer", "lm", "tts"):
        assert group in result.output


def test_every_command_help_has_an_example():
    root = typer.main.get_command(app)
    missing = [
        " ".join(path) for path, command in _all_commands(root) if "Example" not in (command.help or "")
    ]
    assert not missing, f"commands without an Example in --help: {missing}"


def test_python_dash_m_indic_runs():
    result = subprocess.run(
        [sys.executable, "-m", "indic", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "indic-speech" in result.stdout
