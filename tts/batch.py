"""Batch speech generation: a TSV or JSONL of sentences → audio files + ``manifest.jsonl``, resumable.

Built for million-line inputs on one machine: the input is streamed (never loaded whole), items are
synthesized a small window at a time, every audio file is written atomically, and each finished item
is appended to the manifest (flushed and fsynced) only after its file is in place. So a kill at any
moment loses at most the items in flight, and a rerun:
- skips items whose manifest entry exists and whose file still has the recorded sha256,
- redoes items whose file is missing or differs (a partial or tampered file is repaired),
- drops a manifest line cut short by the kill, and deletes left-over temporary files.
Bad input lines (unknown language, empty text, unsupported script, malformed line, duplicate id) go
to ``errors.jsonl`` with their line number and never stop the batch.

Input: TSV ``id<TAB>text<TAB>lang[<TAB>speaker]`` or JSONL ``{"id", "text", "lang", "speaker"?}``.

Example::

    >>> run_batch("sentences.tsv", "out/", Voice.load())     # doctest: +SKIP
    BatchSummary(done=1000, skipped=0, failed=2, audio_seconds=4210.5, ...)
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from indic.artifacts import sha256_file
from indic.languages import get_language

if TYPE_CHECKING:
    from tts.voice import Chunk, Voice

MANIFEST = "manifest.jsonl"
ERRORS = "errors.jsonl"
AUDIO_DIR = "audio"
_SAFE_ID = regex.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class BatchInputError(ValueError):
    """A malformed input line (reported in the errors file, never raised out of the batch)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class BatchItem:
    """One sentence to speak; ``line`` is its 1-based line number in the input."""

    line: int
    id: str
    text: str
    lang: str
    speaker: str


@dataclass
class BatchSummary:
    """What a run did: newly synthesized, skipped as already done, failed, and audio produced."""

    done: int = 0
    skipped: int = 0
    failed: int = 0
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0

    @property
    def realtime_factor(self) -> float:
        """Audio seconds produced per wall second."""
        return self.audio_seconds / self.wall_seconds if self.wall_seconds else 0.0


def read_items(path: str | os.PathLike[str]) -> Iterator[BatchItem | BatchInputError]:
    """Stream items from a ``.tsv`` or ``.jsonl`` file; malformed lines come back as errors."""
    is_jsonl = str(path).endswith((".jsonl", ".json"))
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            try:
                yield _parse(line, number, is_jsonl)
            except BatchInputError as error:
                yield error


def _parse(line: str, number: int, is_jsonl: bool) -> BatchItem:
    if is_jsonl:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BatchInputError(number, f"not JSON ({error.msg})") from error
        if not isinstance(record, dict) or not {"id", "text", "lang"} <= record.keys():
            raise BatchInputError(number, "needs the keys id, text and lang")
        fields = [
            str(record["id"]),
            str(record["text"]),
            str(record["lang"]),
            str(record.get("speaker", "default")),
        ]
    else:
        fields = line.split("\t")
        if len(fields) not in (3, 4):
            raise BatchInputError(
                number, f"expected id<TAB>text<TAB>lang[<TAB>speaker], got {len(fields)} fields"
            )
        fields = [*fields, "default"][:4]
    item_id, text, lang, speaker = (f.strip() for f in fields)
    if not _SAFE_ID.match(item_id):
        raise BatchInputError(number, f"id {item_id!r} must be 1-128 of A-Z a-z 0-9 . _ - (it names a file)")
    try:
        get_language(lang)
    except ValueError as error:
        raise BatchInputError(number, str(error)) from error
    return BatchItem(number, item_id, text, lang, speaker or "default")


def load_finished(out_dir: Path) -> dict[str, dict]:
    """Manifest entries whose audio file still matches its sha256; repairs a manifest cut by a kill."""
    manifest = out_dir / MANIFEST
    if not manifest.exists():
        return {}
    entries, valid_lines = {}, []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        audio = out_dir / entry["path"]
        if audio.exists() and sha256_file(audio) == entry["sha256"]:
            entries[entry["id"]] = entry
            valid_lines.append(line)
    from indic.atomic import atomic_write_text

    atomic_write_text(manifest, "".join(f"{line}\n" for line in valid_lines))
    return entries


