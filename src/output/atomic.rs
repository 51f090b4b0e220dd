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
//! Commits of pairs into one directory are serialised by an exclusive lock
//! on the directory, so two runs writing the same pair at once leave one
//! run's main file with that run's sidecar, never a mix.
//!
//! What is not a regular file is never renamed over: a character device
//! (`/dev/null`), a FIFO, a socket, and the standard streams' names
//! (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`) are written in place,
//! with no atomicity (see [`written_in_place`]).
//!
//! [`check_writable`] tries the same temporary-file creation up front, so a
//! command can refuse an output it could not write before doing any work.
//!
//! Temporary names carry the writer's process id (`.NAME.PID.XXXXXX.tmp`):
//! one left behind by a process killed outright (SIGKILL, power loss) is
//! removed by the next write next to it once that process is gone and the
//! file is older than [`STALE_AFTER`] ([`remove_stale`]).
//!
//! Temporary files still being written are listed, so that a program
//! interrupted by a signal can remove them before it exits
//! ([`remove_unfinished`]).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Result, UsageError, WrapErr};

/// A file written under a temporary name and renamed into place by
/// [`AtomicFile::commit`]; dropped without commit, it leaves nothing behind.
pub struct AtomicFile {
    target: PathBuf,
    sink: Sink,
}

/// Where the bytes of an [`AtomicFile`] go.
enum Sink {
    /// A temporary file, renamed into place on commit.
    Temp(BufWriter<tempfile::NamedTempFile>, Listed),
    /// The target itself (a device, FIFO or standard stream).
    InPlace(BufWriter<File>),
}

/// How old a dead process's temporary file must be before it is removed.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

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

/// Whether `path` is written in place rather than through a temporary
/// file and a rename: it exists and is not a regular file or directory
/// (a character device, FIFO or socket, also through a symbolic link), or
/// it names a standard stream or open descriptor (`/dev/stdout`,
/// `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`), which a rename would
/// replace instead of writing through.
pub fn written_in_place(path: &Path) -> bool {
    let stream = path.starts_with("/dev/fd")
        || path.starts_with("/proc/self/fd")
        || path.starts_with("/proc/thread-self/fd")
        || ["/dev/stdout", "/dev/stderr"]
            .iter()
            .any(|p| path == Path::new(p))
        || (path.starts_with("/proc")
            && path.parent().and_then(Path::file_name) == Some("fd".as_ref()));
    stream
        || std::fs::metadata(path)
            .map(|m| !m.is_file() && !m.is_dir())
            .unwrap_or(false)
}

/// The process that wrote a temporary file named `.{name}.PID.XXXXXX.tmp`.
fn writer_pid(file: &str, name: &str) -> Option<u32> {
    let rest = file
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?;
    let (pid, random) = rest.split_once('.')?;
    (!random.is_empty() && !random.contains('.')).then_some(())?;
    pid.parse().ok()
}

