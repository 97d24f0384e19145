"""Readers for real recordings, so the same recipe trains on human speech when it is available.

Layouts:
- **LJSpeech**: ``metadata.csv`` with ``id|text|normalized text`` lines and ``wavs/<id>.wav``.
- **IndicTTS**: Festival-style ``txt.done.data`` lines ``( id "text" )`` and ``wav/<id>.wav``.
- **Rasa / IndicVoices-R-like**: a ``metadata.csv`` or ``.tsv`` with a header holding ``audio`` (or
  ``path``/``file``) and ``text`` columns, audio paths relative to the folder.

Each reader yields :class:`Recording` items (never loading the audio); durations for them come
from :mod:`tts.data.alignment`, since no teacher reports phoneme timings.

Example::

    >>> for rec in read_recordings("LJSpeech-1.1", lang="en"):     # doctest: +SKIP
    ...     print(rec.id, rec.audio_path.name, rec.text[:20])
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import regex

from indic.languages import get_language

_FESTIVAL_LINE = regex.compile(r'^\(\s*(?P<id>\S+)\s+"(?P<text>.*)"\s*\)\s*$')


class RecordingLayoutError(ValueError):
    """Raised when a folder matches none of the known recording layouts."""


@dataclass(frozen=True)
class Recording:
    """One utterance of a real-speech corpus."""

    id: str
    text: str
    lang: str
    audio_path: Path
    speaker: str = "default"


def read_recordings(
    folder: str | os.PathLike[str], lang: str, speaker: str = "default"
) -> Iterator[Recording]:
    """Recordings of ``folder`` in whichever known layout it uses; missing audio files are skipped."""
    root = Path(folder)
    code = get_language(lang).code
    if (root / "txt.done.data").is_file():
        items = _festival(root)
    elif (root / "metadata.csv").is_file() and (root / "wavs").is_dir():
        items = _ljspeech(root)
    else:
        table = next(
            (
                p
                for p in (root / "metadata.csv", root / "metadata.tsv", root / "transcripts.tsv")
                if p.is_file()
            ),
            None,
        )
        if table is None:
            raise RecordingLayoutError(
                f"{root}: expected metadata.csv + wavs/ (LJSpeech), txt.done.data + wav/ (IndicTTS) "
                "or a metadata.csv/.tsv with audio and text columns"
            )
        items = _table(root, table)
    for item_id, text, audio in items:
        if audio.is_file() and text.strip():
            yield Recording(item_id, text.strip(), code, audio, speaker)


def _ljspeech(root: Path) -> Iterator[tuple[str, str, Path]]:
    with (root / "metadata.csv").open(encoding="utf-8") as handle:
        for line in handle:
            fields = line.rstrip("\n").split("|")
            if len(fields) >= 2:
                text = fields[2] if len(fields) > 2 and fields[2] else fields[1]
                yield fields[0], text, root / "wavs" / f"{fields[0]}.wav"


def _festival(root: Path) -> Iterator[tuple[str, str, Path]]:
    with (root / "txt.done.data").open(encoding="utf-8") as handle:
        for line in handle:
            match = _FESTIVAL_LINE.match(line.strip())
            if match:
                yield match["id"], match["text"], root / "wav" / f"{match['id']}.wav"


def _table(root: Path, table: Path) -> Iterator[tuple[str, str, Path]]:
    delimiter = "\t" if table.suffix == ".tsv" else ","
    with table.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        fields = reader.fieldnames or []
        audio_key = next(
            (k for k in ("audio", "audio_filepath", "path", "file", "filename") if k in fields), None
        )
        if audio_key is None or "text" not in fields:
            raise RecordingLayoutError(
                f"{table}: needs a text column and an audio/path/file column; has {fields}"
            )
        for row in reader:
            audio = root / row[audio_key]
            yield row.get("id") or audio.stem, row["text"], audio
