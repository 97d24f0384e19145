#!/usr/bin/env bash
# One GPU job of at most 9 minutes for the multilingual voice: teacher synthesis on the CPU cores,
# voice training resumed from the current checkpoint beside a freshly trained phoneme recognizer (both
# on the GPU, until a fixed point of the budget), ONNX export (float16 weights and the FP8 variant),
# then the phoneme error rate of the teacher, the fp32 voice and the FP8 voice on the held-out
# sentences (bench/tts_quality.py --no-mcd on 15 processes; the WORLD measures need pyworld and pysptk,
# which have no wheels for the machine's Python, so MCD is computed afterwards from the returned
# checkpoint). Results are copied to $OUT as soon as each exists, so a job cut short still returns the
# log and, once training has ended, the checkpoint and the recognizer.
#
#   bash scripts/gpu/tts_job.sh prepare [CHECKPOINT]   # on the development machine: fill the upload folder
#   OUT=results bash scripts/gpu/tts_job.sh run        # on the GPU machine, from the repository root
#
# $OUT receives at most 8 files (no more come back): job.log, checkpoint/{checkpoint.json,weights-*.pt}
# (two or three shards), recognizer.tar (recognizer.pt + recognizer.json in one file), heldout/per.json
# (every held-out sentence's phoneme edits per system and the sha256 of the teacher's audio) and, when
# a file is left, heldout/audio.npz (the voices' int16 audio of as many held-out sentences as fit in 15 MB).
#
# `run` needs only runs/tts4/gpu_upload/ (checkpoint/, corpus.tar.bz2, site/ with espeakng-loader and
# indic-numtowords unpacked, espeak-ng's dictionaries cut to the eleven languages).
# Optional environment:
#   TTS_JOB_SECONDS  total budget (520)
#   FP8_KEEP         MatMul weights the FP8 variant keeps in float16 (parameter names, space-separated)
#   TTS_JOB_TINY=1   a dry run on a CPU (2 sentences per language, 2 steps of each trainer)
set -euo pipefail

UPLOAD=runs/tts4/gpu_upload
CORPUS_LINES=3200
LANGUAGES="bn gu hi kn ml mr or pa ta te en"
DEFAULT_FP8_KEEP="acoustic.to_decoder.weight acoustic.to_mel.weight vocoder.head.weight"

