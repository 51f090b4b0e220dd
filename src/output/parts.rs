//! Resumable embedding runs: the statements are embedded part by part, each
//! part written as a Parquet file in a parts directory next to the output
//! (`<output>.parts/part-000000.parquet`, …) and recorded in
//! `manifest.json` once it is safely on disk. A run that is killed leaves
//! the finished parts; the next run with the same statements, model and
//! part size verifies them (SHA-256) and embeds only the rest. The final
//! output is then assembled from the parts, so it is the same, byte for
//! byte, as an uninterrupted run's.
//!
//! Both the parts and the manifest are written atomically ([`super::atomic`]);
//! a part written but not yet in the manifest is simply embedded again.

use std::path::{Path, PathBuf};

use crate::error::{ensure, Result, UsageError, WrapErr};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::atomic::write_atomic;
use crate::embeddings::Embeddings;
use crate::input::Statement;
use crate::model::checksums::sha256_file;

/// The manifest's format version.
const VERSION: u32 = 1;

/// What a run embeds; a parts directory may only be resumed by a run with
/// the same key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunKey {
    /// SHA-256 over the statements (ids, texts and metadata, in order).
    pub statements_sha256: String,
    pub statements: usize,
    /// The encoder's fingerprint (model, pooling, prompt, precision…).
    pub model: String,
    pub dim: usize,
    /// Statements per part.
    pub part_size: usize,
}