/// Whether process `pid` is running on this machine.
pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Removes the temporary files of `target` that a process no longer
/// running left behind, once they are older than [`STALE_AFTER`]; returns
/// how many were removed. Failures are ignored (the files are harmless).
pub fn remove_stale(target: &Path) -> usize {
    let Some(name) = target.file_name().and_then(|n| n.to_str()) else {
        return 0;
    };
    let Ok(entries) = std::fs::read_dir(parent_dir(target)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(pid) = file.to_str().and_then(|f| writer_pid(f, name)) else {
            continue;
        };
        let old = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if old
            && pid != std::process::id()
            && !process_alive(pid)
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Creates a temporary file next to `target` and lists it; the list is held
/// meanwhile, so a signal arriving in between still finds the file.
fn temp_in(target: &Path) -> std::io::Result<(tempfile::NamedTempFile, Listed)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.{}.", std::process::id());
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

/// Opens a target that is written in place: a standard stream's name that
/// leads to a regular file is appended to (as the shell opened it), other
/// special files are simply written.
fn open_in_place(target: &Path) -> std::io::Result<File> {
    let regular = std::fs::metadata(target).is_ok_and(|m| m.is_file());
    std::fs::OpenOptions::new()
        .write(true)
        .append(regular)
        .open(target)
}

impl AtomicFile {
    /// Starts writing `target`.
    pub fn create(target: &Path) -> Result<Self> {
        if written_in_place(target) {
            let file = open_in_place(target)
                .with_context(|| format!("opening {} for writing", target.display()))?;
            return Ok(Self {
                target: target.to_path_buf(),
                sink: Sink::InPlace(BufWriter::with_capacity(1 << 20, file)),
            });
        }
        remove_stale(target);
        let (tmp, listed) = temp_in(target).with_context(|| {
            format!(
                "creating a temporary file next to {} (in {})",
                target.display(),
                parent_dir(target).display()
            )
        })?;
        Ok(Self {
            target: target.to_path_buf(),
            sink: Sink::Temp(BufWriter::with_capacity(1 << 20, tmp), listed),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Whether the target is written in place ([`written_in_place`]).
    pub fn in_place(&self) -> bool {
        matches!(self.sink, Sink::InPlace(_))
    }

    fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::Temp(w, _) => w,
            Sink::InPlace(w) => w,
        }
    }

    fn flush_buffer(&mut self) -> Result<()> {
        let target = self.target.clone();
        self.writer()
            .flush()
            .with_context(|| format!("writing {}", target.display()))
    }

    /// Flushes and syncs the data to disk, without renaming (a file written
    /// in place is only flushed).
    fn sync(&mut self) -> Result<()> {
        self.flush_buffer()?;
        match &self.sink {
            Sink::Temp(w, _) => Ok(w
                .get_ref()
                .as_file()
                .sync_all()
                .with_context(|| format!("writing {} (fsync)", self.target.display()))?),
            Sink::InPlace(_) => Ok(()),
        }
    }

    /// The final path and, unless it is written in place, the finished
    /// temporary file (still listed until the returned guard is dropped,
    /// after the rename).
    fn into_temp(self) -> Result<(PathBuf, Option<(tempfile::NamedTempFile, Listed)>)> {
        let Self { target, sink } = self;
        match sink {
            Sink::InPlace(mut w) => {
                w.flush()
                    .with_context(|| format!("writing {}", target.display()))?;
                Ok((target, None))
            }
            Sink::Temp(writer, listed) => {
                let tmp = writer
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("writing {}", target.display()))?;
                Ok((target, Some((tmp, listed))))
            }
        }
    }

    /// Syncs the file and renames it to its final name.
    pub fn commit(mut self) -> Result<()> {
        self.sync()?;
        let (target, tmp) = self.into_temp()?;
        if let Some((tmp, _listed)) = tmp {
            persist(tmp, &target)?;
            sync_dir(parent_dir(&target))?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer().write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer().flush()
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
/// then, under an exclusive lock on the main file's directory, any old main
/// file is removed, the sidecar is renamed into place and the main file
/// last. A main file written in place (a device, FIFO) is only flushed,
/// after its sidecar is in place.
pub fn commit_pair(main: AtomicFile, sidecar: AtomicFile) -> Result<()> {
    let (mut main, mut sidecar) = (main, sidecar);
    main.sync()?;
    sidecar.sync()?;
    let (main_target, main_tmp) = main.into_temp()?;
    let Some((main_tmp, _main_listed)) = main_tmp else {
        return sidecar.commit();
    };
    let (side_target, side_tmp) = sidecar.into_temp()?;
    let dir = parent_dir(&main_target);
    let lock = File::open(dir)
        .and_then(|d| d.lock().map(|()| d))
        .with_context(|| format!("locking directory {}", dir.display()))?;
    match std::fs::remove_file(&main_target) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(e).context(format!("replacing {}", main_target.display()));
        }
    }
    if let Some((side_tmp, _side_listed)) = side_tmp {
        persist(side_tmp, &side_target)?;
    }
    persist(main_tmp, &main_target)?;
    sync_dir(dir)?;
    drop(lock);
    Ok(())
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
/// (standard output) and what is written in place ([`written_in_place`])
/// are not checked. A failure is a [`UsageError`].
pub fn check_writable(path: &Path) -> Result<()> {
    if path.as_os_str() == "-" || written_in_place(path) {
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
        assert!(matches!(e, crate::Error::Usage(_)), "{e}");
        assert!(e.to_string().contains("does not exist"), "{e}");
        let e = check_writable(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        check_writable(&dir.path().join("ok.json")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        check_writable(Path::new("-")).unwrap();
    }

    #[test]
    fn m1_concurrent_pair_commits_keep_main_and_sidecar_together() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("race.npy");
        let side = dir.path().join("race.npy.ids.txt");
        for round in 0..40 {
            std::thread::scope(|s| {
                for writer in 0..4 {
                    let (main, side) = (&main, &side);
                    s.spawn(move || {
                        let tag = format!("{round}-{writer}");
                        let mut m = AtomicFile::create(main).unwrap();
                        let mut sc = AtomicFile::create(side).unwrap();
                        m.write_all(tag.as_bytes()).unwrap();
                        sc.write_all(tag.as_bytes()).unwrap();
                        commit_pair(m, sc).unwrap();
                    });
                }
            });
            assert_eq!(
                std::fs::read_to_string(&main).unwrap(),
                std::fs::read_to_string(&side).unwrap(),
                "round {round}: the main file has another run's sidecar"
            );
        }
    }

    #[test]
    fn h1_a_link_to_a_device_is_written_through_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("mynull");
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        assert!(written_in_place(&link));
        check_writable(&link).unwrap();
        let mut f = AtomicFile::create(&link).unwrap();
        f.write_all(b"discarded").unwrap();
        f.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        for p in ["/dev/stdout", "/dev/stderr", "/dev/fd/1", "/proc/self/fd/2"] {
            assert!(written_in_place(Path::new(p)), "{p}");
        }
        assert!(!written_in_place(&dir.path().join("plain.json")));
    }

    #[test]
    fn l11_stale_temporary_files_of_dead_writers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.jsonl");
        let old = std::time::SystemTime::now() - STALE_AFTER * 2;
        let dead = i32::MAX - 1;
        let make = |name: String, modified: std::time::SystemTime| {
            let p = dir.path().join(name);
            std::fs::File::create(&p)
                .unwrap()
                .set_modified(modified)
                .unwrap();
            p
        };
        let stale = make(format!(".out.jsonl.{dead}.AbC123.tmp"), old);
        let recent = make(
            format!(".out.jsonl.{dead}.XyZ789.tmp"),
            std::time::SystemTime::now(),
        );
        let live = make(format!(".out.jsonl.{}.Live01.tmp", std::process::id()), old);
        let other = make(format!(".other.jsonl.{dead}.AbC123.tmp"), old);
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"x").unwrap();
        f.commit().unwrap();
        assert!(
            !stale.exists(),
            "a dead writer's old temporary file is removed"
        );
        assert!(recent.exists() && live.exists() && other.exists());
        assert_eq!(writer_pid(".a.b.12.Xy.tmp", "a.b"), Some(12));
        assert_eq!(writer_pid(".a.12.tmp", "a"), None);
    }
}
