//! `volte report`: topics, per-speaker stance timelines and shifts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::input_args::{with_input, InputArgs};
use super::model_args::ModelArgs;
use super::output_file::OutputFile;
use super::progress_bar::Bar;
use super::stance::StanceModelArgs;
use super::values;
use volte::embeddings::Embeddings;
use volte::errors::{InputError, UsageError};
use volte::input::Statement;
use volte::output::atomic::check_writable;
use volte::output::read_embeddings;
use volte::output::EmbeddingFormat;
use volte::pipeline::Axes;
use volte::report::build::ReportOptions;
use volte::report::model::Report;
use volte::report::{html, json, markdown, term};
use volte::stance::axes::read_axes;
use volte::stance::cross_encoder::StanceOptions;
use volte::stance::shifts::ShiftParams;
use volte::ReportRequest;

/// Show who changed position on what: topics, stance timelines, shifts.
///
/// Pipeline: statements are embedded (E5 models get their `query: ` prompt
/// unless --prompt/--prompt-name say otherwise) and each language's mean
/// vector is removed (the "analysis space", where what a statement says
/// counts more than the language it says it in). Statements are grouped into
/// topics by average-linkage clustering, every statement of a topic gets a
/// stance score in [-1, 1], each speaker's dated scores on a topic form a
/// timeline, and a shift is a significant turn in a timeline, reported with
/// the statements before and after it.
///
/// Stance with --axes: an axis given by a one-sentence `thesis` is scored by
/// the stance model, which reads the thesis and each statement together
/// (stance = p_agree - p_disagree); each statement takes the thesis it is
/// relevant to (see --axis-min-relevance). An axis given by `pro`/`con`
/// example statements takes the clusters that lean towards it (see
/// --axis-min-similarity), and a statement's score compares it with its two
/// closest `pro` and two closest `con` examples, calibrated so that the
/// examples themselves average +1 and -1. The statements of one axis form
/// one topic.
///
/// Stance without axes: a topic's stance is its main opposition, the 2-means
/// split of its statements started from their first principal direction; +1
/// is the larger side. Topics with fewer than 4 statements or a single
/// speaker get no stance. This finds what divides a topic most, which need
/// not be a position (it can be who speaks, or a sub-question). With
/// --camps, the stance model reads the statements of a topic two at a time
/// (does this one agree with that one?) and splits them into two camps
/// instead. `volte eval stance` measures every mode on labelled statements;
/// the README says how far to trust each.
///
/// Statements without a speaker or a date stay in their topics but cannot be
/// on a timeline; the report counts them (coverage).
///
/// Average-linkage clustering keeps every pairwise distance in memory, so
/// above 20,000 statements topics come from an evenly spaced sample of
/// 20,000: each other statement joins the sample's topic whose statements
/// are on average the most similar to it when that passes the cut, as
/// average linkage would attach it, and otherwise stays alone. The HTML page
/// then shows the 200 largest topics and 300 statements per list (and every
/// statement a shift cites), with filters, search and sort; the JSON report
/// has everything.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Statements: JSONL, CSV/TSV with a header, or plain text; `-` reads stdin.
    pub input: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Term)]
    pub format: ReportFormat,
    /// Output file; standard output when omitted (not for html).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Embeddings of the statements computed earlier by `volte embed
    /// --prompt-name query` with the same model (.npy with its ids file, or
    /// .parquet; e.g. a large input embedded with --resume): every statement
    /// takes the row of its id, and none is embedded again.
    #[arg(long)]
    pub embeddings: Option<PathBuf>,
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub input_args: InputArgs,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Plain text for the terminal.
    Term,
    /// Markdown.
    Md,
    /// JSON (schema: docs/report-schema.md).
    Json,
    /// One self-contained HTML page with SVG timelines (needs -o).
    Html,
}

/// Stance and shift settings shared by `report` and `eval shifts`.
#[derive(Debug, Clone, Args)]
pub struct PipelineArgs {
    /// Stance axes (TOML): `[[axis]]` tables with `name`, optional
    /// `description`, and a one-sentence `thesis = "..."` (+1 agrees) and/or
    /// `pro = [...]` and `con = [...]` example statements, in any language.
    /// Without axes, each topic's stance is its main opposition (see
    /// --camps).
    #[arg(long)]
    pub axes: Option<PathBuf>,

