//! The stance model's shipped weights: its linear matrices are int8 with a
//! float32 scale per output row (`<name>` and `<name>_scale`), which keeps
//! the file small. volte's loaders read float tensors, so the first load
//! expands them once into a float32 safetensors file in the cache
//! (`<cache>/stance/<sha256 prefix>/stance.f32.safetensors`); files without
//! int8 tensors are used as they are.

use std::path::{Path, PathBuf};

use crate::error::{bail, Result, WrapErr};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use sha2::{Digest, Sha256};

/// The float weights of `shipped`, expanded into `cache` when needed.
pub fn float_weights(shipped: &Path, cache: &Path) -> Result<PathBuf> {
    let bytes = std::fs::read(shipped).with_context(|| format!("reading {}", shipped.display()))?;
    let st = SafeTensors::deserialize(&bytes)
        .with_context(|| format!("{}: not a safetensors file", shipped.display()))?;
    if !st.tensors().iter().any(|(_, t)| t.dtype() == Dtype::I8) {
        return Ok(shipped.to_path_buf());
    }
    let hash = format!("{:x}", Sha256::digest(&bytes));
    let dir = cache.join(&hash[..16]);
    let out = dir.join("stance.f32.safetensors");
    if out.is_file() {
        return Ok(out);
    }
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, view) in st.tensors() {
        if name.ends_with("_scale") {
            continue;
        }
        let values = match view.dtype() {
            Dtype::I8 => {
                let scale = st
                    .tensor(&format!("{name}_scale"))
                    .with_context(|| format!("{}: {name} has no scale", shipped.display()))?;
                let scale = floats(&scale, &name)?;
                let rows = view.shape().first().copied().unwrap_or(1);
                if scale.len() != rows {
                    bail!(
                        "{}: {name} has {rows} rows but {} scales",
                        shipped.display(),
                        scale.len()
                    );
                }
                let width = view.data().len() / rows.max(1);
                view.data()
                    .iter()
                    .enumerate()
                    .map(|(i, &q)| q as i8 as f32 * scale[i / width])
                    .collect()
            }
            _ => floats(&view, &name)?,
        };
        if values.iter().any(|v| !v.is_finite()) {
            bail!("{}: tensor {name} has non-finite values", shipped.display());
        }
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        tensors.push((name, view.shape().to_vec(), raw));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(n, shape, raw)| Ok((n.clone(), TensorView::new(Dtype::F32, shape.clone(), raw)?)))
        .collect::<Result<_>>()?;
    let bytes = safetensors::tensor::serialize(views, None)
        .with_context(|| format!("writing {}", out.display()))?;
    drop(tensors);
    crate::output::atomic::write_atomic(&out, &bytes)?;
    Ok(out)
}

fn floats(view: &TensorView, name: &str) -> Result<Vec<f32>> {
    let d = view.data();
    Ok(match view.dtype() {
        Dtype::F32 => d
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        Dtype::F16 => d
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => d
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        other => bail!("tensor {name}: unsupported dtype {other:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_rows_expand_with_their_scales() {
        let dir = tempfile::tempdir().unwrap();
        let shipped = dir.path().join("s.safetensors");
        let q: Vec<u8> = [1i8, -2, 127, 0, 3, -127]
            .iter()
            .map(|&v| v as u8)
            .collect();
        let scale: Vec<u8> = [0.5f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let bias: Vec<u8> = [1.5f32, -1.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        safetensors::tensor::serialize_to_file(
            vec![
                (
                    "l.weight",
                    TensorView::new(Dtype::I8, vec![2, 3], &q).unwrap(),
                ),
                (
                    "l.weight_scale",
                    TensorView::new(Dtype::F32, vec![2], &scale).unwrap(),
                ),
                (
                    "l.bias",
                    TensorView::new(Dtype::F32, vec![2], &bias).unwrap(),
                ),
            ],
            None,
            &shipped,
        )
        .unwrap();
        let out = float_weights(&shipped, &dir.path().join("cache")).unwrap();
        assert_ne!(out, shipped);
        let bytes = std::fs::read(&out).unwrap();
        let st = SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.names().len(), 2);
        let w = floats(&st.tensor("l.weight").unwrap(), "w").unwrap();
        assert_eq!(w, vec![0.5, -1.0, 63.5, 0.0, 6.0, -254.0]);
        assert_eq!(
            floats(&st.tensor("l.bias").unwrap(), "b").unwrap(),
            vec![1.5, -1.0]
        );
        // A second load reuses the expanded file; float files stay as they are.
        assert_eq!(
            float_weights(&shipped, &dir.path().join("cache")).unwrap(),
            out
        );
        assert_eq!(float_weights(&out, &dir.path().join("cache")).unwrap(), out);
    }
}
