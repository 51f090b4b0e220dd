#!/usr/bin/env python3
"""Trains volte's stance model: a cross-encoder over (thesis, statement) that
answers agree / neutral / disagree, fine-tuned from multilingual-e5-small.

One command (pinned versions in scripts/requirements-train.txt):

    pip install -r scripts/requirements-train.txt
    python scripts/train_stance.py --out models/stance

Data: ../shared/data/wahlomat/state-elections.jsonl (German party
justifications of Wahl-O-Mat theses with the party's answer). The split is by
election, never by record: parties repeat sentences across elections. Two
groups of elections are held out: `dev` (model selection) and `test` (only
reported); neither is ever trained on.

Data v2 (--v2, scripts/train_stance_v2.sh): also the train splits of
../shared/data/stance-extra/ (IBM ArgQ, Perspectrum, German XNLI),
polarity-reversed theses with flipped labels (templates in de/en/fr/es, and
Wahl-O-Mat's own reversed recurring theses), and off-topic pairs across
sources labelled neutral; their dev and test splits are evaluated, never
trained on.

Base: the same weights volte loads (`volte models pull` writes them; default
directory ~/.cache/volte/models/multilingual-e5-small-q4), so the layers that
stay frozen are bit-identical in training and in volte. The lower layers are
frozen and their outputs cached once; the top `--trainable` layers, mean
pooling and a linear head are trained. Besides (thesis, statement) pairs,
(statement, statement) pairs of two parties on the same thesis teach the model
whether two statements agree (same answer) or not (opposite answers): volte
uses that when a topic has no thesis.

Input layout (what volte builds in src/stance/): `<s> query: THESIS </s></s>
passage: STATEMENT </s>`, the thesis cut to 64 tokens, the whole pair to
`--max-len` tokens.

Outputs in --out: `stance.safetensors` (the trained layers, their linear
weights in int8 with a float32 scale per row, and the head), `stance.json` (the configuration volte reads), `metrics.json`; in
tests/fixtures/: `stance_reference.json` (float32 logits of 200 dev pairs, for
the parity test). Checkpoints go to --work and a killed run resumes.

Fine-tuning the shipped model (--from-stance models/stance): every layer
the shipped model trained and its head come from its stance.safetensors
(int8 rows times their scale, the float32 weights volte computes with), so
the frozen states are those of the shipped layers 0..k-1 and only the top
--trainable layers and the head move. The export keeps the shipped int8
tensors of the frozen layers unchanged and the shipped `max_tokens`.
--max-train N subsamples every training source proportionally (seeded),
--max-dev / --max-test cap each dev / test kind (seeded), so that a run
fits a CPU budget.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

LABELS = ["disagree", "neutral", "agree"]  # class index = stance + 1
THESIS_PREFIX = "query: "
STATEMENT_PREFIX = "passage: "
MAX_THESIS = 64
CLS, SEP = 0, 2
# A layer's parts here and their names in the base model's tensors.
LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "o": "attention.output.dense",
    "ln1": "attention.output.LayerNorm",
    "up": "intermediate.dense",
    "down": "output.dense",
    "ln2": "output.LayerNorm",
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ---------------------------------------------------------------- data


def split_elections(records, seed, dev_share, test_share):
    """Assigns whole elections to train / dev / test (seeded)."""
    per = Counter(r["election"] for r in records)
    elections = sorted(per)
    rng = random.Random(seed)
    rng.shuffle(elections)
    total = len(records)
    split = {}
    dev_n = test_n = 0
    for e in elections:
        if dev_n < dev_share * total:
            split[e] = "dev"
            dev_n += per[e]
        elif test_n < test_share * total:
            split[e] = "test"
            test_n += per[e]
        else:
            split[e] = "train"
    return split


def boilerplate_texts(records):
    """Texts a party used for three or more theses: they carry no stance."""
    c = Counter(r["text"].strip() for r in records)
    return {t for t, n in c.items() if n >= 3}


def statement_pairs(records, lines, rng, per_thesis):
    """(statement, statement) pairs of two parties on one thesis of one
    election: label agree when both gave the same answer, disagree when
    opposite answers."""
    groups = defaultdict(list)
    for i in lines:
        r = records[i]
        if r["stance"] != 0:
            groups[(r["election"], r["thesis"])].append(i)
    pairs = []
    for key in sorted(groups):
        g = groups[key]
        cand = [(a, b) for a in g for b in g if a != b]
        rng.shuffle(cand)
        same = [p for p in cand if records[p[0]]["stance"] == records[p[1]]["stance"]]
        diff = [p for p in cand if records[p[0]]["stance"] != records[p[1]]["stance"]]
        k = per_thesis // 2
        for a, b in same[:k] + diff[:k]:
            label = 1 if records[a]["stance"] == records[b]["stance"] else -1
            pairs.append((a, b, label))
    return pairs


def content_words(text):
    return {w.lower().strip(".,;:!?\"'()") for w in text.split() if len(w) >= 5}


def off_topic_pairs(records, lines, rng, share):
    """(thesis, statement) pairs whose thesis is about something else: a
    thesis of another election sharing no content word with the statement's
    own thesis. Label neutral: a statement takes no side on a question it
    does not address."""
    by_election = defaultdict(list)
    for i in lines:
        by_election[records[i]["election"]].append(i)
    elections = sorted(by_election)
    pairs = []
    for i in sorted(lines):
        if rng.random() >= share:
            continue
        own = content_words(records[i]["thesis"])
        for _ in range(20):
            e = rng.choice(elections)
            if e == records[i]["election"]:
                continue
            j = rng.choice(by_election[e])
            if not (content_words(records[j]["thesis"]) & own):
                pairs.append((j, i))
                break
    return pairs


# Polarity templates: a thesis wrapped so that it says the opposite; a
# statement that agrees with the thesis disagrees with the wrapped one.
NEGATIONS = {
    "de": ["Es ist falsch, dass gilt: {t}", "Ich lehne ab: {t}", "Das Gegenteil ist richtig: {t}"],
    "en": ["It is wrong that: {t}", "I reject the following: {t}", "The opposite is true: {t}"],
    "fr": ["Il est faux que : {t}", "Je rejette ceci : {t}", "C'est le contraire qui est vrai : {t}"],
    "es": ["Es falso que: {t}", "Rechazo lo siguiente: {t}", "Lo contrario es cierto: {t}"],
}
NEGATION_WORDS = {"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines"}
REVERSING_WORDS = {"abgeschafft", "abschaffen", "gestrichen", "aufgehoben", "verboten"}
KEEPING_WORDS = {"eingeführt", "einführen", "beibehalten", "erhalten", "erlaubt", "ausgebaut"}


def thesis_polarity_key(thesis):
    """A thesis without its negations and its abolish/keep verbs, and the
    parity of those: two theses with the same key and opposite parity say
    opposite things ("X soll abgeschafft werden" / "X soll beibehalten
    werden", "X soll nicht ..." / "X soll ...")."""
    words = [w.lower().strip(".,;:!?\"'()") for w in thesis.split()]
    flips = sum(w in NEGATION_WORDS or w in REVERSING_WORDS for w in words)
    keeps = sum(w in KEEPING_WORDS for w in words)
    key = " ".join(w for w in words if w and w not in NEGATION_WORDS | REVERSING_WORDS | KEEPING_WORDS)
    return key, flips % 2, flips + keeps > 0


def reversed_thesis_pairs(records, lines):
    """(thesis line, statement line, flipped label) from Wahl-O-Mat's own
    recurring theses that reverse one another across elections."""
    by_key = defaultdict(lambda: defaultdict(set))
    for i in lines:
        key, parity, marked = thesis_polarity_key(records[i]["thesis"])
        if marked and len(key.split()) >= 3:
            by_key[key][parity].add(records[i]["thesis"])
    opposite = {}
    for key, sides in by_key.items():
        if 0 in sides and 1 in sides:
            a, b = sorted(sides[0])[0], sorted(sides[1])[0]
            for t in sides[0]:
                opposite[t] = b
            for t in sides[1]:
                opposite[t] = a
    first_line = {}
    for i in lines:
        first_line.setdefault(records[i]["thesis"], i)
    out = []
    for i in sorted(lines):
        r = records[i]
        if r["stance"] != 0 and r["thesis"] in opposite:
            out.append((first_line[opposite[r["thesis"]]], i, -r["stance"]))
    return out


def read_extra(path, sources, caps, seed):
    """Rows of ../shared/data/stance-extra/ (one schema: thesis, text, stance,
    split, lang): each source's train rows capped at its share (seeded), its
    dev and test rows whole."""
    rows = defaultdict(list)
    for l in open(path, encoding="utf-8"):
        r = json.loads(l)
        if r["source"] in sources:
            rows[(r["source"], r["split"])].append(r)
    out = []
    for (source, split), rs in sorted(rows.items()):
        if split == "train" and caps.get(source) is not None and len(rs) > caps[source]:
            rs = random.Random(f"{seed}-{source}").sample(rs, caps[source])
        out.extend(rs)
    return out


class Encoder:
    def __init__(self, tokenizer_path, max_len):
        self.tok = Tokenizer.from_file(str(tokenizer_path))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.max_len = max_len

    def ids(self, texts):
        return [e.ids for e in self.tok.encode_batch(texts, add_special_tokens=False)]

    def pair(self, a_ids, b_ids):
        a = a_ids[:MAX_THESIS]
        room = self.max_len - len(a) - 4
        return [CLS] + a + [SEP, SEP] + b_ids[:room] + [SEP]


# ---------------------------------------------------------------- model


class Layer(nn.Module):
    def __init__(self, h, heads, ff, eps, dropout):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(h, h)
        self.k = nn.Linear(h, h)
        self.v = nn.Linear(h, h)
        self.o = nn.Linear(h, h)
        self.ln1 = nn.LayerNorm(h, eps=eps)
        self.up = nn.Linear(h, ff)
        self.down = nn.Linear(ff, h)
        self.ln2 = nn.LayerNorm(h, eps=eps)
        self.drop = nn.Dropout(dropout)
        self.p = dropout

    def forward(self, x, mask):
        b, n, h = x.shape
        hd = h // self.heads

        def split(t):
            return t.view(b, n, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        add = (1.0 - mask[:, None, None, :].to(q.dtype)) * -1e4
        ctx = F.scaled_dot_product_attention(
            q, k, v, attn_mask=add, dropout_p=self.p if self.training else 0.0
        )
        ctx = ctx.transpose(1, 2).reshape(b, n, h)
        x = self.ln1(x + self.drop(self.o(ctx)))
        y = self.down(F.gelu(self.up(x)))
        return self.ln2(x + self.drop(y))

    def load(self, w, p):
        for mine, theirs in LAYER_NAMES.items():
            m = getattr(self, mine)
            m.weight.data.copy_(w[f"{p}.{theirs}.weight"].float())
            m.bias.data.copy_(w[f"{p}.{theirs}.bias"].float())

    def export(self, p):
        out = {}
        for mine, theirs in LAYER_NAMES.items():
            m = getattr(self, mine)
            out[f"{p}.{theirs}.weight"] = m.weight.detach().clone()
            out[f"{p}.{theirs}.bias"] = m.bias.detach().clone()
        return out


class Base(nn.Module):
    """Embeddings and the frozen lower layers (BERT layout, positions from 0)."""

    def __init__(self, cfg, w, frozen):
        super().__init__()
        h = cfg["hidden_size"]
        self.word = nn.Embedding.from_pretrained(w["embeddings.word_embeddings.weight"].float())
        self.register_buffer("pos", w["embeddings.position_embeddings.weight"].float(), persistent=False)
        self.register_buffer("typ", w["embeddings.token_type_embeddings.weight"][0].float(), persistent=False)
        self.ln = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])
        self.ln.weight.data.copy_(w["embeddings.LayerNorm.weight"].float())
        self.ln.bias.data.copy_(w["embeddings.LayerNorm.bias"].float())
        self.layers = nn.ModuleList()
        for i in range(frozen):
            layer = Layer(h, cfg["num_attention_heads"], cfg["intermediate_size"], cfg["layer_norm_eps"], 0.0)
            layer.load(w, f"encoder.layer.{i}")
            self.layers.append(layer)
        self.requires_grad_(False)

    def forward(self, ids, mask):
        n = ids.shape[1]
        x = self.ln(self.word(ids) + self.pos[:n] + self.typ)
        for layer in self.layers:
            x = layer(x, mask)
        return x


