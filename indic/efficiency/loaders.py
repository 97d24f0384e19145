"""``load_tokenizer(spec)``: any tokenizer, from a bundled name, a file, a folder or the hub.

The format is read from the file's content, not trusted from its name: Meta ships Llama 3 and
Llama 4 as ``tokenizer.model``, the SentencePiece file name, but the content is a tiktoken rank
file (``<base64 token> <rank>`` per line). Resolution order for a spec:

1. an existing path — a ``tokenizer.json``, a SentencePiece or tiktoken file, or a folder holding
   ``tokenizer.json``, ``vocab.json`` + ``merges.txt``, ``tokenizer.model`` or one ``*.tiktoken``;
2. a bundled artifact name (``indic-superbpe-64k``), through :func:`indic.artifacts.find_artifact`;
3. a Hugging Face hub name, unless ``HF_HUB_OFFLINE`` is set.

    >>> from indic.efficiency import load_tokenizer
    >>> tok = load_tokenizer("../shared/anchors/tokenizers/llama3/tokenizer.model")   # doctest: +SKIP
    >>> tok.name, tok.vocab_size                                                      # doctest: +SKIP
    ('llama3', 128000)
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from indic.artifacts import ArtifactNotFoundError, find_artifact, list_artifacts
from indic.efficiency.adapters import HuggingFaceTokenizer, SentencePieceTokenizer, TiktokenTokenizer
from indic.efficiency.errors import (
    TokenizerFileNotFoundError,
    TokenizerUnavailableError,
    UnknownTokenizerFormatError,
)
from indic.efficiency.patterns import resolve_pattern
from indic.efficiency.protocol import Tokenizer

_TIKTOKEN_LINE = re.compile(rb"^[A-Za-z0-9+/]+=* \d+\r?$")
_FILE_SUFFIXES = {".json", ".model", ".tiktoken", ".txt", ".bpe"}
_GENERIC_STEMS = {"tokenizer", "vocab", "spiece", "sentencepiece", "model"}


def load_tokenizer(
    spec: str | Path | Tokenizer, *, name: str | None = None, pattern: str | None = None
) -> Tokenizer:
    """Load ``spec`` behind the :class:`Tokenizer` protocol.

    ``name`` labels it in tables (default: the artifact, file or folder name). ``pattern`` is the
    split regex of a tiktoken or vocab/merges tokenizer — ``o200k``, ``cl100k``, ``llama3``,
    ``qwen2`` or a regex — needed only when the file or folder name does not tell.
    A ready :class:`Tokenizer` is returned unchanged, so callers may mix specs and objects.
    """
    if isinstance(spec, Tokenizer):
        return spec
    text = str(spec)
    path = Path(text).expanduser()
    if path.exists():
        return _load_path(path, name, pattern)
    if _looks_like_path(text):
        raise TokenizerFileNotFoundError(f"{text}: no such tokenizer file or folder")
    try:
        artifact = find_artifact(text)
    except ArtifactNotFoundError:
        return _load_from_hub(text, name, pattern)
    return _load_path(artifact.path, name or artifact.name, pattern)


def _looks_like_path(text: str) -> bool:
    return (
        text.startswith((".", "/", "~"))
        or os.sep in text.replace("/", "", 1)
        or Path(text).suffix.lower() in _FILE_SUFFIXES
    )


def _default_name(path: Path) -> str:
    if path.is_dir():
        return path.resolve().name
    stem = path.stem
    return path.resolve().parent.name if stem.lower() in _GENERIC_STEMS else stem


def _load_path(path: Path, name: str | None, pattern: str | None) -> Tokenizer:
    label = name or _default_name(path)
    if path.is_dir():
        return _load_folder(path, label, pattern)
    return _load_file(path, label, pattern)


def _load_folder(folder: Path, name: str, pattern: str | None) -> Tokenizer:
    if (folder / "tokenizer.json").is_file():
        return HuggingFaceTokenizer.from_json(folder / "tokenizer.json", name)
    if (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file():
        split = resolve_pattern(pattern, folder)
        return HuggingFaceTokenizer.from_vocab_merges(
            folder / "vocab.json", folder / "merges.txt", split, name
        )
    candidates = [
        folder / "tokenizer.model",
        *sorted(folder.glob("*.tiktoken")),
        *sorted(folder.glob("*.model")),
    ]
    for candidate in candidates:
        if candidate.is_file():
            return _load_file(candidate, name, pattern)
    raise UnknownTokenizerFormatError(
        f"{folder}: no tokenizer found (looked for tokenizer.json, vocab.json + merges.txt, "
        "tokenizer.model, *.tiktoken, *.model)"
    )


def _load_file(path: Path, name: str, pattern: str | None) -> Tokenizer:
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.lstrip().startswith(b"{"):
        return _load_json(path, name)
    first_line = head.split(b"\n", 1)[0]
    if _TIKTOKEN_LINE.match(first_line):
        return TiktokenTokenizer(path, resolve_pattern(pattern, path), name)
    return _load_sentencepiece(path, name)


def _load_json(path: Path, name: str) -> Tokenizer:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnknownTokenizerFormatError(
            f"{path}: starts like JSON but is not valid JSON ({error})"
        ) from error
    if not isinstance(content, dict) or "model" not in content:
        raise UnknownTokenizerFormatError(
            f"{path}: JSON without a 'model' entry is not a tokenizer.json "
            "(a vocab.json needs its merges.txt beside it: pass the folder)"
        )
    try:
        return HuggingFaceTokenizer.from_json(path, name)
    except Exception as error:  # the Rust loader raises a bare Exception for a malformed pipeline
        raise UnknownTokenizerFormatError(f"{path}: not a loadable tokenizer.json ({error})") from error


def _load_sentencepiece(path: Path, name: str) -> Tokenizer:
    try:
        return SentencePieceTokenizer(path, name)
    except (RuntimeError, OSError) as error:
        raise UnknownTokenizerFormatError(
            f"{path}: unknown tokenizer format (not a tokenizer.json, a tiktoken rank file "
            "or a SentencePiece model)"
        ) from error


def _load_from_hub(repo_id: str, name: str | None, pattern: str | None) -> Tokenizer:
    known = ", ".join(artifact.name for artifact in list_artifacts()) or "none"
    where = f"{repo_id!r} is not a file or folder, nor a bundled artifact (available: {known})"
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        raise TokenizerUnavailableError(f"{where}, and HF_HUB_OFFLINE is set, so the hub was not asked")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as error:
        raise TokenizerUnavailableError(
            f"{where}; loading hub names needs huggingface_hub (pip install 'indic-speech[hf]')"
        ) from error
    try:
        downloaded = Path(hf_hub_download(repo_id, "tokenizer.json"))
    except Exception as error:  # network, auth and not-found errors all mean "cannot load it from the hub"
        raise TokenizerUnavailableError(f"{where}, and the hub did not provide it: {error}") from error
    return _load_path(downloaded, name or repo_id, pattern)
