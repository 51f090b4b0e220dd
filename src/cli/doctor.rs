//! `volte doctor`: what volte will run on this machine, and where its files are.

use anyhow::Result;
use clap::Args;

use volte::encoder::int8::tier::{self, CpuPath, Tier, TierSource};
use volte::model::{self, offline};
use volte::Settings;

/// Show the CPU features, the int8 kernel tier and `--dtype auto`'s choice,
/// the model cache and the GPU backends compiled in.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Check this tier as `--cpu-tier` would (default: `VOLTE_CPU`, else the best).
    #[arg(long, value_parser = |s: &str| Tier::parse(s).map_err(|e| e.to_string()))]
    pub cpu_tier: Option<Tier>,
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// The CPU's model name, where the OS says it.
fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name") || l.starts_with("Model"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

pub fn run(args: DoctorArgs, settings: &Settings) -> Result<()> {
    println!("volte {}", env!("CARGO_PKG_VERSION"));
    println!(
        "platform:       {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    if let Some(m) = cpu_model() {
        println!("cpu:            {m}");
    }
    println!(
        "threads:        {} (RAYON_NUM_THREADS to change)",
        rayon::current_num_threads()
    );

    println!();
    println!("CPU features:");
    let features = tier::cpu_features();
    if features.is_empty() {
        println!("  (none checked on this architecture)");
    }
    for (name, present) in features {
        println!("  {name:12} {}", yes(present));
    }

    println!();
    println!("int8 kernel tiers (best first):");
    for t in Tier::ALL {
        let missing: Vec<&str> = t
            .required_features()
            .iter()
            .copied()
            .filter(|f| !tier::has_feature(f))
            .collect();
        let state = if t.is_supported() {
            "supported".to_string()
        } else if let Some(a) = t.arch().filter(|&a| a != std::env::consts::ARCH) {
            format!("for {a}")
        } else {
            format!("missing {}", missing.join(", "))
        };
        println!("  {:12} {state}", t.name());
    }
    match tier::select(args.cpu_tier, settings.cpu_tier) {
        Ok((t, source)) => {
            let how = match source {
                TierSource::Detected => "the best this CPU supports".to_string(),
                TierSource::Requested => "requested with --cpu-tier".to_string(),
                TierSource::Environment => format!("forced by {}", tier::ENV),
            };
            println!("tier in use:    {t} ({how})");
            let (path, why) = tier::auto_precision(t);
            let p = match path {
                CpuPath::Int8(t) => format!("int8 with the {t} kernels"),
                CpuPath::F32 => "f32".to_string(),
            };
            println!("--dtype auto:   on the CPU runs {p}: {why}");
        }
        Err(e) => println!("tier in use:    error: {e:#}"),
    }

    println!();
    println!("GPU backends compiled in:");
    println!(
        "  cuda         {}",
        if cfg!(feature = "cuda") {
            "yes (--device cuda; --dtype auto is f16 there)"
        } else {
            "no (rebuild with --features cuda, see scripts/build-cuda)"
        }
    );
    println!(
        "  metal        {}",
        if cfg!(feature = "metal") {
            "yes (--device metal)"
        } else {
            "no (rebuild with --features metal)"
        }
    );

    println!();
    match model::cache::cache_root(settings) {
        Ok(root) => {
            println!(
                "cache:          {} (VOLTE_CACHE or XDG_CACHE_HOME to move)",
                root.display()
            );
            println!(
                "  models        {}",
                model::cache::models_dir(settings)?.display()
            );
            println!(
                "  embeddings    {}",
                model::cache::embeddings_dir(settings)?.display()
            );
            for m in offline::OFFLINE_MODELS {
                let state = match offline::is_provisioned(&m, settings) {
                    Ok(true) => format!("ready in {}", offline::model_dir(&m, settings)?.display()),
                    Ok(false) => "not provisioned (volte models pull fetches it)".to_string(),
                    Err(e) => format!("unknown ({e})"),
                };
                println!("  {:36} {state}", m.name);
            }
            let state = if volte::stance::bundled::is_provisioned(&root) {
                "ready in"
            } else {
                "written on first use to"
            };
            println!(
                "  {:36} compiled in, sha256 {}…, {state} {}",
                "stance",
                &volte::stance::bundled::weights_sha256()[..16],
                volte::stance::bundled::dir_in(&root).display()
            );
            if let Some(v) = std::env::var_os("VOLTE_STANCE_MODEL") {
                println!(
                    "  {:36} VOLTE_STANCE_MODEL={} is used instead",
                    "",
                    std::path::Path::new(&v).display()
                );
            }
        }
        Err(e) => println!("cache:          error: {e:#}"),
    }
    println!(
        "default model:  {} (--model or VOLTE_MODEL to change)",
        model::DEFAULT_MODEL
    );
    if let Ok(v) = std::env::var("HF_HOME") {
        println!("HF_HOME:        {v}");
    }
    Ok(())
}
