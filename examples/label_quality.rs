//! Measures topic labels against a known partition: Wahl-O-Mat theses that
//! recur across a state's elections, with the parties' justifications as the
//! topic's statements. A label (the first three c-TF-IDF keywords) is good
//! when it names the thesis's content words, and bad when it names a party.
//!
//! ```text
//! cargo run --release --example label_quality -- state-elections.jsonl
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use volte::cluster::keywords::label_clusters_excluding;
use volte::cluster::tokens::tokens;
use volte::cluster::{Cluster, Clustering};

/// Label words per topic, as the report labels topics.
const LABEL_WORDS: usize = 3;
/// Shared leading characters for a label word to count as a thesis word
/// (German inflection: `studiengebühr` / `studiengebühren`).
const STEM: usize = 5;

#[derive(serde::Deserialize)]
struct Row {
    election: String,
    party: String,
    label: String,
    thesis: String,
    text: String,
}

fn stem(word: &str) -> String {
    word.chars().take(STEM).collect()
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: label_quality state-elections.jsonl");
    let file = std::io::BufReader::new(std::fs::File::open(&path).expect("open input"));
    let rows: Vec<Row> = file
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read line")).expect("a Wahl-O-Mat record"))
        .collect();

    // Topics: (state, thesis label) asked in at least two of the state's elections.
    let mut elections: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for r in &rows {
        let state = r.election.split('/').nth(1).unwrap_or("").to_string();
        elections
            .entry((state, r.label.clone()))
            .or_default()
            .insert(r.election.clone());
    }
    let mut members: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    let mut unassigned = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let state = r.election.split('/').nth(1).unwrap_or("").to_string();
        let key = (state, r.label.clone());
        if elections[&key].len() >= 2 {
            members.entry(key).or_default().push(i);
        } else {
            unassigned.push(i);
        }
    }
    let topics: Vec<(&(String, String), &Vec<usize>)> = members.iter().collect();
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    let speakers: Vec<&str> = rows.iter().map(|r| r.party.as_str()).collect();
    let mut clustering = Clustering {
        clusters: topics
            .iter()
            .map(|(_, m)| Cluster {
                members: m.to_vec(),
                medoid: m[0],
                keywords: Vec::new(),
            })
            .collect(),
        unassigned,
    };
    let exclude = std::env::var("LABEL_QUALITY_KEEP_SPEAKERS").is_err();
    let names: Vec<&str> = if exclude { speakers.clone() } else { vec![] };
    label_clusters_excluding(&texts, &mut clustering, LABEL_WORDS, &names);

    let party_words: BTreeSet<String> = speakers.iter().flat_map(|p| tokens(p)).collect();
    let (mut any_exact, mut any_stem, mut words, mut thesis_words, mut party) = (0, 0, 0, 0, 0);
    for ((key, m), cluster) in topics.iter().zip(&clustering.clusters) {
        let thesis = &rows[m[0]].thesis;
        let content: BTreeSet<String> = tokens(thesis).into_iter().collect();
        let stems: BTreeSet<String> = content.iter().map(|w| stem(w)).collect();
        let label = &cluster.keywords;
        any_exact += label.iter().any(|w| content.contains(w)) as usize;
        any_stem += label.iter().any(|w| stems.contains(&stem(w))) as usize;
        words += label.len();
        thesis_words += label.iter().filter(|w| stems.contains(&stem(w))).count();
        party += label.iter().any(|w| party_words.contains(w)) as usize;
        if std::env::var("LABEL_QUALITY_SHOW").is_ok() {
            println!("{} | {} | {}", key.0, label.join(", "), thesis);
        }
    }
    let n = topics.len() as f64;
    println!(
        "{} topics ({} statements): label names a thesis word {:.1}% (exact) {:.1}% (stem); \
         {:.1}% of label words are thesis words; {:.1}% of labels name a party",
        topics.len(),
        topics.iter().map(|(_, m)| m.len()).sum::<usize>(),
        100.0 * any_exact as f64 / n,
        100.0 * any_stem as f64 / n,
        100.0 * thesis_words as f64 / words.max(1) as f64,
        100.0 * party as f64 / n
    );
}
