//! On-disk embedding cache keyed by model fingerprint and text hash, so
//! re-running a command on the same statements skips the encoder.
//!
//! One directory per model fingerprint; one append-only file of records
//! `[32-byte SHA-256 of the text][dim × f32 little-endian]`.
//!
//! Several processes may share the cache (parallel runs, test harnesses):
//! a writer appends a whole batch under an exclusive lock on the file, and a
//! reader reads under a shared lock, so records never interleave and a
//! reader never sees half a batch. A torn final record (a writer killed
//! mid-batch) is ignored on reading and cut off before the next append, so
//! later records stay aligned.
//!
//! Records are checked on reading: a vector that is not finite or not of
//! unit length (the encoder's vectors are L2-normalised, so anything else
//! is a damaged record) is not served; its text is a miss and is embedded
//! again. Vectors that would fail the check are never stored.
//!
//! The cache is an optimisation: a failure to store new records is returned
//! next to the embeddings (see [`Cached::not_stored`]) instead of failing
//! the embedding, and a vector that is not finite is never stored.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, WrapErr};
use sha2::{Digest, Sha256};

use crate::embeddings::{first_non_finite_row, Embeddings};
use crate::encoder::TextEmbedder;

type Key = [u8; 32];

/// A persistent text → embedding map for one model.
pub struct EmbeddingCache {
    file: PathBuf,
    dim: usize,
    entries: HashMap<Key, Vec<f32>>,
    damaged: usize,
}

/// How far a stored vector's length may be from 1.
const UNIT_TOLERANCE: f64 = 1e-3;

/// Whether a vector may be served from the cache: finite and of unit length.
fn servable(v: &[f32]) -> bool {
    let norm2: f64 = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    v.iter().all(|x| x.is_finite()) && (norm2.sqrt() - 1.0).abs() <= UNIT_TOLERANCE
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
        let mut damaged = 0;
        if file.is_file() {
            let mut bytes = Vec::new();
            let mut f = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            f.lock_shared()
                .with_context(|| format!("locking {}", file.display()))?;
            f.read_to_end(&mut bytes)?;
            drop(f);
            // A torn final record (interrupted write) is ignored.
            for chunk in bytes.chunks_exact(record_len(dim)) {
                let k: Key = chunk[..32].try_into().unwrap();
                let v: Vec<f32> = chunk[32..]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
                    .collect();
                if servable(&v) {
                    entries.insert(k, v);
                } else {
                    damaged += 1;
                }
            }
        }
        if damaged > 0 {
            tracing::warn!(
                "{}: {damaged} damaged record(s) (not finite or not of unit length) ignored; \
                 their texts are embedded again",
                file.display()
            );
        }
        Ok(Self {
            file,
            dim,
            entries,
            damaged,
        })
    }

    /// Records found damaged when the cache was opened (not served).
    pub fn damaged(&self) -> usize {
        self.damaged
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Embeds `texts` in order, computing only those not cached yet (each
    /// distinct text once) and storing them. A computed vector that is not
    /// finite is an [`Error::NotFinite`] naming the first text that has one
    /// and its 1-based position in `texts`.
    pub fn embed(&mut self, embedder: &mut dyn TextEmbedder, texts: &[&str]) -> Result<Cached> {
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
        let mut not_stored = None;
        if !missing.is_empty() {
            let todo: Vec<&str> = missing.iter().map(|&i| texts[i]).collect();
            let fresh = embedder.embed(&todo)?;
            if let Some(j) = first_non_finite_row(&fresh) {
                let row = missing[j];
                return Err(Error::NotFinite {
                    statement: texts[row].to_string(),
                    line: row + 1,
                });
            }
            let mut batch = Vec::with_capacity(missing.len() * record_len(self.dim));
            let mut uncached = HashMap::new();
            for (j, &i) in missing.iter().enumerate() {
                let row = fresh.row(j).to_vec();
                if !servable(&row) {
                    uncached.insert(keys[i], row);
                    continue;
                }
                batch.extend_from_slice(&keys[i]);
                for x in &row {
                    batch.extend_from_slice(&x.to_le_bytes());
                }
                self.entries.insert(keys[i], row);
            }
            if !batch.is_empty() {
                not_stored = self
                    .append(&batch)
                    .with_context(|| format!("writing {}", self.file.display()))
                    .err();
            }
            let mut out = Embeddings::empty(self.dim);
            for k in &keys {
                out.push_row(
                    self.entries
                        .get(k)
                        .or_else(|| uncached.get(k))
                        .expect("computed"),
                )?;
            }
            return Ok(Cached {
                embeddings: out,
                hits,
                not_stored,
            });
        }
        let mut out = Embeddings::empty(self.dim);
        for k in &keys {
            out.push_row(&self.entries[k])?;
        }
        Ok(Cached {
            embeddings: out,
            hits,
            not_stored,
        })
    }
}

/// What [`EmbeddingCache::embed`] returns.
pub struct Cached {
    /// One row per text, in order.
    pub embeddings: Embeddings,
    /// Texts served from the cache.
    pub hits: usize,
    /// Why the new vectors could not be stored, if they could not (they are
    /// still returned).
    pub not_stored: Option<Error>,
}

impl EmbeddingCache {
    /// Appends whole records under an exclusive lock, first cutting off a
    /// torn final record.
    fn append(&self, records: &[u8]) -> Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?;
        f.lock()?;
        let len = f.metadata()?.len();
        let whole = len - len % record_len(self.dim) as u64;
        if whole != len {
            f.set_len(whole)?;
        }
        f.write_all(records)?;
        f.flush()?;
        Ok(())
    }
}

