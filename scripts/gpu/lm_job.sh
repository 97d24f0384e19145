#!/usr/bin/env bash
# The compact LM's GPU job (issue 6), and the preparation of the folder it carries.
#
#   scripts/gpu/lm_job.sh prepare          # on the CPU machine: writes runs/lmg/gpu_upload/
#   OUT=<folder> scripts/gpu/lm_job.sh run [--train-bytes N] [--budget-s S] [--tiny]
#
# `prepare` packs what the GPU machine lacks: the whole-corpus temperature mix (alpha 0.3, seed 0, already
# normalized, written by `indic tokenizer train` in runs/lmg/bpe-64k.work) as bzip2, the bundled
# indic-superbpe-64k tokenizer, the `bpe` 64k baseline trained on the same mix (runs/lmg/bpe-64k), and
# FLORES dev.
#
# `run`, from the repository root: the tokenizer A/B (bpe baseline first, then SuperBPE; same shape, same
# training bytes, seed 0), ONNX export of both models (fp32, KV cache) plus the SuperBPE one in FP8, each
# checked against torch; FP8 bits per byte; the throughput bench (torch bf16 vs onnxruntime on the CUDA
# provider and on the CPU, 1/8/32 streams); then the A/B with seed 1 if the time budget still allows it.
# Results reach $OUT as they come: results.tgz is rewritten after every phase, and the FP8 SuperBPE model
# (the next indic-lm-small) is written as indic-lm-small.onnx.part00, .part01, ... (15 MB each).
# `--tiny` runs the same steps with a toy model, the first 3,000 lines of the mix and no time budget, to test
# the job on a CPU (put --budget-s after it to test the budget).
set -uo pipefail

UPLOAD=runs/lmg/gpu_upload

