"""The Python package against the command line and a float64 reference."""

import json

import numpy as np
import pyarrow as pa
import pytest

import volte
from conftest import ROOT, run_cli, sts_statements, write_jsonl


def test_embeddings_equal_the_command_line_exactly(tmp_path, engine):
    records = sts_statements(60)
    path = write_jsonl(tmp_path / "s.jsonl", records)
    run_cli("embed", str(path), "-o", str(tmp_path / "s.npy"))
    cli = np.load(tmp_path / "s.npy")
    texts = [r["text"] for r in records]
    got = engine.embed(texts)
    assert got.dtype == np.float32 and got.shape == cli.shape
    assert np.array_equal(got, cli)
    # A pyarrow array gives the same rows.
    assert np.array_equal(engine.embed(pa.array(texts)), cli)


def test_embeddings_are_handed_over_without_a_copy(engine):
    got = engine.embed(["Le chat dort.", "Die Katze schläft."])
    # The array views the buffer the library filled (owned by a base
    # object), rather than owning a copy of it.
    assert not got.flags["OWNDATA"] and got.base is not None
    assert got.flags["C_CONTIGUOUS"] and got.flags["WRITEABLE"]
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def brute_top_k(queries, corpus, k, same):
    q = queries.astype(np.float64)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    c = corpus.astype(np.float64)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    scores = q @ c.T
    if same:
        np.fill_diagonal(scores, -np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(c)), scores.shape), -scores), axis=1)
    return order[:, :k], scores


def test_top_k_equals_the_float64_brute_force():
    rng = np.random.default_rng(5)
    corpus = rng.standard_normal((300, 24)).astype(np.float32)
    queries = rng.standard_normal((40, 24)).astype(np.float32)
    for q, same in [(None, True), (queries, False)]:
        index, score = volte.top_k(q, corpus, 7)
        want, exact = brute_top_k(corpus if same else queries, corpus, 7, same)
        assert np.array_equal(index, want)
        rows = np.arange(len(want))[:, None]
        # volte normalizes the rows in float32 before its float64 products.
        assert np.allclose(score, exact[rows, want], rtol=0, atol=1e-6)


def same_clusters(a, b):
    """Two results of volte.cluster are equal (labels are an array)."""
    rest = lambda r: {k: v for k, v in r.items() if k != "labels"}
    return np.array_equal(a["labels"], b["labels"]) and rest(a) == rest(b)


def test_pairs_and_clusters_equal_the_command_line(tmp_path):
    rng = np.random.default_rng(9)
    centres = rng.standard_normal((30, 32))
    rows = centres[rng.integers(0, 30, 600)] + 0.35 * rng.standard_normal((600, 32))
    emb = rows.astype(np.float32)
    np.save(tmp_path / "e.npy", emb)
    ids = [f"r{i}" for i in range(len(emb))]
    (tmp_path / "e.npy.ids.txt").write_text("\n".join(ids) + "\n")
    run_cli("cluster", str(tmp_path / "e.npy"), "--threshold", "0.9", "--min-size", "3",
            "-o", str(tmp_path / "c.json"))
    cli = json.loads((tmp_path / "c.json").read_text())
    got = volte.cluster(emb, threshold=0.9, min_size=3)
    assert len(got["clusters"]) == len(cli["clusters"]) > 5
    for g, c in zip(got["clusters"], cli["clusters"]):
        assert [ids[i] for i in g["members"]] == c["members"]
        assert ids[g["medoid"]] == c["medoid"]["id"]
    assert [ids[i] for i in got["unassigned"]] == cli["unassigned"]
    # Communities from pairs found elsewhere are the same.
    found = volte.pairs(emb, None, 0.9)
    assert same_clusters(volte.cluster(emb, threshold=0.9, min_size=3, pairs=found), got)
    # Pairs between two parts are those of the whole that cross.
    whole = {tuple(p) for p in found.tolist()}
    cross = {(a, b + 250) for a, b in volte.pairs(emb[:250], emb[250:], 0.9).tolist()}
    assert cross == {p for p in whole if p[0] < 250 <= p[1]}
    # The inverted-file index: with every list probed, the same pairs and
    # topics; with fewer, a subset of the pairs.
    every = volte.pairs(emb, None, 0.9, index="ivf", lists=8, probes=8)
    assert {tuple(p) for p in every.tolist()} == whole
    assert same_clusters(
        volte.cluster(emb, threshold=0.9, min_size=3, index="ivf", lists=8, probes=8), got
    )
    few = volte.pairs(emb, None, 0.9, index="ivf", lists=30, probes=2)
    assert {tuple(p) for p in few.tolist()} <= whole
    with pytest.raises(ValueError):
        volte.pairs(emb, None, 0.9, index="hnsw")


def test_report_equals_the_command_line_report():
    corpus = ROOT / "examples" / "ai-bailout"
    axes = corpus / "axes.toml"
    done = run_cli("report", str(corpus / "statements.jsonl"), "--axes", str(axes),
                   "--format", "json")
    cli = json.loads(done.stdout)
    with open(corpus / "statements.jsonl", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    got = volte.report(records, axes=str(axes))
    for key in ["stance_mode", "settings", "coverage", "topics", "unassigned",
                "timelines", "shifts", "statements", "model"]:
        assert got[key] == cli[key], key
    assert {s["speaker"] for s in got["shifts"]} >= {"Sarah Friar"}


def test_bad_records_and_options_raise_value_errors():
    with pytest.raises(ValueError, match='records:2: missing "text" field'):
        volte.report([{"text": "a"}, {"speaker": "x"}])
    with pytest.raises(ValueError, match="records:2: bad date"):
        volte.report([{"text": "a", "date": "2025-01-01"}, {"text": "b", "date": "yesterday"}])
    with pytest.raises(ValueError, match="device"):
        volte.Engine(device="tpu")
    with pytest.raises(ValueError, match="not a str"):
        volte.Engine().embed(["a", 3])
