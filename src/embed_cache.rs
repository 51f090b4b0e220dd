//! On-disk embedding cache keyed by model fingerprint and text hash, so
//! re-running a command on the same statements skips the encoder.
//!
//! One directory per model fingerprint; one append-only file of records
//! `[32-byte SHA-256 of the text][dim × f32 little-endian]`.

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::embeddings::Embeddings;
use crate::encoder::TextEmbedder;

type Key = [u8; 32];

/// A persistent text → embedding map for one model.
pub struct EmbeddingCache {
    file: PathBuf,
    dim: usize,
    entries: HashMap<Key, Vec<f32>>,
}

fn key(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

impl EmbeddingCache {
    /// Opens (or starts) the cache of `fingerprint` under `root`.
    pub fn open(root: &Path, fingerprint: &str, dim: usize) -> Result<Self> {
        let dir = root.join(hex(&key(fingerprint)[..12]));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("MODEL.txt"), format!("{fingerprint}\n"))?;
        let file = dir.join(format!("embeddings-{dim}.bin"));
        let mut entries = HashMap::new();
        if file.is_file() {
            let mut bytes = Vec::new();
            std::fs::File::open(&file)?.read_to_end(&mut bytes)?;
            let rec = 32 + dim * 4;
            // A torn final record (interrupted write) is ignored.
            for chunk in bytes.chunks_exact(rec) {
                let k: Key = chunk[..32].try_into().unwrap();
                let v = chunk[32..]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                entries.insert(k, v);
            }
        }
        Ok(Self { file, dim, entries })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Embeds `texts` in order, computing only those not cached yet (each
    /// distinct text once) and storing them. Returns the embeddings and how
    /// many texts were served from the cache.
    pub fn embed(
        &mut self,
        embedder: &mut dyn TextEmbedder,
        texts: &[&str],
    ) -> Result<(Embeddings, usize)> {
        let keys: Vec<Key> = texts.iter().map(|t| key(t)).collect();
        let mut missing: Vec<usize> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, k) in keys.iter().enumerate() {
            if !self.entries.contains_key(k) && seen.insert(*k) {
                missing.push(i);
            }
        }
        let hits = texts.len()
            - keys
                .iter()
                .filter(|k| !self.entries.contains_key(*k))
                .count();
        if !missing.is_empty() {
            let todo: Vec<&str> = missing.iter().map(|&i| texts[i]).collect();
            let fresh = embedder.embed(&todo)?;
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.file)
                .with_context(|| format!("opening {}", self.file.display()))?;
            let mut w = BufWriter::new(f);
            for (j, &i) in missing.iter().enumerate() {
                let row = fresh.row(j).to_vec();
                w.write_all(&keys[i])?;
                for x in &row {
                    w.write_all(&x.to_le_bytes())?;
                }
                self.entries.insert(keys[i], row);
            }
            w.flush()?;
        }
        let mut out = Embeddings::empty(self.dim);
        for k in &keys {
            out.push_row(&self.entries[k])?;
        }
        Ok((out, hits))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts calls; maps a text to a deterministic unit vector.
    struct Counting(usize);
    impl TextEmbedder for Counting {
        fn dim(&self) -> usize {
            2
        }
        fn embed(&mut self, texts: &[&str]) -> Result<Embeddings> {
            self.0 += texts.len();
            let mut e = Embeddings::empty(2);
            for t in texts {
                let a = t.len() as f32;
                e.push_row(&[a.cos(), a.sin()])?;
            }
            Ok(e)
        }
        fn fingerprint(&self) -> String {
            "counting".into()
        }
    }

    #[test]
    fn computes_each_text_once_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = Counting(0);
        let mut cache = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        let (e, hits) = cache.embed(&mut model, &["ab", "abc", "ab"]).unwrap();
        assert_eq!((model.0, hits), (2, 0));
        assert_eq!(e.row(0), e.row(2));
        let mut again = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        let (e2, hits) = again.embed(&mut model, &["abc", "ab", "x"]).unwrap();
        assert_eq!((model.0, hits), (3, 2));
        assert_eq!(e2.row(0), e.row(1));
        let mut other = EmbeddingCache::open(dir.path(), "other-model", 2).unwrap();
        assert!(other.is_empty());
        other.embed(&mut model, &["ab"]).unwrap();
        assert_eq!(model.0, 4);
    }
}
