//! Element-wise loops compiled for AVX-512 or AVX2 + FMA when the tier in
//! use allows it and the CPU has every feature the compiled function
//! enables, and for the baseline otherwise ([`multiversion`]); reductions
//! and `exp` written so that they vectorize.

/// The instruction set an element-wise loop is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The target's baseline (SSE2 on x86-64, NEON on aarch64).
    Base,
    /// AVX2 + FMA.
    Avx2,
    /// AVX-512 F, BW, DQ, VL with AVX2 + FMA.
    Avx512,
}

impl Level {
    /// Whether fused multiply-add is a single instruction at this level
    /// (else `mul_add` would be a slow library call on x86-64).
    pub fn has_fma(self) -> bool {
        self != Level::Base || cfg!(target_arch = "aarch64")
    }

    /// Every CPU feature the functions compiled for this level enable
    /// (the `target_feature` lists in [`multiversion`]); all are checked
    /// before such a function runs.
    pub fn required_features(self) -> &'static [&'static str] {
        match self {
            Level::Base => &[],
            Level::Avx2 => &["avx2", "fma"],
            Level::Avx512 => &["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx2", "fma"],
        }
    }

    /// Whether this CPU has every feature of the level.
    pub fn is_supported(self) -> bool {
        let arch_ok = self == Level::Base || cfg!(target_arch = "x86_64");
        arch_ok
            && self
                .required_features()
                .iter()
                .all(|f| super::cpu_features::has_feature(f))
    }
}

/// The best level whose features are all present (detected once).
pub fn best_level() -> Level {
    use std::sync::OnceLock;
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        [Level::Avx512, Level::Avx2]
            .into_iter()
            .find(|l| l.is_supported())
            .unwrap_or(Level::Base)
    })
}

/// Defines `fn name(level: Level, args…) -> ret` that evaluates `body`
/// inside a function compiled for `level` (lowered to the best level this
/// CPU supports: every feature the compiled function enables is checked).
/// In `body`, the constant `FMA` says whether fused multiply-add is one
/// instruction there (see [`madd`]) and `WIDE` whether the vectors are
/// 512 bits wide (32 registers). The body's callees must be
/// `#[inline(always)]` so that they are compiled with the same features;
/// a closure handed to a `target_feature` function is not reliably inlined,
/// and `f32::mul_add` outside one is a slow library call.
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? = $body:expr) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name(level: $crate::encoder::int8::simd::Level, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                use $crate::encoder::int8::simd::{best_level, Level};
                #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v4($($arg: $ty),*) $(-> $ret)? {
                    #[allow(dead_code)]
                    const FMA: bool = true;
                    #[allow(dead_code)]
                    const WIDE: bool = true;
                    $body
                }
                #[target_feature(enable = "avx2,fma")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn v3($($arg: $ty),*) $(-> $ret)? {
                    #[allow(dead_code)]
                    const FMA: bool = true;
                    #[allow(dead_code)]
                    const WIDE: bool = false;
                    $body
                }
                #[allow(clippy::too_many_arguments)]
                fn v1($($arg: $ty),*) $(-> $ret)? {
                    #[allow(dead_code)]
                    const FMA: bool = false;
                    #[allow(dead_code)]
                    const WIDE: bool = false;
                    $body
                }
                match level.min(best_level()) {
                    // SAFETY: best_level() checked every feature v4 enables
                    // (Level::required_features; a test compares the lists).
                    Level::Avx512 => unsafe { v4($($arg),*) },
                    // SAFETY: as above, for v3.
                    Level::Avx2 => unsafe { v3($($arg),*) },
                    Level::Base => v1($($arg),*),
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = level;
                #[allow(dead_code)]
                const FMA: bool = cfg!(target_arch = "aarch64");
                #[allow(dead_code)]
                const WIDE: bool = false;
                $body
            }
        }
    };
}
pub(crate) use multiversion;

/// `a · b + c`, fused where `FMA` says the level has the instruction.
#[inline(always)]
pub fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Lanes for sums and maxima that the compiler can vectorize (a plain
/// `iter().sum()` of floats is a sequential chain it must not reorder).
pub const LANES: usize = 16;

/// Sum of `x`, accumulated in [`LANES`] independent lanes.
#[inline(always)]
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    for (a, v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += v;
    }
    reduce_sum(acc)
}

/// Sum of squared deviations from `mean`, in lanes.
#[inline(always)]
pub fn sum_sq_dev(x: &[f32], mean: f32) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            let d = v - mean;
            *a += d * d;
        }
    }
    for (a, v) in acc.iter_mut().zip(chunks.remainder()) {
        let d = v - mean;
        *a += d * d;
    }
    reduce_sum(acc)
}

