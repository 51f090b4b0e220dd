#!/usr/bin/env bash
# Stance scoring speed: the first N dev pairs of the Wahl-O-Mat split
# (elections the stance model never trained on) through `volte eval
# stance-pairs`, once per int8 kernel tier this CPU supports and once in
# float32. Prints pairs/s and accuracy per run, and the CPU flags.
#   scripts/bench_stance.sh [N]   (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-600}
cargo build --release -q
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/wahlomat_split.py dev > "$tmp/dev.jsonl"
head -n "$n" "$tmp/dev.jsonl" > "$tmp/pairs.jsonl"
echo "CPU flags: $(grep -m1 flags /proc/cpuinfo | grep -o 'avx2\|avx512f\|avx512_vnni\|avx_vnni\|amx_int8\|asimddp\|i8mm' | sort -u | tr '\n' ' ')"
echo "threads: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {
  VOLTE_NO_PROGRESS=1 target/release/volte eval stance-pairs "$tmp/pairs.jsonl" \
    --thesis-field thesis --gold-field stance --json "$@" 2>/dev/null |
    python3 -c "import json,sys; d=json.load(sys.stdin); print(f\"{d['pairs']} pairs, {d['pairs_per_second']:.1f} pairs/s, accuracy {d['accuracy']:.4f}\")"
}
for tier in $(target/release/volte doctor | sed -n 's/^  \([a-z0-9-]*\) *supported$/\1/p'); do
  printf '%-12s ' "$tier"; VOLTE_CPU=$tier run --dtype int8
done
printf '%-12s ' f32; run --dtype f32
