"""`indic lm …`: every command documents an example and fails cleanly on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from indic.cli import lm_commands  # noqa: F401  (registers the commands)
from indic.cli.groups import app

runner = CliRunner()


@pytest.mark.parametrize("command", ["train", "eval", "export", "generate"])
def test_every_lm_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, ["lm", command, "--help"])
    assert result.exit_code == 0
    assert "Example: indic lm" in result.output


def test_generate_with_a_missing_model_folder_exits_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["lm", "generate", "--prompt", "नमस्ते", "--model", str(tmp_path)])
    assert result.exit_code == 1
    assert "model.onnx" in result.output
    assert "Traceback" not in result.output


def test_generate_rejects_an_unknown_language() -> None:
    result = runner.invoke(app, ["lm", "generate", "--prompt", "x", "--lang", "xx"])
    assert result.exit_code == 1
    assert "not a supported language" in result.output


def test_eval_with_a_missing_checkpoint_exits_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["lm", "eval", "--checkpoint", str(tmp_path / "no.pt"), "--tokenizer", "t.json"]
    )
    assert result.exit_code == 1
    assert "checkpoint not found" in result.output
