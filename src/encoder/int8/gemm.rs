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

/// Activation element types: how a quantized value `q` is stored.
trait ActElem: Copy + Send + Sync {
    const PAD: Self;
    fn from_q(q: i32) -> Self;
}
impl ActElem for u8 {
    const PAD: u8 = 128;
    #[inline(always)]
    fn from_q(q: i32) -> u8 {
        (q + 128) as u8
    }
}
impl ActElem for i8 {
    const PAD: i8 = 0;
    #[inline(always)]
    fn from_q(q: i32) -> i8 {
        q as i8
    }
}
impl ActElem for i16 {
    const PAD: i16 = 0;
    #[inline(always)]
    fn from_q(q: i32) -> i16 {
        q as i16
    }
}

/// Quantizes one row into `d` (padded), returning its scale.
#[inline(always)]
fn quantize_row<T: ActElem>(row: &[f32], d: &mut [T]) -> f32 {
    let amax = simd::max_abs(row);
    let sc = if amax > 0.0 { amax / 127.0 } else { 1.0 };
    let inv = 1.0 / sc;
    for (o, v) in d.iter_mut().zip(row) {
        *o = T::from_q(simd::quantize_127(v * inv));
    }
    for o in &mut d[row.len()..] {
        *o = T::PAD;
    }
    sc
}

simd::multiversion!(fn quantize_row_u8(row: &[f32], d: &mut [u8]) -> f32 = quantize_row(row, d));
simd::multiversion!(fn quantize_row_i8(row: &[f32], d: &mut [i8]) -> f32 = quantize_row(row, d));
simd::multiversion!(fn quantize_row_i16(row: &[f32], d: &mut [i16]) -> f32 = quantize_row(row, d));

trait Quantize: ActElem {
    fn quantize(level: simd::Level, row: &[f32], d: &mut [Self]) -> f32;
}
impl Quantize for u8 {
    fn quantize(level: simd::Level, row: &[f32], d: &mut [u8]) -> f32 {
        quantize_row_u8(level, row, d)
    }
}
impl Quantize for i8 {
    fn quantize(level: simd::Level, row: &[f32], d: &mut [i8]) -> f32 {
        quantize_row_i8(level, row, d)
    }
}
impl Quantize for i16 {
    fn quantize(level: simd::Level, row: &[f32], d: &mut [i16]) -> f32 {
        quantize_row_i16(level, row, d)
    }
}

fn quantize_slice<T: Quantize>(
    x: &[f32],
    k: usize,
    kp: usize,
    level: simd::Level,
    data: &mut [T],
    scale: &mut [f32],
) {
    data.par_chunks_mut(kp)
        .zip(scale.par_iter_mut())
        .zip(x.par_chunks(k.max(1)))
        .for_each(|((d, s), row)| *s = T::quantize(level, row, d));
}

fn resized<T: Quantize>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    if v.len() < len {
        v.resize(len, T::PAD);
    }
    &mut v[..len]
}

/// Rows of a [`QuantizedRows`] to fill, one chunk of a parallel loop.
pub struct QuantizedChunk<'a> {
    kp: usize,
    level: simd::Level,
    data: ActMut<'a>,
    scale: &'a mut [f32],
}

enum ActMut<'a> {
    U8(&'a mut [u8]),
    I8(&'a mut [i8]),
    I16(&'a mut [i16]),
}

impl QuantizedChunk<'_> {
    /// Quantizes `x` (`k` floats) into row `i` of the chunk.
    pub fn set_row(&mut self, i: usize, x: &[f32]) {
        let kp = self.kp;
        self.scale[i] = match &mut self.data {
            ActMut::U8(d) => u8::quantize(self.level, x, &mut d[i * kp..(i + 1) * kp]),
            ActMut::I8(d) => i8::quantize(self.level, x, &mut d[i * kp..(i + 1) * kp]),
            ActMut::I16(d) => i16::quantize(self.level, x, &mut d[i * kp..(i + 1) * kp]),
        };
    }
}

fn split_chunks<T>(mut d: &mut [T], size: usize, n: usize) -> Vec<&mut [T]> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let (a, b) = d.split_at_mut(size.min(d.len()));
        v.push(a);
        d = b;
    }
    v
}

