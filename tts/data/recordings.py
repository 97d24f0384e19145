"""Readers for real recordings, so the same recipe trains on human speech when it is available.

Layouts:
- **LJSpeech**: ``metadata.csv`` with ``id|text|normalized text`` lines and ``wavs/<id>.wav``.
- **IndicTTS**: Festival-style ``txt.done.data`` lines ``( id "text" )`` and ``wav/<id>.wav``.
- **Rasa / IndicVoices-R-like**: a ``metadata.csv`` or ``.tsv`` with a header holding ``audio`` (or
  ``path``/``file``) and ``text`` columns, audio paths relative to the folder.

The layout is detected from the files present, or named (``layout="ljspeech"``, the CLI's
``--recordings-format``): a folder may hold both layouts' files (an IndicTTS folder to which a
``metadata.csv`` was added), and then only a named layout says which one to read.

Each reader yields :class:`Recording` items (never loading the audio); durations for them come
from :mod:`tts.data.alignment`, since no teacher reports phoneme timings.

Example::

    >>> for rec in read_recordings("LJSpeech-1.1", lang="en"):     # doctest: +SKIP
    ...     print(rec.id, rec.audio_path.name, rec.text[:20])
    >>> next(read_recordings("indictts/hindi_female", "hi", layout="indictts"))  # doctest: +SKIP
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

LAYOUT_FILES = {"ljspeech": "metadata.csv", "indictts": "txt.done.data"}
"""The layouts that can be named, and the file each must find in the folder."""


class RecordingLayoutError(ValueError):
    """Raised when a folder matches none of the known recording layouts, or not the one named."""


@dataclass(frozen=True)
class Recording:
    """One utterance of a real-speech corpus."""

    id: str
    text: str
    lang: str
    audio_path: Path
    speaker: str = "default"


def read_recordings(
    folder: str | os.PathLike[str], lang: str, speaker: str = "default", layout: str | None = None
) -> Iterator[Recording]:
    """Recordings of ``folder`` in ``layout`` (one of :data:`LAYOUT_FILES`), or in whichever known
    layout it uses when ``layout`` is None; missing audio files are skipped.

    A named layout is checked here, before the first item: an unknown name, or a folder without the
    layout's file, raises :class:`RecordingLayoutError` at once."""
    root = Path(folder)
    code = get_language(lang).code
    items = _named_layout(root, layout) if layout else _detected_layout(root)
    return (
        Recording(item_id, text.strip(), code, audio, speaker)
        for item_id, text, audio in items
        if audio.is_file() and text.strip()
    )


def _named_layout(root: Path, layout: str) -> Iterator[tuple[str, str, Path]]:
    """``(id, text, audio path)`` items of the layout the caller chose, whatever else the folder holds."""
    if layout not in LAYOUT_FILES:
        raise RecordingLayoutError(f"unknown recordings format {layout!r}: use {' or '.join(LAYOUT_FILES)}")
    if not (root / LAYOUT_FILES[layout]).is_file():
        raise RecordingLayoutError(f"{root} is not a {layout} folder: {LAYOUT_FILES[layout]} is missing")
    readers = {"ljspeech": _ljspeech, "indictts": _festival}
    return readers[layout](root)


def _detected_layout(root: Path) -> Iterator[tuple[str, str, Path]]:
    """Items of the first layout whose files are present: IndicTTS, LJSpeech, then a table."""
    if (root / "txt.done.data").is_file():
        return _festival(root)
    if (root / "metadata.csv").is_file() and (root / "wavs").is_dir():
        return _ljspeech(root)
    table = next(
        (p for p in (root / "metadata.csv", root / "metadata.tsv", root / "transcripts.tsv") if p.is_file()),
        None,
    )
    if table is None:
        raise RecordingLayoutError(
            f"{root}: expected metadata.csv + wavs/ (LJSpeech), txt.done.data + wav/ (IndicTTS) "
            "or a metadata.csv/.tsv with audio and text columns"
        )
    return _table(root, table)


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
