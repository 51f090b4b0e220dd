//! `volte models pull|list|info`: manage the models volte can use offline.

use anyhow::Result;
use clap::{Args, Subcommand};

use volte::model::{self, offline, ModelLayout};

/// Manage models.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    pub command: ModelsCommand,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Fetch a model now (from the Hub, or the offline source when the Hub is unreachable).
    Pull {
        /// Model to fetch.
        #[arg(default_value = model::DEFAULT_MODEL)]
        model: String,
    },
    /// List the offline models and whether they are in the cache.
    List,
    /// Show where a model is and how volte will run it.
    Info {
        #[arg(default_value = model::DEFAULT_MODEL)]
        model: String,
    },
}

pub fn run(args: ModelsArgs) -> Result<()> {
    match args.command {
        ModelsCommand::Pull { model: spec } => {
            let r = model::resolve(&spec)?;
            ModelLayout::open(&r.dir)?;
            println!("{}\t{:?}\t{}", r.spec, r.origin, r.dir.display());
        }
        ModelsCommand::List => {
            println!("cache: {}", model::cache::models_dir()?.display());
            for m in offline::OFFLINE_MODELS {
                let state = if offline::is_provisioned(&m)? {
                    format!("ready\t{}", offline::model_dir(&m)?.display())
                } else {
                    "not pulled".to_string()
                };
                println!("{}\t{}\t{}", m.name, m.upstream, state);
            }
        }
        ModelsCommand::Info { model: spec } => {
            let r = model::resolve(&spec)?;
            let l = ModelLayout::open(&r.dir)?;
            println!("model:          {}", r.spec);
            println!("origin:         {:?}", r.origin);
            println!("directory:      {}", r.dir.display());
            println!("architecture:   {:?}", l.architecture);
            println!("hidden size:    {}", l.hidden_size);
            println!("pooling:        {:?}", l.pooling);
            println!("max tokens:     {}", l.max_seq_length);
            println!("weights:        {:?}", l.weights);
            if let Some(q) = &l.quantized {
                println!("4-bit weights:  {}", q.display());
            }
            for (name, p) in &l.prompts {
                println!("prompt {name:8} {p:?}");
            }
        }
    }
    Ok(())
}
