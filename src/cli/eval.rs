//! `volte eval shifts` (precision and recall of detected shifts) and
//! `volte eval stance` (agreement of stance scores with labelled
//! statements), both against a gold file.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::common::{InputArgs, ModelArgs};
use super::report::{make_report, PipelineArgs};
use volte::eval::{evaluate, evaluate_stance, read_gold, GoldShift, GroupStance};
use volte::input::InputError;
use volte::report::json;
use volte::report::model::{Report, Shift};

/// Evaluate volte against annotated data: shift precision and recall, stance agreement.
#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub command: EvalCommand,
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Precision and recall of shift detection against a gold file.
    ///
    /// The gold file is JSON with a `shifts` array of {speaker, from_date,
    /// to_date, before: [ids], after: [ids]} (other fields are ignored). A
    /// detected shift matches a gold shift of the same speaker when their
    /// before ids and their after ids overlap, or when their turn intervals
    /// [from_date, to_date] overlap; matching is one-to-one, strongest
    /// detected shift first.
    ///
    /// Shifts come either from running the report pipeline on --input (with
    /// the same settings as `volte report`), or from a report already written
    /// with `volte report --format json` (--report).
    Shifts(GoldArgs),
    /// Agreement of stance scores with the stances a gold file gives.
    ///
    /// Labels come from the gold file: each side of a shift that has
    /// `from_stance` / `to_stance`, and each `steady` series (`stance`,
    /// `ids`); they are grouped by `axis` (else `topic_hint`). For each group
    /// it prints how many labelled statements got a score, over how many
    /// topics they are spread, the sign accuracy and the AUC (the chance that
    /// a +1 statement scores above a -1 one; 0.5 is chance).
    ///
    /// A topic scored on a named axis keeps its sign (`off-axis` counts the
    /// labels scored on an axis other than their group's). Topics without
    /// --axes, whose +1 pole is a convention, are turned the way that agrees
    /// with more of their labels, so each topic's accuracy is at least 0.5 by
    /// construction.
    Stance(GoldArgs),
}

#[derive(Debug, Args)]
pub struct GoldArgs {
    /// Gold file (JSON): `shifts`, and optionally `steady` series.
    pub gold: PathBuf,
    /// Statements to analyse.
    #[arg(long, conflicts_with = "report", required_unless_present = "report")]
    pub input: Option<PathBuf>,
    /// A JSON report to evaluate instead of running the pipeline.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Print the evaluation as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

pub fn run(args: EvalArgs) -> Result<()> {
    match args.command {
        EvalCommand::Shifts(a) => shifts(a),
        EvalCommand::Stance(a) => stance(a),
    }
}

/// The report to evaluate: made from --input, or read from --report.
fn load_report(args: &GoldArgs) -> Result<Report> {
    match (&args.input, &args.report) {
        (Some(input), None) => {
            make_report(input, None, &args.pipeline, &args.model, &args.input_args)
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            json::parse(&text).with_context(|| format!("report {}", path.display()))
        }
        _ => bail!("give either --input STATEMENTS or --report REPORT.json"),
    }
}

fn stance(args: GoldArgs) -> Result<()> {
    let labels = read_gold(&args.gold)?.labels()?;
    if labels.is_empty() {
        return Err(InputError {
            file: args.gold.display().to_string(),
            line: 0,
            reason: "no stance labels (give from_stance/to_stance on shifts, or steady series)"
                .into(),
        }
        .into());
    }
    let report = load_report(&args)?;
    let e = evaluate_stance(&report, &labels)?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&e)?)?;
        return Ok(());
    }
    outln!(
        "{} labelled statement(s), {} stance",
        labels.len(),
        e.stance_mode
    )?;
    if !e.missing.is_empty() {
        outln!(
            "  {} labelled id(s) not in the report: {}",
            e.missing.len(),
            e.missing.join(", ")
        )?;
    }
    let width = e
        .groups
        .iter()
        .map(|g| g.group.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    outln!(
        "  {:width$}  scored  topics  off-axis  accuracy    AUC  orientation",
        "group"
    )?;
    for g in e.groups.iter().chain(std::iter::once(&e.overall)) {
        outln!("  {}", stance_row(g, width))?;
    }
    Ok(())
}

fn stance_row(g: &GroupStance, width: usize) -> String {
    let num = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
    format!(
        "{:width$}  {:>6}  {:>6}  {:>8}  {:>8}  {:>5}  {}",
        g.group,
        format!("{}/{}", g.scored, g.labelled),
        g.topics,
        g.off_axis,
        num(g.accuracy),
        num(g.auc),
        g.orientation.map_or("-", |o| o.as_str())
    )
}

fn shifts(args: GoldArgs) -> Result<()> {
    let gold = read_gold(&args.gold)?.shifts;
    let report = load_report(&args)?;
    let e = evaluate(&report.shifts, &gold);
    if args.json {
        let out = serde_json::json!({
            "gold": args.gold,
            "stance_mode": report.stance_mode,
            "detected": report.shifts.len(),
            "expected": gold.len(),
            "matched": e.matches.len(),
            "precision": e.precision,
            "recall": e.recall,
            "f1": e.f1,
            "matches": e.matches.iter().map(|&(d, g)| serde_json::json!({
                "speaker": report.shifts[d].speaker,
                "detected": {"from_date": report.shifts[d].from_date, "to_date": report.shifts[d].to_date},
                "gold": {"from_date": gold[g].from_date, "to_date": gold[g].to_date},
            })).collect::<Vec<_>>(),
            "false_positives": e.false_positives.iter().map(|&d| describe(&report.shifts[d])).collect::<Vec<_>>(),
            "missed": e.missed.iter().map(|&g| describe_gold(&gold[g])).collect::<Vec<_>>(),
        });
        outln!("{}", serde_json::to_string_pretty(&out)?)?;
        return Ok(());
    }
    outln!(
        "{} detected, {} expected ({} stance)",
        report.shifts.len(),
        gold.len(),
        report.stance_mode
    )?;
    for &(d, _) in &e.matches {
        outln!("  match   {}", describe(&report.shifts[d]))?;
    }
    for &d in &e.false_positives {
        outln!("  extra   {}", describe(&report.shifts[d]))?;
    }
    for &g in &e.missed {
        outln!("  missed  {}", describe_gold(&gold[g]))?;
    }
    outln!(
        "precision {:.3} ({}/{}), recall {:.3} ({}/{}), F1 {:.3}",
        e.precision,
        e.matches.len(),
        report.shifts.len(),
        e.recall,
        e.matches.len(),
        gold.len(),
        e.f1
    )?;
    Ok(())
}

fn describe(s: &Shift) -> String {
    format!(
        "{} on \"{}\": {} → {} ({:+.2} → {:+.2}, confidence {:.2})",
        s.speaker,
        s.topic_label,
        s.from_date,
        s.to_date,
        s.stance_before,
        s.stance_after,
        s.confidence
    )
}

fn describe_gold(g: &GoldShift) -> String {
    format!(
        "{}{}: {} → {}",
        g.speaker,
        g.topic_hint
            .as_deref()
            .map(|t| format!(" on {t}"))
            .unwrap_or_default(),
        g.from_date,
        g.to_date
    )
}
