//! `volte eval shifts` (precision and recall of detected shifts) and
//! `volte eval stance` (agreement of stance scores with labelled
//! statements), both against a gold file.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use super::input_args::InputArgs;
use super::model_args::ModelArgs;
use super::output_file::OutputFile;
use super::progress_bar::Bar;
use super::report::{make_report, PipelineArgs};
use super::stance::StanceRunArgs;
use volte::eval::calibration::{calibration, fit_temperature, mean_nll, Calibration};
use volte::eval::{
    evaluate_pairs, evaluate_stance, parse_answer, read_gold, GroupStance, ShiftsEvaluation,
};
use volte::input::{InputError, OnError, Reject};
use volte::output::atomic::check_writable;
use volte::report::json;
use volte::report::model::Report;
use volte::stance::cross_encoder::StanceScore;
use volte::Settings;

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
    /// detected turn matches a gold shift of the same speaker (and axis, when
    /// both name one) when their before ids and their after ids overlap, or
    /// when their turn intervals [from_date, to_date] overlap; matching is
    /// one-to-one, most probable turn first. Possible turns are counted
    /// apart. With `steady` series in the gold file ({speaker, axis, stance,
    /// ids}), a turn across one is a false alarm, counted per 100 steady
    /// series. A table gives the figures at several levels of the
    /// probability of a change (every listed shift at or above the level
    /// counted as a turn): run with a low --shift-possible-confidence to see
    /// all candidates.
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
    /// The stance model against labelled (thesis, statement) pairs.
    ///
    /// Every record needs a thesis (--thesis-field) and a gold answer
    /// (--gold-field: 1/agree, -1/disagree, 0/neutral). Prints the
    /// agree/disagree accuracy (sign of p_agree - p_disagree on the ±1 pairs)
    /// next to the majority answer's, the AUC, the three-way accuracy and
    /// macro-F1, the confusion matrix, the speed in pairs/s, and how well the
    /// probabilities are calibrated: the expected calibration error (ECE), a
    /// reliability table (confidence bins: mean confidence, accuracy, count)
    /// and the accuracy of the most confident 25 / 50 / 100 % of the pairs.
    /// The agree/disagree confidence of a ±1 pair is max(p_agree, p_disagree)
    /// / (p_agree + p_disagree); the three-way confidence is the largest
    /// probability. --fit-temperature also fits the temperature that makes
    /// these pairs' probabilities most likely (stance.json's "temperature").
    StancePairs(PairsArgs),
    /// Recall, precision, speaker and date accuracy of extracted statements.
    Extract(super::extract::ExtractEvalArgs),
}

