//! Which int8 kernel runs on this CPU.
//!
//! A [`Tier`] is one set of kernels (matrix multiplication and the
//! element-wise loops) and the instruction-set extensions it needs. The best
//! tier the CPU supports is detected at run time; `VOLTE_CPU=<tier>` (or
//! `--cpu-tier` on the command line) forces a lower one, so that every tier
//! can be run and tested on one machine. A tier the CPU lacks is refused.
//!
//! [`auto_precision`] holds the policy behind `--dtype auto` on the CPU:
//! the int8 tier, or float32 where no int8 tier beats it.

use std::fmt;

use crate::error::{bail, Result};

pub use super::cpu_features::{cpu_features, has_feature};

/// The environment variable that forces a tier.
pub const ENV: &str = crate::settings::CPU_TIER_VARIABLE;

/// An int8 kernel tier, best first in [`Tier::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// x86-64 AVX-512 (F, BW, DQ, VL) with VNNI: `vpdpbusd` on 512-bit registers.
    Avx512Vnni,
    /// x86-64 AVX-VNNI (Alder Lake and later, Zen 5): VEX `vpdpbusd` on 256-bit registers.
    AvxVnni,
    /// x86-64 AVX2 + FMA (Haswell, Zen 1–3): `vpmaddwd` on sign-extended 16-bit values.
    Avx2,
    /// aarch64 NEON with the 8-bit matrix multiply (`smmla`): Graviton 3, Apple M2+, Neoverse V1/N2.
    NeonI8mm,
    /// aarch64 NEON with the dot product (`sdot`): Graviton 2, Apple M1, Cortex-A76+.
    NeonDot,
    /// Plain Rust for the baseline instruction set (SSE2 on x86-64, NEON on aarch64).
    Portable,
}

impl Tier {
    /// Every tier, best first.
    pub const ALL: [Tier; 6] = [
        Tier::Avx512Vnni,
        Tier::AvxVnni,
        Tier::Avx2,
        Tier::NeonI8mm,
        Tier::NeonDot,
        Tier::Portable,
    ];

