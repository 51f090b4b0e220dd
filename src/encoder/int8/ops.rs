//! Element-wise pieces of the transformer on the CPU: layer normalization,
//! GELU and the per-sequence attention, each compiled for the tier's vector
//! width (see [`simd::multiversion`]).

use rayon::prelude::*;

use super::simd::{self, madd, multiversion, Level};

/// `x ← LayerNorm(x + residual)` row by row (`residual` may be empty).
pub fn add_layer_norm(
    x: &mut [f32],
    residual: &[f32],
    w: &[f32],
    b: &[f32],
    eps: f32,
    level: Level,
) {
    let h = w.len();
    x.par_chunks_mut(h).enumerate().for_each(|(r, row)| {
        let res = if residual.is_empty() {
            &[][..]
        } else {
            &residual[r * h..(r + 1) * h]
        };
        layer_norm_row(level, row, res, w, b, eps)
    });
}

multiversion!(
    /// `row ← LayerNorm(row + res)` (`res` may be empty).
    pub fn layer_norm_row(row: &mut [f32], res: &[f32], w: &[f32], b: &[f32], eps: f32) = {
    let h = row.len();
    row.iter_mut().zip(res).for_each(|(a, b)| *a += b);
    let mean = simd::sum(row) / h as f32;
    let var = simd::sum_sq_dev(row, mean) / h as f32;
    let inv = 1.0 / (var + eps).sqrt();
    for ((v, g), bb) in row.iter_mut().zip(w).zip(b) {
        *v = (*v - mean) * inv * g + bb;
    }
});

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
pub fn gelu(x: &mut [f32], level: Level) {
    x.par_chunks_mut(4096).for_each(|c| gelu_chunk(level, c));
}

