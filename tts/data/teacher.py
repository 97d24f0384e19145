"""Teacher data: espeak-ng speaks a sentence in-process and says exactly when each phoneme starts.

No recorded Indic speech is available, so the first voices learn from espeak-ng itself. Its phoneme
events carry sample offsets, so every token of the front end gets an exact duration — no aligner.
Each clause run is synthesized on its own (with its punctuation, so the intonation matches) and the
events are matched one to one with the front end's phoneme tokens of that run; an utterance whose
counts disagree raises :class:`AlignmentError` and is skipped by the caller.

espeak-ng's audio for a sentence depends slightly on what the process spoke before (a few samples
of length, and the waveform). For training data that variation is harmless — it is one more
speaker-like jitter among thousands of sentences, and durations still match the audio exactly — so
training keeps the fast path. Evaluation needs the teacher's audio to be a pure function of
``(text, lang, speaker)``: it is the denominator of the PER target, and two runs must score the
same audio. ``reproducible=True`` reloads the library first (:meth:`EspeakLibrary.reload`, a few
milliseconds), which makes the audio identical to a fresh process's whatever came before.

Example::

    >>> utt = synthesize_teacher("नमस्ते दुनिया", "hi", "f3")               # doctest: +SKIP
    >>> len(utt.tokens) == len(utt.durations), sum(utt.durations) == len(utt.audio)
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indic.languages import get_language
from tts.frontend.espeak import SAMPLE_RATE, espeak_library
from tts.frontend.phonemize import BOS, EOS, WORD, is_phoneme, run_to_tokens
from tts.frontend.segment import Run, segment

PAUSE_SECONDS = {",": 0.15, ".": 0.3}
"""Silence after each clause: espeak trims the pause at the end of every call, so we add it back."""


class AlignmentError(ValueError):
    """Raised when espeak's phoneme events do not match the front end's tokens one to one."""


@dataclass(frozen=True)
class TeacherUtterance:
    """Audio (int16, 22.05 kHz) and, per token, its duration in samples (summing to the audio length)."""

    text: str
    lang: str
    speaker: str
    tokens: list[str]
    durations: list[int]
    audio: np.ndarray


def espeak_voice_name(lang: str, speaker: str) -> str:
    """espeak-ng voice for a language and a synthetic speaker: ``("hi", "f3")`` → ``"hi+f3"``."""
    voice = get_language(lang).espeak_voice
    return voice if speaker == "default" else f"{voice}+{speaker}"


def synthesize_teacher(
    text: str, lang: str, speaker: str = "default", reproducible: bool = False
) -> TeacherUtterance:
    """Speak ``text`` with espeak-ng and return tokens with exact per-token durations.

    With ``reproducible`` the result depends only on the arguments, not on earlier calls (for
    evaluation); without it, synthesis skips the reload (for training data).
    """
    if reproducible:
        espeak_library().reload()
    tokens, durations, chunks = [BOS], [0], []
    for clause in segment(text, lang):
        pause = int(PAUSE_SECONDS.get(clause.pause, PAUSE_SECONDS["."]) * SAMPLE_RATE)
        for index, run in enumerate(clause.runs):
            last = index == len(clause.runs) - 1
            # The danda is read as a full stop by every voice; other marks keep their own intonation.
            punctuation = (_SPOKEN_AS.get(clause.pause, clause.pause)) if last else ""
            run_tokens, run_durations, trailing, audio = _speak_run(run, speaker, punctuation)
            tokens += [*run_tokens, clause.pause if last else WORD]
            durations += [*run_durations, trailing + (pause if last else 0)]
            chunks.append(audio)
        chunks.append(np.zeros(pause, np.int16))
    tokens.append(EOS)
    durations.append(0)
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return TeacherUtterance(text, get_language(lang).code, speaker, tokens, durations, audio)


_SPOKEN_AS = {"।": "."}


def _speak_run(run: Run, speaker: str, punctuation: str) -> tuple[list[str], list[int], int, np.ndarray]:
    """One run's tokens, their durations in samples, the silence after its last phoneme, and its audio."""
    tokens = run_to_tokens(run)
    synthesis = espeak_library().synthesize(run.text + punctuation, espeak_voice_name(run.lang, speaker))
    starts = [e.sample for e in synthesis.events if e.phoneme]
    positions = [i for i, t in enumerate(tokens) if is_phoneme(t)]
    if len(starts) != len(positions) or not starts:
        raise AlignmentError(
            f"espeak spoke {len(starts)} phonemes but the front end has {len(positions)} for {run.text!r}"
        )
    # espeak marks the end of speech with an empty event; leading silence belongs to the first phoneme.
    end_of_speech = min(
        (e.sample for e in synthesis.events if not e.phoneme and e.sample > starts[-1]),
        default=len(synthesis.audio),
    )
    bounds = [0, *starts[1:], end_of_speech]
    durations = [0] * len(tokens)
    for k, position in enumerate(positions):
        durations[position] = bounds[k + 1] - bounds[k]
    return tokens, durations, len(synthesis.audio) - end_of_speech, synthesis.audio
