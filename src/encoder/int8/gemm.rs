//! Int8 matrix multiplication for linear layers: `y = x · Wᵀ + b`.
//!
//! Weights are quantized once per output channel (symmetric int8), and
//! activations per row at run time (symmetric int8, stored as `u8 = q + 128`
//! so the unsigned × signed dot-product instruction applies; the `+128`
//! offset is removed with the weights' column sums). Integer accumulation is
//! exact; the float result is `(acc − 128·colsum) · s_x · s_w + b`.
//!
//! On x86-64 with AVX-512 VNNI the inner kernel uses `vpdpbusd` on a packed
//! weight layout; elsewhere a portable kernel computes the same integers.

use rayon::prelude::*;

/// Output columns per packed panel (one 512-bit register of i32).
const NR: usize = 16;
/// Activation rows per micro-tile.
const MR: usize = 8;
/// Rows per parallel task.
const M_CHUNK: usize = 64;

/// A linear layer with int8 weights packed for the kernel.
pub struct Int8Linear {
    /// Output features.
    pub n: usize,
    /// Input features.
    pub k: usize,
    /// `k` rounded up to a multiple of 4.
    k4: usize,
    /// Panels of `NR` output columns: `[n_pad / NR][k4 / 4][NR][4]` int8.
    packed: Vec<i8>,
    /// Per-output-channel scale (padded to whole panels with zeros).
    scale: Vec<f32>,
    /// Per-output-channel 128 × sum of quantized weights (the +128 offset).
    offset: Vec<i32>,
    /// Bias (padded like `scale`).
    bias: Vec<f32>,
}

/// Activations quantized per row: `u8` values (q + 128), `rows × k4`.
pub struct QuantizedRows {
    pub rows: usize,
    k4: usize,
    data: Vec<u8>,
    scale: Vec<f32>,
}

fn round_up(x: usize, m: usize) -> usize {
    x.div_ceil(m) * m
}

impl Int8Linear {
    /// Quantizes `weight` (`n × k`, row-major, as stored by PyTorch linear
    /// layers) and keeps `bias` (length `n`, or empty for none).
    pub fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Self {
        assert_eq!(weight.len(), n * k, "weight is not {n}×{k}");
        assert!(bias.is_empty() || bias.len() == n, "bias length");
        let k4 = round_up(k, 4);
        let n_pad = round_up(n, NR);
        let mut packed = vec![0i8; n_pad * k4];
        let mut scale = vec![0f32; n_pad];
        let mut offset = vec![0i32; n_pad];
        for row in 0..n {
            let w = &weight[row * k..(row + 1) * k];
            let amax = w.iter().fold(0f32, |m, x| m.max(x.abs()));
            let s = if amax > 0.0 { amax / 127.0 } else { 1.0 };
            scale[row] = s;
            let (panel, lane) = (row / NR, row % NR);
            let mut sum = 0i32;
            for (kk, x) in w.iter().enumerate() {
                let q = (x / s).round().clamp(-127.0, 127.0) as i8;
                sum += q as i32;
                let idx = ((panel * (k4 / 4) + kk / 4) * NR + lane) * 4 + kk % 4;
                packed[idx] = q;
            }
            offset[row] = 128 * sum;
        }
        let mut bias = if bias.is_empty() {
            vec![0.0; n]
        } else {
            bias.to_vec()
        };
        bias.resize(n_pad, 0.0);
        Self {
            n,
            k,
            k4,
            packed,
            scale,
            offset,
            bias,
        }
    }

    /// Quantizes `x` (`rows × k`) per row, for [`Int8Linear::forward_quantized`].
    pub fn quantize(&self, x: &[f32], rows: usize) -> QuantizedRows {
        quantize_rows(x, rows, self.k)
    }

    /// `x · Wᵀ + b` for `x` of `rows × k`; returns `rows × n`.
    pub fn forward(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let q = self.quantize(x, rows);
        self.forward_quantized(&q)
    }