impl RunKey {
    pub fn new(statements: &[Statement], model: String, dim: usize, part_size: usize) -> Self {
        let mut h = Sha256::new();
        for s in statements {
            let bytes = serde_json::to_vec(s).expect("statements serialize");
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
        Self {
            statements_sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            statements: statements.len(),
            model,
            dim,
            part_size: part_size.max(1),
        }
    }

    /// Number of parts.
    pub fn parts(&self) -> usize {
        self.statements.div_ceil(self.part_size)
    }

    /// The statement range of part `k`.
    pub fn range(&self, k: usize) -> std::ops::Range<usize> {
        let start = k * self.part_size;
        start..(start + self.part_size).min(self.statements)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PartRecord {
    file: String,
    rows: usize,
    sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    #[serde(flatten)]
    key: RunKey,
    parts: Vec<PartRecord>,
}

/// A parts directory being filled.
pub struct PartStore {
    dir: PathBuf,
    manifest: Manifest,
}

/// The parts directory of an output.
pub fn parts_dir(output: &Path) -> PathBuf {
    let mut s = output.as_os_str().to_owned();
    s.push(".parts");
    PathBuf::from(s)
}

impl PartStore {
    /// Opens the parts directory `dir` for `key`, or starts it. Parts that
    /// are recorded but missing or altered are dropped (with all later
    /// ones) and will be embedded again. A directory started for another
    /// key is a [`UsageError`].
    pub fn open(dir: &Path, key: &RunKey) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let manifest_path = dir.join("manifest.json");
        let mut manifest = match std::fs::read_to_string(&manifest_path) {
            Ok(text) => {
                let m: Manifest = serde_json::from_str(&text).map_err(|e| {
                    UsageError::new(format!(
                        "{} is not a volte parts manifest ({e}); delete {} to start over",
                        manifest_path.display(),
                        dir.display()
                    ))
                })?;
                if m.version != VERSION || m.key != *key {
                    return Err(UsageError::new(format!(
                        "{} holds the parts of another run ({}); delete it to start over, or \
                         give the same statements, model options and --part-size",
                        dir.display(),
                        differences(&m.key, key)
                    ))
                    .into());
                }
                m
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest {
                version: VERSION,
                key: key.clone(),
                parts: Vec::new(),
            },
            Err(e) => return Err(e).context(format!("reading {}", manifest_path.display())),
        };
        let mut valid = 0;
        for (k, p) in manifest.parts.iter().enumerate() {
            let path = dir.join(&p.file);
            let ok = p.file == part_name(k)
                && p.rows == key.range(k).len()
                && path.is_file()
                && sha256_file(&path).is_ok_and(|h| h == p.sha256);
            if !ok {
                break;
            }
            valid += 1;
        }
        manifest.parts.truncate(valid);
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// Parts already done (the next part to embed).
    pub fn done(&self) -> usize {
        self.manifest.parts.len()
    }

    /// Statements already embedded.
    pub fn done_rows(&self) -> usize {
        self.manifest.parts.iter().map(|p| p.rows).sum()
    }

    /// Writes the next part and records it.
    pub fn add(&mut self, statements: &[Statement], emb: &Embeddings) -> Result<()> {
        let k = self.done();
        ensure!(
            k < self.manifest.key.parts()
                && statements.len() == self.manifest.key.range(k).len()
                && emb.len() == statements.len(),
            "part {k} does not fit the run"
        );
        let file = part_name(k);
        let path = self.dir.join(&file);
        super::parquet::write(&path, statements, emb)?;
        self.manifest.parts.push(PartRecord {
            file,
            rows: statements.len(),
            sha256: sha256_file(&path)?,
        });
        let text = serde_json::to_string_pretty(&self.manifest)?;
        write_atomic(&self.dir.join("manifest.json"), text.as_bytes())
    }

    /// Reads part `k` back: its ids and embeddings.
    pub fn read(&self, k: usize) -> Result<(Vec<String>, Embeddings)> {
        let p = &self.manifest.parts[k];
        super::parquet::read(&self.dir.join(&p.file))
    }

    /// Removes the parts directory (after the output is complete).
    pub fn remove(self) -> Result<()> {
        std::fs::remove_dir_all(&self.dir)
            .with_context(|| format!("removing {}", self.dir.display()))
    }
}

fn part_name(k: usize) -> String {
    format!("part-{k:06}.parquet")
}

fn differences(old: &RunKey, new: &RunKey) -> String {
    let mut d = Vec::new();
    if old.statements_sha256 != new.statements_sha256 || old.statements != new.statements {
        d.push(format!(
            "other statements: {} then, {} now",
            old.statements, new.statements
        ));
    }
    if old.model != new.model || old.dim != new.dim {
        d.push(format!("model {} then, {} now", old.model, new.model));
    }
    if old.part_size != new.part_size {
        d.push(format!(
            "part size {} then, {} now",
            old.part_size, new.part_size
        ));
    }
    if d.is_empty() {
        d.push("another manifest version".into());
    }
    d.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(n: usize) -> Vec<Statement> {
        (0..n)
            .map(|i| Statement {
                id: format!("s{i}"),
                text: format!("text {i}"),
                speaker: None,
                date: None,
                source: None,
                lang: None,
                extra: Vec::new(),
                line: i + 1,
            })
            .collect()
    }

    fn emb(rows: std::ops::Range<usize>) -> Embeddings {
        Embeddings::new(2, rows.flat_map(|i| [i as f32, 1.0]).collect()).unwrap()
    }

    #[test]
    fn parts_survive_a_restart_and_damage_is_redone() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join("out.npy.parts");
        let st = statements(5);
        let key = RunKey::new(&st, "m".into(), 2, 2);
        assert_eq!(key.parts(), 3);
        let mut store = PartStore::open(&parts, &key).unwrap();
        store.add(&st[0..2], &emb(0..2)).unwrap();
        store.add(&st[2..4], &emb(2..4)).unwrap();
        drop(store);
        let store = PartStore::open(&parts, &key).unwrap();
        assert_eq!((store.done(), store.done_rows()), (2, 4));
        let (ids, e) = store.read(1).unwrap();
        assert_eq!(ids, vec!["s2", "s3"]);
        assert_eq!(e, emb(2..4));
        // A damaged part is embedded again, with everything after it.
        std::fs::write(parts.join("part-000000.parquet"), b"junk").unwrap();
        assert_eq!(PartStore::open(&parts, &key).unwrap().done(), 0);
    }

    #[test]
    fn another_run_cannot_resume_the_parts() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join("p");
        let st = statements(3);
        let key = RunKey::new(&st, "m".into(), 2, 2);
        let mut store = PartStore::open(&parts, &key).unwrap();
        store.add(&st[0..2], &emb(0..2)).unwrap();
        let mut changed = st.clone();
        changed[2].text = "other".into();
        let other = RunKey::new(&changed, "m".into(), 2, 2);
        let e = PartStore::open(&parts, &other).err().unwrap();
        assert!(matches!(e, crate::Error::Usage(_)), "{e}");
        assert!(e.to_string().contains("other statements"), "{e}");
        let other = RunKey::new(&st, "m".into(), 2, 3);
        let e = PartStore::open(&parts, &other).err().unwrap();
        assert!(e.to_string().contains("part size 2 then, 3 now"), "{e}");
    }
}
