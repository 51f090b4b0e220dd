//! Cosine-similarity search over L2-normalized embeddings, tiled so memory never grows as n².
//!
//! Three searches share one interface:
//! - [`top_k_self`]: the `k` most similar other rows of every row;
//! - [`top_k`]: the `k` most similar corpus rows of every query row;
//! - [`pairs_above`]: every pair of rows scoring at least a threshold.
//!
//! Scores are dot products (cosine similarity for unit rows). They are
//! computed in float32 tile by tile — with the `gemm` crate's SIMD kernels on
//! the CPU, or candle's `matmul` on a [`Backend::Device`] — and every
//! candidate within the float32 error bound of the cut-off is re-scored in
//! float64. Results therefore equal a float64 brute force: neighbours are
//! chosen by float64 score (ties by smaller index) and listed by score
//! descending, then index ascending; pairs `a < b` are listed by score
//! descending, then `a`, then `b`. Tiles have a fixed size and each score is
//! computed by one single-threaded GEMM call, so results do not depend on
//! the number of threads. The one exception to float64 exactness: when more
//! than `k + 64` candidates of a row tie within the error bound, the buffer
//! keeps the 64 + k best by float32 score.
//!
//! Memory: the candidate buffers (O(n·k)) plus one tile per thread; pairs
//! take 12 bytes each.

#[cfg(test)]
mod brute;
mod candidates;
pub(crate) mod condensed;
mod cpu;
mod device_search;
mod exact;
pub mod ivf;
mod scan;
pub mod score_tile;
mod tiles;

use crate::error::{Error, Result, UsageError};
use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::embeddings::Embeddings;
use crate::progress::Progress;

pub use exact::dot_f64;

/// Rows per tile side on the CPU (a 512 × 512 float32 tile is 1 MiB).
pub const CPU_TILE: usize = 512;
/// Rows per tile side on a device (`arg_sort` on CUDA sorts a tile row in
/// shared memory, which caps the width).
pub const DEVICE_TILE: usize = 4096;

/// One neighbour of a row.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Neighbor {
    /// Row index in the corpus.
    pub index: u32,
    /// Cosine similarity (float64-exact, rounded to float32).
    pub score: f32,
}

/// Two rows `a < b` and their similarity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub a: u32,
    pub b: u32,
    /// Cosine similarity (float64-exact, rounded to float32).
    pub score: f32,
}

/// Where score tiles are computed.
#[derive(Debug, Clone, Default)]
pub enum Backend {
    /// SIMD GEMM (`gemm` crate) on the rayon thread pool.
    #[default]
    Cpu,
    /// candle tensors on a device: CUDA or Metal when built in; `Device::Cpu`
    /// runs the same tensor code on the CPU.
    Device(Device),
}

impl Backend {
    /// The CPU kernel for `Device::Cpu`, the device path otherwise.
    pub fn for_device(device: &Device) -> Self {
        if device.is_cpu() {
            Backend::Cpu
        } else {
            Backend::Device(device.clone())
        }
    }

    fn default_tile(&self) -> usize {
        match self {
            Backend::Cpu => CPU_TILE,
            Backend::Device(_) => DEVICE_TILE,
        }
    }
}

/// How to run a search.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct SearchOptions<'a> {
    pub backend: Backend,
    /// Rows per tile side (default: [`CPU_TILE`] or [`DEVICE_TILE`]).
    pub tile: Option<usize>,
    /// [`pairs_above`] fails once more pairs than this qualify (default: no limit).
    pub max_pairs: Option<usize>,
    /// Started with the number of tiles, advanced by one per tile.
    pub progress: Option<&'a dyn Progress>,
    /// How the pair searches ([`pairs_above`], [`pair_indices_above`]) find
    /// their candidates.
    pub index: PairIndex,
}

impl<'a> SearchOptions<'a> {
    /// On this backend.
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// With this many rows per tile side.
    pub fn with_tile(mut self, tile: Option<usize>) -> Self {
        self.tile = tile;
        self
    }

    /// Failing once more pairs than this qualify.
    pub fn with_max_pairs(mut self, max_pairs: Option<usize>) -> Self {
        self.max_pairs = max_pairs;
        self
    }

    /// With progress advanced per tile.
    pub fn with_progress(mut self, progress: Option<&'a dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// With pair candidates found this way.
    pub fn with_index(mut self, index: PairIndex) -> Self {
        self.index = index;
        self
    }
}

/// How a pair search chooses which pairs to compare.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PairIndex {
    /// Every pair: the result equals a float64 brute force.
    #[default]
    Exact,
    /// The pairs an inverted-file index proposes ([`ivf`]), each scored as
    /// the exact search scores it: every pair reported qualifies, a few that
    /// qualify may be missed. On the CPU backend only (a device compares
    /// every pair).
    Ivf(ivf::IvfParams),
}

