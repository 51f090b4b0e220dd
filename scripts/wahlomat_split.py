#!/usr/bin/env python3
"""Writes the records of one split of the Wahl-O-Mat data (the elections the
stance model held out, as recorded in models/stance/metrics.json) as JSON
lines, for `volte eval stance-pairs`. Standard library only.

    python3 scripts/wahlomat_split.py dev > /tmp/dev.jsonl
    volte eval stance-pairs /tmp/dev.jsonl --thesis-field thesis --gold-field stance

Splits: `dev` (model selection), `test` (reported only), `train` (the rest).
Each record keeps its fields and gets an `id` (`<line>`) so errors and
score files point back to the data file.
"""
import argparse
import hashlib
import json
import sys

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("split", choices=["dev", "test", "train"])
ap.add_argument("--data", default="../shared/data/wahlomat/state-elections.jsonl")
ap.add_argument("--metrics", default="models/stance/metrics.json")
ap.add_argument("--without-boilerplate", action="store_true",
                help="drop justifications a party used for three or more theses")
args = ap.parse_args()

metrics = json.load(open(args.metrics))
raw = open(args.data, "rb").read()
digest = hashlib.sha256(raw).hexdigest()
if digest != metrics["data_sha256"]:
    sys.exit(f"{args.data}: SHA-256 {digest} is not the data the model was trained on ({metrics['data_sha256']})")
held = {s: set(metrics["elections"][s]) for s in ("dev", "test")}
records = [json.loads(l) for l in raw.decode("utf-8").splitlines()]
counts = {}
for r in records:
    t = r["text"].strip()
    counts[t] = counts.get(t, 0) + 1
out = sys.stdout
for i, r in enumerate(records, 1):
    e = r["election"]
    split = "dev" if e in held["dev"] else "test" if e in held["test"] else "train"
    if split != args.split:
        continue
    if args.without_boilerplate and counts[r["text"].strip()] >= 3:
        continue
    out.write(json.dumps({"id": str(i), **r}, ensure_ascii=False) + "\n")
