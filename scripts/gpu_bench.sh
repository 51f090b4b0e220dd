#!/usr/bin/env bash
# GPU check and benchmark of volte's CUDA build (target/cuda/release/volte,
# built by scripts/build-cuda) against sentence-transformers (PyTorch fp16 on
# CUDA), on the same model directory:
#
#   1. parity: the unique sentences of an STSb CSV embedded with
#      `--device cuda --dtype f16`, `--device cuda --dtype f32` and
#      `--device cpu --dtype f32`; the row-wise cosine of each GPU run to the
#      CPU float32 one must be >= 0.999, and >= 0.99 once the mean CPU
#      embedding is removed from both (sentence-transformers fp16 is compared
#      too, for information);
#   2. throughput: tokens/s of volte and of sentence-transformers at batch
#      sizes 32..1024, printed as a table.
#
# Results go to $OUT when it is set, else to out/gpu-bench.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage:
  scripts/gpu_bench.sh prepare [--model-src DIR] [--csv FILE]
      On the build machine: copy what the benchmark needs besides the binary
      into .carry/ (ignored by git): the model's configuration and tokenizer
      (not its weights) in .carry/model-src, and the CSV in .carry/data.
      Carry target/cuda/release/volte and .carry to the GPU machine.

  scripts/gpu_bench.sh random-model SRC DST [--seed N] [--dtype f16|f32]
      Write a model directory DST with the architecture, tokenizer and
      sentence-transformers files of SRC and random weights (normal with the
      config's initializer_range; LayerNorm 1/0; biases 0) as
      model.safetensors. Needs Python with numpy only. Used where the real
      weights are too big to carry (model.safetensors is 470 MB, model.e5s1
      72 MB): throughput does not depend on the values, and parity is
      checked on the same weights for every engine.

  scripts/gpu_bench.sh libs BIN WORK
      On the GPU machine: find the CUDA libraries BIN needs (as `run` does,
      building a libcuRAND stand-in in WORK/lib when there is none) and print
      the `export LD_LIBRARY_PATH=...` line that makes BIN start.

  scripts/gpu_bench.sh run [options]        (the default command)
      On the GPU machine, from the repository root.
      --model DIR     model directory, sentence-transformers layout
                      (default .carry/model; generated from .carry/model-src
                      with random weights when missing)
      --csv FILE      STSb-style CSV (sentence1,sentence2,score; no header)
                      (default: .carry/data/stsb-fr-test.csv, else
                      shared/data/stsb-multi-mt/stsb-fr-test.csv, else
                      ../shared/data/stsb-multi-mt/stsb-fr-test.csv)
      --volte BIN     volte built with CUDA (default target/cuda/release/volte)
      --batches LIST  batch sizes, e.g. "32 64 128 256 512 1024" (the default)
      --dtypes LIST   volte GPU dtypes to time (default "f16"; e.g. "f16 f32")
      --repeat N      throughput input = the unique sentences N times (default 8)
      --trials N      timed runs per setting, best kept (default 2)
      --skip-parity, --skip-throughput, --skip-st
  Environment: PYTHON (default python3; needs numpy, and torch +
  sentence-transformers for the comparison), OUT (results folder),
  VOLTE_CUDA_LIBS (extra folders with the CUDA 13 libraries).

  Batch sizes: sentence-transformers takes a number of sentences per batch;
  volte takes a budget of padded tokens per batch (--batch-tokens) and holds
  at most 128 sequences per batch (EncoderOptions::max_batch). volte runs at
  batch size B use --batch-tokens B x (mean tokens per sentence), so its
  batches match B up to that cap; the table also has volte's default
  (--batch-tokens 8192).

  Libraries on the GPU machine: the binary needs the NVIDIA driver
  (libcuda.so.1) and CUDA 13's libcudart.so.13, libcublas.so.13,
  libcublasLt.so.13 and libcurand.so.10. They are looked up in
  VOLTE_CUDA_LIBS, /usr/local/cuda*/, the nvidia-* wheels of $PYTHON's
  environment (PyTorch's nvidia/cu13/lib) and the system's library path.
  PyTorch's wheels have no libcurand.so.10; without one anywhere, a small
  stand-in is compiled into $OUT/lib (candle only creates a cuRAND generator
  when it opens the device; volte draws no random numbers).

Typical use:
  build machine:  scripts/build-cuda && scripts/gpu_bench.sh prepare
                  carry target/cuda/release/volte and .carry (about 58 MB)
  GPU machine:    scripts/gpu_bench.sh run        (results in $OUT)
EOF
}

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PY="${PYTHON:-python3}"
say() { printf '[gpu_bench] %s\n' "$*" >&2; }
die() { printf '[gpu_bench] error: %s\n' "$*" >&2; exit 1; }

# Writes a random-weight model directory (numpy only).
random_model() {
    [ $# -ge 2 ] || die "random-model needs SRC and DST"
    command -v "$PY" >/dev/null || die "$PY not found (set PYTHON)"
    "$PY" - "$@" <<'PYEOF'
import argparse, json, os, shutil, struct, sys
import numpy as np

ap = argparse.ArgumentParser(prog="gpu_bench.sh random-model")
ap.add_argument("src"); ap.add_argument("dst")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--dtype", choices=["f16", "f32"], default="f16")
a = ap.parse_args()
for need in ["config.json", "tokenizer.json"]:
    if not os.path.isfile(os.path.join(a.src, need)):
        sys.exit(f"random-model: {a.src} has no {need}")
os.makedirs(a.dst, exist_ok=True)
for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
             "modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"]:
    p = os.path.join(a.src, name)
    if os.path.isfile(p):
        shutil.copy(p, os.path.join(a.dst, name))
for name in os.listdir(a.src):
    p = os.path.join(a.src, name)
    if os.path.isdir(p) and name[:1].isdigit():  # 1_Pooling, 2_Normalize
        shutil.copytree(p, os.path.join(a.dst, name), dirs_exist_ok=True)
cfg = json.load(open(os.path.join(a.src, "config.json")))
if cfg.get("model_type", "bert") not in ("bert", "xlm-roberta", "xlm_roberta", "roberta"):
    sys.exit(f"random-model: model_type {cfg.get('model_type')!r} is not supported")
H, I = cfg["hidden_size"], cfg["intermediate_size"]
V, P = cfg["vocab_size"], cfg["max_position_embeddings"]
T, L = cfg.get("type_vocab_size", 2), cfg["num_hidden_layers"]
std = cfg.get("initializer_range", 0.02)
rng = np.random.default_rng(a.seed)
dt = np.float16 if a.dtype == "f16" else np.float32
tensors = {}
def normal(*shape): tensors[name] = (rng.standard_normal(shape, dtype=np.float32) * std).astype(dt)
def const(v, *shape): tensors[name] = np.full(shape, v, dtype=dt)
for name, shape in [("embeddings.word_embeddings.weight", (V, H)),
                    ("embeddings.position_embeddings.weight", (P, H)),
                    ("embeddings.token_type_embeddings.weight", (T, H))]:
    normal(*shape)
name = "embeddings.LayerNorm.weight"; const(1, H)
name = "embeddings.LayerNorm.bias"; const(0, H)
for l in range(L):
    p = f"encoder.layer.{l}."
    for lin, (o, i) in {"attention.self.query": (H, H), "attention.self.key": (H, H),
                        "attention.self.value": (H, H), "attention.output.dense": (H, H),
                        "intermediate.dense": (I, H), "output.dense": (H, I)}.items():
        name = p + lin + ".weight"; normal(o, i)
        name = p + lin + ".bias"; const(0, o)
    for ln in ["attention.output.LayerNorm", "output.LayerNorm"]:
        name = p + ln + ".weight"; const(1, H)
        name = p + ln + ".bias"; const(0, H)
header, off = {"__metadata__": {"format": "pt", "source": f"random weights, seed {a.seed}"}}, 0
for k in sorted(tensors):
    n = tensors[k].nbytes
    header[k] = {"dtype": "F16" if dt == np.float16 else "F32",
                 "shape": list(tensors[k].shape), "data_offsets": [off, off + n]}
    off += n
hb = json.dumps(header, separators=(",", ":")).encode()
hb += b" " * (-len(hb) % 8)
out = os.path.join(a.dst, "model.safetensors")
with open(out + ".tmp", "wb") as f:
    f.write(struct.pack("<Q", len(hb))); f.write(hb)
    for k in sorted(tensors):
        f.write(tensors[k].tobytes())
os.replace(out + ".tmp", out)
with open(os.path.join(a.dst, "SOURCE.txt"), "w") as f:
    f.write(f"random {a.dtype} weights (seed {a.seed}) with the architecture and tokenizer of {a.src}\n")
print(f"random-model: wrote {out} ({off / 2**20:.0f} MiB, {len(tensors)} tensors, {a.dtype})", file=sys.stderr)
PYEOF
}

prepare() {
    local src="$HOME/.cache/volte/models/multilingual-e5-small-q4" csv=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --model-src) src="$2"; shift 2 ;;
            --csv) csv="$2"; shift 2 ;;
            *) die "prepare: unknown argument $1" ;;
        esac
    done
    [ -n "$csv" ] || csv="$(default_csv shared)" || die "no CSV found; pass --csv FILE"
    [ -f "$src/config.json" ] && [ -f "$src/tokenizer.json" ] \
        || die "$src is not a model directory (config.json, tokenizer.json); pass --model-src DIR"
    mkdir -p .carry/model-src .carry/data
    say "copying the configuration and tokenizer of $src into .carry/model-src (no weights)"
    local f
    for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json modules.json \
        sentence_bert_config.json config_sentence_transformers.json SOURCE.txt; do
        [ -f "$src/$f" ] && cp "$src/$f" .carry/model-src/
    done
    for f in "$src"/[0-9]*_*; do
        [ -d "$f" ] && cp -r "$f" .carry/model-src/
    done
    say "copying $csv into .carry/data"
    install -m 0644 "$csv" .carry/data/
    local bin=target/cuda/release/volte
    [ -x "$bin" ] || say "warning: $bin is missing: run scripts/build-cuda first"
    say "to carry (64 MiB at most):"
    du -sch "$bin" .carry 2>/dev/null | sed 's/^/    /' >&2 || true
}

