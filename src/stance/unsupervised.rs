//! Stance without axes: the main opposition inside one topic.
//!
//! The topic's statements (vectors of the analysis space) are split in two
//! by 2-means, started from the sign of their projection on the first
//! principal direction (power iteration from a fixed start, so the result is
//! deterministic) and iterated until no statement changes side. The stance
//! of a statement is its position on the line through the two centroids:
//! the midpoint is 0, the centroids are +1 and −1, and scores are clipped to
//! [−1, 1].
//!
//! The report only looks for an opposition in topics where several speakers
//! speak (see `report::scoring`): the contested dimension of a debate is
//! learnt from disagreement, and splitting one speaker's own statements would
//! turn any change of subject into a change of position.
//!
//! The orientation is a convention, not a judgement: `+1` is the side with
//! more statements (on a tie, the side of the earliest statement in the
//! input). A report describes each pole by the statement closest to its
//! centroid. Shift detection only looks at changes of side, so the
//! orientation never changes which shifts are found.

use super::space::{dot, mean_of};
use crate::embeddings::Embeddings;

/// Topics smaller than this get no unsupervised axis: with fewer statements
/// any split is as good as another.
pub const MIN_STATEMENTS: usize = 4;

const POWER_ITERATIONS: usize = 200;
const MAX_LLOYD_ITERATIONS: usize = 100;

/// The two sides of a topic.
#[derive(Debug, Clone)]
pub struct Opposition {
    direction: Vec<f32>,
    midpoint: Vec<f32>,
    half_width_sq: f64,
    /// Positions (into the rows given to [`main_opposition`]) on the +1 side.
    #[cfg_attr(not(test), allow(dead_code))]
    pub positive: Vec<usize>,
    /// Positions on the −1 side.
    #[cfg_attr(not(test), allow(dead_code))]
    pub negative: Vec<usize>,
    /// The position closest to the +1 centroid.
    pub positive_exemplar: usize,
    /// The position closest to the −1 centroid.
    pub negative_exemplar: usize,
}

impl Opposition {
    /// The stance of a vector on this opposition, in [−1, 1].
    pub fn score(&self, x: &[f32]) -> f32 {
        let centred: Vec<f32> = x.iter().zip(&self.midpoint).map(|(a, m)| a - m).collect();
        (dot(&centred, &self.direction) / self.half_width_sq).clamp(-1.0, 1.0) as f32
    }
}

/// Splits the rows of one topic into its two sides; `None` when the topic
/// has fewer than [`MIN_STATEMENTS`] rows or all rows are identical.
pub fn main_opposition(rows: &Embeddings) -> Option<Opposition> {
    let n = rows.len();
    if n < MIN_STATEMENTS {
        return None;
    }
    let all: Vec<usize> = (0..n).collect();
    let mean = mean_of(rows, &all);
    let pc = first_principal_direction(rows, &mean)?;
    let mut side: Vec<bool> = (0..n)
        .map(|i| projection(rows.row(i), &mean, &pc) >= 0.0)
        .collect();
    for _ in 0..MAX_LLOYD_ITERATIONS {
        let (a, b) = split(&side);
        if a.is_empty() || b.is_empty() {
            break;
        }
        let (ca, cb) = (mean_of(rows, &a), mean_of(rows, &b));
        let next: Vec<bool> = (0..n)
            .map(|i| sq_dist(rows.row(i), &ca) <= sq_dist(rows.row(i), &cb))
            .collect();
        if next == side {
            break;
        }
        side = next;
    }
    let (a, b) = split(&side);
    if a.is_empty() || b.is_empty() {
        return None;
    }
    // The larger side is +1; on a tie, the side holding row 0.
    let (positive, negative) = if a.len() > b.len() || (a.len() == b.len() && side[0]) {
        (a, b)
    } else {
        (b, a)
    };
    let (cp, cn) = (mean_of(rows, &positive), mean_of(rows, &negative));
    let direction: Vec<f32> = cp.iter().zip(&cn).map(|(p, q)| p - q).collect();
    let half_width_sq = dot(&direction, &direction) / 2.0;
    if half_width_sq <= 0.0 {
        return None;
    }
    let midpoint: Vec<f32> = cp.iter().zip(&cn).map(|(p, q)| (p + q) / 2.0).collect();
    let closest = |members: &[usize], c: &[f32]| {
        *members
            .iter()
            .min_by(|&&i, &&j| sq_dist(rows.row(i), c).total_cmp(&sq_dist(rows.row(j), c)))
            .expect("non-empty side")
    };
    Some(Opposition {
        positive_exemplar: closest(&positive, &cp),
        negative_exemplar: closest(&negative, &cn),
        direction,
        midpoint,
        half_width_sq,
        positive,
        negative,
    })
}

