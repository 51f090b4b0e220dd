#!/usr/bin/env bash
# Trains a candidate stance model on training data v2 (scripts/train_stance.py
# --v2): the Wahl-O-Mat state elections without boilerplate, the train splits
# of ../shared/data/stance-extra/ (IBM ArgQ, Perspectrum, German XNLI),
# polarity-reversed theses with flipped labels (de/en/fr/es templates, and
# Wahl-O-Mat's own reversed recurring theses) and off-topic pairs labelled
# neutral. The lower layers are frozen and their states cached; the upper
# TRAINABLE layers (default 6) and the head train. Seeded (13); checkpoints in
# target/stance-v2/, a killed run resumes. The candidate is written to
# target/stance-v2/out/ (never over models/stance/), then scored through volte's
# int8 path next to the shipped model: the Wahl-O-Mat dev and test splits
# (content only; each model's temperature fitted on dev), evenly spaced
# samples of the ArgQ and Perspectrum test splits, and the share of
# statements answered neutral (p_neutral >= 0.5) for an unrelated thesis.
# It replaces models/stance/ only when it beats the shipped model on dev and
# is not worse on test (see models/README.md).
#
# A CPU budget: FROM_STANCE=models/stance starts from the shipped model (its
# frozen layers and its trained upper layers and head, see --from-stance);
# MAX_TRAIN, MAX_DEV, MAX_DEV_THESIS, MAX_TEST and MAX_LEN cap the data (see --max-train).
# A model already scored (same weights in target/stance-v2/eval-NAME/) is not
# scored again.
# The CPU candidate of models/README.md:
#   FROM_STANCE=models/stance TRAINABLE=2 MAX_TRAIN=1600 MAX_DEV=40 MAX_DEV_THESIS=500 \
#     MAX_TEST=-1 MAX_LEN=128 EPOCHS=2 LR=3e-5 HEAD_LR=1e-4 EVAL_EVERY=20 \
#     nice -n 19 scripts/train_stance_v2.sh
# (DATA=DIR when ../shared/data is not beside the repository; PYTHON=the venv's python.)
# Needs scripts/requirements-train.txt and a release build of volte.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
work=${WORK:-target/stance-v2}
trainable=${TRAINABLE:-6}
base=${VOLTE_CACHE:-$HOME/.cache/volte}/models/multilingual-e5-small-q4
data=${DATA:-../shared/data}
volte=${VOLTE:-target/release/volte}
mkdir -p "$work"
from=()
if [ -n "${FROM_STANCE:-}" ]; then from=(--from-stance "$FROM_STANCE"); fi
start=$(date +%s)
[ "${SCORE_SHIPPED_ONLY:-0}" = 1 ] || "$py" scripts/train_stance.py --v2 --base "$base" --trainable "$trainable" --epochs "${EPOCHS:-2}" \
    --lr "${LR:-8e-5}" --head-lr "${HEAD_LR:-1e-3}" --pairs-per-thesis 4 --off-topic-share 0.15 --seed 13 \
    --eval-every "${EVAL_EVERY:-200}" --max-len "${MAX_LEN:-256}" --max-train "${MAX_TRAIN:-0}" \
    --max-dev "${MAX_DEV:-0}" --max-dev-thesis "${MAX_DEV_THESIS:-${MAX_DEV:-0}}" --max-test "${MAX_TEST:-0}" "${from[@]}" \
    --data "$data/wahlomat/state-elections.jsonl" --extra "$data/stance-extra" \
    --work "$work" --out "$work/out" --fixtures "$work/out"
[ "${SCORE_SHIPPED_ONLY:-0}" = 1 ] || echo "train wall seconds: $(( $(date +%s) - start ))"

# Evaluation sets: Wahl-O-Mat dev/test content only, every k-th row of the
# ArgQ and Perspectrum test splits (1,500 each, as in models/README.md).
"$py" scripts/wahlomat_split.py dev --without-boilerplate --data "$data/wahlomat/state-elections.jsonl" > "$work/dev.jsonl"
"$py" scripts/wahlomat_split.py test --without-boilerplate --data "$data/wahlomat/state-elections.jsonl" > "$work/test.jsonl"
"$py" - "$data/stance-extra" "$work" <<'PY'
import json, sys
extra, work = sys.argv[1], sys.argv[2]
for source, name in (("ibm-argq-30k", "argq"), ("perspectrum", "perspectrum")):
    rows = [r for r in map(json.loads, open(f"{extra}/{source}.jsonl", encoding="utf-8")) if r["split"] == "test"]
    k = max(1, len(rows) // 1500)
    with open(f"{work}/{name}-test.jsonl", "w", encoding="utf-8") as f:
        for r in rows[::k][:1500]:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY

# Each model: temperature fitted on dev and stored in a copy, then scored.
score() {
    local name=$1 model=$2 dir="$work/eval-$1"
    if [ -s "$dir/unrelated.json" ] && cmp -s "$model/stance.safetensors" "$dir/model/stance.safetensors"; then
        echo "$name: scored before ($dir)"
        return
    fi
    mkdir -p "$dir/model"
    cp "$model"/stance.json "$model"/stance.safetensors "$dir/model/"
    "$volte" eval stance-pairs "$work/dev.jsonl" --stance-model "$dir/model" --dtype int8 --fit-temperature --json > "$dir/dev-fit.json"
    "$py" - "$dir" <<'PY'
import json, sys
d = sys.argv[1]
t = json.load(open(f"{d}/dev-fit.json"))["fitted_temperature"]["temperature"]
config = json.load(open(f"{d}/model/stance.json"))
config["temperature"] = round(t, 4)
json.dump(config, open(f"{d}/model/stance.json", "w"), indent=2)
print(f"temperature {config['temperature']} stored in {d}/model/stance.json")
PY
    for split in dev test argq-test perspectrum-test; do
        "$volte" eval stance-pairs "$work/$split.jsonl" --stance-model "$dir/model" --dtype int8 --json > "$dir/$split.json"
    done
    "$volte" stance examples/ai-bailout/statements.jsonl --thesis "It will rain in Paris tomorrow afternoon." \
        --stance-model "$dir/model" --dtype int8 > "$dir/unrelated.json"
}
score shipped models/stance
# SCORE_SHIPPED_ONLY=1: only the evaluation sets and the shipped model's figures.
[ "${SCORE_SHIPPED_ONLY:-0}" = 1 ] && exit 0
score candidate "$work/out"
"$py" scripts/stance_compare.py "$work/eval-shipped" "$work/eval-candidate" | tee "$work/compare.txt"
