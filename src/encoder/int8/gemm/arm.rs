//! The aarch64 kernels of [`Int8Linear`]: NEON `sdot` and i8mm `smmla`.
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
                        let w: [int8x16_t; 4] = std::array::from_fn(|q| vld1q_s8(wg.add(16 * q)));
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
