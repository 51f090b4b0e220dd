//! SHA-256 checksums of a converted model's files, recorded when the model
//! is provisioned (`checksums.json` in the model directory) and checked
//! later: sizes on every use (cheap), full hashes by `volte models list` and
//! `volte models pull`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Result, WrapErr};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::output::atomic::write_atomic;

/// The file holding the checksums, inside the model directory.
pub const FILE: &str = "checksums.json";

/// Files that are not part of the model itself.
const SKIPPED: [&str; 2] = [FILE, ".complete"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSum {
    /// Path relative to the model directory, `/`-separated.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    files: Vec<FileSum>,
}

/// How a model directory compares with its recorded checksums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every recorded file is there with its size and hash.
    Verified,
    /// No checksums were recorded (a model provisioned by an older volte).
    Unrecorded,
    /// What is wrong, file by file.
    Damaged(Vec<String>),
}

fn files_of(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("listing {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .expect("walked from dir")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if !SKIPPED.contains(&rel.as_str()) {
                out.push((rel, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The SHA-256 of a file, in lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Records the size and hash of every file under `dir`.
pub fn record(dir: &Path) -> Result<()> {
    let mut files = Vec::new();
    for (rel, path) in files_of(dir)? {
        files.push(FileSum {
            bytes: std::fs::metadata(&path)?.len(),
            sha256: sha256_file(&path)?,
            path: rel,
        });
    }
    let text = serde_json::to_string_pretty(&Manifest { files })?;
    write_atomic(&dir.join(FILE), text.as_bytes())
}

fn manifest(dir: &Path) -> Result<Option<Manifest>> {
    let path = dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn compare(dir: &Path, full: bool) -> Result<Verification> {
    let Some(m) = manifest(dir)? else {
        return Ok(Verification::Unrecorded);
    };
    let mut problems = Vec::new();
    for f in &m.files {
        let path = dir.join(&f.path);
        match std::fs::metadata(&path) {
            Err(_) => problems.push(format!("{} is missing", f.path)),
            Ok(meta) if meta.len() != f.bytes => problems.push(format!(
                "{} has {} bytes, {} expected",
                f.path,
                meta.len(),
                f.bytes
            )),
            Ok(_) if full && sha256_file(&path)? != f.sha256 => {
                problems.push(format!("{} does not match its SHA-256", f.path))
            }
            Ok(_) => {}
        }
    }
    Ok(if problems.is_empty() {
        Verification::Verified
    } else {
        Verification::Damaged(problems)
    })
}

/// Compares sizes only (fast enough for every use of the model).
pub fn check_sizes(dir: &Path) -> Result<Verification> {
    compare(dir, false)
}

/// Compares sizes and SHA-256 hashes.
pub fn verify(dir: &Path) -> Result<Verification> {
    compare(dir, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_found_by_size_or_hash() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("a.bin"), b"abcdef").unwrap();
        std::fs::write(dir.path().join("sub/b.json"), b"{}").unwrap();
        assert_eq!(verify(dir.path()).unwrap(), Verification::Unrecorded);
        record(dir.path()).unwrap();
        assert_eq!(verify(dir.path()).unwrap(), Verification::Verified);
        std::fs::write(dir.path().join("a.bin"), b"abcdeX").unwrap();
        assert_eq!(check_sizes(dir.path()).unwrap(), Verification::Verified);
        assert_eq!(
            verify(dir.path()).unwrap(),
            Verification::Damaged(vec!["a.bin does not match its SHA-256".into()])
        );
        std::fs::write(dir.path().join("a.bin"), b"abc").unwrap();
        std::fs::remove_file(dir.path().join("sub/b.json")).unwrap();
        assert_eq!(
            check_sizes(dir.path()).unwrap(),
            Verification::Damaged(vec![
                "a.bin has 3 bytes, 6 expected".into(),
                "sub/b.json is missing".into()
            ])
        );
    }
}
