//! Threshold pairs through an inverted-file index, for sets too large to
//! compare every pair.
//!
//! The rows are split into `lists` by spherical k-means (trained on an evenly
//! spaced sample), and each row *probes* the lists of its `probes` nearest
//! centroids, its own first. A pair is compared when either of its rows
//! probes the other's list; each compared pair is scored exactly as the
//! exhaustive search scores it (float32 tile, float64 re-check near the
//! threshold), so every pair reported qualifies. A qualifying pair whose two
//! rows never probe each other's list is missed: the index trades recall,
//! never precision, for speed. Work is about `n · probes · n / lists` dot
//! products instead of `n² / 2`; memory is the pairs found, `2 · n · probes`
//! list and row numbers, and one tile per thread (rows are gathered tile by
//! tile, never copied as a whole).

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::Result;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{merge_pairs, scan, score_tile, tiles, top_k, Plan, SearchOptions};
use crate::embeddings::Embeddings;

/// Lists probed per row unless told otherwise.
pub const DEFAULT_PROBES: usize = 32;
/// Most lists (list numbers are 16-bit).
pub const MAX_LISTS: usize = 1 << 16;
/// Sample rows per list that k-means is trained on.
const KMEANS_ROWS_PER_LIST: usize = 40;
/// k-means rounds.
const KMEANS_ROUNDS: usize = 10;
/// Rows whose nearest lists are searched at once (bounds the search buffers).
const CHUNK_ROWS: usize = 1 << 16;

/// The shape of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IvfParams {
    /// Number of lists (k-means centroids); at most the number of rows.
    pub lists: usize,
    /// Lists each row is compared with, its own included.
    pub probes: usize,
}

impl IvfParams {
    /// About √n lists of about √n rows, [`DEFAULT_PROBES`] probes.
    pub fn for_rows(n: usize) -> Self {
        let lists = ((n as f64).sqrt().round() as usize).clamp(1, MAX_LISTS);
        Self {
            lists,
            probes: DEFAULT_PROBES,
        }
    }
}

/// Calls `keep(a, b, approximate score)` for every compared pair `a < b`
/// (original row numbers) whose float32 score is at least `threshold -
/// margin`; `keep` decides exactly. Fails once more than `max_pairs` qualify.
pub(super) fn pairs_where<T: Send>(
    emb: &Embeddings,
    threshold: f32,
    params: IvfParams,
    max_pairs: usize,
    plan: &Plan,
    keep: &(dyn Fn(u32, u32, f32) -> Option<T> + Sync),
) -> Result<Vec<T>> {
    let n = emb.len();
    if n < 2 {
        return Ok(Vec::new());
    }
    let lists = params.lists.clamp(1, n.min(MAX_LISTS));
    let probes = params.probes.clamp(1, lists);
    let centroids = kmeans(emb, lists)?;
    let nearest = nearest_lists(emb, &centroids, probes)?;
    let index = Index::new(emb, nearest, probes, lists);
    // Largest lists first, so that the big tasks do not come last.
    let mut by_size: Vec<usize> = (0..lists).collect();
    by_size.sort_by_key(|&l| std::cmp::Reverse(index.list(l).len()));
    plan.start(lists);
    let min = threshold - plan.margin;
    let found = AtomicUsize::new(0);
    let per_list: Vec<Vec<T>> = by_size
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
            |(scratch, list_rows, asker_rows, candidates), &t| {
                if found.load(Ordering::Relaxed) > max_pairs {
                    return Vec::new();
                }
                candidates.clear();
                index.candidates_of(t, min, (scratch, list_rows, asker_rows), candidates);
                let kept: Vec<T> = candidates
                    .iter()
                    .filter_map(|&(a, b, s)| keep(a.min(b), a.max(b), s))
                    .collect();
                found.fetch_add(kept.len(), Ordering::Relaxed);
                plan.tick();
                kept
            },
        )
        .collect();
    merge_pairs(per_list, found, max_pairs, threshold)
}

