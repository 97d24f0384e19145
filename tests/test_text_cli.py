"""`indic languages` and `indic text normalize|split|detect`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import indic.cli.text_commands  # noqa: F401  (registers the commands)
from indic.cli.groups import app

runner = CliRunner()


def test_languages_lists_all_eleven_with_their_flores_codes() -> None:
    result = runner.invoke(app, ["languages"])
    assert result.exit_code == 0
    for flores in ("ben_Beng", "hin_Deva", "mar_Deva", "ory_Orya", "pan_Guru", "eng_Latn"):
        assert flores in result.output


def test_normalize_takes_text_as_an_argument() -> None:
    result = runner.invoke(app, ["text", "normalize", "ੲਿਹ  ਕਿਤਾਬ ਹੈ|"])
    assert result.exit_code == 0
    assert result.output == "ਇਹ ਕਿਤਾਬ ਹੈ।\n"


def test_normalize_reads_standard_input_line_by_line() -> None:
    result = runner.invoke(app, ["text", "normalize"], input="अाम  खाओ\nഅവന്\u200d വന്നു\n")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["आम खाओ", "അവൻ വന്നു"]


def test_normalize_reads_a_file(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("नमस्ते\u200d दुनिया |\n", encoding="utf-8")
    result = runner.invoke(app, ["text", "normalize", "--file", str(source)])
    assert result.exit_code == 0
    assert result.output == "नमस्ते दुनिया ।\n"


def test_a_missing_file_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["text", "normalize", "--file", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert "no such file" in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "latin1.txt"
    source.write_bytes("café".encode("latin-1"))
    result = runner.invoke(app, ["text", "detect", "--file", str(source)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_text_and_file_together_are_rejected(tmp_path: Path) -> None:
    result = runner.invoke(app, ["text", "split", "abc", "--file", str(tmp_path)])
    assert result.exit_code == 1
    assert "either TEXT or --file" in result.output


def test_split_prints_one_sentence_per_line() -> None:
    result = runner.invoke(app, ["text", "split", "डॉ. शर्मा आए। क्या आप चाय पिएँगे?"])
    assert result.exit_code == 0
    assert result.output.splitlines() == ["डॉ. शर्मा आए।", "क्या आप चाय पिएँगे?"]


def test_split_rejects_an_unknown_language() -> None:
    result = runner.invoke(app, ["text", "split", "hello.", "--lang", "xx"])
    assert result.exit_code == 1
    assert "supported" in result.output


def test_detect_reports_script_and_language() -> None:
    result = runner.invoke(app, ["text", "detect", "मला मराठी भाषा आवडते."])
    assert result.exit_code == 0
    assert "Devanagari" in result.output and "mr" in result.output


def test_detect_per_line_prints_tab_separated_language_script_and_text() -> None:
    result = runner.invoke(app, ["text", "detect", "--per-line"], input="ఇది ఓడ.\nThis is a ship.\n")
    assert result.exit_code == 0
    assert result.output.splitlines() == ["te\tTelugu\tఇది ఓడ.", "en\tLatin\tThis is a ship."]


def test_every_text_command_has_help_with_an_example() -> None:
    for command in (["languages"], ["text", "normalize"], ["text", "split"], ["text", "detect"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "Example: indic" in result.output