    /// The name used by `VOLTE_CPU`, `--cpu-tier` and the logs.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Avx512Vnni => "avx512vnni",
            Tier::AvxVnni => "avxvnni",
            Tier::Avx2 => "avx2",
            Tier::NeonI8mm => "neon-i8mm",
            Tier::NeonDot => "neon-dot",
            Tier::Portable => "portable",
        }
    }

    /// Parses a tier name (a few aliases accepted: `avx512`, `i8mm`, `dotprod`, `sdot`).
    pub fn parse(s: &str) -> Result<Tier> {
        let t = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match t.as_str() {
            "avx512vnni" | "avx512-vnni" | "avx512" => Tier::Avx512Vnni,
            "avxvnni" | "avx-vnni" => Tier::AvxVnni,
            "avx2" => Tier::Avx2,
            "neon-i8mm" | "i8mm" | "smmla" => Tier::NeonI8mm,
            "neon-dot" | "dotprod" | "sdot" | "neon" => Tier::NeonDot,
            "portable" | "generic" | "scalar" => Tier::Portable,
            _ => bail!(
                "unknown CPU tier {s:?} (one of: {})",
                Tier::ALL.map(Tier::name).join(", ")
            ),
        })
    }

    /// The CPU features the tier's functions enable; all must be present.
    pub fn required_features(self) -> &'static [&'static str] {
        match self {
            Tier::Avx512Vnni => &[
                "avx512f",
                "avx512bw",
                "avx512dq",
                "avx512vl",
                "avx512vnni",
                "avx2",
                "fma",
            ],
            Tier::AvxVnni => &["avxvnni", "avx2", "fma"],
            Tier::Avx2 => &["avx2", "fma"],
            Tier::NeonI8mm => &["neon", "dotprod", "i8mm"],
            Tier::NeonDot => &["neon", "dotprod"],
            Tier::Portable => &[],
        }
    }

    /// The architecture the tier's kernels are compiled for (`None`: any).
    pub fn arch(self) -> Option<&'static str> {
        match self {
            Tier::Avx512Vnni | Tier::AvxVnni | Tier::Avx2 => Some("x86_64"),
            Tier::NeonI8mm | Tier::NeonDot => Some("aarch64"),
            Tier::Portable => None,
        }
    }

    /// Whether this CPU has every feature the tier needs.
    pub fn is_supported(self) -> bool {
        self.arch().is_none_or(|a| a == std::env::consts::ARCH)
            && self.required_features().iter().all(|f| has_feature(f))
    }

    /// The tiers this CPU supports, best first (always ends with `Portable`).
    pub fn supported() -> Vec<Tier> {
        Tier::ALL.into_iter().filter(|t| t.is_supported()).collect()
    }

    /// The best tier this CPU supports.
    pub fn detect() -> Tier {
        Tier::ALL
            .into_iter()
            .find(|t| t.is_supported())
            .unwrap_or(Tier::Portable)
    }

    /// The vector width the element-wise loops are compiled for.
    pub fn simd_level(self) -> super::simd::Level {
        use super::simd::Level;
        match self {
            Tier::Avx512Vnni => Level::Avx512,
            Tier::AvxVnni | Tier::Avx2 => Level::Avx2,
            Tier::NeonI8mm | Tier::NeonDot | Tier::Portable => Level::Base,
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Tier {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Tier> {
        Tier::parse(s)
    }
}

/// Where the tier in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TierSource {
    /// The best tier of this CPU.
    Detected,
    /// Forced by the caller (`--cpu-tier`).
    Requested,
    /// Forced by `VOLTE_CPU`.
    Environment,
}

/// The tier to run: `requested` if given, else `configured` (that of the
/// [`crate::Settings`], `VOLTE_CPU`), else the best this CPU supports. A
/// forced tier the CPU lacks is an error naming the missing features.
pub fn select(requested: Option<Tier>, configured: Option<Tier>) -> Result<(Tier, TierSource)> {
    let (tier, source) = match requested {
        Some(t) => (t, TierSource::Requested),
        None => match configured {
            Some(t) => (t, TierSource::Environment),
            None => return Ok((Tier::detect(), TierSource::Detected)),
        },
    };
    if !tier.is_supported() {
        let missing: Vec<&str> = tier
            .required_features()
            .iter()
            .copied()
            .filter(|f| !has_feature(f))
            .collect();
        let why = if tier.arch().is_some_and(|a| a != std::env::consts::ARCH) {
            format!("it is for {}", tier.arch().unwrap_or("?"))
        } else {
            format!("this CPU lacks {}", missing.join(", "))
        };
        bail!(
            "CPU tier {tier} was requested{} but {why}; this CPU supports: {}",
            if source == TierSource::Environment {
                format!(" ({ENV})")
            } else {
                String::new()
            },
            Tier::supported()
                .iter()
                .map(|t| t.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok((tier, source))
}

/// What `--dtype auto` runs on the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuPath {
    /// The int8 encoder with this tier's kernels.
    Int8(Tier),
    /// The float32 encoder (candle).
    F32,
}

/// `--dtype auto` on the CPU: the faster of the int8 encoder on `tier` and
/// the float32 encoder, with the reason.
///
/// On x86-64 this was measured end to end (`scripts/bench_encode.py`,
/// BENCHMARKS.md: every tier forced in turn on one AVX-512 machine, float32
/// using AVX-512 there): the SIMD int8 tiers encode at least twice as
/// fast as float32; the portable int8 kernel about as fast on short sentences and
/// about 4× faster on ~50-token paragraphs, so it is kept as well (and a
/// CPU without AVX2 also leaves float32 without FMA). On aarch64 nothing
/// was measured: the `sdot`/`smmla` tiers do 4 to 8 multiplies per 32-bit
/// lane and instruction where float32 FMA does one, so they are chosen;
/// without the dot product the portable kernel's 16-bit multiplies have no
/// such advantage over NEON float32 FMA, so float32 (exact) is chosen there.
pub fn auto_precision(tier: Tier) -> (CpuPath, &'static str) {
    match tier {
        Tier::Avx512Vnni | Tier::AvxVnni | Tier::Avx2 | Tier::NeonI8mm | Tier::NeonDot => (
            CpuPath::Int8(tier),
            "int8 kernels for this instruction set beat float32",
        ),
        Tier::Portable if cfg!(target_arch = "x86_64") => (
            CpuPath::Int8(tier),
            "no SIMD int8 tier, but the portable int8 path still beats float32 on x86-64",
        ),
        Tier::Portable => (
            CpuPath::F32,
            "no SIMD int8 tier for this CPU; float32 is as fast and exact",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for t in Tier::ALL {
            assert_eq!(Tier::parse(t.name()).unwrap(), t);
            assert_eq!(t.to_string().parse::<Tier>().unwrap(), t);
        }
        assert_eq!(Tier::parse("AVX512_VNNI").unwrap(), Tier::Avx512Vnni);
        assert_eq!(Tier::parse("i8mm").unwrap(), Tier::NeonI8mm);
        assert!(Tier::parse("sse9").is_err());
    }

    #[test]
    fn portable_is_always_supported_and_detection_is_supported() {
        assert!(Tier::Portable.is_supported());
        assert!(Tier::detect().is_supported());
        assert_eq!(Tier::supported().last(), Some(&Tier::Portable));
        assert_eq!(Tier::supported()[0], Tier::detect());
    }

    #[test]
    fn a_tier_is_supported_only_with_all_its_features() {
        for t in Tier::ALL {
            if t.is_supported() {
                assert!(t.required_features().iter().all(|f| has_feature(f)));
            }
        }
        // A tier of the other architecture is never supported.
        let foreign = if cfg!(target_arch = "x86_64") {
            Tier::NeonDot
        } else {
            Tier::Avx2
        };
        assert!(!foreign.is_supported());
        assert!(select(Some(foreign), None).is_err());
    }

    /// Every `#[target_feature(enable = "…")]` in the kernels enables only
    /// features that the dispatch checks first: the GEMM kernel of a tier
    /// only those of [`Tier::required_features`], the element-wise loops
    /// only those of [`Level::required_features`](super::super::simd::Level),
    /// and each tier's element-wise level only features the tier checks.
    #[test]
    fn every_enabled_feature_is_checked_before_dispatch() {
        use super::super::simd::Level;
        let sources = [
            ("gemm/x86.rs", include_str!("gemm/x86.rs")),
            ("gemm/arm.rs", include_str!("gemm/arm.rs")),
            ("simd.rs", include_str!("simd.rs")),
        ];
        let mut seen = 0;
        for (file, src) in sources {
            let lines: Vec<&str> = src.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let Some(rest) = line.trim().strip_prefix("#[target_feature(enable = \"") else {
                    continue;
                };
                let enabled: Vec<&str> = rest.split('"').next().unwrap().split(',').collect();
                let name = lines[i + 1..]
                    .iter()
                    .find_map(|l| l.split("fn ").nth(1))
                    .and_then(|s| s.split(['<', '(']).next())
                    .unwrap_or_else(|| panic!("{file}:{}: no function", i + 1));
                let checked = match (file, name) {
                    ("gemm/x86.rs", "avx512vnni") => Tier::Avx512Vnni.required_features(),
                    ("gemm/x86.rs", "avxvnni") => Tier::AvxVnni.required_features(),
                    ("gemm/x86.rs", "avx2") => Tier::Avx2.required_features(),
                    ("gemm/arm.rs", "dot") => Tier::NeonDot.required_features(),
                    ("gemm/arm.rs", "i8mm") => Tier::NeonI8mm.required_features(),
                    ("simd.rs", "v4") => Level::Avx512.required_features(),
                    ("simd.rs", "v3") => Level::Avx2.required_features(),
                    _ => panic!(
                        "{file}:{}: {name} enables {enabled:?}; map it to its dispatch check here",
                        i + 1
                    ),
                };
                for f in &enabled {
                    assert!(
                        checked.contains(f),
                        "{file}: {name} enables {f}, which dispatch does not check"
                    );
                }
                seen += 1;
            }
        }
        assert_eq!(seen, 7, "target_feature functions found");
        for t in Tier::ALL {
            for f in t.simd_level().required_features() {
                assert!(
                    t.required_features().contains(f),
                    "tier {t} runs element-wise loops that enable {f} without checking it"
                );
            }
        }
    }

    #[test]
    fn requested_tier_wins() {
        assert_eq!(
            select(Some(Tier::Portable), None).unwrap(),
            (Tier::Portable, TierSource::Requested)
        );
    }
}