# The default CSV: the carried copy, else the shared data set (only the
# latter with the argument "shared").
default_csv() {
    local c candidates=(shared/data/stsb-multi-mt/stsb-fr-test.csv ../shared/data/stsb-multi-mt/stsb-fr-test.csv)
    [ "${1:-}" = shared ] || candidates=(.carry/data/stsb-fr-test.csv "${candidates[@]}")
    for c in "${candidates[@]}"; do
        [ -f "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

# Puts the CUDA 13 libraries the binary needs on LD_LIBRARY_PATH: from
# VOLTE_CUDA_LIBS, a CUDA toolkit under /usr/local, or the nvidia-* wheels of
# the Python environment (PyTorch's). Without libcurand.so.10 anywhere (the
# PyTorch wheels do not ship it), a small stand-in is built: candle creates a
# cuRAND generator when it opens the device, and volte never draws random
# numbers, so creation succeeds and generation fails.
setup_libs() {
    local bin="$1" work="$2" dirs=() d
    [ -n "${VOLTE_CUDA_LIBS:-}" ] && IFS=: read -r -a dirs <<<"$VOLTE_CUDA_LIBS"
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
        /usr/local/cuda-13*/lib64 /usr/local/cuda-13*/targets/x86_64-linux/lib; do
        [ -d "$d" ] && dirs+=("$d")
    done
    if command -v "$PY" >/dev/null; then
        while IFS= read -r d; do [ -n "$d" ] && dirs+=("$d"); done < <("$PY" - <<'PYEOF' 2>/dev/null
import glob, os, site, sys
roots = list(site.getsitepackages()) + [site.getusersitepackages()] + sys.path
seen = set()
for r in roots:
    for d in sorted(glob.glob(os.path.join(r, "nvidia", "cu13", "lib")) + glob.glob(os.path.join(r, "nvidia", "*", "lib"))):
        d = os.path.realpath(d)
        if d not in seen and os.path.isdir(d):
            seen.add(d); print(d)
PYEOF
)
    fi
    local path="" need found
    for need in $(readelf -d "$bin" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        case "$need" in libc.so*|libm.so*|libgcc_s*|libstdc++*|libdl.so*|libpthread*|librt.so*|ld-linux*) continue ;; esac
        found=""
        for d in "${dirs[@]}"; do
            if [ -e "$d/$need" ]; then found="$d"; break; fi
        done
        if [ -n "$found" ]; then
            case ":$path:" in *":$found:"*) ;; *) path="${path:+$path:}$found" ;; esac
        fi
    done
    export LD_LIBRARY_PATH="${path}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    local missing
    missing="$(ldd "$bin" 2>&1 | awk '/not found/ {print $1}' || true)"
    if printf '%s\n' "$missing" | grep -qx 'libcurand.so.10'; then
        say "libcurand.so.10 not found: building a stand-in (volte draws no random numbers on the GPU)"
        command -v cc >/dev/null || die "libcurand.so.10 is missing and there is no C compiler to build a stand-in; set VOLTE_CUDA_LIBS to a folder holding it"
        mkdir -p "$work/lib"
        cat >"$work/lib/curand_standin.c" <<'CEOF'
/* Stand-in for libcurand.so.10: generators can be created, seeded, bound to
   a stream and destroyed; drawing numbers fails (CURAND_STATUS_NOT_INITIALIZED). */
#include <stdlib.h>
int curandCreateGenerator(void **g, int kind) { (void)kind; *g = malloc(1); return 0; }
int curandDestroyGenerator(void *g) { free(g); return 0; }
int curandSetPseudoRandomGeneratorSeed(void *g, unsigned long long s) { (void)g; (void)s; return 0; }
int curandSetGeneratorOffset(void *g, unsigned long long o) { (void)g; (void)o; return 0; }
int curandSetStream(void *g, void *s) { (void)g; (void)s; return 0; }
int curandGenerateUniform(void) { return 101; }
int curandGenerateUniformDouble(void) { return 101; }
int curandGenerateNormal(void) { return 101; }
int curandGenerateNormalDouble(void) { return 101; }
int curandGenerateLogNormal(void) { return 101; }
int curandGenerateLogNormalDouble(void) { return 101; }
int curandGenerate(void) { return 101; }
int curandGenerateLongLong(void) { return 101; }
int curandGeneratePoisson(void) { return 101; }
int curandGenerateSeeds(void) { return 101; }
int curandGetVersion(int *v) { *v = 10400; return 0; }
CEOF
        echo 'libcurand.so.10 { global: *; };' >"$work/lib/curand_standin.map"
        cc -shared -fPIC -O1 -Wl,-soname,libcurand.so.10 -Wl,--version-script="$work/lib/curand_standin.map" \
            -o "$work/lib/libcurand.so.10" "$work/lib/curand_standin.c"
        export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$work/lib"
        echo "libcurand.so.10: stand-in built from $work/lib/curand_standin.c" >"$work/curand-standin.txt"
        missing="$(ldd "$bin" 2>&1 | awk '/not found/ {print $1}' || true)"
    fi
    if [ -n "$missing" ]; then
        say "searched: ${dirs[*]:-(nothing found)} and the system's library path"
        die "libraries not found for $bin: $(echo $missing) (set VOLTE_CUDA_LIBS=folder[:folder])"
    fi
    local cuda
    cuda="$(ldd "$bin" 2>/dev/null | awk '$1 == "libcuda.so.1" {print $3}' || true)"
    case "$cuda" in
        */stubs/*) die "libcuda.so.1 resolves to the build stub $cuda: this machine has no NVIDIA driver" ;;
    esac
    say "ldd $bin:"
    ldd "$bin" 2>&1 | sed 's/^/    /' >&2 || true
    "$bin" --version >/dev/null || die "$bin does not start with these libraries"
}

run() {
    local model="" csv="" bin=target/cuda/release/volte
    local batches="32 64 128 256 512 1024" dtypes="f16" repeat=8 trials=2
    local parity=1 throughput=1 st=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --model) model="$2"; shift 2 ;;
            --csv) csv="$2"; shift 2 ;;
            --volte) bin="$2"; shift 2 ;;
            --batches) batches="$2"; shift 2 ;;
            --dtypes) dtypes="$2"; shift 2 ;;
            --repeat) repeat="$2"; shift 2 ;;
            --trials) trials="$2"; shift 2 ;;
            --skip-parity) parity=0; shift ;;
            --skip-throughput) throughput=0; shift ;;
            --skip-st) st=0; shift ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; die "run: unknown argument $1" ;;
        esac
    done
    local out="${OUT:-$REPO/out/gpu-bench}"
    mkdir -p "$out"
    out="$(cd "$out" && pwd)"
    [ -x "$bin" ] || die "$bin not found: build it with scripts/build-cuda (and carry it here)"
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    command -v "$PY" >/dev/null || die "$PY not found (set PYTHON)"
    "$PY" -c 'import numpy' 2>/dev/null || die "$PY has no numpy"
    [ -n "$csv" ] || csv="$(default_csv)" || die "no CSV found; pass --csv FILE"
    if [ -z "$model" ]; then
        model=.carry/model
        if [ ! -f "$model/model.safetensors" ]; then
            [ -f .carry/model-src/config.json ] \
                || die "no model: pass --model DIR, or run 'scripts/gpu_bench.sh prepare' where the model is and carry .carry"
            say "generating $model with random weights from .carry/model-src"
            random_model .carry/model-src "$model"
        fi
    fi
    [ -f "$model/config.json" ] || die "$model is not a model directory"
    model="$(cd "$model" && pwd)"
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
        | sed 's/^/[gpu_bench] GPU: /' >&2 || true
    setup_libs "$bin" "$out"
    say "model $model; sentences from $csv; results in $out"
    VOLTE_NO_PROGRESS=1 "$PY" - "$bin" "$model" "$csv" "$out" "$batches" "$dtypes" "$repeat" "$trials" \
        "$parity" "$throughput" "$st" <<'PYEOF'
import csv, json, math, os, re, subprocess, sys, time
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TQDM_DISABLE", "1")
import numpy as np

(volte, model, csv_path, out, batches, dtypes, repeat, trials,
 do_parity, do_tp, do_st) = sys.argv[1:12]
batches = [int(b) for b in batches.split()]
dtypes = dtypes.split()
repeat, trials = int(repeat), int(trials)
do_parity, do_tp, do_st = do_parity == "1", do_tp == "1", do_st == "1"
PROMPT = "passage: "
results = {"model": model, "csv": csv_path, "volte": volte}

seen, texts = set(), []
with open(csv_path, newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        for s in row[:2]:
            s = " ".join(s.split())
            if s and s not in seen:
                seen.add(s); texts.append(s)
print(f"{len(texts)} unique sentences from {csv_path}", flush=True)
results["sentences"] = len(texts)

def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

uniq = os.path.join(out, "sentences.txt")
write_lines(uniq, texts)

def volte_embed(inp, dst, device, dtype, extra=()):
    cmd = [volte, "embed", inp, "-o", dst, "--model", model, "--prompt-name", "passage",
           "--device", device, "--dtype", dtype, *extra]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    m = re.search(r"encoded in ([0-9.]+) s", p.stderr)
    tok = re.search(r"(\d+) token\(s\)", p.stderr)
    return {"encode_s": float(m.group(1)), "wall_s": wall,
            "tokens": int(tok.group(1)) if tok else None, "log": p.stderr.strip()}

def cos_rows(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(1)

ok = True
if do_parity:
    print("\n== parity: GPU vs CPU float32 (row-wise cosine) ==", flush=True)
    embs = {}
    for device, dtype in [("cpu", "f32"), ("cuda", "f32"), ("cuda", "f16")]:
        name = f"volte-{device}-{dtype}"
        dst = os.path.join(out, name + ".npy")
        r = volte_embed(uniq, dst, device, dtype)
        embs[name] = np.load(dst)
        print(f"  {name:18s} encoded {len(texts)} in {r['encode_s']:.2f} s (wall {r['wall_s']:.1f} s)", flush=True)
        results.setdefault("parity_runs", {})[name] = {k: v for k, v in r.items() if k != "log"}
    ref = embs["volte-cpu-f32"]
    # Random weights give embeddings that share most of their direction, so
    # the cosine is also taken after removing the mean CPU embedding: that
    # compares the sentence-specific part. The baselines are what a wrong
    # sentence (i vs i+1) scores on each measure.
    mu = ref.mean(0)
    base = cos_rows(ref, np.roll(ref, 1, axis=0))
    cbase = cos_rows(ref - mu, np.roll(ref, 1, axis=0) - mu)
    print(f"  baseline, sentence i vs i+1 on the CPU: cosine mean {base.mean():.4f}; "
          f"centered cosine mean {cbase.mean():.4f}")
    if do_st:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            m = SentenceTransformer(model, device="cuda").half()
            e = m.encode([PROMPT + t for t in texts], batch_size=128, normalize_embeddings=True,
                         convert_to_numpy=True)
            embs["sentence-transformers-cuda-fp16"] = np.asarray(e, dtype=np.float32)
            del m; torch.cuda.empty_cache()
        except Exception as ex:
            print(f"  sentence-transformers skipped: {ex}")
    parity = {}
    for name, e in embs.items():
        if name == "volte-cpu-f32":
            continue
        c = cos_rows(e, ref)
        cc = cos_rows(e - mu, ref - mu)
        gate = name.startswith("volte-")
        below = int((~(c >= 0.999)).sum())  # NaN counts as below
        passed = bool(below == 0 and (cc >= 0.99).all())
        ok &= passed or not gate
        parity[name] = {"cos_min": float(c.min()), "cos_mean": float(c.mean()),
                        "rows_below_0.999": below, "nan_rows": int(np.isnan(e).any(1).sum()),
                        "centered_cos_min": float(cc.min()), "centered_cos_mean": float(cc.mean())}
        verdict = ("PASS" if passed else "FAIL") if gate else "info"
        print(f"  {name:32s} vs volte-cpu-f32: cosine min {c.min():.6f} mean {c.mean():.6f} "
              f"(below 0.999: {below}); centered min {cc.min():.5f} mean {cc.mean():.5f}  {verdict}",
              flush=True)
    results["parity"] = parity
    results["parity_baseline_mean"] = float(base.mean())
    results["parity_centered_baseline_mean"] = float(cbase.mean())
    results["parity_ok"] = ok

if do_tp:
    big = texts * repeat
    bigp = os.path.join(out, f"sentences-x{repeat}.txt")
    write_lines(bigp, big)
    tokens = None
    try:
        from tokenizers import Tokenizer
        tk = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
        tk.enable_truncation(512)
        tokens = sum(len(e.ids) for e in tk.encode_batch([PROMPT + t for t in texts])) * repeat
    except Exception as ex:
        print(f"(tokenizers unavailable: {ex}; using volte's token count)")
    print(f"\n== throughput: {len(big)} sentences ({len(texts)} x {repeat}), best of {trials} ==", flush=True)
    rows = []
    if tokens is None:
        tokens = volte_embed(bigp, os.path.join(out, "tp.npy"), "cuda", dtypes[0])["tokens"]
    mean_len = tokens / len(big)
    print(f"{tokens} tokens, {mean_len:.1f} per sentence (prompt and special tokens included)", flush=True)
    settings = [(b, int(math.ceil(b * mean_len))) for b in batches] + [("default", 8192)]
    for dtype in dtypes:
        for b, bt in settings:
            best = None
            for _ in range(trials):
                r = volte_embed(bigp, os.path.join(out, "tp.npy"), "cuda", dtype, ["--batch-tokens", str(bt)])
                if r["tokens"] is not None and r["tokens"] != tokens:
                    print(f"  note: volte counted {r['tokens']} tokens, the tokenizer {tokens}")
                best = r if best is None or r["encode_s"] < best["encode_s"] else best
            row = {"engine": f"volte cuda {dtype}", "batch": b, "batch_tokens": bt,
                   "encode_s": best["encode_s"], "tok_per_s": tokens / best["encode_s"],
                   "sent_per_s": len(big) / best["encode_s"]}
            rows.append(row)
            print(f"  volte {dtype} batch {b!s:>7} (--batch-tokens {bt:6d}): {row['tok_per_s']:10.0f} tok/s"
                  f"  {row['sent_per_s']:8.0f} sent/s", flush=True)
    if do_st:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            m = SentenceTransformer(model, device="cuda").half()
            m.max_seq_length = 512
            inp = [PROMPT + t for t in big]
            m.encode(inp[:256], batch_size=64)  # warm-up
            for b in batches:
                best = None
                for _ in range(trials):
                    torch.cuda.synchronize(); t0 = time.perf_counter()
                    m.encode(inp, batch_size=b, normalize_embeddings=True, convert_to_numpy=True)
                    torch.cuda.synchronize(); dt = time.perf_counter() - t0
                    best = dt if best is None else min(best, dt)
                row = {"engine": "sentence-transformers fp16", "batch": b, "encode_s": best,
                       "tok_per_s": tokens / best, "sent_per_s": len(big) / best}
                rows.append(row)
                print(f"  sentence-transformers fp16 batch {b:5d}: {row['tok_per_s']:10.0f} tok/s"
                      f"  {row['sent_per_s']:8.0f} sent/s", flush=True)
            results["torch"] = torch.__version__
            results["gpu"] = torch.cuda.get_device_name(0)
        except Exception as ex:
            print(f"  sentence-transformers skipped: {ex}")
    results["throughput"] = rows
    results["tokens"] = tokens
    # One line per batch size: tokens/s of each engine, and volte / PyTorch.
    by = {(r["engine"], r["batch"]): r for r in rows}
    engines = [f"volte cuda {d}" for d in dtypes]
    st_name = "sentence-transformers fp16"
    has_st = any(e == st_name for e, _ in by)
    head = ["batch", "volte --batch-tokens"] + [f"{e} tok/s" for e in engines]
    if has_st:
        head += [f"{st_name} tok/s"] + [f"{e} / PyTorch" for e in engines]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for b, bt in settings:
        cells = [str(b), str(bt)]
        cells += [f"{by[(e, b)]['tok_per_s']:.0f}" if (e, b) in by else "—" for e in engines]
        if has_st:
            st = by.get((st_name, b))
            cells.append(f"{st['tok_per_s']:.0f}" if st else "—")
            cells += [f"{by[(e, b)]['tok_per_s'] / st['tok_per_s']:.2f}" if st and (e, b) in by else "—"
                      for e in engines]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    table += ("\n\nvolte holds at most 128 sequences per batch; its batch size B runs with "
              "--batch-tokens B x mean tokens per sentence.")
    print("\n" + table)
    with open(os.path.join(out, "throughput.md"), "w") as f:
        f.write(f"{len(big)} sentences, {tokens} tokens; model {model}\n\n{table}\n")

with open(os.path.join(out, "results.json"), "w") as f:
    json.dump(results, f, indent=2)
print(f"\nresults: {out}/results.json")
if not ok:
    sys.exit("parity FAILED: a GPU run is below cosine 0.999 (or centered cosine 0.99) to the CPU float32 run")
PYEOF
}

cmd="${1:-run}"
case "$cmd" in
    -h|--help|help) usage ;;
    prepare) shift; prepare "$@" ;;
    random-model) shift; random_model "$@" ;;
    libs) shift; [ $# -eq 2 ] || die "libs needs BIN and WORK"
        setup_libs "$1" "$2"; printf 'export LD_LIBRARY_PATH=%q\n' "$LD_LIBRARY_PATH" ;;
    run) [ $# -gt 0 ] && shift; run "$@" ;;
    -*) run "$@" ;;
    *) usage >&2; die "unknown command $cmd" ;;
esac
