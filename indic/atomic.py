"""Atomic file writes: a crash or a kill never leaves a half-written file behind.

Write to a temporary file in the same folder, flush and fsync it, then ``os.replace`` it over
the target (atomic on POSIX within one file system). Every writer of results, manifests,
tokenizers and audio in the project goes through here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8"
) -> Iterator[IO]:
    """Open a temporary sibling of ``path`` for writing; on success it replaces ``path``.

    >>> with atomic_open("/tmp/example.txt") as handle:   # doctest: +SKIP
    ...     handle.write("all or nothing")
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    binary = "b" in mode
    try:
        # mkstemp creates 0600 files; give the result the mode a plain open() would (or the old file's).
        os.chmod(tmp_name, _final_mode(target))
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _final_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb", encoding=None) as handle:
        handle.write(data)


def staging_directory(target: str | os.PathLike[str]) -> Path:
    """An empty sibling folder (``.<name>.new``) to fill before :func:`replace_directory` swaps it in."""
    target = Path(target)
    staging = target.with_name(f".{target.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def replace_directory(staging: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Put the finished folder ``staging`` in place of ``target``; the old one is moved aside first.

    Why: a folder cannot be replaced in one ``os.replace``; moving the old one aside and renaming the
    new one in leaves at most an instant with no folder and never a half-filled one.
    """
    staging, target = Path(staging), Path(target)
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
