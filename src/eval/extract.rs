//! Extracted statements against hand-made ones: a gold statement is found
//! when an extracted statement of the same source shares most of its words
//! (overlap over the shorter of the two); recall, precision, and the share
//! of found statements with the gold speaker and the gold date.

use std::collections::HashSet;

use serde::Serialize;

/// One statement as the evaluation sees it.
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub id: String,
    pub text: String,
    pub speaker: String,
    pub date: String,
    pub source: String,
}

/// How one gold statement fared.
#[derive(Debug, Clone, Serialize)]
pub struct GoldMatch {
    pub id: String,
    /// The id of the extracted statement that matched best.
    pub matched: Option<String>,
    pub overlap: f64,
    pub speaker_ok: bool,
    pub date_ok: bool,
    pub gold_speaker: String,
    pub found_speaker: String,
    pub gold_date: String,
    pub found_date: String,
}

/// The evaluation of extracted statements against gold ones.
#[derive(Debug, Clone, Serialize)]
pub struct ExtractEvaluation {
    pub gold: usize,
    pub extracted: usize,
    pub found: usize,
    pub recall: f64,
    /// Extracted statements that match some gold statement, over all.
    pub precision: f64,
    /// Found statements whose speaker is the gold speaker.
    pub speaker_accuracy: f64,
    /// Found statements whose date is the gold date (same precision).
    pub date_accuracy: f64,
    pub matches: Vec<GoldMatch>,
}

/// Share of words for a match.
pub const MIN_OVERLAP: f64 = 0.6;

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect()
}

/// Words shared, over the words of the shorter text.
pub fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let shorter = a.len().min(b.len());
    if shorter == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / shorter as f64
}

fn same_source(a: &str, b: &str) -> bool {
    let base = |s: &str| s.rsplit(['/', '\\']).next().unwrap_or(s).to_string();
    a.is_empty() || b.is_empty() || base(a) == base(b)
}

fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

/// Matches extracted statements to gold ones.
pub fn evaluate_extraction(gold: &[Item], extracted: &[Item]) -> ExtractEvaluation {
    let gw: Vec<HashSet<String>> = gold.iter().map(|g| words(&g.text)).collect();
    let ew: Vec<HashSet<String>> = extracted.iter().map(|e| words(&e.text)).collect();
    let mut used = vec![false; extracted.len()];
    let mut matches = Vec::with_capacity(gold.len());
    for (gi, g) in gold.iter().enumerate() {
        let best = extracted
            .iter()
            .enumerate()
            .filter(|(_, e)| same_source(&g.source, &e.source))
            .map(|(ei, _)| (overlap(&gw[gi], &ew[ei]), ei))
            .filter(|(o, _)| *o >= MIN_OVERLAP)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let m = match best {
            Some((o, ei)) => {
                used[ei] = true;
                let e = &extracted[ei];
                GoldMatch {
                    id: g.id.clone(),
                    matched: Some(e.id.clone()),
                    overlap: o,
                    speaker_ok: norm(&g.speaker) == norm(&e.speaker),
                    date_ok: g.date.trim() == e.date.trim(),
                    gold_speaker: g.speaker.clone(),
                    found_speaker: e.speaker.clone(),
                    gold_date: g.date.clone(),
                    found_date: e.date.clone(),
                }
            }
            None => GoldMatch {
                id: g.id.clone(),
                matched: None,
                overlap: 0.0,
                speaker_ok: false,
                date_ok: false,
                gold_speaker: g.speaker.clone(),
                found_speaker: String::new(),
                gold_date: g.date.clone(),
                found_date: String::new(),
            },
        };
        matches.push(m);
    }
    // An extracted statement is right when it matches any gold one (two
    // gold statements cut from one sentence are one extracted statement).
    let correct = (0..extracted.len())
        .filter(|&ei| {
            used[ei]
                || gold.iter().enumerate().any(|(gi, g)| {
                    same_source(&g.source, &extracted[ei].source)
                        && overlap(&gw[gi], &ew[ei]) >= MIN_OVERLAP
                })
        })
        .count();
    let found: Vec<&GoldMatch> = matches.iter().filter(|m| m.matched.is_some()).collect();
    ExtractEvaluation {
        gold: gold.len(),
        extracted: extracted.len(),
        found: found.len(),
        recall: ratio(found.len(), gold.len()),
        precision: ratio(correct, extracted.len()),
        speaker_accuracy: ratio(found.iter().filter(|m| m.speaker_ok).count(), found.len()),
        date_accuracy: ratio(found.iter().filter(|m| m.date_ok).count(), found.len()),
        matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, text: &str, speaker: &str, date: &str) -> Item {
        Item {
            id: id.into(),
            text: text.into(),
            speaker: speaker.into(),
            date: date.into(),
            source: "a.txt".into(),
        }
    }

    #[test]
    fn counts_against_a_hand_checked_case() {
        let gold = [
            item(
                "g1",
                "Il n'y aura pas de plan de sauvetage fédéral",
                "David Sacks",
                "2025-11-06",
            ),
            item(
                "g2",
                "Nous ne pouvons pas nous permettre de reculer",
                "David Sacks",
                "2025-11-24",
            ),
            item("g3", "Le marché s'en chargera", "Sam Altman", "2025-11-06"),
        ];
        let found = [
            item(
                "e1",
                "« Il n'y aura pas de plan de sauvetage fédéral pour l'IA », a écrit David Sacks.",
                "David Sacks",
                "2025-11-06",
            ),
            item(
                "e2",
                "Nous ne pouvons pas nous permettre de reculer.",
                "Sacks",
                "2025-11",
            ),
            item("e3", "Une phrase sans rapport avec la liste.", "X", ""),
        ];
        let e = evaluate_extraction(&gold, &found);
        assert_eq!(e.found, 2);
        assert!((e.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((e.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((e.speaker_accuracy - 0.5).abs() < 1e-12);
        assert!((e.date_accuracy - 0.5).abs() < 1e-12);
        assert_eq!(e.matches[2].matched, None);
    }

    #[test]
    fn other_sources_do_not_match() {
        let gold = [item("g1", "le même texte exactement", "A", "")];
        let mut e = item("e1", "le même texte exactement", "A", "");
        e.source = "b.txt".into();
        assert_eq!(evaluate_extraction(&gold, &[e]).found, 0);
    }
}