/// Bytes per record: the key and `dim` f32 values.
fn record_len(dim: usize) -> usize {
    32 + dim * 4
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
        let c = cache.embed(&mut model, &["ab", "abc", "ab"]).unwrap();
        let (e, hits) = (c.embeddings, c.hits);
        assert_eq!((model.0, hits), (2, 0));
        assert_eq!(e.row(0), e.row(2));
        let mut again = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        let c = again.embed(&mut model, &["abc", "ab", "x"]).unwrap();
        let (e2, hits) = (c.embeddings, c.hits);
        assert_eq!((model.0, hits), (3, 2));
        assert_eq!(e2.row(0), e.row(1));
        let mut other = EmbeddingCache::open(dir.path(), "other-model", 2).unwrap();
        assert!(other.is_empty());
        other.embed(&mut model, &["ab"]).unwrap();
        assert_eq!(model.0, 4);
    }

    #[test]
    fn a_torn_record_is_cut_off_before_the_next_append() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = Counting(0);
        let mut cache = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        let first = cache.embed(&mut model, &["ab"]).unwrap().embeddings;
        // A writer killed half-way through its next record.
        let file = cache.file.clone();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(&[7u8; 20]).unwrap();
        drop(f);
        let mut again = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        assert_eq!(again.len(), 1);
        let e = again.embed(&mut model, &["abc"]).unwrap().embeddings;
        assert_eq!(
            std::fs::metadata(&file).unwrap().len(),
            2 * record_len(2) as u64
        );
        let reread = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        assert_eq!(reread.len(), 2);
        assert_eq!(reread.entries[&key("ab")], first.row(0));
        assert_eq!(reread.entries[&key("abc")], e.row(0));
    }

    #[test]
    fn m2_damaged_cache_records_are_recomputed() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = Counting(0);
        let texts = ["a", "bb", "ccc"];
        let mut cache = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        let clean = cache.embed(&mut model, &texts).unwrap().embeddings;
        assert_eq!(model.0, 3);
        // Damage the first value of the first two records: NaN, then 1e30.
        let file = cache.file.clone();
        let mut bytes = std::fs::read(&file).unwrap();
        for (r, bad) in [(0, f32::NAN), (1, 1e30)] {
            let at = r * record_len(2) + 32;
            bytes[at..at + 4].copy_from_slice(&bad.to_le_bytes());
        }
        std::fs::write(&file, &bytes).unwrap();
        let mut reopened = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        assert_eq!((reopened.len(), reopened.damaged()), (1, 2));
        let c = reopened.embed(&mut model, &texts).unwrap();
        assert_eq!((model.0, c.hits), (5, 1));
        assert_eq!(c.embeddings, clean);
        // The recomputed records are stored again and served next time.
        let mut third = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        assert_eq!(third.len(), 3);
        assert_eq!(third.embed(&mut model, &texts).unwrap().hits, 3);
        assert_eq!(model.0, 5);
    }

    /// NaN for texts that contain "x".
    struct Overflowing;
    impl TextEmbedder for Overflowing {
        fn dim(&self) -> usize {
            2
        }
        fn embed(&mut self, texts: &[&str]) -> Result<Embeddings> {
            let mut e = Embeddings::empty(2);
            for t in texts {
                let v = if t.contains('x') { f32::NAN } else { 1.0 };
                e.push_row(&[v, 0.0])?;
            }
            Ok(e)
        }
        fn fingerprint(&self) -> String {
            "overflowing".into()
        }
    }

    #[test]
    fn vectors_that_are_not_finite_are_refused_and_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        let e = cache
            .embed(&mut Overflowing, &["a", "a", "bx", "c"])
            .err()
            .unwrap();
        assert!(
            matches!(&e, Error::NotFinite { statement, line: 3 } if statement == "bx"),
            "{e:?}"
        );
        assert!(EmbeddingCache::open(dir.path(), "m", 2).unwrap().is_empty());
    }

    #[test]
    fn a_failed_store_still_returns_the_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = EmbeddingCache::open(dir.path(), "m", 2).unwrap();
        // The cache file cannot be opened for appending.
        std::fs::create_dir(&cache.file).unwrap();
        let c = cache.embed(&mut Counting(0), &["ab"]).unwrap();
        assert_eq!(c.embeddings.len(), 1);
        assert!(c.not_stored.is_some());
    }

    /// Maps a text to `dim` values derived from its length.
    struct Filled(usize);
    impl TextEmbedder for Filled {
        fn dim(&self) -> usize {
            self.0
        }
        fn embed(&mut self, texts: &[&str]) -> Result<Embeddings> {
            let mut e = Embeddings::empty(self.0);
            for t in texts {
                let row: Vec<f32> = (0..self.0).map(|j| (t.len() * 1000 + j) as f32).collect();
                let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
                let row: Vec<f32> = row.iter().map(|x| x / norm).collect();
                e.push_row(&row)?;
            }
            Ok(e)
        }
        fn fingerprint(&self) -> String {
            "filled".into()
        }
    }

    #[test]
    fn parallel_writers_keep_records_whole() {
        const DIM: usize = 384;
        let dir = tempfile::tempdir().unwrap();
        let texts: Vec<Vec<String>> = (0..8)
            .map(|t| (0..300).map(|i| format!("{t}-{}", "x".repeat(i))).collect())
            .collect();
        std::thread::scope(|s| {
            for batch in &texts {
                let root = dir.path();
                s.spawn(move || {
                    let mut cache = EmbeddingCache::open(root, "m", DIM).unwrap();
                    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
                    cache.embed(&mut Filled(DIM), &refs).unwrap();
                });
            }
        });
        let cache = EmbeddingCache::open(dir.path(), "m", DIM).unwrap();
        assert_eq!(cache.len(), 8 * 300);
        for t in texts.iter().flatten() {
            let expected = Filled(DIM).embed(&[t]).unwrap();
            assert_eq!(cache.entries[&key(t)], expected.row(0), "{t}");
        }
    }
}
