"""Reference STS benchmark figures for multilingual-e5-small on the dequantized E5S1 weights.

For each configured language, embeds sentence1 and sentence2 of
``stsb-<lang>-test.csv`` (prefix + sentence, tokenized by
``scripts/reference_tokenizer.py``, embedded by the numpy ``Encoder`` of
``scripts/reference_forward.py`` with float activations) and reports the
Spearman rank correlation (average ranks for ties) between the cosine of
each pair and its gold score. Default runs: en with "query: ", fr with no
prefix, de with "query: ".

Prints one line per language and writes ``--out`` (default
tests/fixtures/reference_sts.json) with the figures and the settings used.
It takes a few minutes per language on two CPU cores.

Run:

    /work/venv-ref/bin/python scripts/reference_sts.py \
        [--runs "en=query: " "fr=" "de=query: "] [--dtype float32] \
        [--sts-dir /work/shared/data/stsb-multi-mt] [--out tests/fixtures/reference_sts.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5s1  # noqa: E402
import reference_forward as rf  # noqa: E402
import reference_tokenizer as rt  # noqa: E402


def average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties receiving the mean of the ranks they span."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    sx = x[order]
    ranks = np.empty(len(x), dtype=np.float64)
    i = 0
    while i < len(x):
        j = i
        while j + 1 < len(x) and sx[j + 1] == sx[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def spearman(a, b) -> float:
    ra, rb = average_ranks(a), average_ranks(b)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra @ rb) / np.sqrt((ra @ ra) * (rb @ rb)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=e5s1.DEFAULT_MODEL, help="E5S1 model file")
    ap.add_argument("--charsmap", default=rt.DEFAULT_CHARSMAP)
    ap.add_argument("--sts-dir", default=rt.DEFAULT_STS_DIR)
    ap.add_argument("--runs", nargs="+", default=["en=query: ", "fr=", "de=query: "],
                    help="LANG=PREFIX items")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--batch-tokens", type=int, default=8192)
    ap.add_argument("--out", default="tests/fixtures/reference_sts.json")
    args = ap.parse_args()

    m = e5s1.load(args.model)
    sp = rt.load_processor(args.model, args.charsmap, m=m)
    enc = rf.Encoder(m, np.float32 if args.dtype == "float32" else np.float64)

    results = []
    for run in args.runs:
        lang, _, prefix = run.partition("=")
        path = os.path.join(args.sts_dir, f"stsb-{lang}-test.csv")
        rows = rt.read_sts(path)
        uniq = list(dict.fromkeys([r[0] for r in rows] + [r[1] for r in rows]))
        index = {t: i for i, t in enumerate(uniq)}
        seqs = [rt.encode_with_specials(sp, prefix + t, m.MAXP) for t in uniq]
        t0 = time.time()
        E = enc.embed(seqs, batch_tokens=args.batch_tokens, progress=True)
        dt = time.time() - t0
        cos = np.array([float(E[index[a]] @ E[index[b]]) for a, b, _ in rows])
        gold = np.array([g for _, _, g in rows])
        rho = spearman(cos, gold)
        check = None
        try:
            from scipy.stats import spearmanr
            check = float(spearmanr(cos, gold).statistic)
        except ImportError:
            pass
        print(f"{lang} prefix={prefix!r}: spearman={rho:.4f}"
              + (f" (scipy {check:.4f})" if check is not None else "")
              + f"  pairs={len(rows)} unique={len(uniq)} tokens={sum(map(len, seqs))} time={dt:.0f}s",
              flush=True)
        results.append({"lang": lang, "file": os.path.basename(path), "prefix": prefix,
                        "pairs": len(rows), "spearman": round(rho, 6)})

    doc = {
        "model": "multilingual-e5-small (E5S1 Q4_0 weights, dequantized; float activations)",
        "model_file": os.path.basename(args.model),
        "dtype": args.dtype,
        "metric": "Spearman rank correlation (average ranks for ties) of cosine vs gold score",
        "results": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
