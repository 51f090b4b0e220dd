//! Element-wise pieces of the transformer on the CPU: layer normalization,
//! GELU and the per-sequence attention.

use rayon::prelude::*;

use super::simd;

/// `x ← LayerNorm(x + residual)` row by row (`residual` may be empty).
pub fn add_layer_norm(x: &mut [f32], residual: &[f32], w: &[f32], b: &[f32], eps: f32) {
    let h = w.len();
    x.par_chunks_mut(h).enumerate().for_each(|(r, row)| {
        simd::dispatch(|| {
            if !residual.is_empty() {
                row.iter_mut()
                    .zip(&residual[r * h..(r + 1) * h])
                    .for_each(|(a, b)| *a += b);
            }
            let mean = row.iter().sum::<f32>() / h as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / h as f32;
            let inv = 1.0 / (var + eps).sqrt();
            for ((v, g), bb) in row.iter_mut().zip(w).zip(b) {
                *v = (*v - mean) * inv * g + bb;
            }
        })
    });
}

/// erf without `exp`, so loops over it vectorize: Abramowitz & Stegun
/// 7.1.28, absolute error below 3e-7.
#[inline(always)]
fn erf(x: f32) -> f32 {
    let a = x.abs();
    let p = 1.0
        + a * (0.070_523_08
            + a * (0.042_282_01
                + a * (0.009_270_527
                    + a * (0.000_152_014_3 + a * (0.000_276_567_2 + a * 0.000_043_063_8)))));
    let p2 = p * p;
    let p4 = p2 * p2;
    let p8 = p4 * p4;
    let r = 1.0 - 1.0 / (p8 * p8);
    r.copysign(x)
}

/// GELU (erf form), in place.
pub fn gelu(x: &mut [f32]) {
    x.par_chunks_mut(4096)
        .for_each(|c| simd::dispatch(|| gelu_chunk(c)));
}

#[inline(always)]
fn gelu_chunk(c: &mut [f32]) {
    for v in c {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// Scaled dot-product attention inside each sequence. `qkv` holds, per
/// token, the query, key and value vectors (`3 × hidden`); sequences are
/// `[start, end)` token ranges. Returns the context vectors (`tokens × hidden`).
pub fn attention(qkv: &[f32], seqs: &[(usize, usize)], hidden: usize, heads: usize) -> Vec<f32> {
    let hd = hidden / heads;
    let scale = 1.0 / (hd as f32).sqrt();
    let tokens = qkv.len() / (3 * hidden);
    let mut ctx = vec![0f32; tokens * hidden];
    // Split the output by sequence so each task writes its own rows.
    let mut parts: Vec<(&(usize, usize), &mut [f32])> = Vec::with_capacity(seqs.len());
    let mut rest = ctx.as_mut_slice();
    let mut at = 0;
    for s in seqs {
        let (_, tail) = rest.split_at_mut((s.0 - at) * hidden);
        let (mine, tail) = tail.split_at_mut((s.1 - s.0) * hidden);
        parts.push((s, mine));
        rest = tail;
        at = s.1;
    }
    parts.into_par_iter().for_each(|(&(start, end), out)| {
        simd::dispatch(|| {
            let len = end - start;
            let mut scores = vec![0f32; len];
            let mut kt = vec![0f32; len * hd];
            for h in 0..heads {
                // Keys of this head, contiguous.
                for j in 0..len {
                    let src = &qkv[(start + j) * 3 * hidden + hidden + h * hd..][..hd];
                    kt[j * hd..(j + 1) * hd].copy_from_slice(src);
                }
                for i in 0..len {
                    let q = &qkv[(start + i) * 3 * hidden + h * hd..][..hd];
                    let mut max = f32::NEG_INFINITY;
                    for (j, s) in scores.iter_mut().enumerate() {
                        let k = &kt[j * hd..(j + 1) * hd];
                        let d: f32 = q.iter().zip(k).map(|(a, b)| a * b).sum();
                        *s = d * scale;
                        max = max.max(*s);
                    }
                    let mut sum = 0f32;
                    for s in scores.iter_mut() {
                        *s = (*s - max).exp();
                        sum += *s;
                    }
                    let inv = 1.0 / sum;
                    let o = &mut out[i * hidden + h * hd..i * hidden + (h + 1) * hd];
                    o.iter_mut().for_each(|v| *v = 0.0);
                    for (j, s) in scores.iter().enumerate() {
                        let p = s * inv;
                        let v = &qkv[(start + j) * 3 * hidden + 2 * hidden + h * hd..][..hd];
                        o.iter_mut().zip(v).for_each(|(a, b)| *a += p * b);
                    }
                }
            }
        })
    });
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, e) in [
            (0.0f32, 0.0f32),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-2.0, -0.995_322_3),
            (3.5, 0.999_999_3),
        ] {
            assert!((erf(x) - e).abs() < 2e-6, "erf({x}) = {} not {e}", erf(x));
        }
    }

    #[test]
    fn attention_of_one_token_is_its_value() {
        // hidden 4, 2 heads, one sequence of one token: context = value.
        let qkv = [1.0, 2.0, 3.0, 4.0, 0.5, 0.5, 0.5, 0.5, 9.0, 8.0, 7.0, 6.0];
        assert_eq!(attention(&qkv, &[(0, 1)], 4, 2), vec![9.0, 8.0, 7.0, 6.0]);
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        add_layer_norm(&mut x, &[], &[1.0; 4], &[0.0; 4], 0.0);
        let mean: f32 = x.iter().sum::<f32>() / 4.0;
        let var: f32 = x.iter().map(|v| v * v).sum::<f32>() / 4.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
    }
}
