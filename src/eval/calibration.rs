//! Calibration of the stance model's probabilities: a temperature fitted to
//! labelled pairs (the negative log-likelihood of the three answers), and
//! how well confidence matches accuracy (expected calibration error, a
//! reliability table, accuracy of the most confident pairs).
//!
//! Two confidences are measured:
//! * agree/disagree (`binary`): on the pairs whose gold answer is ±1, the
//!   confidence is `max(p_agree, p_disagree) / (p_agree + p_disagree)` and
//!   the answer is right when the sign of the stance is the gold sign;
//! * three-way: on all pairs, the largest of the three probabilities and
//!   whether that answer is the gold one.

use serde::Serialize;

use super::stance_pairs::{predicted, GoldAnswer};
use crate::stance::cross_encoder::StanceScore;

/// Number of equal-width confidence bins of the reliability table.
pub const BINS: usize = 10;

/// One bin of a reliability table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// The bin covers confidences in `[low, high)` (the last one includes `high`).
    pub low: f64,
    pub high: f64,
    pub count: usize,
    pub mean_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

/// Accuracy of the most confident share of the pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    /// Share of the pairs kept (0.25, 0.5, 1.0).
    pub share: f64,
    pub pairs: usize,
    /// The lowest confidence kept.
    pub min_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

/// Calibration figures of one kind of confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    pub pairs: usize,
    /// Expected calibration error: the count-weighted mean gap between
    /// confidence and accuracy over the bins.
    pub ece: Option<f64>,
    pub bins: Vec<ReliabilityBin>,
    pub coverage: Vec<Coverage>,
}

/// Builds the reliability figures of (confidence, right) pairs whose
/// confidences lie in `[low, 1]`.
pub fn reliability(points: &[(f64, bool)], low: f64) -> Reliability {
    let width = (1.0 - low) / BINS as f64;
    let mut sums = vec![(0usize, 0f64, 0usize); BINS];
    for &(c, right) in points {
        let b = (((c - low) / width).floor().max(0.0) as usize).min(BINS - 1);
        sums[b].0 += 1;
        sums[b].1 += c;
        sums[b].2 += right as usize;
    }
    let n = points.len();
    let mut gap = 0.0;
    let bins = sums
        .iter()
        .enumerate()
        .map(|(b, &(count, conf, right))| {
            let mean_confidence = (count > 0).then(|| conf / count as f64);
            let accuracy = (count > 0).then(|| right as f64 / count as f64);
            if let (Some(c), Some(a)) = (mean_confidence, accuracy) {
                gap += count as f64 * (c - a).abs();
            }
            ReliabilityBin {
                low: low + b as f64 * width,
                high: low + (b + 1) as f64 * width,
                count,
                mean_confidence,
                accuracy,
            }
        })
        .collect();
    let mut sorted: Vec<(f64, bool)> = points.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let coverage = [0.25, 0.5, 1.0]
        .iter()
        .map(|&share| {
            let k = ((share * n as f64).round() as usize).min(n);
            let kept = &sorted[..k];
            Coverage {
                share,
                pairs: k,
                min_confidence: kept.last().map(|p| p.0),
                accuracy: (k > 0).then(|| kept.iter().filter(|p| p.1).count() as f64 / k as f64),
            }
        })
        .collect();
    Reliability {
        pairs: n,
        ece: (n > 0).then(|| gap / n as f64),
        bins,
        coverage,
    }
}

/// Agree/disagree confidence and correctness of the pairs whose gold answer
/// is ±1.
pub fn binary_points(scores: &[StanceScore], gold: &[GoldAnswer]) -> Vec<(f64, bool)> {
    scores
        .iter()
        .zip(gold)
        .filter(|(_, &g)| g != 0)
        .map(|(s, &g)| {
            let (a, d) = (s.p_agree as f64, s.p_disagree as f64);
            let c = if a + d > 0.0 { a.max(d) / (a + d) } else { 0.5 };
            (c, (s.stance() > 0.0) == (g > 0))
        })
        .collect()
}

/// Three-way confidence (the largest probability) and correctness of every pair.
pub fn three_way_points(scores: &[StanceScore], gold: &[GoldAnswer]) -> Vec<(f64, bool)> {
    scores
        .iter()
        .zip(gold)
        .map(|(s, &g)| {
            let c = s.p_agree.max(s.p_disagree).max(s.p_neutral) as f64;
            (c, predicted(s) == g)
        })
        .collect()
}