fn split(side: &[bool]) -> (Vec<usize>, Vec<usize>) {
    let a = (0..side.len()).filter(|&i| side[i]).collect();
    let b = (0..side.len()).filter(|&i| !side[i]).collect();
    (a, b)
}

fn projection(x: &[f32], mean: &[f32], dir: &[f32]) -> f64 {
    x.iter()
        .zip(mean)
        .zip(dir)
        .map(|((a, m), d)| (*a as f64 - *m as f64) * *d as f64)
        .sum()
}

fn sq_dist(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = *x as f64 - *y as f64;
            d * d
        })
        .sum()
}

/// The leading eigenvector of the rows' covariance, by power iteration
/// started from the centred row farthest from the mean.
fn first_principal_direction(rows: &Embeddings, mean: &[f32]) -> Option<Vec<f32>> {
    let n = rows.len();
    let centred: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            rows.row(i)
                .iter()
                .zip(mean)
                .map(|(x, m)| *x as f64 - *m as f64)
                .collect()
        })
        .collect();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let start = centred
        .iter()
        .max_by(|a, b| norm(a).total_cmp(&norm(b)))
        .filter(|v| norm(v) > 0.0)?;
    let mut v: Vec<f64> = start.iter().map(|x| x / norm(start)).collect();
    for _ in 0..POWER_ITERATIONS {
        let mut w = vec![0f64; v.len()];
        for c in &centred {
            let p: f64 = c.iter().zip(&v).map(|(a, b)| a * b).sum();
            w.iter_mut().zip(c).for_each(|(wi, ci)| *wi += p * ci);
        }
        let nw = norm(&w);
        if nw == 0.0 {
            return None;
        }
        w.iter_mut().for_each(|x| *x /= nw);
        let change: f64 = w.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = w;
        if change < 1e-10 {
            break;
        }
    }
    Some(v.into_iter().map(|x| x as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(points: &[[f32; 3]]) -> Embeddings {
        Embeddings::new(3, points.iter().flatten().copied().collect()).unwrap()
    }

    #[test]
    fn splits_along_the_main_opposition() {
        // Two groups along x, with small noise along y and z.
        let e = rows(&[
            [1.0, 0.1, 0.0],
            [1.1, -0.1, 0.05],
            [0.9, 0.0, -0.05],
            [-1.0, 0.05, 0.0],
            [-0.9, -0.05, 0.1],
        ]);
        let o = main_opposition(&e).unwrap();
        assert_eq!(o.positive, vec![0, 1, 2]);
        assert_eq!(o.negative, vec![3, 4]);
        assert!(o.score(e.row(0)) > 0.8);
        assert!(o.score(e.row(3)) < -0.8);
        assert_eq!(o.score(&[5.0, 0.0, 0.0]), 1.0);
        assert!(o.positive.contains(&o.positive_exemplar));
        assert!(o.negative.contains(&o.negative_exemplar));
    }

    #[test]
    fn orientation_is_deterministic() {
        // A tie: the side holding row 0 is +1, whatever the row order of the rest.
        let e = rows(&[
            [-1.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.1, 0.0, 0.0],
            [-1.1, 0.0, 0.0],
        ]);
        let o = main_opposition(&e).unwrap();
        assert!(o.positive.contains(&0));
        assert!(o.score(e.row(0)) > 0.0);
    }

    #[test]
    fn small_or_flat_topics_have_no_axis() {
        assert!(main_opposition(&rows(&[[1.0, 0.0, 0.0]; 3])).is_none());
        assert!(main_opposition(&rows(&[[1.0, 0.0, 0.0]; 5])).is_none());
    }
}
