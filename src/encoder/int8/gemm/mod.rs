//! Int8 matrix multiplication for linear layers: `y = x · Wᵀ + b`.
//!
//! Weights are quantized once per output channel (symmetric int8, values in
//! [−127, 127]) and activations per row at run time (symmetric, the same
//! range). Every kernel tier computes the same exact integer dot products
//! `Σ q_x · q_w` (32-bit accumulation cannot overflow for k < 133,000) and
//! finishes them identically: `y = acc · (s_x · s_w) + b` (a multiply and an
//! add, not fused, so every tier rounds the same way).
//!
//! How each tier multiplies 8-bit values exactly:
//! - AVX-512 VNNI, AVX-VNNI: `vpdpbusd` multiplies unsigned by signed bytes,
//!   so activations are stored as `u8 = q + 128` and `128 · Σ q_w` is
//!   subtracted afterwards. The instruction adds four products into 32 bits
//!   without intermediate saturation.
//! - AVX2: `vpmaddubsw` would add two u8 × i8 products into a *saturating*
//!   16-bit value (2 · 255 · 127 = 64,770 > 32,767), so it is not used.
//!   Activations are stored as i16, weight bytes are sign-extended to i16
//!   (`vpmovsxbw`) and `vpmaddwd` adds pairs of i16 products into 32 bits:
//!   exact, at 16 multiplies per instruction.
//! - Portable (x86-64): the same with SSE2's `pmaddwd` on 128-bit registers,
//!   the weights kept as i16. Other architectures: plain loops.
//! - aarch64: `sdot` (signed × signed bytes, four products into 32 bits) and
//!   `smmla` (i8mm: a 2×8 by 8×2 block into 2×2 32-bit sums), both exact.
//!
//! The proptests below check every tier this CPU supports against a plain
//! scalar computation, integer for integer, on ragged shapes.

use rayon::prelude::*;

use super::simd;
use super::tier::Tier;

/// Output columns per packed panel.
const NR: usize = 16;
/// `k` is padded with zeros to a multiple of this.
const KALIGN: usize = 16;
/// Rows per parallel task (a multiple of every kernel's row block).
pub const M_CHUNK: usize = 48;

/// How the quantized weights are laid out in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `[n_pad / 16][kp / 4][16 columns][4]`: four consecutive `k` of one
    /// column in 32 bits (the operand shape of `vpdpbusd` and `sdot`).
    Panel16x4,
    /// `[n_pad / 8][kp / 8][8 columns][8]`: eight consecutive `k` of one
    /// column, two columns per 128-bit register (the operand of `smmla`).
    Panel8x8,
}

/// How quantized activations are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ActFormat {
    /// `q + 128` as u8 (for `vpdpbusd`).
    U8Offset,
    /// `q` as i8.
    I8,
    /// `q` as i16.
    I16,
}

fn layout_of(tier: Tier) -> Layout {
    match tier {
        Tier::NeonI8mm => Layout::Panel8x8,
        _ => Layout::Panel16x4,
    }
}

fn act_format_of(tier: Tier) -> ActFormat {
    match tier {
        Tier::Avx512Vnni | Tier::AvxVnni => ActFormat::U8Offset,
        Tier::Avx2 | Tier::Portable => ActFormat::I16,
        Tier::NeonDot | Tier::NeonI8mm => ActFormat::I8,
    }
}

/// Whether the portable tier keeps i16 weights (for SSE2's `pmaddwd`).
const PORTABLE_I16: bool = cfg!(target_arch = "x86_64");

/// A linear layer with int8 weights packed for one kernel tier.
pub struct Int8Linear {
    /// Output features.
    pub n: usize,
    /// Input features.
    pub k: usize,
    /// `k` rounded up to a multiple of [`KALIGN`].
    kp: usize,
    tier: Tier,
    layout: Layout,
    /// The quantized weights in `layout`.
    packed: Vec<i8>,
    /// The same as i16 (portable tier on x86-64 only; else empty).
    packed16: Vec<i16>,
    /// Per-output-channel scale (padded to whole panels with zeros).
    scale: Vec<f32>,
    /// Per-output-channel 128 × sum of quantized weights (for `q + 128`
    /// activations; read by the x86-64 VNNI kernels only).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    offset: Vec<i32>,
    /// Bias (padded like `scale`).
    bias: Vec<f32>,
}

