"""The espeak-ng library, loaded in-process through ctypes from the bundled ``espeakng-loader`` wheel.

Why in-process: spawning the ``espeak-ng`` program per sentence costs more than the synthesis itself,
and only the library hands out *phoneme events with sample offsets* — the exact durations the teacher
data needs, with no aligner. The library keeps global state (one voice, one callback), so a process
holds one :class:`EspeakLibrary`; parallel work uses processes, not threads. Part of that state
carries from one synthesis to the next (a sentence's audio depends on what was spoken before);
:meth:`EspeakLibrary.reload` returns the library to the state of a fresh process.

Example::

    >>> from tts.frontend.espeak import espeak_library
    >>> lib = espeak_library()
    >>> lib.text_to_phonemes("नमस्ते", voice="hi")            # doctest: +SKIP
    'nəmˈʌsteː'
"""

from __future__ import annotations

import _ctypes
import ctypes
import os
import threading
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 22050
"""espeak-ng always synthesizes at 22.05 kHz."""

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_PHONEMES_IPA = 0x02
_POS_CHARACTER = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_END = 5
_EVENT_PHONEME = 7
_PARAM_RATE = 1
_PARAM_PITCH = 3
_PARAM_RANGE = 4


class EspeakError(RuntimeError):
    """Raised when the espeak-ng library cannot be loaded or rejects a request."""


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class PhonemeEvent:
    """One phoneme as espeak-ng spoke it: its IPA name and the sample where it starts."""

    phoneme: str
    sample: int


@dataclass(frozen=True)
class Synthesis:
    """Audio (int16 at :data:`SAMPLE_RATE`) plus the phoneme events that produced it."""

    audio: np.ndarray
    events: tuple[PhonemeEvent, ...]


class EspeakLibrary:
    """A loaded, initialised libespeak-ng. Use :func:`espeak_library` to get the process's one instance."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as error:
            raise EspeakError(
                "the espeakng-loader package is required: pip install espeakng-loader"
            ) from error
        self._lock = threading.Lock()
        self._path = espeakng_loader.get_library_path()
        self._data_path = espeakng_loader.get_data_path().encode()
        self._chunks: list[np.ndarray] = []
        self._events: list[PhonemeEvent] = []
        self._callback = _SYNTH_CALLBACK(self._on_synth)
        self._lib = self._open()
        self._voice: str | None = None

    def _open(self) -> ctypes.CDLL:
        """Load the shared object, declare the signatures we call, initialise it, hook our callback."""
        lib = ctypes.cdll.LoadLibrary(self._path)
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        options = _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self._data_path, options)
        if rate != SAMPLE_RATE:
            raise EspeakError(
                f"espeak-ng failed to initialise (returned {rate}) with data at {self._data_path!r}"
            )
        lib.espeak_SetSynthCallback(self._callback)
        return lib

    def reload(self) -> None:
        """Unload and reload the shared object, so its state is exactly that of a fresh process.

        Why: espeak-ng's audio for a sentence depends on what the process spoke before (the same
        sentence twice in a row differs by a few samples). The carried state sits in C statics
        that no API call resets: ``espeak_Terminate`` + ``espeak_Initialize``,
        ``espeak_ng_SetRandSeed`` and libc's ``srand`` all leave it. Unloading the object does
        reset it, because the next load maps its data segment afresh; this costs a few
        milliseconds. Raises :class:`EspeakError` when another handle keeps the object loaded
        (then the state could not be reset; the library is still usable).
        """
        with self._lock:
            self._lib.espeak_Terminate()
            # ctypes has no public unload; _ctypes.dlclose is the one call that drops our handle.
            _ctypes.dlclose(self._lib._handle)
            still_loaded = _is_loaded(self._path)
            self._lib = self._open()
            self._voice = None
        if still_loaded:
            raise EspeakError(
                f"{self._path} stayed loaded after unloading it (another handle holds it), "
                "so espeak-ng's state could not be reset"
            )

    def _select_voice(self, voice: str) -> None:
        if voice == self._voice:
            return
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EspeakError(f"espeak-ng has no voice {voice!r}")
        self._voice = voice

    def text_to_phonemes(self, text: str, voice: str, separator: str = "") -> str:
        """IPA for ``text``: words split by spaces, phonemes by ``separator`` (one character, or none).

        espeak-ng reads one clause per call and drops its punctuation; clauses are joined by a space.
        """
        mode = _PHONEMES_IPA | (ord(separator) << 8 if separator else 0)
        with self._lock:
            self._select_voice(voice)
            buffer = ctypes.create_string_buffer(text.encode("utf-8"))
            pointer = ctypes.c_char_p(ctypes.addressof(buffer))
            clauses = []
            while pointer.value:
                result = self._lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, mode)
                if result:
                    clauses.append(result.decode("utf-8", errors="replace"))
            return " ".join(c for c in clauses if c)

    def synthesize(
        self, text: str, voice: str, rate: int = 175, pitch: int = 50, pitch_range: int = 50
    ) -> Synthesis:
        """Speak ``text`` with ``voice`` (``"hi"`` or ``"hi+f3"``); audio and phoneme events come back."""
        with self._lock:
            self._select_voice(voice)
            self._lib.espeak_SetParameter(_PARAM_RATE, rate, 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
            self._lib.espeak_SetParameter(_PARAM_RANGE, pitch_range, 0)
            self._chunks, self._events = [], []
            data = text.encode("utf-8") + b"\0"
            status = self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if status != 0:
                raise EspeakError(f"espeak_Synth failed with status {status}")
            audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
            return Synthesis(audio, tuple(self._events))

    def _on_synth(self, wav: ctypes.Array, count: int, events: ctypes.Array) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_PHONEME:
                name = bytes(event.id.string).split(b"\0", 1)[0].decode("utf-8", errors="replace")
                self._events.append(PhonemeEvent(name, int(event.sample)))
            index += 1
        return 0


def _is_loaded(path: str) -> bool:
    """Whether the shared object at ``path`` is mapped in this process (``dlopen`` with ``RTLD_NOLOAD``)."""
    try:
        probe = ctypes.CDLL(path, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
    except OSError:
        return False
    _ctypes.dlclose(probe._handle)
    return True


_LIBRARY: EspeakLibrary | None = None
_LIBRARY_LOCK = threading.Lock()


def espeak_library() -> EspeakLibrary:
    """The process's one espeak-ng library, initialised on first use.

    The library is process-global C state: two threads initialising it at once (a server's first
    concurrent requests) would race, so construction happens under a lock, exactly once.
    """
    global _LIBRARY
    with _LIBRARY_LOCK:
        if _LIBRARY is None:
            _LIBRARY = EspeakLibrary()
        return _LIBRARY