impl QuantizedRows {
    /// Makes room for `rows` rows of `k` values quantized for `lin`'s tier
    /// and returns them in chunks of [`M_CHUNK`] rows to fill in parallel
    /// (every row must be set before the rows are used).
    pub fn chunks_for(&mut self, lin: &Int8Linear, rows: usize) -> Vec<QuantizedChunk<'_>> {
        let (k, tier) = (lin.k, lin.tier);
        let kp = round_up(k.max(1), KALIGN);
        match (act_format_of(tier), &mut self.data) {
            (ActFormat::U8Offset, ActData::U8(_))
            | (ActFormat::I8, ActData::I8(_))
            | (ActFormat::I16, ActData::I16(_)) => {}
            (ActFormat::U8Offset, d) => *d = ActData::U8(Vec::new()),
            (ActFormat::I8, d) => *d = ActData::I8(Vec::new()),
            (ActFormat::I16, d) => *d = ActData::I16(Vec::new()),
        }
        if self.scale.len() < rows {
            self.scale.resize(rows, 0.0);
        }
        self.rows = rows;
        self.kp = kp;
        let n = rows.div_ceil(M_CHUNK);
        let level = tier.simd_level();
        let scales = split_chunks(&mut self.scale[..rows], M_CHUNK, n);
        let len = rows * kp;
        let data: Vec<ActMut<'_>> = match &mut self.data {
            ActData::U8(d) => split_chunks(resized(d, len), M_CHUNK * kp, n)
                .into_iter()
                .map(ActMut::U8)
                .collect(),
            ActData::I8(d) => split_chunks(resized(d, len), M_CHUNK * kp, n)
                .into_iter()
                .map(ActMut::I8)
                .collect(),
            ActData::I16(d) => split_chunks(resized(d, len), M_CHUNK * kp, n)
                .into_iter()
                .map(ActMut::I16)
                .collect(),
        };
        data.into_iter()
            .zip(scales)
            .map(|(data, scale)| QuantizedChunk {
                kp,
                level,
                data,
                scale,
            })
            .collect()
    }

    /// An empty buffer for [`Int8Linear::forward_into`].
    pub fn empty() -> Self {
        QuantizedRows {
            rows: 0,
            kp: 0,
            data: ActData::I8(Vec::new()),
            scale: Vec::new(),
        }
    }
}

/// Quantizes `rows × k` floats per row with scale `max|x| / 127`, stored as
/// `tier`'s kernel reads them, into `q` (its memory reused).
pub fn quantize_rows_into(x: &[f32], rows: usize, k: usize, tier: Tier, q: &mut QuantizedRows) {
    assert_eq!(x.len(), rows * k, "activation shape");
    let kp = round_up(k.max(1), KALIGN);
    let level = tier.simd_level();
    let len = rows * kp;
    match (act_format_of(tier), &mut q.data) {
        (ActFormat::U8Offset, ActData::U8(_))
        | (ActFormat::I8, ActData::I8(_))
        | (ActFormat::I16, ActData::I16(_)) => {}
        (ActFormat::U8Offset, d) => *d = ActData::U8(Vec::new()),
        (ActFormat::I8, d) => *d = ActData::I8(Vec::new()),
        (ActFormat::I16, d) => *d = ActData::I16(Vec::new()),
    }
    if q.scale.len() < rows {
        q.scale.resize(rows, 0.0);
    }
    let scale = &mut q.scale[..rows];
    match &mut q.data {
        ActData::U8(d) => quantize_slice(x, k, kp, level, resized(d, len), scale),
        ActData::I8(d) => quantize_slice(x, k, kp, level, resized(d, len), scale),
        ActData::I16(d) => quantize_slice(x, k, kp, level, resized(d, len), scale),
    }
    q.rows = rows;
    q.kp = kp;
}

