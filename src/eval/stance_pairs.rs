//! The stance model against labelled (thesis, statement) pairs: each pair's
//! gold answer is agree (+1), disagree (−1) or neutral (0).
//!
//! * `accuracy`: agree/disagree accuracy, over the pairs whose gold answer is
//!   ±1, of the sign of the stance score (p_agree − p_disagree);
//! * `majority`: what always answering the more frequent of agree/disagree
//!   scores on those pairs;
//! * `auc`: the chance that a random agree pair scores above a random
//!   disagree pair;
//! * `accuracy_3class` and `macro_f1_3class`: the most probable of the three
//!   answers against the gold answer, over all pairs;
//! * `confusion`: counts by gold answer (rows) and predicted answer
//!   (columns), in the order disagree, neutral, agree.

use serde::Serialize;

use crate::stance::cross_encoder::StanceScore;

/// A gold answer: −1 disagree, 0 neutral, +1 agree.
pub type GoldAnswer = i8;

/// Parses a gold answer: `1`/`agree`, `-1`/`disagree`, `0`/`neutral` (also
/// `+1`, `1.0`, `-1.0`, `0.0`, any case).
pub fn parse_answer(text: &str) -> Result<GoldAnswer, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "+1" | "1.0" | "agree" => Ok(1),
        "-1" | "-1.0" | "disagree" => Ok(-1),
        "0" | "0.0" | "-0" | "neutral" => Ok(0),
        other => Err(format!(
            "gold answer {other:?} is none of 1/agree, -1/disagree, 0/neutral"
        )),
    }
}

/// The figures of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairEvaluation {
    pub pairs: usize,
    pub agree_disagree_pairs: usize,
    pub accuracy: Option<f64>,
    pub majority: Option<f64>,
    pub auc: Option<f64>,
    pub accuracy_3class: Option<f64>,
    pub macro_f1_3class: Option<f64>,
    /// `confusion[gold + 1][predicted + 1]`.
    pub confusion: [[usize; 3]; 3],
}

/// The most probable answer of a score.
pub fn predicted(s: &StanceScore) -> GoldAnswer {
    if s.p_agree >= s.p_disagree && s.p_agree >= s.p_neutral {
        1
    } else if s.p_disagree >= s.p_neutral {
        -1
    } else {
        0
    }
}

/// Evaluates scores against gold answers (same order and length).
pub fn evaluate_pairs(scores: &[StanceScore], gold: &[GoldAnswer]) -> PairEvaluation {
    assert_eq!(scores.len(), gold.len(), "a gold answer per score");
    let mut confusion = [[0usize; 3]; 3];
    for (s, &g) in scores.iter().zip(gold) {
        confusion[(g + 1) as usize][(predicted(s) + 1) as usize] += 1;
    }
    let polar: Vec<(f64, GoldAnswer)> = scores
        .iter()
        .zip(gold)
        .filter(|(_, &g)| g != 0)
        .map(|(s, &g)| (s.stance() as f64, g))
        .collect();
    let correct = polar.iter().filter(|(s, g)| (*s > 0.0) == (*g > 0)).count();
    let agree: Vec<f64> = polar.iter().filter(|p| p.1 > 0).map(|p| p.0).collect();
    let disagree: Vec<f64> = polar.iter().filter(|p| p.1 < 0).map(|p| p.0).collect();
    let n = scores.len();
    let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
    let diagonal: usize = (0..3).map(|c| confusion[c][c]).sum();
    let f1: Vec<f64> = (0..3)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let fp: f64 = (0..3)
                .filter(|&r| r != c)
                .map(|r| confusion[r][c] as f64)
                .sum();
            let fneg: f64 = (0..3)
                .filter(|&p| p != c)
                .map(|p| confusion[c][p] as f64)
                .sum();
            if tp + fp + fneg == 0.0 {
                0.0
            } else {
                2.0 * tp / (2.0 * tp + fp + fneg)
            }
        })
        .collect();
    PairEvaluation {
        pairs: n,
        agree_disagree_pairs: polar.len(),
        accuracy: ratio(correct, polar.len()),
        majority: ratio(agree.len().max(disagree.len()), polar.len()),
        auc: super::stats::auc(&agree, &disagree),
        accuracy_3class: ratio(diagonal, n),
        macro_f1_3class: (n > 0).then(|| f1.iter().sum::<f64>() / 3.0),
        confusion,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(agree: f32, disagree: f32) -> StanceScore {
        StanceScore {
            p_agree: agree,
            p_disagree: disagree,
            p_neutral: 1.0 - agree - disagree,
        }
    }

    #[test]
    fn answers_parse_in_both_spellings() {
        assert_eq!(parse_answer("Agree"), Ok(1));
        assert_eq!(parse_answer(" -1 "), Ok(-1));
        assert_eq!(parse_answer("0.0"), Ok(0));
        assert!(parse_answer("yes").is_err());
    }

    #[test]
    fn figures_of_a_small_set() {
        let scores = [
            score(0.9, 0.05), // agree, right
            score(0.2, 0.7),  // disagree, right
            score(0.6, 0.3),  // gold disagree: wrong sign
            score(0.1, 0.1),  // neutral predicted, gold neutral
            score(0.5, 0.1),  // agree predicted, gold neutral
        ];
        let gold = [1, -1, -1, 0, 0];
        let e = evaluate_pairs(&scores, &gold);
        assert_eq!(e.pairs, 5);
        assert_eq!(e.agree_disagree_pairs, 3);
        assert_eq!(e.accuracy, Some(2.0 / 3.0));
        assert_eq!(e.majority, Some(2.0 / 3.0));
        assert_eq!(e.auc, Some(1.0));
        assert_eq!(e.confusion, [[1, 0, 1], [0, 1, 1], [0, 0, 1]]);
        assert_eq!(e.accuracy_3class, Some(3.0 / 5.0));
        // F1: disagree 2/3, neutral 2/3, agree 2·1/(2+2) = 0.5.
        let f1 = e.macro_f1_3class.unwrap();
        assert!((f1 - (2.0 / 3.0 + 2.0 / 3.0 + 0.5) / 3.0).abs() < 1e-12);
        let empty = evaluate_pairs(&[], &[]);
        assert_eq!(
            (empty.accuracy, empty.auc, empty.macro_f1_3class),
            (None, None, None)
        );
    }
}
