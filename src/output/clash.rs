//! Refusing a run whose output would replace one of its inputs, or whose
//! outputs (the main file, a `.npy` ids sidecar, the rejects file) are one
//! and the same file.
//!
//! Two names are the same file when both exist and have the same device
//! and inode (so links and different spellings of one path are caught);
//! a name that does not exist yet is compared by its directory's resolved
//! path and its file name. Standard input and output (`-`) and outputs
//! written in place (devices, FIFOs: [`super::atomic::written_in_place`])
//! never clash.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::error::Result;

use super::atomic::written_in_place;
use crate::error::UsageError;

/// What identifies the file a name leads to.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// An existing file: device and inode.
    Inode(u64, u64),
    /// A name not there yet: the resolved directory and the file name.
    Name(PathBuf),
}

fn identity(path: &Path) -> Option<Identity> {
    if path.as_os_str() == "-" || path.as_os_str().is_empty() {
        return None;
    }
    if let Ok(m) = std::fs::metadata(path) {
        return Some(Identity::Inode(m.dev(), m.ino()));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).ok()?;
    Some(Identity::Name(dir.join(path.file_name()?)))
}

/// A named file in a run, with its role for messages (`input`, `output`,
/// `rejects file`…).
pub type Role<'a> = (&'a str, &'a Path);

/// Refuses ([`UsageError`], exit code 2) an output that is the same file as
/// an input, or as another output.
pub fn check_distinct(inputs: &[Role], outputs: &[Role]) -> Result<()> {
    let outputs: Vec<(&Role, Identity)> = outputs
        .iter()
        .filter(|(_, p)| !written_in_place(p))
        .filter_map(|o| identity(o.1).map(|id| (o, id)))
        .collect();
    for (i, ((role, out), id)) in outputs.iter().enumerate() {
        for (in_role, input) in inputs {
            if identity(input).as_ref() == Some(id) {
                return Err(UsageError::new(format!(
                    "the {role} {} is the same file as the {in_role} {}: writing it would \
                     replace the {in_role}; choose another name",
                    out.display(),
                    input.display()
                ))
                .into());
            }
        }
        for ((other_role, other), other_id) in &outputs[..i] {
            if other_id == id {
                return Err(UsageError::new(format!(
                    "the {role} {} is the same file as the {other_role} {}: one would \
                     overwrite the other; choose another name",
                    out.display(),
                    other.display()
                ))
                .into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_that_is_an_input_is_refused_also_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n").unwrap();
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        let spelled = dir.path().join(".").join("in.jsonl");
        for out in [&input, &link, &spelled] {
            let e = check_distinct(&[("input", &input)], &[("output", out)]).unwrap_err();
            assert!(matches!(e, crate::Error::Usage(_)), "{e}");
            assert!(e.to_string().contains("same file as the input"), "{e}");
        }
        let other = dir.path().join("out.jsonl");
        check_distinct(&[("input", &input)], &[("output", &other)]).unwrap();
        check_distinct(&[("input", Path::new("-"))], &[("output", Path::new("-"))]).unwrap();
    }

    #[test]
    fn two_outputs_with_one_name_are_refused_before_either_exists() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.jsonl");
        let again = dir.path().join("sub/../out.jsonl");
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let e = check_distinct(&[], &[("output", &out), ("rejects file", &again)]).unwrap_err();
        assert!(e.to_string().contains("rejects file"), "{e}");
        let other = dir.path().join("rejects.jsonl");
        check_distinct(&[], &[("output", &out), ("rejects file", &other)]).unwrap();
    }
}
