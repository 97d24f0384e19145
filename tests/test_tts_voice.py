"""The onnxruntime voice and `indic tts say`: speech out, long text split, clear errors, no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from tts_samples import HELLO
from typer.testing import CliRunner

from indic.cli import app
from indic.languages import UnsupportedLanguageError
from tts.frontend.segment import EmptyTextError, UnsupportedScriptError
from tts.voice import MAX_CHUNK_TOKENS, Voice, VoiceNotFoundError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tts.export import export_random_voice

    folder = tmp_path_factory.mktemp("voice")
    export_random_voice(folder)
    return folder


@pytest.fixture(scope="module")
def voice(voice_dir: Path) -> Voice:
    return Voice(voice_dir, threads=1)


def test_voice_speaks_hindi_with_numbers_and_english_words(voice: Voice) -> None:
    audio = voice.synthesize("मैंने 5 email भेजे।", "hi")
    assert audio.dtype == np.float32 and len(audio) > voice.sample_rate // 10
    assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0


def test_a_batch_gives_each_item_the_audio_it_gets_alone(voice: Voice) -> None:
    short, long = voice.chunks("नमस्ते", "hi")[0].ids, voice.chunks("नमस्ते दुनिया, आप कैसे हैं", "hi")[0].ids
    together = voice.synthesize_ids([short, long], "hi")
    alone = voice.synthesize_ids([short], "hi")[0]
    assert len(together[0]) == len(alone)
    assert np.abs(together[0] - alone).max() < 1e-4


def test_fifty_thousand_characters_are_split_into_bounded_chunks(voice: Voice) -> None:
    text = ("यह एक लंबा वाक्य है जिसमें बहुत सारे शब्द हैं, और यह कभी खत्म नहीं होता। " * 700)[:50_000]
    chunks = voice.chunks(text, "hi")
    assert len(chunks) > 100 and max(len(c.ids) for c in chunks) <= MAX_CHUNK_TOKENS
    one_sentence_run = voice.chunks("क " * 600, "hi")
    assert max(len(c.ids) for c in one_sentence_run) <= MAX_CHUNK_TOKENS


def test_long_input_streams_in_order(voice: Voice) -> None:
    parts = list(voice.stream("पहला वाक्य। दूसरा वाक्य। तीसरा वाक्य।", "hi"))
    assert len(parts) == 3 and all(len(p) > 0 for p in parts)


@pytest.mark.parametrize(
    ("text", "lang", "error"),
    [
        ("", "hi", EmptyTextError),
        ("🙂", "hi", EmptyTextError),
        ("你好世界", "hi", UnsupportedScriptError),
        ("hello", "xx", UnsupportedLanguageError),
    ],
)
def test_bad_input_raises_a_specific_error(voice: Voice, text: str, lang: str, error: type) -> None:
    with pytest.raises(error):
        voice.synthesize(text, lang)


def test_unknown_speaker_and_missing_voice_are_clear_errors(voice: Voice, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown speaker"):
        voice.synthesize("नमस्ते", "hi", speaker="nobody")
    with pytest.raises(VoiceNotFoundError, match="model.onnx"):
        Voice(tmp_path)


def test_runtime_voice_never_imports_torch(voice_dir: Path) -> None:
    code = (
        "import sys; from tts.voice import Voice; "
        f"Voice({str(voice_dir)!r}).synthesize('नमस्ते', 'hi'); "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def _indic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "indic", "tts", *args], cwd=REPO, capture_output=True, text=True
    )


def test_say_writes_a_wav_file(voice_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    result = _indic("say", "नमस्ते दुनिया", "--lang", "hi", "-o", str(out), "--voice", str(voice_dir))
    assert result.returncode == 0, result.stderr
    info = soundfile.info(str(out))
    assert info.samplerate == 22050 and info.frames > 0


@pytest.mark.parametrize(
    ("text", "lang", "message"),
    [("", "hi", "nothing to speak"), ("你好", "hi", "script"), ("hello", "xx", "not a supported language")],
)
def test_say_reports_bad_input_without_a_traceback(
    voice_dir: Path, tmp_path: Path, text: str, lang: str, message: str
) -> None:
    result = CliRunner().invoke(
        app, ["tts", "say", text, "--lang", lang, "-o", str(tmp_path / "x.wav"), "--voice", str(voice_dir)]
    )
    assert result.exit_code == 1
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_batch_rejects_a_missing_input_and_an_unknown_format(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, ["tts", "batch", str(tmp_path / "none.tsv"), "--out", str(tmp_path)])
    assert missing.exit_code == 1 and "no input file" in missing.output
    (tmp_path / "in.tsv").write_text("a\tb\thi\n", encoding="utf-8")
    bad_format = CliRunner().invoke(
        app, ["tts", "batch", str(tmp_path / "in.tsv"), "--out", str(tmp_path), "--format", "mp3"]
    )
    assert bad_format.exit_code == 1 and "wav or flac" in bad_format.output


def test_every_tts_command_has_help_with_an_example() -> None:
    for command in ("say", "batch", "train", "export"):
        result = CliRunner().invoke(app, ["tts", command, "--help"])
        assert result.exit_code == 0 and "Example" in result.output, command


@pytest.mark.slow
def test_fifty_thousand_characters_are_spoken_into_one_file(voice: Voice, tmp_path: Path) -> None:
    text = ("यह एक लंबा वाक्य है जिसमें बहुत सारे शब्द हैं, और यह कभी खत्म नहीं होता। " * 700)[:50_000]
    seconds = voice.write_wav(text, "hi", tmp_path / "long.wav")
    assert soundfile.info(str(tmp_path / "long.wav")).frames == round(seconds * voice.sample_rate) > 0


def test_bundled_voice_speaks_all_eleven_languages() -> None:
    from indic.artifacts import ArtifactNotFoundError, find_artifact

    try:
        find_artifact("indic-voice-multi")
    except ArtifactNotFoundError:
        pytest.skip("no bundled voice in this checkout")
    bundled = Voice.load(threads=1)
    samples = HELLO
    assert set(bundled.inventory.languages) == set(samples)
    for lang, text in samples.items():
        audio = bundled.synthesize(text, lang)
        assert 0.2 * bundled.sample_rate < len(audio) < 5 * bundled.sample_rate, lang
        assert np.abs(audio).max() > 0.01, lang
