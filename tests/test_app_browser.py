"""Every tab used as a person would, in headless Chromium (Debian's package) driven by Playwright.

Screenshots go to ``$INDIC_SCREENSHOT_DIR`` when set — the README's come from there, taken with the
bundled models — else to a temporary folder, with random-weight models. Skips with the reason when the
browser or Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("gradio")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from app_fixtures import running_app  # noqa: E402
from tokenizer_fixtures import tiny_tokenizer_choices  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def app_choices(tmp_path_factory) -> dict[str, str]:
    """Tiny tokenizers for tests; the bundled ones and GPT-4o's when taking the README's screenshots."""
    from indic.reference_data import anchor_tokenizers

    if os.environ.get("INDIC_SCREENSHOT_DIR"):
        choices = {"indic-superbpe-128k": "indic-superbpe-128k", "indic-superbpe-64k": "indic-superbpe-64k"}
    else:
        choices = tiny_tokenizer_choices(tmp_path_factory.mktemp("tokenizers"))
    anchors = anchor_tokenizers()
    if "gpt-4o (o200k)" in anchors:
        choices["gpt-4o (o200k)"] = str(anchors["gpt-4o (o200k)"])
    return choices


@pytest.fixture(scope="module")
def page(app_choices):
    models = "auto" if os.environ.get("INDIC_SCREENSHOT_DIR") else "synthetic"
    with running_app(app_choices, models) as (url, _stack), sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 1100})
        tab.set_default_timeout(60_000)
        tab.goto(url)
        tab.wait_for_selector("text=indic-speech")
        yield tab
        browser.close()


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory) -> Path:
    configured = os.environ.get("INDIC_SCREENSHOT_DIR")
    folder = Path(configured) if configured else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


PLAYABLE_SECONDS = """async (selector) => {
    const link = document.querySelector(selector + ' a[download]');
    if (!link || !link.href) return null;
    const data = await (await fetch(link.href)).arrayBuffer();
    const audio = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(data);
    return audio.duration;
}"""


def playable_seconds(page, selector: str) -> float:
    """Seconds of audio the browser itself decodes from the component's file (what its player plays)."""
    page.wait_for_selector(f"{selector} a[download]")
    return float(page.evaluate(PLAYABLE_SECONDS, selector))


def _open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def test_tokenize_tab_shows_coloured_token_boundaries(page, app_choices, screenshot_dir):
    _open_tab(page, "Tokenize")
    page.locator("#tok-text textarea").fill("भारत में कई भाषाएँ बोली जाती हैं। தமிழ் ஒரு பழமையான மொழி.")
    page.locator("#tok-run").click()
    view = page.locator("#tok-view-0")
    view.wait_for(state="visible")
    page.wait_for_function("document.querySelectorAll('#tok-view-0 .token').length > 3")
    assert "Detected language" in page.locator("#tok-lang").inner_text()
    assert next(iter(app_choices)) in page.locator("#tok-stats").inner_text()
    page.screenshot(path=str(screenshot_dir / "tokenize.png"), full_page=True)


def test_speak_tab_plays_audio(page, screenshot_dir):
    _open_tab(page, "Speak")
    page.locator("#speak-text textarea").fill("नमस्ते दुनिया। आज मौसम अच्छा है।")
    page.locator("#speak-run").click()
    page.locator("#speak-info").get_by_text("real-time factor").wait_for()
    assert playable_seconds(page, "#speak-audio") > 0.2
    page.screenshot(path=str(screenshot_dir / "speak.png"), full_page=True)


def test_generate_and_speak_tab_streams_text_then_audio(page, screenshot_dir):
    _open_tab(page, "Generate & speak")
    page.locator("#gen-prompt textarea").fill("भारत की राजधानी")
    page.locator("#gen-run").click()
    assert playable_seconds(page, "#gen-audio") > 0
    assert page.locator("#gen-text textarea").input_value() != ""
    page.screenshot(path=str(screenshot_dir / "generate.png"), full_page=True)


def test_metrics_tab_updates_live(page, screenshot_dir):
    _open_tab(page, "Metrics")
    status = page.locator("#metrics-status")
    status.get_by_text("CPUExecutionProvider").first.wait_for(state="visible")
    first = status.inner_text()
    _open_tab(page, "Speak")
    page.locator("#speak-text textarea").fill("ਸਤ ਸ੍ਰੀ ਅਕਾਲ")
    page.locator("#speak-lang input").fill("Punjabi")
    page.keyboard.press("Enter")
    page.locator("#speak-run").click()
    _open_tab(page, "Metrics")
    page.wait_for_function(
        "(before) => document.querySelector('#metrics-status').innerText !== before", arg=first
    )
    page.wait_for_timeout(2500)
    page.screenshot(path=str(screenshot_dir / "metrics.png"), full_page=True)


def test_speak_tab_shows_a_friendly_error_for_empty_text(page):
    _open_tab(page, "Speak")
    page.locator("#speak-text textarea").fill("   ")
    page.locator("#speak-run").click()
    page.get_by_text("Text is empty").first.wait_for(state="visible")
