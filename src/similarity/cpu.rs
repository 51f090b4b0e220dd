//! The CPU search: score tiles computed with SIMD GEMM, run concurrently on
//! the rayon pool and folded into per-row candidate buffers (one lock per row
//! block, held only while a tile is scanned). Memory is the buffers
//! (O(n·k)) plus one tile per thread; the n × n matrix never exists.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use crate::error::Result;
use rayon::prelude::*;

use super::candidates::Candidates;
use super::exact::finalize_row;
use super::{merge_pairs, scan, score_tile, tiles, Neighbor, Plan};
use crate::embeddings::Embeddings;

/// Whether a pair search is within one set of rows or between two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sides {
    Same,
    Two,
}

/// Candidate buffers of one row block.
type BlockState = Mutex<Vec<Candidates>>;

fn new_state(blocks: &[Range<usize>], k: usize, margin: f32) -> Vec<BlockState> {
    blocks
        .iter()
        .map(|r| Mutex::new(vec![Candidates::new(k, margin); r.len()]))
        .collect()
}

fn lock(state: &BlockState) -> MutexGuard<'_, Vec<Candidates>> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Scores of rows `ri` of `a` against rows `rj` of `b`, in `scratch`.
fn product<'s>(
    a: &Embeddings,
    b: &Embeddings,
    ri: &Range<usize>,
    rj: &Range<usize>,
    scratch: &'s mut Vec<f32>,
) -> &'s [f32] {
    let dim = a.dim();
    let len = ri.len() * rj.len();
    if scratch.len() < len {
        scratch.resize(len, 0.0);
    }
    let out = &mut scratch[..len];
    score_tile::scores(
        tiles::rows(a.as_slice(), dim, ri),
        tiles::rows(b.as_slice(), dim, rj),
        dim,
        out,
    );
    out
}

/// Re-scores every row's buffer in float64 and keeps its best `k`.
fn finish(
    queries: &Embeddings,
    corpus: &Embeddings,
    state: Vec<BlockState>,
    k: usize,
) -> Vec<Vec<Neighbor>> {
    let buffers: Vec<Candidates> = state
        .into_iter()
        .flat_map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    buffers
        .par_iter()
        .enumerate()
        .map(|(i, c)| finalize_row(queries.row(i), corpus, c, k))
        .collect()
}

/// Top `k` other rows of `emb` for every row. Only the upper triangle of
/// block pairs is computed; each tile feeds both its rows and its columns.
pub fn top_k_self(emb: &Embeddings, k: usize, plan: &Plan) -> Vec<Vec<Neighbor>> {
    let blocks = tiles::blocks(emb.len(), plan.tile);
    let state = new_state(&blocks, k, plan.margin);
    let work = tiles::upper_tiles(blocks.len());
    plan.start(work.len());
    work.par_iter()
        .for_each_init(Vec::new, |scratch, &(bi, bj)| {
            let (ri, rj) = (&blocks[bi], &blocks[bj]);
            let out = product(emb, emb, ri, rj, scratch);
            if bi == bj {
                scan::diagonal_into(out, ri.start as u32, &mut lock(&state[bi]));
            } else {
                scan::rows_into(out, rj.len(), rj.start as u32, &mut lock(&state[bi]));
                scan::cols_into(out, ri.len(), ri.start as u32, &mut lock(&state[bj]));
            }
            plan.tick();
        });
    finish(emb, emb, state, k)
}

/// Top `k` rows of `corpus` for every row of `queries`.
pub fn top_k(
    queries: &Embeddings,
    corpus: &Embeddings,
    k: usize,
    plan: &Plan,
) -> Vec<Vec<Neighbor>> {
    let qblocks = tiles::blocks(queries.len(), plan.tile);
    let cblocks = tiles::blocks(corpus.len(), plan.tile);
    let state = new_state(&qblocks, k, plan.margin);
    let work = tiles::all_tiles(qblocks.len(), cblocks.len());
    plan.start(work.len());
    work.par_iter()
        .for_each_init(Vec::new, |scratch, &(qi, cj)| {
            let (rq, rc) = (&qblocks[qi], &cblocks[cj]);
            let out = product(queries, corpus, rq, rc, scratch);
            scan::rows_into(out, rc.len(), rc.start as u32, &mut lock(&state[qi]));
            plan.tick();
        });
    finish(queries, corpus, state, k)
}

/// `keep(a, b, approximate score)` for every pair of a row `a` of `left`
/// and a row `b` of `right` whose float32 score is at least `threshold -
/// margin`, in tile order; `keep` decides (exactly) whether the pair
/// qualifies. With `Sides::Same` (`left` and `right` are one set) only pairs
/// `a < b` are visited. Fails once more than `max_pairs` qualify.
pub fn pairs_where<T: Send>(
    (left, right, sides): (&Embeddings, &Embeddings, Sides),
    threshold: f32,
    max_pairs: usize,
    plan: &Plan,
    keep: &(dyn Fn(u32, u32, f32) -> Option<T> + Sync),
) -> Result<Vec<T>> {
    let blocks = tiles::blocks(left.len(), plan.tile);
    let right_blocks = tiles::blocks(right.len(), plan.tile);
    let work = match sides {
        Sides::Same => tiles::upper_tiles(blocks.len()),
        Sides::Two => (0..blocks.len())
            .flat_map(|i| (0..right_blocks.len()).map(move |j| (i, j)))
            .collect(),
    };
    plan.start(work.len());
    let min = threshold - plan.margin;
    let found = AtomicUsize::new(0);
    let per_tile: Vec<Vec<T>> = work
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(scratch, candidates), &(bi, bj)| {
                if found.load(Ordering::Relaxed) > max_pairs {
                    return Vec::new();
                }
                let (ri, rj) = (&blocks[bi], &right_blocks[bj]);
                let out = product(left, right, ri, rj, scratch);
                candidates.clear();
                scan::pairs_into(
                    out,
                    ri.len(),
                    rj.len(),
                    (ri.start as u32, rj.start as u32),
                    min,
                    sides == Sides::Same && bi == bj,
                    candidates,
                );
                let kept: Vec<T> = candidates
                    .iter()
                    .filter_map(|&(a, b, s)| keep(a, b, s))
                    .collect();
                found.fetch_add(kept.len(), Ordering::Relaxed);
                plan.tick();
                kept
            },
        )
        .collect();
    merge_pairs(per_tile, found, max_pairs, threshold)
}
