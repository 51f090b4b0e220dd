//! Turns in one speaker's dated stance series on one thesis or topic, each
//! with the probability that the speaker's position changed.
//!
//! **Evidence.** Every statement brings the stance model's probabilities on
//! the thesis: `relevance` = p_agree + p_disagree (it takes a side at all)
//! and `lean` = p_agree / (p_agree + p_disagree) (the side). The speaker
//! holds one of two positions, agree (A) or disagree (D). A statement that
//! takes no side is equally likely under both; one that does says the
//! speaker's position with probability 1 − `error_rate` (the rest covers
//! what the model's probabilities leave out: retrospective, ironic or
//! quoted sentences), so its likelihoods are
//!
//! ```text
//! L(A) = (1 − r) + r · ((1 − ε) q + ε (1 − q))
//! L(D) = (1 − r) + r · ((1 − ε) (1 − q) + ε q)
//! ```
//!
//! Statements with the same date span are one observation: the mean of
//! their log-likelihoods, weighted by an effective number of statements
//! 1 + ln n — five sentences of one press release are more than one
//! statement (2.6) but far from five independent ones, and a mis-scored
//! sentence among agreeing ones is outvoted. Scores without probabilities (axes given by
//! examples, topics' own oppositions) enter with r = 1 and
//! q = 1 / (1 + e^(−[`SCORE_SHARPNESS`]·s)): a score of ±0.5 counts as a
//! model answer of 0.88 for its side.
//!
//! **Models.** One segment: the position is A or D throughout (prior ½
//! each). Two segments: the position flips on one of the series' dates
//! `d` (uniform over the dates after the first), from A to D or from D to A.
//! For a cut on `d`, observations dated entirely before `d` are on the first
//! side, those starting on or after it on the second, and one whose date is
//! too coarse to say (`2025-11` against a cut on `2025-11-06`) is on either
//! side with probability ½. The probability of a change is the posterior of
//! the two-segment model, with prior `change_prior`. A series whose
//! statements all share one date has no cut: its probability is 0.
//!
//! **Segmentation.** Cuts are placed at the most likely flip while the
//! probability of a change reaches `possible_confidence`, and each side is
//! searched again (binary segmentation); where one flip does not fit (a
//! series that turns and turns back), each side of each date is searched
//! for a change. Each pair of adjacent segments is then judged on their
//! statements alone and, where the series has several cuts, on the whole
//! series, each cut a change or not with prior `change_prior`
//! independently; the lower of the two probabilities counts (one statement
//! read the other way between two agreeing stretches is more likely a
//! misreading than two turns). A turn's mean stance must also
//! move by at least `min_change` × the topic's spread, across zero
//! (`sign_change`) or towards the other pole (`change_point`; a hardening
//! is no turn).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::dates::DateSpan;

/// How sure a score without probabilities is taken to be of its side (see
/// the module docs).
pub const SCORE_SHARPNESS: f64 = 4.0;

/// One statement of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub span: DateSpan,
    /// Stance in [−1, 1] (p_agree − p_disagree with the stance model).
    pub score: f32,
    /// Chance that the statement takes a side (p_agree + p_disagree), in
    /// [0, 1]; 1 for scores without probabilities.
    pub relevance: f32,
    /// Chance that the side it takes is agree, in [0, 1].
    pub lean: f32,
    /// The caller's handle for the statement (e.g. its index).
    pub key: usize,
}

impl Point {
    /// A point with a score and no probabilities.
    pub fn scored(span: DateSpan, score: f32, key: usize) -> Self {
        Self {
            span,
            score,
            relevance: 1.0,
            lean: (1.0 / (1.0 + (-SCORE_SHARPNESS * score as f64).exp())) as f32,
            key,
        }
    }

    /// A point with the stance model's probabilities on the thesis.
    pub fn with_probabilities(span: DateSpan, p_agree: f32, p_disagree: f32, key: usize) -> Self {
        let relevance = (p_agree + p_disagree).clamp(0.0, 1.0);
        Self {
            span,
            score: p_agree - p_disagree,
            relevance,
            lean: if relevance > 1e-9 {
                (p_agree / relevance).clamp(0.0, 1.0)
            } else {
                0.5
            },
            key,
        }
    }

