"""How much stance polarity the embeddings hold, measured with the gold labels.

The unsupervised stance of `volte report` (no --axes) can only find a turn
when the embeddings separate the two stances of a topic without being told
which is which. This probe asks an easier, supervised question on the same
vectors: with the gold labels of every other statement, does the
statement fall on the side of its own stance?

For each gold group (the `axis` of the gold file's shifts and steady
series) it takes the labelled statements in the analysis space of
`volte report` (embeddings minus their language's mean, re-normalized;
languages with fewer than 5 statements use the corpus mean) and reports

* `loo`: leave-one-out nearest-centroid accuracy (the label of the closer of
  the +1 and -1 centroids of the other statements), a supervised upper
  bound for what an unsupervised split can find;
* `|r| PC1..PC5`: the absolute correlation between the labels and the
  group's first five principal components (the unsupervised opposition
  starts from PC1);
* for each statement after a gold turn, its signed margin on the
  leave-one-out centroid axis (positive = on the side of its own stance);
* for each gold shift, the cosine between the speaker's move (mean of the
  `after` statements minus mean of the `before` ones) and the axis from the
  other speakers' -1 centroid to their +1 centroid, signed so that positive
  means "towards the new stance"; steady series (split in two halves by
  date) show the same cosine for comparison, where 0 is expected.

Run (embeddings from `volte embed --prompt-name query`, as `volte report`
uses):

    volte embed STATEMENTS.jsonl --prompt-name query -o /tmp/e.npy
    python scripts/stance_probe.py STATEMENTS.jsonl /tmp/e.npy GOLD.json
"""

from __future__ import annotations

import json
import sys

import numpy as np

MIN_PER_LANGUAGE = 5


def analysis_space(statements: list[dict], emb: np.ndarray) -> np.ndarray:
    out = emb.astype(np.float64).copy()
    corpus_mean = emb.mean(0)
    by_lang: dict[str, list[int]] = {}
    for i, s in enumerate(statements):
        lang = (s.get("lang") or "").strip()
        by_lang.setdefault(lang, []).append(i)
    for lang, rows in by_lang.items():
        mean = emb[rows].mean(0) if lang and len(rows) >= MIN_PER_LANGUAGE else corpus_mean
        out[rows] = emb[rows] - mean
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def labels(gold: dict) -> tuple[dict[str, tuple[str, float]], set[str]]:
    out: dict[str, tuple[str, float]] = {}
    after: set[str] = set()
    for s in gold["shifts"]:
        group = s.get("axis") or s.get("topic_hint") or s["speaker"]
        if s.get("from_stance") is not None:
            out.update({i: (group, float(np.sign(s["from_stance"]))) for i in s["before"]})
        if s.get("to_stance") is not None:
            out.update({i: (group, float(np.sign(s["to_stance"]))) for i in s["after"]})
            after.update(s["after"])
    for s in gold.get("steady", []):
        group = s.get("axis") or s.get("topic_hint") or s["speaker"]
        out.update({i: (group, float(np.sign(s["stance"]))) for i in s["ids"]})
    return out, after


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    statements = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    emb = np.load(sys.argv[2])
    if len(statements) != len(emb):
        sys.exit(f"{len(statements)} statements but {len(emb)} embeddings")
    gold = json.load(open(sys.argv[3], encoding="utf-8"))
    space = analysis_space(statements, emb)
    row = {s["id"]: i for i, s in enumerate(statements)}
    lab, after = labels(gold)
    groups = sorted({g for g, _ in lab.values()})
    print(f"{'group':24} {'n':>3} {'loo':>6}  |r| PC1..PC5")
    for g in groups:
        ids = [i for i, (gg, _) in lab.items() if gg == g and i in row]
        x = space[[row[i] for i in ids]]
        y = np.array([lab[i][1] for i in ids])
        right = 0
        margins = []
        for k in range(len(ids)):
            keep = np.arange(len(ids)) != k
            pro, con = x[keep & (y > 0)], x[keep & (y < 0)]
            if len(pro) == 0 or len(con) == 0:
                continue
            d = pro.mean(0) - con.mean(0)
            mid = (pro.mean(0) + con.mean(0)) / 2
            margin = float((x[k] - mid) @ d / (d @ d / 2)) * y[k]
            right += margin > 0
            if ids[k] in after:
                margins.append((ids[k], margin))
        centred = x - x.mean(0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        r = [abs(np.corrcoef(centred @ vt[c], y)[0, 1]) for c in range(min(5, len(vt)))]
        print(f"{g:24} {len(ids):3d} {right / len(ids):6.3f}  " + " ".join(f"{v:.2f}" for v in r))
        for i, m in margins:
            print(f"  after a turn: {i} margin {m:+.2f}")
    print("moves against the other speakers' axis (cosine; + = towards the new stance)")
    speaker = {s["id"]: s["speaker"] for s in statements}
    date = {s["id"]: s.get("date") or "" for s in statements}

    def others_axis(group: str, who: str) -> np.ndarray | None:
        ids = [i for i, (g, _) in lab.items() if g == group and speaker.get(i) != who and i in row]
        pro = [row[i] for i in ids if lab[i][1] > 0]
        con = [row[i] for i in ids if lab[i][1] < 0]
        if not pro or not con:
            return None
        a = space[pro].mean(0) - space[con].mean(0)
        return a / np.linalg.norm(a)

    def move(before: list[str], after: list[str]) -> np.ndarray:
        return space[[row[i] for i in after]].mean(0) - space[[row[i] for i in before]].mean(0)

    for s in gold["shifts"]:
        group = s.get("axis") or s.get("topic_hint") or s["speaker"]
        a = others_axis(group, s["speaker"])
        if a is None or s.get("from_stance") is None or s.get("to_stance") is None:
            continue
        d = move(s["before"], s["after"])
        sign = np.sign(s["to_stance"] - s["from_stance"])
        print(f"  shift  {s['speaker']:24} {group:24} {sign * (d @ a) / np.linalg.norm(d):+.2f}")
    for s in gold.get("steady", []):
        group = s.get("axis") or s.get("topic_hint") or s["speaker"]
        ids = sorted(s["ids"], key=lambda i: date[i])
        a = others_axis(group, s["speaker"])
        if a is None or len(ids) < 2:
            continue
        d = move(ids[: len(ids) // 2], ids[len(ids) // 2 :])
        print(f"  steady {s['speaker']:24} {group:24} {(d @ a) / np.linalg.norm(d):+.2f}")


if __name__ == "__main__":
    main()
