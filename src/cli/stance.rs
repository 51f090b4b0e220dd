//! `volte stance`: each statement's stance towards a thesis, from the stance
//! model.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::input_args::InputArgs;
use super::output_file::OutputFile;
use super::progress_bar::Bar;
use super::values;
use volte::encoder::int8::Tier;
use volte::encoder::{DeviceChoice, Precision};
use volte::input::InputError;
use volte::output::atomic::check_writable;
use volte::stance::axes::read_axes;
use volte::stance::cross_encoder::{default_model_dir, StanceModel, StanceOptions};
use volte::Settings;

/// Score each statement's stance towards a thesis.
///
/// The stance model reads the thesis and the statement together and gives
/// the probabilities that the statement agrees with the thesis, disagrees
/// with it, or takes no side; `stance` is p_agree − p_disagree, in [-1, 1].
/// Theses and statements may be in any language (the model is multilingual;
/// it was trained on German party statements, see models/README.md).
///
/// One thesis for all statements (--thesis), one per statement
/// (--thesis-field), or every axis of an axes file that has a `thesis`
/// (--axes, one output line per statement and axis).
///
/// Output: JSON lines with `id`, `axis` (with --axes), `stance`, `p_agree`,
/// `p_disagree`, `p_neutral`, in input order.
#[derive(Debug, Args)]
pub struct StanceArgs {
    /// Statements: JSONL, CSV/TSV with a header, or plain text; `-` reads stdin.
    pub input: PathBuf,
    /// Output file (JSON lines); `-` (the default) writes to standard output.
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
    /// The thesis every statement is scored against (not blank).
    #[arg(long, value_parser = values::non_blank, conflicts_with_all = ["thesis_field", "axes"], required_unless_present_any = ["thesis_field", "axes"])]
    pub thesis: Option<String>,
    /// Field (JSONL key or CSV column) holding each statement's thesis; a
    /// record without it is a bad record.
    #[arg(long, conflicts_with = "axes")]
    pub thesis_field: Option<String>,
    /// Axes file (TOML): every axis with a `thesis`.
    #[arg(long)]
    pub axes: Option<PathBuf>,
    #[command(flatten)]
    pub run: StanceRunArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

/// Where the stance model is and how to run it.
#[derive(Debug, Clone, Args)]
pub struct StanceRunArgs {
    #[command(flatten)]
    pub model: StanceModelArgs,
    /// Where to run the model; `auto` uses a GPU when one is built in and
    /// present, else the CPU.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Numeric precision: `auto` is, on the CPU, int8 with the best kernel
    /// tier of this CPU where that beats float32, and f16 on CUDA; `f32` is
    /// the exact reference.
    #[arg(long, value_enum, default_value_t = Precision::Auto)]
    pub dtype: Precision,
    /// Padded tokens per batch (memory/speed trade-off).
    #[arg(long, default_value_t = 8192, value_parser = values::at_least_one)]
    pub batch_tokens: usize,
    /// Force the int8 kernel tier (see `volte embed --help`).
    #[arg(long, value_parser = super::model_args::parse_tier)]
    pub cpu_tier: Option<Tier>,
}

/// The stance model's directory.
#[derive(Debug, Clone, Args)]
pub struct StanceModelArgs {
    /// Stance model directory (`stance.json`, `stance.safetensors`); by
    /// default the model that comes with volte. Its base model
    /// (multilingual-e5-small-q4) is provisioned on first use.
    #[arg(long, env = "VOLTE_STANCE_MODEL")]
    pub stance_model: Option<PathBuf>,
}

impl StanceModelArgs {
    /// Loads the stance model, provisioning its base model when needed.
    pub fn load(&self, options: StanceOptions, settings: &Settings) -> Result<StanceModel> {
        let dir = match &self.stance_model {
            Some(d) => d.clone(),
            None => default_model_dir(settings)?,
        };
        let m = StanceModel::load(&dir, options, settings)?;
        tracing::info!("stance model {} ({:?})", dir.display(), m.precision());
        Ok(m)
    }
}

impl StanceRunArgs {
    pub fn load(&self, settings: &Settings) -> Result<StanceModel> {
        self.model.load(
            StanceOptions::default()
                .with_device(self.device)
                .with_dtype(self.dtype)
                .with_cpu_tier(self.cpu_tier)
                .with_token_budget(self.batch_tokens),
            settings,
        )
    }
}

#[derive(serde::Serialize)]
struct Line<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    axis: Option<&'a str>,
    stance: f32,
    p_agree: f32,
    p_disagree: f32,
    p_neutral: f32,
}

pub fn run(args: StanceArgs, settings: &Settings) -> Result<()> {
    check_writable(&args.output)?;
    let axes = match &args.axes {
        Some(path) => {
            let specs = read_axes(path)?;
            let with: Vec<(String, String)> = specs
                .iter()
                .filter_map(|a| a.thesis.clone().map(|t| (a.name.clone(), t)))
                .collect();
            if with.is_empty() {
                return Err(InputError {
                    file: path.display().to_string(),
                    line: 0,
                    reason: "no axis has a `thesis` (the stance model needs one)".into(),
                }
                .into());
            }
            Some(with)
        }
        None => None,
    };
    let to_stdout = args.output.as_os_str() == "-";
    let rejects = args.input_args.rejects_beside(
        &args.input,
        &args
            .axes
            .as_deref()
            .map(|a| ("axes file", a))
            .into_iter()
            .collect::<Vec<_>>(),
        Some(args.output.as_path()),
    )?;
    let read = args
        .input_args
        .read_with_fields(&args.input, args.thesis_field.as_slice())?;
    rejects.settle(&[&read])?;
    let statements = &read.statements;
    let model = args.run.load(settings)?;

    // (statement index, axis name, thesis) for every pair to score.
    let mut jobs: Vec<(usize, Option<&str>, &str)> = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        match (&args.thesis, &axes) {
            (Some(t), _) => jobs.push((i, None, t)),
            (None, Some(axes)) => {
                for (name, t) in axes {
                    jobs.push((i, Some(name), t));
                }
            }
            (None, None) => jobs.push((i, None, &s.extra[0])),
        }
    }
    let pairs: Vec<(&str, &str)> = jobs
        .iter()
        .map(|(i, _, t)| (*t, statements[*i].text.as_str()))
        .collect();
    let pb = Bar::new(pairs.len(), "stance");
    let started = std::time::Instant::now();
    let scores = model.score(&pairs, &mut |n| pb.inc(n as u64))?;
    let seconds = started.elapsed().as_secs_f64();
    pb.finish();

    let mut out = OutputFile::create(&args.output)?;
    for ((i, axis, _), s) in jobs.iter().zip(&scores) {
        out.write_line(&Line {
            id: &statements[*i].id,
            axis: *axis,
            stance: s.stance(),
            p_agree: s.p_agree,
            p_disagree: s.p_disagree,
            p_neutral: s.p_neutral,
        })?;
    }
    out.finish()?;
    let stats = model.stats();
    eprintln!(
        "volte: scored {} pair(s) of {} statement(s) in {:.2} s ({:.1} pairs/s, {} {:?}); {} statement(s) cut at {} tokens; {} bad record(s) skipped, {} blank line(s){}",
        pairs.len(),
        statements.len(),
        seconds,
        pairs.len() as f64 / seconds.max(1e-9),
        model.device_name(),
        model.precision(),
        stats.truncated,
        model.max_tokens(),
        read.rejects.len(),
        read.blank_lines,
        if to_stdout { String::new() } else { format!("; wrote {}", args.output.display()) }
    );
    Ok(())
}