enum ActData {
    U8(Vec<u8>),
    I8(Vec<i8>),
    I16(Vec<i16>),
}

/// Activations quantized per row for one tier, `rows × kp`.
pub struct QuantizedRows {
    pub rows: usize,
    kp: usize,
    data: ActData,
    scale: Vec<f32>,
}

impl QuantizedRows {
    /// The signed quantized value at `(row, col)`.
    pub fn q(&self, row: usize, col: usize) -> i32 {
        let i = row * self.kp + col;
        match &self.data {
            ActData::U8(d) => d[i] as i32 - 128,
            ActData::I8(d) => d[i] as i32,
            ActData::I16(d) => d[i] as i32,
        }
    }

    /// The scale of a row.
    pub fn scale(&self, row: usize) -> f32 {
        self.scale[row]
    }
}

fn round_up(x: usize, m: usize) -> usize {
    x.div_ceil(m) * m
}

impl Int8Linear {
    /// Quantizes `weight` (`n × k`, row-major, as stored by PyTorch linear
    /// layers) for the best tier of this CPU, and keeps `bias` (length `n`,
    /// or empty for none).
    pub fn new(weight: &[f32], bias: &[f32], n: usize, k: usize) -> Self {
        Self::for_tier(weight, bias, n, k, Tier::detect())
    }

    /// Like [`Int8Linear::new`], packed for `tier` (which must be supported
    /// here to run [`Int8Linear::forward`]).
    pub fn for_tier(weight: &[f32], bias: &[f32], n: usize, k: usize, tier: Tier) -> Self {
        assert_eq!(weight.len(), n * k, "weight is not {n}×{k}");
        assert!(bias.is_empty() || bias.len() == n, "bias length");
        let kp = round_up(k.max(1), KALIGN);
        let layout = layout_of(tier);
        let n_pad = round_up(n.max(1), NR);
        // Quantize each output channel.
        let mut q = vec![0i8; n * k];
        let mut scale = vec![0f32; n_pad];
        let mut offset = vec![0i32; n_pad];
        q.par_chunks_mut(k.max(1))
            .zip(weight.par_chunks(k.max(1)))
            .zip(scale.par_iter_mut().zip(offset.par_iter_mut()))
            .for_each(|((qr, w), (s, o))| {
                let amax = simd::max_abs(w);
                *s = if amax > 0.0 { amax / 127.0 } else { 1.0 };
                let inv = 1.0 / *s;
                let mut sum = 0i32;
                for (d, x) in qr.iter_mut().zip(w) {
                    let v = simd::quantize_127(x * inv) as i8;
                    sum += v as i32;
                    *d = v;
                }
                *o = 128 * sum;
            });
        let mut packed = vec![0i8; n_pad * kp];
        match layout {
            Layout::Panel16x4 => {
                packed
                    .par_chunks_mut(NR * kp)
                    .enumerate()
                    .for_each(|(p, panel)| {
                        for lane in 0..NR {
                            let col = p * NR + lane;
                            if col >= n {
                                break;
                            }
                            for (kk, &v) in q[col * k..(col + 1) * k].iter().enumerate() {
                                panel[((kk / 4) * NR + lane) * 4 + kk % 4] = v;
                            }
                        }
                    })
            }
            Layout::Panel8x8 => packed
                .par_chunks_mut(8 * kp)
                .enumerate()
                .for_each(|(p, panel)| {
                    for lane in 0..8 {
                        let col = p * 8 + lane;
                        if col >= n {
                            break;
                        }
                        for (kk, &v) in q[col * k..(col + 1) * k].iter().enumerate() {
                            panel[((kk / 8) * 8 + lane) * 8 + kk % 8] = v;
                        }
                    }
                }),
        }
        let packed16 = if tier == Tier::Portable && PORTABLE_I16 {
            let p16: Vec<i16> = packed.iter().map(|&v| v as i16).collect();
            packed = Vec::new();
            p16
        } else {
            Vec::new()
        };
        let mut bias = if bias.is_empty() {
            vec![0.0; n]
        } else {
            bias.to_vec()
        };
        bias.resize(n_pad, 0.0);
        Self {
            n,
            k,
            kp,
            tier,
            layout,
            packed,
            packed16,
            scale,
            offset,
            bias,
        }
    }