/// Which pairs a pair search compares, as a caller asks for it (see
/// [`PairIndex::choose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum IndexChoice {
    /// Exact up to 200,000 statements (or on a GPU), the inverted-file index above.
    #[default]
    Auto,
    /// Every pair: the result equals a float64 brute force.
    Exact,
    /// An inverted-file index: only pairs whose rows share a nearby list are
    /// compared; every pair reported qualifies, a few may be missed.
    Ivf,
}

impl std::str::FromStr for IndexChoice {
    type Err = crate::error::UsageError;

    /// `auto`, `exact` or `ivf`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "exact" => Ok(Self::Exact),
            "ivf" => Ok(Self::Ivf),
            _ => Err(crate::error::UsageError::new(format!(
                "index {s:?}: auto, exact or ivf"
            ))),
        }
    }
}

impl PairIndex {
    /// Above this many rows, [`PairIndex::auto`] chooses the index on the CPU.
    pub const AUTO_ROWS: usize = 200_000;

    /// The index `choice` means for `rows` rows searched on `backend`, with
    /// `lists` (default [`ivf::IvfParams::for_rows`]) and `probes` when it
    /// is the inverted-file index. Both must be positive.
    pub fn choose(
        choice: IndexChoice,
        rows: usize,
        backend: &Backend,
        lists: Option<usize>,
        probes: usize,
    ) -> std::result::Result<Self, crate::error::UsageError> {
        if probes == 0 || lists == Some(0) {
            return Err(crate::error::UsageError::new(
                "lists and probes must be positive",
            ));
        }
        let mut params = ivf::IvfParams::for_rows(rows);
        params.lists = lists.unwrap_or(params.lists);
        params.probes = probes;
        Ok(match choice {
            IndexChoice::Exact => Self::Exact,
            IndexChoice::Ivf => Self::Ivf(params),
            IndexChoice::Auto => match Self::auto(rows, backend) {
                Self::Ivf(_) => Self::Ivf(params),
                exact => exact,
            },
        })
    }

    /// Exact up to [`PairIndex::AUTO_ROWS`] rows or on a device, the
    /// inverted-file index with [`ivf::IvfParams::for_rows`] above.
    pub fn auto(rows: usize, backend: &Backend) -> Self {
        match backend {
            Backend::Cpu if rows > Self::AUTO_ROWS => Self::Ivf(ivf::IvfParams::for_rows(rows)),
            _ => Self::Exact,
        }
    }
}

impl std::fmt::Debug for SearchOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchOptions")
            .field("backend", &self.backend)
            .field("tile", &self.tile)
            .field("max_pairs", &self.max_pairs)
            .field("progress", &self.progress.is_some())
            .field("index", &self.index)
            .finish()
    }
}

/// Fixed parameters of one search run.
struct Plan<'a> {
    tile: usize,
    margin: f32,
    progress: Option<&'a dyn Progress>,
}

impl Plan<'_> {
    fn new<'a>(options: &SearchOptions<'a>, a: &Embeddings, b: &Embeddings) -> Plan<'a> {
        Plan {
            tile: options
                .tile
                .unwrap_or_else(|| options.backend.default_tile())
                .max(1),
            margin: exact::error_margin(a.dim(), exact::max_norm(a), exact::max_norm(b)),
            progress: options.progress,
        }
    }

    fn start(&self, tiles: usize) {
        if let Some(p) = self.progress {
            p.start(tiles as u64);
        }
    }

    fn tick(&self) {
        if let Some(p) = self.progress {
            p.advance(1);
        }
    }
}

fn check_rows(emb: &Embeddings) -> Result<()> {
    if emb.len() > u32::MAX as usize {
        return Err(Error::usage(format!(
            "{} rows exceed the supported {} rows",
            emb.len(),
            u32::MAX
        )));
    }
    Ok(())
}

/// The `k` most similar other rows of every row of `emb` (fewer when `emb`
/// has at most `k` rows).
pub fn top_k_self(
    emb: &Embeddings,
    k: usize,
    options: &SearchOptions,
) -> Result<Vec<Vec<Neighbor>>> {
    check_rows(emb)?;
    if k == 0 || emb.len() < 2 {
        return Ok(vec![Vec::new(); emb.len()]);
    }
    let plan = Plan::new(options, emb, emb);
    match &options.backend {
        Backend::Cpu => Ok(cpu::top_k_self(emb, k, &plan)),
        Backend::Device(d) => Ok(device_search::top_k(emb, emb, k, true, d, &plan)?),
    }
}

/// The `k` most similar rows of `corpus` for every row of `queries`.
pub fn top_k(
    queries: &Embeddings,
    corpus: &Embeddings,
    k: usize,
    options: &SearchOptions,
) -> Result<Vec<Vec<Neighbor>>> {
    check_rows(queries)?;
    check_rows(corpus)?;
    if queries.dim() != corpus.dim() {
        return Err(Error::usage(format!(
            "queries have dimension {} but the corpus has {}",
            queries.dim(),
            corpus.dim()
        )));
    }
    if k == 0 || corpus.is_empty() {
        return Ok(vec![Vec::new(); queries.len()]);
    }
    let plan = Plan::new(options, queries, corpus);
    match &options.backend {
        Backend::Cpu => Ok(cpu::top_k(queries, corpus, k, &plan)),
        Backend::Device(d) => Ok(device_search::top_k(queries, corpus, k, false, d, &plan)?),
    }
}

