//! The stance model in volte against the framework it was trained in: the
//! logits of 200 dev pairs (elections never trained on), computed by
//! `scripts/train_stance.py` in float32 from the shipped weights, are in
//! `tests/fixtures/stance_reference.json`; the pairs themselves are read
//! from `../shared/data/wahlomat/state-elections.jsonl` (not copied into the
//! repository), whose SHA-256 the fixture records.

use std::path::PathBuf;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use volte::encoder::Precision;
use volte::stance::cross_encoder::{default_model_dir, StanceModel, StanceOptions};

#[derive(Deserialize)]
struct Fixture {
    data: String,
    data_sha256: String,
    pairs: Vec<Pair>,
}

#[derive(Deserialize)]
struct Pair {
    line: usize,
    tokens: usize,
    logits: [f32; 3],
}

#[derive(Deserialize)]
struct Record {
    thesis: String,
    text: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixture and its (thesis, statement) pairs.
fn reference() -> (Fixture, Vec<(String, String)>) {
    let fixture: Fixture = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/stance_reference.json")).unwrap(),
    )
    .unwrap();
    let path = root().join("../shared/data/wahlomat").join(&fixture.data);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the Wahl-O-Mat data set)", path.display()));
    assert_eq!(
        format!("{:x}", Sha256::digest(&bytes)),
        fixture.data_sha256,
        "{} is not the file the reference was made from",
        path.display()
    );
    let lines: Vec<&str> = std::str::from_utf8(&bytes).unwrap().lines().collect();
    let pairs = fixture
        .pairs
        .iter()
        .map(|p| {
            let r: Record = serde_json::from_str(lines[p.line - 1]).unwrap();
            (r.thesis, r.text)
        })
        .collect();
    (fixture, pairs)
}

fn load(dtype: Precision) -> StanceModel {
    StanceModel::load(
        &default_model_dir(&crate::common::settings())
            .expect("the stance model that comes with volte"),
        StanceOptions::default()
            .with_dtype(dtype)
            .with_device(volte::encoder::DeviceChoice::Cpu),
        &crate::common::settings(),
    )
    .expect("stance model")
}

fn argmax(l: &[f32; 3]) -> usize {
    (0..3).fold(0, |b, i| if l[i] > l[b] { i } else { b })
}

/// Logits of volte's model, with the share of pairs whose argmax agrees with
/// the reference.
fn compare(dtype: Precision) -> (Vec<[f32; 3]>, Vec<[f32; 3]>, f64) {
    let (fixture, pairs) = reference();
    let model = load(dtype);
    for (p, (t, s)) in fixture.pairs.iter().zip(&pairs) {
        let (ids, _) = model.input_ids(t, s).unwrap();
        assert_eq!(ids.len(), p.tokens, "line {}: token count", p.line);
    }
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(t, s)| (t.as_str(), s.as_str()))
        .collect();
    let ours = model.logits(&refs, &mut |_| {}).unwrap();
    let theirs: Vec<[f32; 3]> = fixture.pairs.iter().map(|p| p.logits).collect();
    let same = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| argmax(a) == argmax(b))
        .count();
    let share = same as f64 / theirs.len() as f64;
    (ours, theirs, share)
}

fn correlation(a: &[[f32; 3]], b: &[[f32; 3]]) -> f64 {
    let x: Vec<f64> = a.iter().flatten().map(|&v| v as f64).collect();
    let y: Vec<f64> = b.iter().flatten().map(|&v| v as f64).collect();
    volte::eval::stats::pearson(&x, &y)
}

#[test]
fn float32_logits_match_the_training_framework() {
    let (ours, theirs, same) = compare(Precision::F32);
    let r = correlation(&ours, &theirs);
    let worst = ours
        .iter()
        .zip(&theirs)
        .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
        .fold(0f32, f32::max);
    println!("f32: argmax agreement {same:.3}, logit correlation {r:.6}, worst |Δ| {worst:.4}");
    assert_eq!(theirs.len(), 200);
    assert!(same >= 0.99, "argmax agreement {same}");
    assert!(r >= 0.999, "logit correlation {r}");
}

/// Int8 quantizes activations per token, which moves logits by a few
/// hundredths: pairs the reference calls nearly evenly between two answers
/// may flip, pairs it answers clearly may not.
#[test]
fn int8_answers_match_the_training_framework() {
    let (ours, theirs, same) = compare(Precision::Int8);
    let r = correlation(&ours, &theirs);
    let margin = |l: &[f32; 3]| {
        let mut v = *l;
        v.sort_by(|a, b| b.total_cmp(a));
        v[0] - v[1]
    };
    let flipped: Vec<f32> = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| argmax(a) != argmax(b))
        .map(|(_, b)| margin(b))
        .collect();
    let clear = theirs.iter().filter(|b| margin(b) >= CLEAR_MARGIN).count();
    println!(
        "int8: argmax agreement {same:.3}, logit correlation {r:.6}, \
         reference margins of the flipped pairs {flipped:?}, {clear} pairs with margin ≥ {CLEAR_MARGIN}"
    );
    assert!(same >= 0.95, "argmax agreement {same}");
    assert!(
        flipped.iter().all(|&m| m < CLEAR_MARGIN),
        "a pair answered clearly by the reference flipped: margins {flipped:?}"
    );
    assert!(r >= 0.995, "logit correlation {r}");
}

/// A reference answer whose top logit leads the next by this much is clear.
const CLEAR_MARGIN: f32 = 0.5;
