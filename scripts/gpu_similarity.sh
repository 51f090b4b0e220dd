#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: volte's exact top-k search on the GPU
# against the CPU path (equal output), PyTorch (`mm` + `topk` in fp16 tiles)
# and the fp16 GEMM roofline; then a real device out-of-memory (another
# process holds all but HEADROOM of the GPU's memory) that volte's encoder
# must survive by halving its batches.
#
#   scripts/gpu_similarity.sh VOLTE_BIN MODEL_DIR OUT [SIZES]
#
# VOLTE_BIN: volte built with CUDA (scripts/build-cuda); MODEL_DIR: a model
# directory (scripts/gpu_bench.sh random-model makes one); SIZES: numbers of
# random unit vectors (dimension 384) for the top-10 search (default
# "100000 1000000"; the CPU comparison runs on the first). SKIP_OOM=1 skips
# the out-of-memory part. Needs python3 with numpy and torch. Results:
# OUT/similarity.json.
set -uo pipefail
bin=$1 model=$2 out=$3 sizes=${4:-"100000 1000000"}
mkdir -p "$out"
export VOLTE_NO_PROGRESS=1
python3 - "$bin" "$model" "$out" $sizes <<'PY'
import json, os, re, subprocess, sys, time
import numpy as np
import torch

bin, model, out = sys.argv[1:4]
sizes = [int(s) for s in sys.argv[4:]]
res = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
K = 10


def volte(args, timeout=None):
    t0 = time.perf_counter()
    try:
        p = subprocess.run([bin] + args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - t0, "timeout"
    return p, time.perf_counter() - t0, p.stderr


def seconds_of(stderr):
    m = re.search(r" in ([0-9.]+) s;", stderr or "")
    return float(m.group(1)) if m else None


# fp16 GEMM peak of this GPU (the roofline).
a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
for _ in range(3):
    a @ a
torch.cuda.synchronize()
t0 = time.perf_counter()
for _ in range(10):
    a @ a
torch.cuda.synchronize()
peak = 10 * 2 * 8192**3 / (time.perf_counter() - t0)
res["fp16_gemm_tflops"] = peak / 1e12
print(f"fp16 GEMM 8192^3: {peak / 1e12:.0f} TFLOP/s", flush=True)
del a

res["topk"] = []
for i, n in enumerate(sizes):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, 384), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    path = f"/tmp/unit{n}.npy"
    np.save(path, x)
    with open(path + ".ids.txt", "w") as f:
        f.write("".join(f"r{j}\n" for j in range(n)))
    row = {"n": n, "roofline_s": 2 * n * n * 384 / peak}
    # PyTorch: fp16 score tiles and topk (k + 1: the row itself is included).
    c = torch.from_numpy(x).cuda().half()
    tile = max(1, min(n, int(8e9 // (2 * n))))
    for rep in range(2):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for s in range(0, n, tile):
            v, j = (c[s:s + tile] @ c.T).topk(K + 1, dim=1)
        torch.cuda.synchronize()
        row["torch_fp16_s"] = time.perf_counter() - t0
    del c, v, j
    torch.cuda.empty_cache()
    p, wall, err = volte(["similar", path, "-k", str(K), "--device", "cuda", "-o", f"/tmp/gpu{n}.jsonl"], timeout=240)
    row["volte_gpu_wall_s"] = wall
    row["volte_gpu_search_s"] = seconds_of(err) if p is not None else None
    row["volte_gpu_rc"] = p.returncode if p is not None else "timeout after 240 s"
    if p is not None and p.returncode != 0:
        row["volte_gpu_error"] = err[-2000:]
    if i == 0 and p is not None and p.returncode == 0:
        q, cwall, cerr = volte(["similar", path, "-k", str(K), "--device", "cpu", "-o", f"/tmp/cpu{n}.jsonl"])
        row["volte_cpu_search_s"] = seconds_of(cerr)
        row["gpu_equals_cpu"] = open(f"/tmp/gpu{n}.jsonl", "rb").read() == open(f"/tmp/cpu{n}.jsonl", "rb").read()
    if row.get("volte_gpu_search_s"):
        row["roofline_share"] = row["roofline_s"] / row["volte_gpu_search_s"]
        row["volte_over_torch"] = row["torch_fp16_s"] / row["volte_gpu_search_s"]
    print(json.dumps(row), flush=True)
    res["topk"].append(row)
    for f in (f"/tmp/gpu{n}.jsonl", f"/tmp/cpu{n}.jsonl"):
        if os.path.exists(f):
            os.remove(f)

json.dump(res, open(os.path.join(out, "similarity.json"), "w"), indent=1)
if os.environ.get("SKIP_OOM"):
    sys.exit(0)

# A real out-of-memory: another process holds all but HEADROOM bytes.
headroom = int(1.5e9)
texts = "/tmp/long.txt"
words = open(os.path.join(model, "tokenizer.json"), encoding="utf-8").read()[:400000].split('"')
long = [" ".join(words[(i * 700) % 300000:(i * 700) % 300000 + 700]).replace("\n", " ") for i in range(256)]
with open(texts, "w") as f:
    f.write("\n".join(t.strip() or "x" for t in long) + "\n")
base = ["embed", texts, "--model", model, "--device", "cuda", "--dtype", "f32", "--batch-tokens", "65536",
        "--long-text", "truncate", "--input-format", "text"]
p0, w0, e0 = volte(base + ["-o", "/tmp/oom-free.npy"])
hog = subprocess.Popen([sys.executable, "-c",
    "import sys, time, torch\n"
    "free, total = torch.cuda.mem_get_info()\n"
    "x = torch.empty(free - int(sys.argv[1]), dtype=torch.uint8, device='cuda')\n"
    "print('held', free - int(sys.argv[1]), flush=True)\n"
    "time.sleep(300)\n", str(headroom)], stdout=subprocess.PIPE, text=True)
held = hog.stdout.readline().strip()
p1, w1, e1 = volte(base + ["-o", "/tmp/oom-tight.npy", "-v"])
hog.kill()
oom = {"headroom_bytes": headroom, "hog": held, "free_rc": p0.returncode if p0 else None,
       "tight_rc": p1.returncode if p1 else None,
       "halvings": len(re.findall(r"halving", e1 or "")),
       "tight_stderr_tail": (e1 or "")[-1500:]}
if p0 and p1 and p0.returncode == 0 and p1.returncode == 0:
    a, b = np.load("/tmp/oom-free.npy"), np.load("/tmp/oom-tight.npy")
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    oom["min_cosine_tight_vs_free"] = float(cos.min())
print(json.dumps(oom), flush=True)
res["oom"] = oom
json.dump(res, open(os.path.join(out, "similarity.json"), "w"), indent=1)
PY