/// Largest `|x|` (0 for an empty slice), in lanes.
#[inline(always)]
pub fn max_abs(x: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            let m = v.abs();
            *a = if m > *a { m } else { *a };
        }
    }
    for (a, v) in acc.iter_mut().zip(chunks.remainder()) {
        let m = v.abs();
        *a = if m > *a { m } else { *a };
    }
    acc.iter().fold(0f32, |m, &v| if v > m { v } else { m })
}

/// Largest element (−∞ for an empty slice), in lanes.
#[inline(always)]
pub fn max(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let mut chunks = x.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = if v > *a { v } else { *a };
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a = if v > *a { v } else { *a };
    }
    acc.iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

#[inline(always)]
fn reduce_sum(acc: [f32; LANES]) -> f32 {
    // Pairwise, the same order at every level.
    let mut a = acc;
    let mut w = LANES / 2;
    while w > 0 {
        for i in 0..w {
            a[i] += a[i + w];
        }
        w /= 2;
    }
    a[0]
}

/// `e^x`, vectorizable (no library call): range reduction to
/// `x = n·ln 2 + r` and a degree-6 polynomial (Cephes `expf`); relative
/// error below 2e-7 for x in [−87, 88]; 0 below −87.3.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23: adding it rounds to an integer
    let x = x.clamp(-87.3, 88.3);
    let t = x * LOG2E + MAGIC;
    let n = t - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // 2^n from the integer in t's low mantissa bits.
    let ni = (t.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let pow = f32::from_bits(((ni + 127) as u32) << 23);
    let out = y * pow;
    if x <= -87.3 {
        0.0
    } else {
        out
    }
}

/// Rounds to the nearest integer, ties to even, for |x| < 2^22 (a library
/// call with `f32::round` on baseline x86-64; this vectorizes everywhere).
#[cfg(test)]
#[inline(always)]
pub fn round(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    (x + MAGIC) - MAGIC
}

/// `x` clamped to ±127 and rounded to the nearest integer (ties to even),
/// as an i32. Written with the magic-number trick, so that loops over it
/// vectorize: a saturating `as i32` with its NaN check does not. (A NaN
/// gives an unspecified value in range, not undefined behaviour.)
#[inline(always)]
pub fn quantize_127(x: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0;
    let t = x.clamp(-127.0, 127.0) + MAGIC;
    (t.to_bits() as i32).wrapping_sub(0x4B40_0000)
}

/// Runs `f` with a thread-local float buffer of `len` elements (contents
/// unspecified), reused across calls on the same thread.
pub fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|b| {
        // A nested call (none today) gets its own buffer instead of panicking.
        match b.try_borrow_mut() {
            Ok(mut v) => {
                if v.len() < len {
                    v.resize(len, 0.0);
                }
                f(&mut v[..len])
            }
            Err(_) => f(&mut vec![0.0; len]),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_accurate() {
        let mut worst = 0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let e = (x as f64).exp();
            let rel = ((exp(x) as f64 - e) / e).abs();
            worst = worst.max(rel);
            x += 0.013;
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert_eq!(exp(-1000.0), 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn reductions_match_plain_loops() {
        let x: Vec<f32> = (0..37).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        assert_eq!(sum(&x), x.iter().sum::<f32>());
        assert_eq!(max_abs(&x), 50.0);
        assert_eq!(max(&x), 50.0);
        assert_eq!(max(&[]), f32::NEG_INFINITY);
        assert_eq!(round(2.5), 2.0);
        assert_eq!(round(-3.5), -4.0);
        assert_eq!(round(126.6), 127.0);
        for (x, q) in [
            (0.5f32, 0),
            (1.5, 2),
            (-2.5, -2),
            (126.6, 127),
            (300.0, 127),
            (-1e9, -127),
            (-0.4, 0),
        ] {
            assert_eq!(quantize_127(x), q, "{x}");
        }
    }

    multiversion!(fn dot(a: &[f32], b: &[f32]) -> f32 = {
        let mut acc = 0.0;
        for (x, y) in a.iter().zip(b) {
            acc = madd::<FMA>(*x, *y, acc);
        }
        acc
    });

    #[test]
    fn every_level_runs_here() {
        for l in [Level::Base, Level::Avx2, Level::Avx512] {
            assert_eq!(dot(l, &[1.0, 2.0], &[3.0, 4.0]), 11.0);
        }
    }
}