    /// Like [`Int8Linear::forward`] on rows quantized beforehand.
    pub fn forward_quantized(&self, q: &QuantizedRows) -> Vec<f32> {
        assert_eq!(q.k4, self.k4, "activation width");
        let n = self.n;
        let mut out = vec![0f32; q.rows * n];
        let use_vnni = vnni_available();
        out.par_chunks_mut(M_CHUNK * n)
            .enumerate()
            .for_each(|(c, out_chunk)| {
                let m0 = c * M_CHUNK;
                let rows = out_chunk.len() / n;
                if use_vnni {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the CPU supports the features, checked by vnni_available().
                    unsafe {
                        self.chunk_vnni(q, m0, rows, out_chunk)
                    }
                } else {
                    self.chunk_portable(q, m0, rows, out_chunk);
                }
            });
        out
    }

    #[inline]
    fn finish(&self, acc: i32, col: usize, sx: f32) -> f32 {
        ((acc - self.offset[col]) as f32).mul_add(sx * self.scale[col], self.bias[col])
    }

    /// Portable kernel: same integer arithmetic, no special instructions.
    fn chunk_portable(&self, q: &QuantizedRows, m0: usize, rows: usize, out: &mut [f32]) {
        let k4 = self.k4;
        let mut wrow = vec![0i8; k4];
        for col in 0..self.n {
            let (panel, lane) = (col / NR, col % NR);
            for g in 0..k4 / 4 {
                let base = ((panel * (k4 / 4) + g) * NR + lane) * 4;
                wrow[g * 4..g * 4 + 4].copy_from_slice(&self.packed[base..base + 4]);
            }
            for r in 0..rows {
                let a = &q.data[(m0 + r) * k4..(m0 + r + 1) * k4];
                let acc: i32 = a
                    .iter()
                    .zip(&wrow)
                    .map(|(&x, &w)| x as i32 * w as i32)
                    .sum();
                out[r * self.n + col] = self.finish(acc, col, q.scale[m0 + r]);
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn chunk_vnni(&self, q: &QuantizedRows, m0: usize, rows: usize, out: &mut [f32]) {
        use std::arch::x86_64::*;
        let k4 = self.k4;
        let groups = k4 / 4;
        let panels = round_up(self.n, NR) / NR;
        let mut r0 = 0;
        while r0 < rows {
            let mr = (rows - r0).min(MR);
            // Row pointers; rows past the end repeat the last row (results discarded).
            let mut a_ptr = [std::ptr::null::<u8>(); MR];
            for (i, p) in a_ptr.iter_mut().enumerate() {
                let r = m0 + r0 + i.min(mr - 1);
                *p = q.data.as_ptr().add(r * k4);
            }
            let mut p = 0;
            while p < panels {
                let two = p + 1 < panels;
                let b0 = self.packed.as_ptr().add(p * groups * NR * 4);
                let b1 = if two {
                    self.packed.as_ptr().add((p + 1) * groups * NR * 4)
                } else {
                    b0
                };
                let mut acc0 = [_mm512_setzero_si512(); MR];
                let mut acc1 = [_mm512_setzero_si512(); MR];
                for g in 0..groups {
                    let w0 = _mm512_loadu_si512(b0.add(g * NR * 4) as *const _);
                    let w1 = _mm512_loadu_si512(b1.add(g * NR * 4) as *const _);
                    for i in 0..MR {
                        let a =
                            _mm512_set1_epi32((a_ptr[i].add(g * 4) as *const i32).read_unaligned());
                        acc0[i] = _mm512_dpbusd_epi32(acc0[i], a, w0);
                        acc1[i] = _mm512_dpbusd_epi32(acc1[i], a, w1);
                    }
                }
                for (pp, acc) in [(p, &acc0), (p + 1, &acc1)] {
                    if pp >= panels || (pp == p + 1 && !two) {
                        continue;
                    }
                    let c0 = pp * NR;
                    let cols = (self.n - c0).min(NR);
                    let mask: __mmask16 = if cols == NR { !0 } else { (1u16 << cols) - 1 };
                    let off = _mm512_loadu_si512(self.offset.as_ptr().add(c0) as *const _);
                    let sc = _mm512_loadu_ps(self.scale.as_ptr().add(c0));
                    let bi = _mm512_loadu_ps(self.bias.as_ptr().add(c0));
                    for (i, a) in acc.iter().enumerate().take(mr) {
                        let r = r0 + i;
                        let sx = _mm512_set1_ps(q.scale[m0 + r]);
                        let v = _mm512_cvtepi32_ps(_mm512_sub_epi32(*a, off));
                        let y = _mm512_fmadd_ps(v, _mm512_mul_ps(sx, sc), bi);
                        _mm512_mask_storeu_ps(out.as_mut_ptr().add(r * self.n + c0), mask, y);
                    }
                }
                p += 2;
            }
            r0 += MR;
        }
    }
}

/// Quantizes `rows × k` floats per row to `u8` (q + 128) with scale `max|x| / 127`.
pub fn quantize_rows(x: &[f32], rows: usize, k: usize) -> QuantizedRows {
    assert_eq!(x.len(), rows * k, "activation shape");
    let k4 = round_up(k, 4);
    let mut data = vec![128u8; rows * k4];
    let mut scale = vec![0f32; rows];
    data.par_chunks_mut(k4)
        .zip(scale.par_iter_mut())
        .enumerate()
        .for_each(|(r, (d, s))| {
            super::simd::dispatch(|| {
                let row = &x[r * k..(r + 1) * k];
                let amax = row.iter().fold(0f32, |m, v| m.max(v.abs()));
                let sc = if amax > 0.0 { amax / 127.0 } else { 1.0 };
                let inv = 1.0 / sc;
                for (o, v) in d.iter_mut().zip(row) {
                    *o = ((v * inv).round().clamp(-127.0, 127.0) as i32 + 128) as u8;
                }
                *s = sc;
            })
        });
    QuantizedRows {
        rows,
        k4,
        data,
        scale,
    }
}

/// Whether the VNNI kernel can run here (and is not disabled by `VOLTE_NO_VNNI`).
pub fn vnni_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            std::env::var_os("VOLTE_NO_VNNI").is_none()
                && is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vnni")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Both kernels give the same result, close to float64 math.
        #[test]
        fn kernels_agree_and_approximate_float(m in 1usize..40, n in 1usize..70, k in 1usize..90, seed in 0u64..1000) {
            let x = lcg(seed, m * k);
            let w = lcg(seed + 7, n * k);
            let b = lcg(seed + 13, n);
            let lin = Int8Linear::new(&w, &b, n, k);
            let q = lin.quantize(&x, m);
            let mut portable = vec![0f32; m * n];
            for (c, chunk) in portable.chunks_mut(M_CHUNK * n).enumerate() {
                lin.chunk_portable(&q, c * M_CHUNK, chunk.len() / n, chunk);
            }
            let fast = lin.forward_quantized(&q);
            prop_assert_eq!(&fast, &portable);
            let exact = reference(&x, &w, &b, m, n, k);
            for (a, e) in fast.iter().zip(&exact) {
                // Two 8-bit roundings per product: error well under 0.02·k·max|x|·max|w|.
                prop_assert!((*a as f64 - e).abs() <= 0.02 * k as f64 + 1e-3, "{} vs {}", a, e);
            }
        }
    }

    #[test]
    fn zero_rows_and_columns() {
        let lin = Int8Linear::new(&[0.0; 8], &[1.0, 2.0], 2, 4);
        assert_eq!(lin.forward(&[0.0; 4], 1), vec![1.0, 2.0]);
    }
}
