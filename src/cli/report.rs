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
use volte::engine::Axes;
use volte::error::{InputError, UsageError};
use volte::extract::{extract_paths, ExtractOptions};
use volte::input::{OnError, ReadOutcome, Statement};
use volte::output::atomic::check_writable;
use volte::output::read_embeddings;
use volte::output::EmbeddingFormat;
use volte::report::build::ReportOptions;
use volte::report::model::Report;
use volte::report::{html, json, markdown, term};
use volte::stance::axes::{read_axes, AxisSpec};
use volte::stance::cross_encoder::StanceOptions;
use volte::stance::shifts::ShiftParams;
use volte::ReportRequest;
use volte::Settings;

/// Show who changed position on what: topics, stance timelines, shifts.
///
/// Pipeline: statements are embedded (E5 models get their `query: ` prompt
/// unless --prompt/--prompt-name say otherwise) and each language's mean
/// vector is removed (the "analysis space", where what a statement says
/// counts more than the language it says it in). Statements are grouped into
/// topics by average-linkage clustering, every statement of a topic gets a
/// stance score in [-1, 1], each speaker's dated scores on a topic form a
/// timeline, and a shift is a turn in a timeline, reported with the
/// probability that the position changed and the statements before and
/// after it.
///
/// Stance with --axes (or --thesis): an axis given by a one-sentence
/// `thesis` is scored by the stance model, which reads the thesis and each
/// statement together (stance = p_agree - p_disagree). Thesis first: every
/// statement is read with every thesis and addresses each thesis it takes a
/// side on (see --axis-min-relevance), several or none; each speaker's
/// statements on a thesis form one timeline, whatever topic they are in.
/// A turn is the two-segment model of the timeline (the position flips on
/// one date) against the one-segment model (it never does), from the
/// model's probabilities, with statements of one date pooled into one
/// observation: the posterior probability of a flip is the shift's
/// `confidence`; a turn needs --shift-min-confidence, a possible turn
/// (listed apart) --shift-possible-confidence. Statements of one date never
/// make a turn. Series of scores without probabilities (axes given by
/// examples, no axes without the stance model) are tested as before: the
/// step of mean score against the noise on each side (a step of one spread
/// of the topic's scores, confidence 0.8), and the --shift-* settings do not
/// apply to them. An axis given by `pro`/`con`
/// example statements takes the clusters that lean towards it (see
/// --axis-min-similarity), and a statement's score compares it with its two
/// closest `pro` and two closest `con` examples, calibrated so that the
/// examples themselves average +1 and -1. The statements of one axis form
/// one topic.
///
/// Without axes, volte drafts theses itself (see --draft-theses): each of
/// the largest topics gives the first of its most central statements that
/// reads as a claim, in its own words and language, and every statement is
/// read with every drafted thesis as above; the report marks these axes
/// `automatic`, and --draft-axes writes them as an axes file to edit and
/// pass back with --axes.
///
/// Stance without axes and without drafting (--draft-theses 0, or no stance
/// model): a topic's stance is its main opposition, the 2-means
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
    /// Statements: JSONL, CSV/TSV with a header, or plain text; `-` reads
    /// stdin. With --articles: a file or folder of news articles.
    pub input: PathBuf,
    /// INPUT is news articles (a file or a folder: text, HTML or JSON lines,
    /// as `volte extract` reads them): their attributed statements are
    /// extracted first, exactly as `volte extract INPUT -o s.jsonl` followed
    /// by `volte report s.jsonl` would, with --on-error for unreadable files.
    #[arg(long, conflicts_with_all = ["input_format", "text_field", "id_field"])]
    pub articles: bool,
    /// Output format. Default: the output's extension decides (.html, .md,
    /// .json; any other name, and standard output, get term); a --format
    /// given is obeyed whatever the extension.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Output file; standard output when omitted (not for html).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Embeddings of the statements computed earlier by `volte embed
    /// --prompt-name query` with the same model (with `--mask-speakers` for
    /// theses or no axes, as the report embeds them) (.npy with its ids file, or
    /// .parquet; e.g. a large input embedded with --resume): every statement
    /// takes the row of its id, and none is embedded again.
    #[arg(long)]
    pub embeddings: Option<PathBuf>,
    /// Also write the theses drafted without --axes as an axes file (TOML)
    /// to edit and pass back with --axes.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["axes", "thesis"])]
    pub draft_axes: Option<PathBuf>,
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

