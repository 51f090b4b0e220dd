#!/usr/bin/env bash
# Trains the stance model on a machine with one CUDA GPU from a bundle of
# scripts/stance_bundle.py (no data or base model needed there): four runs
# at once on the one GPU, each stopped after MAX_SECONDS with its best dev
# checkpoint, and the best of the four copied to OUT (model parts, runs.json
# with every run's dev history) with one log per run.
#   scripts/train_stance_device.sh BUNDLE OUT [MAX_SECONDS]
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=$1 out=$2 max=${3:-400}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
train() {
  name=$1; shift
  python3 scripts/stance_bundle.py train "$bundle" "/tmp/stance-runs/$name" --max-seconds "$max" "$@" \
    > "$out/log-$name.txt" 2>&1
}
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader > "$out/log-gpu.txt" 2>&1
train base-lr5e-5 --lr 5e-5 --epochs 6 &
train base-lr8e-5 --lr 8e-5 --epochs 5 &
train base-lr3e-5-ls --lr 3e-5 --epochs 8 --label-smoothing 0.1 &
train shipped-lr2e-5 --lr 2e-5 --epochs 3 --init-shipped models/stance/stance.safetensors &
wait
python3 scripts/stance_bundle.py pick /tmp/stance-runs/* "$out" >> "$out/log-gpu.txt" 2>&1
ls -la "$out"