/// Every pair of rows `a < b` of `emb` with similarity at least `threshold`.
pub fn pairs_above(emb: &Embeddings, threshold: f32, options: &SearchOptions) -> Result<Vec<Pair>> {
    let keep = |a: u32, b: u32, _approximate: f32| {
        let s = dot_f64(emb.row(a as usize), emb.row(b as usize));
        (s >= threshold as f64).then_some(Pair {
            a,
            b,
            score: s as f32,
        })
    };
    Ok(exact::sort_pairs(pairs_where(
        emb, threshold, options, &keep,
    )?))
}

/// The pairs of [`pairs_above`] without their scores, in no particular (but
/// fixed) order — cheaper: only pairs near the threshold are re-scored in
/// float64, and each takes 8 bytes.
pub fn pair_indices_above(
    emb: &Embeddings,
    threshold: f32,
    options: &SearchOptions,
) -> Result<Vec<[u32; 2]>> {
    let margin = Plan::new(options, emb, emb).margin;
    let sure = threshold + margin;
    let keep = |a: u32, b: u32, approximate: f32| {
        let qualifies = approximate >= sure
            || dot_f64(emb.row(a as usize), emb.row(b as usize)) >= threshold as f64;
        qualifies.then_some([a, b])
    };
    pairs_where(emb, threshold, options, &keep)
}

/// Every pair of a row `a` of `left` and a row `b` of `right` with
/// similarity at least `threshold`, as `[a, b]`, in no particular (but fixed)
/// order: one tile of a larger pair search split over machines (see
/// [`pair_indices_above`] for one set). Computed on the CPU.
pub fn pair_indices_between(
    left: &Embeddings,
    right: &Embeddings,
    threshold: f32,
    options: &SearchOptions,
) -> Result<Vec<[u32; 2]>> {
    check_rows(left)?;
    check_rows(right)?;
    if left.dim() != right.dim() {
        return Err(Error::usage(format!(
            "the two sides have dimensions {} and {}",
            left.dim(),
            right.dim()
        )));
    }
    if threshold.is_nan() {
        return Err(Error::usage("the similarity threshold is not a number"));
    }
    let plan = Plan::new(options, left, right);
    let sure = threshold + plan.margin;
    let keep = |a: u32, b: u32, approximate: f32| {
        let qualifies = approximate >= sure
            || dot_f64(left.row(a as usize), right.row(b as usize)) >= threshold as f64;
        qualifies.then_some([a, b])
    };
    let max_pairs = options.max_pairs.unwrap_or(usize::MAX);
    cpu::pairs_where(
        (left, right, cpu::Sides::Two),
        threshold,
        max_pairs,
        &plan,
        &keep,
    )
}

fn pairs_where<T: Send>(
    emb: &Embeddings,
    threshold: f32,
    options: &SearchOptions,
    keep: &(dyn Fn(u32, u32, f32) -> Option<T> + Sync),
) -> Result<Vec<T>> {
    check_rows(emb)?;
    if threshold.is_nan() {
        return Err(Error::usage("the similarity threshold is not a number"));
    }
    let plan = Plan::new(options, emb, emb);
    let max_pairs = options.max_pairs.unwrap_or(usize::MAX);

    match (&options.backend, options.index) {
        (Backend::Cpu, PairIndex::Ivf(params)) => {
            ivf::pairs_where(emb, threshold, params, max_pairs, &plan, keep)
        }
        (Backend::Cpu, PairIndex::Exact) => cpu::pairs_where(
            (emb, emb, cpu::Sides::Same),
            threshold,
            max_pairs,
            &plan,
            keep,
        ),
        (Backend::Device(d), _) => {
            device_search::pairs_where(emb, threshold, max_pairs, d, &plan, keep)
        }
    }
}

/// The pairs found part by part, in part order; fails when more than
/// `max_pairs` were found in all (`found`, counted while searching).
fn merge_pairs<T>(
    parts: Vec<Vec<T>>,
    found: std::sync::atomic::AtomicUsize,
    max_pairs: usize,
    threshold: f32,
) -> Result<Vec<T>> {
    let total = found.into_inner();
    if total > max_pairs {
        return Err(UsageError::new(too_many_pairs(max_pairs, threshold)).into());
    }
    let mut all = Vec::with_capacity(total);
    for p in parts {
        all.extend(p);
    }
    Ok(all)
}

fn too_many_pairs(max_pairs: usize, threshold: f32) -> String {
    format!(
        "more than {max_pairs} pairs score at least {threshold}: raise the threshold \
         (or the pair limit)"
    )
}

#[cfg(test)]
mod tests;
