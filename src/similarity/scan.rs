//! Feeding a computed score tile into per-row candidate buffers and pair
//! lists. Each scan first checks a short chunk of scores against the entry
//! thresholds (a branch-free, vectorizable test) and only looks at single
//! scores when one of them may qualify.

use super::candidates::Candidates;

const CHUNK: usize = 16;

/// Offers row `r` of the `rows.len() × cols` tile to `rows[r]`, as column
/// indices `col_offset + c`.
pub fn rows_into(tile: &[f32], cols: usize, col_offset: u32, rows: &mut [Candidates]) {
    for (r, buf) in rows.iter_mut().enumerate() {
        let row = &tile[r * cols..(r + 1) * cols];
        for (ci, chunk) in row.chunks(CHUNK).enumerate() {
            let mut best = f32::NEG_INFINITY;
            for &v in chunk {
                best = if v > best { v } else { best };
            }
            if best < buf.entry() {
                continue;
            }
            let base = ci * CHUNK;
            for (j, &v) in chunk.iter().enumerate() {
                buf.offer(col_offset + (base + j) as u32, v);
            }
        }
    }
}

/// Offers column `c` of the `m × cols.len()` tile to `cols[c]`, as row
/// indices `row_offset + r` (the transposed half of a symmetric product).
/// Column maxima over bands of rows are taken first (contiguous and
/// vectorizable); only the columns of a band whose maximum may enter their
/// buffer are walked.
pub fn cols_into(tile: &[f32], m: usize, row_offset: u32, cols: &mut [Candidates]) {
    let n = cols.len();
    let mut col_max = vec![f32::NEG_INFINITY; n];
    for (band_index, band) in tile[..m * n].chunks(CHUNK * n).enumerate() {
        col_max.fill(f32::NEG_INFINITY);
        for row in band.chunks_exact(n) {
            for (best, &v) in col_max.iter_mut().zip(row) {
                *best = if v > *best { v } else { *best };
            }
        }
        let first_row = band_index * CHUNK;
        for (c, buf) in cols.iter_mut().enumerate() {
            if col_max[c] < buf.entry() {
                continue;
            }
            for (r, row) in band.chunks_exact(n).enumerate() {
                buf.offer(row_offset + (first_row + r) as u32, row[c]);
            }
        }
    }
}

/// Offers the strict upper triangle of a square tile of a block with itself
/// both ways: score `(r, c)` to row `r` (index `offset + c`) and to row `c`
/// (index `offset + r`). The diagonal (each row with itself) is skipped.
pub fn diagonal_into(tile: &[f32], offset: u32, rows: &mut [Candidates]) {
    let m = rows.len();
    for r in 0..m {
        for c in r + 1..m {
            let v = tile[r * m + c];
            rows[r].offer(offset + c as u32, v);
            rows[c].offer(offset + r as u32, v);
        }
    }
}

/// Appends `(row_offset + r, col_offset + c, score)` for every score of the
/// `m × cols` tile at least `min`; with `upper_only`, only `c > r` (the
/// tile of a block with itself).
pub fn pairs_into(
    tile: &[f32],
    m: usize,
    cols: usize,
    offsets: (u32, u32),
    min: f32,
    upper_only: bool,
    out: &mut Vec<(u32, u32, f32)>,
) {
    for r in 0..m {
        let row = &tile[r * cols..(r + 1) * cols];
        let start = if upper_only { r + 1 } else { 0 };
        let first_chunk = start / CHUNK;
        for (ci, chunk) in row.chunks(CHUNK).enumerate().skip(first_chunk) {
            let mut best = f32::NEG_INFINITY;
            for &v in chunk {
                best = if v > best { v } else { best };
            }
            if best < min {
                continue;
            }
            let base = ci * CHUNK;
            for (j, &v) in chunk.iter().enumerate() {
                let c = base + j;
                if c >= start && v >= min {
                    out.push((offsets.0 + r as u32, offsets.1 + c as u32, v));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(c: &Candidates) -> Vec<u32> {
        c.items().iter().map(|x| x.index).collect()
    }

    #[test]
    fn rows_and_columns_see_the_same_scores() {
        // 2 × 3 tile: rows 10..12 against columns 20..23.
        let tile = [0.1, 0.9, 0.5, 0.7, 0.2, 0.8];
        let mut rows = vec![Candidates::new(1, 0.0); 2];
        rows_into(&tile, 3, 20, &mut rows);
        assert_eq!(idx(&rows[0]), vec![21]);
        assert_eq!(idx(&rows[1]), vec![22]);
        let mut cols = vec![Candidates::new(1, 0.0); 3];
        cols_into(&tile, 2, 10, &mut cols);
        assert_eq!(idx(&cols[0]), vec![11]);
        assert_eq!(idx(&cols[1]), vec![10]);
        assert_eq!(idx(&cols[2]), vec![11]);
    }

    #[test]
    fn diagonal_tile_skips_self() {
        let tile = [1.0, 0.3, 0.6, 0.3, 1.0, 0.2, 0.6, 0.2, 1.0];
        let mut rows = vec![Candidates::new(1, 0.0); 3];
        diagonal_into(&tile, 5, &mut rows);
        assert_eq!(idx(&rows[0]), vec![7]);
        assert_eq!(idx(&rows[1]), vec![5]);
        assert_eq!(idx(&rows[2]), vec![5]);
    }

    #[test]
    fn pairs_respect_threshold_and_triangle() {
        let tile = [1.0, 0.8, 0.1, 0.8, 1.0, 0.9, 0.1, 0.9, 1.0];
        let mut out = Vec::new();
        pairs_into(&tile, 3, 3, (0, 0), 0.5, true, &mut out);
        assert_eq!(out, vec![(0, 1, 0.8), (1, 2, 0.9)]);
        out.clear();
        pairs_into(&tile[..3], 1, 3, (4, 7), 0.5, false, &mut out);
        assert_eq!(out, vec![(4, 7, 1.0), (4, 8, 0.8)]);
    }
}
