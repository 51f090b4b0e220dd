//! `volte stance` and `volte eval stance-pairs` end to end with the shipped
//! stance model: output lines, the three ways to give a thesis, bad records
//! and exit codes, and the evaluation on held-out Wahl-O-Mat elections
//! (read from `../shared`, never copied into the repository).

use crate::common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check_line(v: &Value) {
    let p = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k} in {v}"));
    let (a, d, n) = (p("p_agree"), p("p_disagree"), p("p_neutral"));
    assert!((a + d + n - 1.0).abs() < 1e-4, "{v}");
    assert!((p("stance") - (a - d)).abs() < 1e-5, "{v}");
    assert!(v["id"].is_string());
}

#[test]
fn scores_a_thesis_a_thesis_field_and_an_axes_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        concat!(
            r#"{"id":"a","text":"Wir lehnen Studiengebühren entschieden ab: Bildung muss gebührenfrei bleiben.","thesis":"Studiengebühren sollen eingeführt werden."}"#,
            "\n",
            r#"{"id":"b","text":"Nous soutenons les frais de scolarité, qui financeront de meilleures universités.","thesis":"Tuition fees should be introduced."}"#,
            "\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    common::success(common::volte().args([
        "stance",
        input.to_str().unwrap(),
        "--thesis-field",
        "thesis",
        "-o",
        out.to_str().unwrap(),
    ]));
    let rows = lines(&out);
    assert_eq!(rows.len(), 2);
    rows.iter().for_each(check_line);
    assert_eq!(rows[0]["id"], "a");
    assert!(rows[0].get("axis").is_none());
    // Clear cases: against fees in German, for them in French.
    assert!(rows[0]["stance"].as_f64().unwrap() < 0.0, "{}", rows[0]);
    assert!(rows[1]["stance"].as_f64().unwrap() > 0.0, "{}", rows[1]);

    // One thesis for all, to standard output.
    let o = common::success(common::volte().args([
        "stance",
        input.to_str().unwrap(),
        "--thesis",
        "Studiengebühren sollen eingeführt werden.",
        "-o",
        "-",
    ]));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);

    // Every axis with a thesis: one line per statement and axis.
    let out = dir.path().join("axes.jsonl");
    common::success(common::volte().args([
        "stance",
        "examples/ai-bailout/statements.jsonl",
        "--axes",
        "examples/ai-bailout/theses.toml",
        "-o",
        out.to_str().unwrap(),
    ]));
    let rows = lines(&out);
    assert_eq!(rows.len(), 100);
    rows.iter().for_each(check_line);
    let axes: BTreeSet<&str> = rows.iter().map(|r| r["axis"].as_str().unwrap()).collect();
    assert_eq!(axes, BTreeSet::from(["government-backing", "tax-credits"]));
}

#[test]
fn bad_records_name_their_line_and_skip_mode_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a\",\"text\":\"Ja.\",\"thesis\":\"X soll.\"}\n{\"id\":\"b\",\"text\":\"Nein.\"}\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    let o = common::volte()
        .args([
            "stance",
            input.to_str().unwrap(),
            "--thesis-field",
            "thesis",
        ])
        .args(["-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("in.jsonl:2") && err.contains("\"thesis\""),
        "{err}"
    );

    let o = common::success(
        common::volte()
            .args([
                "stance",
                input.to_str().unwrap(),
                "--thesis-field",
                "thesis",
            ])
            .args(["-o", out.to_str().unwrap(), "--on-error", "skip"]),
    );
    assert_eq!(lines(&out).len(), 1);
    let rejects = dir.path().join("out.jsonl.rejects.jsonl");
    let rejected = lines(&rejects);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["line"], 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 bad record(s) skipped"));

    // No thesis at all is a usage error.
    let o = common::volte()
        .args(["stance", input.to_str().unwrap(), "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // An axes file without any thesis cannot be scored by the model.
    let o = common::volte()
        .args(["stance", "examples/ai-bailout/statements.jsonl"])
        .args(["--axes", "examples/ai-bailout/axes.toml", "-o", "-"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no axis has a `thesis`"));
}

/// The stance model travels with the program: a copy of the binary, run
/// from /tmp (so no path of the source tree is at hand), scores theses with
/// the model compiled into it, written into the model cache on first use.
#[test]
fn a_copied_binary_finds_its_stance_model() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("volte");
    std::fs::copy(env!("CARGO_BIN_EXE_volte"), &exe).unwrap();
    let out = dir.path().join("report.json");
    let o = std::process::Command::new(&exe)
        .current_dir(std::env::temp_dir())
        .env("VOLTE_NO_PROGRESS", "1")
        .env_remove("VOLTE_STANCE_MODEL")
        .arg("-v")
        .arg("report")
        .arg(root().join("examples/ai-bailout/statements.jsonl"))
        .arg("--axes")
        .arg(root().join("examples/ai-bailout/theses.toml"))
        .args(["--format", "json", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("bundled-"),
        "not the compiled-in model: {stderr}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["stance_mode"], "axes");
    let scored = report["topics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["axis_thesis"].is_string())
        .count();
    assert!(scored > 0, "no topic scored against a thesis: {report}");
    assert!(!report["timelines"].as_array().unwrap().is_empty());
    // `models info stance` shows the model with its hash and figures.
    let info = std::process::Command::new(&exe)
        .current_dir(std::env::temp_dir())
        .args(["models", "info", "stance"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    assert!(
        text.contains(volte::stance::bundled::weights_sha256()),
        "{text}"
    );
    assert!(text.contains("temperature"), "{text}");
}

/// 300 pairs of the held-out `test` elections (never trained on, never used
/// to pick the model), drawn evenly from the data file.
#[test]
fn stance_pairs_on_held_out_elections() {
    let metrics: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("models/stance/metrics.json")).unwrap(),
    )
    .unwrap();
    let test: BTreeSet<&str> = metrics["elections"]["test"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let data = root().join("../shared/data/wahlomat/state-elections.jsonl");
    let text = std::fs::read_to_string(&data).unwrap_or_else(|e| panic!("{}: {e}", data.display()));
    let held: Vec<(usize, Value)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, serde_json::from_str::<Value>(l).unwrap()))
        .filter(|(_, r)| test.contains(r["election"].as_str().unwrap()))
        .collect();
    let step = held.len() / 300;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("pairs.jsonl");
    let mut body = String::new();
    for (line, r) in held.iter().step_by(step).take(300) {
        let mut r = r.clone();
        r["id"] = Value::from(line.to_string());
        body.push_str(&r.to_string());
        body.push('\n');
    }
    std::fs::write(&input, body).unwrap();
    let scores = dir.path().join("scores.jsonl");
    let e = common::json(common::volte().args([
        "eval",
        "stance-pairs",
        input.to_str().unwrap(),
        "--json",
        "--scores",
        scores.to_str().unwrap(),
    ]));
    println!("{e:#}");
    assert_eq!(e["pairs"], 300);
    let accuracy = e["accuracy"].as_f64().unwrap();
    let majority = e["majority"].as_f64().unwrap();
    assert!(
        accuracy >= majority + 0.1,
        "accuracy {accuracy} vs majority {majority}"
    );
    assert!(e["auc"].as_f64().unwrap() >= 0.75, "{e}");
    let confusion: u64 = e["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()))
        .sum();
    assert_eq!(confusion, 300);
    assert_eq!(lines(&scores).len(), 300);
}
