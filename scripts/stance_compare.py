#!/usr/bin/env python3
"""Compares two stance models scored by scripts/train_stance_v2.sh: one line
per evaluation set (agree/disagree accuracy, AUC, ECE), the fitted
temperature, the share of statements answered neutral (p_neutral >= 0.5) for
an unrelated thesis, and whether the second model may replace the first (it
beats it on Wahl-O-Mat dev and is not worse on test).

    python scripts/stance_compare.py target/stance-v2/eval-shipped target/stance-v2/eval-candidate
"""

import json
import sys
from pathlib import Path


def neutral_values(v):
    """Every p_neutral in a JSON document, wherever it is nested."""
    if isinstance(v, dict):
        if "p_neutral" in v:
            yield v["p_neutral"]
        for x in v.values():
            yield from neutral_values(x)
    elif isinstance(v, list):
        for x in v:
            yield from neutral_values(x)


def read_json_or_lines(path):
    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(l) for l in text.splitlines() if l.strip()]


def figures(d):
    d = Path(d)
    out = {"temperature": json.load(open(d / "model" / "stance.json"))["temperature"]}
    for split in ("dev", "test", "argq-test", "perspectrum-test"):
        e = json.load(open(d / f"{split}.json"))
        out[split] = {
            "pairs": e["pairs"],
            "accuracy": e["accuracy"],
            "auc": e["auc"],
            "ece_agree_disagree": e["calibration"]["agree_disagree"]["ece"],
            "ece_three_way": e["calibration"]["three_way"]["ece"],
            "pairs_per_second": e["pairs_per_second"],
        }
    p = list(neutral_values(read_json_or_lines(d / "unrelated.json")))
    out["unrelated_neutral"] = {"statements": len(p), "share": sum(x >= 0.5 for x in p) / max(1, len(p))}
    return out


def main():
    a, b = figures(sys.argv[1]), figures(sys.argv[2])
    names = (Path(sys.argv[1]).name, Path(sys.argv[2]).name)
    print(f"{'':18} {names[0]:>40} {names[1]:>40}")
    for split in ("dev", "test", "argq-test", "perspectrum-test"):
        row = []
        for f in (a, b):
            s = f[split]
            row.append(f"acc {s['accuracy']:.4f} auc {s['auc']:.4f} ece {s['ece_agree_disagree']:.3f}/{s['ece_three_way']:.3f}")
        print(f"{split + ' (' + str(a[split]['pairs']) + ')':18} {row[0]:>40} {row[1]:>40}")
    print(f"{'temperature':18} {a['temperature']:>40} {b['temperature']:>40}")
    ua, ub = a["unrelated_neutral"], b["unrelated_neutral"]
    print(f"{'unrelated neutral':18} {ua['share']:>40.2f} {ub['share']:>40.2f}  (of {ua['statements']})")
    better = b["dev"]["accuracy"] > a["dev"]["accuracy"] and b["test"]["accuracy"] >= a["test"]["accuracy"]
    print("replace:", "yes" if better else "no", "(beats on dev and not worse on test)")
    json.dump({names[0]: a, names[1]: b, "replace": better}, open(Path(sys.argv[2]).parent / "compare.json", "w"), indent=2)


if __name__ == "__main__":
    main()
