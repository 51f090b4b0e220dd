//! The x86-64 kernels of [`Int8Linear`]: AVX-512 VNNI and AVX-VNNI
//! (`vpdpbusd` on `q + 128` activations), AVX2 (`vpmaddwd` on i16) and the
//! SSE2 portable path (`pmaddwd`).

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
                    let x = _mm512_set1_epi32((ap[i].add(g * 4) as *const i32).read_unaligned());
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
                    let x = _mm256_set1_epi32((ap[i].add(g * 4) as *const i32).read_unaligned());
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
                        let x =
                            _mm256_set1_epi64x((ap[i].add(g * 4) as *const i64).read_unaligned());
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
                            let x =
                                _mm_set1_epi64x((ap[i].add(g * 4) as *const i64).read_unaligned());
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
