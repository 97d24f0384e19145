"""A server's first requests arrive together: the espeak-ng library must initialise once, safely."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("espeakng_loader")

FIRST_CONCURRENT_USE = """
import threading
from tts.frontend.phonemize import phonemize

texts = [("নমস্কার বন্ধু", "bn"), ("नमस्ते दुनिया", "hi"), ("வணக்கம்", "ta"), ("hello world", "en")] * 4
errors = []

def speak(text, lang):
    try:
        assert phonemize(text, lang)
    except Exception as error:
        errors.append(repr(error))

threads = [threading.Thread(target=speak, args=pair) for pair in texts]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors)
raise SystemExit(1 if errors else 0)
"""


def test_sixteen_threads_phonemizing_at_once_in_a_fresh_process_all_succeed():
    result = subprocess.run([sys.executable, "-c", FIRST_CONCURRENT_USE], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
