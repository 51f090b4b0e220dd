//! Reading float tensors from `.safetensors` files one at a time with
//! positioned reads, so the whole file is never resident in memory.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use crate::error::{bail, Error, Result, WrapErr};
use half::{bf16, f16};
use safetensors::Dtype;
use serde::Deserialize;

#[derive(Deserialize)]
struct TensorInfo {
    dtype: Dtype,
    shape: Vec<usize>,
    data_offsets: [usize; 2],
}

struct Entry {
    file: usize,
    dtype: Dtype,
    shape: Vec<usize>,
    start: u64,
    len: usize,
}

/// Tensor directory over one or more safetensors files.
pub struct TensorReader {
    files: Vec<(PathBuf, File)>,
    entries: HashMap<String, Entry>,
}

impl TensorReader {
    pub fn open(paths: &[PathBuf]) -> Result<Self> {
        let mut files = Vec::new();
        let mut entries = HashMap::new();
        for (fi, path) in paths.iter().enumerate() {
            let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let mut len8 = [0u8; 8];
            f.read_exact_at(&mut len8, 0)
                .with_context(|| format!("{}: not a safetensors file", path.display()))?;
            let n = u64::from_le_bytes(len8) as usize;
            if n > 100 << 20 {
                bail!(
                    "{}: safetensors header of {n} bytes is implausible",
                    path.display()
                );
            }
            let file_len = f
                .metadata()
                .with_context(|| format!("reading {}", path.display()))?
                .len();
            if 8 + n as u64 > file_len {
                bail!(
                    "{}: safetensors header of {n} bytes is longer than the file ({file_len} bytes)",
                    path.display()
                );
            }
            let mut head = vec![0u8; 8 + n];
            f.read_exact_at(&mut head, 0)
                .with_context(|| format!("reading {}", path.display()))?;
            let header: HashMap<String, serde_json::Value> = serde_json::from_slice(&head[8..])
                .with_context(|| format!("{}: bad safetensors header", path.display()))?;
            for (name, info) in header {
                if name == "__metadata__" {
                    continue;
                }
                let info: TensorInfo = serde_json::from_value(info)
                    .with_context(|| format!("{}: bad entry for {name}", path.display()))?;
                let (a, b) = (info.data_offsets[0], info.data_offsets[1]);
                let esize = match info.dtype {
                    Dtype::F32 => 4,
                    Dtype::F16 | Dtype::BF16 => 2,
                    _ => 0,
                };
                let elements = info
                    .shape
                    .iter()
                    .try_fold(1usize, |acc, &d| acc.checked_mul(d));
                let fits = a <= b
                    && (8 + n as u64)
                        .checked_add(b as u64)
                        .is_some_and(|end| end <= file_len)
                    && (esize == 0 || elements.and_then(|e| e.checked_mul(esize)) == Some(b - a));
                if !fits {
                    bail!(
                        "{}: tensor {name} has data offsets {a}..{b} that do not fit its shape {:?} \
                         or the file ({file_len} bytes); the file is truncated or damaged",
                        path.display(),
                        info.shape
                    );
                }
                entries.insert(
                    name,
                    Entry {
                        file: fi,
                        dtype: info.dtype,
                        shape: info.shape,
                        start: (8 + n + a) as u64,
                        len: b - a,
                    },
                );
            }
            files.push((path.clone(), f));
        }
        Ok(Self { files, entries })
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    pub fn shape(&self, name: &str) -> Result<Vec<usize>> {
        Ok(self.entry(name)?.shape.clone())
    }

    fn entry(&self, name: &str) -> Result<&Entry> {
        self.entries
            .get(name)
            .ok_or_else(|| Error::model(format!("weights have no tensor {name}")))
    }

    /// Reads rows `[row0, row0 + rows)` of a 2-D tensor (or the whole 1-D
    /// tensor with `row0 = 0, rows = 1`) as float32.
    pub fn rows_f32(&self, name: &str, row0: usize, rows: usize) -> Result<Vec<f32>> {
        let e = self.entry(name)?;
        let width: usize = e.shape.iter().skip(1).product::<usize>().max(1);
        let esize = match e.dtype {
            Dtype::F32 => 4,
            Dtype::F16 | Dtype::BF16 => 2,
            d => bail!("tensor {name}: unsupported dtype {d:?}"),
        };
        let total_rows = if e.shape.len() <= 1 { 1 } else { e.shape[0] };
        let width = if e.shape.len() <= 1 {
            e.len / esize
        } else {
            width
        };
        if row0 + rows > total_rows {
            bail!(
                "tensor {name}: rows {row0}..{} out of {total_rows}",
                row0 + rows
            );
        }
        let mut bytes = vec![0u8; rows * width * esize];
        let (path, f) = &self.files[e.file];
        f.read_exact_at(&mut bytes, e.start + (row0 * width * esize) as u64)
            .with_context(|| format!("reading {name} from {}", path.display()))?;
        let values: Vec<f32> = match e.dtype {
            Dtype::F32 => bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect(),
            Dtype::F16 => bytes
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
            _ => bytes
                .chunks_exact(2)
                .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
                .collect(),
        };
        if let Some(i) = values.iter().position(|x| !x.is_finite()) {
            bail!(
                "tensor {name} in {}: value {} is not finite ({}); the weights are damaged",
                path.display(),
                row0 * width + i,
                values[i]
            );
        }
        Ok(values)
    }

    /// A whole tensor as float32.
    pub fn f32(&self, name: &str) -> Result<Vec<f32>> {
        let e = self.entry(name)?;
        let rows = if e.shape.len() <= 1 { 1 } else { e.shape[0] };
        self.rows_f32(name, 0, rows)
    }
}
