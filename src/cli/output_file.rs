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
    /// Starts writing `path` (`-` is standard output).
    pub fn create(path: &Path) -> Result<Self> {
        if path.as_os_str() == "-" {
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
            Self::File(f) => f.commit(),
        }
    }
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
