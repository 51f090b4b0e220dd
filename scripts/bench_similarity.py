"""Compare volte's exact all-vs-all top-k search with FAISS (IndexFlatIP) on
the same random unit vectors, in one run, and time community detection on
100,000 clustered embeddings.

For each n, the same float32 vectors (d = 384, L2-normalized, fixed seed) are
written as .npy and searched by both engines for the 10 nearest other rows:
volte through `examples/bench_similarity.rs` (its own process; the search is
timed inside, loading excluded), FAISS in this process (`IndexFlatIP`, k = 11
with the row itself dropped; index building excluded). Both use every core
(rayon / OpenMP). The table gives the search times, the ratio volte / FAISS
(below 1.0 means volte is faster), GFLOP/s counted as 2·n²·d for both
(although volte computes only half of the symmetric score matrix), and the
CPU seconds of each (volte: its whole process; FAISS: the search call), which
shift less than wall times when other work shares the machine.

Exactness: rows whose neighbour lists differ between the engines are
checked against float64 scores — a difference is a tie only if the swapped
neighbours score within 1e-5 of each other — and volte's lists for sampled
rows are compared with a float64 numpy brute force, which they must equal.

Clustering: `volte cluster` (community detection) on 100,000 embeddings drawn
around 2,000 topic centres (Zipf-like sizes) plus 10% noise, timed end to end
with its CPU time and the peak RSS of the process (wait4).

Setup (once):
    python3 -m venv /work/venv-bench
    /work/venv-bench/bin/pip install faiss-cpu numpy
Run (from the repository root; builds volte first):
    /work/venv-bench/bin/python scripts/bench_similarity.py
"""
import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

try:
    import faiss
except ImportError:
    sys.exit("faiss is missing: /work/venv-bench/bin/pip install faiss-cpu numpy")

DIM = 384
K = 10


def unit_rows(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, DIM), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def clustered_rows(n, topics, noise_share, seed):
    """Points around `topics` random centres with Zipf-like topic sizes; the
    noise share are independent random points. Same-topic cosine ~ 0.93."""
    rng = np.random.default_rng(seed)
    centres = unit_rows(topics, seed + 1)
    weights = 1.0 / np.arange(1, topics + 1) ** 0.8
    n_topic = n - int(n * noise_share)
    labels = rng.choice(topics, size=n_topic, p=weights / weights.sum())
    noise = rng.standard_normal((n_topic, DIM), dtype=np.float32) * np.float32(0.27 / np.sqrt(DIM))
    x = np.concatenate([centres[labels] + noise, unit_rows(n - n_topic, seed + 2)])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32)


