//! `.npy` float32 matrices with an ids sidecar (`<file>.ids.txt`, one id per line).
//!
//! Written row block by row block into temporary files and committed as a
//! pair (see [`super::atomic`]); read through a memory map, so a header that
//! promises more data than the file holds is an error rather than an
//! allocation.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{ensure, Result, UsageError, WrapErr};
use ndarray::ArrayView2;
use ndarray_npy::{ViewNpyError, ViewNpyExt};

use super::atomic::{commit_pair, written_in_place, AtomicFile};
use crate::embeddings::Embeddings;
use crate::input::InputError;

/// The sidecar path holding the ids of `npy`.
pub fn ids_path(npy: &Path) -> PathBuf {
    let mut s = npy.as_os_str().to_owned();
    s.push(".ids.txt");
    PathBuf::from(s)
}

/// Refuses ([`UsageError`]) ids that the one-id-per-line sidecar cannot
/// hold: an id with a line break would read back as two ids, or collide
/// with another id once the break were replaced.
pub fn check_ids<'a>(npy: &Path, ids: impl IntoIterator<Item = &'a str>) -> Result<()> {
    if let Some(id) = ids.into_iter().find(|id| id.contains(['\n', '\r'])) {
        return Err(UsageError::new(format!(
            "id {id:?} holds a line break, which the ids file of {} (one id per line) cannot \
             hold: write .parquet or .jsonl, or change the id",
            npy.display()
        ))
        .into());
    }
    Ok(())
}

/// Whether an array written to `npy` gets its ids file: always, except
/// when it goes to a character device (`/dev/null`) or a standard stream's
/// name (`/dev/stdout`), which have no directory of their own to hold one.
/// A FIFO gets its ids file next to it.
fn sidecar_beside(npy: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    !written_in_place(npy) || std::fs::metadata(npy).is_ok_and(|m| m.file_type().is_fifo())
}

/// Writes an `n × dim` float32 `.npy` and its ids block by block.
pub struct NpyWriter {
    main: AtomicFile,
    /// `None` when the array goes to a device or a standard stream, where
    /// an ids file next to it would land in `/dev`.
    ids: Option<AtomicFile>,
    rows: usize,
    dim: usize,
    written: usize,
}

impl NpyWriter {
    /// Starts `path` for `rows` rows of `dim` values.
    pub fn create(path: &Path, rows: usize, dim: usize) -> Result<Self> {
        let mut main = AtomicFile::create(path)?;
        main.write_all(&header(rows, dim))
            .with_context(|| format!("writing {}", path.display()))?;
        let ids = if sidecar_beside(path) {
            Some(AtomicFile::create(&ids_path(path))?)
        } else {
            None
        };
        Ok(Self {
            main,
            ids,
            rows,
            dim,
            written: 0,
        })
    }

    /// Appends rows and their ids.
    pub fn write(&mut self, ids: &[String], emb: &Embeddings) -> Result<()> {
        ensure!(
            ids.len() == emb.len()
                && emb.dim() == self.dim
                && self.written + ids.len() <= self.rows,
            "{}: {} rows of dimension {} do not fit the {} × {} array",
            self.main.path().display(),
            emb.len(),
            emb.dim(),
            self.rows,
            self.dim
        );
        let mut bytes = Vec::with_capacity(emb.as_slice().len() * 4);
        for x in emb.as_slice() {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        self.main
            .write_all(&bytes)
            .with_context(|| format!("writing {}", self.main.path().display()))?;
        check_ids(self.main.path(), ids.iter().map(String::as_str))?;
        let mut text = String::with_capacity(ids.len() * 8);
        for id in ids {
            text.push_str(id);
            text.push('\n');
        }
        if let Some(f) = &mut self.ids {
            f.write_all(text.as_bytes())
                .with_context(|| format!("writing {}", f.path().display()))?;
        }
        self.written += ids.len();
        Ok(())
    }

    /// Commits the array and its ids together.
    pub fn finish(self) -> Result<()> {
        ensure!(
            self.written == self.rows,
            "{}: {} of {} rows written",
            self.main.path().display(),
            self.written,
            self.rows
        );
        match self.ids {
            Some(ids) => commit_pair(self.main, ids),
            None => self.main.commit(),
        }
    }
}

/// The header of a row-major `rows × dim` little-endian float32 `.npy`
/// (format 1.0, padded to 64 bytes as NumPy writes it); the rows follow it
/// directly, so the file is written front to back (also into a FIFO).
fn header(rows: usize, dim: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim})}}");
    let prefix = 10;
    let unpadded = prefix + dict.len() + 1;
    let total = unpadded + (64 - unpadded % 64);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&((total - prefix) as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out
}

