//! Turns in a speaker's series of stance scores without probabilities
//! (axes given by examples, topics' own oppositions): a test of the step of
//! mean score against the noise. Series scored by the stance model on a
//! thesis go through [`super::shifts`] instead, which gives a probability.
//!
//! 1. **Segmentation.** The series is cut where the step between the mean
//!    stance before and after is most significant, and each side is cut
//!    again while steps stay significant (binary segmentation). Candidate
//!    cuts fall on the series' dates: for a cut on day `d`, the statements
//!    dated entirely before `d` face those dated on or after it; statements of
//!    the same date always stay together, and one whose date is too coarse to
//!    fall on one side (`2025-11` against a cut on `2025-11-06`) is left out.
//! 2. **Judgement.** Each pair of adjacent segments is a turn when its
//!    confidence reaches `min_confidence` and either the mean stance changes
//!    sign with a step of at least `min_change` × spread (`sign_change`), or
//!    keeps its sign but retreats towards the other pole (not a hardening) by
//!    at least 2 × `min_change` × spread (`change_point`).
//!
//! Steps are measured against the topic's own spread of stance scores (its
//! standard deviation), so the same settings work for axis scores and for
//! unsupervised scores:
//!
//! * `magnitude` = |mean after − mean before|;
//! * `confidence` = erf(t/√2) (two-sided normal), with
//!   t = magnitude / (σ·√(1/n_before + 1/n_after)) and σ² the pooled
//!   within-side variance shrunk towards the topic's variance with the weight
//!   of two statements — a side with a single statement is judged against the
//!   topic's spread, not against a variance of zero.

use chrono::NaiveDate;

use super::dates::DateSpan;
pub use super::shifts::TurnKind;

/// Weight, in statements, of the topic's variance in the noise estimate.
const PRIOR_WEIGHT: f64 = 2.0;

/// One statement of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub span: DateSpan,
    pub score: f32,
    /// The caller's handle for the statement (e.g. its index).
    pub key: usize,
}

/// Thresholds of the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShiftParams {
    /// Minimum change of mean stance, in units of the topic's spread.
    pub min_change: f32,
    /// Minimum confidence, in [0, 1].
    pub min_confidence: f32,
}

impl Default for ShiftParams {
    fn default() -> Self {
        Self {
            min_change: 1.0,
            min_confidence: 0.8,
        }
    }
}

/// A detected turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// Keys of the statements before the turn, in date order.
    pub before: Vec<usize>,
    /// Keys of the statements after the turn, in date order.
    pub after: Vec<usize>,
    pub mean_before: f32,
    pub mean_after: f32,
    pub magnitude: f32,
    pub confidence: f32,
    pub kind: TurnKind,
}

/// Finds the turns of a series; `spread` is the standard deviation of the
/// stance scores of the whole topic. Turns come in date order.
pub fn detect_turns(points: &[Point], spread: f32, params: &ShiftParams) -> Vec<Turn> {
    if !(spread > 0.0 && spread.is_finite()) || points.is_empty() {
        return Vec::new();
    }
    let spread = spread as f64;
    let mut cuts = Vec::new();
    split(points, None, None, spread, params, &mut cuts);
    cuts.sort();
    // Segments between consecutive cuts; a statement whose date straddles a
    // cut belongs to neither side of it.
    let bounds: Vec<Option<NaiveDate>> = std::iter::once(None)
        .chain(cuts.iter().map(|&c| Some(c)))
        .chain(std::iter::once(None))
        .collect();
    let segments: Vec<Vec<Point>> = bounds
        .windows(2)
        .map(|w| inside(points, w[0], w[1]))
        .collect();
    segments
        .windows(2)
        .filter_map(|pair| judge(&pair[0], &pair[1], spread, params))
        .collect()
}

/// The points dated entirely within `[lo, hi)` (open ends when `None`), in
/// date order.
fn inside(points: &[Point], lo: Option<NaiveDate>, hi: Option<NaiveDate>) -> Vec<Point> {
    let mut v: Vec<Point> = points
        .iter()
        .filter(|p| lo.is_none_or(|lo| p.span.start >= lo))
        .filter(|p| hi.is_none_or(|hi| p.span.ends_before(hi)))
        .copied()
        .collect();
    v.sort_by(|a, b| a.span.cmp(&b.span).then(a.key.cmp(&b.key)));
    v
}

