"""Atomic writes leave either the old file or the new one, never a torn one."""

from __future__ import annotations

import pytest

from indic.atomic import atomic_open, atomic_write_bytes, atomic_write_text


def test_atomic_write_replaces_content_and_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "result.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "नमस्ते")
    assert target.read_text(encoding="utf-8") == "नमस्ते"
    assert [p.name for p in target.parent.iterdir()] == ["result.txt"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "audio.wav"
    atomic_write_bytes(target, b"RIFF-old")
    with pytest.raises(RuntimeError):
        with atomic_open(target, "wb", encoding=None) as handle:
            handle.write(b"RIFF-partial")
            raise RuntimeError("killed midway")
    assert target.read_bytes() == b"RIFF-old"
    assert [p.name for p in tmp_path.iterdir()] == ["audio.wav"]


def test_new_files_get_the_usual_permissions_not_mkstemps_private_ones(tmp_path):
    import os

    target = tmp_path / "card.json"
    atomic_write_text(target, "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
