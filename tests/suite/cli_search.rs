//! `volte similar`, `volte pairs` and `volte cluster` end to end on `.npy`
//! embeddings (no model needed).

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use volte::embeddings::Embeddings;

/// Two tight groups of three and one outlier, in 4 dimensions.
fn write_vectors(dir: &Path) -> std::path::PathBuf {
    let rows: [[f32; 4]; 7] = [
        [1.0, 0.05, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.02],
        [0.98, 0.0, 0.08, 0.0],
        [0.03, 0.97, 0.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
        [0.99, -0.04, 0.0, 0.05],
        [0.0, 0.99, 0.06, 0.0],
    ];
    let mut emb = Embeddings::new(4, rows.iter().flatten().copied().collect()).unwrap();
    emb.normalize();
    let ids: Vec<String> = ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let path = dir.join("vectors.npy");
    volte::output::npy::write(&path, &ids, &emb).unwrap();
    path
}

fn volte(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_volte"))
        .args(args)
        .env("VOLTE_NO_PROGRESS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "volte {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn similar_lists_nearest_ids_best_first() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_vectors(dir.path());
    let out = dir.path().join("similar.jsonl");
    volte(&[
        "similar",
        npy.to_str().unwrap(),
        "-k",
        "2",
        "-o",
        out.to_str().unwrap(),
    ]);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["id"], "a");
    let ids: Vec<&str> = lines[0]["neighbors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["c", "f"]);
    assert!(lines[0]["neighbors"][0]["score"].as_f64().unwrap() > 0.99);
    assert!(lines[0].get("text").is_none());
}

#[test]
fn pairs_lists_each_close_pair_once() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_vectors(dir.path());
    let out = dir.path().join("pairs.jsonl");
    volte(&[
        "pairs",
        npy.to_str().unwrap(),
        "-t",
        "0.95",
        "-o",
        out.to_str().unwrap(),
    ]);
    let mut pairs: Vec<(String, String)> = json_lines(&out)
        .iter()
        .map(|p| {
            (
                p["a"]["id"].as_str().unwrap().to_string(),
                p["b"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    pairs.sort();
    let want: Vec<(String, String)> = [
        ("a", "c"),
        ("a", "f"),
        ("b", "d"),
        ("b", "g"),
        ("c", "f"),
        ("d", "g"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(pairs, want);
}

#[test]
fn cluster_writes_topics_and_unassigned() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_vectors(dir.path());
    for method in ["community", "agglomerative"] {
        let out = dir.path().join(format!("{method}.json"));
        volte(&[
            "cluster",
            npy.to_str().unwrap(),
            "--method",
            method,
            "-t",
            "0.9",
            "-o",
            out.to_str().unwrap(),
        ]);
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(doc["method"], method);
        assert_eq!(doc["statements"], 7);
        let clusters = doc["clusters"].as_array().unwrap();
        assert_eq!(clusters.len(), 2, "{method}: {doc}");
        let mut members: Vec<Vec<&str>> = clusters
            .iter()
            .map(|c| {
                let mut m: Vec<&str> = c["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(c["medoid"]["id"], m[0]);
                m.sort();
                m
            })
            .collect();
        members.sort();
        assert_eq!(members, vec![vec!["a", "c", "f"], vec!["b", "d", "g"]]);
        assert_eq!(doc["unassigned"], serde_json::json!(["e"]));
    }
}

/// `n` unit rows in groups of 10 around random centres (dimension 16).
fn write_grouped(dir: &Path, n: usize) -> std::path::PathBuf {
    let mut rng = volte::test_rng::TestRng::new(5);
    let mut data = Vec::new();
    let mut centre = Vec::new();
    for i in 0..n {
        if i % 10 == 0 {
            centre = rng.centred(16);
        }
        data.extend(centre.iter().map(|&c| c + 0.25 * rng.next_centred()));
    }
    let mut emb = Embeddings::new(16, data).unwrap();
    emb.normalize();
    let ids: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
    let path = dir.join("grouped.npy");
    volte::output::npy::write(&path, &ids, &emb).unwrap();
    path
}

#[test]
fn the_pair_index_finds_only_true_pairs_and_all_of_them_when_every_list_is_probed() {
    let dir = tempfile::tempdir().unwrap();
    let npy = write_grouped(dir.path(), 3000);
    let npy = npy.to_str().unwrap();
    let out = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let run_pairs = |name: &str, index: &[&str]| {
        let mut args = vec!["pairs", npy, "-t", "0.8", "-o"];
        let path = out(name);
        args.push(&path);
        args.extend_from_slice(index);
        volte(&args);
        std::fs::read_to_string(&path).unwrap()
    };
    let exact = run_pairs("exact.jsonl", &["--index", "exact"]);
    assert!(exact.lines().count() > 5000, "{}", exact.lines().count());
    // Every list probed: the same pairs, byte for byte.
    let all = run_pairs(
        "all.jsonl",
        &["--index", "ivf", "--lists", "20", "--probes", "20"],
    );
    assert_eq!(all, exact);
    // Few probes: a subset of the exact pairs, nearly all of them.
    let few = run_pairs(
        "few.jsonl",
        &["--index", "ivf", "--lists", "55", "--probes", "4"],
    );
    let exact_lines: std::collections::HashSet<&str> = exact.lines().collect();
    assert!(few.lines().all(|l| exact_lines.contains(l)));
    let recall = few.lines().count() as f64 / exact_lines.len() as f64;
    assert!(recall > 0.95, "recall {recall}");
    // Topics from every list probed equal the exact ones.
    let cluster = |name: &str, index: &[&str]| {
        let path = out(name);
        let mut args = vec!["cluster", npy, "-t", "0.8", "-o", &path];
        args.extend_from_slice(index);
        volte(&args);
        std::fs::read_to_string(&path).unwrap()
    };
    assert_eq!(
        cluster(
            "c-all.json",
            &["--index", "ivf", "--lists", "20", "--probes", "20"]
        ),
        cluster("c-exact.json", &["--index", "exact"])
    );
}