/// Unit centroids of spherical k-means on an evenly spaced sample of `emb`,
/// started from evenly spaced sample rows.
fn kmeans(emb: &Embeddings, lists: usize) -> Result<Embeddings> {
    let (n, dim) = (emb.len(), emb.dim());
    let s = (lists * KMEANS_ROWS_PER_LIST).min(n);
    let sample = emb.select(&(0..s).map(|i| i * n / s).collect::<Vec<_>>());
    let mut centroids = sample.select(&(0..lists).map(|c| c * s / lists).collect::<Vec<_>>());
    centroids.normalize();
    for _ in 0..KMEANS_ROUNDS {
        let nearest = top_k(&sample, &centroids, 1, &SearchOptions::default())?;
        let mut sums = vec![0f64; lists * dim];
        let mut counts = vec![0usize; lists];
        for (i, best) in nearest.iter().enumerate() {
            if let Some(b) = best.first() {
                let c = b.index as usize;
                counts[c] += 1;
                for (acc, &x) in sums[c * dim..(c + 1) * dim].iter_mut().zip(sample.row(i)) {
                    *acc += x as f64;
                }
            }
        }
        let mut next = Vec::with_capacity(lists * dim);
        for c in 0..lists {
            if counts[c] == 0 {
                // An empty list keeps its centroid.
                next.extend_from_slice(centroids.row(c));
            } else {
                next.extend(sums[c * dim..(c + 1) * dim].iter().map(|&x| x as f32));
            }
        }
        centroids = Embeddings::new(dim, next)?;
        centroids.normalize();
    }
    Ok(centroids)
}

/// Every row's `probes` nearest lists, nearest first (`n × probes`, row-major;
/// a row with fewer finite scores repeats its last list).
fn nearest_lists(emb: &Embeddings, centroids: &Embeddings, probes: usize) -> Result<Vec<u16>> {
    let n = emb.len();
    let mut out = Vec::with_capacity(n * probes);
    for start in (0..n).step_by(CHUNK_ROWS) {
        let rows: Vec<usize> = (start..(start + CHUNK_ROWS).min(n)).collect();
        let found = top_k(
            &emb.select(&rows),
            centroids,
            probes,
            &SearchOptions::default(),
        )?;
        for lists in found {
            let mut last = lists.first().map_or(0, |b| b.index as u16);
            for p in 0..probes {
                last = lists.get(p).map_or(last, |b| b.index as u16);
                out.push(last);
            }
        }
    }
    Ok(out)
}

/// The rows in list order (as row numbers: rows are gathered tile by tile,
/// so the index never holds a second copy of the embeddings), and who asks
/// to be compared with which list.
struct Index<'e> {
    emb: &'e Embeddings,
    /// `order[position]` is the original row number; rows are grouped by
    /// their own list, by row number within a list.
    order: Vec<u32>,
    /// List `l` holds positions `offsets[l]..offsets[l + 1]`.
    offsets: Vec<usize>,
    /// Every original row's probed lists, its own first (`n × probes`).
    nearest: Vec<u16>,
    probes: usize,
    /// The positions of the rows of other lists that probe list `l`:
    /// `askers[asker_offsets[l]..asker_offsets[l + 1]]`, ascending.
    askers: Vec<u32>,
    asker_offsets: Vec<usize>,
}

impl<'e> Index<'e> {
    fn new(emb: &'e Embeddings, nearest: Vec<u16>, probes: usize, lists: usize) -> Self {
        let n = emb.len();
        let home = |r: usize| nearest[r * probes] as usize;
        let mut offsets = vec![0usize; lists + 1];
        for r in 0..n {
            offsets[home(r) + 1] += 1;
        }
        for l in 0..lists {
            offsets[l + 1] += offsets[l];
        }
        let mut fill = offsets[..lists].to_vec();
        let mut order = vec![0u32; n];
        for r in 0..n {
            order[fill[home(r)]] = r as u32;
            fill[home(r)] += 1;
        }
        let mut index = Self {
            emb,
            order,
            offsets,
            nearest,
            probes,
            askers: Vec::new(),
            asker_offsets: Vec::new(),
        };
        let mut asker_offsets = vec![0usize; lists + 1];
        for &r in &index.order {
            index.for_each_asked(r as usize, |t| asker_offsets[t + 1] += 1);
        }
        for l in 0..lists {
            asker_offsets[l + 1] += asker_offsets[l];
        }
        let mut fill = asker_offsets[..lists].to_vec();
        let mut askers = vec![0u32; asker_offsets[lists]];
        for (position, &r) in index.order.iter().enumerate() {
            index.for_each_asked(r as usize, |t| {
                askers[fill[t]] = position as u32;
                fill[t] += 1;
            });
        }
        index.askers = askers;
        index.asker_offsets = asker_offsets;
        index
    }