    /// The tier this layer was packed for.
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// The quantized weight of output `col` at input `kk`.
    pub fn weight_q(&self, col: usize, kk: usize) -> i32 {
        let i = match self.layout {
            Layout::Panel16x4 => {
                ((col / NR) * (self.kp / 4) + kk / 4) * NR * 4 + (col % NR) * 4 + kk % 4
            }
            Layout::Panel8x8 => ((col / 8) * (self.kp / 8) + kk / 8) * 64 + (col % 8) * 8 + kk % 8,
        };
        if self.packed16.is_empty() {
            self.packed[i] as i32
        } else {
            self.packed16[i] as i32
        }
    }

    /// Quantizes `x` (`rows × k`) per row, for [`Int8Linear::forward_quantized`].
    pub fn quantize(&self, x: &[f32], rows: usize) -> QuantizedRows {
        quantize_rows(x, rows, self.k, self.tier)
    }

    /// `x · Wᵀ + b` for `x` of `rows × k`; returns `rows × n`.
    pub fn forward(&self, x: &[f32], rows: usize) -> Vec<f32> {
        let q = self.quantize(x, rows);
        self.forward_quantized(&q)
    }

    /// Like [`Int8Linear::forward`] into `out` (`rows × n`), quantizing
    /// into `buf` (reused across calls: no allocation once it is large enough).
    pub fn forward_into(&self, x: &[f32], rows: usize, out: &mut [f32], buf: &mut QuantizedRows) {
        quantize_rows_into(x, rows, self.k, self.tier, buf);
        self.run::<false>(buf, out);
    }

    /// Like [`Int8Linear::forward_quantized`] into `out` (`rows × n`).
    pub fn forward_quantized_into(&self, q: &QuantizedRows, out: &mut [f32]) {
        self.run::<false>(q, out);
    }

    /// Like [`Int8Linear::forward`] on rows quantized beforehand.
    pub fn forward_quantized(&self, q: &QuantizedRows) -> Vec<f32> {
        let mut out = vec![0f32; q.rows * self.n];
        self.run::<false>(q, &mut out);
        out
    }

    /// Computes rows `m0 .. m0 + out.len() / n` of `q · Wᵀ + b` into `out`
    /// on the calling thread (for callers that run their own parallel
    /// loop and post-process each chunk while it is in cache).
    pub fn forward_rows(&self, q: &QuantizedRows, m0: usize, out: &mut [f32]) {
        assert_eq!(q.kp, self.kp, "activation width");
        assert!(
            self.tier.is_supported(),
            "int8 tier {} is not supported by this CPU",
            self.tier
        );
        let rows = out.len() / self.n.max(1);
        assert!(
            m0 + rows <= q.rows && out.len() == rows * self.n,
            "row range"
        );
        if rows > 0 && self.n > 0 {
            self.chunk::<false>(q, m0, rows, out);
        }
    }

    /// The exact integer dot products `Σ q_x · q_w` (`rows × n`), as the
    /// tier's kernel computes them.
    pub fn dot_products(&self, q: &QuantizedRows) -> Vec<i32> {
        let mut out = vec![0f32; q.rows * self.n];
        self.run::<true>(q, &mut out);
        out.into_iter().map(|v| v.to_bits() as i32).collect()
    }

    /// Runs the tier's kernel over row chunks in parallel. With `RAW`, each
    /// output holds the bits of the i32 dot product instead of the float.
    fn run<const RAW: bool>(&self, q: &QuantizedRows, out: &mut [f32]) {
        assert_eq!(q.kp, self.kp, "activation width");
        assert_eq!(out.len(), q.rows * self.n, "output shape");
        assert!(
            self.tier.is_supported(),
            "int8 tier {} is not supported by this CPU",
            self.tier
        );
        if q.rows == 0 || self.n == 0 {
            return;
        }
        let n = self.n;
        out.par_chunks_mut(M_CHUNK * n)
            .enumerate()
            .for_each(|(c, chunk)| {
                let m0 = c * M_CHUNK;
                let rows = chunk.len() / n;
                self.chunk::<RAW>(q, m0, rows, chunk);
            });
    }

