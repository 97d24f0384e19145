#!/usr/bin/env bash
# Language-model A/B of tokenizers (issue 3): does a tokenizer that spends fewer tokens still let the
# compact LM predict the text as well, in bits per byte? One model per tokenizer, same shape, same training
# bytes, same seed (llm.tokenizer_ab), the first tokenizer being the baseline of every ratio.
#
#   scripts/gpu/tokenizer_lm_ab.sh prepare MIX name=DIR [name=DIR ...]   # CPU machine: runs/lmab/gpu_upload/
#   OUT=<folder> scripts/gpu/tokenizer_lm_ab.sh run [--train-bytes N] [--max-seconds S] [--seed K] [--tiny]
#
# Example (bpe baseline, the merge-replay 64k, a shortest-path 64k; MIX is the normalized temperature mix
# that `indic tokenizer train` wrote into its work folder):
#   scripts/gpu/tokenizer_lm_ab.sh prepare runs/tok10/bpe-64k-full-a0.3.work/mix.txt \
#       bpe=runs/tok10/bpe-64k-full-a0.3 merges=indic/data/artifacts/indic-superbpe-64k sp=runs/tok10/sp64
set -uo pipefail

UPLOAD=runs/lmab/gpu_upload

prepare() {
    local mix=$1 staging=runs/lmab/staging
    shift
    [ -f "$mix" ] || { echo "missing mix $mix" >&2; exit 1; }
    [ $# -ge 2 ] || { echo "name at least two tokenizers, the baseline first" >&2; exit 2; }
    rm -rf "$staging" "$UPLOAD" && mkdir -p "$staging/flores" "$staging/tokenizers" "$UPLOAD"
    local order=()
    for pair in "$@"; do
        local name=${pair%%=*} dir=${pair#*=}
        [ -f "$dir/tokenizer.json" ] || { echo "missing $dir/tokenizer.json" >&2; exit 1; }
        cp "$dir/tokenizer.json" "$staging/tokenizers/$name.json"
        order+=("$name")
    done
    printf '%s\n' "${order[@]}" > "$staging/tokenizers/ORDER"
    cp ../shared/corpora/flores/dev/*.txt "$staging/flores/"
    tar cjf "$UPLOAD/inputs.tar.bz2" -C "$staging" .
    (cd "$staging/tokenizers" && sha256sum ./*.json) > "$UPLOAD/SHA256SUMS"
    rm -rf "$staging"
    bzip2 -9 -c "$mix" > "$UPLOAD/mix.txt.bz2.partial" && mv "$UPLOAD/mix.txt.bz2.partial" "$UPLOAD/mix.txt.bz2"
    ls -l "$UPLOAD" && du -cb "$UPLOAD"/* | tail -1
}

run() {
    local train_bytes=600000000 max_seconds=150 seed=0 extra=() mix_lines=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --train-bytes) train_bytes=$2; shift 2 ;;
            --max-seconds) max_seconds=$2; shift 2 ;;
            --seed) seed=$2; shift 2 ;;
            --tiny) mix_lines=3000; extra=(--d-model 64 --n-layers 2 --n-heads 2 --n-kv-heads 1 --max-seq-len 256
                --batch-size 8 --seq-len 128 --warmup-steps 2 --eval-limit 8); shift ;;
            *) echo "unknown option $1" >&2; exit 2 ;;
        esac
    done
    : "${OUT:?set OUT to the folder that comes back}"
    export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    local work=${WORK:-/tmp/lmab_job}
    rm -rf "$work" && mkdir -p "$work/in" "$OUT"
    exec > >(tee -a "$OUT/job.log") 2>&1
    echo "job start $(date -u +%FT%TZ) train_bytes=$train_bytes max_seconds=$max_seconds"
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null
    tar xjf "$UPLOAD/inputs.tar.bz2" -C "$work/in"
    cat "$UPLOAD/SHA256SUMS"
    python3 -c "import bz2, shutil; shutil.copyfileobj(bz2.open('$UPLOAD/mix.txt.bz2'), open('$work/mix.txt', 'wb'), 1 << 24)"
    if [ "$mix_lines" -gt 0 ]; then head -n "$mix_lines" "$work/mix.txt" > "$work/m" && mv "$work/m" "$work/mix.txt"; fi
    local tokenizers=()
    while read -r name; do tokenizers+=(--tokenizer "$name=$work/in/tokenizers/$name.json"); done < "$work/in/tokenizers/ORDER"
    if python3 -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then extra+=(--compile); fi
    python3 -m llm.tokenizer_ab --mix "$work/mix.txt" "${tokenizers[@]}" --flores "$work/in/flores" \
        --out "$work/ab" --vocab-size 64000 --train-bytes "$train_bytes" --seed "$seed" \
        --max-seconds "$max_seconds" "${extra[@]}"
    echo "A/B exit $? (1 = bits-per-byte bound missed)"
    # one archive: what comes back is limited in file count
    (cd "$work/ab" && tar czf "$OUT/ab.tgz" ab_*.json tokens-*.json ./*/train_summary.json ./*/config.json)
    echo "job done $(date -u +%FT%TZ)"
}

case "${1:-}" in
    prepare) shift; prepare "$@" ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 prepare MIX name=DIR... | run [--train-bytes N] [--max-seconds S] [--seed K] [--tiny]" >&2; exit 2 ;;
esac
