"""Registry of the artifacts the package ships (tokenizers, voices, language models).

Artifacts are files, not code. Each lives in its own folder under ``indic/data/artifacts/<name>/``
beside a ``card.json`` (format, version, how it was produced, its measured quality), and
``indic/data/artifacts/MANIFEST.json`` lists every shipped file with its sha256 and the command that
produced it. Code finds artifacts through :func:`find_artifact` only — never through hard-coded
paths — so that a user can point ``INDIC_ARTIFACTS`` at a folder of their own artifacts.

Example::

    >>> from indic.artifacts import find_artifact
    >>> art = find_artifact("indic-superbpe-64k")        # doctest: +SKIP
    >>> art.path / "tokenizer.json"                      # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "artifacts"
MANIFEST_NAME = "MANIFEST.json"


class ArtifactNotFoundError(LookupError):
    """Raised when a named artifact is neither bundled nor in ``INDIC_ARTIFACTS``."""


class ArtifactIntegrityError(ValueError):
    """Raised when a shipped file's sha256 differs from the manifest."""


@dataclass(frozen=True)
class Artifact:
    """A shipped artifact: its folder and its card."""

    name: str
    path: Path
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.card.get("kind", "unknown"))


def search_dirs() -> list[Path]:
    """Folders searched for artifacts, user folders (``INDIC_ARTIFACTS``, ``:``-separated) first."""
    user = [Path(p) for p in os.environ.get("INDIC_ARTIFACTS", "").split(os.pathsep) if p]
    return [*user, BUNDLED_DIR]


def list_artifacts() -> list[Artifact]:
    """Every artifact found, user folders shadowing bundled ones of the same name."""
    seen: dict[str, Artifact] = {}
    for root in search_dirs():
        if not root.is_dir():
            continue
        for card_path in sorted(root.glob("*/card.json")):
            name = card_path.parent.name
            if name not in seen:
                seen[name] = Artifact(name, card_path.parent, _read_card(card_path))
    return list(seen.values())


def find_artifact(name: str) -> Artifact:
    """The artifact called ``name``; raises :class:`ArtifactNotFoundError` listing what exists."""
    for artifact in list_artifacts():
        if artifact.name == name:
            return artifact
    known = ", ".join(a.name for a in list_artifacts()) or "none"
    raise ArtifactNotFoundError(f"no artifact named {name!r}; available: {known}")


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks so large ONNX files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def load_manifest(root: Path = BUNDLED_DIR) -> dict[str, Any]:
    """The manifest of a folder of artifacts (``{"artifacts": {name: {...}}}``)."""
    path = root / MANIFEST_NAME
    if not path.exists():
        return {"artifacts": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def verify_artifact(name: str, root: Path = BUNDLED_DIR) -> None:
    """Check every file the manifest lists for ``name`` against its sha256."""
    entry = load_manifest(root)["artifacts"].get(name)
    if entry is None:
        raise ArtifactNotFoundError(f"{name!r} is not listed in {root / MANIFEST_NAME}")
    for relative, expected in entry["files"].items():
        actual = sha256_file(root / name / relative)
        if actual != expected:
            raise ArtifactIntegrityError(f"{name}/{relative}: sha256 {actual} != manifest {expected}")


def _read_card(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ArtifactIntegrityError(f"{path} is not valid JSON: {error}") from error


def record_artifact(name: str, command: str, root: Path = BUNDLED_DIR) -> dict[str, Any]:
    """Hash every file of ``root/name`` into the manifest, with the command that produced it.

    Run after (re)producing an artifact so the manifest always matches what ships::

        python -c "from indic.artifacts import record_artifact; record_artifact('x', 'indic ...')"
    """
    from indic.atomic import atomic_write_text

    folder = root / name
    if not (folder / "card.json").exists():
        raise ArtifactNotFoundError(f"{folder} has no card.json")
    files = {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = load_manifest(root)
    card = _read_card(folder / "card.json")
    manifest["artifacts"][name] = {
        "kind": card.get("kind", "unknown"),
        "files": files,
        "bytes": sum((folder / f).stat().st_size for f in files),
        "command": command,
        "quality": card.get("quality", {}),
    }
    manifest["artifacts"] = dict(sorted(manifest["artifacts"].items()))
    atomic_write_text(root / MANIFEST_NAME, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest["artifacts"][name]