#[derive(Debug, Args)]
pub struct PairsArgs {
    /// Labelled pairs: JSONL or CSV/TSV with a header.
    pub input: PathBuf,
    /// Field holding the thesis.
    #[arg(long, default_value = "thesis")]
    pub thesis_field: String,
    /// Field holding the gold answer (1/agree, -1/disagree, 0/neutral).
    #[arg(long, default_value = "stance")]
    pub gold_field: String,
    /// Print the evaluation as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also write each pair's scores (JSON lines: id, gold, stance,
    /// p_agree, p_disagree, p_neutral).
    #[arg(long)]
    pub scores: Option<PathBuf>,
    /// Fit the temperature of the probabilities on these pairs (minimum
    /// negative log-likelihood of the three answers) and print it with the
    /// calibration it gives; for a dev split, never a test split.
    #[arg(long)]
    pub fit_temperature: bool,
    #[command(flatten)]
    pub run: StanceRunArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
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

pub fn run(args: EvalArgs, settings: &Settings) -> Result<()> {
    match args.command {
        EvalCommand::Shifts(a) => shifts(a, settings),
        EvalCommand::Stance(a) => stance(a, settings),
        EvalCommand::StancePairs(a) => stance_pairs(a, settings),
        EvalCommand::Extract(a) => super::extract::run_eval(a),
    }
}

fn stance_pairs(args: PairsArgs, settings: &Settings) -> Result<()> {
    if let Some(path) = &args.scores {
        check_writable(path)?;
    }
    let fields = [args.thesis_field.clone(), args.gold_field.clone()];
    let rejects = args.input_args.rejects_for(&args.input, None)?;
    let mut read = args.input_args.read_with_fields(&args.input, &fields)?;
    let name = args.input.display().to_string();
    // A gold answer that is not one is a bad record like any other: with
    // --on-error skip it goes to the rejects file.
    let mut gold: Vec<i8> = Vec::with_capacity(read.statements.len());
    let mut kept = Vec::with_capacity(read.statements.len());
    for s in std::mem::take(&mut read.statements) {
        match parse_answer(&s.extra[1]) {
            Ok(g) => {
                gold.push(g);
                kept.push(s);
            }
            Err(reason) if args.input_args.on_error == OnError::Skip => {
                read.rejects.push(Reject {
                    file: name.clone(),
                    line: s.line,
                    raw: serde_json::to_string(&s).unwrap_or_default(),
                    reason,
                });
            }
            Err(reason) => {
                return Err(InputError {
                    file: name,
                    line: s.line,
                    reason,
                }
                .into())
            }
        }
    }
    read.statements = kept;
    read.rejects.sort_by_key(|r| r.line);
    rejects.settle(&[&read])?;
    let model = args.run.load(settings)?;
    let pairs: Vec<(&str, &str)> = read
        .statements
        .iter()
        .map(|s| (s.extra[0].as_str(), s.text.as_str()))
        .collect();
    let pb = Bar::new(pairs.len(), "stance");
    let started = std::time::Instant::now();
    let logits = model.logits(&pairs, &mut |n| pb.inc(n as u64))?;
    let seconds = started.elapsed().as_secs_f64();
    pb.finish();
    let at = |t: f32| -> Vec<StanceScore> {
        logits
            .iter()
            .map(|l| StanceScore::from_logits(l, t))
            .collect()
    };
    let scores = at(model.temperature());
    let fitted = args.fit_temperature.then(|| {
        let t = fit_temperature(&logits, &gold);
        FittedTemperature {
            temperature: t,
            nll_before: mean_nll(&logits, &gold, model.temperature() as f64),
            nll_after: mean_nll(&logits, &gold, t),
            calibration: calibration(&at(t as f32), &gold),
        }
    });
    if let Some(path) = &args.scores {
        let mut out = OutputFile::create(path)?;
        for ((s, g), sc) in read.statements.iter().zip(&gold).zip(&scores) {
            out.write_line(
                &serde_json::json!({"id": s.id, "gold": g, "stance": sc.stance(),
                "p_agree": sc.p_agree, "p_disagree": sc.p_disagree, "p_neutral": sc.p_neutral}),
            )?;
        }
        out.finish()?;
    }
    let e = evaluate_pairs(&scores, &gold);
    let cal = calibration(&scores, &gold);
    let speed = pairs.len() as f64 / seconds.max(1e-9);
    if args.json {
        let mut v = serde_json::to_value(&e)?;
        v["pairs_per_second"] = serde_json::json!(speed);
        v["precision"] = serde_json::json!(format!("{:?}", model.precision()));
        v["temperature"] = serde_json::json!(model.temperature());
        v["calibration"] = serde_json::to_value(&cal)?;
        if let Some(f) = &fitted {
            v["fitted_temperature"] = serde_json::to_value(f)?;
        }
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    let num = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
    outln!(
        "{} pair(s), {} agree/disagree; {:.1} pairs/s ({} {:?})",
        e.pairs,
        e.agree_disagree_pairs,
        speed,
        model.device_name(),
        model.precision()
    )?;
    outln!(
        "agree/disagree accuracy {} (majority {}), AUC {}",
        num(e.accuracy),
        num(e.majority),
        num(e.auc)
    )?;
    outln!(
        "three-way accuracy {}, macro-F1 {}",
        num(e.accuracy_3class),
        num(e.macro_f1_3class)
    )?;
    outln!("confusion (rows gold, columns predicted):")?;
    outln!("            disagree  neutral    agree")?;
    for (name, row) in ["disagree", "neutral", "agree"].iter().zip(e.confusion) {
        outln!("  {name:>8}  {:>8} {:>8} {:>8}", row[0], row[1], row[2])?;
    }
    outln!("calibration at temperature {}:", model.temperature())?;
    print_calibration(&cal)?;
    if let Some(f) = &fitted {
        outln!(
            "fitted temperature {:.4} (mean NLL {:.4} at {} -> {:.4}); calibration at it:",
            f.temperature,
            f.nll_before,
            model.temperature(),
            f.nll_after
        )?;
        print_calibration(&f.calibration)?;
    }
    Ok(())
}

/// A temperature fitted on the evaluated pairs, with what it does.
#[derive(serde::Serialize)]
struct FittedTemperature {
    temperature: f64,
    nll_before: f64,
    nll_after: f64,
    calibration: Calibration,
}

fn print_calibration(c: &Calibration) -> Result<()> {
    let num = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
    for (name, r) in [
        ("agree/disagree", &c.agree_disagree),
        ("three-way", &c.three_way),
    ] {
        outln!("  {name}: ECE {} over {} pair(s)", num(r.ece), r.pairs)?;
        outln!("    confidence        mean  accuracy   count")?;
        for b in &r.bins {
            outln!(
                "    {:.3}-{:.3}  {:>8} {:>9} {:>7}",
                b.low,
                b.high,
                num(b.mean_confidence),
                num(b.accuracy),
                b.count
            )?;
        }
        let cov: Vec<String> = r
            .coverage
            .iter()
            .map(|k| {
                format!(
                    "{:.0} % {} ({} pairs)",
                    k.share * 100.0,
                    num(k.accuracy),
                    k.pairs
                )
            })
            .collect();
        outln!("    accuracy of the most confident: {}", cov.join(", "))?;
    }
    Ok(())
}

/// The report to evaluate: made from --input, or read from --report.
fn load_report(args: &GoldArgs, settings: &Settings) -> Result<Report> {
    match (&args.input, &args.report) {
        (Some(input), None) => make_report(
            input,
            false,
            None,
            None,
            &args.pipeline,
            &args.model,
            &args.input_args,
            settings,
        ),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            json::parse(&text).with_context(|| format!("report {}", path.display()))
        }
        _ => bail!("give either --input STATEMENTS or --report REPORT.json"),
    }
}

fn stance(args: GoldArgs, settings: &Settings) -> Result<()> {
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
    let report = load_report(&args, settings)?;
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

fn shifts(args: GoldArgs, settings: &Settings) -> Result<()> {
    let gold = read_gold(&args.gold)?;
    let report = load_report(&args, settings)?;
    let name = args.gold.display().to_string();
    let e = ShiftsEvaluation::new(&name, &report, &gold.shifts, &gold.steady);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&e)?)?;
        return Ok(());
    }
    outln!(
        "{} turns detected ({} possible turns apart), {} expected ({} stance)",
        e.detected,
        e.possible,
        e.expected,
        e.stance_mode
    )?;
    for m in &e.matches {
        outln!("  match   {}", m.description)?;
    }
    for d in &e.false_positives {
        outln!("  extra   {d}")?;
    }
    for g in &e.missed {
        outln!("  missed  {g}")?;
    }
    outln!(
        "precision {:.3} ({}/{}), recall {:.3} ({}/{}), F1 {:.3}",
        e.precision,
        e.matched,
        e.detected,
        e.recall,
        e.matched,
        e.expected,
        e.f1
    )?;
    if let Some(fa) = e.false_alarms_per_100 {
        outln!(
            "false alarms {fa:.1} per 100 steady series ({}/{})",
            e.false_alarms,
            e.steady
        )?;
    }
    outln!("if every listed shift at or above a probability of a change were a turn:")?;
    outln!("  level  detected  matched  precision  recall  false alarms/100 steady")?;
    for l in &e.levels {
        outln!(
            "  {:5.2}  {:8}  {:7}  {:9.3}  {:6.3}  {}",
            l.level,
            l.detected,
            l.matched,
            l.precision,
            l.recall,
            l.false_alarms_per_100
                .map_or("-".to_string(), |f| format!("{f:.1}"))
        )?;
    }
    Ok(())
}