/// Both kinds of calibration figures of scored pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub agree_disagree: Reliability,
    pub three_way: Reliability,
}

/// Calibration figures of scores against gold answers (same order and length).
pub fn calibration(scores: &[StanceScore], gold: &[GoldAnswer]) -> Calibration {
    assert_eq!(scores.len(), gold.len(), "a gold answer per score");
    Calibration {
        agree_disagree: reliability(&binary_points(scores, gold), 0.5),
        three_way: reliability(&three_way_points(scores, gold), 1.0 / 3.0),
    }
}

/// Mean negative log-likelihood of the gold answers under
/// `softmax(logits / temperature)` (classes disagree, neutral, agree).
pub fn mean_nll(logits: &[[f32; 3]], gold: &[GoldAnswer], temperature: f64) -> f64 {
    assert_eq!(logits.len(), gold.len(), "a gold answer per pair");
    let total: f64 = logits
        .iter()
        .zip(gold)
        .map(|(l, &g)| {
            let z: Vec<f64> = l.iter().map(|&v| v as f64 / temperature).collect();
            let max = z.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let lse = max + z.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
            lse - z[(g + 1) as usize]
        })
        .sum();
    total / logits.len().max(1) as f64
}

/// The temperature in [0.05, 20] that minimises [`mean_nll`] (golden-section
/// search on its logarithm; the NLL is convex in 1/T, so one minimum).
pub fn fit_temperature(logits: &[[f32; 3]], gold: &[GoldAnswer]) -> f64 {
    let f = |x: f64| mean_nll(logits, gold, x.exp());
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - r * (b - a);
    let mut d = a + r * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-6 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = f(d);
        }
    }
    ((a + b) / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_ece_and_coverage_by_hand() {
        // Two pairs at 0.97 (one right), two at 0.57 (both right).
        let points = [(0.97, true), (0.97, false), (0.57, true), (0.57, true)];
        let r = reliability(&points, 0.5);
        assert_eq!(r.bins.len(), BINS);
        assert_eq!(r.bins[1].count, 2);
        assert_eq!(r.bins[9].count, 2);
        assert_eq!(r.bins[9].accuracy, Some(0.5));
        // |0.97 − 0.5|·2 + |0.57 − 1|·2 over 4.
        assert!((r.ece.unwrap() - 0.45).abs() < 1e-12);
        assert_eq!(r.coverage[1].pairs, 2);
        assert_eq!(r.coverage[1].accuracy, Some(0.5));
        assert_eq!(r.coverage[2].accuracy, Some(0.75));
        // Confidence 1.0 falls in the last bin.
        assert_eq!(reliability(&[(1.0, true)], 0.5).bins[9].count, 1);
        assert_eq!(reliability(&[], 0.5).ece, None);
    }

    #[test]
    fn fitted_temperature_recovers_the_one_that_made_the_labels() {
        // Labels drawn from softmax(z / 2): the fit should find T ≈ 2, and a
        // model that is right more often than its probabilities say gets T < 1.
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut logits = Vec::new();
        let mut gold = Vec::new();
        for _ in 0..20000 {
            let z = [
                (next() * 8.0 - 4.0) as f32,
                (next() * 8.0 - 4.0) as f32,
                (next() * 8.0 - 4.0) as f32,
            ];
            let e: Vec<f64> = z.iter().map(|&v| (v as f64 / 2.0).exp()).collect();
            let s: f64 = e.iter().sum();
            let u = next() * s;
            let g = if u < e[0] {
                -1
            } else if u < e[0] + e[1] {
                0
            } else {
                1
            };
            logits.push(z);
            gold.push(g);
        }
        let t = fit_temperature(&logits, &gold);
        assert!((t - 2.0).abs() < 0.1, "fitted {t}");
        assert!(mean_nll(&logits, &gold, t) <= mean_nll(&logits, &gold, 1.0));
        // Perfectly separable labels drive the temperature to its lower end.
        let sharp = fit_temperature(&[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], &[1, -1]);
        assert!(sharp < 0.06, "fitted {sharp}");
    }
}
