//! A command's output: a file that appears atomically when complete, or
//! standard output for `-`.

use std::io::{BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use volte::output::atomic::AtomicFile;

/// Where a command writes its result.
pub enum OutputFile {
    Stdout(BufWriter<Stdout>),
    File(AtomicFile),
}

impl OutputFile {
    /// Starts writing `path` (`-` is standard output, which must be open).
    pub fn create(path: &Path) -> Result<Self> {
        if path.as_os_str() == "-" {
            if stdout_closed() {
                anyhow::bail!(
                    "standard output is closed: nothing could be written (give -o FILE, or \
                     redirect standard output)"
                );
            }
            return Ok(Self::Stdout(BufWriter::new(std::io::stdout())));
        }
        Ok(Self::File(AtomicFile::create(path)?))
    }

    fn name(&self) -> PathBuf {
        match self {
            Self::Stdout(_) => PathBuf::from("standard output"),
            Self::File(f) => f.path().to_path_buf(),
        }
    }

    /// Writes `value` as one JSON line.
    pub fn write_line<T: Serialize>(&mut self, value: &T) -> Result<()> {
        serde_json::to_writer(&mut *self, value)
            .map_err(std::io::Error::from)
            .and_then(|()| self.write_all(b"\n"))
            .with_context(|| format!("writing {}", self.name().display()))
    }

    /// Writes bytes.
    pub fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_all(bytes)
            .with_context(|| format!("writing {}", self.name().display()))
    }

    /// Flushes standard output, or moves the finished file into place.
    pub fn finish(self) -> Result<()> {
        match self {
            Self::Stdout(mut w) => w.flush().context("writing standard output"),
            Self::File(f) => Ok(f.commit()?),
        }
    }
}

/// Whether standard output was closed when the program started. The Rust
/// runtime then puts `/dev/null`, opened for reading and writing, in its
/// place (so that no file opened later takes descriptor 1), and writes to
/// it would vanish without an error; a shell's `>/dev/null` opens it for
/// writing only, so that is still an open standard output.
pub fn stdout_closed() -> bool {
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::MetadataExt;
    // SAFETY: F_GETFL only reads the descriptor's flags.
    let flags = unsafe { libc::fcntl(1, libc::F_GETFL) };
    if flags < 0 {
        return true;
    }
    if flags & libc::O_ACCMODE != libc::O_RDWR {
        return false;
    }
    // SAFETY: descriptor 1 is open (F_GETFL succeeded); ManuallyDrop keeps
    // it open after the metadata is read.
    let stdout = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(1) });
    let (Ok(out), Ok(null)) = (stdout.metadata(), std::fs::metadata("/dev/null")) else {
        return false;
    };
    use std::os::unix::fs::FileTypeExt;
    out.file_type().is_char_device() && out.rdev() == null.rdev()
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Stdout(w) => w.write(buf),
            Self::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Stdout(w) => w.flush(),
            Self::File(f) => f.flush(),
        }
    }
}
