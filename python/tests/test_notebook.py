"""The package as a notebook uses it: a pandas DataFrame in (renamed
columns, pandas timestamps, NaN), DataFrames out; sentence-transformers'
and BERTopic's conventions; options refused with the command line's
messages."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

import volte
from conftest import ROOT, run_cli, volte_bin

CORPUS = ROOT / "examples" / "ai-bailout"
THESIS = (
    "The US government should financially back AI companies and their data centers, "
    "with loan guarantees or a federal backstop."
)


@pytest.fixture(scope="module")
def frame():
    """The example corpus as a notebook has it: other column names, dates
    parsed by pandas, one speaker missing (NaN)."""
    df = pd.read_json(CORPUS / "statements.jsonl", lines=True)
    df = df.rename(columns={"text": "quote", "speaker": "who", "date": "when"})
    df["when"] = pd.to_datetime(df["when"])
    df.loc[3, "who"] = np.nan
    return df


def records_of(df):
    """The same statements as the command line reads them (a JSONL file,
    the default names, the missing speaker left out)."""
    out = []
    for row in df.to_dict("records"):
        r = {"id": row["id"], "text": row["quote"], "date": row["when"].strftime("%Y-%m-%d"),
             "source": row["source"], "lang": row["lang"]}
        if isinstance(row["who"], str):
            r["speaker"] = row["who"]
        out.append(r)
    return out


def test_a_dataframe_gives_the_command_lines_report(tmp_path, frame):
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records_of(frame)))
    cli = json.loads(run_cli("report", str(path), "--thesis", THESIS, "--format", "json").stdout)
    got = volte.report(frame, axes=THESIS, text="quote", speaker="who", date="when")
    for key in ["stance_mode", "settings", "coverage", "topics", "timelines", "shifts",
                "statements"]:
        assert got[key] == cli[key], key
    assert got["coverage"]["without_speaker"] == 1
    statements = got.to_pandas("statements")
    assert list(statements["id"]) == list(frame["id"])
    assert statements["speaker"].isna().sum() == 1
    assert statements["date"].iloc[0] == "2025-10-27"
    points = got.to_pandas("points")
    assert len(points) > 10 and {"speaker", "date", "stance", "p_agree"} <= set(points.columns)
    assert got.turns == [s for s in got["shifts"] if s["status"] == "turn"]


def test_axes_as_theses_and_dicts_equal_the_axes_file(frame):
    import tomllib

    with open(CORPUS / "theses.toml", "rb") as f:
        tables = tomllib.load(f)["axis"]
    kw = dict(text="quote", speaker="who", date="when")
    from_file = volte.report(frame, axes=str(CORPUS / "theses.toml"), **kw)
    from_dicts = volte.report(frame, axes=tables, **kw)
    for key in ["topics", "timelines", "shifts", "statements"]:
        assert from_dicts[key] == from_file[key], key
    theses = volte.report(frame, axes=[t["thesis"] for t in tables], **kw)
    assert [a["name"] for a in theses["axes"]] == [f"thesis-{i + 1}" for i in range(len(tables))]
    assert [a["thesis"] for a in theses["axes"]] == [a["thesis"] for a in from_file["axes"]]
    assert theses["statements"] == from_file["statements"]


def test_missing_columns_and_bad_axes_are_value_errors(frame):
    with pytest.raises(ValueError, match='the speaker column "author" is not in the data'):
        volte.report(frame, text="quote", speaker="author", date="when")
    with pytest.raises(ValueError, match='the text column "text" is not in the data'):
        volte.report(frame)
    with pytest.raises(ValueError, match="axes"):
        volte.report(frame, axes=[{"name": "x"}], text="quote")
    with pytest.raises(ValueError, match="axes"):
        volte.report(frame, axes=[3], text="quote")


def test_options_are_refused_with_the_command_lines_message(tmp_path, frame):
    def cli_error(*args):
        done = subprocess.run([str(volte_bin()), *args], capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        return done.stderr

    emb = np.random.default_rng(1).standard_normal((20, 8)).astype(np.float32)
    np.save(tmp_path / "e.npy", emb)
    stderr = cli_error("cluster", str(tmp_path / "e.npy"), "--threshold", "2")
    with pytest.raises(ValueError, match=r"threshold: 2 is not a cosine similarity in \[-1, 1\]") as e:
        volte.cluster(emb, threshold=2)
    assert str(e.value).split(": ", 1)[1] in stderr
    stderr = cli_error("report", str(CORPUS / "statements.jsonl"), "--shift-min-confidence", "2")
    with pytest.raises(ValueError, match="shift_min_confidence: 2 is not a number") as e:
        volte.report(frame, text="quote", shift_min_confidence=2)
    assert str(e.value).split(": ", 1)[1] in stderr
    with pytest.raises(ValueError, match="threshold"):
        volte.pairs(None, emb, 1.5)
    with pytest.raises(ValueError, match="give one"):
        volte.report(frame, text="quote", threshold=0.1, cluster_threshold=0.9)


def test_the_report_threshold_is_the_clusters_similarity(frame):
    kw = dict(text="quote", speaker="who", date="when")
    as_similarity = volte.report(frame, threshold=0.3, **kw)
    as_distance = volte.report(frame, cluster_threshold=0.7, **kw)
    assert as_similarity["settings"]["cluster_threshold"] == pytest.approx(0.7, abs=1e-6)
    assert as_similarity["topics"] == as_distance["topics"]


def test_encode_takes_what_sentence_transformers_takes(engine):
    texts = ["Le chat dort.", "Die Katze schläft.", "It rains."]
    want = engine.embed(texts)
    one = engine.encode("Le chat dort.")
    assert one.shape == (want.shape[1],) and one.dtype == np.float32
    assert np.array_equal(one, want[0])
    for form in [tuple(texts), pd.Series(texts), np.array(texts), texts]:
        got = engine.encode(form, batch_size=2, show_progress_bar=True,
                            normalize_embeddings=True)
        assert got.dtype == np.float32 and np.array_equal(got, want)
    seen = []
    volte.Engine(cache=False).embed(texts, progress=lambda kind, n: seen.append((kind, n)))
    assert seen[0] == ("start", 3) and sum(n for k, n in seen if k == "advance") == 3
    with pytest.raises(ValueError, match="batch_size"):
        engine.encode(texts, batch_size=0)
    with pytest.raises(ValueError, match="prompt_name"):
        engine.encode(texts, prompt_name="query")
    with pytest.raises(ValueError, match=r"texts\[1\] is not a str"):
        engine.encode(["a", None])


def test_the_report_prompt_is_the_symmetric_engines():
    symmetric = volte.Engine(symmetric_prompt=True)
    assert symmetric.prompt == "query: "
    assert symmetric.encode(["x"], prompt_name="query").shape == (1, symmetric.dim)
    report = volte.report([{"text": "Le chat dort."}, {"text": "Die Katze schläft."}],
                          engine=symmetric)
    assert report["model"] == symmetric.fingerprint


def test_cluster_labels_every_row_like_bertopic():
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((6, 16))
    rows = np.concatenate([centres[rng.integers(0, 6, 120)] + 0.2 * rng.standard_normal((120, 16)),
                           rng.standard_normal((5, 16)) * 3])
    texts = [f"topic{i % 6} word{i}" for i in range(len(rows))]
    got = volte.cluster(rows, texts, threshold=0.8, min_size=3)  # float64 is converted
    labels = got["labels"]
    assert labels.dtype == np.int64 and len(labels) == len(rows)
    for t, c in enumerate(got["clusters"]):
        assert sorted(np.flatnonzero(labels == t).tolist()) == sorted(c["members"])
        assert c["keywords"]
    assert np.flatnonzero(labels == -1).tolist() == got["unassigned"]
    bad = rows.copy()
    bad[7, 2] = np.nan
    with pytest.raises(ValueError, match="row 7"):
        volte.cluster(bad)


def test_pairs_follow_top_ks_none_convention():
    rng = np.random.default_rng(2)
    v = rng.standard_normal((40, 8))
    within = volte.pairs(None, v, 0.3)
    assert len(within) > 0
    as_set = [tuple(p) for p in within.tolist()]
    assert all(a < b for a, b in as_set) and len(set(as_set)) == len(as_set)
    for other in [volte.pairs(v, None, 0.3), volte.pairs(v, v, 0.3)]:
        assert sorted(map(tuple, other.tolist())) == sorted(as_set)
    with pytest.raises(ValueError, match="dimensions 8 and 4"):
        volte.pairs(v, v[:, :4], 0.3)
    with pytest.raises(ValueError):
        volte.pairs(None, None, 0.3)


def test_stance_gives_dataframe_ready_columns(tmp_path, frame):
    texts = frame["quote"].iloc[:6]
    got = pd.DataFrame(volte.stance(texts, THESIS))
    assert list(got.columns) == ["p_agree", "p_neutral", "p_disagree", "stance"]
    assert len(got) == 6
    assert np.allclose(got[["p_agree", "p_neutral", "p_disagree"]].sum(axis=1), 1, atol=1e-5)
    assert np.allclose(got["stance"], got["p_agree"] - got["p_disagree"], atol=1e-6)
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"id": f"t{i}", "text": t}, ensure_ascii=False) + "\n"
                            for i, t in enumerate(texts)))
    cli = [json.loads(line) for line in
           run_cli("stance", str(path), "--thesis", THESIS).stdout.splitlines() if line.strip()]
    assert np.allclose(got["p_agree"], [c["p_agree"] for c in cli], atol=1e-6)
    with pytest.raises(ValueError, match="thesis"):
        volte.stance(texts, " ")


def test_extract_reads_texts_and_paths(tmp_path):
    article = ("Le ministre des Finances a déclaré jeudi : « Nous baisserons les impôts "
               "l'an prochain. »\n")
    from_text = volte.extract([article], lang="fr")
    assert from_text and "Nous baisserons" in from_text[0]["text"]
    (tmp_path / "a.txt").write_text(article, encoding="utf-8")
    from_path = volte.extract(tmp_path / "a.txt", lang="fr")
    assert [s["text"] for s in from_path] == [s["text"] for s in from_text]
    with pytest.raises(ValueError, match="lang"):
        volte.extract([article], lang="xx")


def test_extract_skips_unreadable_files_only_when_asked(tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("Sam Altman a déclaré jeudi : « Nous ne demandons rien. »\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe not text \xff")
    with pytest.raises(ValueError, match="b.txt"):
        volte.extract(tmp_path, lang="fr")
    with pytest.warns(UserWarning, match="b.txt"):
        found = volte.extract(tmp_path, lang="fr", on_error="skip")
    assert [s["speaker"] for s in found] == ["Sam Altman"]
    with pytest.raises(ValueError, match="on_error"):
        volte.extract(tmp_path, on_error="ignore")
