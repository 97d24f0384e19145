"""The *Generate & speak* tab: the compact LM continues a prompt, streamed token by token, then the
voice reads the result aloud.

Generation runs on the continuous batcher of :class:`serving.services.TextService`, so the app's
stream decodes in the same steps as every other client's.
"""

from __future__ import annotations

from collections.abc import Iterator

from serving.app.limits import DEFAULT_LIMITS, AppLimits, InputRejected, check_language, check_text


def generate(
    text_service,
    prompt: str,
    max_new_tokens: int = 64,
    temperature: float = 0.7,
    limits: AppLimits = DEFAULT_LIMITS,
) -> Iterator[str]:
    """Yield the growing continuation of ``prompt`` (prompt excluded) as tokens arrive."""
    if text_service is None:
        raise InputRejected("No language model is loaded in this server (started with --lm none).")
    prompt = check_text(prompt, "Prompt", limits.max_prompt_chars)
    if not 1 <= max_new_tokens <= limits.max_new_tokens:
        raise InputRejected(f"Tokens to generate must be between 1 and {limits.max_new_tokens}.")
    if temperature < 0:
        raise InputRejected("Temperature cannot be negative.")
    handle = text_service.submit(prompt, max_new_tokens=int(max_new_tokens), temperature=float(temperature))
    codec = text_service.codec
    tokens: list[int] = []
    for event in handle.events(timeout=120):
        if event.error is not None:
            raise InputRejected(f"Generation failed: {event.error}")
        if event.token_id is not None and event.token_id not in codec.stop_ids:
            tokens.append(event.token_id)
            yield codec.decode(tokens)
    if not tokens:
        yield ""


def speakable(text: str, lang: str) -> tuple[str, str]:
    """The generated text and language code, checked for the voice (empty output is refused)."""
    return check_text(text, "Generated text"), check_language(lang)
