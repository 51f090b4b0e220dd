//! `volte report` on the ai-bailout example corpus, through the real binary
//! and the real model.
//!
//! Expected (examples/ai-bailout/README.md): David Sacks and Sarah Friar
//! change position, Sam Altman does not.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;

const CORPUS: &str = "examples/ai-bailout/statements.jsonl";
const AXES: &str = "examples/ai-bailout/axes.toml";

fn report(extra: &[&str]) -> Value {
    common::json(
        common::volte()
            .args(["report", CORPUS, "--format", "json"])
            .args(extra),
    )
}

fn shifted_speakers(report: &Value) -> BTreeSet<String> {
    report["shifts"]
        .as_array()
        .expect("shifts")
        .iter()
        .map(|s| s["speaker"].as_str().expect("speaker").to_string())
        .collect()
}

/// The expectation of examples/ai-bailout/README.md.
fn assert_sacks_and_friar_but_not_altman(shifted: &BTreeSet<String>) {
    assert!(
        shifted.contains("David Sacks"),
        "David Sacks not flagged: {shifted:?}"
    );
    assert!(
        shifted.contains("Sarah Friar"),
        "Sarah Friar not flagged: {shifted:?}"
    );
    assert!(
        !shifted.contains("Sam Altman"),
        "Sam Altman flagged: {shifted:?}"
    );
}

fn print_shifts(mode: &str, report: &Value) {
    for s in report["shifts"].as_array().expect("shifts") {
        println!(
            "{mode}: {} {} -> {} ({:+.2} -> {:+.2}, magnitude {:.2}, confidence {:.2}) before {} after {}",
            s["speaker"], s["from_date"], s["to_date"],
            s["stance_before"].as_f64().unwrap(), s["stance_after"].as_f64().unwrap(),
            s["magnitude"].as_f64().unwrap(), s["confidence"].as_f64().unwrap(),
            s["before"], s["after"]
        );
    }
}