    /// Likelihoods of the statement under the positions agree and disagree.
    fn likelihoods(&self, error_rate: f64) -> (f64, f64) {
        let r = (self.relevance as f64).clamp(0.0, 1.0);
        let q = (self.lean as f64).clamp(0.0, 1.0);
        let e = error_rate.clamp(0.0, 0.5);
        let a = (1.0 - r) + r * ((1.0 - e) * q + e * (1.0 - q));
        let d = (1.0 - r) + r * ((1.0 - e) * (1.0 - q) + e * q);
        (a, d)
    }
}

/// Settings of the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ShiftParams {
    /// Smallest step of mean stance, in units of the topic's spread.
    pub min_change: f32,
    /// Smallest probability of a change for a turn, in [0, 1].
    pub min_confidence: f32,
    /// Smallest probability of a change for a possible turn (listed apart).
    pub possible_confidence: f32,
    /// Prior probability that a series changes position.
    pub change_prior: f32,
    /// Chance that a statement that takes a side does not say the
    /// speaker's position.
    pub error_rate: f32,
}

impl ShiftParams {
    /// With this smallest step of mean stance.
    pub fn with_min_change(mut self, min_change: f32) -> Self {
        self.min_change = min_change;
        self
    }

    /// With this smallest probability of a change for a turn.
    pub fn with_min_confidence(mut self, min_confidence: f32) -> Self {
        self.min_confidence = min_confidence;
        self
    }

    /// With this smallest probability for a possible turn.
    pub fn with_possible_confidence(mut self, possible_confidence: f32) -> Self {
        self.possible_confidence = possible_confidence;
        self
    }

    /// With this prior probability of a change.
    pub fn with_change_prior(mut self, change_prior: f32) -> Self {
        self.change_prior = change_prior;
        self
    }

    /// With this chance that a statement misstates a position.
    pub fn with_error_rate(mut self, error_rate: f32) -> Self {
        self.error_rate = error_rate;
        self
    }
}

impl Default for ShiftParams {
    fn default() -> Self {
        Self {
            min_change: 0.5,
            min_confidence: 0.5,
            possible_confidence: 0.3,
            change_prior: 0.2,
            // The shipped temperature's probabilities of a side are
            // calibrated on held-out Wahl-O-Mat justifications (the sign
            // log-likelihood is highest with no added error): they are used
            // as they are.
            error_rate: 0.0,
        }
    }
}

/// What kind of turn a shift is; written `sign_change` or `change_point`
/// in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnKind {
    /// The mean stance crosses zero.
    SignChange,
    /// The mean stance keeps its sign but retreats towards the other pole.
    ChangePoint,
}

impl TurnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TurnKind::SignChange => "sign_change",
            TurnKind::ChangePoint => "change_point",
        }
    }
}

/// How sure a turn is; written `turn` or `possible` in reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnStatus {
    /// The probability of a change reaches `min_confidence`.
    #[default]
    Turn,
    /// It reaches only `possible_confidence`.
    Possible,
}

impl TurnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TurnStatus::Turn => "turn",
            TurnStatus::Possible => "possible",
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
    /// Probability that the position changed.
    pub confidence: f32,
    pub kind: TurnKind,
    pub status: TurnStatus,
}

/// The probability that the speaker's position changed somewhere in the
/// series (see the module docs); 0 when fewer than two dates.
pub fn change_probability(points: &[Point], params: &ShiftParams) -> f64 {
    best_cut(points, params).map_or(0.0, |(_, p)| p)
}

/// Finds the turns and possible turns of a series; `spread` is the
/// standard deviation of the stance scores of the whole topic. Turns come
/// in date order.
pub fn detect_turns(points: &[Point], spread: f32, params: &ShiftParams) -> Vec<Turn> {
    if points.is_empty() || !spread.is_finite() || spread < 0.0 {
        return Vec::new();
    }
    let mut cuts = Vec::new();
    split(points, None, None, params, &mut cuts);
    cuts.sort();
    let bounds: Vec<Option<NaiveDate>> = std::iter::once(None)
        .chain(cuts.iter().map(|&c| Some(c)))
        .chain(std::iter::once(None))
        .collect();
    let joint = joint_change_probabilities(points, &bounds, params);
    (1..bounds.len() - 1)
        .filter_map(|k| {
            let (lo, cut, hi) = (
                bounds[k - 1],
                bounds[k].expect("inner bound"),
                bounds[k + 1],
            );
            let whole = joint.as_ref().map(|j| j[k - 1]);
            judge(points, (lo, cut, hi), whole, spread as f64, params)
        })
        .collect()
}

