"""Per-language manifests: path, language, lines, bytes and sha256 of each file."""

from __future__ import annotations

import gzip
import hashlib
import json

from corpora.manifest import build_manifest, write_manifest


def test_manifest_groups_files_by_language_with_sizes_and_hashes(tmp_path):
    plain = tmp_path / "hi.txt"
    plain.write_text("पहला वाक्य।\nदूसरा वाक्य।\n", encoding="utf-8")
    packed = tmp_path / "hi" / "more.txt.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress("तीसरा वाक्य।\n".encode()))
    (tmp_path / "ta.txt").write_text("ஒரு வாக்கியம்.\n", encoding="utf-8")
    manifest = build_manifest([tmp_path])
    hindi = manifest["languages"]["hi"]
    assert [entry["lines"] for entry in hindi["files"]] == [2, 1]
    assert hindi["lines"] == 3 and list(manifest["languages"]) == ["hi", "ta"]
    first = hindi["files"][0]
    assert first["sha256"] == hashlib.sha256(plain.read_bytes()).hexdigest()
    assert first["bytes"] == first["text_bytes"] == plain.stat().st_size
    compressed = hindi["files"][1]
    assert compressed["bytes"] == packed.stat().st_size
    assert compressed["text_bytes"] == len("तीसरा वाक्य।\n".encode())


def test_manifest_is_written_as_json_atomically(tmp_path):
    (tmp_path / "en.txt").write_text("One line.\n")
    out = tmp_path / "out" / "manifest.json"
    write_manifest(build_manifest([tmp_path / "en.txt"]), out)
    assert json.loads(out.read_text())["languages"]["en"]["files"][0]["language"] == "en"
    assert [path.name for path in out.parent.iterdir()] == ["manifest.json"]
