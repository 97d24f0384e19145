#!/usr/bin/env bash
# One GPU job of at most 8.5 minutes for the multilingual voice: teacher synthesis on the CPU cores,
# training resumed from the current checkpoint until a fixed point of the budget, ONNX export (float16
# weights and the FP8 variant), then speed side by side on the same machine: onnxruntime CUDA, torch and
# onnxruntime on two pinned CPU cores, while the FP8 sensitivity scan (bench/tts_fp8_scan.py) runs on
# twelve other cores. Results are copied to $OUT as soon as each exists, so a job cut
# short still returns the log and, once training has ended, the checkpoint. $OUT receives checkpoint/
# (3 files), job.log, speed.json and fp8_scan.json, leaving room for 2 files of the recognizer.
#
#   bash scripts/gpu/tts_job.sh prepare [CHECKPOINT]   # on the development machine: fill the upload folder
#   OUT=results bash scripts/gpu/tts_job.sh run        # on the GPU machine, from the repository root
#
# `run` needs runs/ttsg/gpu_upload/ (checkpoint/ + corpus/) and .whl/ (espeakng-loader, indic-numtowords).
# Optional environment:
#   RECOGNIZER_CMD  the quality tooling's recognizer training, started in the background on cores 0-11 as
#                   soon as the teacher data is saved; it gets TEACHER_DATA (folder of teacher-N.npz +
#                   teacher.json, see tts/data/teacher_store.py), RECOGNIZER_OUT ($OUT/recognizer, at most
#                   2 files come back) and RECOGNIZER_DEADLINE (Unix time by which it must have written
#                   them; it is stopped then).
#   TTS_JOB_SECONDS total budget (510); TTS_JOB_TINY=1 a dry run on a CPU (few sentences, 2 steps).
set -euo pipefail

UPLOAD=runs/ttsg/gpu_upload
CORPUS_LINES=2200

