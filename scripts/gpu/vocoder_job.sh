#!/usr/bin/env bash
# One GPU job of at most 9 minutes that fine-tunes the multilingual voice's vocoder alone
# (`indic tts train-vocoder`: frozen acoustic model; spectral losses, or as VOCODER_JOB_FLAGS say, e.g.
# "--extra-layers 4" or "--adversarial"),
# then scores the phoneme error rate of the teacher, the new voice and copy synthesis (its vocoder on
# the teacher's own mel) on the held-out sentences with a recognizer carried in, not retrained, so
# the figures compare with earlier runs of the same recognizer. Teacher speech is synthesized on
# the CPU cores first. Results are copied to $OUT as soon as each exists.
#
#   bash scripts/gpu/vocoder_job.sh prepare CHECKPOINT RECOGNIZER [DISCRIMINATORS]   # development machine
#   OUT=results bash scripts/gpu/vocoder_job.sh run                                  # GPU machine, repo root
#   OUT=results bash scripts/gpu/vocoder_job.sh continue    # the next call on the same, still warm machine
#
# `continue` trains on from the checkpoint (and discriminators) the previous call left in
# runs/tts5/job, on the teacher speech it saved there (loaded in seconds instead of synthesized
# in a minute): call it within the machine's idle window, or it starts bare and has nothing to continue.
#
# $OUT receives job.log, checkpoint/ (the voice, float16 shards), discriminators/ (adversarial runs:
# to resume the game in a later job) and heldout/per.json (every held-out sentence's phoneme edits per system).
# `run` needs only runs/tts5/gpu_upload/: checkpoint/, recognizer/, optionally discriminators/,
# corpus.tar.bz2, and site/ with espeakng-loader and indic-numtowords unpacked (the same site and
# corpus as scripts/gpu/tts_job.sh prepares).
# Optional environment:
#   VOCODER_JOB_SECONDS  total budget (530)
#   VOCODER_JOB_FLAGS    more flags for `indic tts train-vocoder`
#   VOCODER_JOB_TINY=1   a dry run on a CPU (2 sentences per language, 3 steps, toy discriminators)
set -euo pipefail

UPLOAD=runs/tts5/gpu_upload

prepare() {
    local checkpoint=${1:?usage: prepare CHECKPOINT RECOGNIZER [DISCRIMINATORS]}
    local recognizer=${2:?usage: prepare CHECKPOINT RECOGNIZER [DISCRIMINATORS]}
    local discriminators=${3:-}
    # The corpus cut and the trimmed espeak-ng site are the voice job's: build them the same way.
    bash scripts/gpu/tts_job.sh prepare "$checkpoint" >/dev/null
    rm -rf "$UPLOAD"
    mkdir -p "$UPLOAD"
    cp -r runs/tts4/gpu_upload/. "$UPLOAD/"
    cp -r "$recognizer" "$UPLOAD/recognizer"
    if [ -n "$discriminators" ]; then cp -r "$discriminators" "$UPLOAD/discriminators"; fi
    local upload_bytes
    upload_bytes=$(du -sb "$UPLOAD" | cut -f1)
    echo "upload $UPLOAD: $upload_bytes bytes"
    if [ "$upload_bytes" -gt 48000000 ]; then
        echo "too large to carry (limit: 48 MB beside the working tree)" >&2
        exit 1
    fi
}

run() {  # run fresh|continue
    : "${OUT:?set OUT to the folder whose files come back}"
    local mode=$1 start budget tiny run_dir start_checkpoint discriminators=""
    start=$(date +%s)
    budget=${VOCODER_JOB_SECONDS:-530}
    tiny=${VOCODER_JOB_TINY:-0}
    run_dir=runs/tts5/job
    if [ "$mode" = continue ]; then
        if [ ! -f "$run_dir/checkpoint/checkpoint.json" ] || [ ! -f "$run_dir/teacher/teacher.json" ]; then
            echo "nothing to continue: $run_dir holds no checkpoint and teacher data of an earlier call" >&2
            exit 2
        fi
        rm -rf "$run_dir/previous" "$run_dir/previous_discriminators"
        mv "$run_dir/checkpoint" "$run_dir/previous"
        if [ -d "$run_dir/discriminators" ]; then
            mv "$run_dir/discriminators" "$run_dir/previous_discriminators"
            discriminators="$run_dir/previous_discriminators"
        fi
        start_checkpoint="$run_dir/previous"
    else
        rm -rf "$run_dir"
        start_checkpoint="$UPLOAD/checkpoint"
        [ -d "$UPLOAD/discriminators" ] && discriminators="$UPLOAD/discriminators"
    fi
    mkdir -p "$OUT/heldout" "$run_dir"
    exec > >(tee -a "$OUT/job.log") 2>&1
    since() { echo "[$(($(date +%s) - start)) s] $*"; }

    export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD:$PWD/$UPLOAD/site"
    export PYTHONUNBUFFERED=1
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
    python3 -c "import os, torch; print('cores', os.cpu_count(), 'torch', torch.__version__)"
    if [ "$mode" = fresh ]; then
        python3 -c "import tarfile; tarfile.open('$UPLOAD/corpus.tar.bz2').extractall('$run_dir', filter='data')"
    fi

    local sentences=2000 batch=32 steps=0 workers=14 per_language=60 score_workers=15 score_s=110
    local flags=()
    if [ "$tiny" = 1 ]; then
        sentences=2 batch=2 steps=3 workers=2 per_language=1 score_workers=2 score_s=40
        flags=(--tiny --discriminator-warmup-steps 1 --segment-frames 8)
    fi
    [ -n "$discriminators" ] && flags+=(--discriminators "$discriminators")
    # shellcheck disable=SC2206  # the extra flags are meant to split on spaces
    flags+=(${VOCODER_JOB_FLAGS:-})
    local train_end=$((budget - score_s - 45))

    since "vocoder: training from $start_checkpoint until +$train_end s"
    python3 -m indic tts train-vocoder "$start_checkpoint" --out "$run_dir" --corpus "$run_dir/corpus" \
        --sentences-per-language "$sentences" --workers "$workers" --batch-size "$batch" \
        --teacher-data "$run_dir/teacher" --finish-by $((start + train_end)) --minutes 60 \
        --steps "$steps" --device cuda "${flags[@]}"
    cp -r "$run_dir/checkpoint" "$OUT/"
    [ -d "$run_dir/discriminators" ] && cp -r "$run_dir/discriminators" "$OUT/"
    since "checkpoint copied to \$OUT"

    since "phoneme error rates: $per_language held-out sentences per language, $score_workers processes"
    local left=$((start + budget - 8 - $(date +%s)))
    [ "$left" -ge 5 ] || left=5
    # The bench exits 1 while any target is missed or unmeasured (MCD is, here): that is no job failure.
    timeout "$left" python3 bench/tts_quality.py --checkpoint "$run_dir/checkpoint" \
        --recognizer "$UPLOAD/recognizer" --no-fp8 --copy-synthesis --per-language "$per_language" \
        --workers "$score_workers" --no-mcd --no-dnsmos --details "$OUT/heldout/per.json" \
        || since "quality bench: exit status $?"
    since "job done"
    sleep 1  # let tee write the last lines of job.log before the job's files are collected
}

case "${1:-}" in
    prepare) prepare "${2:-}" "${3:-}" "${4:-}" ;;
    run) run fresh ;;
    continue) run continue ;;
    *)
        echo "usage: $0 prepare CHECKPOINT RECOGNIZER [DISCRIMINATORS] | run | continue" >&2
        exit 2
        ;;
esac