class Top(nn.Module):
    """The trained part: the upper layers, mean pooling, a linear head."""

    def __init__(self, cfg, w, first, dropout):
        super().__init__()
        h = cfg["hidden_size"]
        self.first = first
        self.layers = nn.ModuleList()
        for i in range(first, cfg["num_hidden_layers"]):
            layer = Layer(h, cfg["num_attention_heads"], cfg["intermediate_size"], cfg["layer_norm_eps"], dropout)
            layer.load(w, f"encoder.layer.{i}")
            self.layers.append(layer)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(h, len(LABELS))
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def forward(self, x, mask):
        for layer in self.layers:
            x = layer(x, mask)
        m = mask.to(x.dtype)[:, :, None]
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.drop(pooled))

    def export(self):
        out = {}
        for j, layer in enumerate(self.layers):
            out.update(layer.export(f"encoder.layer.{self.first + j}"))
        out["classifier.weight"] = self.head.weight.detach().clone()
        out["classifier.bias"] = self.head.bias.detach().clone()
        return out


def quantize_for_shipping(tensors):
    """Linear weights (2-D, `*.weight` of the layers) as int8 per output row
    with a float32 scale per row (`*.weight_scale`): the layout volte reads.
    Biases, layer norms and the head stay float32."""
    out = {}
    for k, v in tensors.items():
        v = v.detach().float().contiguous()
        if v.dim() == 2 and k.startswith("encoder.layer.") and k.endswith(".weight"):
            amax = v.abs().amax(dim=1)
            scale = torch.where(amax > 0, amax / 127.0, torch.ones_like(amax))
            q = torch.clamp(torch.round(v / scale[:, None]), -127, 127).to(torch.int8)
            out[k] = q.contiguous()
            out[k + "_scale"] = scale.contiguous()
        else:
            out[k] = v
    return out


