//! Fetching a sentence-transformers model from the Hugging Face Hub.
//! Honours the [`crate::Settings`]' token and offline mode (`HF_TOKEN`,
//! `HF_HUB_OFFLINE`: cache only, no network); the Hub client itself reads
//! `HF_HOME` (cache location) and `HF_ENDPOINT`.

use std::path::PathBuf;

use crate::error::{Error, Result, WrapErr};
use hf_hub::api::sync::ApiBuilder;
use hf_hub::{Cache, Repo, RepoType};

/// Files every model needs.
const REQUIRED: [&str; 2] = ["config.json", "tokenizer.json"];
/// Weight files, tried in order.
const WEIGHTS: [&str; 2] = ["model.safetensors", "pytorch_model.bin"];
/// Optional sentence-transformers files.
const OPTIONAL: [&str; 4] = [
    "modules.json",
    "1_Pooling/config.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
];

/// Downloads (or finds in the Hub cache) the files of `repo_id` and returns
/// the snapshot directory holding them.
pub fn fetch(repo_id: &str, revision: Option<&str>, settings: &crate::Settings) -> Result<PathBuf> {
    let repo = match revision {
        Some(r) => Repo::with_revision(repo_id.to_string(), RepoType::Model, r.to_string()),
        None => Repo::new(repo_id.to_string(), RepoType::Model),
    };
    if settings.hub_offline {
        let cache = Cache::from_env().repo(repo);
        let get = |f: &str| {
            cache.get(f).ok_or_else(|| {
                Error::model(format!(
                    "HF_HUB_OFFLINE is set and {repo_id}/{f} is not in the Hub cache"
                ))
            })
        };
        let config = get(REQUIRED[0])?;
        get(REQUIRED[1])?;
        WEIGHTS.iter().find_map(|w| cache.get(w)).ok_or_else(|| {
            Error::model(format!(
                "HF_HUB_OFFLINE is set and {repo_id} has no cached weights"
            ))
        })?;
        return snapshot_dir(config);
    }
    let mut builder =
        ApiBuilder::from_env().with_progress(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if let Some(token) = &settings.hub_token {
        builder = builder.with_token(Some(token.clone()));
    }
    let api = builder
        .build()
        .context("setting up the Hugging Face Hub client")?;
    let api = api.repo(repo);
    let config = api
        .get(REQUIRED[0])
        .with_context(|| format!("fetching {repo_id}/config.json from the Hub"))?;
    api.get(REQUIRED[1])
        .with_context(|| format!("fetching {repo_id}/tokenizer.json from the Hub"))?;
    let mut last_err = None;
    let mut found = false;
    for w in WEIGHTS {
        match api.get(w) {
            Ok(_) => {
                found = true;
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    if !found {
        return Err(Error::model(format!(
            "{repo_id} has no model.safetensors or pytorch_model.bin: {}",
            last_err.map(|e| e.to_string()).unwrap_or_default()
        )));
    }
    for f in OPTIONAL {
        // Absent optional files mean defaults (mean pooling, no prompts).
        let _ = api.get(f);
    }
    snapshot_dir(config)
}

fn snapshot_dir(config: PathBuf) -> Result<PathBuf> {
    config
        .parent()
        .map(|p| p.to_path_buf())
        .ok_or_else(|| Error::model(format!("unexpected Hub cache path {}", config.display())))
}
