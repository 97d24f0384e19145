"""What the app accepts, and the friendly message for everything it does not.

The limits protect a shared server (a 50k-character paste must not stall every other user) and
every refusal names what is wrong and what would work, in words a person understands. The UI
turns :class:`InputRejected` into a visible message; nothing reaches the models unchecked.

    >>> check_text("", field="Text")
    Traceback (most recent call last):
    ...
    serving.app.limits.InputRejected: Text is empty: type or paste something first.
"""

from __future__ import annotations

from dataclasses import dataclass

from indic.languages import LANGUAGE_CODES, UnsupportedLanguageError, get_language


class InputRejected(ValueError):
    """Input the app refuses, with a message meant for the person who typed it."""


@dataclass(frozen=True)
class AppLimits:
    """Per-request limits; `indic serve` flags use the same names."""

    max_text_chars: int = 2000
    max_prompt_chars: int = 500
    max_new_tokens: int = 200
    max_tokenizers: int = 6
    stream_after_chars: int = 200


DEFAULT_LIMITS = AppLimits()


def check_text(text: str | None, field: str = "Text", limit: int = AppLimits.max_text_chars) -> str:
    """Strip ``text`` and refuse it when empty or longer than ``limit`` characters."""
    stripped = (text or "").strip()
    if not stripped:
        raise InputRejected(f"{field} is empty: type or paste something first.")
    if len(stripped) > limit:
        raise InputRejected(
            f"{field} has {len(stripped):,} characters; the limit here is {limit:,}. "
            "Shorten it, or use `indic tts batch` for long documents."
        )
    return stripped


def check_language(code: str | None) -> str:
    """The registry code for ``code``; a clear message listing the supported languages otherwise."""
    try:
        return get_language(code or "").code
    except UnsupportedLanguageError:
        raise InputRejected(
            f"Language {code!r} is not supported; choose one of {', '.join(LANGUAGE_CODES)}."
        ) from None


def check_script(text: str, lang: str) -> None:
    """Refuse text with no letters of the chosen language's script (nor Latin, which every voice reads)."""
    from indic.text import detect_script

    language = get_language(lang)
    letters = {script for script, share in detect_script(text).items() if share > 0}
    if letters and language.script not in letters and "Latin" not in letters:
        raise InputRejected(
            f"The text is written in {', '.join(sorted(letters))}, "
            f"but {language.name} uses {language.script}. "
            "Pick the matching language or change the text."
        )
