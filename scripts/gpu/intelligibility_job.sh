#!/usr/bin/env bash
# Two GPU calls of at most 9.5 minutes each: train a voice against a guide recognizer (tts.intelligibility)
# and judge it with another, independently trained one.
#
#   bash scripts/gpu/tts_job.sh prepare CHECKPOINT       # here: the upload folder (voice, corpus, espeak-ng)
#   OUT=results bash scripts/gpu/intelligibility_job.sh recognizers   # GPU call 1
#   OUT=results bash scripts/gpu/intelligibility_job.sh voices        # GPU call 2, same machine or not
#
# Call 1 synthesizes the teacher speech (saved on the machine for call 2), trains two recognizers side by
# side on the GPU from the same speech: the *judge* (the bench's default size, seed 0) and the *guide*
# (channels 192, hidden 192, two layers, seed 1: another network, so the voice cannot learn the judge's
# blind spots through it), then scores the starting voice with both. Returned: job.log, judge.tar,
# guide.tar, per_start.tar.
#
# Call 2 continues the starting voice twice side by side on the GPU, with the guide's CTC loss at the
# weights GUIDE_WEIGHTS (default "1 3"), and scores each with the judge (the verdict) and with the guide
# (a diagnostic: how much of the gain only the guide hears). Returned: job.log, per_voices.tar (the
# scores and each voice's checkpoint.json) and each voice's three weight shards: 8 files, the most a
# call returns (put each checkpoint.json back beside its shards to load it). When the machine
# is a fresh one, call 2 re-synthesizes the teacher speech and takes the recognizers from
# runs/intel/carried/{judge,guide}.tar (carry that folder).
#
# `single` does both in one call when only one is to be had: recognizers until +RECOGNIZER_SECONDS (230),
# the start voice scored by the judge, one voice (GUIDE_WEIGHTS default "1") until 75 s before the end,
# scored by the judge; job.log, judge.tar, guide.tar, per_voices.tar and the voice's shards come back.
#
# `second-judge`, on the same machine after either plan: a third recognizer, judge2 (channels 320, hidden 224,
# three GRU layers, seed 2; JUDGE2_SECONDS of training, 360), then the start voice and every voice scored by it;
# job.log, judge2.tar and per_judge2.tar come back. The bundled voice's PER is judge2's.
#
# Optional environment: JOB_SECONDS (560), GUIDE_WEIGHTS, RECOGNIZER_SECONDS, JUDGE2_SECONDS, JOB_TINY=1 (a CPU
# dry run).
set -euo pipefail

UPLOAD=runs/tts4/gpu_upload
RUN=runs/intel/job
CARRIED=runs/intel/carried

setup() {
    : "${OUT:?set OUT to the folder whose files come back}"
    start=$(date +%s)
    budget=${JOB_SECONDS:-560}
    tiny=${JOB_TINY:-0}
    mkdir -p "$OUT" "$RUN"
    exec > >(tee -a "$OUT/job.log") 2>&1
    export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD:$PWD/$UPLOAD/site"
    export PYTHONUNBUFFERED=1
    device=cuda sentences=2000 workers=14 per_language=60 score_workers=15 batch=128 steps=0
    recognizer_flags=(--batch-size 48)
    if [ "$tiny" = 1 ]; then
        device=cpu sentences=2 workers=2 per_language=1 score_workers=2 batch=4 steps=2
        recognizer_flags=(--batch-size 4 --steps 2)
    fi
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
    [ -d "$RUN/corpus" ] ||
        python3 -c "import tarfile; tarfile.open('$UPLOAD/corpus.tar.bz2').extractall('$RUN', filter='data')"
}

since() { echo "[$(($(date +%s) - start)) s] $*"; }

score() {  # score NAME CHECKPOINT RECOGNIZER [FLAGS...]: PER of held-out sentences into $RUN/per/NAME.json
    local name=$1 checkpoint=$2 recognizer=$3
    shift 3
    mkdir -p "$RUN/per"
    since "scoring $name"
    # The bench exits 1 while a target is missed or unmeasured (MCD is, here): no job failure.
    python3 bench/tts_quality.py --checkpoint "$checkpoint" --recognizer "$recognizer" \
        --test-dir "$RUN/test_sentences" --per-language "$per_language" --workers "$score_workers" \
        --no-mcd --no-dnsmos --no-fp8 --details "$RUN/per/$name.json" "$@" || since "$name: exit status $?"
}

recognizer_run() {  # recognizer_run NAME SEED [SIZE FLAGS...]: train until the shared end time
    local name=$1 seed=$2
    shift 2
    local tiny_flags=()
    [ "$tiny" = 1 ] && tiny_flags=(--tiny)
    python3 -m tts.recognizer.train --teacher-data "$RUN/teacher" --out "$RUN/$name" --corpus "$RUN/corpus" \
        --sentences-per-language "$sentences" --workers "$workers" --seed "$seed" --device "$device" \
        --finish-by "$train_end" --minutes 60 "${recognizer_flags[@]}" "${tiny_flags[@]}" "$@" \
        > >(sed "s/^/[$name] /") 2>&1
}