/// Writes `emb` as an `n × dim` float32 array and its ids next to it.
pub fn write(path: &Path, ids: &[String], emb: &Embeddings) -> Result<()> {
    let mut w = NpyWriter::create(path, emb.len(), emb.dim())?;
    w.write(ids, emb)?;
    w.finish()
}

/// Reads an `n × dim` float32 `.npy` and its ids (row numbers when no
/// sidecar exists). A file that is not such an array is an [`InputError`].
pub fn read(path: &Path) -> Result<(Vec<String>, Embeddings)> {
    let fault = |reason: String| InputError {
        file: path.display().to_string(),
        line: 0,
        reason,
    };
    let mut file = std::fs::File::open(path).map_err(|e| fault(format!("cannot read: {e}")))?;
    // SAFETY: the map is read-only and dropped before this function returns;
    // the data is copied out of it.
    let map =
        unsafe { memmap2::Mmap::map(&file) }.map_err(|e| fault(format!("cannot read: {e}")))?;
    let (dim, data) = match layout(&map).map_err(fault)? {
        // The usual case: read with plain reads, so that the file's pages do
        // not stay resident next to the copy (a memory map's would, until it
        // is dropped: twice the array's size at the peak).
        Layout::Rows { dim, rows, offset } => {
            drop(map);
            (
                dim,
                read_rows(&mut file, offset, rows * dim)
                    .map_err(|e| fault(format!("cannot read: {e}")))?,
            )
        }
        Layout::Other => parse(&map).map_err(fault)?,
    };
    let n = data.len() / dim.max(1);
    let side = ids_path(path);
    let ids = if side.is_file() {
        let text = std::fs::read(&side).map_err(|e| InputError {
            file: side.display().to_string(),
            line: 0,
            reason: format!("cannot read: {e}"),
        })?;
        let text = String::from_utf8(text).map_err(|e| InputError {
            file: side.display().to_string(),
            line: 0,
            reason: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        })?;
        let ids: Vec<String> = text.lines().map(str::to_string).collect();
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let reason = if id.trim().is_empty() {
                "empty id".to_string()
            } else if !seen.insert(id.as_str()) {
                format!("duplicate id {id:?}")
            } else {
                continue;
            };
            return Err(InputError {
                file: side.display().to_string(),
                line: i + 1,
                reason,
            }
            .into());
        }
        if ids.len() != n {
            return Err(InputError {
                file: side.display().to_string(),
                line: 0,
                reason: format!("{} ids for the {n} rows of {}", ids.len(), path.display()),
            }
            .into());
        }
        ids
    } else {
        (1..=n).map(|i| i.to_string()).collect()
    };
    Ok((ids, Embeddings::new(dim, data)?))
}

/// Parses the bytes of a 2-D float32 `.npy` into its dimension and values.
/// Where a row-major float32 array's data lies in a `.npy` file.
enum Layout {
    Rows {
        dim: usize,
        rows: usize,
        offset: u64,
    },
    Other,
}

fn layout(bytes: &[u8]) -> Result<Layout, String> {
    let view = view(bytes)?;
    let (rows, dim) = view.dim();
    if dim == 0 {
        return Err("the array has no columns".to_string());
    }
    if !view.is_standard_layout() || cfg!(target_endian = "big") {
        return Ok(Layout::Other);
    }
    let offset = (view.as_ptr() as usize - bytes.as_ptr() as usize) as u64;
    Ok(Layout::Rows { dim, rows, offset })
}