prepare() {
    local work=runs/lmg/bpe-64k.work staging=runs/lmg/gpu_upload.staging
    [ -f "$work/mix.txt" ] || { echo "missing $work/mix.txt: train the bpe baseline first" >&2; exit 1; }
    [ -f runs/lmg/bpe-64k/tokenizer.json ] || { echo "missing runs/lmg/bpe-64k/tokenizer.json" >&2; exit 1; }
    rm -rf "$staging" && mkdir -p "$staging/flores" "$UPLOAD"
    cp indic/data/artifacts/indic-superbpe-64k/tokenizer.json "$staging/superbpe.json"
    cp runs/lmg/bpe-64k/tokenizer.json "$staging/bpe.json"
    cp runs/lmg/bpe-64k/card.json "$staging/bpe_card.json"
    cp ../shared/corpora/flores/dev/*.txt "$staging/flores/"
    tar cjf "$UPLOAD/inputs.tar.bz2" -C "$staging" .
    (cd "$staging" && sha256sum superbpe.json bpe.json > "$OLDPWD/$UPLOAD/SHA256SUMS")
    rm -rf "$staging"
    bzip2 -9 -c "$work/mix.txt" > "$UPLOAD/mix.txt.bz2.partial" && mv "$UPLOAD/mix.txt.bz2.partial" "$UPLOAD/mix.txt.bz2"
    ls -l "$UPLOAD"
    du -cb "$UPLOAD"/* | tail -1
}

run() {
    local train_bytes=1200000000 budget_s=420 tiny=0 mix_lines=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --train-bytes) train_bytes=$2; shift 2 ;;
            --budget-s) budget_s=$2; shift 2 ;;
            --tiny) tiny=1; mix_lines=3000; budget_s=100000; shift ;;
            *) echo "unknown option $1" >&2; exit 2 ;;
        esac
    done
    : "${OUT:?set OUT to the folder that comes back}"
    export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    local start=$SECONDS work=${WORK:-/tmp/lm_job} results
    results=$work/results
    rm -rf "$work" && mkdir -p "$results/export" "$work/in" "$OUT"
    exec > >(tee -a "$results/job.log") 2>&1

    local shape=() train=() eval_limit=0 bench=(--repeats 3) quant_limit=500 model_max_s=170
    if [ "$tiny" = 1 ]; then
        shape=(--d-model 64 --n-layers 2 --n-heads 2 --n-kv-heads 1 --max-seq-len 256)
        train=(--batch-size 8 --seq-len 128 --warmup-steps 2)
        eval_limit=8 bench=(--repeats 1 --new-tokens 8) quant_limit=8
    fi
    local cuda
    cuda=$(python3 -c "import torch; print(int(torch.cuda.is_available()))")
    [ "$cuda" = 1 ] && train+=(--compile)

    elapsed() { echo $((SECONDS - start)); }
    pack() {  # results.tgz holds everything small; rewritten whole so a timeout still returns the latest
        tar czf "$OUT/results.tgz.partial" -C "$work" results && mv "$OUT/results.tgz.partial" "$OUT/results.tgz"
        echo "[$(elapsed)s] packed results after: $1"
    }
    indic() { python3 -m indic "$@"; }  # the checkout, not an installed entry point

    echo "[$(elapsed)s] job start $(date -u +%FT%TZ) train_bytes=$train_bytes budget_s=$budget_s tiny=$tiny"
    {
        nproc
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
        python3 -c "
import onnxruntime as ort, torch
if hasattr(ort, 'preload_dlls'):
    ort.preload_dlls()
print('torch', torch.__version__, 'onnxruntime', ort.__version__, ort.get_available_providers())"
    } > "$results/env.txt" 2>&1
    tar xjf "$UPLOAD/inputs.tar.bz2" -C "$work/in"
    (cd "$work/in" && sha256sum superbpe.json bpe.json) >> "$results/env.txt"
    python3 -c "import bz2, shutil; shutil.copyfileobj(bz2.open('$UPLOAD/mix.txt.bz2'), open('$work/mix.txt', 'wb'), 1 << 24)"
    if [ "$mix_lines" -gt 0 ]; then head -n "$mix_lines" "$work/mix.txt" > "$work/mix.head" && mv "$work/mix.head" "$work/mix.txt"; fi
    cat "$results/env.txt"
    echo "[$(elapsed)s] mix: $(wc -c < "$work/mix.txt") bytes"
    local inputs=$work/in

    ab() {  # ab SEED: one A/B round, bpe baseline first
        python3 -m llm.tokenizer_ab --mix "$work/mix.txt" --tokenizer bpe="$inputs/bpe.json" \
            --tokenizer superbpe="$inputs/superbpe.json" --flores "$inputs/flores" --out "$work/ab" \
            --vocab-size 64000 --train-bytes "$train_bytes" --seed "$1" --max-seconds "$model_max_s" \
            --eval-limit "$eval_limit" "${shape[@]}" "${train[@]}"
        local rc=$?
        echo "[$(elapsed)s] A/B seed $1 finished (exit $rc; 1 = bits-per-byte bound missed)"
        mkdir -p "$results/ab"
        cp "$work"/ab/ab_*.json "$work"/ab/tokens-*.json "$results/ab/" 2>/dev/null
        for run_dir in "$work"/ab/*/; do
            mkdir -p "$results/ab/$(basename "$run_dir")"
            cp "$run_dir"/train_summary.json "$run_dir"/config.json "$results/ab/$(basename "$run_dir")/" 2>/dev/null
        done
    }
    local ab_start=$SECONDS
    ab 0
    local ab_seconds=$((SECONDS - ab_start))
    pack "A/B seed 0"

    local onnx=$work/onnx
    indic lm export --checkpoint "$work/ab/superbpe/checkpoint.pt" --tokenizer "$inputs/superbpe.json" \
        --out "$onnx/superbpe-fp32" --fp8-out "$onnx/superbpe-fp8" --report "$results/export/superbpe.json" &
    local export_superbpe=$!
    indic lm export --checkpoint "$work/ab/bpe/checkpoint.pt" --tokenizer "$inputs/bpe.json" \
        --out "$onnx/bpe-fp32" --report "$results/export/bpe.json" &
    local export_bpe=$!
    python3 bench/lm_quant_study.py --checkpoint "$work/ab/superbpe/checkpoint.pt" \
        --tokenizer "$inputs/superbpe.json" --flores "$inputs/flores" --limit "$quant_limit" \
        --variant "fp8-e4m3 weights + embedding" --out "$results/quant_study.json"
    local rc
    wait "$export_superbpe"; rc=$?; echo "[$(elapsed)s] superbpe export exit $rc"
    wait "$export_bpe"; rc=$?; echo "[$(elapsed)s] bpe export exit $rc"
    if [ -f "$onnx/superbpe-fp8/model.onnx" ]; then
        cp "$onnx/superbpe-fp8/config.json" "$results/export/superbpe-fp8-config.json"
        split -b 15000000 -d "$onnx/superbpe-fp8/model.onnx" "$OUT/indic-lm-small.onnx.part"
        ls -la "$OUT"
    fi
    pack "exports"

    local bench_s=$((budget_s - $(elapsed) - 30))
    local onnx_models=()
    for folder in superbpe-fp32 bpe-fp32 superbpe-fp8; do  # the bench tells fp32 from fp8 by the graph
        [ -f "$onnx/$folder/model.onnx" ] && onnx_models+=(--onnx "${folder%-*}=$onnx/$folder")
    done
    local torch_models=(--checkpoint "bpe=$work/ab/bpe/checkpoint.pt,$inputs/bpe.json"
        --checkpoint "superbpe=$work/ab/superbpe/checkpoint.pt,$inputs/superbpe.json" --torch-precision bf16)
    python3 bench/lm_throughput.py "${torch_models[@]}" "${onnx_models[@]}" --provider cuda --provider cpu \
        --flores "$inputs/flores" --max-seconds "$bench_s" --out "$results/throughput.json" "${bench[@]}"
    rc=$?; echo "[$(elapsed)s] throughput bench exit $rc"
    pack "throughput"

    if [ $(( $(elapsed) + ab_seconds * 11 / 10 )) -le "$budget_s" ]; then
        ab 1
        pack "A/B seed 1"
    else
        echo "[$(elapsed)s] seed 1 skipped: the A/B took ${ab_seconds}s and the budget is ${budget_s}s"
    fi
    echo "[$(elapsed)s] job done"
    pack "end"
    ls -la "$OUT"
}

case "${1:-}" in
    prepare) prepare ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 prepare | run [--train-bytes N] [--budget-s S] [--tiny]" >&2; exit 2 ;;
esac
