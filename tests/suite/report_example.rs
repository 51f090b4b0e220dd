//! `volte report` on the ai-bailout example corpus, through the real binary
//! and the real model.
//!
//! Expected (examples/ai-bailout/README.md): David Sacks and Sarah Friar
//! change position, nobody else does.

use crate::common;

use std::collections::BTreeSet;

use serde_json::Value;

const CORPUS: &str = "examples/ai-bailout/statements.jsonl";
const AXES: &str = "examples/ai-bailout/axes.toml";
const THESES: &str = "examples/ai-bailout/theses.toml";

fn report(extra: &[&str]) -> Value {
    common::json(
        common::volte()
            .args(["report", CORPUS, "--format", "json"])
            .args(extra),
    )
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
    assert_sacks_and_friar_but_not_altman(&turned_speakers(&r));

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

/// Turns only (possible turns are listed apart).
fn turned_speakers(report: &Value) -> BTreeSet<String> {
    report["shifts"]
        .as_array()
        .expect("shifts")
        .iter()
        .filter(|s| s["status"] == "turn")
        .map(|s| s["speaker"].as_str().expect("speaker").to_string())
        .collect()
}

/// Nobody but Sacks and Friar turns; every shift has a probability and
/// names its thesis.
fn assert_no_false_turn(report: &Value) {
    let turned = turned_speakers(report);
    for s in &turned {
        assert!(
            s == "David Sacks" || s == "Sarah Friar",
            "{s} flagged: {turned:?}"
        );
    }
    for s in report["shifts"].as_array().unwrap() {
        let p = s["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{s}");
        assert!(s["axis"].is_string(), "a thesis turn names its axis: {s}");
    }
}

#[test]
fn with_theses_friar_is_listed_and_nobody_turns_falsely() {
    let r = report(&["--axes", "examples/ai-bailout/theses.toml"]);
    print_shifts("theses", &r);
    check_structure(&r);
    assert_eq!(r["stance_mode"], "axes");
    assert!(r["axes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["automatic"] == false && a["thesis"].is_string()));
    assert_no_false_turn(&r);
    // Friar's turn rests on one statement after four: listed, as a turn
    // or a possible turn.
    assert!(
        r["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["speaker"] == "Sarah Friar" && s["to_date"] == "2025-11-06"),
        "Sarah Friar not listed"
    );
}

/// The stance model reads David Sacks' 2025-11-24 statement (s045), which
/// argues from growth and recession risk without naming any backing, as
/// disagreeing with the government-backing thesis, so his turn is not found
/// from theses (README, "How far to trust stance").
#[test]
#[ignore = "the stance model misreads s045, the one statement after Sacks' turn"]
fn with_theses_sacks_and_friar_turn() {
    let r = report(&["--axes", "examples/ai-bailout/theses.toml"]);
    print_shifts("theses", &r);
    assert_eq!(
        turned_speakers(&r),
        ["David Sacks", "Sarah Friar"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

#[test]
fn without_axes_theses_are_drafted_and_nobody_turns_falsely() {
    let dir = tempfile::tempdir().unwrap();
    let drafted = dir.path().join("axes.toml");
    let r = report(&["--draft-axes", drafted.to_str().unwrap()]);
    print_shifts("drafted", &r);
    check_structure(&r);
    assert_eq!(r["stance_mode"], "axes");
    let axes = r["axes"].as_array().unwrap();
    assert!(!axes.is_empty());
    assert!(axes.iter().all(|a| a["automatic"] == true));
    for t in r["timelines"].as_array().unwrap() {
        assert!(t["points"].as_array().is_some_and(|p| !p.is_empty()));
    }
    assert_no_false_turn(&r);
    // The drafted axes, passed back as an axes file, give the same turns.
    let back = report(&["--axes", drafted.to_str().unwrap()]);
    assert_eq!(turned_speakers(&back), turned_speakers(&r));
    // A thesis is a claim of the corpus, verbatim: a statement, or the
    // clause a statement reports without its frame ("X a déclaré qu'…").
    let texts: Vec<&str> = r["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    let theses: Vec<&str> = axes.iter().map(|a| a["thesis"].as_str().unwrap()).collect();
    for t in &theses {
        assert!(
            texts.iter().any(|s| s.contains(t)),
            "not from the corpus: {t}"
        );
    }
    assert!(
        theses.iter().any(|t| !texts.contains(t)),
        "no drafted thesis dropped a reporting frame: {theses:?}"
    );
    for t in &theses {
        assert!(
            !t.contains("a déclaré qu"),
            "a drafted thesis keeps its frame: {t}"
        );
    }
    // Topic labels are not speakers' names.
    for t in r["topics"].as_array().unwrap() {
        let label = t["label"].as_str().unwrap().to_lowercase();
        for name in ["sacks", "friar", "altman"] {
            assert!(!label.contains(name), "topic labelled by a name: {label}");
        }
    }
}

/// Without axes, the drafted theses are the corpus' own claims (mostly
/// what the companies did, as the topics' central statements say), and the turns of the two speakers rest on one
/// statement each: not found (README, "How far to trust stance"). To check
/// another stance model: `VOLTE_STANCE_MODEL=<dir> cargo test --release
/// --test main report_example:: -- --ignored`.
#[test]
#[ignore = "the drafted theses do not separate the Sacks and Friar turns"]
fn without_axes_sacks_and_friar_shift() {
    let r = report(&[]);
    print_shifts("drafted", &r);
    assert_sacks_and_friar_but_not_altman(&turned_speakers(&r));
}

/// Topics gather what is said, not who says it: statements are grouped
/// without the words of the speakers' names. Without that, nine statements
/// of Sam Altman and five of him alone made two topics, and Sarah Friar's
/// statements one of their own.
#[test]
fn without_axes_no_topic_is_one_speakers() {
    let r = report(&[]);
    let speaker: std::collections::BTreeMap<&str, &str> = r["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["speaker"].as_str().unwrap_or(""),
            )
        })
        .collect();
    for t in r["topics"].as_array().unwrap() {
        let members = t["members"].as_array().unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for m in members {
            *counts.entry(speaker[m.as_str().unwrap()]).or_insert(0usize) += 1;
        }
        let (top, n) = counts.iter().max_by_key(|c| *c.1).unwrap();
        assert!(
            members.len() < 5 || *n < members.len(),
            "topic {} is {top}'s alone ({n} statements)",
            t["label"]
        );
    }
}

#[test]
fn an_unrelated_thesis_yields_no_turn() {
    let r = report(&[
        "--thesis",
        "Public libraries should open on Sundays and lend board games.",
    ]);
    print_shifts("unrelated", &r);
    assert_eq!(r["axes_file"], "--thesis");
    assert!(turned_speakers(&r).is_empty(), "{:?}", turned_speakers(&r));
}

/// A report on embeddings computed earlier by `volte embed --prompt-name
/// query` (axes by examples: the full statements) is the report that embeds the statements itself; a statement
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
    // With theses the report groups by the texts without speakers' names,
    // which `volte embed --mask-speakers` embeds.
    let masked = dir.path().join("masked.npy");
    let status = common::volte()
        .args([
            "embed",
            CORPUS,
            "--prompt-name",
            "query",
            "--mask-speakers",
            "-o",
        ])
        .arg(&masked)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        report(&["--axes", THESES, "--embeddings", masked.to_str().unwrap()]),
        report(&["--axes", THESES])
    );

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
