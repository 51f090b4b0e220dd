//! `volte extract` and `volte eval extract` run as a user would: the seed
//! articles (French) and the English, German and Spanish test articles
//! against their hand-made statements, the output read back by the
//! statement reader `volte report` uses, and bad input refused with exit
//! code 2.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use volte::input::{read_statements, ReadOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn volte(args: &[&str]) -> Output {
    common::volte().args(args).output().expect("volte runs")
}

fn eval(gold: &Path, found: &Path) -> Value {
    let o = volte(&[
        "eval",
        "extract",
        gold.to_str().unwrap(),
        "--input",
        found.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn figure(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap()
}

#[test]
fn the_seed_articles_give_the_hand_made_statements() {
    let seeds = root().join("../shared/seeds");
    if !seeds.is_dir() {
        eprintln!("skipped: {} is not here", seeds.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.jsonl");
    let o = volte(&[
        "extract",
        seeds.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = eval(&root().join("examples/ai-bailout/statements.jsonl"), &out);
    assert!(figure(&e, "recall") >= 0.8, "{e}");
    assert!(figure(&e, "precision") >= 0.7, "{e}");
    assert!(figure(&e, "speaker_accuracy") >= 0.85, "{e}");
    assert!(figure(&e, "date_accuracy") >= 0.8, "{e}");
    // What `volte report` reads: every line a statement with its source.
    let read = read_statements(&out, &ReadOptions::default()).unwrap();
    assert!(read.rejects.is_empty());
    assert!(read
        .statements
        .iter()
        .all(|s| s.source.is_some() && !s.text.is_empty()));
}

#[test]
fn english_german_and_spanish_articles() {
    let data = root().join("tests/data/extract");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.jsonl");
    let mut args = vec!["extract".to_string()];
    for f in [
        "en_politicians_2022-04-18.txt",
        "en_cyprus_2017-07-04.txt",
        "de_merkel_2020-03.txt",
        "de_made_for_germany_2025-07-21.txt",
        "es_salas_2022-06.txt",
        "es_santivanez_2024-06.txt",
    ] {
        args.push(data.join(f).display().to_string());
    }
    args.extend(["-o".to_string(), out.display().to_string()]);
    let o = volte(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = eval(&data.join("gold.jsonl"), &out);
    assert!(figure(&e, "recall") >= 0.7, "{e}");
    assert!(figure(&e, "precision") >= 0.8, "{e}");
    assert!(figure(&e, "speaker_accuracy") >= 0.85, "{e}");
    assert!(figure(&e, "date_accuracy") >= 0.7, "{e}");
    // Every statement points back at its words.
    let text = std::fs::read_to_string(&out).unwrap();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let src = std::fs::read_to_string(data.join(v["source"].as_str().unwrap())).unwrap();
        let chars: Vec<char> = src.chars().collect();
        let (a, b) = (
            v["span"][0].as_u64().unwrap() as usize,
            v["span"][1].as_u64().unwrap() as usize,
        );
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            v["text"].as_str().unwrap()
        );
        assert!(v["rule"].is_string() && v["speaker_rule"].is_string());
    }
}

#[test]
fn bad_input_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("a.jsonl");
    std::fs::write(&bad, "{\"text\": \"Sam Altman a déclaré jeudi qu'il ne demandait rien.\", \"date\": \"2025-11-07\"}\n{\"title\": \"no text\"}\n").unwrap();
    let o = volte(&["extract", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("a.jsonl:2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = volte(&["extract", "--lang", "it", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = volte(&["extract", dir.path().join("missing.txt").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn jsonl_articles_keep_their_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    std::fs::write(&a, "{\"text\": \"Sam Altman a déclaré jeudi qu'il ne demandait rien.\", \"date\": \"2025-11-07\", \"source\": \"lemonde-1\", \"url\": \"https://example.org/1\"}\n").unwrap();
    let o = volte(&["extract", a.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["speaker"], "Sam Altman");
    assert_eq!(v["date"], "2025-11-06");
    assert_eq!(v["date_rule"], "date-weekday");
    assert_eq!(v["source"], "lemonde-1");
    assert_eq!(v["url"], "https://example.org/1");
}

/// The turns `volte report` finds (speaker, from, to).
fn turns(statements: &Path, axes: &Path, dir: &Path) -> std::collections::BTreeSet<[String; 3]> {
    let out = dir.join("report.json");
    let o = volte(&[
        "report",
        statements.to_str().unwrap(),
        "--axes",
        axes.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    r["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            ["speaker", "from_date", "to_date"].map(|k| s[k].as_str().unwrap_or("").to_string())
        })
        .collect()
}

/// The seed articles, a temporary folder, and the statements `volte
/// extract` wrote there from them (`None` where the seeds are not here).
fn extracted_seeds() -> Option<(PathBuf, tempfile::TempDir, PathBuf)> {
    let seeds = root().join("../shared/seeds");
    if !seeds.is_dir() {
        eprintln!("skipped: {} is not here", seeds.display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let extracted = dir.path().join("s.jsonl");
    let o = volte(&[
        "extract",
        seeds.to_str().unwrap(),
        "-o",
        extracted.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    Some((seeds, dir, extracted))
}

#[test]
fn turns_from_the_raw_seed_articles_are_turns_of_the_hand_made_corpus() {
    let Some((_seeds, dir, extracted)) = extracted_seeds() else {
        return;
    };
    let hand = root().join("examples/ai-bailout/statements.jsonl");
    let turn = |t: [&str; 3]| t.map(str::to_string);
    let friar = turn(["Sarah Friar", "2025-11-05", "2025-11-06"]);
    let sacks = turn(["David Sacks", "2025-11-06", "2025-11-24"]);
    for (axes, expected) in [
        ("theses.toml", vec![friar.clone()]),
        ("axes.toml", vec![friar.clone(), sacks.clone()]),
    ] {
        let axes = root().join("examples/ai-bailout").join(axes);
        let from_hand = turns(&hand, &axes, dir.path());
        let from_articles = turns(&extracted, &axes, dir.path());
        // Sarah Friar's turn needs her correction apart from the words it
        // corrects, each with its own date.
        for t in &expected {
            assert!(
                from_articles.contains(t),
                "{}: {t:?} not in {from_articles:?}",
                axes.display()
            );
        }
        assert!(
            from_articles.is_subset(&from_hand),
            "{}: from the articles {from_articles:?}, by hand {from_hand:?}",
            axes.display()
        );
    }
}

#[test]
fn a_report_from_articles_is_the_report_of_their_extracted_statements() {
    let Some((seeds, dir, extracted)) = extracted_seeds() else {
        return;
    };
    let axes = root().join("examples/ai-bailout/theses.toml");
    let report = |input: &Path, articles: bool, name: &str| -> Value {
        let out = dir.path().join(name);
        let mut args = vec![
            "report",
            input.to_str().unwrap(),
            "--axes",
            axes.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ];
        if articles {
            args.push("--articles");
        }
        let o = volte(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("inputs");
        v
    };
    let direct = report(&seeds, true, "direct.json");
    let via_file = report(&extracted, false, "via-file.json");
    assert!(direct["statements"]
        .as_array()
        .is_some_and(|s| s.len() > 40));
    assert_eq!(direct, via_file);
}