prepare() {
    local checkpoint=${1:-runs/tts/voice/checkpoint}
    rm -rf "$UPLOAD"
    mkdir -p "$UPLOAD/checkpoint" "$UPLOAD/corpus"
    cp "$checkpoint"/checkpoint.json "$checkpoint"/weights-*.pt "$UPLOAD/checkpoint/"
    # The first lines of each language are enough for the sentences drawn; the held-out split is by
    # line hash, so the test sentences are the same as those drawn from the whole corpus.
    local source=../shared/corpora/train
    [ -d "$source" ] || source=runs/tts/corpus
    for file in "$source"/*.txt; do
        head -n "$CORPUS_LINES" "$file" >"$UPLOAD/corpus/$(basename "$file")"
    done
    local upload_bytes wheel_bytes
    upload_bytes=$(du -sb "$UPLOAD" | cut -f1)
    wheel_bytes=$(du -sb .whl | cut -f1)
    echo "upload $UPLOAD: $upload_bytes bytes; with .whl/: $((upload_bytes + wheel_bytes)) bytes"
    if [ "$upload_bytes" -gt 30000000 ] || [ $((upload_bytes + wheel_bytes)) -gt 40000000 ]; then
        echo "too large to carry (limits: 30 MB upload folder, 40 MB with .whl/)" >&2
        exit 1
    fi
}

pinned() {  # pinned CORES COMMAND...: run on those cores when taskset exists
    local cores=$1
    shift
    if command -v taskset >/dev/null; then taskset -c "$cores" "$@"; else "$@"; fi
}

run() {
    : "${OUT:?set OUT to the folder whose files come back}"
    local start budget tiny run_dir
    start=$(date +%s)
    budget=${TTS_JOB_SECONDS:-510}
    tiny=${TTS_JOB_TINY:-0}
    run_dir=runs/ttsg/job
    mkdir -p "$OUT" "$run_dir"
    exec > >(tee -a "$OUT/job.log") 2>&1
    since() { echo "[$(($(date +%s) - start)) s] $*"; }

    local wheels
    wheels=$(mktemp -d)
    python3 -m pip install --quiet --no-index --no-deps --target "$wheels" .whl/*.whl
    export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD:$wheels"
    export PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    python3 -c "import os, torch, onnxruntime as o; print('cores', os.cpu_count(), 'torch', torch.__version__,
'onnxruntime', o.__version__, o.get_available_providers())"

    local sentences=1500 batch=128 steps=0 train_end=$((budget - 140)) workers=14 scan_workers=12
    if [ "$tiny" = 1 ]; then
        sentences=2 batch=4 steps=2 workers=2 scan_workers=2
    fi
    local teacher_args=() recognizer_pid=""
    if [ -n "${RECOGNIZER_CMD:-}" ]; then
        teacher_args=(--teacher-data "$run_dir/teacher")
        mkdir -p "$OUT/recognizer"
        (
            until [ -f "$run_dir/teacher/teacher.json" ]; do
                if [ "$(date +%s)" -ge $((start + budget - 60)) ]; then
                    since "recognizer: no teacher data appeared; not started"
                    exit 0
                fi
                sleep 2
            done
            since "recognizer: starting on the teacher data"
            export TEACHER_DATA=$run_dir/teacher RECOGNIZER_OUT=$OUT/recognizer
            export RECOGNIZER_DEADLINE=$((start + budget - 10))
            pinned 0-11 timeout $((start + budget - 10 - $(date +%s))) bash -c "$RECOGNIZER_CMD" ||
                since "recognizer: exit status $?"
        ) &
        recognizer_pid=$!
    fi

    since "training: $sentences sentences per language, batch $batch, until +$train_end s"
    pinned 0-13 python3 -m indic tts train --out "$run_dir" --corpus "$UPLOAD/corpus" \
        --sentences-per-language "$sentences" --workers "$workers" --batch-size "$batch" \
        --learning-rate 6e-4 --warmup-steps 100 --segment-frames 48 --vocoder-predicted-share 0.5 \
        --resume "$UPLOAD/checkpoint" --finish-by $((start + train_end)) --minutes 60 --steps "$steps" \
        --device cuda "${teacher_args[@]}"
    mkdir -p "$OUT/checkpoint"
    cp "$run_dir"/checkpoint/* "$OUT/checkpoint/"
    since "checkpoint copied to \$OUT/checkpoint"

    python3 -m indic tts export "$run_dir/checkpoint" --out "$run_dir/onnx"
    python3 -m indic tts export "$run_dir/checkpoint" --out "$run_dir/onnx_fp8" --fp8
    # Neither voice fits under 16 MB (float16 convolution weights alone are 15 MB); both are rebuilt
    # from the returned checkpoint with the same two commands.
    since "exported: float16-weight voice $(stat -c %s "$run_dir/onnx/model.onnx") bytes," \
        "FP8 variant $(stat -c %s "$run_dir/onnx_fp8/model.onnx") bytes"

    # The FP8 sensitivity scan is CPU work: it runs beside the speed benchmark, away from cores 14-15.
    local scan_left=$((start + budget - 12 - $(date +%s)))
    [ "$scan_left" -ge 5 ] || scan_left=5
    pinned 0-11 timeout "$scan_left" python3 bench/tts_fp8_scan.py --checkpoint "$run_dir/checkpoint" \
        --sentences "$run_dir/test_sentences" --per-language 1 --workers "$scan_workers" --json "$OUT/fp8_scan.json" \
        >"$run_dir/fp8_scan.log" 2>&1 &
    local scan_pid=$!

    local left=$((start + budget - 15 - $(date +%s)))
    [ "$left" -ge 5 ] || left=5
    local speed_args=(--repeats 3)
    [ "$tiny" = 1 ] && speed_args=(--repeats 1 --per-language 1 --batches 1 8)
    timeout "$left" python3 bench/tts_provider_speed.py --voice "$run_dir/onnx" \
        --checkpoint "$run_dir/checkpoint" --sentences "$run_dir/test_sentences" --cpu-cores 14,15 \
        --json "$OUT/speed.json" "${speed_args[@]}" || since "speed benchmark: exit status $?"
    wait "$scan_pid" || since "FP8 scan: exit status $?"
    cat "$run_dir/fp8_scan.log"
    if [ -n "$recognizer_pid" ]; then
        wait "$recognizer_pid" || true
    fi
    since "job done"
    sleep 1  # let tee write the last lines of job.log before the job's files are collected
}

case "${1:-}" in
    prepare) prepare "${2:-}" ;;
    run) run ;;
    *)
        echo "usage: $0 prepare [CHECKPOINT] | run" >&2
        exit 2
        ;;
esac
