//! Per-row symmetric quantization of activations into the storage each
//! kernel tier reads (`q + 128` as u8, i8 or i16), in parallel chunks.

use rayon::prelude::*;

use super::{
    act_format_of, round_up, ActData, ActFormat, Int8Linear, QuantizedRows, KALIGN, M_CHUNK,
};
use crate::encoder::int8::{simd, tier::Tier};

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
