//! Splitting rows into blocks and enumerating the tiles of block pairs.

use std::ops::Range;

/// Consecutive row ranges of at most `size` rows covering `0..n`.
pub fn blocks(n: usize, size: usize) -> Vec<Range<usize>> {
    let size = size.max(1);
    (0..n.div_ceil(size))
        .map(|b| b * size..((b + 1) * size).min(n))
        .collect()
}

/// Block pairs `(i, j)` with `i <= j`, row-major: the tiles of a symmetric product.
pub fn upper_tiles(blocks: usize) -> Vec<(usize, usize)> {
    (0..blocks)
        .flat_map(|i| (i..blocks).map(move |j| (i, j)))
        .collect()
}

/// Every block pair `(i, j)`, row-major.
pub fn all_tiles(row_blocks: usize, col_blocks: usize) -> Vec<(usize, usize)> {
    (0..row_blocks)
        .flat_map(|i| (0..col_blocks).map(move |j| (i, j)))
        .collect()
}

/// The row-major rows `range` of a matrix with `dim` columns.
pub fn rows<'a>(data: &'a [f32], dim: usize, range: &Range<usize>) -> &'a [f32] {
    &data[range.start * dim..range.end * dim]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_rows() {
        assert_eq!(blocks(7, 3), vec![0..3, 3..6, 6..7]);
        assert!(blocks(0, 3).is_empty());
        assert_eq!(upper_tiles(3).len(), 6);
        assert_eq!(all_tiles(2, 3).len(), 6);
    }
}
