"""Readers: plain text, JSONL and Parquet, compressed or not, files or folders, language from names."""

from __future__ import annotations

import gzip
import json
import sys
import types
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from corpora.discovery import CorpusFormat, discover_corpus_files
from corpora.errors import CorpusFormatError, CorpusReadError, MissingDependencyError
from corpora.file_language import language_of_path
from corpora.hf_reader import iter_hf_lines
from corpora.readers import iter_lines

HINDI = ["यह एक छोटा वाक्य है।", "हम कल बाज़ार जाएँगे।"]


def _write_text(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_plain_text_lines_come_back_without_newlines_and_blank_lines_are_dropped(tmp_path):
    path = tmp_path / "hi.txt"
    path.write_text(HINDI[0] + "\r\n\n   \n" + HINDI[1], encoding="utf-8")
    assert list(iter_lines(path)) == HINDI


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("hi.txt.gz", gzip.compress),
        ("hi.txt.zst", lambda data: zstandard.ZstdCompressor().compress(data)),
        ("hi.txt", gzip.compress),  # no extension: the magic bytes decide
        ("hi.data", lambda data: zstandard.ZstdCompressor().compress(data)),
    ],
)
def test_gzip_and_zstd_are_read_transparently_by_extension_or_magic_bytes(tmp_path, name, compress):
    path = tmp_path / name
    path.write_bytes(compress("\n".join(HINDI).encode("utf-8")))
    assert list(iter_lines(path)) == HINDI


def test_multi_frame_zstd_reads_every_frame(tmp_path):
    path = tmp_path / "hi.txt.zst"
    compressor = zstandard.ZstdCompressor()
    path.write_bytes(b"".join(compressor.compress((line + "\n").encode()) for line in HINDI))
    assert list(iter_lines(path)) == HINDI


def test_a_gz_name_on_plain_bytes_is_a_clear_read_error(tmp_path):
    path = _write_text(tmp_path / "hi.txt.gz", HINDI)
    with pytest.raises(CorpusReadError, match="not gzip"):
        list(iter_lines(path))


def test_truncated_gzip_is_a_read_error_naming_the_file(tmp_path):
    path = tmp_path / "hi.txt.gz"
    path.write_bytes(gzip.compress(("\n".join(HINDI * 200)).encode())[:-20])
    with pytest.raises(CorpusReadError, match="hi.txt.gz"):
        list(iter_lines(path))


def test_bytes_that_are_not_utf8_are_a_read_error(tmp_path):
    path = tmp_path / "hi.txt"
    path.write_bytes("नमस्ते".encode("utf-16"))
    with pytest.raises(CorpusReadError, match="not UTF-8"):
        list(iter_lines(path))


def test_jsonl_reads_the_text_field_and_splits_multi_line_records(tmp_path):
    path = tmp_path / "hin_Deva.jsonl"
    records = [{"text": HINDI[0], "id": 1}, {"text": HINDI[1] + "\n" + HINDI[0], "id": 2}]
    path.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\n\n")
    assert list(iter_lines(path)) == [HINDI[0], HINDI[1], HINDI[0]]


def test_jsonl_text_field_is_configurable(tmp_path):
    path = tmp_path / "hi.jsonl"
    path.write_text(json.dumps({"sentence": HINDI[0]}, ensure_ascii=False))
    assert list(iter_lines(path, text_field="sentence")) == [HINDI[0]]


def test_jsonl_bad_json_names_file_and_line(tmp_path):
    path = tmp_path / "hi.jsonl"
    path.write_text(json.dumps({"text": "ठीक"}) + "\n{broken\n")
    with pytest.raises(CorpusFormatError, match=r"hi.jsonl:2: not valid JSON"):
        list(iter_lines(path))


def test_jsonl_without_the_text_field_says_which_field_is_missing(tmp_path):
    path = tmp_path / "hi.jsonl"
    path.write_text(json.dumps({"body": "ठीक"}) + "\n")
    with pytest.raises(CorpusFormatError, match="no 'text' field"):
        list(iter_lines(path))