prepare() {
    local checkpoint=${1:-runs/wtts/voice/checkpoint}
    rm -rf "$UPLOAD"
    mkdir -p "$UPLOAD/checkpoint" "$UPLOAD/corpus" "$UPLOAD/site"
    cp "$checkpoint"/checkpoint.json "$checkpoint"/weights-*.pt "$UPLOAD/checkpoint/"
    # The first lines of each language hold the sentences drawn; the held-out split is by line hash,
    # so the test sentences are the same as those drawn from the whole corpus.
    local source=../shared/corpora/train
    for lang in $LANGUAGES; do
        head -n "$CORPUS_LINES" "$source/$lang.txt" >"$UPLOAD/corpus/$lang.txt"
    done
    tar -C "$UPLOAD" -cjf "$UPLOAD/corpus.tar.bz2" corpus
    rm -rf "$UPLOAD/corpus"
    # Unpacked wheels go on PYTHONPATH as they are; espeak-ng's data keeps only our languages'
    # dictionaries (Russian alone is 4.8 MB of the 10 MB wheel).
    local wheel
    for wheel in .whl/espeakng_loader-*.whl .whl/indic_numtowords-*.whl; do
        python3 -m zipfile -e "$wheel" "$UPLOAD/site"
    done
    local data="$UPLOAD/site/espeakng_loader/espeak-ng-data" dict keep
    for dict in "$data"/*_dict; do
        keep=0
        for lang in $LANGUAGES; do
            [ "$(basename "$dict")" = "${lang}_dict" ] && keep=1
        done
        [ "$keep" = 1 ] || rm "$dict"
    done
    local upload_bytes
    upload_bytes=$(du -sb "$UPLOAD" | cut -f1)
    echo "upload $UPLOAD: $upload_bytes bytes"
    # A call sends 64 MiB with the tracked tree, the bundled artifacts left out of it (docs/gpu.md).
    if [ "$upload_bytes" -gt 40000000 ]; then
        echo "too large to carry (limit: 40 MB)" >&2
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
    budget=${TTS_JOB_SECONDS:-520}
    tiny=${TTS_JOB_TINY:-0}
    run_dir=runs/tts4/job
    rm -rf "$run_dir"
    mkdir -p "$OUT/checkpoint" "$OUT/heldout" "$run_dir"
    exec > >(tee -a "$OUT/job.log") 2>&1
    since() { echo "[$(($(date +%s) - start)) s] $*"; }

    export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD:$PWD/$UPLOAD/site"
    export PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    python3 -c "import os, torch, onnxruntime as o, espeakng_loader as e; print('cores', os.cpu_count(),
'torch', torch.__version__, 'onnxruntime', o.__version__, o.get_available_providers(), 'espeak', e.__file__)"
    python3 -c "import tarfile; tarfile.open('$UPLOAD/corpus.tar.bz2').extractall('$run_dir', filter='data')"

    local sentences=2000 batch=128 steps=0 workers=14 train_end=$((budget - 130))
    local recognizer_flags=(--batch-size 48) per_language=60 score_workers=15
    if [ "$tiny" = 1 ]; then
        sentences=2 batch=4 steps=2 workers=2 per_language=1 score_workers=2
        recognizer_flags=(--batch-size 4 --steps 2 --tiny)
    fi

    # The recognizer starts as soon as the voice trainer has saved the teacher data, on the same GPU.
    (
        until [ -f "$run_dir/teacher/teacher.json" ]; do
            if [ "$(date +%s)" -ge $((start + train_end)) ]; then
                since "recognizer: no teacher data appeared; not started"
                exit 0
            fi
            sleep 2
        done
        since "recognizer: training on the teacher data until +$train_end s"
        pinned 0-11 timeout $((start + train_end + 40 - $(date +%s))) python3 -m tts.recognizer.train \
            --teacher-data "$run_dir/teacher" --out "$run_dir/recognizer" --finish-by $((start + train_end)) \
            --minutes 60 --device cuda "${recognizer_flags[@]}" || since "recognizer: exit status $?"
    ) &
    local recognizer_pid=$!

    since "voice: $sentences sentences per language, batch $batch, until +$train_end s"
    pinned 0-13 python3 -m indic tts train --out "$run_dir" --corpus "$run_dir/corpus" \
        --sentences-per-language "$sentences" --workers "$workers" --batch-size "$batch" \
        --learning-rate 3e-4 --warmup-steps 50 --segment-frames 48 --vocoder-predicted-share 0.5 \
        --resume "$UPLOAD/checkpoint" --finish-by $((start + train_end)) --minutes 60 --steps "$steps" \
        --device cuda --teacher-data "$run_dir/teacher"
    cp "$run_dir"/checkpoint/* "$OUT/checkpoint/"
    since "checkpoint copied to \$OUT/checkpoint"

    local keep=() name
    for name in ${FP8_KEEP:-$DEFAULT_FP8_KEEP}; do keep+=(--keep-float "$name"); done
    python3 -m indic tts export "$run_dir/checkpoint" --out "$run_dir/onnx"
    python3 -m indic tts export "$run_dir/checkpoint" --out "$run_dir/onnx_fp8" --fp8 "${keep[@]}"
    since "exported: float16-weight voice $(stat -c %s "$run_dir/onnx/model.onnx") bytes," \
        "FP8 variant $(stat -c %s "$run_dir/onnx_fp8/model.onnx") bytes"
    wait "$recognizer_pid" || true
    if [ ! -f "$run_dir/recognizer/recognizer.json" ]; then
        since "no recognizer: phoneme error rates not measured"
        return
    fi
    tar -C "$run_dir" -cf "$OUT/recognizer.tar" recognizer
    since "recognizer copied to \$OUT/recognizer.tar"
    # 8 files come back: job.log, checkpoint.json, the shards, recognizer.tar, per.json, then audio.npz.
    local files save_audio=()
    files=$(($(find "$OUT/checkpoint" -type f | wc -l) + 3))
    [ "$files" -lt 8 ] && save_audio=(--save-audio "$OUT/heldout/audio.npz")

    since "phoneme error rates: $per_language held-out sentences per language, $score_workers processes"
    local left=$((start + budget - 8 - $(date +%s)))
    [ "$left" -ge 5 ] || left=5
    # The bench exits 1 while any target is missed or unmeasured (MCD is, here): that is no job failure.
    timeout "$left" python3 bench/tts_quality.py --checkpoint "$run_dir/checkpoint" \
        --recognizer "$run_dir/recognizer" --fp8-voice "$run_dir/onnx_fp8" --per-language "$per_language" \
        --workers "$score_workers" --no-mcd --no-dnsmos --details "$OUT/heldout/per.json" \
        "${save_audio[@]}" || since "quality bench: exit status $?"
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
