#!/usr/bin/env python3
"""Trains the stance model on a GPU machine that has neither the data nor
the base model, in three steps:

    python scripts/stance_bundle.py make BUNDLE          # here: ~20 MB folder
    python scripts/stance_bundle.py train BUNDLE RUN --lr 5e-5 --epochs 4 --device cuda
    python scripts/stance_bundle.py pick RUN... OUT      # the best run's model, in parts
    python scripts/stance_bundle.py unpack OUT BEST.pt   # here: for train_stance.py --export-only

`make` builds exactly the examples of `train_stance.py` (same split, same
seed, same tokenization; the options are the same) and packs them with the
base weights: every 2-D weight in its 4-bit Q4_0 form (the form the base
ships in, recovered exactly and checked), the word embeddings only for the
tokens the examples use. `train` fine-tunes all 12 layers and the head
(the embeddings stay frozen, as volte loads them from the base), evaluates
the dev split after every half epoch and keeps the best. Its output is the
int8 layout volte ships (train_stance.quantize_for_shipping), split into
files under 16 MiB.
"""

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file as load_np, save_file as save_np
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_stance as ts  # noqa: E402

SPLITS = ["train", "dev", "test"]
KINDS = ["thesis", "statements", "off_topic"]
QK = 32


# ---------------------------------------------------------------- Q4_0


def q4_encode(w):
    """The Q4_0 blocks whose dequantization is exactly `w` (float32, rows a
    multiple of 32 wide): per block of 32 the scale d = -(value of largest
    magnitude) / 8 and q = value / d + 8. Fails if `w` is not such a tensor."""
    blocks = w.reshape(-1, QK).astype(np.float32)
    idx = np.abs(blocks).argmax(axis=1)
    d = (-blocks[np.arange(len(blocks)), idx] / 8.0).astype(np.float16)
    safe = np.where(d == 0, np.float16(1), d).astype(np.float32)
    q = np.rint(blocks / safe[:, None]) + 8
    if q.min() < 0 or q.max() > 15:
        raise ValueError("not Q4_0 values")
    q = q.astype(np.uint8)
    packed = q[:, : QK // 2] | (q[:, QK // 2 :] << 4)
    if not np.array_equal(q4_decode(d, packed, w.shape), w):
        raise ValueError("not Q4_0 values")
    return d, packed


def q4_decode(d, packed, shape):
    """Weight j of a block in the low nibble of byte j, weight j + 16 in the high one."""
    q = np.concatenate([packed & 0x0F, packed >> 4], axis=1)
    return ((q.astype(np.float32) - 8.0) * d.astype(np.float32)[:, None]).reshape(shape)


# ---------------------------------------------------------------- make


def make(args):
    base_dir = Path(args.base)
    records, boiler, cfg, first, examples = ts.build_examples(args, base_dir)
    used = sorted({t for e in examples for t in e["seq"]} | {0, 1, 2})
    compact = {t: i for i, t in enumerate(used)}
    seqs = [np.array([compact[t] for t in e["seq"]], dtype=np.int32) for e in examples]
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(s) for s in seqs])
    w = {k: v.numpy() for k, v in load_file(str(base_dir / "model.safetensors")).items()}
    w["embeddings.word_embeddings.weight"] = w["embeddings.word_embeddings.weight"][used]
    packed = {}
    for k, v in w.items():
        try:
            if v.ndim != 2 or v.shape[1] % QK:
                raise ValueError("not a matrix of whole blocks")
            d, q = q4_encode(v)
            packed[k + ".q4d"] = d
            packed[k + ".q4q"] = q
            packed[k + ".shape"] = np.array(v.shape, dtype=np.int64)
        except ValueError:
            packed[k] = v.astype(np.float32)
    out = Path(args.bundle)
    out.mkdir(parents=True, exist_ok=True)
    save_np(packed, str(out / "base.safetensors"))
    np.savez_compressed(
        out / "examples.npz",
        ids=np.concatenate(seqs),
        offsets=offsets,
        gold=np.array([e["gold"] for e in examples], dtype=np.int8),
        split=np.array([SPLITS.index(e["split"]) for e in examples], dtype=np.int8),
        kind=np.array([KINDS.index(e["kind"]) for e in examples], dtype=np.int8),
    )
    meta = {
        "config": cfg,
        "first": first,
        "vocab_used": len(used),
        "data_sha256": ts.sha256(args.data),
        "base_weights_sha256": ts.sha256(base_dir / "model.safetensors"),
        "options": {k: getattr(args, k) for k in ("seed", "trainable", "pairs_per_thesis", "off_topic_share", "max_len")},
    }
    (out / "bundle.json").write_text(json.dumps(meta, indent=1))
    ts.log(f"bundle {out}: {len(examples)} examples, {len(used)} tokens of the vocabulary")


# ---------------------------------------------------------------- train


