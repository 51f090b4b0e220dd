"""volte.ray on a local Ray cluster (2 CPUs) against the single-process
command line: the same embeddings, neighbour lists and clusters."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray", reason="pip install 'ray[data]' to run the Ray tests")

import volte  # noqa: E402
import volte.ray as vray  # noqa: E402
from conftest import run_cli, sts_statements, write_jsonl  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_embedding_a_parquet_dataset_equals_the_command_line(tmp_path):
    records = sts_statements(2000)
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "in.parquet")
    vray.embed_parquet(
        str(tmp_path / "in.parquet"),
        str(tmp_path / "out"),
        concurrency=2,
        num_cpus=0.5,
        batch_size=250,
    )
    ids, got = vray.read_embeddings(str(tmp_path / "out"))
    assert sorted(ids) == sorted(r["id"] for r in records)

    run_cli("embed", str(write_jsonl(tmp_path / "in.jsonl", records)), "-o",
            str(tmp_path / "cli.npy"))
    cli = np.load(tmp_path / "cli.npy")
    row = {r["id"]: i for i, r in enumerate(records)}
    assert np.array_equal(got, cli[[row[i] for i in ids]])


def clustered(n=20_000, dim=384, centres=500, seed=3):
    """Unit vectors around `centres` random directions (cosine about 0.89
    within a group, about 0 between groups)."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim))
    rows = c[rng.integers(0, centres, n)] + 0.35 * rng.standard_normal((n, dim))
    return rows.astype(np.float32)


@pytest.fixture(scope="module")
def precomputed(tmp_path_factory):
    d = tmp_path_factory.mktemp("vectors")
    emb = clustered()
    np.save(d / "e.npy", emb)
    ids = [f"r{i}" for i in range(len(emb))]
    (d / "e.npy.ids.txt").write_text("\n".join(ids) + "\n")
    return d, emb, ids


def test_top_k_over_tiles_equals_the_command_line(precomputed):
    d, emb, ids = precomputed
    index, score = vray.top_k(emb, 10, block_rows=5000)
    run_cli("similar", str(d / "e.npy"), "-k", "10", "-o", str(d / "s.jsonl"))
    with open(d / "s.jsonl") as f:
        lines = [json.loads(line) for line in f]
    assert len(lines) == len(emb)
    for r, line in enumerate(lines):
        assert line["id"] == ids[r]
        assert [ids[i] for i in index[r]] == [n["id"] for n in line["neighbors"]]
        assert score[r].tolist() == [np.float32(n["score"]) for n in line["neighbors"]]
    # And the single-process search of the package.
    one_index, one_score = volte.top_k(None, emb, 10)
    assert np.array_equal(index, one_index) and np.array_equal(score, one_score)


def test_clusters_from_tile_pairs_equal_the_command_line(precomputed):
    d, emb, ids = precomputed
    got = vray.cluster(emb, threshold=0.85, min_size=5, block_rows=5000)
    run_cli("cluster", str(d / "e.npy"), "--threshold", "0.85", "--min-size", "5",
            "-o", str(d / "c.json"))
    cli = json.loads((d / "c.json").read_text())
    assert len(got["clusters"]) == len(cli["clusters"]) > 100
    for g, c in zip(got["clusters"], cli["clusters"]):
        assert [ids[i] for i in g["members"]] == c["members"]
        assert ids[g["medoid"]] == c["medoid"]["id"]
    assert [ids[i] for i in got["unassigned"]] == cli["unassigned"]