/// Quantizes `rows × k` floats per row with scale `max|x| / 127`, stored as
/// `tier`'s kernel reads them.
pub fn quantize_rows(x: &[f32], rows: usize, k: usize, tier: Tier) -> QuantizedRows {
    let mut q = QuantizedRows::empty();
    quantize_rows_into(x, rows, k, tier, &mut q);
    q
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

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{row_ptrs, Int8Linear, NR};

    /// Epilogue for 16 columns in a 512-bit register.
    #[inline(always)]
    unsafe fn store16_512<const RAW: bool>(
        lin: &Int8Linear,
        acc: __m512i,
        c0: usize,
        sx: f32,
        out: *mut f32,
    ) {
        let cols = (lin.n - c0).min(16);
        let mask: __mmask16 = if cols == 16 { !0 } else { (1u16 << cols) - 1 };
        if RAW {
            _mm512_mask_storeu_epi32(out as *mut i32, mask, acc);
        } else {
            let s = _mm512_mul_ps(
                _mm512_set1_ps(sx),
                _mm512_loadu_ps(lin.scale.as_ptr().add(c0)),
            );
            let y = _mm512_add_ps(
                _mm512_mul_ps(_mm512_cvtepi32_ps(acc), s),
                _mm512_loadu_ps(lin.bias.as_ptr().add(c0)),
            );
            _mm512_mask_storeu_ps(out, mask, y);
        }
    }

    /// Epilogue for 8 columns in a 256-bit register.
    #[inline(always)]
    unsafe fn store8_256<const RAW: bool>(
        lin: &Int8Linear,
        acc: __m256i,
        c0: usize,
        sx: f32,
        out: *mut f32,
    ) {
        if c0 >= lin.n {
            return;
        }
        let cols = (lin.n - c0).min(8);
        let y = if RAW {
            _mm256_castsi256_ps(acc)
        } else {
            let s = _mm256_mul_ps(
                _mm256_set1_ps(sx),
                _mm256_loadu_ps(lin.scale.as_ptr().add(c0)),
            );
            _mm256_add_ps(
                _mm256_mul_ps(_mm256_cvtepi32_ps(acc), s),
                _mm256_loadu_ps(lin.bias.as_ptr().add(c0)),
            )
        };
        if cols == 8 {
            _mm256_storeu_ps(out, y);
        } else {
            let mut t = [0f32; 8];
            _mm256_storeu_ps(t.as_mut_ptr(), y);
            std::ptr::copy_nonoverlapping(t.as_ptr(), out, cols);
        }
    }

    /// AVX-512 VNNI: 8 rows × 32 columns per micro-tile, `vpdpbusd`.
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx2,fma")]
    pub unsafe fn avx512vnni<const RAW: bool>(
        lin: &Int8Linear,
        a: &[u8],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        const MR: usize = 8;
        let kp = lin.kp;
        let groups = kp / 4;
        let panels = lin.n.div_ceil(NR);
        let mut p = 0;
        while p < panels {
            let two = p + 1 < panels;
            let b0 = lin.packed.as_ptr().add(p * groups * NR * 4);
            let b1 = if two { b0.add(groups * NR * 4) } else { b0 };
            let mut r0 = 0;
            while r0 < rows {
                let mr = (rows - r0).min(MR);
                let ap = row_ptrs::<u8, MR>(a, kp, m0 + r0, m0 + rows);
                let mut acc0 = [_mm512_setzero_si512(); MR];
                let mut acc1 = [_mm512_setzero_si512(); MR];
                for g in 0..groups {
                    let w0 = _mm512_loadu_si512(b0.add(g * NR * 4) as *const _);
                    let w1 = _mm512_loadu_si512(b1.add(g * NR * 4) as *const _);
                    for i in 0..MR {
                        let x =
                            _mm512_set1_epi32((ap[i].add(g * 4) as *const i32).read_unaligned());
                        acc0[i] = _mm512_dpbusd_epi32(acc0[i], x, w0);
                        acc1[i] = _mm512_dpbusd_epi32(acc1[i], x, w1);
                    }
                }
                for (pp, acc) in [(p, &acc0), (p + 1, &acc1)] {
                    if pp >= panels {
                        continue;
                    }
                    let c0 = pp * NR;
                    let off = _mm512_loadu_si512(lin.offset.as_ptr().add(c0) as *const _);
                    for (i, v) in acc.iter().enumerate().take(mr) {
                        let r = r0 + i;
                        let o = out.as_mut_ptr().add(r * lin.n + c0);
                        store16_512::<RAW>(lin, _mm512_sub_epi32(*v, off), c0, sx[m0 + r], o);
                    }
                }
                r0 += MR;
            }
            p += 2;
        }
    }

    /// AVX-VNNI: 6 rows × 16 columns per micro-tile, VEX `vpdpbusd`.
    #[target_feature(enable = "avxvnni,avx2,fma")]
    pub unsafe fn avxvnni<const RAW: bool>(
        lin: &Int8Linear,
        a: &[u8],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        const MR: usize = 6;
        let kp = lin.kp;
        let groups = kp / 4;
        let panels = lin.n.div_ceil(NR);
        for p in 0..panels {
            let b = lin.packed.as_ptr().add(p * groups * NR * 4);
            let c0 = p * NR;
            let off0 = _mm256_loadu_si256(lin.offset.as_ptr().add(c0) as *const _);
            let off1 = _mm256_loadu_si256(lin.offset.as_ptr().add(c0 + 8) as *const _);
            let mut r0 = 0;
            while r0 < rows {
                let mr = (rows - r0).min(MR);
                let ap = row_ptrs::<u8, MR>(a, kp, m0 + r0, m0 + rows);
                let mut acc = [[_mm256_setzero_si256(); 2]; MR];
                for g in 0..groups {
                    let w0 = _mm256_loadu_si256(b.add(g * NR * 4) as *const _);
                    let w1 = _mm256_loadu_si256(b.add(g * NR * 4 + 32) as *const _);
                    for i in 0..MR {
                        let x =
                            _mm256_set1_epi32((ap[i].add(g * 4) as *const i32).read_unaligned());
                        acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], x, w0);
                        acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], x, w1);
                    }
                }
                for (i, v) in acc.iter().enumerate().take(mr) {
                    let r = r0 + i;
                    let o = out.as_mut_ptr().add(r * lin.n + c0);
                    store8_256::<RAW>(lin, _mm256_sub_epi32(v[0], off0), c0, sx[m0 + r], o);
                    store8_256::<RAW>(
                        lin,
                        _mm256_sub_epi32(v[1], off1),
                        c0 + 8,
                        sx[m0 + r],
                        o.add(8),
                    );
                }
                r0 += MR;
            }
        }
    }

    /// AVX2: 6 rows × 8 columns per micro-tile. Each 16-byte load holds 4
    /// columns × 4 `k`; sign-extended to i16, `vpmaddwd` against the row's
    /// 4 activations (broadcast) gives per column two exact partial sums,
    /// added pairwise at the end.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn avx2<const RAW: bool>(
        lin: &Int8Linear,
        a: &[i16],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        const MR: usize = 6;
        let kp = lin.kp;
        let groups = kp / 4;
        let panels = lin.n.div_ceil(NR);
        for p in 0..panels {
            for h in 0..2 {
                let c0 = p * NR + h * 8;
                if c0 >= lin.n {
                    break;
                }
                let b = lin.packed.as_ptr().add(p * groups * NR * 4 + h * 32);
                let mut r0 = 0;
                while r0 < rows {
                    let mr = (rows - r0).min(MR);
                    let ap = row_ptrs::<i16, MR>(a, kp, m0 + r0, m0 + rows);
                    let mut acc = [[_mm256_setzero_si256(); 2]; MR];
                    for g in 0..groups {
                        let wg = b.add(g * NR * 4);
                        let w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(wg as *const _));
                        let w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(wg.add(16) as *const _));
                        for i in 0..MR {
                            let x = _mm256_set1_epi64x(
                                (ap[i].add(g * 4) as *const i64).read_unaligned(),
                            );
                            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x, w0));
                            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x, w1));
                        }
                    }
                    for (i, v) in acc.iter().enumerate().take(mr) {
                        let r = r0 + i;
                        // [c0 c0 c1 c1 | c2 c2 c3 c3] and [c4 c4 c5 c5 | c6 c6 c7 c7]
                        // → hadd [c0 c1 c4 c5 | c2 c3 c6 c7] → [c0 .. c7].
                        let s = _mm256_hadd_epi32(v[0], v[1]);
                        let s = _mm256_permute4x64_epi64::<0b11_01_10_00>(s);
                        let o = out.as_mut_ptr().add(r * lin.n + c0);
                        store8_256::<RAW>(lin, s, c0, sx[m0 + r], o);
                    }
                    r0 += MR;
                }
            }
        }
    }

    /// Portable x86-64 (SSE2, the baseline): 3 rows × 8 columns per
    /// micro-tile, i16 weights, `pmaddwd`.
    pub fn sse2<const RAW: bool>(
        lin: &Int8Linear,
        a: &[i16],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        const MR: usize = 3;
        let kp = lin.kp;
        let groups = kp / 4;
        let panels = lin.n.div_ceil(NR);
        let w = &lin.packed16;
        assert!(w.len() >= panels * groups * NR * 4 && a.len() >= (m0 + rows) * kp);
        // SAFETY: SSE2 is part of x86-64; every load below stays inside `w`
        // (whole panels, checked above) and `a` (rows m0..m0 + rows).
        unsafe {
            for p in 0..panels {
                for h in 0..2 {
                    let c0 = p * NR + h * 8;
                    if c0 >= lin.n {
                        break;
                    }
                    let b = w.as_ptr().add(p * groups * NR * 4 + h * 32);
                    let mut r0 = 0;
                    while r0 < rows {
                        let mr = (rows - r0).min(MR);
                        let ap = row_ptrs::<i16, MR>(a, kp, m0 + r0, m0 + rows);
                        let mut acc = [[_mm_setzero_si128(); 4]; MR];
                        for g in 0..groups {
                            let wg = b.add(g * NR * 4);
                            let w0 = _mm_loadu_si128(wg as *const _);
                            let w1 = _mm_loadu_si128(wg.add(8) as *const _);
                            let w2 = _mm_loadu_si128(wg.add(16) as *const _);
                            let w3 = _mm_loadu_si128(wg.add(24) as *const _);
                            for i in 0..MR {
                                let x = _mm_set1_epi64x(
                                    (ap[i].add(g * 4) as *const i64).read_unaligned(),
                                );
                                acc[i][0] = _mm_add_epi32(acc[i][0], _mm_madd_epi16(x, w0));
                                acc[i][1] = _mm_add_epi32(acc[i][1], _mm_madd_epi16(x, w1));
                                acc[i][2] = _mm_add_epi32(acc[i][2], _mm_madd_epi16(x, w2));
                                acc[i][3] = _mm_add_epi32(acc[i][3], _mm_madd_epi16(x, w3));
                            }
                        }
                        for (i, v) in acc.iter().enumerate().take(mr) {
                            let r = r0 + i;
                            let mut t = [0i32; 16];
                            for (q, x) in v.iter().enumerate() {
                                _mm_storeu_si128(t.as_mut_ptr().add(4 * q) as *mut _, *x);
                            }
                            let sums: [i32; 8] = std::array::from_fn(|c| t[2 * c] + t[2 * c + 1]);
                            let cols = (lin.n - c0).min(8);
                            let o = &mut out[r * lin.n + c0..r * lin.n + c0 + cols];
                            lin.finish_row::<RAW>(&sums[..cols], c0, sx[m0 + r], o);
                        }
                        r0 += MR;
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod arm {
    //! `sdot` and `smmla` are emitted with inline assembly: their intrinsics
    //! are not stable in Rust yet, while the target features are.
    use std::arch::aarch64::*;
    use std::arch::asm;

    use super::{row_ptrs, Int8Linear, NR};

    /// `acc += Σ₄ w[4c..4c+4] · x[4L..4L+4]` for the four 32-bit lanes c.
    #[inline(always)]
    unsafe fn sdot<const L: i32>(mut acc: int32x4_t, w: int8x16_t, x: int8x16_t) -> int32x4_t {
        asm!(
            "sdot {acc:v}.4s, {w:v}.16b, {x:v}.4b[{l}]",
            acc = inout(vreg) acc,
            w = in(vreg) w,
            x = in(vreg) x,
            l = const L,
            options(pure, nomem, nostack, preserves_flags)
        );
        acc
    }

    /// `acc (2×2) += a (2×8, rows) · bᵀ (b: 2×8, columns)`.
    #[inline(always)]
    unsafe fn smmla(mut acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
        asm!(
            "smmla {acc:v}.4s, {a:v}.16b, {b:v}.16b",
            acc = inout(vreg) acc,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags)
        );
        acc
    }

    /// Epilogue for 4 columns.
    #[inline(always)]
    unsafe fn store4<const RAW: bool>(
        lin: &Int8Linear,
        acc: int32x4_t,
        c0: usize,
        sx: f32,
        out: *mut f32,
    ) {
        if c0 >= lin.n {
            return;
        }
        let cols = (lin.n - c0).min(4);
        let y = if RAW {
            vreinterpretq_f32_s32(acc)
        } else {
            let s = vmulq_f32(vdupq_n_f32(sx), vld1q_f32(lin.scale.as_ptr().add(c0)));
            vaddq_f32(
                vmulq_f32(vcvtq_f32_s32(acc), s),
                vld1q_f32(lin.bias.as_ptr().add(c0)),
            )
        };
        if cols == 4 {
            vst1q_f32(out, y);
        } else {
            let mut t = [0f32; 4];
            vst1q_f32(t.as_mut_ptr(), y);
            std::ptr::copy_nonoverlapping(t.as_ptr(), out, cols);
        }
    }

    /// NEON `sdot`: 4 rows × 16 columns per micro-tile, 16 `k` per step.
    #[target_feature(enable = "neon,dotprod")]
    pub unsafe fn dot<const RAW: bool>(
        lin: &Int8Linear,
        a: &[i8],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        const MR: usize = 4;
        let kp = lin.kp;
        let panels = lin.n.div_ceil(NR);
        for p in 0..panels {
            let b = lin.packed.as_ptr().add(p * kp * NR);
            let mut r0 = 0;
            while r0 < rows {
                let mr = (rows - r0).min(MR);
                let ap = row_ptrs::<i8, MR>(a, kp, m0 + r0, m0 + rows);
                let mut acc = [[vdupq_n_s32(0); 4]; MR];
                for k16 in 0..kp / 16 {
                    let x: [int8x16_t; MR] = std::array::from_fn(|i| vld1q_s8(ap[i].add(16 * k16)));
                    macro_rules! step {
                        ($l:literal) => {{
                            let wg = b.add((4 * k16 + $l) * NR * 4);
                            let w: [int8x16_t; 4] =
                                std::array::from_fn(|q| vld1q_s8(wg.add(16 * q)));
                            for i in 0..MR {
                                for q in 0..4 {
                                    acc[i][q] = sdot::<$l>(acc[i][q], w[q], x[i]);
                                }
                            }
                        }};
                    }
                    step!(0);
                    step!(1);
                    step!(2);
                    step!(3);
                }
                for (i, v) in acc.iter().enumerate().take(mr) {
                    let r = r0 + i;
                    for (q, x) in v.iter().enumerate() {
                        let c0 = p * NR + 4 * q;
                        store4::<RAW>(
                            lin,
                            *x,
                            c0,
                            sx[m0 + r],
                            out.as_mut_ptr().add(r * lin.n + c0),
                        );
                    }
                }
                r0 += MR;
            }
        }
    }

    /// NEON i8mm `smmla`: 8 rows × 8 columns per micro-tile, 8 `k` per step.
    #[target_feature(enable = "neon,dotprod,i8mm")]
    pub unsafe fn i8mm<const RAW: bool>(
        lin: &Int8Linear,
        a: &[i8],
        sx: &[f32],
        m0: usize,
        rows: usize,
        out: &mut [f32],
    ) {
        const MR: usize = 8;
        let kp = lin.kp;
        let panels = lin.n.div_ceil(8);
        for p in 0..panels {
            let b = lin.packed.as_ptr().add(p * kp * 8);
            let mut r0 = 0;
            while r0 < rows {
                let mr = (rows - r0).min(MR);
                let ap = row_ptrs::<i8, MR>(a, kp, m0 + r0, m0 + rows);
                // acc[row pair][column pair] = [r0c0 r0c1 r1c0 r1c1].
                let mut acc = [[vdupq_n_s32(0); 4]; MR / 2];
                for k8 in 0..kp / 8 {
                    let wg = b.add(k8 * 64);
                    let w: [int8x16_t; 4] = std::array::from_fn(|q| vld1q_s8(wg.add(16 * q)));
                    for (pi, accp) in acc.iter_mut().enumerate() {
                        let x = vcombine_s8(
                            vld1_s8(ap[2 * pi].add(8 * k8)),
                            vld1_s8(ap[2 * pi + 1].add(8 * k8)),
                        );
                        for q in 0..4 {
                            accp[q] = smmla(accp[q], x, w[q]);
                        }
                    }
                }
                for (pi, v) in acc.iter().enumerate() {
                    for half in 0..2 {
                        let i = 2 * pi + half;
                        if i >= mr {
                            break;
                        }
                        let r = r0 + i;
                        for q2 in 0..2 {
                            let (lo, hi) = (
                                vreinterpretq_s64_s32(v[2 * q2]),
                                vreinterpretq_s64_s32(v[2 * q2 + 1]),
                            );
                            // Row `half` of column pairs 2·q2 and 2·q2 + 1.
                            let row = if half == 0 {
                                vzip1q_s64(lo, hi)
                            } else {
                                vzip2q_s64(lo, hi)
                            };
                            let c0 = p * 8 + 4 * q2;
                            store4::<RAW>(
                                lin,
                                vreinterpretq_s32_s64(row),
                                c0,
                                sx[m0 + r],
                                out.as_mut_ptr().add(r * lin.n + c0),
                            );
                        }
                    }
                }
                r0 += MR;
            }
        }
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
}
