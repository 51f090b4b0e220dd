//! A dense row-major matrix of sentence embeddings (one row per statement).

use crate::error::{Error, Result};

/// `n × dim` float32 embeddings stored row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    dim: usize,
    data: Vec<f32>,
}

impl Embeddings {
    /// Wraps a row-major buffer; `data.len()` must be a multiple of `dim`.
    pub fn new(dim: usize, data: Vec<f32>) -> Result<Self> {
        if dim == 0 {
            return Err(Error::usage("embedding dimension must be positive"));
        }
        if !data.len().is_multiple_of(dim) {
            return Err(Error::usage(format!(
                "embedding buffer of {} floats is not a multiple of dimension {dim}",
                data.len()
            )));
        }
        Ok(Self { dim, data })
    }

    /// Embeddings a caller hands over (a NumPy array): every value must be
    /// finite, or it is a usage error naming the first bad row (0-based).
    pub fn from_caller(dim: usize, data: Vec<f32>) -> Result<Self> {
        let e = Self::new(dim, data)?;
        match first_non_finite_row(&e) {
            Some(row) => Err(Error::usage(format!(
                "embeddings: row {row} has a NaN or infinite value"
            ))),
            None => Ok(e),
        }
    }

    /// An empty matrix with `dim` columns.
    pub fn empty(dim: usize) -> Self {
        Self {
            dim,
            data: Vec::new(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// Appends one row.
    pub fn push_row(&mut self, row: &[f32]) -> Result<()> {
        if row.len() != self.dim {
            return Err(Error::usage(format!(
                "row of length {} pushed into dimension {}",
                row.len(),
                self.dim
            )));
        }
        self.data.extend_from_slice(row);
        Ok(())
    }

    /// Rows selected by index, in the given order.
    pub fn select(&self, rows: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * self.dim);
        for &r in rows {
            data.extend_from_slice(self.row(r));
        }
        Self {
            dim: self.dim,
            data,
        }
    }

    /// L2-normalizes every row in place; an all-zero row stays zero.
    pub fn normalize(&mut self) {
        let dim = self.dim;
        for row in self.data.chunks_mut(dim) {
            let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 0.0 {
                row.iter_mut().for_each(|x| *x /= norm);
            }
        }
    }
}

/// The first row holding a value that is not finite (NaN or infinity).
pub fn first_non_finite_row(emb: &Embeddings) -> Option<usize> {
    emb.as_slice()
        .chunks(emb.dim())
        .position(|row| row.iter().any(|x| !x.is_finite()))
}

/// Cosine similarity of two equal-length vectors (0 when either is zero).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        dot += (*x as f64) * (*y as f64);
        na += (*x as f64) * (*x as f64);
        nb += (*y as f64) * (*y as f64);
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na.sqrt() * nb.sqrt())) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_and_cosine() {
        let mut e = Embeddings::new(2, vec![3.0, 4.0, 0.0, 0.0]).unwrap();
        e.normalize();
        assert_eq!(e.row(0), &[0.6, 0.8]);
        assert_eq!(e.row(1), &[0.0, 0.0]);
        assert!((cosine(&[1.0, 0.0], &[1.0, 1.0]) - 0.70710677).abs() < 1e-6);
        assert!(Embeddings::new(3, vec![1.0; 4]).is_err());
    }
}