def remove_temporary_files(out_dir: Path) -> int:
    """Delete temporary files a killed run left behind (atomic writes never leave a partial target)."""
    removed = 0
    for path in out_dir.rglob(".*.tmp"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def run_batch(
    input_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    voice: Voice,
    audio_format: str = "wav",
    batch_size: int = 8,
    length_scale: float = 1.0,
    on_progress: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Speak every line of ``input_path`` into ``out_dir``; see the module docstring for the guarantees."""
    from tts.voice import write_audio

    out = Path(out_dir)
    (out / AUDIO_DIR).mkdir(parents=True, exist_ok=True)
    remove_temporary_files(out)
    finished = load_finished(out)
    summary = BatchSummary()
    started = time.perf_counter()
    seen: set[str] = set()
    window: list[tuple[BatchItem, list[Chunk]]] = []

    with (
        open(out / MANIFEST, "a", encoding="utf-8") as manifest,
        open(out / ERRORS, "w", encoding="utf-8") as errors,
    ):

        def fail(line: int, item_id: str | None, message: str) -> None:
            errors.write(
                json.dumps({"line": line, "id": item_id, "error": message}, ensure_ascii=False) + "\n"
            )
            errors.flush()
            summary.failed += 1

        def flush_window() -> None:
            for (item, _), parts in zip(
                window, _synthesize_window(voice, window, batch_size, length_scale), strict=True
            ):
                relative = f"{AUDIO_DIR}/{item.id}.{audio_format}"
                duration = write_audio(parts, out / relative, voice.sample_rate)
                entry = {
                    "id": item.id,
                    "text": item.text,
                    "lang": get_language(item.lang).code,
                    "speaker": item.speaker,
                    "duration": round(duration, 4),
                    "path": relative,
                    "sha256": sha256_file(out / relative),
                }
                manifest.write(json.dumps(entry, ensure_ascii=False) + "\n")
                manifest.flush()
                os.fsync(manifest.fileno())
                summary.done += 1
                summary.audio_seconds += duration
            window.clear()
            summary.wall_seconds = time.perf_counter() - started
            if on_progress:
                on_progress(summary)

        for item in read_items(input_path):
            if isinstance(item, BatchInputError):
                fail(item.line, None, str(item))
                continue
            if item.id in seen:
                fail(item.line, item.id, f"duplicate id {item.id!r}")
                continue
            seen.add(item.id)
            if item.id in finished:
                summary.skipped += 1
                continue
            try:
                voice.inventory.speaker_id(item.speaker)
                chunks = voice.chunks(item.text, item.lang)
            except ValueError as error:
                fail(item.line, item.id, str(error))
                continue
            window.append((item, chunks))
            if len(window) >= batch_size:
                flush_window()
        flush_window()
    summary.wall_seconds = time.perf_counter() - started
    return summary


def _synthesize_window(
    voice: Voice, window: list[tuple[BatchItem, list[Chunk]]], batch_size: int, length_scale: float
) -> list[list]:
    """Audio parts per item; chunks of all items that share language and speaker are batched together,
    sorted by length so that padding stays small."""
    parts: list[list] = [[None] * len(chunks) for _, chunks in window]
    groups: dict[tuple[str, str], list[tuple[int, int, list[int]]]] = defaultdict(list)
    for row, (item, chunks) in enumerate(window):
        for column, chunk in enumerate(chunks):
            groups[(item.lang, item.speaker)].append((row, column, chunk.ids))
    for (lang, speaker), members in groups.items():
        members.sort(key=lambda member: len(member[2]))
        for start in range(0, len(members), batch_size):
            group = members[start : start + batch_size]
            audios = voice.synthesize_ids([ids for _, _, ids in group], lang, speaker, length_scale)
            for (row, column, _), audio in zip(group, audios, strict=True):
                parts[row][column] = audio
    return parts
