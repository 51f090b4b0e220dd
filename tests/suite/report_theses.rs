//! Which thesis a statement addresses, through the real binary and the real
//! models: tests/data/theses has two theses of one city debate (free public
//! transport, a motorway), statements `t*` about the first, `m*` about the
//! second and `x*` about both. The stance model finds a side on both theses
//! for nearly all of them (relevance 0.8–0.94); the embedding says which
//! thesis a statement is about.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

const CORPUS: &str = "tests/data/theses/statements.jsonl";
const THESES: &str = "tests/data/theses/theses.toml";

/// The statement ids on each thesis' timelines.
fn on_timelines(extra: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let report = common::json(
        common::volte()
            .args(["report", CORPUS, "--axes", THESES, "--format", "json"])
            .args(extra),
    );
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in report["timelines"].as_array().expect("timelines") {
        let axis = t["axis"].as_str().expect("axis").to_string();
        for p in t["points"].as_array().expect("points") {
            out.entry(axis.clone())
                .or_default()
                .insert(p["id"].as_str().unwrap().to_string());
        }
    }
    println!("{extra:?}: {out:?}");
    out
}

fn starting(ids: &BTreeSet<String>, prefix: char) -> Vec<&String> {
    ids.iter().filter(|id| id.starts_with(prefix)).collect()
}

#[test]
fn a_statement_addresses_the_thesis_it_is_about() {
    let by_axis = on_timelines(&[]);
    let transit = &by_axis["free-transit"];
    let motorway = &by_axis["motorway"];
    assert!(starting(transit, 'm').is_empty(), "{transit:?}");
    assert!(starting(motorway, 't').is_empty(), "{motorway:?}");
    assert_eq!(starting(transit, 't').len(), 4, "{transit:?}");
    assert_eq!(starting(motorway, 'm').len(), 4, "{motorway:?}");
}

#[test]
fn without_the_margin_the_stance_model_alone_mixes_the_theses() {
    let by_axis = on_timelines(&["--thesis-margin", "2"]);
    assert!(!starting(&by_axis["free-transit"], 'm').is_empty());
    assert!(!starting(&by_axis["motorway"], 't').is_empty());
}