def dequantize(tensors):
    """The float32 weights volte computes with: int8 rows times their scale."""
    out = {}
    for k, v in tensors.items():
        if k.endswith("_scale"):
            continue
        if v.dtype == torch.int8:
            out[k] = v.float() * tensors[k + "_scale"][:, None]
        else:
            out[k] = v.float()
    return out


def pad_batch(seqs, pad_id=1):
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


def length_batches(lengths, tokens, rng=None):
    """Batches of similar length under a token budget (shuffled when rng)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches, cur, width = [], [], 0
    for i in order:
        w = max(width, lengths[i])
        if cur and w * (len(cur) + 1) > tokens:
            batches.append(cur)
            cur, w = [], lengths[i]
        cur.append(i)
        width = w
    if cur:
        batches.append(cur)
    if rng is not None:
        rng.shuffle(batches)
    return batches


# ---------------------------------------------------------------- cache of frozen states


def frozen_states(base, seqs, path, tokens_per_batch=8192):
    """Hidden states after the frozen layers, float16, one array per input;
    cached in `path` (`.npy` of all rows plus offsets)."""
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in seqs])
    data_path, off_path = Path(str(path) + ".f16.npy"), Path(str(path) + ".off.npy")
    if data_path.exists() and off_path.exists() and np.array_equal(np.load(off_path), offsets):
        log(f"frozen states from {data_path}")
        return np.load(data_path, mmap_mode="r"), offsets
    h = base.ln.weight.shape[0]
    out = np.lib.format.open_memmap(str(data_path) + ".part", mode="w+", dtype=np.float16, shape=(int(offsets[-1]), h))
    batches = length_batches([len(s) for s in seqs], tokens_per_batch)
    t0 = time.time()
    done = 0
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        for bi, b in enumerate(batches):
            ids, mask = pad_batch([seqs[i] for i in b])
            x = base(ids, mask).float().numpy()
            for row, i in enumerate(b):
                out[offsets[i] : offsets[i + 1]] = x[row, : len(seqs[i])]
            done += len(b)
            if bi % 50 == 0:
                log(f"frozen layers: {done}/{len(seqs)} ({done / (time.time() - t0):.1f}/s)")
    out.flush()
    del out
    os.replace(str(data_path) + ".part", data_path)
    np.save(off_path, offsets)
    return np.load(data_path, mmap_mode="r"), offsets


def states_batch(states, offsets, idx):
    n = max(int(offsets[i + 1] - offsets[i]) for i in idx)
    h = states.shape[1]
    x = torch.zeros((len(idx), n, h), dtype=torch.float32)
    mask = torch.zeros((len(idx), n), dtype=torch.long)
    for r, i in enumerate(idx):
        a, b = int(offsets[i]), int(offsets[i + 1])
        x[r, : b - a] = torch.from_numpy(np.asarray(states[a:b], dtype=np.float32))
        mask[r, : b - a] = 1
    return x, mask


# ---------------------------------------------------------------- metrics


def auc(scores, positive):
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    if not pos or not neg:
        return float("nan")
    allv = sorted((s, p) for s, p in zip(scores, positive))
    ranks = {}
    i = 0
    while i < len(allv):
        j = i
        while j < len(allv) and allv[j][0] == allv[i][0]:
            j += 1
        for k in range(i, j):
            ranks.setdefault(allv[k][0], (i + j + 1) / 2)
        i = j
    rank_sum = sum(ranks[s] for s in pos)
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def metrics(logits, gold):
    """Agree/disagree accuracy (sign of p_agree − p_disagree on ±1 gold),
    3-class accuracy and macro-F1, AUC of the stance score."""
    p = torch.softmax(torch.tensor(logits), -1).numpy()
    stance = p[:, 2] - p[:, 0]
    gold = np.asarray(gold)
    polar = gold != 0
    acc2 = float(np.mean((stance[polar] > 0) == (gold[polar] > 0))) if polar.any() else float("nan")
    pred = p.argmax(-1) - 1
    f1s = []
    for c in (-1, 0, 1):
        tp = np.sum((pred == c) & (gold == c))
        fp = np.sum((pred == c) & (gold != c))
        fn = np.sum((pred != c) & (gold == c))
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    majority = max(np.mean(gold[polar] > 0), np.mean(gold[polar] < 0)) if polar.any() else float("nan")
    return {
        "n": int(len(gold)),
        "agree_disagree_n": int(polar.sum()),
        "agree_disagree_accuracy": round(acc2, 4),
        "majority_baseline": round(float(majority), 4),
        "auc": round(auc(stance[polar].tolist(), (gold[polar] > 0).tolist()), 4),
        "accuracy_3class": round(float(np.mean(pred == gold)), 4),
        "macro_f1_3class": round(float(np.mean(f1s)), 4),
    }


def off_stance(logits):
    p = torch.softmax(torch.tensor(logits), -1).numpy()
    return p[:, 2] - p[:, 0]


def evaluate(top, states, offsets, idx, tokens=16384):
    top.eval()
    out = np.zeros((len(idx), len(LABELS)), dtype=np.float32)
    lengths = [int(offsets[i + 1] - offsets[i]) for i in idx]
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        for b in length_batches(lengths, tokens):
            x, mask = states_batch(states, offsets, [idx[j] for j in b])
            y = top(x, mask).float().numpy()
            out[b] = y
    top.train()
    return out


# ---------------------------------------------------------------- main


def build_examples(args, base_dir):
    """The split and every example: (thesis, statement) pairs of all three
    splits, statement pairs, off-topic pairs; tokenized."""
    records = [json.loads(l) for l in open(args.data, encoding="utf-8")]
    split = split_elections(records, seed=0, dev_share=0.1, test_share=0.1)
    boiler = boilerplate_texts(records)
    lines = defaultdict(list)
    for i, r in enumerate(records):
        lines[split[r["election"]]].append(i)
    train_lines = [i for i in lines["train"] if records[i]["text"].strip() not in boiler]
    log(
        f"records: train {len(lines['train'])} ({len(train_lines)} after dropping boilerplate), "
        f"dev {len(lines['dev'])}, test {len(lines['test'])}"
    )

    cfg = json.load(open(base_dir / "config.json"))
    layers = cfg["num_hidden_layers"]
    first = layers - args.trainable
    enc = Encoder(base_dir / "tokenizer.json", args.max_len)
    log("tokenizing")
    thesis_ids = enc.ids([THESIS_PREFIX + r["thesis"] for r in records])
    text_ids = enc.ids([STATEMENT_PREFIX + r["text"] for r in records])
    as_thesis = enc.ids([THESIS_PREFIX + r["text"] for r in records])

    # Examples: (sequence, gold stance, kind, line(s)).
    examples = []
    def add(split_name, seq, gold, kind, ref):
        examples.append({"split": split_name, "seq": seq, "gold": gold, "kind": kind, "ref": ref})

    for name in ("train", "dev", "test"):
        src = train_lines if name == "train" else lines[name]
        for i in src:
            add(name, enc.pair(thesis_ids[i], text_ids[i]), records[i]["stance"], "thesis", [i])
        pair_src = src if name == "train" else [i for i in src if records[i]["text"].strip() not in boiler]
        for a, b, label in statement_pairs(records, pair_src, random.Random(f"{args.seed}-{name}"), args.pairs_per_thesis):
            add(name, enc.pair(as_thesis[a], text_ids[b]), label, "statements", [a, b])
        if args.off_topic_share > 0:
            for j, i in off_topic_pairs(records, pair_src, random.Random(f"{args.seed}-off-{name}"), args.off_topic_share):
                add(name, enc.pair(thesis_ids[j], text_ids[i]), 0, "off_topic", [j, i])
    if args.v2:
        add_v2_examples(args, records, lines, train_lines, boiler, enc, thesis_ids, text_ids, add)
    counts = Counter((e["split"], e["kind"]) for e in examples)
    log("examples:", dict(counts))

    return records, boiler, cfg, first, examples, split, counts


def add_v2_examples(args, records, lines, train_lines, boiler, enc, thesis_ids, text_ids, add):
    """Training data v2: the English argument sets and German NLI of
    --extra (their train splits train, their dev and test splits are
    reported), polarity-reversed theses with flipped labels (templates in
    de/en/fr/es, and Wahl-O-Mat's own reversed recurring theses), and
    off-topic pairs across sources labelled neutral."""
    extra_dir = Path(args.extra)
    caps = {"ibm-argq-30k": args.argq_cap, "perspectrum": args.perspectrum_cap, "xnli-de": args.xnli_cap}
    files = {"ibm-argq-30k": "ibm-argq-30k.jsonl", "perspectrum": "perspectrum.jsonl", "xnli-de": "xnli-de.jsonl"}
    extra = []
    for source, name in files.items():
        if caps[source] != 0:
            extra.extend(read_extra(extra_dir / name, {source}, caps, args.seed))
    kind_of = {"ibm-argq-30k": "argq", "perspectrum": "perspectrum", "xnli-de": "xnli"}
    t_ids = enc.ids([THESIS_PREFIX + r["thesis"] for r in extra])
    s_ids = enc.ids([STATEMENT_PREFIX + r["text"] for r in extra])
    for j, r in enumerate(extra):
        add(r["split"], enc.pair(t_ids[j], s_ids[j]), r["stance"], kind_of[r["source"]], [r["id"]])

    rng = random.Random(f"{args.seed}-polarity")
    langs = sorted(NEGATIONS)
    # Template negations: the statement's thesis in a wrapper that says the
    # opposite, in the thesis' language or (one in three) another one.
    polar_wom = [i for i in train_lines if records[i]["stance"] != 0]
    polar_extra = [j for j, r in enumerate(extra) if r["split"] == "train" and r["stance"] != 0 and r["source"] != "xnli-de"]
    picks = [("wom", i, "de") for i in rng.sample(polar_wom, min(len(polar_wom), int(args.polarity_share * len(polar_wom))))]
    picks += [("extra", j, extra[j]["lang"]) for j in rng.sample(polar_extra, min(len(polar_extra), int(args.polarity_share * len(polar_extra))))]
    wrapped_t, wrapped_s, gold = [], [], []
    for src, i, lang in picks:
        if rng.random() < 1 / 3:
            lang = rng.choice(langs)
        template = rng.choice(NEGATIONS.get(lang, NEGATIONS["en"]))
        if src == "wom":
            wrapped_t.append(template.format(t=records[i]["thesis"]))
            wrapped_s.append(text_ids[i])
            gold.append(-records[i]["stance"])
        else:
            wrapped_t.append(template.format(t=extra[i]["thesis"]))
            wrapped_s.append(s_ids[i])
            gold.append(-extra[i]["stance"])
    for a, b, g in zip(enc.ids([THESIS_PREFIX + t for t in wrapped_t]), wrapped_s, gold):
        add("train", enc.pair(a, b), g, "polarity", [])
    # Wahl-O-Mat's own reversed theses (train elections only).
    for ti, si, g in reversed_thesis_pairs(records, train_lines):
        add("train", enc.pair(thesis_ids[ti], text_ids[si]), g, "reversed", [ti, si])
    # Off-topic across sources: an argument or perspective with a thesis of
    # another source, a Wahl-O-Mat statement with an English thesis; neutral.
    for split in ("train", "dev"):
        pool = [j for j, r in enumerate(extra) if r["split"] == split and r["source"] != "xnli-de"]
        wom = [i for i in (train_lines if split == "train" else [i for i in lines["dev"] if records[i]["text"].strip() not in boiler])]
        r2 = random.Random(f"{args.seed}-cross-off-{split}")
        n = int(args.off_topic_share * len(pool))
        for j in r2.sample(pool, min(n, len(pool))):
            k = r2.choice(pool)
            if extra[k]["thesis"] == extra[j]["thesis"] or extra[k]["source"] == extra[j]["source"]:
                i = r2.choice(wom)
                add(split, enc.pair(thesis_ids[i], s_ids[j]), 0, "off_topic_extra", [])
            else:
                add(split, enc.pair(t_ids[k], s_ids[j]), 0, "off_topic_extra", [])
        for i in r2.sample(wom, min(n // 2, len(wom))):
            add(split, enc.pair(t_ids[r2.choice(pool)], text_ids[i]), 0, "off_topic_extra", [])


def cap_examples(examples, max_train, max_dev, max_dev_thesis, max_test, seed):
    """Seeded subsample: the train examples cut to `max_train` in all, each
    kind keeping its share; the dev thesis pairs (model selection) cut to
    `max_dev_thesis`, each other dev kind to `max_dev`, each test kind to
    `max_test` (0: no cap; negative: none kept). Order is kept."""
    by = defaultdict(list)
    for j, e in enumerate(examples):
        by[(e["split"], e["kind"])].append(j)
    n_train = sum(len(v) for (s, _), v in by.items() if s == "train")
    keep = set()
    for (s, k), js in sorted(by.items()):
        if s == "train":
            n = round(max_train * len(js) / n_train) if 0 < max_train < n_train else len(js)
        else:
            cap = (max_dev_thesis if k == "thesis" else max_dev) if s == "dev" else max_test
            n = 0 if cap < 0 else (min(cap, len(js)) if cap > 0 else len(js))
        keep.update(random.Random(f"{seed}-cap-{s}-{k}").sample(js, n))
    return [e for j, e in enumerate(examples) if j in keep]


def load_stance(directory, weights_hash):
    """A shipped stance model: its configuration, its tensors as stored
    (int8 rows and scales) and as the float32 weights volte computes with."""
    directory = Path(directory)
    config = json.load(open(directory / "stance.json"))
    if config.get("base_weights_sha256") != weights_hash:
        raise SystemExit(f"{directory} was trained on another base ({config.get('base_weights_sha256')})")
    stored = load_file(str(directory / "stance.safetensors"))
    return config, stored, dequantize(stored), sha256(directory / "stance.safetensors")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="../shared/data/wahlomat/state-elections.jsonl")
    ap.add_argument("--base", default=os.path.expanduser("~/.cache/volte/models/multilingual-e5-small-q4"))
    ap.add_argument("--out", default="models/stance")
    ap.add_argument("--fixtures", default="tests/fixtures")
    ap.add_argument("--work", default="target/stance-train")
    ap.add_argument("--trainable", type=int, default=6, help="upper layers trained")
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--batch-tokens", type=int, default=4096)
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--pairs-per-thesis", type=int, default=2, help="statement-statement pairs per thesis and election")
    ap.add_argument("--off-topic-share", type=float, default=0.15,
                    help="share of records also paired with an unrelated thesis (label neutral)")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--label-smoothing", type=float, default=0.05)
    ap.add_argument("--eval-every", type=int, default=400, help="steps between dev evaluations")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stop-after", type=int, default=0,
                    help="stop after this many steps (the learning-rate schedule still spans --epochs)")
    ap.add_argument("--export-only", action="store_true", help="export the best checkpoint so far without training")
    ap.add_argument("--init", help="start the trained layers and the head from this state dict (a best-*.pt of an earlier run)")
    ap.add_argument("--init-first", type=int, default=4, help="the first trained layer of the --init run")
    ap.add_argument("--v2", action="store_true",
                    help="training data v2: --extra sources, polarity augmentation, cross-source off-topic pairs")
    ap.add_argument("--extra", default="../shared/data/stance-extra")
    ap.add_argument("--argq-cap", type=int, default=8000, help="ArgQ train rows used (0: none)")
    ap.add_argument("--perspectrum-cap", type=int, default=6978, help="Perspectrum train rows used (0: none)")
    ap.add_argument("--xnli-cap", type=int, default=2245, help="German XNLI train rows used (0: none)")
    ap.add_argument("--polarity-share", type=float, default=0.2,
                    help="share of agree/disagree train pairs also given with a negated thesis and flipped label")
    ap.add_argument("--from-stance", help="start from this stance model directory (its layers and head), not the base")
    ap.add_argument("--max-train", type=int, default=0, help="train examples used in all, every kind in proportion (0: all)")
    ap.add_argument("--max-dev", type=int, default=0, help="dev examples per kind (0: all)")
    ap.add_argument("--max-dev-thesis", type=int, help="dev thesis pairs, the model selection set (default: --max-dev)")
    ap.add_argument("--max-test", type=int, default=0, help="test examples per kind (0: all, -1: none)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    data_hash = sha256(args.data)
    extra_hashes = {}
    if args.v2:
        for name in ("ibm-argq-30k.jsonl", "perspectrum.jsonl", "xnli-de.jsonl"):
            extra_hashes[name] = sha256(Path(args.extra) / name)
            log(f"extra data {name} sha256 {extra_hashes[name][:16]}…")
    base_dir = Path(args.base)
    weights_hash = sha256(base_dir / "model.safetensors")
    log(f"data {args.data} sha256 {data_hash[:16]}…, base {base_dir} sha256 {weights_hash[:16]}…")
    records, boiler, cfg, first, examples, split, counts = build_examples(args, base_dir)
    if args.max_dev_thesis is None:
        args.max_dev_thesis = args.max_dev
    if args.max_train or args.max_dev or args.max_dev_thesis or args.max_test:
        examples = cap_examples(examples, args.max_train, args.max_dev, args.max_dev_thesis, args.max_test, args.seed)
        counts = Counter((e["split"], e["kind"]) for e in examples)
        log("examples after the caps:", dict(counts))
    w = load_file(str(base_dir / "model.safetensors"))
    stance_cfg, stance_stored, stance_hash = None, None, None
    if args.from_stance:
        stance_cfg, stance_stored, shipped_w, stance_hash = load_stance(args.from_stance, weights_hash)
        w.update(shipped_w)
        log(f"from {args.from_stance} (sha256 {stance_hash[:16]}…, first trained layer {stance_cfg['first_trained_layer']})")
    base = Base(cfg, w, first)
    key = hashlib.sha256(
        json.dumps([weights_hash, stance_hash, first, [e["seq"] for e in examples]]).encode()
    ).hexdigest()[:16]
    states, offsets = frozen_states(base, [e["seq"] for e in examples], work / f"frozen-{key}")
    top = Top(cfg, w, first, args.dropout)
    if args.from_stance:
        top.head.weight.data.copy_(w["classifier.weight"])
        top.head.bias.data.copy_(w["classifier.bias"])
    del base
    if args.init:
        # Layer j of the earlier run is layer init_first + j of the model.
        old = torch.load(args.init)
        mapped = {}
        for k, v in old.items():
            if k.startswith("layers."):
                _, j, rest = k.split(".", 2)
                i = args.init_first + int(j) - first
                if i < 0:
                    continue
                mapped[f"layers.{i}.{rest}"] = v
            else:
                mapped[k] = v
        missing, unexpected = top.load_state_dict(mapped, strict=False)
        log(f"initialized from {args.init}: {len(mapped)} tensors, {len(missing)} from the base, {len(unexpected)} unused")
        assert not unexpected

    kinds = sorted({e["kind"] for e in examples} | {"thesis", "statements", "off_topic"})
    idx = {
        (s, k): [j for j, e in enumerate(examples) if e["split"] == s and e["kind"] == k]
        for s in ("train", "dev", "test")
        for k in kinds
    }
    train_idx = [j for k in kinds for j in idx[("train", k)]]
    extra_kinds = [k for k in ("argq", "perspectrum", "xnli") if idx[("dev", k)]]
    gold = np.array([e["gold"] for e in examples])
    lengths = [int(offsets[i + 1] - offsets[i]) for i in train_idx]

    epoch_batches = len(length_batches(lengths, args.batch_tokens))
    total_steps = int(math.ceil(args.epochs * epoch_batches))
    warmup = max(1, int(0.06 * total_steps))
    body = [p for n, p in top.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": top.head.parameters(), "lr": args.head_lr}],
        weight_decay=0.01,
        fused=True,
    )
    base_lrs = [args.lr, args.head_lr]
    ckpt = work / f"checkpoint-{key}-{args.trainable}-{args.seed}.pt"
    step, best, history = 0, None, []
    if ckpt.exists():
        c = torch.load(ckpt, weights_only=False)
        top.load_state_dict(c["top"])
        opt.load_state_dict(c["opt"])
        step, best, history = c["step"], c["best"], c["history"]
        torch.set_rng_state(c["torch_rng"])
        log(f"resumed at step {step}/{total_steps}")

    # Model selection: the dev thesis pairs; with --v2, content only (what
    # the shipped model is compared on).
    select = idx[("dev", "thesis")]
    if args.v2:
        select = [j for j in select if records[examples[j]["ref"][0]]["text"].strip() not in boiler]

    def dev_score():
        logits = evaluate(top, states, offsets, select)
        m = metrics(logits, gold[select])
        ls = evaluate(top, states, offsets, idx[("dev", "statements")])
        ms = metrics(ls, gold[idx[("dev", "statements")]])
        if idx[("dev", "off_topic")]:
            lo = evaluate(top, states, offsets, idx[("dev", "off_topic")])
            ms["off_topic_neutral"] = round(float(np.mean(lo.argmax(-1) == 1)), 4)
            ms["off_topic_mean_abs_stance"] = round(float(np.mean(np.abs(off_stance(lo)))), 4)
        for k in extra_kinds:
            ms[k] = metrics(evaluate(top, states, offsets, idx[("dev", k)]), gold[idx[("dev", k)]])
        return m, ms

    log(f"training {args.trainable} layers from layer {first}: {total_steps} steps ({epoch_batches}/epoch)")
    if args.from_stance and step == 0 and not history:
        # The starting model is the first candidate: training must beat it.
        m, ms = dev_score()
        history.append({"step": 0, "dev": m, "dev_statements": ms})
        log(f"dev at step 0 (the starting model): {m} | statement pairs: {ms}")
        best = {"step": 0, "dev": m, "dev_statements": ms}
        torch.save(top.state_dict(), work / f"best-{key}-{args.trainable}-{args.seed}.pt")
    top.train()
    t0, seen = time.time(), 0
    right = counted = 0
    while step < total_steps and not args.export_only and not (args.stop_after and step >= args.stop_after):
        epoch = step // epoch_batches
        batches = length_batches(lengths, args.batch_tokens, random.Random(f"{args.seed}-{epoch}"))
        for b in batches[step % epoch_batches :]:
            if step >= total_steps or (args.stop_after and step >= args.stop_after):
                break
            ids = [train_idx[j] for j in b]
            x, mask = states_batch(states, offsets, ids)
            y = torch.tensor(gold[ids] + 1)
            scale = min(1.0, (step + 1) / warmup) * max(0.0, (total_steps - step) / max(1, total_steps - warmup))
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * min(scale, 1.0)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = top(x, mask)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=args.label_smoothing)
            right += int((logits.argmax(-1) == y).sum())
            counted += len(ids)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            seen += len(ids)
            if step % 50 == 0:
                log(
                    f"step {step}/{total_steps} loss {loss.item():.4f} "
                    f"train accuracy {right / max(1, counted):.3f} {seen / (time.time() - t0):.1f} pairs/s"
                )
                right = counted = 0
            if step % args.eval_every == 0 or step == total_steps:
                m, ms = dev_score()
                history.append({"step": step, "dev": m, "dev_statements": ms})
                log(f"dev at step {step}: {m} | statement pairs: {ms}")
                if best is None or m["agree_disagree_accuracy"] > best["dev"]["agree_disagree_accuracy"]:
                    best = {"step": step, "dev": m, "dev_statements": ms}
                    torch.save(top.state_dict(), work / f"best-{key}-{args.trainable}-{args.seed}.pt")
                torch.save(
                    {"top": top.state_dict(), "opt": opt.state_dict(), "step": step, "best": best,
                     "history": history, "torch_rng": torch.get_rng_state()},
                    str(ckpt) + ".part",
                )
                os.replace(str(ckpt) + ".part", ckpt)
    wall = time.time() - t0
    log(f"training done at step {step}; best dev step {best['step']}: {best['dev']}")

    top.load_state_dict(torch.load(work / f"best-{key}-{args.trainable}-{args.seed}.pt"))
    top.eval()
    final = {}
    for s in ("dev", "test"):
        if idx[(s, "off_topic")]:
            lo = evaluate(top, states, offsets, idx[(s, "off_topic")])
            final[f"{s}_off_topic"] = {
                "n": len(lo),
                "predicted_neutral": round(float(np.mean(lo.argmax(-1) == 1)), 4),
                "mean_abs_stance": round(float(np.mean(np.abs(off_stance(lo)))), 4),
            }
        for k in ("thesis", "statements"):
            if not idx[(s, k)]:
                continue
            lg = evaluate(top, states, offsets, idx[(s, k)])
            final[f"{s}_{k}"] = metrics(lg, gold[idx[(s, k)]])
            if k == "thesis":
                keep = [j for j, i in enumerate(idx[(s, k)]) if records[examples[i]["ref"][0]]["text"].strip() not in boiler]
                final[f"{s}_{k}_without_boilerplate"] = metrics(lg[keep], gold[idx[(s, k)]][keep])
        for k in extra_kinds:
            if idx[(s, k)]:
                final[f"{s}_{k}"] = metrics(evaluate(top, states, offsets, idx[(s, k)]), gold[idx[(s, k)]])
        if idx[(s, "off_topic_extra")]:
            lo = evaluate(top, states, offsets, idx[(s, "off_topic_extra")])
            final[f"{s}_off_topic_extra"] = {
                "n": len(lo),
                "predicted_neutral": round(float(np.mean(lo.argmax(-1) == 1)), 4),
                "mean_abs_stance": round(float(np.mean(np.abs(off_stance(lo)))), 4),
            }
    for k, v in final.items():
        log(k, v)

    # Export: the trained layers (int8 linear weights) and the head.
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tensors = quantize_for_shipping(top.export())
    exported_first, max_tokens = first, args.max_len
    if args.from_stance:
        # The frozen layers the shipped model trained travel unchanged.
        exported_first = min(first, stance_cfg["first_trained_layer"])
        for k, v in stance_stored.items():
            if k.startswith("encoder.layer.") and int(k.split(".")[2]) < first:
                tensors[k] = v.contiguous()
        max_tokens = stance_cfg["max_tokens"]
    save_file(tensors, str(out / "stance.safetensors"), metadata={"format": "pt"})
    config = {
        "format": "volte-stance-1",
        "base": "multilingual-e5-small-q4",
        "base_weights_sha256": weights_hash,
        "first_trained_layer": exported_first,
        "labels": LABELS,
        "thesis_prefix": THESIS_PREFIX,
        "statement_prefix": STATEMENT_PREFIX,
        "max_thesis_tokens": MAX_THESIS,
        "max_tokens": max_tokens,
        "pooling": "mean",
    }
    json.dump(config, open(out / "stance.json", "w"), indent=2)
    elections = {s: sorted(e for e, v in split.items() if v == s) for s in ("dev", "test")}
    json.dump(
        {
            "data": os.path.basename(args.data),
            "data_sha256": data_hash,
            "extra_data_sha256": extra_hashes,
            "base_weights_sha256": weights_hash,
            "from_stance_sha256": stance_hash,
            "elections": elections,
            "examples": {f"{s}/{k}": n for (s, k), n in counts.items()},
            "args": vars(args),
            "train_wall_seconds": round(wall),
            "best_step": best["step"],
            "metrics": final,
            "history": history,
        },
        open(out / "metrics.json", "w"),
        indent=2,
    )

    # Parity reference: 200 dev pairs through the exported weights in float32,
    # from the token ids (no cached states, no bfloat16).
    full_base = Base(cfg, w, first)
    ref_top = Top(cfg, w, first, 0.0)
    shipped = dequantize(tensors)
    for j, layer in enumerate(ref_top.layers):
        layer.load(shipped, f"encoder.layer.{first + j}")
    ref_top.head.weight.data.copy_(shipped["classifier.weight"])
    ref_top.head.bias.data.copy_(shipped["classifier.bias"])
    ref_top.eval()
    pick = random.Random(7).sample(idx[("dev", "thesis")], min(200, len(idx[("dev", "thesis")])))
    # The pairs as volte builds them: cut to the exported max_tokens.
    enc = Encoder(base_dir / "tokenizer.json", max_tokens)
    rows = []
    with torch.no_grad():
        for i in pick:
            r = records[examples[i]["ref"][0]]
            a, b = enc.ids([THESIS_PREFIX + r["thesis"], STATEMENT_PREFIX + r["text"]])
            seq = enc.pair(a, b)
            ids, mask = pad_batch([seq])
            lg = ref_top(full_base(ids, mask), mask)[0].tolist()
            rows.append({"line": examples[i]["ref"][0] + 1, "tokens": len(seq), "logits": lg})
    Path(args.fixtures).mkdir(parents=True, exist_ok=True)
    json.dump(
        {"data": os.path.basename(args.data), "data_sha256": data_hash, "labels": LABELS, "pairs": rows},
        open(Path(args.fixtures) / "stance_reference.json", "w"),
        indent=1,
    )
    log(f"wrote {out}/stance.safetensors, stance.json, metrics.json and {args.fixtures}/stance_reference.json")


if __name__ == "__main__":
    sys.exit(main())