/// Binary segmentation of `[lo, hi)`: cuts at the most significant step and
/// recurses into both sides while steps reach `min_confidence`.
fn split(
    points: &[Point],
    lo: Option<NaiveDate>,
    hi: Option<NaiveDate>,
    spread: f64,
    params: &ShiftParams,
    cuts: &mut Vec<NaiveDate>,
) {
    let here = inside(points, lo, hi);
    let mut days: Vec<NaiveDate> = here.iter().map(|p| p.span.start).collect();
    days.dedup();
    let best = days
        .iter()
        .skip(1)
        .filter_map(|&d| {
            let before = inside(&here, None, Some(d));
            let after = inside(&here, Some(d), None);
            (!before.is_empty() && !after.is_empty())
                .then(|| (d, t_statistic(&before, &after, spread)))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
    if let Some((d, t)) = best {
        if confidence(t) >= params.min_confidence as f64 {
            cuts.push(d);
            split(points, lo, Some(d), spread, params, cuts);
            split(points, Some(d), hi, spread, params, cuts);
        }
    }
}

fn confidence(t: f64) -> f64 {
    erf(t / std::f64::consts::SQRT_2)
}

fn mean(p: &[Point]) -> f64 {
    p.iter().map(|x| x.score as f64).sum::<f64>() / p.len() as f64
}

fn t_statistic(before: &[Point], after: &[Point], spread: f64) -> f64 {
    let (mb, ma) = (mean(before), mean(after));
    let ss: f64 = before
        .iter()
        .map(|p| (p.score as f64 - mb).powi(2))
        .chain(after.iter().map(|p| (p.score as f64 - ma).powi(2)))
        .sum();
    let (nb, na) = (before.len() as f64, after.len() as f64);
    let var = (ss + PRIOR_WEIGHT * spread * spread) / (nb + na - 2.0 + PRIOR_WEIGHT);
    (ma - mb).abs() / (var.sqrt() * (1.0 / nb + 1.0 / na).sqrt())
}

/// Whether two adjacent segments make a turn.
fn judge(before: &[Point], after: &[Point], spread: f64, params: &ShiftParams) -> Option<Turn> {
    if before.is_empty() || after.is_empty() {
        return None;
    }
    let (mb, ma) = (mean(before), mean(after));
    let magnitude = (ma - mb).abs();
    let confidence = confidence(t_statistic(before, after, spread));
    if confidence < params.min_confidence as f64 {
        return None;
    }
    let step = params.min_change as f64 * spread;
    let kind = if mb * ma < 0.0 && magnitude >= step {
        TurnKind::SignChange
    } else if mb * ma >= 0.0 && ma.abs() < mb.abs() && magnitude >= 2.0 * step {
        TurnKind::ChangePoint
    } else {
        return None;
    };
    Some(Turn {
        before: before.iter().map(|p| p.key).collect(),
        after: after.iter().map(|p| p.key).collect(),
        mean_before: mb as f32,
        mean_after: ma as f32,
        magnitude: magnitude as f32,
        confidence: confidence as f32,
        kind,
    })
}

/// The error function (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
fn erf(x: f64) -> f64 {
    let sign = if x < 0.0 { -1.0 } else { 1.0 };
    let x = x.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    sign * (1.0 - poly * (-x * x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32) -> DateSpan {
        DateSpan::day(NaiveDate::from_ymd_opt(2024, 1, n).unwrap())
    }

    fn series(scores: &[(u32, f32)]) -> Vec<Point> {
        scores
            .iter()
            .enumerate()
            .map(|(key, &(d, score))| Point {
                span: day(d),
                score,
                key,
            })
            .collect()
    }

    #[test]
    fn erf_matches_known_values() {
        assert!(erf(0.0).abs() < 1e-7);
        assert!((erf(1.0) - 0.842_700_79).abs() < 1e-6);
        assert!((erf(-2.0) + 0.995_322_27).abs() < 1e-6);
    }

    #[test]
    fn finds_a_clear_reversal() {
        let s = series(&[(1, 0.6), (2, 0.5), (3, 0.7), (10, -0.5), (11, -0.6)]);
        let turns = detect_turns(&s, 0.5, &ShiftParams::default());
        assert_eq!(turns.len(), 1);
        let t = &turns[0];
        assert_eq!(t.before, vec![0, 1, 2]);
        assert_eq!(t.after, vec![3, 4]);
        assert_eq!(t.kind, TurnKind::SignChange);
        assert!((t.magnitude - 1.15).abs() < 1e-5);
        assert!(t.confidence > 0.9);
    }

    #[test]
    fn steady_or_hardening_series_have_no_turn() {
        let p = ShiftParams::default();
        let steady = series(&[(1, 0.5), (2, 0.3), (3, 0.6), (4, 0.4)]);
        assert!(detect_turns(&steady, 0.5, &p).is_empty());
        let hardening = series(&[(1, -0.2), (2, -0.3), (3, -1.0), (4, -0.9)]);
        assert!(detect_turns(&hardening, 0.3, &p).is_empty());
        assert!(detect_turns(&steady, 0.0, &p).is_empty());
        assert!(detect_turns(&[], 0.5, &p).is_empty());
    }

    #[test]
    fn a_retreat_is_a_change_point() {
        let s = series(&[(1, 0.9), (2, 0.95), (3, 0.85), (10, 0.05), (11, 0.1)]);
        let turns = detect_turns(&s, 0.3, &ShiftParams::default());
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].kind, TurnKind::ChangePoint);
    }

    #[test]
    fn same_day_statements_stay_together_and_coarse_dates_sit_out() {
        let mut s = series(&[(5, 0.6), (5, 0.7), (6, -0.6), (6, -0.7)]);
        // A month-dated statement overlapping both days.
        s.push(Point {
            span: DateSpan {
                start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                end: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
            },
            score: 0.9,
            key: 9,
        });
        let turns = detect_turns(&s, 0.5, &ShiftParams::default());
        assert_eq!(turns.len(), 1);
        assert_eq!(turns[0].before, vec![0, 1]);
        assert_eq!(turns[0].after, vec![2, 3]);
    }

    #[test]
    fn finds_two_turns() {
        let s = series(&[
            (1, 0.6),
            (2, 0.7),
            (3, 0.6),
            (10, -0.6),
            (11, -0.7),
            (12, -0.6),
            (20, 0.6),
            (21, 0.7),
            (22, 0.6),
        ]);
        let turns = detect_turns(&s, 0.4, &ShiftParams::default());
        assert_eq!(turns.len(), 2, "{turns:?}");
        assert_eq!(turns[0].after[0], 3);
        assert_eq!(turns[1].after[0], 6);
    }
}
