"""The evaluation teacher: a sentence's audio is a pure function of (sentence, language, speaker)."""

from __future__ import annotations

import _ctypes
import ctypes
import hashlib
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("espeakng_loader", reason="espeak-ng comes from the espeakng-loader package")

from tts.data.dataset import TeacherExample, make_example  # noqa: E402
from tts.frontend.espeak import EspeakError, espeak_library  # noqa: E402

SENTENCE = ("सुबह की ठंडी हवा में बच्चे मैदान में खेल रहे थे, और बूढ़े लोग धूप सेंक रहे थे।", "hi", "default")
PRECEDING = [
    ("ਪਿੰਡ ਦੇ ਲੋਕ ਮੇਲੇ ਵਿੱਚ ਗਏ ਅਤੇ ਸ਼ਾਮ ਨੂੰ ਘਰ ਵਾਪਸ ਆਏ।", "pa", "default"),
    ("The river rose quickly after three days of rain.", "en", "f3"),
    SENTENCE,
]


def evaluation_example(item: tuple[str, str, str]) -> TeacherExample:
    example = make_example(item, reproducible=True)
    assert example is not None
    return example


def test_evaluation_teacher_audio_ignores_what_was_spoken_before() -> None:
    reference = evaluation_example(SENTENCE)
    for preceding in PRECEDING:
        make_example(preceding)
        again = evaluation_example(SENTENCE)
        assert np.array_equal(again.audio, reference.audio)
        assert np.array_equal(again.durations, reference.durations)


def test_evaluation_teacher_audio_equals_a_fresh_process_audio() -> None:
    make_example(PRECEDING[0])
    here = hashlib.sha256(evaluation_example(SENTENCE).audio.astype(np.int16).tobytes()).hexdigest()
    script = (
        "import hashlib, numpy as np; from tts.data.dataset import make_example; "
        f"e = make_example({SENTENCE!r}); "
        "print(hashlib.sha256(e.audio.astype(np.int16).tobytes()).hexdigest())"
    )
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert fresh.stdout.strip() == here


def test_reload_refuses_to_pretend_when_another_handle_keeps_the_library_loaded() -> None:
    import espeakng_loader

    library = espeak_library()
    extra = ctypes.CDLL(espeakng_loader.get_library_path())
    try:
        with pytest.raises(EspeakError, match="could not be reset"):
            library.reload()
    finally:
        _ctypes.dlclose(extra._handle)
    assert len(library.synthesize("नमस्ते", "hi").audio) > 0
