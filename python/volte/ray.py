"""Scale-out on Ray: embedding, exact top-k and clustering of corpora that
outgrow one machine.

* Embedding: ``ray.data.read_parquet(...).map_batches(VolteEmbed, ...)``
  runs one model per worker (see :func:`embed_parquet`).
* Top-k: the global score matrix is cut into tiles, one Ray task per pair of
  row blocks; each task computes its tile's exact neighbours with volte's
  kernel and the driver merges them per row (:func:`top_k`).
* Clustering: the same tiles give every pair above the threshold; the
  driver runs community detection on them (:func:`cluster`).

Results equal those of one process (``volte similar``, ``volte cluster``):
neighbours are ordered by their float64 score, then index, as there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import ray

import volte

__all__ = ["VolteEmbed", "embed_parquet", "read_embeddings", "top_k", "pairs", "cluster"]


def _use_assigned_cpus() -> None:
    """Sizes volte's thread pool to the CPUs Ray gave this worker (before the
    pool starts), so that workers sharing a machine do not oversubscribe it."""
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU")
    except Exception:  # not in a Ray worker
        cpus = None
    if cpus and "RAYON_NUM_THREADS" not in os.environ:
        os.environ["RAYON_NUM_THREADS"] = str(max(1, round(cpus)))


class VolteEmbed:
    """A callable class for ``Dataset.map_batches``: adds the embeddings of
    the ``text_column`` as ``column`` (a float32 tensor column).

    ``ds.map_batches(VolteEmbed, fn_constructor_kwargs={"model": ...},
    concurrency=N, batch_format="numpy")`` loads one model per worker.
    Workers do not use the on-disk embedding cache unless ``cache=True``:
    on a cluster each would keep its own.
    """

    def __init__(
        self,
        model: Optional[str] = None,
        text_column: str = "text",
        column: str = "embedding",
        **engine_options,
    ):
        _use_assigned_cpus()
        engine_options.setdefault("cache", False)
        self.engine = volte.Engine(model, **engine_options)
        self.text_column = text_column
        self.column = column

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        texts = [str(t) for t in batch[self.text_column]]
        batch[self.column] = self.engine.embed(texts)
        return batch


def embed_parquet(
    source: str,
    destination: str,
    *,
    model: Optional[str] = None,
    concurrency: int = 1,
    num_cpus: float = 1,
    batch_size: int = 512,
    text_column: str = "text",
    **engine_options,
) -> None:
    """Embeds the statements of a Parquet dataset (a file or a directory
    of them, with a ``text_column``) into Parquet shards in
    ``destination``: the input columns plus ``embedding``.

    ``concurrency`` workers each hold one model and ``num_cpus`` CPUs (and
    as many threads); leave some CPU for Ray's read and write tasks, or they
    wait for the workers forever (on a 2-CPU machine: 2 workers of 0.5)."""
    # Shards keep the input order, so that row numbers (and the ties they
    # break in clustering) are the same from run to run.
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    ds = ray.data.read_parquet(source)
    ds = ds.map_batches(
        VolteEmbed,
        fn_constructor_kwargs=dict(model=model, text_column=text_column, **engine_options),
        concurrency=concurrency,
        num_cpus=num_cpus,
        batch_size=batch_size,
        batch_format="numpy",
    )
    ds.write_parquet(destination)


def read_embeddings(path: str, id_column: str = "id") -> Tuple[List[str], np.ndarray]:
    """The ids and embeddings of the Parquet shards written by
    :func:`embed_parquet`, in the input's order."""
    ray.data.DataContext.get_current().execution_options.preserve_order = True
    files = sorted(str(p) for p in Path(path).glob("*.parquet")) if Path(path).is_dir() else [path]
    ds = ray.data.read_parquet(files)
    ids: List[str] = []
    rows: List[np.ndarray] = []
    for batch in ds.iter_batches(batch_format="numpy", batch_size=None):
        ids.extend(str(i) for i in batch[id_column])
        rows.append(np.asarray(batch["embedding"], dtype=np.float32))
    matrix = np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)
    return ids, matrix


def _blocks(embeddings: np.ndarray, block_rows: int) -> List[Tuple[int, np.ndarray]]:
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    return [
        (start, embeddings[start : start + block_rows])
        for start in range(0, len(embeddings), block_rows)
    ]


