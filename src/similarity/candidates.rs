//! A per-row buffer of the best candidates seen so far, kept with a safety
//! margin so that the exact (float64) top-k can be recovered from
//! approximate (float32) scores.
//!
//! Candidates are ranked by score descending, then index ascending — a total
//! order, so the buffer's final content does not depend on the order in which
//! candidates were offered (and hence not on the number of threads):
//!
//! * when at most `capacity` candidates score within `margin` of the k-th best
//!   score `T`, the buffer ends up holding exactly the candidates scoring at
//!   least `T - margin`;
//! * otherwise it holds the `capacity` best candidates.
//!
//! Rejecting a candidate that scores below [`Candidates::entry`] never changes
//! that outcome, which lets scanners skip most scores with one comparison.

use std::cmp::Ordering;

/// How many candidates beyond `k` a buffer may keep for near-ties.
pub const SLACK: usize = 64;

/// One candidate: approximate score and column index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub score: f32,
    pub index: u32,
}

/// Score descending, then index ascending (NaN ranks last).
pub fn rank(a: &Candidate, b: &Candidate) -> Ordering {
    nan_last(b.score, a.score).then(a.index.cmp(&b.index))
}

fn nan_last(x: f32, y: f32) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
    }
}

/// The best candidates of one row, sorted by [`rank`].
#[derive(Debug, Clone)]
pub struct Candidates {
    items: Vec<Candidate>,
    k: usize,
    capacity: usize,
    margin: f32,
    entry: f32,
}

impl Candidates {
    /// A buffer for the top `k` with the given score margin; `k` must be positive.
    pub fn new(k: usize, margin: f32) -> Self {
        debug_assert!(k > 0);
        Self {
            items: Vec::new(),
            k,
            capacity: k + SLACK,
            margin,
            entry: f32::NEG_INFINITY,
        }
    }

    /// Scores strictly below this can never enter the buffer.
    #[inline]
    pub fn entry(&self) -> f32 {
        self.entry
    }

    /// The candidates held, best first.
    pub fn items(&self) -> &[Candidate] {
        &self.items
    }

    /// Offers one candidate.
    #[inline]
    pub fn offer(&mut self, index: u32, score: f32) {
        // NaN scores never enter.
        if score.is_nan() || score < self.entry {
            return;
        }
        let c = Candidate { score, index };
        let pos = self
            .items
            .partition_point(|x| rank(x, &c) == Ordering::Less);
        if pos >= self.capacity {
            return;
        }
        self.items.insert(pos, c);
        self.items.truncate(self.capacity);
        self.prune();
    }

    fn prune(&mut self) {
        if self.items.len() < self.k {
            self.entry = f32::NEG_INFINITY;
            return;
        }
        let cutoff = self.items[self.k - 1].score - self.margin;
        while self.items.last().is_some_and(|c| c.score < cutoff) {
            self.items.pop();
        }
        self.entry = if self.items.len() == self.capacity {
            cutoff.max(self.items[self.capacity - 1].score)
        } else {
            cutoff
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(c: &Candidates) -> Vec<u32> {
        c.items().iter().map(|x| x.index).collect()
    }

    #[test]
    fn keeps_top_k_and_near_ties_in_rank_order() {
        let mut c = Candidates::new(2, 0.1);
        for (i, s) in [0.1f32, 0.9, 0.5, 0.85, 0.95, 0.2].iter().enumerate() {
            c.offer(i as u32, *s);
        }
        // k-th best is 0.9; 0.85 is within the margin, 0.5 is not.
        assert_eq!(indices(&c), vec![4, 1, 3]);
        assert!((c.entry() - 0.8).abs() < 1e-6);
    }

    #[test]
    fn equal_scores_order_by_index() {
        let mut c = Candidates::new(3, 0.0);
        for i in [5u32, 2, 9, 1] {
            c.offer(i, 0.5);
        }
        assert_eq!(indices(&c), vec![1, 2, 5, 9]);
    }

    #[test]
    fn content_does_not_depend_on_offer_order() {
        let scores: Vec<f32> = (0..500)
            .map(|i| ((i * 7919) % 101) as f32 / 100.0)
            .collect();
        let margin = 0.015;
        let mut forward = Candidates::new(5, margin);
        for (i, s) in scores.iter().enumerate() {
            forward.offer(i as u32, *s);
        }
        let mut split = [Candidates::new(5, margin), Candidates::new(5, margin)];
        for (i, s) in scores.iter().enumerate().rev() {
            split[i % 2].offer(i as u32, *s);
        }
        let mut merged = split[1].clone();
        for c in split[0].items() {
            merged.offer(c.index, c.score);
        }
        assert_eq!(forward.items(), merged.items());

        let mut all: Vec<Candidate> = scores
            .iter()
            .enumerate()
            .map(|(i, &score)| Candidate {
                score,
                index: i as u32,
            })
            .collect();
        all.sort_by(rank);
        let cutoff = all[4].score - margin;
        all.retain(|c| c.score >= cutoff);
        assert_eq!(forward.items(), &all[..]);
    }

    #[test]
    fn many_ties_keep_the_first_capacity_by_index() {
        let mut c = Candidates::new(3, 0.01);
        for i in (0..200u32).rev() {
            c.offer(i, 0.5);
        }
        assert_eq!(indices(&c), (0..3 + SLACK as u32).collect::<Vec<_>>());
    }
}