impl ReportFormat {
    /// The format an output's name implies (`term` for other names and
    /// standard output).
    pub fn for_output(output: Option<&Path>) -> Self {
        let ext = output
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("html" | "htm") => Self::Html,
            Some("md" | "markdown") => Self::Md,
            Some("json") => Self::Json,
            _ => Self::Term,
        }
    }
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

    /// One thesis to score every statement against, without an axes file
    /// (an axis named `thesis`; +1 agrees).
    #[arg(long, conflicts_with = "axes", value_name = "TEXT")]
    pub thesis: Option<String>,

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
    /// closest to (its topic), and it is on the timelines of all of them.
    /// 0.8 was chosen on the Wahl-O-Mat development sets (README, "How far
    /// to trust stance"): fewer false alarms than 0.5 at the same recall.
    #[arg(long, default_value_t = ReportOptions::default().axis_min_relevance, value_parser = values::unit)]
    pub axis_min_relevance: f32,

    /// With a thesis: a statement addresses it only when its cosine to the
    /// thesis (both centred on the corpus' average statement) is above this
    /// as well; -1 leaves the choice to the stance model alone.
    #[arg(long, default_value_t = ReportOptions::default().thesis_min_similarity, value_parser = values::cosine)]
    pub thesis_min_similarity: f32,

    /// With theses: a statement relevant to several theses addresses those
    /// whose cosine to it (both centred on the corpus' average statement) is
    /// at most this below its cosine to the closest of them; the stance
    /// model also takes sides on neighbouring questions, the embedding says
    /// which one a statement is about. 0.1 was measured on the Wahl-O-Mat
    /// development sets (README, "How far to trust stance"); 2 keeps every
    /// relevant thesis.
    #[arg(long, default_value_t = ReportOptions::default().thesis_margin, value_parser = values::distance)]
    pub thesis_margin: f32,

    /// Smallest turn: the step of a speaker's mean stance, in units of the
    /// spread of stance scores on the thesis or topic (their standard
    /// deviation), across zero or towards the other pole.
    #[arg(long, default_value_t = ShiftParams::default().min_change, value_parser = values::non_negative)]
    pub shift_min_change: f32,

    /// Smallest probability that the position changed for a turn, in
    /// [0, 1] (see above; chosen on the development sets the README
    /// describes).
    #[arg(long, default_value_t = ShiftParams::default().min_confidence, value_parser = values::unit)]
    pub shift_min_confidence: f32,

    /// Smallest probability of a change for a possible turn, listed apart
    /// from turns (`status` `possible`).
    #[arg(long, default_value_t = ShiftParams::default().possible_confidence, value_parser = values::unit)]
    pub shift_possible_confidence: f32,

    /// Prior probability that a timeline changes position at all.
    #[arg(long, default_value_t = ShiftParams::default().change_prior, value_parser = values::unit)]
    pub shift_change_prior: f32,

    /// Chance that a statement that takes a side does not say its speaker's
    /// position (a retrospective, quoted or ironic sentence, an error the
    /// model's probabilities do not show), in [0, 0.5]. The default 0 takes
    /// the stance model's calibrated probabilities as they are: on held-out
    /// Wahl-O-Mat justifications no added error fits them better.
    #[arg(long, default_value_t = ShiftParams::default().error_rate, value_parser = values::unit)]
    pub shift_error_rate: f32,

    /// Without --axes: split each topic into the camps the stance model
    /// finds when it reads its statements two at a time, instead of by its
    /// main embedding opposition. Its stance scores agree more often with
    /// labelled statements, but it finds fewer turns on the corpora the
    /// README measures; see "How far to trust stance".
    #[arg(long, conflicts_with_all = ["axes", "thesis"])]
    pub camps: bool,

    /// Without --axes: how many theses to draft from the largest topics
    /// (0: none). Drafting stops where the stance model would read more
    /// than 50,000 statement-thesis pairs.
    #[arg(long, default_value_t = ReportOptions::default().draft_theses)]
    pub draft_theses: usize,

    #[command(flatten)]
    pub stance_model: StanceModelArgs,
}

impl PipelineArgs {
    pub fn options(&self) -> Result<ReportOptions> {
        Ok(ReportOptions::default()
            .with_cluster_threshold(self.cluster_threshold)
            .with_min_topic_size(self.min_topic_size.max(1))
            .with_axis_min_similarity(self.axis_min_similarity)
            .with_axis_min_relevance(self.axis_min_relevance)
            .with_thesis_min_similarity(self.thesis_min_similarity)
            .with_thesis_margin(self.thesis_margin)
            .with_draft_theses(if self.camps { 0 } else { self.draft_theses })
            .with_shift(
                ShiftParams::default()
                    .with_min_change(self.shift_min_change)
                    .with_min_confidence(self.shift_min_confidence)
                    .with_possible_confidence(self.shift_possible_confidence)
                    .with_change_prior(self.shift_change_prior)
                    .with_error_rate(self.shift_error_rate),
            ))
    }
}

