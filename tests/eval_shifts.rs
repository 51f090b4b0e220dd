//! `volte eval shifts` on the synthetic multilingual corpus tests/data/shifts,
//! through the real binary and the real model.

mod common;

use std::path::Path;

use serde_json::Value;

const GOLD: &str = "tests/data/shifts/gold.json";
const CORPUS: &str = "tests/data/shifts/statements.jsonl";
const AXES: &str = "tests/data/shifts/axes.toml";

fn eval(extra: &[&str]) -> Value {
    let v = common::json(
        common::volte()
            .args(["eval", "shifts", GOLD, "--input", CORPUS, "--json"])
            .args(extra),
    );
    println!(
        "{}: precision {:.3}, recall {:.3}, F1 {:.3} ({} detected, {} expected, {} matched)",
        v["stance_mode"].as_str().unwrap(),
        v["precision"].as_f64().unwrap(),
        v["recall"].as_f64().unwrap(),
        v["f1"].as_f64().unwrap(),
        v["detected"],
        v["expected"],
        v["matched"]
    );
    for fp in v["false_positives"].as_array().unwrap() {
        println!("  extra:  {}", fp.as_str().unwrap());
    }
    for m in v["missed"].as_array().unwrap() {
        println!("  missed: {}", m.as_str().unwrap());
    }
    v
}

#[test]
fn shifts_with_axes() {
    let v = eval(&["--axes", AXES]);
    assert_eq!(v["expected"], 5);
    assert!(
        v["recall"].as_f64().unwrap() >= 0.8,
        "recall {}",
        v["recall"]
    );
    assert!(
        v["precision"].as_f64().unwrap() >= 0.5,
        "precision {}",
        v["precision"]
    );
}

#[test]
fn shifts_without_axes() {
    let v = eval(&[]);
    assert!(
        v["recall"].as_f64().unwrap() >= 0.4,
        "recall {}",
        v["recall"]
    );
    assert!(
        v["precision"].as_f64().unwrap() >= 0.3,
        "precision {}",
        v["precision"]
    );
}

#[test]
fn shifts_with_one_sentence_theses() {
    let v = eval(&["--axes", "tests/data/shifts/theses.toml"]);
    assert_eq!(v["stance_mode"], "axes");
    assert!(
        v["recall"].as_f64().unwrap() >= 0.4,
        "recall {}",
        v["recall"]
    );
    assert!(
        v["precision"].as_f64().unwrap() >= 0.3,
        "precision {}",
        v["precision"]
    );
}

#[test]
fn a_saved_report_evaluates_like_a_fresh_run() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    common::success(
        common::volte()
            .args(["report", CORPUS, "--axes", AXES, "--format", "json", "-o"])
            .arg(&report),
    );
    let fresh = eval(&["--axes", AXES]);
    let saved = eval_report(&report);
    for k in ["detected", "matched", "precision", "recall"] {
        assert_eq!(fresh[k], saved[k], "{k}");
    }
}

fn eval_report(report: &Path) -> Value {
    common::json(
        common::volte()
            .args(["eval", "shifts", GOLD, "--json", "--report"])
            .arg(report),
    )
}