    fn list(&self, l: usize) -> Range<usize> {
        self.offsets[l]..self.offsets[l + 1]
    }

    fn home(&self, row: usize) -> usize {
        self.nearest[row * self.probes] as usize
    }

    /// Calls `f` once for every list other than its own that `row` probes.
    fn for_each_asked(&self, row: usize, mut f: impl FnMut(usize)) {
        let probed = &self.nearest[row * self.probes..(row + 1) * self.probes];
        for (p, &t) in probed.iter().enumerate().skip(1) {
            if t != probed[0] && !probed[1..p].contains(&t) {
                f(t as usize);
            }
        }
    }

    /// Whether `row` probes list `l`.
    fn probes_list(&self, row: usize, l: usize) -> bool {
        self.nearest[row * self.probes..(row + 1) * self.probes].contains(&(l as u16))
    }

    /// Appends `(row, row, float32 score)` (original row numbers) for the
    /// pairs that list `t` is responsible for, scoring at least `min`: the
    /// pairs within `t`, and the pairs of a row of `t` with a row of another
    /// list `h` that probes `t`, except those that list `h` reports (when the
    /// row of `t` probes `h` too and `h < t`), so that each pair comes once.
    fn candidates_of(
        &self,
        t: usize,
        min: f32,
        (scratch, list_rows, asker_rows): (&mut Vec<f32>, &mut Vec<f32>, &mut Vec<f32>),
        out: &mut Vec<(u32, u32, f32)>,
    ) {
        let dim = self.emb.dim();
        let members = &self.order[self.list(t)];
        let askers = &self.askers[self.asker_offsets[t]..self.asker_offsets[t + 1]];
        gather(self.emb, members.iter().copied(), list_rows);
        let size = super::CPU_TILE;
        let member_blocks = tiles::blocks(members.len(), size);
        let mut local = Vec::new();
        let mut score = |a: &[f32], b: &[f32], rows: usize, cols: usize, upper_only: bool| {
            let len = rows * cols;
            if scratch.len() < len {
                scratch.resize(len, 0.0);
            }
            score_tile::scores(a, b, dim, &mut scratch[..len]);
            local.clear();
            scan::pairs_into(
                &scratch[..len],
                rows,
                cols,
                (0, 0),
                min,
                upper_only,
                &mut local,
            );
            std::mem::take(&mut local)
        };
        // Pairs within the list.
        for (bi, ri) in member_blocks.iter().enumerate() {
            for rj in &member_blocks[bi..] {
                let found = score(
                    tiles::rows(list_rows, dim, ri),
                    tiles::rows(list_rows, dim, rj),
                    ri.len(),
                    rj.len(),
                    ri == rj,
                );
                out.extend(found.iter().map(|&(r, c, s)| {
                    (
                        members[ri.start + r as usize],
                        members[rj.start + c as usize],
                        s,
                    )
                }));
            }
        }
        // Pairs with the rows of other lists that probe this one.
        for block in askers.chunks(size) {
            let rows: Vec<u32> = block.iter().map(|&p| self.order[p as usize]).collect();
            gather(self.emb, rows.iter().copied(), asker_rows);
            for rj in &member_blocks {
                let found = score(
                    asker_rows,
                    tiles::rows(list_rows, dim, rj),
                    rows.len(),
                    rj.len(),
                    false,
                );
                for &(r, c, s) in &found {
                    let (x, y) = (rows[r as usize], members[rj.start + c as usize]);
                    let h = self.home(x as usize);
                    if !(h < t && self.probes_list(y as usize, h)) {
                        out.push((x, y, s));
                    }
                }
            }
        }
    }
}

