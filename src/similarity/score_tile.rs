//! One tile of the score matrix on the CPU: `out = a · bᵀ` with the `gemm`
//! crate's SIMD kernels, single-threaded (parallelism comes from running
//! tiles concurrently, which also keeps every score independent of the
//! thread count).

/// Writes the `m × n` row-major product of `a` (`m × dim`) and `bᵀ`, where `b`
/// is `n × dim` row-major, into `out[..m * n]`.
pub fn scores(a: &[f32], b: &[f32], dim: usize, out: &mut [f32]) {
    let m = a.len() / dim;
    let n = b.len() / dim;
    assert!(a.len() == m * dim && b.len() == n * dim && out.len() >= m * n);
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: the strides below address exactly `a` (m × dim, row-major),
    // `bᵀ` (dim × n, read from row-major `b`) and `out` (m × n, row-major),
    // all checked in bounds above; `read_dst` is false so `out` is only written.
    unsafe {
        gemm::gemm(
            m,
            n,
            dim,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            dim as isize,
            b.as_ptr(),
            dim as isize,
            1,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_naive_product() {
        let dim = 5;
        let a: Vec<f32> = (0..3 * dim).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..4 * dim).map(|i| (i as f32 * 0.11).cos()).collect();
        let mut out = vec![0.0; 12];
        scores(&a, &b, dim, &mut out);
        for i in 0..3 {
            for j in 0..4 {
                let want: f32 = (0..dim).map(|t| a[i * dim + t] * b[j * dim + t]).sum();
                assert!((out[i * 4 + j] - want).abs() < 1e-5);
            }
        }
    }
}