def run_with_rss(cmd):
    """Runs a command; returns (stdout, stderr, wall seconds, CPU seconds,
    peak RSS MiB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Read the pipes fully before reaping the child with wait4 for its rusage.
    out, err = p.stdout.read(), p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{err.decode()}")
    cpu = usage.ru_utime + usage.ru_stime
    return out.decode(), err.decode(), wall, cpu, usage.ru_maxrss / 1024.0


def volte_topk(binary, path, prefix):
    out, _, wall, cpu, rss = run_with_rss([binary, path, str(K), prefix])
    info = json.loads(out.strip().splitlines()[-1])
    return info["seconds"], wall, cpu, rss, np.load(prefix + ".indices.npy")


def faiss_topk(x):
    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    scores, ids = index.search(x, K + 1)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    # Drop each row itself (wherever ties put it), keep K.
    n = x.shape[0]
    keep = ids != np.arange(n)[:, None]
    out_ids = np.empty((n, K), dtype=np.int64)
    for i in range(n):
        out_ids[i] = ids[i][keep[i]][:K]
    return seconds, cpu, out_ids


def compare(x, v_ids, f_ids, samples, seed):
    """Rows equal, rows differing only by ties, rows differing otherwise, and
    the number of sampled rows where volte differs from float64 brute force."""
    n = x.shape[0]
    same = np.all(v_ids == f_ids, axis=1)
    ties, real = 0, 0
    for i in np.nonzero(~same)[0]:
        xi = x[i].astype(np.float64)
        sv = np.sort(x[v_ids[i]].astype(np.float64) @ xi)[::-1]
        sf = np.sort(x[f_ids[i]].astype(np.float64) @ xi)[::-1]
        if np.max(np.abs(sv - sf)) <= 1e-5:
            ties += 1
        else:
            real += 1
    rng = np.random.default_rng(seed)
    rows = rng.choice(n, size=min(samples, n), replace=False)
    x64 = x.astype(np.float64)
    mismatched = 0
    for i in rows:
        s = x64 @ x64[i]
        s[i] = -np.inf
        # Score descending, then index ascending.
        order = np.lexsort((np.arange(n), -s))[:K]
        if not np.array_equal(order, v_ids[i]):
            mismatched += 1
    return int(same.sum()), ties, real, len(rows), mismatched


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20000,100000")
    ap.add_argument("--workdir", default="/tmp/volte-bench-similarity")
    ap.add_argument("--cluster-n", type=int, default=100000)
    ap.add_argument("--samples", type=int, default=300, help="rows checked against float64")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    subprocess.run(["cargo", "build", "--release", "--bin", "volte", "--example", "bench_similarity"], check=True)
    bench = os.path.join("target", "release", "examples", "bench_similarity")
    volte = os.path.join("target", "release", "volte")

    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines() if l.startswith("Model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores; faiss {faiss.__version__} ({faiss.omp_get_max_threads()} threads); numpy {np.__version__}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; load average {os.getloadavg()[0]:.2f}\n")

    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        x = unit_rows(n, seed=n)
        path = os.path.join(args.workdir, f"random-{n}.npy")
        np.save(path, x)
        prefix = os.path.join(args.workdir, f"volte-{n}")
        v_s, v_wall, v_cpu, v_rss, v_ids = volte_topk(bench, path, prefix)
        f_s, f_cpu, f_ids = faiss_topk(x)
        same, ties, real, sampled, mismatched = compare(x, v_ids, f_ids, args.samples, seed=n)
        flops = 2.0 * n * n * DIM
        rows.append((n, v_s, f_s, v_cpu, f_cpu, flops, same, ties, real, sampled, mismatched))
        print(f"n={n}: volte {v_s:.2f} s (process: {v_wall:.2f} s wall, {v_cpu:.2f} s CPU, {v_rss:.0f} MiB), "
              f"faiss {f_s:.2f} s ({f_cpu:.2f} s CPU); load average {os.getloadavg()[0]:.2f}", flush=True)

    print("\n| n | d | k | volte s | FAISS s | volte / FAISS | volte GFLOP/s | FAISS GFLOP/s | volte CPU s | FAISS CPU s | CPU ratio | rows identical | tie swaps | other differences | volte = float64 brute force |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n, v_s, f_s, v_cpu, f_cpu, flops, same, ties, real, sampled, mismatched in rows:
        print(f"| {n:,} | {DIM} | {K} | {v_s:.2f} | {f_s:.2f} | {v_s / f_s:.3f} | {flops / v_s / 1e9:.1f} | {flops / f_s / 1e9:.1f} "
              f"| {v_cpu:.1f} | {f_cpu:.1f} | {v_cpu / f_cpu:.3f} "
              f"| {same:,} / {n:,} | {ties} | {real} | {sampled - mismatched} / {sampled} sampled rows |")

    n = args.cluster_n
    x = clustered_rows(n, topics=2000, noise_share=0.1, seed=7)
    path = os.path.join(args.workdir, f"clustered-{n}.npy")
    np.save(path, x)
    out_json = os.path.join(args.workdir, f"clusters-{n}.json")
    cmd = [volte, "cluster", path, "--method", "community", "--threshold", "0.9", "--min-size", "5", "-o", out_json]
    _, err, wall, cpu_s, rss = run_with_rss(cmd)
    with open(out_json) as f:
        doc = json.load(f)
    clustered = sum(c["size"] for c in doc["clusters"])
    print(f"\nclustering: `{' '.join(cmd[1:])}`")
    print("\n| n | method | threshold | min size | wall s (load + cluster + write) | CPU s | peak RSS MiB | topics | clustered | unassigned |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {n:,} | community | 0.9 | 5 | {wall:.2f} | {cpu_s:.1f} | {rss:.0f} | {len(doc['clusters']):,} | {clustered:,} | {len(doc['unassigned']):,} |")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print("\n" + err.strip())


if __name__ == "__main__":
    main()
