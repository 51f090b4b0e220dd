//! The stance model that travels with volte: the files of `models/stance/`
//! are compiled into the library (so into the program and the Python
//! package), and written once into the model cache
//! (`<cache>/stance/bundled-<sha256 prefix>/`) the first time they are
//! needed, so that a copied binary or an installed wheel finds its stance
//! model without the source checkout. `--stance-model` /
//! `VOLTE_STANCE_MODEL` still point elsewhere.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Result, WrapErr};
use sha2::{Digest, Sha256};

/// The compiled-in files: name and contents.
const FILES: [(&str, &[u8]); 3] = [
    (
        "stance.json",
        include_bytes!("../../models/stance/stance.json"),
    ),
    (
        "stance.safetensors",
        include_bytes!("../../models/stance/stance.safetensors"),
    ),
    (
        "metrics.json",
        include_bytes!("../../models/stance/metrics.json"),
    ),
];

/// SHA-256 (hex) of the compiled-in `stance.safetensors`.
pub fn weights_sha256() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| format!("{:x}", Sha256::digest(FILES[1].1)))
}

/// The compiled-in `metrics.json` (the model card's figures).
pub fn metrics_json() -> &'static [u8] {
    FILES[2].1
}

/// What `models info` and `doctor` say of the compiled-in model: its
/// temperature, its base, and the figures its `metrics.json` records under
/// `"volte_int8"` (name and value, in file order).
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub base: String,
    pub temperature: f64,
    pub figures: Vec<(String, String)>,
}

/// The compiled-in model's [`Card`].
pub fn card() -> Result<Card> {
    let config: serde_json::Value =
        serde_json::from_slice(FILES[0].1).context("the compiled-in stance.json")?;
    let metrics: serde_json::Value =
        serde_json::from_slice(FILES[2].1).context("the compiled-in metrics.json")?;
    let figures = metrics["volte_int8"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Card {
        base: config["base"].as_str().unwrap_or("").to_string(),
        temperature: config["temperature"].as_f64().unwrap_or(1.0),
        figures,
    })
}

/// Where the compiled-in model is (or will be) written in the cache `root`.
pub fn dir_in(root: &Path) -> PathBuf {
    static KEY: OnceLock<String> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let mut h = Sha256::new();
        for (name, bytes) in FILES {
            h.update(name.as_bytes());
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        }
        format!("{:x}", h.finalize())
    });
    root.join("stance").join(format!("bundled-{}", &key[..16]))
}

/// Whether the compiled-in model is already written, whole, in the cache `root`.
pub fn is_provisioned(root: &Path) -> bool {
    let dir = dir_in(root);
    FILES
        .iter()
        .all(|(name, bytes)| std::fs::read(dir.join(name)).is_ok_and(|b| b == *bytes))
}

/// The directory of the compiled-in model in the cache `root`, written there
/// (each file atomically) where it is missing or differs.
pub fn provision(root: &Path) -> Result<PathBuf> {
    let dir = dir_in(root);
    for (name, bytes) in FILES {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|b| b == bytes) {
            continue;
        }
        std::fs::create_dir_all(&dir).with_context(|| {
            format!(
                "creating {} for the stance model that comes with volte \
                 (set VOLTE_CACHE to a writable directory, or give --stance-model DIR)",
                dir.display()
            )
        })?;
        crate::output::atomic::write_atomic(&path, bytes).with_context(|| {
            format!(
                "writing the stance model that comes with volte to {}",
                path.display()
            )
        })?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisioning_writes_the_compiled_in_files_once_and_repairs_them() {
        let root = tempfile::tempdir().unwrap();
        assert!(!is_provisioned(root.path()));
        let dir = provision(root.path()).unwrap();
        assert!(dir.starts_with(root.path().join("stance")));
        assert!(is_provisioned(root.path()));
        let weights = std::fs::read(dir.join("stance.safetensors")).unwrap();
        assert_eq!(format!("{:x}", Sha256::digest(&weights)), weights_sha256());
        // The same files as the source tree's models/stance/.
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/stance");
        for (name, _) in FILES {
            let same =
                std::fs::read(dir.join(name)).unwrap() == std::fs::read(src.join(name)).unwrap();
            assert!(same, "{name} differs from models/stance/{name}");
        }
        // A damaged file is written again.
        std::fs::write(dir.join("stance.json"), b"{}").unwrap();
        assert!(!is_provisioned(root.path()));
        assert_eq!(provision(root.path()).unwrap(), dir);
        assert!(is_provisioned(root.path()));
    }

    #[test]
    fn the_card_reads_the_compiled_in_files() {
        let c = card().unwrap();
        assert_eq!(c.base, "multilingual-e5-small-q4");
        assert!(c.temperature > 0.0);
        assert!(
            c.figures.iter().any(|(k, _)| k.contains("accuracy")),
            "{:?}",
            c.figures
        );
    }
}