multiversion!(
    /// GELU (erf form) in place, on the calling thread.
    pub fn gelu_chunk(c: &mut [f32]) = {
    for v in c {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
});

/// Query rows per attention block, by vector width: enough independent
/// accumulators (`QB × KB / lanes`) to hide the FMA latency without spilling.
/// 8 rows at AVX-512 measured 3–4× slower than 4 (`cargo bench --bench
/// encode -- attention`: 39 ms vs 9 ms per layer at 128 tokens), so the
/// wide level uses 4 as well.
const QB_WIDE: usize = 4;
const QB_AVX2: usize = 4;
const QB_SSE2: usize = 2;
/// Keys per score block (and the padding of a head's key count).
const KB: usize = 16;

/// A pointer to the context matrix that tasks writing disjoint parts share.
#[derive(Clone, Copy)]
struct SharedOut(*mut f32);
// SAFETY: every task writes only the columns of its own head in the rows of
// its own sequence, so no two tasks touch the same element.
unsafe impl Send for SharedOut {}
unsafe impl Sync for SharedOut {}

/// Per-task buffers, reused across the tasks a thread runs.
#[derive(Default)]
struct Scratch {
    /// Keys of the head, transposed: `[hd][lp]`, zero past `len`.
    kt: Vec<f32>,
    /// Values of the head, contiguous: `[len][hd]`.
    v: Vec<f32>,
    /// Scores, then probabilities, of a query block: `[qb][lp]`.
    s: Vec<f32>,
    /// Scaled queries of the block: `[qb][hd]`.
    q: Vec<f32>,
}

/// Scaled dot-product attention inside each sequence. `qkv` holds, per
/// token, the query, key and value vectors (`3 × hidden`); sequences are
/// `[start, end)` token ranges. Writes the context vectors (`tokens ×
/// hidden`) to `ctx`.
///
/// Each (sequence, head) is one task: the head's keys are gathered
/// transposed and its values contiguous, then blocks of 4 queries × 16 keys
/// of scores and 4 queries × 16 value dimensions of context are computed in
/// registers, with a vectorized `exp` in the softmax.
pub fn attention(
    qkv: &[f32],
    seqs: &[(usize, usize)],
    hidden: usize,
    heads: usize,
    level: Level,
    ctx: &mut [f32],
) {
    let hd = hidden / heads;
    let tokens = qkv.len() / (3 * hidden);
    assert_eq!(ctx.len(), tokens * hidden, "context shape");
    assert!(
        seqs.iter().all(|&(a, b)| a <= b && b <= tokens),
        "sequence bounds"
    );
    let out = SharedOut(ctx.as_mut_ptr());
    let tasks: Vec<(usize, usize)> = (0..seqs.len())
        .flat_map(|s| (0..heads).map(move |h| (s, h)))
        .collect();
    thread_local! {
        static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
    }
    tasks.par_iter().for_each(|&(s, h)| {
        let (start, end) = seqs[s];
        SCRATCH.with(|sc| match sc.try_borrow_mut() {
            Ok(mut scratch) => {
                attend_head(level, qkv, start, end, hidden, h, hd, &mut scratch, out)
            }
            Err(_) => attend_head(
                level,
                qkv,
                start,
                end,
                hidden,
                h,
                hd,
                &mut Scratch::default(),
                out,
            ),
        })
    });
}

// One (sequence, head), specialized for the common head sizes.
multiversion!(fn attend_head(
    qkv: &[f32],
    start: usize,
    end: usize,
    hidden: usize,
    h: usize,
    hd: usize,
    scratch: &mut Scratch,
    out: SharedOut,
) = {
    const QB: usize = if WIDE { QB_WIDE } else if FMA { QB_AVX2 } else { QB_SSE2 };
    match hd {
        32 => head::<FMA, QB>(qkv, start, end, hidden, h, 32, scratch, out),
        64 => head::<FMA, QB>(qkv, start, end, hidden, h, 64, scratch, out),
        _ => head::<FMA, QB>(qkv, start, end, hidden, h, hd, scratch, out),
    }
});

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn head<const FMA: bool, const QB: usize>(
    qkv: &[f32],
    start: usize,
    end: usize,
    hidden: usize,
    h: usize,
    hd: usize,
    scratch: &mut Scratch,
    out: SharedOut,
) {
    let len = end - start;
    if len == 0 {
        return;
    }
    let lp = len.div_ceil(KB) * KB;
    let scale = 1.0 / (hd as f32).sqrt();
    let row =
        |t: usize, part: usize| &qkv[(start + t) * 3 * hidden + part * hidden + h * hd..][..hd];
    let Scratch { kt, v, s, q } = scratch;
    q.clear();
    q.resize(QB * hd, 0.0);
    kt.clear();
    kt.resize(hd * lp, 0.0);
    v.clear();
    v.reserve(len * hd);
    s.clear();
    s.resize(QB * lp, 0.0);
    for j in 0..len {
        for (d, &x) in row(j, 1).iter().enumerate() {
            kt[d * lp + j] = x;
        }
        v.extend_from_slice(row(j, 2));
    }
    let mut i0 = 0;
    while i0 < len {
        let rows = (len - i0).min(QB);
        // Scaled queries of the block (rows past the end repeat the last).
        for r in 0..QB {
            for (d, &x) in row(i0 + r.min(rows - 1), 0).iter().enumerate() {
                q[r * hd + d] = x * scale;
            }
        }
        // Scores: 4 queries × 16 keys at a time.
        for j0 in (0..lp).step_by(KB) {
            let mut acc = [[0f32; KB]; QB];
            for d in 0..hd {
                let kv: &[f32; KB] = kt[d * lp + j0..d * lp + j0 + KB].try_into().unwrap();
                for (r, a) in acc.iter_mut().enumerate() {
                    let x = q[r * hd + d];
                    for l in 0..KB {
                        a[l] = madd::<FMA>(x, kv[l], a[l]);
                    }
                }
            }
            for (r, a) in acc.iter().enumerate() {
                s[r * lp + j0..r * lp + j0 + KB].copy_from_slice(a);
            }
        }
        // Softmax numerators (zero past `len`) and their sums.
        let mut inv = [0f32; QB];
        for (r, inv) in inv.iter_mut().enumerate() {
            let sr = &mut s[r * lp..r * lp + len];
            let m = simd::max(sr);
            for x in sr.iter_mut() {
                *x = simd::exp(*x - m);
            }
            *inv = 1.0 / simd::sum(sr);
        }
        // Context: 4 queries × 16 value dimensions at a time.
        for d0 in (0..hd).step_by(KB) {
            let w = (hd - d0).min(KB);
            let mut acc = [[0f32; KB]; QB];
            if w == KB {
                for j in 0..len {
                    let vv: &[f32; KB] = v[j * hd + d0..j * hd + d0 + KB].try_into().unwrap();
                    for (r, a) in acc.iter_mut().enumerate() {
                        let p = s[r * lp + j];
                        for l in 0..KB {
                            a[l] = madd::<FMA>(p, vv[l], a[l]);
                        }
                    }
                }
            } else {
                for j in 0..len {
                    for (r, a) in acc.iter_mut().enumerate() {
                        let p = s[r * lp + j];
                        for l in 0..w {
                            a[l] = madd::<FMA>(p, v[j * hd + d0 + l], a[l]);
                        }
                    }
                }
            }
            for (r, a) in acc.iter().enumerate().take(rows) {
                let dst = (start + i0 + r) * hidden + h * hd + d0;
                for (l, &x) in a.iter().enumerate().take(w) {
                    // SAFETY: row start + i0 + r is in this task's sequence and
                    // column h·hd + d0 + l in its head: written by no other task;
                    // in bounds because the sequence lies within `tokens` rows.
                    unsafe { *out.0.add(dst + l) = x * inv[r] };
                }
            }
        }
        i0 += QB;
    }
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

    fn attention_vec(
        qkv: &[f32],
        seqs: &[(usize, usize)],
        hidden: usize,
        heads: usize,
        level: Level,
    ) -> Vec<f32> {
        let mut ctx = vec![0f32; qkv.len() / 3];
        attention(qkv, seqs, hidden, heads, level, &mut ctx);
        ctx
    }

    #[test]
    fn attention_of_one_token_is_its_value() {
        // hidden 4, 2 heads, one sequence of one token: context = value.
        let qkv = [1.0, 2.0, 3.0, 4.0, 0.5, 0.5, 0.5, 0.5, 9.0, 8.0, 7.0, 6.0];
        for level in [Level::Base, Level::Avx2, Level::Avx512] {
            assert_eq!(
                attention_vec(&qkv, &[(0, 1)], 4, 2, level),
                vec![9.0, 8.0, 7.0, 6.0]
            );
        }
    }

    /// Straightforward float64 attention.
    fn reference(qkv: &[f32], seqs: &[(usize, usize)], hidden: usize, heads: usize) -> Vec<f64> {
        let hd = hidden / heads;
        let mut out = vec![0f64; qkv.len() / 3];
        let at = |t: usize, part: usize, h: usize, d: usize| {
            qkv[t * 3 * hidden + part * hidden + h * hd + d] as f64
        };
        for &(a, b) in seqs {
            for h in 0..heads {
                for i in a..b {
                    let s: Vec<f64> = (a..b)
                        .map(|j| {
                            (0..hd)
                                .map(|d| at(i, 0, h, d) * at(j, 1, h, d))
                                .sum::<f64>()
                                / (hd as f64).sqrt()
                        })
                        .collect();
                    let m = s.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = s.iter().map(|x| (x - m).exp()).collect();
                    let z: f64 = e.iter().sum();
                    for d in 0..hd {
                        out[i * hidden + h * hd + d] =
                            (a..b).map(|j| e[j - a] * at(j, 2, h, d)).sum::<f64>() / z;
                    }
                }
            }
        }
        out
    }

    #[test]
    fn attention_matches_float64_on_ragged_sequences() {
        let mut rng = crate::test_rng::TestRng::new(9);
        let mut rnd = move || rng.next_f32() * 4.0 - 2.0;
        for (hidden, heads) in [(64, 2), (384, 12), (96, 1), (40, 2)] {
            let seqs = [(0, 1), (1, 6), (6, 23), (23, 23), (23, 60)];
            let qkv: Vec<f32> = (0..60 * 3 * hidden).map(|_| rnd()).collect();
            let want = reference(&qkv, &seqs, hidden, heads);
            for level in [Level::Base, Level::Avx2, Level::Avx512] {
                let got = attention_vec(&qkv, &seqs, hidden, heads, level);
                for (g, w) in got.iter().zip(&want) {
                    assert!((*g as f64 - w).abs() < 2e-5, "hidden {hidden}: {g} vs {w}");
                }
            }
        }
    }

    #[test]
    fn layer_norm_centres_and_scales() {
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        add_layer_norm(&mut x, &[], &[1.0; 4], &[0.0; 4], 0.0, Level::Avx2);
        let mean: f32 = x.iter().sum::<f32>() / 4.0;
        let var: f32 = x.iter().map(|v| v * v).sum::<f32>() / 4.0;
        assert!(mean.abs() < 1e-6 && (var - 1.0).abs() < 1e-5);
    }
}
