//! Stance without axes: the two camps of a topic, found from what the stance
//! model says about its statements taken two at a time.
//!
//! The stance model reads one statement as the thesis and another as the
//! statement: agreement (+) means they take the same side, disagreement (−)
//! opposite sides. For a topic with statements `1..n` and up to
//! [`MAX_REFERENCES`] reference statements `r` (the most central ones),
//! `A[r][j]` is the stance of statement `j` towards reference `r`.
//!
//! 1. **Camps.** Among the references, the symmetric agreement
//!    `S[r][q] = (A[r][q] + A[q][r]) / 2` is a signed graph. Its leading
//!    eigenvector (power iteration on `S + c·I`, deterministic start) splits
//!    the references into two camps: the signs of its entries. A topic where
//!    every reference lands in one camp is a consensus.
//! 2. **Scores.** A statement's stance is its mean agreement with the +1
//!    camp minus its mean agreement with the −1 camp, halved, in [−1, 1]
//!    (with a consensus: its mean agreement with everyone). A statement is
//!    never compared with itself.
//!
//! The orientation is a convention, as for embedding oppositions: +1 is the
//! larger camp (on a tie, the camp of the most central statement). Shift
//! detection only looks at changes of side, so it does not depend on it.
//!
//! Why this and not an embedding split: embeddings place a statement near
//! the statements of its own speaker and sub-question, whichever side it
//! takes; the stance model reads whether two statements agree.

use crate::error::{ensure, Result};

use super::cross_encoder::PairStance;

/// References per topic: the model reads `n × MAX_REFERENCES` pairs.
pub const MAX_REFERENCES: usize = 24;

/// Topics smaller than this get no camps.
pub const MIN_STATEMENTS: usize = 3;

const POWER_ITERATIONS: usize = 300;

/// The camps of one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Camps {
    /// Stance of every statement, in the order given, in [−1, 1].
    pub scores: Vec<f32>,
    /// Positions of the references in the +1 camp.
    pub positive: Vec<usize>,
    /// Positions of the references in the −1 camp (empty: a consensus).
    pub negative: Vec<usize>,
    /// The statement scoring highest, and lowest.
    pub positive_exemplar: usize,
    pub negative_exemplar: usize,
}

/// Finds the camps of a topic whose statements are `texts`, most central
/// first (the first [`MAX_REFERENCES`] are the references). `None` for
/// topics of fewer than [`MIN_STATEMENTS`] statements.
pub fn camps(texts: &[&str], model: &dyn PairStance) -> Result<Option<Camps>> {
    let n = texts.len();
    if n < MIN_STATEMENTS {
        return Ok(None);
    }
    let refs = n.min(MAX_REFERENCES);
    let mut pairs = Vec::with_capacity(refs * (n - 1));
    for r in 0..refs {
        for (j, t) in texts.iter().enumerate() {
            if j != r {
                pairs.push((texts[r], *t));
            }
        }
    }
    let scores = model.pair_stance(&pairs)?;
    ensure!(scores.len() == pairs.len(), "a score per pair");
    // a[r][j]: stance of j towards reference r (0 on the diagonal, unused).
    let mut a = vec![vec![0f64; n]; refs];
    let mut k = 0;
    for (r, row) in a.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            if j != r {
                *v = scores[k].stance() as f64;
                k += 1;
            }
        }
    }
    Ok(Some(split(&a)))
}