train_recognizers() {  # train_recognizers END: judge and guide side by side until Unix time END
    train_end=$1
    # The held-out lists come from the voice trainer's split; writing them needs no training.
    python3 -c "
from pathlib import Path
from indic.atomic import atomic_write_text
from tts.train import TrainConfig, teacher_items
_, tests = teacher_items(TrainConfig(corpus='$RUN/corpus', sentences_per_language=$sentences))
for lang, lines in tests.items():
    atomic_write_text(Path('$RUN/test_sentences') / f'{lang}.txt', ''.join(f'{s}\n' for s in lines))
"
    since "judge: synthesizing the teacher speech, then training until +$((train_end - start)) s"
    recognizer_run judge 0 &
    local judge_pid=$!
    until [ -f "$RUN/teacher/teacher.json" ] || [ "$(date +%s)" -ge "$train_end" ]; do sleep 2; done
    since "guide: training on the same teacher speech"
    recognizer_run guide 1 --channels 192 --hidden 192 --layers 2 &
    local guide_pid=$!
    wait "$judge_pid" || since "judge: exit status $?"
    wait "$guide_pid" || since "guide: exit status $?"
    tar -C "$RUN" -cf "$OUT/judge.tar" judge
    tar -C "$RUN" -cf "$OUT/guide.tar" guide
    since "recognizers copied to \$OUT"
}

recognizers() {
    setup
    train_recognizers $((start + budget - 110))
    score start_judge "$UPLOAD/checkpoint" "$RUN/judge"
    score start_guide "$UPLOAD/checkpoint" "$RUN/guide"
    tar -C "$RUN/per" -cf "$OUT/per_start.tar" .
    since "job done"
    sleep 1
}

single() {  # both calls' work in one: shorter training, the guide's diagnostic only if time is left
    setup
    train_recognizers $((start + ${RECOGNIZER_SECONDS:-230}))
    score start_judge "$UPLOAD/checkpoint" "$RUN/judge"
    GUIDE_WEIGHTS=${GUIDE_WEIGHTS:-1} train_voices $((start + budget - 75))
    local weight
    for weight in "${weights[@]}"; do
        score "w${weight}_judge" "$RUN/w$weight/checkpoint" "$RUN/judge"
    done
    tar -C "$RUN/per" -cf "$OUT/per_voices.tar" .
    since "job done"
    sleep 1
}

train_voices() {  # train_voices END: one voice per guide weight, side by side until Unix time END
    train_end=$1
    weights=(${GUIDE_WEIGHTS:-1 3})
    local pids=() weight pid
    for weight in "${weights[@]}"; do
        # The first trainer synthesizes the teacher speech when it is not on the machine; the others wait.
        if [ ${#pids[@]} -gt 0 ]; then
            until [ -f "$RUN/teacher/teacher.json" ] || [ "$(date +%s)" -ge "$train_end" ]; do sleep 2; done
        fi
        since "voice w$weight: guide weight $weight, until +$((train_end - start)) s"
        python3 -m indic tts train --out "$RUN/w$weight" --corpus "$RUN/corpus" \
            --sentences-per-language "$sentences" --workers "$workers" --batch-size "$batch" \
            --learning-rate 3e-4 --warmup-steps 50 --segment-frames 48 --vocoder-predicted-share 0.5 \
            --resume "$UPLOAD/checkpoint" --finish-by "$train_end" --minutes 60 --steps "$steps" \
            --device "$device" --teacher-data "$RUN/teacher" --guide-recognizer "$RUN/guide" \
            --guide-weight "$weight" > >(sed "s/^/[w$weight] /") 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || since "a voice trainer: exit status $?"; done
    # At most eight files come back: job.log, per_voices.tar (with each checkpoint.json), three shards each.
    mkdir -p "$RUN/per"
    for weight in "${weights[@]}"; do
        mkdir -p "$OUT/w$weight"
        cp "$RUN/w$weight"/checkpoint/weights-*.pt "$OUT/w$weight/" 2>/dev/null || since "w$weight: no checkpoint"
        cp "$RUN/w$weight/checkpoint/checkpoint.json" "$RUN/per/w$weight.checkpoint.json" 2>/dev/null || true
    done
    tar -C "$RUN/per" -cf "$OUT/per_voices.tar" .
    since "checkpoints copied to \$OUT"
}

voices() {
    setup
    local name weight
    for name in judge guide; do
        if [ ! -f "$RUN/$name/recognizer.json" ]; then
            tar -C "$RUN" -xf "$CARRIED/$name.tar"
            since "$name: taken from $CARRIED"
        fi
    done
    train_voices $((start + budget - 150))
    for weight in "${weights[@]}"; do
        score "w${weight}_judge" "$RUN/w$weight/checkpoint" "$RUN/judge"
    done
    tar -C "$RUN/per" -cf "$OUT/per_voices.tar" .
    for weight in "${weights[@]}"; do
        score "w${weight}_guide" "$RUN/w$weight/checkpoint" "$RUN/guide" --judge-with-guide
    done
    tar -C "$RUN/per" -cf "$OUT/per_voices.tar" .
    since "job done"
    sleep 1
}

second_judge() {  # a stronger, independent judge (the bundled voice's verdict), then every voice scored by it
    setup
    train_end=$((start + ${JUDGE2_SECONDS:-360}))
    recognizer_run judge2 2 --channels 320 --hidden 224 --layers 3
    tar -C "$RUN" -cf "$OUT/judge2.tar" judge2
    score start_judge2 "$UPLOAD/checkpoint" "$RUN/judge2"
    local folder
    for folder in "$RUN"/w*/checkpoint; do
        [ -d "$folder" ] || continue
        score "$(basename "$(dirname "$folder")")_judge2" "$folder" "$RUN/judge2"
    done
    tar -C "$RUN/per" -cf "$OUT/per_judge2.tar" .
    since "job done"
    sleep 1
}

case "${1:-}" in
    recognizers) recognizers ;;
    voices) voices ;;
    single) single ;;
    second-judge) second_judge ;;
    *)
        echo "usage: $0 recognizers | voices | single | second-judge   (after: bash scripts/gpu/tts_job.sh prepare CHECKPOINT)" >&2
        exit 2
        ;;
esac
