//! `.npy` float32 matrices with an ids sidecar (`<file>.ids.txt`, one id per line).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ndarray::Array2;
use ndarray_npy::{read_npy, write_npy};

use crate::embeddings::Embeddings;

/// The sidecar path holding the ids of `npy`.
pub fn ids_path(npy: &Path) -> PathBuf {
    let mut s = npy.as_os_str().to_owned();
    s.push(".ids.txt");
    PathBuf::from(s)
}

/// Writes `emb` as an `n × dim` float32 array and its ids next to it.
pub fn write(path: &Path, ids: &[String], emb: &Embeddings) -> Result<()> {
    let arr = Array2::from_shape_vec((emb.len(), emb.dim()), emb.as_slice().to_vec())?;
    write_npy(path, &arr).with_context(|| format!("writing {}", path.display()))?;
    let side = ids_path(path);
    let mut text = String::with_capacity(ids.len() * 8);
    for id in ids {
        text.push_str(&id.replace('\n', " "));
        text.push('\n');
    }
    std::fs::write(&side, text).with_context(|| format!("writing {}", side.display()))
}

/// Reads an `n × dim` float32 `.npy` and its ids (row numbers when no sidecar exists).
pub fn read(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    let arr: Array2<f32> = read_npy(path)
        .with_context(|| format!("reading {} (expected a 2-D float32 .npy)", path.display()))?;
    let (n, dim) = arr.dim();
    let data = if arr.is_standard_layout() {
        arr.into_raw_vec_and_offset().0
    } else {
        arr.as_standard_layout().iter().copied().collect()
    };
    let side = ids_path(path);
    let ids = if side.is_file() {
        let text = std::fs::read_to_string(&side)?;
        let ids: Vec<String> = text.lines().map(str::to_string).collect();
        anyhow::ensure!(
            ids.len() == n,
            "{} has {} ids for {n} rows",
            side.display(),
            ids.len()
        );
        ids
    } else {
        (1..=n).map(|i| i.to_string()).collect()
    };
    Ok((ids, Embeddings::new(dim, data)?))
}
