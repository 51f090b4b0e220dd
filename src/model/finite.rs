//! Refusing weights that are not finite: one NaN in a weight tensor turns
//! every embedding into NaN in float32 and silently bends them in int8, so
//! a model is checked before it is used. (The int8 encoder checks each
//! tensor as it reads it; this scan is for the candle encoder.)

use std::path::Path;

use crate::error::{bail, Result, WrapErr};
use half::{bf16, f16};
use safetensors::{Dtype, SafeTensors};

use super::Weights;

/// Fails, naming the file and tensor, when any floating-point weight is NaN
/// or infinite.
pub fn check_finite_weights(weights: &Weights) -> Result<()> {
    match weights {
        Weights::Safetensors(files) => files.iter().try_for_each(|f| check_safetensors(f)),
        Weights::PytorchBin(file) => check_pytorch(file),
    }
}

fn first_bad(dtype: Dtype, data: &[u8]) -> Option<(usize, f64)> {
    match dtype {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64)
            .enumerate()
            .find(|(_, x)| !x.is_finite()),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .enumerate()
            .find(|(_, x)| !x.is_finite()),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f64())
            .enumerate()
            .find(|(_, x)| !x.is_finite()),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f64())
            .enumerate()
            .find(|(_, x)| !x.is_finite()),
        _ => None,
    }
}

fn check_safetensors(path: &Path) -> Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: read-only map, dropped before returning; the weight files are
    // not modified while volte runs.
    let map = unsafe { memmap2::Mmap::map(&file) }
        .with_context(|| format!("reading {}", path.display()))?;
    let tensors = SafeTensors::deserialize(&map).with_context(|| {
        format!(
            "{} is not a valid safetensors file (truncated or damaged)",
            path.display()
        )
    })?;
    for (name, view) in tensors.tensors() {
        if let Some((i, x)) = first_bad(view.dtype(), view.data()) {
            bail!(
                "tensor {name} in {}: value {i} is not finite ({x}); the weights are damaged",
                path.display()
            );
        }
    }
    Ok(())
}

fn check_pytorch(path: &Path) -> Result<()> {
    let tensors = candle_core::pickle::read_all(path)
        .with_context(|| format!("reading {}", path.display()))?;
    for (name, t) in tensors {
        if !t.dtype().is_float() {
            continue;
        }
        let values = t
            .to_dtype(candle_core::DType::F64)
            .and_then(|t| t.flatten_all())
            .and_then(|t| t.to_vec1::<f64>())
            .with_context(|| format!("reading tensor {name} of {}", path.display()))?;
        if let Some(i) = values.iter().position(|x| !x.is_finite()) {
            bail!(
                "tensor {name} in {}: value {i} is not finite ({}); the weights are damaged",
                path.display(),
                values[i]
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::tensor::TensorView;

    #[test]
    fn a_nan_is_found_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let good: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        let bad: Vec<u8> = [1.0f32, f32::NAN, 3.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let views = vec![
            (
                "a.weight",
                TensorView::new(Dtype::F32, vec![2], &good).unwrap(),
            ),
            (
                "b.weight",
                TensorView::new(Dtype::F32, vec![3], &bad).unwrap(),
            ),
        ];
        safetensors::serialize_to_file(views, None, &path).unwrap();
        let e = check_finite_weights(&Weights::Safetensors(vec![path.clone()])).unwrap_err();
        assert!(e.to_string().starts_with("tensor b.weight in"), "{e}");
        assert!(e.to_string().contains("value 1 is not finite"), "{e}");
        let views = vec![(
            "a.weight",
            TensorView::new(Dtype::F32, vec![2], &good).unwrap(),
        )];
        safetensors::serialize_to_file(views, None, &path).unwrap();
        check_finite_weights(&Weights::Safetensors(vec![path])).unwrap();
    }
}