def load_bundle(path):
    path = Path(path)
    meta = json.loads((path / "bundle.json").read_text())
    packed = load_np(str(path / "base.safetensors"))
    w = {}
    for k, v in packed.items():
        if k.endswith(".q4d"):
            name = k[: -len(".q4d")]
            shape = tuple(packed[name + ".shape"])
            w[name] = torch.from_numpy(q4_decode(v, packed[name + ".q4q"], shape))
        elif not (k.endswith(".q4q") or k.endswith(".shape")):
            w[k] = torch.from_numpy(v)
    ex = dict(np.load(path / "examples.npz"))
    return meta, w, ex


def train(args):
    torch.manual_seed(args.seed)
    dev = torch.device(args.device)
    meta, w, ex = load_bundle(args.bundle)
    cfg, first = meta["config"], meta["first"]
    assert first == 0, "the bundle trains all layers"
    base = ts.Base(cfg, w, 0).to(dev).eval()
    top = ts.Top(cfg, w, 0, args.dropout)
    if args.init_shipped:
        state, layers = state_from_shipped(load_file(args.init_shipped))
        assert layers == list(range(cfg["num_hidden_layers"])), "a model of all layers"
        top.load_state_dict(state)
        ts.log(f"{args.run}: starting from {args.init_shipped}")
    top = top.to(dev)
    del w
    ids, offsets, gold = ex["ids"], ex["offsets"], ex["gold"].astype(np.int64)
    split, kind = ex["split"], ex["kind"]

    def select(s, k=None):
        return [i for i in range(len(gold)) if split[i] == SPLITS.index(s) and (k is None or kind[i] == KINDS.index(k))]

    train_idx = select("train")
    if args.limit:
        train_idx = train_idx[: args.limit]
    dev_thesis = select("dev", "thesis")[: args.limit or None]
    dev_statements = select("dev", "statements")[: args.limit or None]
    lengths = [int(offsets[i + 1] - offsets[i]) for i in train_idx]

    def batch(idx):
        seqs = [ids[offsets[i] : offsets[i + 1]] for i in idx]
        x, mask = ts.pad_batch([s.tolist() for s in seqs])
        return x.to(dev, non_blocking=True), mask.to(dev, non_blocking=True)

    def lengths_of(i):
        return int(offsets[i + 1] - offsets[i])

    def logits_of(idx):
        top.eval()
        out = np.zeros((len(idx), len(ts.LABELS)), dtype=np.float32)
        with torch.no_grad(), torch.autocast(dev.type, dtype=torch.bfloat16):
            for b in ts.length_batches([lengths_of(i) for i in idx], args.batch_tokens * 4):
                x, mask = batch([idx[j] for j in b])
                out[b] = top(base(x, mask), mask).float().cpu().numpy()
        top.train()
        return out

    epoch_batches = len(ts.length_batches(lengths, args.batch_tokens))
    total = int(math.ceil(args.epochs * epoch_batches))
    warmup = max(1, int(0.06 * total))
    eval_every = max(1, epoch_batches // 2)
    body = [p for n, p in top.named_parameters() if not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": top.head.parameters(), "lr": args.head_lr}],
        weight_decay=0.01,
    )
    base_lrs = [args.lr, args.head_lr]
    ts.log(f"{args.run}: {len(train_idx)} training examples, {total} steps ({epoch_batches}/epoch) on {dev}")
    best, history, step = None, [], 0
    t0 = time.time()
    top.train()
    stop = False
    while step < total and not stop:
        epoch = step // epoch_batches
        for b in ts.length_batches(lengths, args.batch_tokens, random.Random(f"{args.seed}-{epoch}")):
            if step >= total:
                break
            chosen = [train_idx[j] for j in b]
            x, mask = batch(chosen)
            y = torch.tensor(gold[chosen] + 1, device=dev)
            scale = min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / max(1, total - warmup))
            for g, lr in zip(opt.param_groups, base_lrs):
                g["lr"] = lr * min(scale, 1.0)
            with torch.autocast(dev.type, dtype=torch.bfloat16):
                with torch.no_grad():
                    h = base(x, mask)
                logits = top(h, mask)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=args.label_smoothing)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(top.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            out_of_time = args.max_seconds and time.time() - t0 > args.max_seconds
            if step % eval_every == 0 or step == total or out_of_time:
                m = ts.metrics(logits_of(dev_thesis), gold[dev_thesis])
                ms = ts.metrics(logits_of(dev_statements), gold[dev_statements])
                history.append({"step": step, "seconds": round(time.time() - t0, 1), "dev": m, "dev_statements": ms})
                ts.log(f"{args.run} step {step}/{total} loss {loss.item():.4f} dev {m} statements {ms['agree_disagree_accuracy']}")
                if best is None or m["agree_disagree_accuracy"] > best["dev"]["agree_disagree_accuracy"]:
                    best = {"step": step, "dev": m, "dev_statements": ms}
                    best_state = {k: v.detach().float().cpu().clone() for k, v in top.state_dict().items()}
            if out_of_time:
                ts.log(f"{args.run}: stopped at the time limit")
                stop = True
                break
    top.load_state_dict(best_state)
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    tensors = ts.quantize_for_shipping(top.cpu().export())
    save_parts(tensors, run)
    summary = {
        "args": {k: v for k, v in vars(args).items() if k != "func"},
        "bundle": {k: meta[k] for k in ("data_sha256", "base_weights_sha256", "options")},
        "best": best,
        "history": history,
        "train_wall_seconds": round(time.time() - t0, 1),
        "device": torch.cuda.get_device_name() if dev.type == "cuda" else "cpu",
    }
    (run / "summary.json").write_text(json.dumps(summary, indent=1))
    ts.log(f"{args.run}: best dev {best}")


def save_parts(tensors, folder, limit=15 << 20):
    """`stance.partN.safetensors` files of at most `limit` bytes of tensors."""
    part, size, n = {}, 0, 0
    for k in sorted(tensors):
        t = tensors[k].contiguous()
        b = t.numel() * t.element_size()
        if part and size + b > limit:
            save_file(part, str(Path(folder) / f"stance.part{n}.safetensors"))
            part, size, n = {}, 0, n + 1
        part[k] = t
        size += b
    save_file(part, str(Path(folder) / f"stance.part{n}.safetensors"))


# ---------------------------------------------------------------- pick, unpack


def pick(args):
    runs = []
    for r in args.runs:
        s = Path(r) / "summary.json"
        if s.exists():
            runs.append((json.loads(s.read_text()), Path(r)))
    if not runs:
        sys.exit("no run finished")
    summary, best = max(runs, key=lambda x: x[0]["best"]["dev"]["agree_disagree_accuracy"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for f in sorted(best.glob("stance.part*.safetensors")):
        (out / f.name).write_bytes(f.read_bytes())
    all_runs = [{"run": str(p), "best": s["best"], "args": s["args"], "history": s["history"],
                 "train_wall_seconds": s["train_wall_seconds"], "device": s["device"]} for s, p in runs]
    (out / "runs.json").write_text(json.dumps({"chosen": str(best), "runs": all_runs}, indent=1))
    ts.log(f"chose {best}: {summary['best']}")


def state_from_shipped(tensors):
    """The `Top` state dict of a model in the shipped layout (int8 rows and
    their scales, HF names): the float32 weights volte computes with."""
    w = ts.dequantize(tensors)
    state = {}
    layers = sorted({int(k.split(".")[2]) for k in w if k.startswith("encoder.layer.")})
    for j, i in enumerate(layers):
        for mine, theirs in ts.LAYER_NAMES.items():
            for p in ("weight", "bias"):
                state[f"layers.{j}.{mine}.{p}"] = w[f"encoder.layer.{i}.{theirs}.{p}"]
    state["head.weight"] = w["classifier.weight"]
    state["head.bias"] = w["classifier.bias"]
    return state, layers


def unpack(args):
    tensors = {}
    for f in sorted(Path(args.folder).glob("stance.part*.safetensors")):
        tensors.update(load_file(str(f)))
    state, layers = state_from_shipped(tensors)
    torch.save(state, args.best)
    ts.log(f"wrote {args.best}: {len(state)} tensors, layers {layers[0]}..{layers[-1]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("bundle")
    m.add_argument("--data", default="../shared/data/wahlomat/state-elections.jsonl")
    m.add_argument("--base", default=str(Path.home() / ".cache/volte/models/multilingual-e5-small-q4"))
    m.add_argument("--trainable", type=int, default=12)
    m.add_argument("--max-len", type=int, default=256)
    m.add_argument("--pairs-per-thesis", type=int, default=4)
    m.add_argument("--off-topic-share", type=float, default=0.15)
    m.add_argument("--seed", type=int, default=13)
    m.set_defaults(func=make)
    t = sub.add_parser("train")
    t.add_argument("bundle")
    t.add_argument("run")
    t.add_argument("--device", default="cuda")
    t.add_argument("--epochs", type=float, default=4.0)
    t.add_argument("--lr", type=float, default=5e-5)
    t.add_argument("--head-lr", type=float, default=1e-3)
    t.add_argument("--batch-tokens", type=int, default=8192)
    t.add_argument("--dropout", type=float, default=0.1)
    t.add_argument("--label-smoothing", type=float, default=0.05)
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--max-seconds", type=float, default=0, help="stop (keeping the best so far) after this long")
    t.add_argument("--limit", type=int, default=0, help="use only this many examples per split (a smoke test)")
    t.add_argument("--init-shipped", help="start from a model in the shipped layout (models/stance/stance.safetensors)")
    t.set_defaults(func=train)
    p = sub.add_parser("pick")
    p.add_argument("runs", nargs="+")
    p.add_argument("out")
    p.set_defaults(func=pick)
    u = sub.add_parser("unpack")
    u.add_argument("folder")
    u.add_argument("best")
    u.set_defaults(func=unpack)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
