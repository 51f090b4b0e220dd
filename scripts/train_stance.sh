#!/usr/bin/env bash
# Trains the shipped stance model (models/stance/) in three stages, each
# warm-started from the best dev checkpoint of the one before:
#   1. the upper 8 layers of multilingual-e5-small and the head, stopped
#      after 800 steps (of a 3-epoch schedule);
#   2. all 12 layers, stopped after 400 steps (of a 3-epoch schedule);
#   3. all 12 layers with off-topic pairs labelled neutral, 2 epochs,
#      exported to models/stance/ with tests/fixtures/stance_reference.json.
# Needs the packages of scripts/requirements-train.txt, the default model
# (`volte models pull`) and ../shared/data/wahlomat/. Each stage checkpoints
# into target/stance-train/ and resumes when run again. About 3 hours on
# 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
work=target/stance-train
mkdir -p "$work"
common=(--pairs-per-thesis 4 --seed 13)

"$py" scripts/train_stance.py "${common[@]}" --trainable 8 --epochs 3 --lr 8e-5 \
    --off-topic-share 0 --stop-after 800 --out "$work/stage1" --fixtures "$work/stage1"
cp "$(ls -t "$work"/best-*-8-13.pt | head -1)" "$work/stage1-best.pt"

"$py" scripts/train_stance.py "${common[@]}" --trainable 12 --epochs 3 --lr 8e-5 \
    --off-topic-share 0 --init "$work/stage1-best.pt" --init-first 4 --stop-after 400 \
    --out "$work/stage2" --fixtures "$work/stage2"
cp "$(ls -t "$work"/best-*-12-13.pt | head -1)" "$work/stage2-best.pt"

"$py" scripts/train_stance.py "${common[@]}" --trainable 12 --epochs 2 --lr 5e-5 \
    --off-topic-share 0.15 --init "$work/stage2-best.pt" --init-first 0
