"""The app's endpoints used through `gradio_client`, as a script or another service would."""

from __future__ import annotations

import pytest

pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from app_fixtures import running_app  # noqa: E402
from tokenizer_fixtures import tiny_tokenizer_choices  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    choices = tiny_tokenizer_choices(tmp_path_factory.mktemp("tokenizers"))
    with running_app(choices) as (url, _stack):
        yield gradio_client.Client(url, verbose=False)


def test_tokenize_returns_pieces_that_spell_the_text_and_a_stats_row_per_tokenizer(client):
    text = "नमस्ते दुनिया, यह एक परीक्षा है।"
    outputs = client.predict(text, ["tiny-bpe", "tiny-bpe-small"], api_name="/tokenize")
    note, first_view, second_view = outputs[0], outputs[1], outputs[2]
    assert "hi" in note
    spelled = "".join(piece["token"] for piece in first_view["value"])
    assert spelled == text
    assert len(second_view["value"]) >= len(first_view["value"])
    stats = outputs[-2]
    assert [row[0] for row in stats["data"]] == ["tiny-bpe", "tiny-bpe-small"]


def test_speak_returns_playable_audio(client):
    import soundfile

    _live, audio_path, info = client.predict("नमस्ते दुनिया", "hi", 0, 1.0, api_name="/speak")
    audio, rate = soundfile.read(audio_path)
    assert rate > 0 and len(audio) > 0
    assert "real-time factor" in info


@pytest.mark.parametrize(
    ("text", "lang", "message"),
    [
        ("   ", "hi", "empty"),
        ("नमस्ते", "xx", "not supported"),
        ("x" * 5000, "en", "limit"),
        ("நன்றி வணக்கம்", "hi", "Tamil"),
    ],
)
def test_bad_speech_input_gets_a_friendly_message(client, text, lang, message):
    with pytest.raises(Exception, match=message):
        client.predict(text, lang, 0, 1.0, api_name="/speak")


def test_generate_streams_text_and_speaks_it(client):
    text, audio_path, _info = client.predict("भारत", "hi", 8, 0.0, api_name="/generate")
    assert isinstance(text, str)
    assert audio_path


def test_metrics_report_the_requests_served(client):
    client.predict("नमस्ते", "hi", 0, 1.0, api_name="/speak")
    status, *_plots = client.predict(api_name="/metrics")
    assert "tts" in status and "CPUExecutionProvider" in status