pub fn run(args: ReportArgs, settings: &Settings) -> Result<()> {
    let format = args
        .format
        .unwrap_or_else(|| ReportFormat::for_output(args.output.as_deref()));
    if format == ReportFormat::Html && args.output.is_none() {
        return Err(
            UsageError::new("--format html writes a file: give it with -o FILE.html").into(),
        );
    }
    if let Some(path) = &args.output {
        check_writable(path)?;
    }
    if let Some(path) = &args.draft_axes {
        check_writable(path)?;
    }
    let report = make_report(
        &args.input,
        args.articles,
        args.embeddings.as_deref(),
        args.output.as_deref(),
        &args.pipeline,
        &args.model,
        &args.input_args,
        settings,
    )?;
    let text = match format {
        ReportFormat::Term => term::render(&report),
        ReportFormat::Md => markdown::render(&report),
        ReportFormat::Json => json::render(&report)?,
        ReportFormat::Html => html::render(&report),
    };
    let mut out = OutputFile::create(args.output.as_deref().unwrap_or(Path::new("-")))?;
    out.put(text.as_bytes())?;
    out.finish()?;
    if let Some(path) = &args.draft_axes {
        let drafted: Vec<(String, Option<String>, String)> = report
            .axes
            .iter()
            .filter(|a| a.automatic)
            .map(|a| (a.name.clone(), a.thesis.clone(), String::new()))
            .collect();
        if drafted.is_empty() {
            eprintln!(
                "volte: no thesis drafted (no topic has a claim-like central statement); {} not written",
                path.display()
            );
        } else {
            let mut f = OutputFile::create(path)?;
            f.put(volte::report::drafting::axes_toml(&drafted).as_bytes())?;
            f.finish()?;
            eprintln!(
                "volte: {} drafted thesis/theses written to {}",
                drafted.len(),
                path.display()
            );
        }
    }
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
#[allow(clippy::too_many_arguments)]
pub fn make_report(
    input: &Path,
    articles: bool,
    embeddings: Option<&Path>,
    output: Option<&Path>,
    pipeline: &PipelineArgs,
    model_args: &ModelArgs,
    input_args: &InputArgs,
    settings: &Settings,
) -> Result<Report> {
    let options = pipeline.options()?;
    let axes = match (pipeline.axes.as_deref(), pipeline.thesis.as_deref()) {
        (Some(path), _) => Some(Axes {
            specs: read_axes(path)?,
            name: path.display().to_string(),
        }),
        (None, Some(thesis)) => Some(Axes {
            specs: vec![one_thesis(thesis)?],
            name: "--thesis".to_string(),
        }),
        (None, None) => None,
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
    let others: Vec<(&str, &Path)> = [
        ("embeddings", embeddings),
        ("axes file", pipeline.axes.as_deref()),
    ]
    .into_iter()
    .filter_map(|(role, p)| p.map(|p| (role, p)))
    .collect();
    let rejects = input_args.rejects_beside(input, &others, output)?;
    let read = if articles {
        read_articles(input, input_args.on_error)?
    } else {
        input_args.read(input)?
    };
    rejects.settle(&[&read])?;
    let statements = &read.statements;
    // The stance model is loaded before any statement is embedded, so that
    // a missing or damaged one stops the run before the work.
    let examples = axes
        .as_ref()
        .map_or(0, |a| volte::stance::axes::example_texts(&a.specs).len());
    let needs_model = match &axes {
        Some(a) => a.need_stance_model(),
        None => pipeline.camps || pipeline.draft_theses > 0,
    };
    let stance = if needs_model {
        Some(
            pipeline.stance_model.load(
                StanceOptions::default()
                    .with_device(model_args.device)
                    .with_dtype(model_args.dtype)
                    .with_cpu_tier(model_args.cpu_tier),
                settings,
            )?,
        )
    } else {
        None
    };
    let precomputed = match embeddings {
        Some(path) => Some(embeddings_of(statements, path)?),
        None => None,
    };
    let mut engine = model_args.open(settings, true, true)?;
    let bar = Bar::new(statements.len(), "embedding");
    let request = ReportRequest::default()
        .with_axes(axes)
        .with_stance(stance.as_ref())
        .with_inputs(vec![input.display().to_string()])
        .with_options(options)
        .with_progress(Some(&bar));
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

/// The statements `volte extract` finds in the articles of `input`, read
/// as a report reads them.
fn read_articles(input: &Path, on_error: OnError) -> Result<ReadOutcome> {
    let x = extract_paths(&[input], &ExtractOptions::default(), on_error)?;
    let statements = x.to_statements();
    eprintln!(
        "volte: {} statement(s) from {} article(s), {} with a named speaker",
        statements.len(),
        x.articles,
        x.attributed().count()
    );
    Ok(ReadOutcome {
        lines: statements.len() + x.rejects.len(),
        statements,
        rejects: x.rejects,
        ..ReadOutcome::default()
    })
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

/// The axis of `--thesis`.
fn one_thesis(text: &str) -> Result<AxisSpec> {
    let text = text.trim();
    if text.is_empty() {
        return Err(UsageError::new("--thesis needs a sentence").into());
    }
    Ok(AxisSpec {
        name: "thesis".to_string(),
        description: String::new(),
        thesis: Some(text.to_string()),
        pro: Vec::new(),
        con: Vec::new(),
        automatic: false,
    })
}
