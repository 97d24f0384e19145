"""Concurrent users of the app get complete answers: a short version of `bench/app_load.py`.

Identical concurrent requests are the interesting case: they once made two requests share one
audio cache file that was being rewritten while it was served.
"""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

from app_fixtures import running_app  # noqa: E402


def test_eight_clients_asking_for_the_same_sentence_all_get_whole_audio():
    import soundfile

    outcomes: list[str] = []
    lock = threading.Lock()
    with running_app({}) as (url, _stack):
        deadline = time.monotonic() + 5

        def client_loop() -> None:
            client = gradio_client.Client(url, verbose=False)
            while time.monotonic() < deadline:
                try:
                    _live, path, _info = client.predict("नमस्ते दुनिया", "hi", 0, 1.0, api_name="/speak")
                    audio, _rate = soundfile.read(path)
                    outcome = "ok" if len(audio) > 0 else "empty audio"
                except Exception as error:  # every failure is an outcome to report
                    outcome = repr(error)
                with lock:
                    outcomes.append(outcome)

        threads = [threading.Thread(target=client_loop) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert outcomes, "no request finished"
    assert [o for o in outcomes if o != "ok"] == []
