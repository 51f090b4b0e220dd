//! `volte eval stance`: stance scores against the gold labels of the
//! synthetic corpus (tests/data/shifts) and of the example corpus
//! (examples/ai-bailout), through the real binary and the real model.

use crate::common;

use serde_json::Value;

fn eval(gold: &str, input: &str, extra: &[&str]) -> Value {
    let v = common::json(
        common::volte()
            .args(["eval", "stance", gold, "--input", input, "--json"])
            .args(extra),
    );
    for g in v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .chain([&v["overall"]])
    {
        println!(
            "{} {}: scored {}/{} over {} topic(s), off-axis {}, accuracy {}, AUC {}, {}",
            v["stance_mode"],
            g["group"],
            g["scored"],
            g["labelled"],
            g["topics"],
            g["off_axis"],
            g["accuracy"],
            g["auc"],
            g["orientation"]
        );
    }
    v
}

fn figure(v: &Value, key: &str) -> f64 {
    v["overall"][key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key}"))
}

#[test]
fn synthetic_corpus_with_axes() {
    let v = eval(
        "tests/data/shifts/gold.json",
        "tests/data/shifts/statements.jsonl",
        &["--axes", "tests/data/shifts/axes.toml"],
    );
    assert_eq!(v["stance_mode"], "axes");
    assert_eq!(v["overall"]["labelled"], 53);
    assert_eq!(v["overall"]["scored"], 53);
    assert_eq!(v["overall"]["orientation"], "axis");
    assert_eq!(v["groups"].as_array().unwrap().len(), 4);
    assert!(figure(&v, "accuracy") >= 0.75, "{}", v["overall"]);
    assert!(figure(&v, "auc") >= 0.85, "{}", v["overall"]);
}

#[test]
fn example_corpus_with_axes() {
    let v = eval(
        "examples/ai-bailout/gold.json",
        "examples/ai-bailout/statements.jsonl",
        &["--axes", "examples/ai-bailout/axes.toml"],
    );
    assert_eq!(v["overall"]["labelled"], 18);
    assert!(v["missing"].as_array().unwrap().is_empty());
    assert!(figure(&v, "accuracy") >= 0.85, "{}", v["overall"]);
    assert!(figure(&v, "auc") >= 0.9, "{}", v["overall"]);
}

/// Without axes and without drafted theses (`--draft-theses 0`) the poles
/// are a convention, so each topic is turned to agree with its labels; the
/// figures show how little of the stance the unsupervised opposition
/// carries (see the README's stance section).
#[test]
fn unsupervised_figures_are_reported() {
    for (gold, input, labelled) in [
        (
            "tests/data/shifts/gold.json",
            "tests/data/shifts/statements.jsonl",
            53,
        ),
        (
            "examples/ai-bailout/gold.json",
            "examples/ai-bailout/statements.jsonl",
            18,
        ),
    ] {
        let v = eval(gold, input, &["--draft-theses", "0"]);
        assert_eq!(v["stance_mode"], "unsupervised");
        assert_eq!(v["overall"]["labelled"], labelled);
        let scored = v["overall"]["scored"].as_u64().unwrap();
        assert!(scored > 0 && scored <= labelled);
        assert_eq!(v["overall"]["orientation"], "best_per_topic");
        assert_eq!(v["overall"]["off_axis"], 0);
    }
}

/// One-sentence theses, scored by the stance model: the example corpus is
/// French, the stance model was trained on German only.
#[test]
fn example_corpus_with_one_sentence_theses() {
    let v = eval(
        "examples/ai-bailout/gold.json",
        "examples/ai-bailout/statements.jsonl",
        &["--axes", "examples/ai-bailout/theses.toml"],
    );
    assert_eq!(v["stance_mode"], "axes");
    // A statement whose relevance sits at the threshold may fall either way
    // with the kernel tier's rounding.
    assert!(v["overall"]["scored"].as_u64().unwrap() >= 16);
    assert!(figure(&v, "accuracy") >= 0.7, "{}", v["overall"]);
    assert!(figure(&v, "auc") >= 0.8, "{}", v["overall"]);
}

/// The stance model's camps without axes: scores whose sign agrees with
/// more labels than the embedding opposition's (0.62 on this corpus).
#[test]
fn synthetic_corpus_in_camps() {
    let v = eval(
        "tests/data/shifts/gold.json",
        "tests/data/shifts/statements.jsonl",
        &["--camps"],
    );
    assert_eq!(v["stance_mode"], "camps");
    assert!(v["overall"]["scored"].as_u64().unwrap() >= 30);
    assert!(figure(&v, "accuracy") >= 0.65, "{}", v["overall"]);
}

#[test]
fn bad_gold_files_exit_2_naming_the_file_and_line() {
    let dir = std::env::temp_dir().join(format!("volte-eval-stance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "broken.json",
            "{\"shifts\": [\n  {\"speaker\": \"A\",\n",
            "broken.json:3:",
        ),
        ("empty.json", "{\"shifts\": []}", "no stance labels"),
        (
            "twice.json",
            r#"{"shifts": [], "steady": [
                {"speaker": "A", "axis": "x", "stance": 1, "ids": ["s001"]},
                {"speaker": "B", "axis": "x", "stance": -1, "ids": ["s001"]}]}"#,
            "s001 has two stance labels",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = common::volte()
            .args(["eval", "stance"])
            .arg(&path)
            .args(["--input", "examples/ai-bailout/statements.jsonl"])
            .output()
            .expect("run volte");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
