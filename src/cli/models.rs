//! `volte models pull|list|info`: manage the models volte can use offline.

use anyhow::Result;
use clap::{Args, Subcommand};

use volte::model::layout::{Architecture, Pooling, Weights};
use volte::model::offline::ModelState;
use volte::model::{self, offline, ModelLayout, Origin};
use volte::stance::bundled;
use volte::Settings;

/// `models info stance`: the stance model compiled into volte.
fn stance_info(settings: &Settings) -> Result<()> {
    let root = model::cache::cache_root(settings)?;
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

/// How a model was found, in words.
fn origin_name(origin: &Origin) -> &'static str {
    match origin {
        Origin::Local => "local directory",
        Origin::Hub => "Hugging Face Hub",
        Origin::Offline => "offline source (converted into the cache)",
    }
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

pub fn run(args: ModelsArgs, settings: &Settings) -> Result<()> {
    match args.command {
        ModelsCommand::Pull { model: spec, force } => {
            let r = model::pull(&spec, force, settings)?;
            ModelLayout::open(&r.dir)?;
            outln!(
                "{}\t{}\t{}",
                r.spec,
                origin_name(&r.origin),
                r.dir.display()
            )?;
        }
        ModelsCommand::List => {
            outln!("cache: {}", model::cache::models_dir(settings)?.display())?;
            for m in offline::OFFLINE_MODELS {
                let state = match offline::state(&m, settings)? {
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
            let root = model::cache::cache_root(settings)?;
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
        ModelsCommand::Info { model: spec } if spec == "stance" => stance_info(settings)?,
        ModelsCommand::Info { model: spec } => {
            let r = model::resolve(&spec, settings)?;
            let l = ModelLayout::open(&r.dir)?;
            outln!("model:          {}", r.spec)?;
            outln!("origin:         {}", origin_name(&r.origin))?;
            if r.origin == model::Origin::Offline {
                let name = spec.strip_prefix("offline:").unwrap_or(&spec);
                if let Some(m) = offline::lookup(name) {
                    outln!("upstream:       {}", m.upstream)?;
                    outln!("licence:        {}", m.license)?;
                    outln!("package:        {}", m.wheel.spec())?;
                }
            }
            outln!("directory:      {}", r.dir.display())?;
            outln!(
                "architecture:   {}",
                match l.architecture {
                    Architecture::Bert => "BERT",
                    Architecture::XlmRoberta => "XLM-RoBERTa",
                }
            )?;
            outln!("hidden size:    {}", l.hidden_size)?;
            outln!(
                "pooling:        {}",
                match l.pooling {
                    Pooling::Mean => "mean of the token states",
                    Pooling::Cls => "the first ([CLS]) token's state",
                }
            )?;
            outln!("max tokens:     {}", l.max_seq_length)?;
            let (kind, files) = match &l.weights {
                Weights::Safetensors(files) => ("safetensors", files.clone()),
                Weights::PytorchBin(file) => ("PyTorch pickle", vec![file.clone()]),
            };
            for (i, f) in files.iter().enumerate() {
                let label = if i == 0 { "weights:" } else { "" };
                outln!("{label:16}{} ({kind})", f.display())?;
            }
            if let Some(q) = &l.quantized {
                outln!("4-bit weights:  {}", q.display())?;
            }
            for (name, p) in &l.prompts {
                outln!("prompt {name:8} \"{p}\"")?;
            }
        }
    }
    Ok(())
}