/// Camps and scores from the agreement rows `a` (`refs × n`).
fn split(a: &[Vec<f64>]) -> Camps {
    let refs = a.len();
    let n = a[0].len();
    let s: Vec<Vec<f64>> = (0..refs)
        .map(|r| {
            (0..refs)
                .map(|q| {
                    if r == q {
                        0.0
                    } else {
                        (a[r][q] + a[q][r]) / 2.0
                    }
                })
                .collect()
        })
        .collect();
    let v = leading_eigenvector(&s);
    let mut positive: Vec<usize> = (0..refs).filter(|&r| v[r] >= 0.0).collect();
    let mut negative: Vec<usize> = (0..refs).filter(|&r| v[r] < 0.0).collect();
    if negative.len() > positive.len()
        || (negative.len() == positive.len() && negative.contains(&0))
    {
        std::mem::swap(&mut positive, &mut negative);
    }
    let mean_with = |camp: &[usize], j: usize| -> Option<f64> {
        let vals: Vec<f64> = camp.iter().filter(|&&r| r != j).map(|&r| a[r][j]).collect();
        (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    };
    let scores: Vec<f32> = (0..n)
        .map(|j| {
            let score = match (mean_with(&positive, j), mean_with(&negative, j)) {
                (Some(p), Some(c)) => (p - c) / 2.0,
                (Some(p), None) if negative.is_empty() => p,
                (Some(p), None) => (p + 1.0) / 2.0,
                (None, Some(c)) => (-1.0 - c) / 2.0,
                (None, None) => 0.0,
            };
            score.clamp(-1.0, 1.0) as f32
        })
        .collect();
    let by = |better: fn(f32, f32) -> bool| {
        (0..n).fold(0, |best, j| {
            if better(scores[j], scores[best]) {
                j
            } else {
                best
            }
        })
    };
    Camps {
        positive_exemplar: by(|x, y| x > y),
        negative_exemplar: by(|x, y| x < y),
        scores,
        positive,
        negative,
    }
}

/// The eigenvector of the largest eigenvalue of a symmetric matrix, by
/// power iteration on `m + c·I` (`c` bounds the spectral radius, so every
/// eigenvalue is shifted to be non-negative), from the start `(1, 0.5, …)`.
fn leading_eigenvector(m: &[Vec<f64>]) -> Vec<f64> {
    let n = m.len();
    let c = m
        .iter()
        .map(|row| row.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let mut v: Vec<f64> = (0..n).map(|i| if i == 0 { 1.0 } else { 0.5 }).collect();
    for _ in 0..POWER_ITERATIONS {
        let mut next: Vec<f64> = (0..n)
            .map(|i| c * v[i] + m[i].iter().zip(&v).map(|(a, b)| a * b).sum::<f64>())
            .collect();
        let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            break;
        }
        next.iter_mut().for_each(|x| *x /= norm);
        v = next;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Agreement +0.8 inside a camp and −0.7 across, for camps given by sign.
    fn agreement(sides: &[i32], refs: usize) -> Vec<Vec<f64>> {
        (0..refs)
            .map(|r| {
                sides
                    .iter()
                    .enumerate()
                    .map(|(j, s)| {
                        if j == r {
                            0.0
                        } else if *s == sides[r] {
                            0.8
                        } else {
                            -0.7
                        }
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn two_camps_split_and_score() {
        let sides = [1, 1, -1, 1, -1, 1];
        let c = split(&agreement(&sides, 6));
        assert_eq!(c.positive, vec![0, 1, 3, 5]);
        assert_eq!(c.negative, vec![2, 4]);
        for (j, s) in sides.iter().enumerate() {
            assert!(c.scores[j] * *s as f32 > 0.5, "{j}: {}", c.scores[j]);
        }
        assert_eq!(sides[c.positive_exemplar], 1);
        assert_eq!(sides[c.negative_exemplar], -1);
    }

    #[test]
    fn statements_beyond_the_references_are_scored() {
        let sides = [1, -1, 1, -1, -1, 1, -1];
        let c = split(&agreement(&sides, 4));
        for (j, s) in sides.iter().enumerate() {
            assert!(c.scores[j] * *s as f32 > 0.5, "{j}: {}", c.scores[j]);
        }
    }

    #[test]
    fn a_consensus_has_one_camp() {
        let c = split(&agreement(&[1, 1, 1, 1], 4));
        assert!(c.negative.is_empty());
        assert!(c.scores.iter().all(|&s| (s - 0.8).abs() < 1e-6));
    }
}
