#!/usr/bin/env python3
"""Writes a stance-shift development set from the Wahl-O-Mat state-election
data, in the files `volte eval shifts` reads. Standard library only.

    python3 scripts/wahlomat_shifts.py dev --out /tmp/shifts-dev
    volte eval shifts /tmp/shifts-dev/berlin/gold.json \\
        --input /tmp/shifts-dev/berlin/statements.jsonl \\
        --axes /tmp/shifts-dev/berlin/theses.toml

For every state of the split's elections (models/stance/metrics.json: the
elections the stance model held out), a directory with:

* `statements.jsonl`: one statement per (election, party, question): the
  party's justification, dated on election day, speaker = party;
* `theses.toml`: one axis per recurring question (a `label` asked in two or
  more of the state's elections), with its latest wording; earlier wordings
  are compared with it (see `same_question`): answers to one asked the other
  way round are turned round, and one that asks something else is left out;
* `gold.json`: every change of a party's answer between agree and disagree
  from one election to a later one on the same question is a shift; a party
  that gave one answer in every election of a question is a steady series.

Left out: neutral answers, boilerplate (a justification a party used three
times or more, or shorter than 40 characters), parties with fewer than two
answered elections on a question. `--max-questions` keeps the questions with
the most parties (the stance model reads every statement with every thesis).
A state's series span its other elections too, whose statements the model
was trained on: the turn detector sees statements scored better than unseen
ones would be.
"""
import argparse
import collections
import hashlib
import json
import os
import re
import sys

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("split", choices=["dev", "test"])
ap.add_argument("--out", required=True, help="directory to write one sub-directory per state into")
ap.add_argument("--data", default="../shared/data/wahlomat/state-elections.jsonl")
ap.add_argument("--metrics", default="models/stance/metrics.json")
ap.add_argument("--max-questions", type=int, default=8)
args = ap.parse_args()

metrics = json.load(open(args.metrics))
raw = open(args.data, "rb").read()
digest = hashlib.sha256(raw).hexdigest()
if digest != metrics["data_sha256"]:
    sys.exit(f"{args.data}: SHA-256 {digest} is not the data the stance model was split on")
held = set(metrics["elections"][args.split])
records = [json.loads(l) for l in raw.decode("utf-8").splitlines()]

uses = collections.Counter((r["party"], r["text"].strip()) for r in records)


def boilerplate(r):
    t = r["text"].strip()
    return len(t) < 40 or uses[(r["party"], t)] >= 3


def norm(t):
    return re.sub(r"[\W_]+", " ", t.lower()).strip()


def words(t):
    return {w for w in norm(t).split() if len(w) > 3}


def same_question(rs):
    """The records of one label that answer the latest wording of its thesis,
    with answers to an earlier wording turned round when that wording asks
    the other way: an earlier wording is kept when it shares at least 30 % of
    its words with the latest, and taken as the same direction when at least
    70 % of the parties that answered both (agree or disagree) gave the same
    answer, as the other direction when at most 30 % did; otherwise dropped."""
    latest = max(rs, key=lambda r: r["date"])
    ref = norm(latest["thesis"])
    ref_answers = {r["party"]: r["stance"] for r in rs if norm(r["thesis"]) == ref and r["stance"]}
    out = [r for r in rs if norm(r["thesis"]) == ref]
    for version in {norm(r["thesis"]) for r in rs} - {ref}:
        vr = [r for r in rs if norm(r["thesis"]) == version]
        a, b = words(version), words(ref)
        if len(a & b) / max(1, len(a | b)) < 0.3:
            continue
        both = [(r["stance"], ref_answers[r["party"]]) for r in vr if r["stance"] and r["party"] in ref_answers]
        if len(both) < 4:
            continue
        same = sum(x == y for x, y in both) / len(both)
        if same >= 0.7:
            out.extend(vr)
        elif same <= 0.3:
            out.extend({**r, "stance": -r["stance"]} for r in vr)
    return out


def state_of(e):
    return e.split("/", 1)[1]


summary = []
for state in sorted({state_of(e) for e in held}):
    recs = [r for r in records if state_of(r["election"]) == state]
    by_label = collections.defaultdict(list)
    for r in recs:
        by_label[r["label"]].append(r)
    questions = []
    for label, rs in by_label.items():
        rs = same_question(rs)
        if len({r["election"] for r in rs}) < 2:
            continue
        series = collections.defaultdict(list)
        for r in rs:
            if r["stance"] != 0 and not boilerplate(r):
                series[r["party"]].append(r)
        series = {p: sorted(v, key=lambda r: r["date"]) for p, v in series.items()
                  if len({r["election"] for r in v}) >= 2}
        if series:
            latest = max(rs, key=lambda r: r["date"])
            questions.append((label, latest["thesis"], series))
    questions.sort(key=lambda q: (-len(q[2]), q[0]))
    questions = questions[: args.max_questions]
    if not questions:
        continue
    d = os.path.join(args.out, state)
    os.makedirs(d, exist_ok=True)
    statements, shifts, steady, axes = [], [], [], []
    for k, (label, thesis, series) in enumerate(questions):
        name = f"q{k + 1:02d}-" + "-".join(norm(label).split()[:4])
        axes.append((name, label, thesis))
        for party, rs in sorted(series.items()):
            ids = []
            for r in rs:
                sid = f"{state}-{r['date'][:4]}-{k + 1:02d}-{norm(party).replace(' ', '_')}"
                statements.append({"id": sid, "text": r["text"].strip(), "speaker": party,
                                   "date": r["date"], "lang": "de", "source": r["election"]})
                ids.append((sid, r))
            if len({r["stance"] for _, r in ids}) == 1:
                steady.append({"speaker": party, "axis": name, "stance": ids[0][1]["stance"],
                               "ids": [s for s, _ in ids]})
                continue
            for j in range(1, len(ids)):
                if ids[j][1]["stance"] != ids[j - 1][1]["stance"]:
                    start = max(i for i in range(j) if i == 0 or ids[i][1]["stance"] != ids[i - 1][1]["stance"])
                    end = next((i for i in range(j + 1, len(ids)) if ids[i][1]["stance"] != ids[j][1]["stance"]), len(ids))
                    shifts.append({"speaker": party, "axis": name, "topic_hint": label,
                                   "from_date": ids[j - 1][1]["date"], "to_date": ids[j][1]["date"],
                                   "before": [s for s, _ in ids[start:j]], "after": [s for s, _ in ids[j:end]],
                                   "from_stance": ids[j - 1][1]["stance"], "to_stance": ids[j][1]["stance"]})
    with open(os.path.join(d, "statements.jsonl"), "w") as f:
        for s in statements:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    with open(os.path.join(d, "theses.toml"), "w") as f:
        f.write(f"# Recurring Wahl-O-Mat questions of {state} (scripts/wahlomat_shifts.py).\n")
        for name, label, thesis in axes:
            f.write(f"\n[[axis]]\nname = {json.dumps(name)}\ndescription = {json.dumps(label, ensure_ascii=False)}\n"
                    f"thesis = {json.dumps(thesis, ensure_ascii=False)}\n")
    with open(os.path.join(d, "gold.json"), "w") as f:
        json.dump({"shifts": shifts, "steady": steady}, f, ensure_ascii=False, indent=1)
    summary.append((state, len(statements), len(axes), len(shifts), len(steady)))
for state, n, q, sh, st in summary:
    print(f"{state}: {n} statements, {q} questions, {sh} gold shifts, {st} steady series, "
          f"{n * q} pairs", file=sys.stderr)