/// Series with more cuts than this are judged segment by segment only
/// (the joint judgement costs 2^cuts).
const MAX_JOINT_CUTS: usize = 12;

/// For each cut of `bounds` (open ends first and last), the probability
/// that the position changes there given the whole series, when each cut
/// may or may not be a change, independently with prior `change_prior`:
/// one statement read the other way between two agreeing stretches is
/// then a misreading more likely than two turns. `None` with too many cuts.
fn joint_change_probabilities(
    points: &[Point],
    bounds: &[Option<NaiveDate>],
    params: &ShiftParams,
) -> Option<Vec<f64>> {
    let cuts = bounds.len().saturating_sub(2);
    if cuts == 0 || cuts > MAX_JOINT_CUTS {
        return None;
    }
    // Log-likelihood of each segment under agree and disagree.
    let segments: Vec<(f64, f64)> = bounds
        .windows(2)
        .map(|w| {
            observations(&inside(points, w[0], w[1]), params.error_rate as f64)
                .iter()
                .fold((0.0, 0.0), |acc, o| (acc.0 + o.1, acc.1 + o.2))
        })
        .collect();
    let prior = (params.change_prior as f64).clamp(1e-9, 1.0 - 1e-9);
    let (flip, stay) = (prior.ln(), (1.0 - prior).ln());
    let mut total = f64::NEG_INFINITY;
    let mut at = vec![f64::NEG_INFINITY; cuts];
    for mask in 0u32..(1 << cuts) {
        let changes = mask.count_ones() as f64;
        let mut l = changes * flip + (cuts as f64 - changes) * stay;
        let starts = [true, false].map(|agree_first| {
            let mut agree = agree_first;
            let mut sum = 0.0;
            for (j, seg) in segments.iter().enumerate() {
                sum += if agree { seg.0 } else { seg.1 };
                if mask & (1 << j) != 0 {
                    agree = !agree;
                }
            }
            sum
        });
        l += 0.5f64.ln() + log_add(starts[0], starts[1]);
        total = log_add(total, l);
        for (k, slot) in at.iter_mut().enumerate() {
            if mask & (1 << k) != 0 {
                *slot = log_add(*slot, l);
            }
        }
    }
    Some(at.into_iter().map(|a| (a - total).exp()).collect())
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

/// The weight of `n` statements of one date: 1 + ln n. Statements of one
/// date mostly report one event, so their errors go together: the weight
/// grows with their number, but slowly.
pub fn effective_count(n: usize) -> f64 {
    1.0 + (n.max(1) as f64).ln()
}

/// Observations: the points of one date span pooled, with the span and the
/// log-likelihoods under agree and disagree (the mean of the statements',
/// times [`effective_count`]).
fn observations(points: &[Point], error_rate: f64) -> Vec<(DateSpan, f64, f64)> {
    let mut sorted: Vec<&Point> = points.iter().collect();
    sorted.sort_by_key(|p| p.span);
    let mut out: Vec<(DateSpan, f64, f64, usize)> = Vec::new();
    for p in sorted {
        let (a, d) = p.likelihoods(error_rate);
        match out.last_mut() {
            Some(last) if last.0 == p.span => {
                last.1 += a.ln();
                last.2 += d.ln();
                last.3 += 1;
            }
            _ => out.push((p.span, a.ln(), d.ln(), 1)),
        }
    }
    // Mean log-likelihood times the effective number of statements.
    out.into_iter()
        .map(|(s, a, d, n)| {
            let weight = effective_count(n) / n as f64;
            (s, a * weight, d * weight)
        })
        .collect()
}

/// log(e^a + e^b).
fn log_add(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// The most likely flip date of a series and the probability of a change.
fn best_cut(points: &[Point], params: &ShiftParams) -> Option<(NaiveDate, f64)> {
    let obs = observations(points, params.error_rate as f64);
    let mut days: Vec<NaiveDate> = obs.iter().map(|o| o.0.start).collect();
    days.sort();
    days.dedup();
    let half = 0.5f64.ln();
    let one = {
        let a: f64 = obs.iter().map(|o| o.1).sum();
        let d: f64 = obs.iter().map(|o| o.2).sum();
        half + log_add(a, d)
    };
    // Log likelihood of the two-segment model for each cut with a sure
    // observation on both sides.
    let per_cut: Vec<(NaiveDate, f64)> = days
        .iter()
        .skip(1)
        .filter_map(|&cut| {
            let (mut ad, mut da) = (0.0, 0.0);
            let (mut before, mut after) = (false, false);
            for &(span, a, d) in &obs {
                if span.ends_before(cut) {
                    before = true;
                    ad += a;
                    da += d;
                } else if span.start >= cut {
                    after = true;
                    ad += d;
                    da += a;
                } else {
                    let either = half + log_add(a, d);
                    ad += either;
                    da += either;
                }
            }
            (before && after).then(|| (cut, half + log_add(ad, da)))
        })
        .collect();
    if per_cut.is_empty() {
        return None;
    }
    let two = per_cut
        .iter()
        .fold(f64::NEG_INFINITY, |acc, c| log_add(acc, c.1))
        - (per_cut.len() as f64).ln();
    let prior = (params.change_prior as f64).clamp(1e-9, 1.0 - 1e-9);
    let (lc, ls) = (prior.ln() + two, (1.0 - prior).ln() + one);
    let probability = (lc - log_add(lc, ls)).exp();
    let best = per_cut
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .expect("non-empty")
        .0;
    Some((best, probability))
}

/// Binary segmentation of `[lo, hi)`: cuts at the most likely flip and
/// recurses into both sides while the probability of a change reaches
/// `possible_confidence`.
fn split(
    points: &[Point],
    lo: Option<NaiveDate>,
    hi: Option<NaiveDate>,
    params: &ShiftParams,
    cuts: &mut Vec<NaiveDate>,
) {
    let here = inside(points, lo, hi);
    let level = params.possible_confidence as f64;
    match best_cut(&here, params) {
        Some((cut, p)) if p >= level => {
            cuts.push(cut);
            split(points, lo, Some(cut), params, cuts);
            split(points, Some(cut), hi, params, cuts);
        }
        Some(_) => {
            // Two flips (A, D, A) fit one flip badly: look for a change on
            // either side of each date instead, where one is most likely.
            let mut days: Vec<NaiveDate> = here.iter().map(|p| p.span.start).collect();
            days.dedup();
            if days.len() > MAX_DAYS_TO_PARTITION {
                return;
            }
            let side = |l, h| change_probability(&inside(&here, l, h), params);
            let best = days
                .iter()
                .skip(1)
                .map(|&d| (d, side(None, Some(d)).max(side(Some(d), None))))
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
            if let Some((d, p)) = best {
                if p >= level {
                    // The first cut found there is a cut of the whole range,
                    // whose sides are searched again with all their points.
                    let mut found = Vec::new();
                    split(&here, None, Some(d), params, &mut found);
                    split(&here, Some(d), None, params, &mut found);
                    if let Some(&c) = found.first() {
                        cuts.push(c);
                        split(points, lo, Some(c), params, cuts);
                        split(points, Some(c), hi, params, cuts);
                    }
                }
            }
        }
        None => {}
    }
}

/// Series with more dates than this are not searched for a change hidden
/// by a second one (the search costs the cube of the dates).
const MAX_DAYS_TO_PARTITION: usize = 200;

fn mean(p: &[Point]) -> f64 {
    p.iter().map(|x| x.score as f64).sum::<f64>() / p.len() as f64
}

/// Whether the segments `[lo, cut)` and `[cut, hi)` make a turn: the
/// probability of a change is that of their statements alone, or that of
/// the whole series (`whole`, see [`joint_change_probabilities`]) when it
/// is lower.
fn judge(
    points: &[Point],
    (lo, cut, hi): (Option<NaiveDate>, NaiveDate, Option<NaiveDate>),
    whole: Option<f64>,
    spread: f64,
    params: &ShiftParams,
) -> Option<Turn> {
    let before = inside(points, lo, Some(cut));
    let after = inside(points, Some(cut), hi);
    if before.is_empty() || after.is_empty() {
        return None;
    }
    let adjacent = change_probability(&inside(points, lo, hi), params);
    let confidence = whole.map_or(adjacent, |w| adjacent.min(w));
    let status = if confidence >= params.min_confidence as f64 {
        TurnStatus::Turn
    } else if confidence >= params.possible_confidence as f64 {
        TurnStatus::Possible
    } else {
        return None;
    };
    let (mb, ma) = (mean(&before), mean(&after));
    let magnitude = (ma - mb).abs();
    if magnitude < params.min_change as f64 * spread {
        return None;
    }
    let kind = if mb * ma < 0.0 {
        TurnKind::SignChange
    } else if ma.abs() < mb.abs() {
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
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32) -> DateSpan {
        DateSpan::day(NaiveDate::from_ymd_opt(2024, 1, n).unwrap())
    }

    /// Settings the expectations below are computed with.
    const P: ShiftParams = ShiftParams {
        min_change: 0.5,
        min_confidence: 0.7,
        possible_confidence: 0.4,
        change_prior: 0.2,
        error_rate: 0.1,
    };

    fn series(scores: &[(u32, f32)]) -> Vec<Point> {
        scores
            .iter()
            .enumerate()
            .map(|(key, &(d, score))| Point::scored(day(d), score, key))
            .collect()
    }

    /// The probability of a change by brute force: every assignment of a
    /// position to every day, weighted by the two models' priors.
    fn brute_force(points: &[Point], params: &ShiftParams) -> f64 {
        let obs = observations(points, params.error_rate as f64);
        let m = obs.len();
        let lik = |pos: &[bool]| -> f64 {
            obs.iter()
                .zip(pos)
                .map(|(o, &agree)| if agree { o.1.exp() } else { o.2.exp() })
                .product()
        };
        let one = 0.5 * lik(&vec![true; m]) + 0.5 * lik(&vec![false; m]);
        let mut two = 0.0;
        for cut in 1..m {
            for first in [true, false] {
                let pos: Vec<bool> = (0..m).map(|i| (i < cut) == first).collect();
                two += 0.5 * lik(&pos) / (m - 1) as f64;
            }
        }
        let p = params.change_prior as f64;
        p * two / (p * two + (1.0 - p) * one)
    }

    #[test]
    fn the_probability_matches_brute_force() {
        let p = P;
        for s in [
            series(&[(1, 0.6), (2, 0.5), (3, 0.7), (10, -0.5), (11, -0.6)]),
            series(&[(1, 0.9), (5, -0.9)]),
            series(&[(1, 0.2), (2, -0.1), (3, 0.4), (4, 0.3)]),
            series(&[(1, 0.8), (1, -0.8), (2, 0.5), (3, -0.9), (3, -0.7)]),
        ] {
            let (got, want) = (change_probability(&s, &p), brute_force(&s, &p));
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
    }

    #[test]
    fn finds_a_clear_reversal() {
        let s = series(&[(1, 0.8), (2, 0.7), (3, 0.9), (10, -0.7), (11, -0.8)]);
        let turns = detect_turns(&s, 0.5, &P);
        assert_eq!(turns.len(), 1);
        let t = &turns[0];
        assert_eq!(t.before, vec![0, 1, 2]);
        assert_eq!(t.after, vec![3, 4]);
        assert_eq!(t.kind, TurnKind::SignChange);
        assert_eq!(t.status, TurnStatus::Turn);
        assert!((t.magnitude - 1.55).abs() < 1e-5);
        // The two-segment posterior, worked out by hand.
        assert!((t.confidence - 0.740).abs() < 1e-3, "{}", t.confidence);
    }

    #[test]
    fn one_statement_on_each_side_is_at_most_possible() {
        let p = P;
        let s = series(&[(1, 0.95), (5, -0.95)]);
        let turns = detect_turns(&s, 0.5, &p);
        assert!(turns.iter().all(|t| t.status == TurnStatus::Possible));
        assert!(change_probability(&s, &p) < p.min_confidence as f64);
    }

    #[test]
    fn one_mis_scored_statement_does_not_make_a_turn() {
        let p = P;
        let s = series(&[(1, 0.7), (2, 0.6), (3, 0.8), (4, -0.6), (5, 0.7), (6, 0.6)]);
        assert!(detect_turns(&s, 0.5, &p)
            .iter()
            .all(|t| t.status != TurnStatus::Turn));
    }

    #[test]
    fn at_the_defaults_one_confident_misreading_is_no_turn() {
        // Calibrated probabilities as they are (no added error): a steady
        // speaker with one statement read 0.9 the other way, in the middle
        // or at the end of the series.
        let p = ShiftParams::default();
        let point = |d: u32, agree: f32, key: usize| {
            Point::with_probabilities(day(d), agree, 0.95 - agree, key)
        };
        for odd in [3, 5] {
            let s: Vec<Point> = (1..=5)
                .map(|d| point(d, if d == odd { 0.05 } else { 0.85 }, d as usize))
                .collect();
            let turns = detect_turns(&s, 0.5, &p);
            assert!(
                turns.iter().all(|t| t.status != TurnStatus::Turn),
                "{odd}: {turns:?}"
            );
        }
        // In the middle, the whole series decides: with likelihoods 0.9 /
        // 0.15 (agreeing) and 0.1 / 0.95 (the odd one), no change, a change
        // at either cut or at both weigh 0.64 · 0.03305, 0.16 · 0.00957
        // (twice) and 0.04 · 0.31167, so a change on day 3 has 0.3816
        // (0.527 from days 1–3 alone).
        let s: Vec<Point> = (1..=5)
            .map(|d| point(d, if d == 3 { 0.05 } else { 0.85 }, d as usize))
            .collect();
        let turns = detect_turns(&s, 0.5, &p);
        assert_eq!(turns.len(), 2, "{turns:?}");
        for t in &turns {
            assert!((t.confidence - 0.3816).abs() < 1e-3, "{turns:?}");
            assert_eq!(t.status, TurnStatus::Possible);
        }
    }

    #[test]
    fn steady_or_irrelevant_series_have_no_turn() {
        let p = P;
        let steady = series(&[(1, 0.5), (2, 0.3), (3, 0.6), (4, 0.4)]);
        assert!(detect_turns(&steady, 0.5, &p).is_empty());
        assert!(detect_turns(&[], 0.5, &p).is_empty());
        // Statements that take no side on the thesis carry no evidence.
        let off_topic: Vec<Point> = [
            (1, 0.08, 0.02),
            (2, 0.08, 0.02),
            (10, 0.02, 0.08),
            (11, 0.02, 0.08),
        ]
        .iter()
        .enumerate()
        .map(|(k, &(d, a, n))| Point::with_probabilities(day(d), a, n, k))
        .collect();
        assert!(change_probability(&off_topic, &p) < 0.3);
        assert!(detect_turns(&off_topic, 0.5, &p).is_empty());
    }

    #[test]
    fn same_day_points_never_make_a_turn() {
        let p = P;
        let s = series(&[(3, 0.9), (3, 0.9), (3, -0.9), (3, -0.9)]);
        assert_eq!(change_probability(&s, &p), 0.0);
        assert!(detect_turns(&s, 0.5, &p).is_empty());
    }

    #[test]
    fn a_move_to_neutral_is_no_turn() {
        let s = series(&[
            (1, 0.9),
            (2, 0.95),
            (3, 0.85),
            (10, -0.05),
            (11, 0.1),
            (12, 0.05),
        ]);
        assert!(detect_turns(&s, 0.3, &P).is_empty());
    }

    #[test]
    fn same_day_statements_stay_together_and_coarse_dates_sit_out() {
        let mut s = series(&[
            (5, 0.8),
            (5, 0.8),
            (6, 0.8),
            (20, -0.8),
            (20, -0.8),
            (21, -0.8),
        ]);
        // A month-dated statement overlapping every day.
        s.push(Point::scored(
            DateSpan {
                start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                end: NaiveDate::from_ymd_opt(2024, 1, 31).unwrap(),
            },
            0.9,
            9,
        ));
        let turns = detect_turns(&s, 0.5, &P);
        assert_eq!(turns.len(), 1, "{turns:?}");
        assert_eq!(turns[0].status, TurnStatus::Turn);
        assert_eq!(turns[0].before, vec![0, 1, 2]);
        assert_eq!(turns[0].after, vec![3, 4, 5]);
    }

    #[test]
    fn finds_two_turns() {
        let s = series(&[
            (1, 0.8),
            (2, 0.9),
            (3, 0.8),
            (10, -0.8),
            (11, -0.9),
            (12, -0.8),
            (20, 0.8),
            (21, 0.9),
            (22, 0.8),
        ]);
        let turns = detect_turns(&s, 0.4, &P);
        assert_eq!(turns.len(), 2, "{turns:?}");
        assert_eq!(turns[0].after[0], 3);
        assert_eq!(turns[1].after[0], 6);
        assert!(turns.iter().all(|t| t.status == TurnStatus::Turn));
    }
}