    /// Topic cut: the average-linkage cosine distance at which clusters stop
    /// merging, in the analysis space. There, reports of the same statement
    /// sit about 0.3-0.6 apart and unrelated statements about 1.0 (cosine
    /// near 0). The default 0.9 groups what is said about one question of a
    /// debate, whichever side it takes, and keeps other questions and other
    /// subjects apart; lower values split topics by side, which hides turns.
    #[arg(long, default_value_t = ReportOptions::default().cluster_threshold, value_parser = values::distance)]
    pub cluster_threshold: f32,

    /// Smallest topic: a cluster with fewer statements (that matches no
    /// axis) is not a topic, and its statements are listed as unassigned.
    #[arg(long, default_value_t = ReportOptions::default().min_topic_size)]
    pub min_topic_size: usize,

    /// With --axes: a cluster takes an axis when its cosine to the axis'
    /// subject exceeds this. Both are taken relative to the corpus' average
    /// statement (the subject is the mean of the axis' examples), so the
    /// default 0 means "leans towards the axis more than the average statement
    /// does"; clusters about something else (weather next to a tax debate)
    /// fall below 0. Raise it to keep only clusters closely about an axis.
    #[arg(long, default_value_t = ReportOptions::default().axis_min_similarity, value_parser = values::cosine)]
    pub axis_min_similarity: f32,

    /// With --axes, for axes with a `thesis`: a statement takes a thesis when
    /// its relevance to it reaches this. Relevance is p_agree + p_disagree,
    /// the chance that the statement takes a side on the thesis at all (the
    /// model answers "neutral" for statements about something else); among
    /// several relevant theses a statement takes the one its embedding is
    /// closest to.
    #[arg(long, default_value_t = ReportOptions::default().axis_min_relevance, value_parser = values::unit)]
    pub axis_min_relevance: f32,

    /// Smallest turn: the step of a speaker's mean stance, in units of the
    /// topic's own spread of stance scores (its standard deviation). A
    /// sign change needs this step, a retreat that keeps its sign needs
    /// twice as much. One spread is a move from a typical position on one
    /// side to a typical position on the other.
    #[arg(long, default_value_t = ShiftParams::default().min_change, value_parser = values::non_negative)]
    pub shift_min_change: f32,

    /// Smallest confidence of a turn, in [0, 1]: a two-sided test of the step
    /// against the noise within each side, where a side with one statement
    /// is judged against the topic's spread. 0.8 lets one clear statement
    /// after several consistent ones count as a turn.
    #[arg(long, default_value_t = ShiftParams::default().min_confidence, value_parser = values::unit)]
    pub shift_min_confidence: f32,

    /// Without --axes: split each topic into the camps the stance model
    /// finds when it reads its statements two at a time, instead of by its
    /// main embedding opposition. Its stance scores agree more often with
    /// labelled statements, but it finds fewer turns on the corpora the
    /// README measures; see "How far to trust stance".
    #[arg(long, conflicts_with = "axes")]
    pub camps: bool,

    #[command(flatten)]
    pub stance_model: StanceModelArgs,
}

impl PipelineArgs {
    pub fn options(&self) -> Result<ReportOptions> {
        Ok(ReportOptions {
            cluster_threshold: self.cluster_threshold,
            min_topic_size: self.min_topic_size.max(1),
            axis_min_similarity: self.axis_min_similarity,
            axis_min_relevance: self.axis_min_relevance,
            shift: ShiftParams {
                min_change: self.shift_min_change,
                min_confidence: self.shift_min_confidence,
            },
            ..ReportOptions::default()
        })
    }
}

