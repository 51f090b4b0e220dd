//! Pseudo-random numbers for tests and benchmarks, the same on every run
//! and every machine.
//!
//! Test data has to be reproducible (a failure must come back when the test
//! is run again), so it comes from one fixed generator rather than from an
//! entropy-seeded one, and from one place rather than from a copy per test.
//! It is public only so that integration tests and benchmarks can reach it;
//! it is not part of volte's interface.

use crate::embeddings::Embeddings;

/// Knuth's MMIX linear congruential generator.
///
/// Its high bits are uniform enough for random weights and vectors; its low
/// bits are not, so every output is taken from the top. The seed is the
/// first state as it is: nearby seeds give different streams, but not
/// independent ones, which is no concern for test data.
#[derive(Debug, Clone)]
pub struct TestRng {
    state: u64,
}

impl TestRng {
    const MULTIPLIER: u64 = 6364136223846793005;
    const INCREMENT: u64 = 1442695040888963407;

    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next state.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self
            .state
            .wrapping_mul(Self::MULTIPLIER)
            .wrapping_add(Self::INCREMENT);
        self.state
    }

    /// Uniform in [0, 1), from the top 24 bits: as many as an `f32`
    /// mantissa holds, so every value is exact.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [-0.5, 0.5): centred, so that sums of many stay small.
    pub fn next_centred(&mut self) -> f32 {
        self.next_f32() - 0.5
    }

    /// The next `len` values of [`TestRng::next_centred`].
    pub fn centred(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.next_centred()).collect()
    }
}

/// `n` rows of `dim` values drawn by [`TestRng::centred`] from `seed`,
/// L2-normalized: pseudo-random unit vectors, as a model would give.
pub fn unit_rows(n: usize, dim: usize, seed: u64) -> Embeddings {
    let mut rows =
        Embeddings::new(dim, TestRng::new(seed).centred(n * dim)).expect("n rows of dim values");
    rows.normalize();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_repeat_and_stay_in_range() {
        let a: Vec<u64> = {
            let mut r = TestRng::new(7);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let mut r = TestRng::new(7);
        assert_eq!(a, (0..4).map(|_| r.next_u64()).collect::<Vec<_>>());
        assert_eq!(
            a[0],
            7u64.wrapping_mul(TestRng::MULTIPLIER)
                .wrapping_add(TestRng::INCREMENT)
        );
        assert_ne!(TestRng::new(8).next_u64(), a[0]);

        let values = TestRng::new(1).centred(10_000);
        assert!(values.iter().all(|v| (-0.5..0.5).contains(v)));
        let mean = values.iter().sum::<f32>() / values.len() as f32;
        assert!(mean.abs() < 0.02, "mean {mean}");
        // Both halves of the range are reached.
        assert!(values.iter().any(|&v| v < -0.45) && values.iter().any(|&v| v > 0.45));
    }

    #[test]
    fn unit_rows_have_unit_norm() {
        let rows = unit_rows(5, 16, 3);
        assert_eq!((rows.len(), rows.dim()), (5, 16));
        for i in 0..rows.len() {
            let norm = rows.row(i).iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5, "row {i}: {norm}");
        }
        assert_eq!(unit_rows(5, 16, 3).row(4), rows.row(4));
    }
}
