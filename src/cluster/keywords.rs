//! Cluster keywords by class-based TF-IDF (c-TF-IDF, as in BERTopic): all
//! statements of a cluster form one document, and a word's weight in cluster
//! `c` is
//!
//! ```text
//! (count(word, c) / words(c)) · ln(1 + mean words per class / count(word, all classes))
//! ```
//!
//! The unassigned statements form one more class, so words common everywhere
//! are discounted, but they get no keywords themselves.

use std::collections::HashMap;

use super::tokens::tokens;
use super::Clustering;

/// Fills `keywords` of every cluster with its `top_n` most distinctive words
/// (ties: alphabetical). `texts[i]` is the text of row `i`.
pub fn label_clusters(texts: &[&str], clustering: &mut Clustering, top_n: usize) {
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
        cluster.keywords = scored
            .into_iter()
            .take(top_n)
            .map(|(_, w)| w.to_string())
            .collect();
    }
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
        assert_eq!(c.clusters[1].keywords, vec!["football", "match", "won"]);
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
