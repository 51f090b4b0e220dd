//! `volte models pull|list|info`: manage the models volte can use offline.

use anyhow::Result;
use clap::{Args, Subcommand};

use volte::model::offline::ModelState;
use volte::model::{self, offline, ModelLayout};
use volte::stance::bundled;

/// `models info stance`: the stance model compiled into volte.
fn stance_info() -> Result<()> {
    let root = model::cache::cache_root()?;
    let card = bundled::card()?;
    outln!("model:          stance (compiled into volte)")?;
    outln!(
        "sha256:         {} (stance.safetensors)",
        bundled::weights_sha256()
    )?;
    let dir = bundled::dir_in(&root);
    if bundled::is_provisioned(&root) {
        outln!("directory:      {}", dir.display())?;
    } else {
        outln!("directory:      {} (written on first use)", dir.display())?;
    }
    outln!("base:           {}", card.base)?;
    outln!("temperature:    {}", card.temperature)?;
    match std::env::var_os("VOLTE_STANCE_MODEL") {
        Some(v) => outln!(
            "in use:         {} (VOLTE_STANCE_MODEL)",
            std::path::Path::new(&v).display()
        )?,
        None => {
            outln!("in use:         this one (--stance-model or VOLTE_STANCE_MODEL to change)")?
        }
    }
    if !card.figures.is_empty() {
        outln!("figures (int8, models/README.md says how they were measured):")?;
        for (k, v) in &card.figures {
            outln!("  {k:38} {v}")?;
        }
    }
    Ok(())
}

/// Manage models.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch a model now (from the Hub, or the offline source when the Hub is unreachable).
    ///
    /// An offline model already in the cache has its files checked against
    /// the SHA-256 checksums recorded when it was converted; it is converted
    /// again when a file is missing or altered, or when it has no recorded
    /// checksums (converted by an older volte).
    Pull {
        /// Model to fetch.
        #[arg(default_value = model::DEFAULT_MODEL)]
        model: String,
        /// Convert an offline model again even when its files verify.
        #[arg(long)]
        force: bool,
    },
    /// List the offline models and whether they are in the cache, with
    /// their files checked against their recorded checksums.
    List,
    /// Show where a model is and how volte will run it; `stance` shows the
    /// stance model that comes with volte (its hash, temperature and figures).
    Info {
        #[arg(default_value = model::DEFAULT_MODEL)]
        model: String,
    },
}

pub fn run(args: ModelsArgs) -> Result<()> {
    match args.command {
        ModelsCommand::Pull { model: spec, force } => {
            let r = model::pull(&spec, force)?;
            ModelLayout::open(&r.dir)?;
            outln!("{}\t{:?}\t{}", r.spec, r.origin, r.dir.display())?;
        }
        ModelsCommand::List => {
            outln!("cache: {}", model::cache::models_dir()?.display())?;
            for m in offline::OFFLINE_MODELS {
                let state = match offline::state(&m)? {
                    ModelState::NotPulled => "not pulled".to_string(),
                    ModelState::Ready(dir) => format!("ready\t{}", dir.display()),
                    ModelState::Unverified(dir) => format!(
                        "unverified\t{}\t(no checksums recorded; `volte models pull {}` converts it again and records them)",
                        dir.display(),
                        m.name
                    ),
                    ModelState::Damaged(dir, problems) => format!(
                        "damaged\t{}\t({}; `volte models pull {}` converts it again)",
                        dir.display(),
                        problems.join("; "),
                        m.name
                    ),
                };
                outln!("{}\t{}\t{}", m.name, m.upstream, state)?;
            }
            let root = model::cache::cache_root()?;
            let state = if bundled::is_provisioned(&root) {
                "ready"
            } else {
                "written on first use"
            };
            outln!(
                "stance\tcompiled into volte, sha256 {}\t{state}\t{}",
                bundled::weights_sha256(),
                bundled::dir_in(&root).display()
            )?;
        }
        ModelsCommand::Info { model: spec } if spec == "stance" => stance_info()?,
        ModelsCommand::Info { model: spec } => {
            let r = model::resolve(&spec)?;
            let l = ModelLayout::open(&r.dir)?;
            outln!("model:          {}", r.spec)?;
            outln!("origin:         {:?}", r.origin)?;
            if r.origin == model::Origin::Offline {
                let name = spec.strip_prefix("offline:").unwrap_or(&spec);
                if let Some(m) = offline::lookup(name) {
                    outln!("upstream:       {}", m.upstream)?;
                    outln!("licence:        {}", m.license)?;
                    outln!("package:        {}", m.wheel.spec())?;
                }
            }
            outln!("directory:      {}", r.dir.display())?;
            outln!("architecture:   {:?}", l.architecture)?;
            outln!("hidden size:    {}", l.hidden_size)?;
            outln!("pooling:        {:?}", l.pooling)?;
            outln!("max tokens:     {}", l.max_seq_length)?;
            outln!("weights:        {:?}", l.weights)?;
            if let Some(q) = &l.quantized {
                outln!("4-bit weights:  {}", q.display())?;
            }
            for (name, p) in &l.prompts {
                outln!("prompt {name:8} {p:?}")?;
            }
        }
    }
    Ok(())
}