pub fn run(args: ReportArgs) -> Result<()> {
    if args.format == ReportFormat::Html && args.output.is_none() {
        return Err(
            UsageError::new("--format html writes a file: give it with -o FILE.html").into(),
        );
    }
    if let Some(path) = &args.output {
        check_writable(path)?;
    }
    let report = make_report(
        &args.input,
        args.embeddings.as_deref(),
        args.output.as_deref(),
        &args.pipeline,
        &args.model,
        &args.input_args,
    )?;
    let text = match args.format {
        ReportFormat::Term => term::render(&report),
        ReportFormat::Md => markdown::render(&report),
        ReportFormat::Json => json::render(&report)?,
        ReportFormat::Html => html::render(&report),
    };
    let mut out = OutputFile::create(args.output.as_deref().unwrap_or(Path::new("-")))?;
    out.put(text.as_bytes())?;
    out.finish()?;
    eprintln!(
        "volte: {} topic(s), {} timeline(s), {} shift(s){}",
        report.topics.len(),
        report.timelines.len(),
        report.shifts.len(),
        args.output
            .as_ref()
            .map(|p| format!("; wrote {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

/// Reads, embeds and analyses the statements of `input`; rejected records
/// go next to `output` (next to the input when the report goes to standard
/// output).
pub fn make_report(
    input: &Path,
    embeddings: Option<&Path>,
    output: Option<&Path>,
    pipeline: &PipelineArgs,
    model_args: &ModelArgs,
    input_args: &InputArgs,
) -> Result<Report> {
    let options = pipeline.options()?;
    let axes = match pipeline.axes.as_deref() {
        Some(path) => Some(Axes {
            specs: read_axes(path)?,
            name: path.display().to_string(),
        }),
        None => None,
    };
    if matches!(
        EmbeddingFormat::from_path(input),
        Ok(EmbeddingFormat::Npy | EmbeddingFormat::Parquet)
    ) {
        return Err(UsageError::new(format!(
            "{}: a report needs the statements themselves (JSONL, CSV/TSV or text), not bare embeddings",
            input.display()
        ))
        .into());
    }
    let rejects = input_args.rejects_for(input, output)?;
    let read = input_args.read(input)?;
    rejects.settle(&[&read])?;
    let statements = &read.statements;
    // The stance model is loaded before any statement is embedded, so that
    // a missing or damaged one stops the run before the work.
    let examples = axes
        .as_ref()
        .map_or(0, |a| volte::stance::axes::example_texts(&a.specs).len());
    let needs_model = match &axes {
        Some(a) => a.need_stance_model(),
        None => pipeline.camps,
    };
    let stance = if needs_model {
        Some(pipeline.stance_model.load(StanceOptions {
            device: model_args.device,
            dtype: model_args.dtype,
            cpu_tier: model_args.cpu_tier,
            ..StanceOptions::default()
        })?)
    } else {
        None
    };
    let precomputed = match embeddings {
        Some(path) => Some(embeddings_of(statements, path)?),
        None => None,
    };
    let mut engine = model_args.open(true, true)?;
    let bar = Bar::new(statements.len(), "embedding");
    let request = ReportRequest {
        axes,
        stance: stance.as_ref(),
        inputs: vec![input.display().to_string()],
        options,
        progress: Some(&bar),
    };
    let report = match precomputed {
        Some(emb) => engine.report_embedded(statements, emb, request),
        None => engine.report(statements, request),
    };
    bar.finish();
    let report = report.map_err(|e| with_input(e, input))?;
    eprintln!(
        "volte: {} statement(s){}{}; {}",
        statements.len(),
        if examples > 0 {
            format!(" and {examples} axis example(s)")
        } else {
            String::new()
        },
        if let Some(path) = embeddings {
            format!(": embeddings from {}", path.display())
        } else if engine.uses_cache() {
            format!(": {} from the embedding cache", engine.cache_hits)
        } else {
            " (no cache)".to_string()
        },
        engine.encoder().summary()
    );
    Ok(report)
}

/// The rows of the embeddings file `path` for `statements`, in their order,
/// found by id; a statement without a row is an input error naming it.
fn embeddings_of(statements: &[Statement], path: &Path) -> Result<Embeddings> {
    let (ids, mut emb) = read_embeddings(path)?;
    let in_order =
        ids.len() == statements.len() && ids.iter().zip(statements).all(|(id, s)| *id == s.id);
    if !in_order {
        let row_of: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut rows = Vec::with_capacity(statements.len());
        for s in statements {
            match row_of.get(s.id.as_str()) {
                Some(&row) => rows.push(row),
                None => {
                    return Err(InputError {
                        file: path.display().to_string(),
                        line: 0,
                        reason: format!(
                            "no embedding for statement {:?} (line {}); embed the same input \
                             with `volte embed`",
                            s.id, s.line
                        ),
                    }
                    .into())
                }
            }
        }
        emb = emb.select(&rows);
    }
    Ok(emb)
}