/// `len` little-endian float32 values from `offset`, read in blocks.
fn read_rows(file: &mut std::fs::File, offset: u64, len: usize) -> std::io::Result<Vec<f32>> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    let mut data = Vec::with_capacity(len);
    let mut block = vec![0u8; 1 << 20];
    while data.len() < len {
        let want = ((len - data.len()) * 4).min(block.len());
        file.read_exact(&mut block[..want])?;
        data.extend(
            block[..want]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
    Ok(data)
}

fn view(bytes: &[u8]) -> Result<ndarray::ArrayView2<'_, f32>, String> {
    ArrayView2::<f32>::view_npy(bytes).map_err(|e| match e {
        ViewNpyError::WrongNdim(_, n) => {
            format!("a {n}-D array; volte reads 2-D float32 embeddings (rows × dimension)")
        }
        ViewNpyError::WrongDescriptor(d) => format!(
            "values of type {d}; volte reads float32 embeddings (numpy: a.astype('float32'))"
        ),
        other => format!("not a 2-D float32 .npy file ({other})"),
    })
}

pub fn parse(bytes: &[u8]) -> Result<(usize, Vec<f32>), String> {
    let view = view(bytes)?;
    let (_, dim) = view.dim();
    if dim == 0 {
        return Err("the array has no columns".to_string());
    }
    let data = match view.as_slice() {
        Some(s) => s.to_vec(),
        None => view.as_standard_layout().iter().copied().collect(),
    };
    Ok((dim, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_files_read_back_and_match_numpy_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.npy");
        let emb = Embeddings::new(3, (0..12).map(|i| i as f32 * 0.5).collect()).unwrap();
        let ids: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let mut w = NpyWriter::create(&path, 4, 3).unwrap();
        w.write(&ids[..1], &emb.select(&[0])).unwrap();
        w.write(&ids[1..], &emb.select(&[1, 2, 3])).unwrap();
        w.finish().unwrap();
        let (got_ids, got) = read(&path).unwrap();
        assert_eq!(got_ids, ids);
        assert_eq!(got, emb);
        // The same bytes as ndarray-npy's own writer.
        let reference = dir.path().join("r.npy");
        let arr = ndarray::Array2::from_shape_vec((4, 3), emb.as_slice().to_vec()).unwrap();
        ndarray_npy::write_npy(&reference, &arr).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&reference).unwrap()
        );
    }

    #[test]
    fn short_or_foreign_arrays_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.npy");
        ndarray_npy::write_npy(&path, &ndarray::Array2::<f64>::zeros((2, 2))).unwrap();
        let e = read(&path).unwrap_err();
        assert!(matches!(e, crate::Error::Input(_)), "{e}");
        assert!(e.to_string().contains("float32"), "{e}");
        let mut bytes = std::fs::read(dir.path().join("f.npy")).unwrap();
        bytes.truncate(bytes.len() - 8);
        assert!(parse(&bytes).is_err());
    }

    #[test]
    fn l5_duplicate_or_empty_ids_in_a_sidecar_are_input_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.npy");
        let emb = Embeddings::new(2, vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0]).unwrap();
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        write(&path, &ids, &emb).unwrap();
        for (sidecar, line, reason) in [
            ("a\nb\na\n", 3, "duplicate id \"a\""),
            ("a\n\nc\n", 2, "empty id"),
        ] {
            std::fs::write(ids_path(&path), sidecar).unwrap();
            let e = read(&path).unwrap_err();
            let crate::Error::Input(i) = &e else {
                panic!("an input error: {e}")
            };
            assert_eq!((i.line, i.reason.as_str()), (line, reason), "{e}");
        }
    }

    #[test]
    fn l6_ids_with_line_breaks_are_refused_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.npy");
        let emb = Embeddings::new(2, vec![1.0, 0.0, 0.0, 1.0]).unwrap();
        let ids = vec!["x\ny".to_string(), "x y".to_string()];
        let e = write(&path, &ids, &emb).unwrap_err();
        assert!(matches!(e, crate::Error::Usage(_)), "{e}");
        assert!(e.to_string().contains("line break"), "{e}");
        assert!(!path.exists());
    }

    #[test]
    fn h1_an_array_is_written_front_to_back_into_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("e.npy");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a plain mkfifo on a path we own.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        let emb = Embeddings::new(3, (0..6).map(|i| i as f32).collect()).unwrap();
        write(&fifo, &["a".into(), "b".into()], &emb).unwrap();
        let bytes = reader.join().unwrap();
        let (dim, data) = parse(&bytes).unwrap();
        assert_eq!((dim, data.as_slice()), (3, emb.as_slice()));
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(std::fs::read_to_string(ids_path(&fifo)).unwrap(), "a\nb\n");
    }
}
