"""`indic tts batch`: audio + manifest, bad lines reported, and resumable after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indic.artifacts import sha256_file
from tts.batch import ERRORS, MANIFEST, run_batch
from tts.voice import Voice

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tts.export import export_random_voice

    folder = tmp_path_factory.mktemp("voice")
    export_random_voice(folder)
    return folder


def _manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / MANIFEST).read_text(encoding="utf-8").splitlines()]


def test_batch_writes_audio_and_a_manifest_and_reports_bad_lines(voice_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text(
        "a1\tनमस्ते दुनिया\thi\n"
        "a2\tவணக்கம் 25%\tta\tf3\n"
        "bad-lang\thello\txx\n"
        "empty\t\thi\n"
        "chinese\t你好\thi\n"
        "only-two-fields\thi\n"
        "a1\tduplicate id\ten\n"
        "../escape\tpath\ten\n",
        encoding="utf-8",
    )
    summary = run_batch(source, tmp_path / "out", Voice(voice_dir, threads=1))
    assert (summary.done, summary.failed) == (2, 6)
    entries = _manifest(tmp_path / "out")
    assert [e["id"] for e in entries] == ["a1", "a2"]
    assert set(entries[0]) == {"id", "text", "lang", "speaker", "duration", "path", "sha256"}
    assert entries[1]["speaker"] == "f3" and entries[0]["duration"] > 0
    for entry in entries:
        assert sha256_file(tmp_path / "out" / entry["path"]) == entry["sha256"]
    errors = [
        json.loads(line) for line in (tmp_path / "out" / ERRORS).read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(e["line"] for e in errors) == [3, 4, 5, 6, 7, 8]


def test_jsonl_input_and_flac_output(voice_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "x", "text": "hello there", "lang": "en"}) + "\n{not json\n", encoding="utf-8"
    )
    summary = run_batch(source, tmp_path / "out", Voice(voice_dir, threads=1), audio_format="flac")
    assert (summary.done, summary.failed) == (1, 1)
    assert _manifest(tmp_path / "out")[0]["path"] == "audio/x.flac"


def test_rerun_skips_finished_items_and_repairs_damaged_ones(voice_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("".join(f"s{i}\tवाक्य संख्या {i}\thi\n" for i in range(6)), encoding="utf-8")
    out = tmp_path / "out"
    voice = Voice(voice_dir, threads=1)
    assert run_batch(source, out, voice).done == 6
    (out / "audio" / "s1.wav").write_bytes(b"RIFF partial")
    (out / "audio" / "s2.wav").unlink()
    (out / "audio" / ".s3.wav.abc.tmp").write_bytes(b"left over by a kill")
    with open(out / MANIFEST, "a", encoding="utf-8") as handle:
        handle.write('{"id": "s4", "text": "cut sho')
    summary = run_batch(source, out, voice)
    assert (summary.done, summary.skipped) == (2, 4)
    entries = _manifest(out)
    assert sorted(e["id"] for e in entries) == [f"s{i}" for i in range(6)]
    assert all(sha256_file(out / e["path"]) == e["sha256"] for e in entries)
    assert not list((out / "audio").glob(".*.tmp"))


def test_killing_a_batch_midway_and_rerunning_loses_nothing_and_redoes_only_unfinished(
    voice_dir: Path, tmp_path: Path
) -> None:
    count = 80
    source = tmp_path / "in.tsv"
    source.write_text(
        "".join(f"k{i}\tयह वाक्य संख्या {i} है, और यह थोड़ा लंबा है।\thi\n" for i in range(count)), encoding="utf-8"
    )
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "indic",
        "tts",
        "batch",
        str(source),
        "--out",
        str(out),
        "--voice",
        str(voice_dir),
        "--batch-size",
        "2",
        "--threads",
        "1",
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        manifest = out / MANIFEST
        if manifest.exists() and manifest.read_text(encoding="utf-8").count("\n") >= 6:
            break
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished_before = {e["id"]: e for e in _manifest(out) if (out / e["path"]).exists()}
    assert 6 <= len(finished_before) < count, "the kill should land midway"
    mtimes = {i: os.stat(out / e["path"]).st_mtime_ns for i, e in finished_before.items()}

    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"skipped {len(finished_before)}" in " ".join(rerun.stdout.split())
    entries = _manifest(out)
    assert sorted(e["id"] for e in entries) == sorted(f"k{i}" for i in range(count))
    assert all(sha256_file(out / e["path"]) == e["sha256"] for e in entries)
    assert all(os.stat(out / finished_before[i]["path"]).st_mtime_ns == mtimes[i] for i in finished_before)