    fn chunk<const RAW: bool>(&self, q: &QuantizedRows, m0: usize, rows: usize, out: &mut [f32]) {
        match (self.tier, &q.data) {
            #[cfg(target_arch = "x86_64")]
            // SAFETY (all arms): run() checked that the CPU supports the tier.
            (Tier::Avx512Vnni, ActData::U8(a)) => unsafe {
                x86::avx512vnni::<RAW>(self, a, &q.scale, m0, rows, out)
            },
            #[cfg(target_arch = "x86_64")]
            (Tier::AvxVnni, ActData::U8(a)) => unsafe {
                x86::avxvnni::<RAW>(self, a, &q.scale, m0, rows, out)
            },
            #[cfg(target_arch = "x86_64")]
            (Tier::Avx2, ActData::I16(a)) => unsafe {
                x86::avx2::<RAW>(self, a, &q.scale, m0, rows, out)
            },
            #[cfg(target_arch = "x86_64")]
            (Tier::Portable, ActData::I16(a)) => x86::sse2::<RAW>(self, a, &q.scale, m0, rows, out),
            #[cfg(target_arch = "aarch64")]
            (Tier::NeonDot, ActData::I8(a)) => unsafe {
                arm::dot::<RAW>(self, a, &q.scale, m0, rows, out)
            },
            #[cfg(target_arch = "aarch64")]
            (Tier::NeonI8mm, ActData::I8(a)) => unsafe {
                arm::i8mm::<RAW>(self, a, &q.scale, m0, rows, out)
            },
            #[cfg(not(target_arch = "x86_64"))]
            (Tier::Portable, ActData::I16(a)) => self.generic::<RAW>(a, &q.scale, m0, rows, out),
            (t, _) => unreachable!("no kernel for tier {t} on this architecture"),
        }
    }

    /// Plain loops over the i8 panel layout (portable tier off x86-64).
    #[allow(dead_code)]
    fn generic<const RAW: bool>(
        &self,
        a: &[i16],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        let (kp, n) = (self.kp, self.n);
        let groups = kp / 4;
        for p in 0..n.div_ceil(NR) {
            let panel = &self.packed[p * groups * NR * 4..(p + 1) * groups * NR * 4];
            let cols = (n - p * NR).min(NR);
            for r in 0..rows {
                let row = &a[(m0 + r) * kp..(m0 + r + 1) * kp];
                let mut acc = [0i32; NR];
                for (g, w) in panel.chunks_exact(NR * 4).enumerate() {
                    let x = &row[4 * g..4 * g + 4];
                    for (c, acc) in acc.iter_mut().enumerate() {
                        let wc = &w[4 * c..4 * c + 4];
                        *acc += x[0] as i32 * wc[0] as i32
                            + x[1] as i32 * wc[1] as i32
                            + x[2] as i32 * wc[2] as i32
                            + x[3] as i32 * wc[3] as i32;
                    }
                }
                let o = &mut out[r * n + p * NR..r * n + p * NR + cols];
                self.finish_row::<RAW>(&acc[..cols], p * NR, sx[m0 + r], o);
            }
        }
    }

    /// The scalar epilogue, the same arithmetic as the vector ones.
    #[inline(always)]
    fn finish_row<const RAW: bool>(&self, acc: &[i32], c0: usize, sx: f32, out: &mut [f32]) {
        for (j, (&a, o)) in acc.iter().zip(out.iter_mut()).enumerate() {
            *o = if RAW {
                f32::from_bits(a as u32)
            } else {
                finish(a, sx, self.scale[c0 + j], self.bias[c0 + j])
            };
        }
    }
}

/// `acc · (s_x · s_w) + b`, unfused: the epilogue every kernel computes.
#[inline(always)]
pub fn finish(acc: i32, sx: f32, sw: f32, b: f32) -> f32 {
    acc as f32 * (sx * sw) + b
}

/// Row pointers for a block of `MR` rows starting at `r`; rows past `end`
/// repeat the last one (their results are discarded).
#[inline(always)]
#[allow(dead_code)]
fn row_ptrs<T, const MR: usize>(a: &[T], kp: usize, r: usize, end: usize) -> [*const T; MR] {
    std::array::from_fn(|i| {
        let row = (r + i).min(end - 1);
        a[row * kp..].as_ptr()
    })
}

mod quantize;
pub use quantize::{quantize_rows, quantize_rows_into, QuantizedChunk};

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(target_arch = "aarch64")]
mod arm;

#[cfg(test)]
mod tests;
