"""The artifact registry finds shipped files by name and guards their integrity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indic.artifacts import (
    ArtifactIntegrityError,
    ArtifactNotFoundError,
    find_artifact,
    list_artifacts,
    load_manifest,
    record_artifact,
    verify_artifact,
)


def _make_artifact(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "card.json").write_text(json.dumps({"kind": "tokenizer", "quality": {"fertility": 1.5}}))
    (folder / "tokenizer.json").write_text("{}")
    return folder


def test_user_artifacts_are_found_by_name_and_shadow_bundled_ones(tmp_path, monkeypatch):
    _make_artifact(tmp_path, "my-tokenizer")
    monkeypatch.setenv("INDIC_ARTIFACTS", str(tmp_path))
    artifact = find_artifact("my-tokenizer")
    assert artifact.path == tmp_path / "my-tokenizer"
    assert artifact.kind == "tokenizer"
    assert "my-tokenizer" in {a.name for a in list_artifacts()}


def test_unknown_artifact_error_lists_what_exists(tmp_path, monkeypatch):
    _make_artifact(tmp_path, "voice-a")
    monkeypatch.setenv("INDIC_ARTIFACTS", str(tmp_path))
    with pytest.raises(ArtifactNotFoundError, match="voice-a"):
        find_artifact("no-such-thing")


def test_record_then_verify_detects_a_changed_file(tmp_path):
    folder = _make_artifact(tmp_path, "lm")
    entry = record_artifact("lm", "indic lm export --out lm", root=tmp_path)
    assert entry["command"] == "indic lm export --out lm"
    assert set(entry["files"]) == {"card.json", "tokenizer.json"}
    assert load_manifest(tmp_path)["artifacts"]["lm"]["quality"] == {"fertility": 1.5}
    verify_artifact("lm", root=tmp_path)
    (folder / "tokenizer.json").write_text('{"changed": true}')
    with pytest.raises(ArtifactIntegrityError, match="tokenizer.json"):
        verify_artifact("lm", root=tmp_path)


def test_every_bundled_artifact_matches_its_manifest():
    for name in load_manifest()["artifacts"]:
        verify_artifact(name)
