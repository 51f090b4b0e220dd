//! Outputs that appear whole or not at all.
//!
//! An [`AtomicFile`] is written to a temporary file in the directory of its
//! final name (`.NAME.XXXXXX.tmp`, removed again if the write fails),
//! flushed to disk with `fsync`, and renamed over the final name; the
//! directory is synced so the rename survives a crash. A reader therefore
//! sees either the previous file or the complete new one, never a torn one,
//! and an interrupted run leaves the previous output in place. Every error
//! names the final path.
//!
//! [`commit_pair`] does the same for a main file and its sidecar (`.npy` and
//! its `.ids.txt`): both are complete on disk before either is renamed, and
//! the main file is renamed last, after any old main file has been removed,
//! so a main file on disk always has the sidecar that was written with it.
//!
//! [`check_writable`] tries the same temporary-file creation up front, so a
//! command can refuse an output it could not write before doing any work.
//!
//! Temporary files still being written are listed, so that a program
//! interrupted by a signal can remove them before it exits
//! ([`remove_unfinished`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::error::UsageError;

/// A file written under a temporary name and renamed into place by
/// [`AtomicFile::commit`]; dropped without commit, it leaves nothing behind.
pub struct AtomicFile {
    target: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
    _listed: Listed,
}

/// Temporary files being written in this process.
static UNFINISHED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Keeps a temporary file on the [`UNFINISHED`] list while it lives.
struct Listed(PathBuf);

/// The list, also when a thread panicked while holding it.
fn unfinished() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for Listed {
    fn drop(&mut self) {
        let mut list = unfinished();
        if let Some(i) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(i);
        }
    }
}

/// Removes the temporary files of outputs still being written, for a
/// program that is about to exit on a signal (their final names are left
/// as they were). The list stays locked afterwards, so no thread can start
/// another temporary file before the program exits.
pub fn remove_unfinished() {
    let list = unfinished();
    for p in list.iter() {
        let _ = std::fs::remove_file(p);
    }
    std::mem::forget(list);
}

/// The directory a path's file lives in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Creates a temporary file next to `target` and lists it; the list is held
/// meanwhile, so a signal arriving in between still finds the file.
fn temp_in(target: &Path) -> std::io::Result<(tempfile::NamedTempFile, Listed)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    // Ordinary file permissions (subject to the umask), not 0600.
    use std::os::unix::fs::PermissionsExt;
    let mut list = unfinished();
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(parent_dir(target))?;
    list.push(tmp.path().to_path_buf());
    let listed = Listed(tmp.path().to_path_buf());
    Ok((tmp, listed))
}

impl AtomicFile {
    /// Starts writing `target`.
    pub fn create(target: &Path) -> Result<Self> {
        let (tmp, listed) = temp_in(target).with_context(|| {
            format!(
                "creating a temporary file next to {} (in {})",
                target.display(),
                parent_dir(target).display()
            )
        })?;
        Ok(Self {
            target: target.to_path_buf(),
            _listed: listed,
            writer: BufWriter::with_capacity(1 << 20, tmp),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The underlying temporary file (for positioned writes); buffered bytes
    /// are flushed first.
    pub fn file(&mut self) -> Result<&File> {
        self.flush_buffer()?;
        Ok(self.writer.get_ref().as_file())
    }

    fn flush_buffer(&mut self) -> Result<()> {
        self.writer
            .flush()
            .with_context(|| format!("writing {}", self.target.display()))
    }

    /// Flushes and syncs the data to disk, without renaming.
    fn sync(&mut self) -> Result<()> {
        self.flush_buffer()?;
        self.writer
            .get_ref()
            .as_file()
            .sync_all()
            .with_context(|| format!("writing {} (fsync)", self.target.display()))
    }

    /// The final path and the finished temporary file (still listed until
    /// the returned guard is dropped, after the rename).
    fn into_temp(self) -> Result<(PathBuf, tempfile::NamedTempFile, Listed)> {
        let Self {
            target,
            writer,
            _listed: listed,
        } = self;
        let tmp = writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", target.display()))?;
        Ok((target, tmp, listed))
    }

    /// Syncs the file and renames it to its final name.
    pub fn commit(mut self) -> Result<()> {
        self.sync()?;
        let (target, tmp, _listed) = self.into_temp()?;
        persist(tmp, &target)?;
        sync_dir(parent_dir(&target))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

fn persist(tmp: tempfile::NamedTempFile, target: &Path) -> Result<()> {
    tmp.persist(target).map_err(|e| e.error).with_context(|| {
        format!(
            "moving the finished file into place as {}",
            target.display()
        )
    })?;
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("syncing directory {}", dir.display()))
}

/// Commits a main file and its sidecar as a pair: both are synced first,
/// then any old main file is removed, the sidecar is renamed into place and
/// the main file last.
pub fn commit_pair(main: AtomicFile, sidecar: AtomicFile) -> Result<()> {
    let (mut main, mut sidecar) = (main, sidecar);
    main.sync()?;
    sidecar.sync()?;
    let (main_target, main_tmp, _main_listed) = main.into_temp()?;
    let (side_target, side_tmp, _side_listed) = sidecar.into_temp()?;
    match std::fs::remove_file(&main_target) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).with_context(|| format!("replacing {}", main_target.display()));
        }
    }
    persist(side_tmp, &side_target)?;
    persist(main_tmp, &main_target)?;
    sync_dir(parent_dir(&main_target))
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    f.commit()
}

/// Checks, before any work, that `path` can be written: its directory
/// exists and accepts a new file, and the path is not a directory. `-`
/// (standard output) is always writable. A failure is a [`UsageError`].
pub fn check_writable(path: &Path) -> Result<()> {
    if path.as_os_str() == "-" {
        return Ok(());
    }
    let dir = parent_dir(path);
    if !dir.is_dir() {
        return Err(UsageError::new(format!(
            "cannot write {}: the directory {} does not exist",
            path.display(),
            dir.display()
        ))
        .into());
    }
    if path.is_dir() {
        return Err(UsageError::new(format!(
            "cannot write {}: it is a directory",
            path.display()
        ))
        .into());
    }
    match temp_in(path) {
        Ok((tmp, listed)) => {
            drop(tmp);
            drop(listed);
            Ok(())
        }
        Err(e) => Err(UsageError::new(format!(
            "cannot write {}: creating a file in {} fails ({e})",
            path.display(),
            dir.display()
        ))
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_file_replaces_the_old_one_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        std::fs::write(&target, "old").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_abandoned_file_leaves_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.txt");
        std::fs::write(&target, "old").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"partial").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn pairs_are_committed_together() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("a.npy");
        let side = dir.path().join("a.npy.ids.txt");
        let mut m = AtomicFile::create(&main).unwrap();
        let mut s = AtomicFile::create(&side).unwrap();
        m.write_all(b"M").unwrap();
        s.write_all(b"S").unwrap();
        commit_pair(m, s).unwrap();
        assert_eq!(std::fs::read_to_string(&main).unwrap(), "M");
        assert_eq!(std::fs::read_to_string(&side).unwrap(), "S");
    }

    #[test]
    fn unwritable_places_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = check_writable(&dir.path().join("missing/x.json")).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some());
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = check_writable(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        check_writable(&dir.path().join("ok.json")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        check_writable(Path::new("-")).unwrap();
    }
}
