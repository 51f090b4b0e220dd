"""Embed a Parquet dataset of statements on a Ray cluster, find every
statement's nearest neighbours over all shards, and group them into topics.

    python python/examples/ray_pipeline.py statements.parquet out/ --workers 4

Stages (each prints its time):
  (a) embedding: ray.data.read_parquet(...).map_batches(VolteEmbed,
      concurrency=N) writes Parquet shards (input columns + `embedding`)
      to out/embeddings/;
  (b) exact top-k: one Ray task per pair of row blocks, merged per row on
      the driver, written to out/neighbours.parquet (id, neighbour ids,
      scores);
  (c) topics: community detection on the driver from the pairs above the
      threshold that the same tiles give, written to out/topics.json.

On a laptop `ray.init()` starts a local cluster; on a real one, start the
script on the head node (`ray up cluster.yaml`, then `ray submit
cluster.yaml ray_pipeline.py ...`, or a KubeRay RayJob) and it joins the
running cluster (`ray.init(address="auto")`). Every node needs the volte
package (`pip install ./python`) and reads its model from its own cache.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import ray

import volte.ray as vray


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("statements", help="Parquet file or directory with `id` and `text` columns")
    p.add_argument("out", help="output directory")
    p.add_argument("--workers", type=int, default=2, help="embedding workers (one model each)")
    p.add_argument("--cpus-per-worker", type=float, default=1.0)
    p.add_argument("--model", default=None, help="model (default: multilingual-e5-small-q4)")
    p.add_argument("--top-k", type=int, default=10)
    p.add_argument("--threshold", type=float, default=0.92, help="topic threshold (cosine)")
    p.add_argument("--min-size", type=int, default=2, help="smallest topic")
    p.add_argument("--block-rows", type=int, default=4096, help="rows per tile side")
    p.add_argument("--address", default=None, help="Ray cluster address (default: local or auto)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of a local cluster")
    a = p.parse_args()

    ray.init(address=a.address, num_cpus=a.num_cpus, include_dashboard=False)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    n = pq.ParquetFile(a.statements).metadata.num_rows if Path(a.statements).is_file() else None

    t = time.perf_counter()
    vray.embed_parquet(
        a.statements,
        str(out / "embeddings"),
        model=a.model,
        concurrency=a.workers,
        num_cpus=a.cpus_per_worker,
    )
    seconds = time.perf_counter() - t
    ids, emb = vray.read_embeddings(str(out / "embeddings"))
    print(f"(a) embedded {len(ids)} statements with {a.workers} worker(s) in {seconds:.1f} s "
          f"({len(ids) / seconds:.1f} statements/s)")
    if n is not None and n != len(ids):
        raise SystemExit(f"{n} statements in, {len(ids)} embeddings out")

    t = time.perf_counter()
    index, score = vray.top_k(emb, a.top_k, block_rows=a.block_rows)
    names = np.array(ids, dtype=object)
    pq.write_table(
        pa.table({
            "id": ids,
            "neighbours": [names[row[row >= 0]].tolist() for row in index],
            "scores": [s[~np.isnan(s)].tolist() for s in score],
        }),
        out / "neighbours.parquet",
    )
    print(f"(b) top {a.top_k} of {len(ids)} statements in {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    topics = vray.cluster(emb, threshold=a.threshold, min_size=a.min_size, block_rows=a.block_rows)
    doc = {
        "threshold": a.threshold,
        "min_size": a.min_size,
        "clusters": [
            {"medoid": ids[c["medoid"]], "members": [ids[i] for i in c["members"]]}
            for c in topics["clusters"]
        ],
        "unassigned": [ids[i] for i in topics["unassigned"]],
    }
    (out / "topics.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    print(f"(c) {len(doc['clusters'])} topic(s), {len(doc['unassigned'])} unassigned, "
          f"in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
