//! The device search: score tiles computed with candle's `matmul` on a
//! `candle_core::Device` (a GPU when built with `cuda`/`metal`), with each
//! tile's per-row top candidates selected on the device by `arg_sort` and
//! only those copied back. The host merges them into the same candidate
//! buffers as the CPU path and re-scores in float64, so both paths return
//! identical results.

use std::ops::Range;

use crate::error::Result;
use candle_core::{DType, Device, Tensor, D};

use super::candidates::{Candidates, SLACK};
use super::exact::finalize_row;
use super::{scan, tiles, too_many_pairs, Neighbor, Plan};
use crate::embeddings::Embeddings;

fn upload(emb: &Embeddings, device: &Device) -> Result<Tensor> {
    Ok(Tensor::from_slice(
        emb.as_slice(),
        (emb.len(), emb.dim()),
        device,
    )?)
}

/// Scores of rows `ri` of `a` against rows `rj` of `b`, on the device.
fn product(a: &Tensor, b: &Tensor, ri: &Range<usize>, rj: &Range<usize>) -> Result<Tensor> {
    let lhs = a.narrow(0, ri.start, ri.len())?;
    let rhs = b.narrow(0, rj.start, rj.len())?;
    Ok(lhs.matmul(&rhs.t()?)?.contiguous()?)
}

/// Top `k` rows of `corpus` for every row of `queries`; with `exclude_self`
/// (queries and corpus are the same rows) a row never matches itself.
pub fn top_k(
    queries: &Embeddings,
    corpus: &Embeddings,
    k: usize,
    exclude_self: bool,
    device: &Device,
    plan: &Plan,
) -> Result<Vec<Vec<Neighbor>>> {
    let q = upload(queries, device)?;
    let c = if exclude_self {
        q.clone()
    } else {
        upload(corpus, device)?
    };
    let qblocks = tiles::blocks(queries.len(), plan.tile);
    let cblocks = tiles::blocks(corpus.len(), plan.tile);
    plan.start(qblocks.len() * cblocks.len());
    let mut out = Vec::with_capacity(queries.len());
    for rq in &qblocks {
        let mut buffers = vec![Candidates::new(k, plan.margin); rq.len()];
        for rc in &cblocks {
            let scores = product(&q, &c, rq, rc)?;
            // Keep enough per row that the self match can be dropped.
            let keep = rc.len().min(k + SLACK + 1);
            let order = scores
                .arg_sort_last_dim(false)?
                .narrow(D::Minus1, 0, keep)?
                .contiguous()?;
            let values = scores.gather(&order, D::Minus1)?.to_vec2::<f32>()?;
            let order = order.to_vec2::<u32>()?;
            for (r, buf) in buffers.iter_mut().enumerate() {
                let row = (rq.start + r) as u32;
                for (&j, &v) in order[r].iter().zip(&values[r]) {
                    let index = rc.start as u32 + j;
                    if !(exclude_self && index == row) {
                        buf.offer(index, v);
                    }
                }
            }
            plan.tick();
        }
        for (r, buf) in buffers.iter().enumerate() {
            out.push(finalize_row(queries.row(rq.start + r), corpus, buf, k));
        }
    }
    Ok(out)
}

/// `keep(a, b, approximate score)` for every pair `a < b` of rows of `emb`
/// whose float32 score is at least `threshold - margin`, in tile order;
/// `keep` decides (exactly) whether the pair qualifies. Only rows of a tile
/// whose maximum reaches `threshold - margin` are copied back. Fails once
/// more than `max_pairs` qualify.
pub fn pairs_where<T>(
    emb: &Embeddings,
    threshold: f32,
    max_pairs: usize,
    device: &Device,
    plan: &Plan,
    keep: &(dyn Fn(u32, u32, f32) -> Option<T> + Sync),
) -> Result<Vec<T>> {
    let e = upload(emb, device)?;
    let blocks = tiles::blocks(emb.len(), plan.tile);
    let work = tiles::upper_tiles(blocks.len());
    plan.start(work.len());
    let min = threshold - plan.margin;
    let mut all = Vec::new();
    let mut candidates = Vec::new();
    for &(bi, bj) in &work {
        let (ri, rj) = (&blocks[bi], &blocks[bj]);
        let scores = product(&e, &e, ri, rj)?;
        let row_max = scores.max(D::Minus1)?.to_vec1::<f32>()?;
        let hot: Vec<u32> = (0..ri.len() as u32)
            .filter(|&r| row_max[r as usize] >= min)
            .collect();
        if !hot.is_empty() {
            let picked = Tensor::from_slice(&hot, hot.len(), device)?;
            let rows = scores
                .index_select(&picked, 0)?
                .to_dtype(DType::F32)?
                .to_vec2::<f32>()?;
            candidates.clear();
            for (&r, row) in hot.iter().zip(&rows) {
                scan::pairs_into(
                    row,
                    1,
                    rj.len(),
                    (ri.start as u32 + r, rj.start as u32),
                    min,
                    false,
                    &mut candidates,
                );
            }
            all.extend(
                candidates
                    .iter()
                    .filter(|&&(a, b, _)| bi != bj || a < b)
                    .filter_map(|&(a, b, s)| keep(a, b, s)),
            );
            if all.len() > max_pairs {
                return Err(
                    crate::error::UsageError::new(too_many_pairs(max_pairs, threshold)).into(),
                );
            }
        }
        plan.tick();
    }
    Ok(all)
}