/// Structure every report must have, whatever it finds.
fn check_structure(report: &Value) {
    let statements = report["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 50);
    let ids: BTreeSet<&str> = statements
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let c = &report["coverage"];
    let n = |k: &str| c[k].as_u64().unwrap_or_else(|| panic!("coverage.{k}"));
    assert_eq!(n("statements"), 50);
    assert_eq!(n("in_topics") + n("unassigned"), 50);
    assert_eq!(
        n("on_timelines") + n("scored_without_speaker") + n("scored_without_date"),
        n("scored")
    );
    let topics = report["topics"].as_array().expect("topics");
    let members: usize = topics
        .iter()
        .map(|t| t["members"].as_array().unwrap().len())
        .sum();
    assert_eq!(members as u64, n("in_topics"));
    for t in topics {
        assert!(ids.contains(t["medoid"].as_str().unwrap()));
        assert!(!t["speakers"].as_array().unwrap().is_empty());
    }
    for s in report["shifts"].as_array().unwrap() {
        for key in [
            "speaker",
            "topic",
            "from_date",
            "to_date",
            "before",
            "after",
            "magnitude",
        ] {
            assert!(!s[key].is_null(), "shift without {key}");
        }
        for side in ["before", "after"] {
            let side = s[side].as_array().unwrap();
            assert!(!side.is_empty());
            assert!(side.iter().all(|id| ids.contains(id.as_str().unwrap())));
        }
        assert!(s["from_date"].as_str().unwrap() < s["to_date"].as_str().unwrap());
    }
}

#[test]
fn with_axes_sacks_and_friar_shift_and_altman_does_not() {
    let r = report(&["--axes", AXES]);
    print_shifts("axes", &r);
    check_structure(&r);
    assert_eq!(r["stance_mode"], "axes");
    assert_sacks_and_friar_but_not_altman(&shifted_speakers(&r));

    let shifts = r["shifts"].as_array().unwrap();
    let sacks = shifts
        .iter()
        .find(|s| s["speaker"] == "David Sacks")
        .unwrap();
    assert_eq!(sacks["from_date"], "2025-11-06");
    assert_eq!(sacks["to_date"], "2025-11-24");
    assert!(sacks["before"]
        .as_array()
        .unwrap()
        .contains(&Value::from("s044")));
    assert!(sacks["after"]
        .as_array()
        .unwrap()
        .contains(&Value::from("s045")));
    assert!(sacks["stance_after"].as_f64() > sacks["stance_before"].as_f64());
    let friar = shifts
        .iter()
        .find(|s| s["speaker"] == "Sarah Friar")
        .unwrap();
    assert_eq!(friar["from_date"], "2025-11-05");
    assert_eq!(friar["to_date"], "2025-11-06");
    assert!(friar["after"]
        .as_array()
        .unwrap()
        .contains(&Value::from("s017")));
    assert!(friar["stance_after"].as_f64() < friar["stance_before"].as_f64());
}

#[test]
fn without_axes_altman_does_not_shift() {
    let r = report(&[]);
    print_shifts("unsupervised", &r);
    check_structure(&r);
    assert_eq!(r["stance_mode"], "unsupervised");
    let shifted = shifted_speakers(&r);
    assert!(
        !shifted.contains("Sam Altman"),
        "Sam Altman flagged: {shifted:?}"
    );
    // Every speaker with statements in a scored topic has a timeline there.
    let timelines = r["timelines"].as_array().unwrap();
    assert!(!timelines.is_empty());
    for t in timelines {
        assert!(t["points"].as_array().is_some_and(|p| !p.is_empty()));
    }
}

/// The README's expectation without axes, which multilingual-e5-small does
/// not meet: the statements after both turns sit closer to the speaker's own
/// earlier statements than to those of their new stance, even on a
/// centroid axis fitted to the gold labels (`scripts/stance_probe.py`:
/// margins -0.95 for s045 and -0.51 for s017), so no unsupervised split puts
/// them on the other side. To check another model:
/// `VOLTE_MODEL=<model> cargo test --release --test main report_example:: -- --ignored`.
#[test]
#[ignore = "multilingual-e5-small does not separate the Sacks and Friar turns without axes"]
fn without_axes_sacks_and_friar_shift() {
    let r = report(&[]);
    print_shifts("unsupervised", &r);
    assert_sacks_and_friar_but_not_altman(&shifted_speakers(&r));
}

/// A report on embeddings computed earlier by `volte embed --prompt-name
/// query` is the report that embeds the statements itself; a statement
/// missing from the file is an input error (exit 2) naming it.
#[test]
fn precomputed_embeddings_give_the_same_report() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("e.npy");
    let status = common::volte()
        .args(["embed", CORPUS, "--prompt-name", "query", "-o"])
        .arg(&npy)
        .status()
        .unwrap();
    assert!(status.success());
    let direct = report(&["--axes", AXES]);
    let from_file = report(&["--axes", AXES, "--embeddings", npy.to_str().unwrap()]);
    assert_eq!(from_file, direct);

    // Rows in another order are found by id; a missing id is refused.
    let (ids, emb) = volte::output::read_embeddings(&npy).unwrap();
    let reversed: Vec<usize> = (0..ids.len()).rev().collect();
    let ids_rev: Vec<String> = reversed.iter().map(|&i| ids[i].clone()).collect();
    let shuffled = dir.path().join("reversed.npy");
    volte::output::npy::write(&shuffled, &ids_rev, &emb.select(&reversed)).unwrap();
    assert_eq!(
        report(&["--axes", AXES, "--embeddings", shuffled.to_str().unwrap()]),
        direct
    );
    let short = dir.path().join("short.npy");
    let rows: Vec<usize> = (1..ids.len()).collect();
    volte::output::npy::write(&short, &ids[1..], &emb.select(&rows)).unwrap();
    let out = common::volte()
        .args(["report", CORPUS, "--format", "json", "--embeddings"])
        .arg(&short)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("no embedding for statement {:?}", ids[0])),
        "{stderr}"
    );
}