def test_compressed_jsonl_is_read(tmp_path):
    path = tmp_path / "hi.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"text": HINDI[0]}, ensure_ascii=False).encode()))
    assert list(iter_lines(path)) == [HINDI[0]]


def test_parquet_reads_the_text_column_in_batches(tmp_path):
    path = tmp_path / "hi.parquet"
    pq.write_table(pa.table({"text": HINDI * 5000, "n": list(range(10000))}), path, row_group_size=1000)
    lines = list(iter_lines(path))
    assert len(lines) == 10000 and lines[:2] == HINDI


def test_parquet_without_the_column_lists_the_columns(tmp_path):
    path = tmp_path / "hi.parquet"
    pq.write_table(pa.table({"content": HINDI}), path)
    with pytest.raises(CorpusFormatError, match="columns: content"):
        list(iter_lines(path))


def test_a_file_that_is_not_parquet_is_a_format_error(tmp_path):
    path = _write_text(tmp_path / "hi.parquet", HINDI)
    with pytest.raises(CorpusFormatError, match="not a Parquet file"):
        list(iter_lines(path))


def test_a_folder_is_walked_in_sorted_order_with_formats_and_languages_from_names(tmp_path):
    _write_text(tmp_path / "hi.txt", HINDI)
    (tmp_path / "mr").mkdir()
    _write_text(tmp_path / "mr" / "part-0001.txt", ["आम्ही उद्या गावाला जाणार आहोत."])
    (tmp_path / "hin_Deva.jsonl").write_text(json.dumps({"text": "एक"}, ensure_ascii=False))
    (tmp_path / "SOURCES.md").write_text("# notes, not corpus")
    (tmp_path / ".hidden.txt").write_text("skip me")
    files = discover_corpus_files([tmp_path])
    summary = [(f.path.relative_to(tmp_path).as_posix(), f.format, f.language) for f in files]
    assert summary == [
        ("hi.txt", CorpusFormat.TEXT, "hi"),
        ("hin_Deva.jsonl", CorpusFormat.JSONL, "hi"),
        ("mr/part-0001.txt", CorpusFormat.TEXT, "mr"),
    ]
    assert len(list(iter_lines(tmp_path))) == 4


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("hi.txt", "hi"),
        ("hin_Deva.jsonl.zst", "hi"),
        ("tamil.txt.gz", "ta"),
        ("flores.dev.ory.txt", "or"),
        ("corpus.txt", None),
    ],
)
def test_language_comes_from_the_file_name(name, code):
    found = language_of_path(Path(name))
    assert (found.code if found else None) == code


def test_folders_above_the_named_root_never_decide_the_language(tmp_path):
    nested = tmp_path / "ta" / "corpus"
    nested.mkdir(parents=True)
    _write_text(nested / "part.txt", HINDI)
    assert discover_corpus_files([nested])[0].language is None
    assert discover_corpus_files([tmp_path])[0].language == "ta"


def test_missing_paths_and_empty_folders_are_read_errors(tmp_path):
    with pytest.raises(CorpusReadError, match="no such file"):
        discover_corpus_files([tmp_path / "absent.txt"])
    with pytest.raises(CorpusReadError, match="no corpus files"):
        discover_corpus_files([tmp_path])


def test_hf_reader_without_datasets_installed_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(MissingDependencyError, match="pip install"):
        next(iter_hf_lines("some/dataset"))


def test_hf_reader_streams_the_text_field_of_a_dataset(monkeypatch):
    calls = {}

    def load_dataset(name, config, split, streaming):
        calls.update(name=name, config=config, split=split, streaming=streaming)
        return iter([{"text": HINDI[0]}, {"text": HINDI[1] + "\n"}])

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    assert list(iter_hf_lines("org/corpus", split="hi")) == HINDI
    assert calls == {"name": "org/corpus", "config": None, "split": "hi", "streaming": True}
