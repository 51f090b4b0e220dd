//! Every kernel tier this CPU supports against a scalar float64 reference
//! and against each other, integer for integer, on ragged shapes.

use super::*;
use proptest::prelude::*;

fn reference(x: &[f32], w: &[f32], b: &[f32], m: usize, n: usize, k: usize) -> Vec<f64> {
    let mut y = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut acc = b.get(j).copied().unwrap_or(0.0) as f64;
            for t in 0..k {
                acc += x[i * k + t] as f64 * w[j * k + t] as f64;
            }
            y[i * n + j] = acc;
        }
    }
    y
}

fn lcg(seed: u64, len: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Scalar integer dot products from the unpacked values: the oracle.
fn scalar_dots(lin: &Int8Linear, q: &QuantizedRows) -> Vec<i32> {
    let mut out = vec![0i32; q.rows * lin.n];
    for r in 0..q.rows {
        for c in 0..lin.n {
            out[r * lin.n + c] = (0..lin.k).map(|t| q.q(r, t) * lin.weight_q(c, t)).sum();
        }
    }
    out
}

/// Inputs with extremes: rows whose quantized values hit ±127 often,
/// so that any 16-bit saturation would show.
fn extreme(seed: u64, len: usize) -> Vec<f32> {
    lcg(seed, len)
        .into_iter()
        .map(|v| if v.abs() > 0.3 { v.signum() } else { v })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Every tier this CPU supports computes the same integers as the
    /// scalar oracle and the portable kernel, and the same floats; the
    /// result is close to float64 math.
    #[test]
    fn every_tier_equals_portable(m in 1usize..60, n in 1usize..80, k in 1usize..140, seed in 0u64..1000, extremes in any::<bool>()) {
        let gen = if extremes { extreme } else { lcg };
        let x = gen(seed, m * k);
        let w = gen(seed + 7, n * k);
        let b = lcg(seed + 13, n);
        let portable = Int8Linear::for_tier(&w, &b, n, k, Tier::Portable);
        let qp = portable.quantize(&x, m);
        let oracle = scalar_dots(&portable, &qp);
        let dots_p = portable.dot_products(&qp);
        prop_assert_eq!(&dots_p, &oracle);
        let y_p = portable.forward_quantized(&qp);
        for tier in Tier::supported() {
            let lin = Int8Linear::for_tier(&w, &b, n, k, tier);
            let q = lin.quantize(&x, m);
            for r in 0..m {
                prop_assert_eq!(q.scale(r).to_bits(), qp.scale(r).to_bits());
                for t in 0..k {
                    prop_assert_eq!(q.q(r, t), qp.q(r, t));
                }
            }
            prop_assert_eq!(&lin.dot_products(&q), &oracle, "tier {}", tier);
            let y = lin.forward(&x, m);
            prop_assert!(y.iter().zip(&y_p).all(|(a, b)| a.to_bits() == b.to_bits()), "tier {} floats", tier);
        }
        let exact = reference(&x, &w, &b, m, n, k);
        for (a, e) in y_p.iter().zip(&exact) {
            // Two 8-bit roundings per product: error well under 0.02·k·max|x|·max|w|.
            prop_assert!((*a as f64 - e).abs() <= 0.02 * k as f64 + 1e-3, "{} vs {}", a, e);
        }
    }
}

#[test]
fn saturating_pairs_are_exact() {
    // All activations +127 (u8 255 for VNNI) and all weights +127: every
    // pair of products is 32,258 (i16 range) in the signed schemes and
    // 64,770 in a u8 × i8 pair, which `vpmaddubsw` would saturate.
    let (m, n, k) = (13, 37, 300);
    let x = vec![1.0f32; m * k];
    let w = vec![1.0f32; n * k];
    for tier in Tier::supported() {
        let lin = Int8Linear::for_tier(&w, &[], n, k, tier);
        let q = lin.quantize(&x, m);
        assert!(
            lin.dot_products(&q)
                .iter()
                .all(|&d| d == 127 * 127 * k as i32),
            "{tier}"
        );
        let neg: Vec<f32> = w.iter().map(|v| -v).collect();
        let lin = Int8Linear::for_tier(&neg, &[], n, k, tier);
        assert!(
            lin.dot_products(&q)
                .iter()
                .all(|&d| d == -127 * 127 * k as i32),
            "{tier}"
        );
    }
}

#[test]
fn zero_rows_and_columns() {
    for tier in Tier::supported() {
        let lin = Int8Linear::for_tier(&[0.0; 8], &[1.0, 2.0], 2, 4, tier);
        assert_eq!(lin.forward(&[0.0; 4], 1), vec![1.0, 2.0]);
        assert!(lin.forward(&[], 0).is_empty());
    }
}