@ray.remote
def _top_k_tile(queries, q_start, corpus, c_start, k, same):
    if same:
        index, score = volte.top_k(None, corpus, k)
    else:
        index, score = volte.top_k(queries, corpus, k)
    index = np.where(index >= 0, index + c_start, -1)
    return q_start, index, score


def top_k(
    embeddings: np.ndarray, k: int, *, block_rows: int = 4096
) -> Tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar other rows of every row, exact, as Ray tasks
    over block pairs (one tile of the score matrix each), merged per row on
    the driver: chosen by float64 score, listed by score then index. Returns (indices int64, scores float32) of shape (n, k)
    (fewer columns when n <= k), as :func:`volte.top_k` ``(None, ...)``."""
    blocks = _blocks(embeddings, block_rows)
    refs = [(start, ray.put(b)) for start, b in blocks]
    tasks = [
        _top_k_tile.remote(qb, qs, cb, cs, k, qs == cs)
        for qs, qb in refs
        for cs, cb in refs
    ]
    per_block: Dict[int, List[Tuple[np.ndarray, np.ndarray]]] = {}
    for q_start, index, score in ray.get(tasks):
        per_block.setdefault(q_start, []).append((index, score))
    # The rows as volte's search scales them, for float64 scores that order
    # the candidates of different tiles exactly as one search would (their
    # float32 scores can tie where the float64 ones differ).
    unit = volte.normalize(np.asarray(embeddings, dtype=np.float32)).astype(np.float64)
    width = min(k, max(len(embeddings) - 1, 0))
    out_index = np.full((len(embeddings), width), -1, np.int64)
    out_score = np.full((len(embeddings), width), np.nan, np.float32)
    for q_start, parts in per_block.items():
        index = np.concatenate([p[0] for p in parts], axis=1)
        score = np.concatenate([p[1] for p in parts], axis=1)
        rows = np.arange(q_start, q_start + len(index))
        exact = np.einsum("rd,rcd->rc", unit[rows], unit[np.maximum(index, 0)])
        exact = np.where(index >= 0, exact, -np.inf)
        for r in range(len(index)):
            # Chosen by float64 score, then listed by the float32 score
            # reported, then index, as volte lists them.
            chosen = np.lexsort((index[r], -exact[r]))[:width]
            listed = chosen[np.lexsort((index[r][chosen], -score[r][chosen]))]
            out_index[rows[r]] = index[r][listed]
            out_score[rows[r]] = score[r][listed]
    return out_index, out_score


@ray.remote
def _pairs_tile(left, l_start, right, r_start, threshold, same):
    found = volte.pairs(left, None if same else right, threshold).astype(np.int64)
    found[:, 0] += l_start
    found[:, 1] += l_start if same else r_start
    return found


def pairs(embeddings: np.ndarray, threshold: float, *, block_rows: int = 4096) -> np.ndarray:
    """Every pair of rows with similarity at least ``threshold`` (exact, as
    float64), as a (pairs, 2) array, from Ray tasks over block pairs."""
    blocks = _blocks(embeddings, block_rows)
    refs = [(start, ray.put(b)) for start, b in blocks]
    tasks = [
        _pairs_tile.remote(lb, ls, rb, rs, threshold, ls == rs)
        for i, (ls, lb) in enumerate(refs)
        for rs, rb in refs[i:]
    ]
    found = [p for p in ray.get(tasks) if len(p)]
    if not found:
        return np.zeros((0, 2), np.uint32)
    return np.concatenate(found).astype(np.uint32)


def cluster(
    embeddings: np.ndarray,
    *,
    threshold: float = 0.92,
    min_size: int = 2,
    block_rows: int = 4096,
) -> dict:
    """Community detection (as ``volte cluster``): the pairs above the
    threshold come from Ray tasks, the communities are formed on the
    driver. Returns the dict of :func:`volte.cluster`."""
    found = pairs(embeddings, threshold, block_rows=block_rows)
    return volte.cluster(
        np.asarray(embeddings, dtype=np.float32),
        threshold=threshold,
        min_size=min_size,
        pairs=found,
    )
