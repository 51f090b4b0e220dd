//! The rejects file: one JSON line per rejected record (`file`, `line`,
//! `reason`, `raw`), written atomically.

use std::io::Write;
use std::path::Path;

use crate::error::{Result, WrapErr};

use super::atomic::AtomicFile;
use crate::input::Reject;

/// Writes `rejects` to `path` (an empty file when there are none).
pub fn write(path: &Path, rejects: &[Reject]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    for r in rejects {
        serde_json::to_writer(&mut f, r)
            .map_err(std::io::Error::from)
            .and_then(|()| f.write_all(b"\n"))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    f.commit()
}
