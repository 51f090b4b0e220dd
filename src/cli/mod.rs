//! The `volte` command line.

/// `println!` that returns the write error (a closed pipe) instead of
/// panicking.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

pub mod cluster;
pub mod doctor;
pub mod documents;
pub mod embed;
pub mod eval;
pub mod extract;
pub mod input_args;
pub mod load;
pub mod logging;
pub mod model_args;
pub mod models;
pub mod output_file;
pub mod pairs;
pub mod progress_bar;
pub mod report;
pub mod search_io;
pub mod similar;
pub mod stance;
pub mod sts;
pub mod values;

use clap::{Parser, Subcommand};

/// volte: find statements that say the same thing, in any language, and who
/// changed position.
///
/// Exit codes: 0 success, 1 runtime failure (model, I/O), 2 bad input or usage
/// (the message names the file and line of the bad record).
#[derive(Debug, Parser)]
#[command(name = "volte", version, about, long_about)]
pub struct Cli {
    /// More log output (-v info, -vv debug); RUST_LOG works too.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    // Embed, Similar, Pairs, Cluster, Report and Eval take their help text
    // from their argument structs (first line: summary; rest: details).
    Embed(embed::EmbedArgs),
    /// Evaluate a model on STS-benchmark pairs (Spearman).
    Sts(sts::StsArgs),
    /// Manage models: pull, list, info.
    Models(models::ModelsArgs),
    Similar(similar::SimilarArgs),
    Pairs(pairs::PairsArgs),
    Cluster(cluster::ClusterArgs),
    /// Score each statement's stance towards a thesis (agree / disagree / neutral).
    Stance(stance::StanceArgs),
    Report(report::ReportArgs),
    Eval(eval::EvalArgs),
    Extract(extract::ExtractArgs),
    /// Show what volte will run on this machine: CPU features, int8 kernel
    /// tier, `--dtype auto` choice, model cache, GPU backends.
    Doctor(doctor::DoctorArgs),
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // The environment is read here, once, for the whole run.
    let settings = volte::Settings::from_env()?;
    let settings = &settings;
    match cli.command {
        Command::Embed(a) => embed::run(a, settings),
        Command::Sts(a) => sts::run(a, settings),
        Command::Models(a) => models::run(a, settings),
        Command::Similar(a) => similar::run(a, settings),
        Command::Pairs(a) => pairs::run(a, settings),
        Command::Cluster(a) => cluster::run(a, settings),
        Command::Stance(a) => stance::run(a, settings),
        Command::Report(a) => report::run(a, settings),
        Command::Eval(a) => eval::run(a, settings),
        Command::Extract(a) => extract::run(a),
        Command::Doctor(a) => doctor::run(a, settings),
    }
}
