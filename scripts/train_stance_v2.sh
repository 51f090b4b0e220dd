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
# int8 path on the Wahl-O-Mat dev and test splits (content only), its
# temperature fitted on dev. It replaces models/stance/ only when it beats the
# shipped model on dev and is not worse on test (see models/README.md).
# Needs scripts/requirements-train.txt and a release build of volte.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
work=target/stance-v2
trainable=${TRAINABLE:-6}
base=${VOLTE_CACHE:-$HOME/.cache/volte}/models/multilingual-e5-small-q4
mkdir -p "$work"
"$py" scripts/train_stance.py --v2 --base "$base" --trainable "$trainable" --epochs "${EPOCHS:-2}" \
    --lr 8e-5 --pairs-per-thesis 4 --off-topic-share 0.15 --seed 13 --eval-every "${EVAL_EVERY:-200}" \
    --work "$work" --out "$work/out" --fixtures "$work/out"
volte=${VOLTE:-target/release/volte}
"$py" scripts/wahlomat_split.py dev --without-boilerplate > "$work/dev.jsonl"
"$py" scripts/wahlomat_split.py test --without-boilerplate > "$work/test.jsonl"
"$volte" eval stance-pairs "$work/dev.jsonl" --stance-model "$work/out" --fit-temperature --json > "$work/dev-eval.json"
# Store the temperature fitted on dev in the candidate's stance.json, then
# score test once with it.
"$py" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
t = json.load(open(f"{work}/dev-eval.json"))["fitted_temperature"]["temperature"]
path = f"{work}/out/stance.json"
config = json.load(open(path))
config["temperature"] = round(t, 4)
json.dump(config, open(path, "w"), indent=2)
print(f"temperature {config['temperature']} stored in {path}")
PY
"$volte" eval stance-pairs "$work/test.jsonl" --stance-model "$work/out" --json > "$work/test-eval.json"
echo "candidate: $work/out; dev figures (before the temperature, and the fit): $work/dev-eval.json; test: $work/test-eval.json"
