//! Cluster keywords by class-based TF-IDF (c-TF-IDF, as in BERTopic): all
//! statements of a cluster form one document, and a word's weight in cluster
//! `c` is
//!
//! ```text
//! (count(word, c) / words(c)) · ln(1 + mean words per class / count(word, all classes))
//! ```
//!
//! The unassigned statements form one more class, so words common everywhere
//! are discounted, but they get no keywords themselves. Names (of speakers)
//! can be kept out, and a word that repeats a better one (`schulden` after
//! `schuldenbremse`, `rates` after `rate`) is skipped, so that the first few
//! keywords read as a label.

use std::collections::{HashMap, HashSet};

use super::tokens::tokens;
use super::Clustering;

/// Fills `keywords` of every cluster with its `top_n` most distinctive words
/// (ties: alphabetical). `texts[i]` is the text of row `i`.
pub fn label_clusters(texts: &[&str], clustering: &mut Clustering, top_n: usize) {
    label_clusters_excluding(texts, clustering, top_n, &[]);
}

/// [`label_clusters`] without the words of `names` (speaker names: a topic
/// is what is said, not who says it).
pub fn label_clusters_excluding(
    texts: &[&str],
    clustering: &mut Clustering,
    top_n: usize,
    names: &[&str],
) {
    let excluded: HashSet<String> = names.iter().flat_map(|n| tokens(n)).collect();
    let mut vocabulary: HashMap<String, usize> = HashMap::new();
    let mut words: Vec<&str> = Vec::new();
    let count_class = |rows: &[usize], vocabulary: &mut HashMap<String, usize>| {
        let mut counts: HashMap<usize, u64> = HashMap::new();
        for &i in rows {
            for t in tokens(texts[i]) {
                let next = vocabulary.len();
                let id = *vocabulary.entry(t).or_insert(next);
                *counts.entry(id).or_default() += 1;
            }
        }
        counts
    };
    let mut classes: Vec<HashMap<usize, u64>> = clustering
        .clusters
        .iter()
        .map(|c| count_class(&c.members, &mut vocabulary))
        .collect();
    if !clustering.unassigned.is_empty() {
        classes.push(count_class(&clustering.unassigned, &mut vocabulary));
    }
    words.resize(vocabulary.len(), "");
    for (w, &id) in &vocabulary {
        words[id] = w.as_str();
    }

    let mut frequency = vec![0u64; vocabulary.len()];
    for class in &classes {
        for (&id, &c) in class {
            frequency[id] += c;
        }
    }
    let total: u64 = frequency.iter().sum();
    let mean_words = total as f64 / classes.len().max(1) as f64;

    for (cluster, counts) in clustering.clusters.iter_mut().zip(&classes) {
        let size: u64 = counts.values().sum();
        let mut scored: Vec<(f64, &str)> = counts
            .iter()
            .map(|(&id, &c)| {
                let tf = c as f64 / size as f64;
                let idf = (1.0 + mean_words / frequency[id] as f64).ln();
                (tf * idf, words[id])
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut chosen: Vec<String> = Vec::with_capacity(top_n);
        for (_, w) in scored {
            if chosen.len() == top_n {
                break;
            }
            if !excluded.contains(w) && !chosen.iter().any(|c| repeats(c, w)) {
                chosen.push(w.to_string());
            }
        }
        cluster.keywords = chosen;
    }
}

/// Whether `word` adds nothing to `better` in a label: one contains the other
/// at its start or end (`polizei` / `polizeidienst`, `extremismus` /
/// `rechtsextremismus`), or they share a long start and differ by an ending
/// (`soldat` / `soldaten`, `grunderwerbsteuer` / `grunderwerbssteuer`).
fn repeats(better: &str, word: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (better.chars().collect(), word.chars().collect());
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    const MIN: usize = 4;
    if short.len() >= MIN && (long.starts_with(short) || long.ends_with(short)) {
        return true;
    }
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    common >= 6 && long.len() - short.len() <= 2 && long.len() - common <= 7
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Cluster;

    fn cluster(members: Vec<usize>) -> Cluster {
        Cluster {
            medoid: members[0],
            members,
            keywords: Vec::new(),
        }
    }

    #[test]
    fn distinctive_words_rank_first() {
        let texts = [
            "The bank raised interest rates again",
            "Interest rates rise at the central bank",
            "Le banque centrale relève les taux d'intérêt",
            "The football team won the match",
            "A late goal won the football match",
            "Weather is nice today",
        ];
        let mut c = Clustering {
            clusters: vec![cluster(vec![0, 1, 2]), cluster(vec![3, 4])],
            unassigned: vec![5],
        };
        label_clusters(&texts, &mut c, 3);
        assert_eq!(c.clusters[0].keywords, vec!["bank", "interest", "rates"]);
        // NLTK lists `won` (from `won't`).
        assert_eq!(c.clusters[1].keywords, vec!["football", "match", "goal"]);
    }

    #[test]
    fn names_and_repeats_stay_out_of_labels() {
        let texts = [
            "Sarah Friar wants the loan guarantee for data centres",
            "Friar: a loan guarantee, loans for the data centres",
            "The weather is nice",
        ];
        let mut c = Clustering {
            clusters: vec![cluster(vec![0, 1])],
            unassigned: vec![2],
        };
        label_clusters(&texts, &mut c, 5);
        assert!(c.clusters[0].keywords.contains(&"friar".to_string()));
        label_clusters_excluding(&texts, &mut c, 5, &["Sarah Friar"]);
        let kw = &c.clusters[0].keywords;
        assert!(!kw.iter().any(|w| w == "friar" || w == "sarah"), "{kw:?}");
        assert_eq!(
            kw.iter().filter(|w| w.starts_with("loan")).count(),
            1,
            "{kw:?}"
        );
        assert!(repeats("schuldenbremse", "schulden"));
        assert!(repeats("rechtsextremismus", "extremismus"));
        assert!(repeats("grunderwerbssteuer", "grunderwerbsteuer"));
        assert!(!repeats("schulen", "schulden"));
        assert!(!repeats("bank", "banque"));
    }

    #[test]
    fn empty_texts_give_no_keywords() {
        let texts = ["", "  "];
        let mut c = Clustering {
            clusters: vec![cluster(vec![0, 1])],
            unassigned: vec![],
        };
        label_clusters(&texts, &mut c, 5);
        assert!(c.clusters[0].keywords.is_empty());
    }
}