/// Copies `rows` of `emb` into `buf`, in order.
fn gather(emb: &Embeddings, rows: impl Iterator<Item = u32>, buf: &mut Vec<f32>) {
    buf.clear();
    for r in rows {
        buf.extend_from_slice(emb.row(r as usize));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity::{pair_indices_above, PairIndex};
    use crate::test_rng::TestRng;

    /// `groups` random unit centres, each with `per_group` rows nearby.
    fn grouped(groups: usize, per_group: usize, dim: usize, spread: f32, seed: u64) -> Embeddings {
        let mut rng = TestRng::new(seed);
        let mut data = Vec::new();
        for _ in 0..groups {
            let centre = rng.centred(dim);
            for _ in 0..per_group {
                data.extend(centre.iter().map(|&c| c + spread * rng.next_centred()));
            }
        }
        let mut e = Embeddings::new(dim, data).unwrap();
        e.normalize();
        e
    }

    fn sorted(mut v: Vec<[u32; 2]>) -> Vec<[u32; 2]> {
        v.iter_mut().for_each(|p| p.sort());
        v.sort();
        v
    }

    fn with_index(index: PairIndex) -> SearchOptions<'static> {
        SearchOptions {
            index,
            ..SearchOptions::default()
        }
    }

    #[test]
    fn all_lists_probed_is_the_exact_search() {
        let e = grouped(30, 20, 24, 0.6, 7);
        let exact = sorted(pair_indices_above(&e, 0.5, &SearchOptions::default()).unwrap());
        assert!(exact.len() > 500);
        let params = IvfParams {
            lists: 12,
            probes: 12,
        };
        let ivf = sorted(pair_indices_above(&e, 0.5, &with_index(PairIndex::Ivf(params))).unwrap());
        assert_eq!(ivf, exact);
    }

    #[test]
    fn fewer_probes_report_only_true_pairs_each_once_and_nearly_all() {
        let e = grouped(200, 12, 32, 0.35, 11);
        let exact = sorted(pair_indices_above(&e, 0.8, &SearchOptions::default()).unwrap());
        let params = IvfParams {
            lists: 50,
            probes: 6,
        };
        let got = pair_indices_above(&e, 0.8, &with_index(PairIndex::Ivf(params))).unwrap();
        let n = got.len();
        let got = sorted(got);
        let mut unique = got.clone();
        unique.dedup();
        assert_eq!(unique.len(), n, "a pair was reported twice");
        // Every reported pair is a true pair.
        assert!(got.iter().all(|p| exact.binary_search(p).is_ok()));
        let recall = got.len() as f64 / exact.len() as f64;
        assert!(recall >= 0.99, "recall {recall} of {} pairs", exact.len());
    }

    #[test]
    fn one_list_and_tiny_inputs() {
        let e = grouped(3, 4, 8, 0.3, 3);
        let exact = sorted(pair_indices_above(&e, 0.2, &SearchOptions::default()).unwrap());
        let one = IvfParams {
            lists: 1,
            probes: 4,
        };
        let got = sorted(pair_indices_above(&e, 0.2, &with_index(PairIndex::Ivf(one))).unwrap());
        assert_eq!(got, exact);
        let single = e.select(&[0]);
        assert!(
            pair_indices_above(&single, 0.2, &with_index(PairIndex::Ivf(one)))
                .unwrap()
                .is_empty()
        );
        // More lists than rows: one row per list, every list probed.
        let many = IvfParams {
            lists: 100,
            probes: 100,
        };
        let got = sorted(pair_indices_above(&e, 0.2, &with_index(PairIndex::Ivf(many))).unwrap());
        assert_eq!(got, exact);
    }
}
