#!/usr/bin/env python3
"""Builds the large corpora of the scale benchmarks (BENCHMARKS.md) from the
STS-benchmark test sentences of ../shared/data/stsb-multi-mt/.

    scale_corpus.py sentences OUT.jsonl
        every distinct sentence of the 10 languages, once (id, text, lang)

    scale_corpus.py expand SENTENCES.jsonl SENTENCES.npy N OUT [--noise 0.3]
        N statements (OUT.jsonl) and their embeddings (OUT.npy + OUT.ids.txt):
        statement k repeats sentence k mod S (S distinct sentences, embedded
        in SENTENCES.npy by `volte embed`), said by one of 2,000 speakers on a
        day of 2024-2025; its embedding is the sentence's, moved by Gaussian
        noise of relative size --noise and renormalized (copy 0 keeps the
        sentence's own embedding). With --noise 0.3 two copies of a sentence
        score about 0.92 (the clustering threshold), so many pairs sit right at
        the cut.

Only numpy is needed; the output is the same for the same arguments (seeded).
"""
import argparse
import csv
import datetime
import json
import os
import sys

import numpy as np

LANGS = ["de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh"]
DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "stsb-multi-mt")


def sentences(out):
    seen = set()
    with open(out, "w", encoding="utf-8") as f:
        for lang in LANGS:
            with open(os.path.join(DATA, f"stsb-{lang}-test.csv"), encoding="utf-8", newline="") as src:
                for row in csv.reader(src):
                    for text in row[:2]:
                        text = text.strip()
                        if text and text not in seen:
                            seen.add(text)
                            f.write(json.dumps({"id": f"t{len(seen)}", "text": text, "lang": lang},
                                               ensure_ascii=False) + "\n")
    print(f"{len(seen)} distinct sentences -> {out}", file=sys.stderr)


def expand(args):
    rng = np.random.default_rng(args.seed)
    base = [json.loads(line) for line in open(args.sentences, encoding="utf-8")]
    emb = np.load(args.embeddings, mmap_mode="r")
    if emb.shape[0] != len(base):
        sys.exit(f"{args.embeddings} has {emb.shape[0]} rows, {args.sentences} {len(base)} lines")
    s, dim = emb.shape
    first = datetime.date(2024, 1, 1)
    days = (datetime.date(2025, 12, 31) - first).days + 1
    speakers = rng.integers(0, args.speakers, size=args.n)
    dates = rng.integers(0, days, size=args.n)
    vectors = np.lib.format.open_memmap(args.out + ".npy", mode="w+", dtype="<f4", shape=(args.n, dim))
    block = 1 << 16
    with open(args.out + ".jsonl", "w", encoding="utf-8") as f, \
            open(args.out + ".npy.ids.txt", "w", encoding="utf-8") as ids:
        for start in range(0, args.n, block):
            k = np.arange(start, min(start + block, args.n))
            rows = np.asarray(emb[k % s], dtype=np.float64)
            noise = rng.standard_normal(rows.shape) / np.sqrt(dim)
            noise[k < s] = 0.0
            moved = rows + args.noise * noise
            moved /= np.linalg.norm(moved, axis=1, keepdims=True)
            vectors[start:start + len(k)] = moved.astype(np.float32)
            for i in k:
                b = base[i % s]
                sid = f"s{i}"
                date = first + datetime.timedelta(days=int(dates[i]))
                f.write(json.dumps({"id": sid, "text": b["text"], "speaker": f"speaker {speakers[i]}",
                                    "date": date.isoformat(), "lang": b["lang"]}, ensure_ascii=False) + "\n")
                ids.write(sid + "\n")
    vectors.flush()
    print(f"{args.n} statements -> {args.out}.jsonl, {args.out}.npy", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("sentences")
    a.add_argument("out")
    b = sub.add_parser("expand")
    b.add_argument("sentences")
    b.add_argument("embeddings")
    b.add_argument("n", type=int)
    b.add_argument("out")
    b.add_argument("--noise", type=float, default=0.3)
    b.add_argument("--speakers", type=int, default=2000)
    b.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.command == "sentences":
        sentences(args.out)
    else:
        expand(args)


if __name__ == "__main__":
    main()
