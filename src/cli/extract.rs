//! `volte extract`: attributed statements from news articles, as JSON
//! lines that `volte report` reads.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::output_file::OutputFile;
use volte::eval::extract::{evaluate_extraction, Item};
use volte::extract::{extract_paths, ExtractOptions, Lang};
use volte::input::{InputError, OnError};

/// Extract attributed statements from articles (text, HTML or JSON lines).
///
/// Each ARTICLE is a file or a folder (read in name order): plain text, HTML
/// (`.html`, `.htm`), or JSON lines (`.jsonl`) with `text` (or `html`) and
/// optional `date`, `source`, `url`, `lang`. The article's date comes from
/// that metadata, from its first lines ("date 2025-11-07", "mercredi 26
/// novembre 2025"), from an HTML page's publication time, or from a date in
/// the file name.
///
/// A statement is a sentence that reports what a named person or
/// organisation said, wrote or holds: direct quotes (« », “ ”, „ “, " "),
/// reported speech (a déclaré, selon; said, according to; sagte, laut;
/// afirmó, según), posts ("Name @handle · date" and the paragraph under it)
/// and documents introduced with a colon. French, English, German and
/// Spanish are recognised (detected per article, or --lang).
///
/// Every line carries: id, text (verbatim), speaker (as first introduced;
/// empty with a `reason` when none is named), role, date (YYYY-MM-DD, or
/// YYYY-MM when only the month is known), source, lang, span (character
/// offsets in the article's text), and the rules behind the statement, its
/// speaker and its date (`rule`, `speaker_rule`, `date_rule`). Relative days
/// ("jeudi", "yesterday", "am Dienstag", "el martes") are resolved against
/// the article's date; a statement the article does not date takes the
/// date of the same speaker's statement in another article of the batch.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Article files or folders.
    #[arg(required = true)]
    pub articles: Vec<PathBuf>,
    /// Output JSON lines (`-`: standard output).
    #[arg(short, long, default_value = "-")]
    pub output: PathBuf,
    /// Language of every article (fr, en, de, es) instead of detecting it.
    #[arg(long)]
    pub lang: Option<String>,
    /// Leave out reported statements without a named speaker (kept by
    /// default, with `speaker` empty and a `reason`).
    #[arg(long)]
    pub attributed_only: bool,
}

pub fn run(args: ExtractArgs) -> Result<()> {
    let lang = args.lang.as_deref().map(str::parse::<Lang>).transpose()?;
    let opts = ExtractOptions::default()
        .with_lang(lang)
        .with_unattributed(!args.attributed_only);
    let x = extract_paths(&args.articles, &opts, OnError::Fail)?;
    let mut out = OutputFile::create(&args.output)?;
    for s in &x.statements {
        out.write_line(s)?;
    }
    out.finish()?;
    tracing::info!(
        target: volte::NOTICE,
        "{} statement(s) from {} article(s), {} with a named speaker",
        x.statements.len(),
        x.articles,
        x.attributed().count()
    );
    Ok(())
}

/// Recall, precision, speaker and date accuracy of extracted statements.
///
/// GOLD and --input are JSON lines with `text` and optional `id`,
/// `speaker`, `date`, `source` (a gold file is written by hand; --input is
/// what `volte extract` wrote). A gold statement is found when an extracted
/// statement of the same source (file name) shares at least 60 % of the
/// words of the shorter of the two; the best such statement gives its
/// speaker (compared ignoring case) and its date (compared as written, so
/// `2025-11` is not `2025-11-06`). Precision counts the extracted
/// statements that match some gold statement.
#[derive(Debug, Args)]
pub struct ExtractEvalArgs {
    /// Hand-made statements (JSON lines).
    pub gold: PathBuf,
    /// Extracted statements (JSON lines).
    #[arg(long)]
    pub input: PathBuf,
    /// Print the evaluation, with every gold statement's match, as JSON.
    #[arg(long)]
    pub json: bool,
    /// List the gold statements not found, or found with another speaker
    /// or date.
    #[arg(long)]
    pub misses: bool,
}

fn read_items(path: &std::path::Path) -> Result<Vec<Item>> {
    let text = std::fs::read_to_string(path).map_err(|e| InputError {
        file: path.display().to_string(),
        line: 0,
        reason: format!("cannot read: {e}"),
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| InputError {
            file: path.display().to_string(),
            line: i + 1,
            reason,
        };
        let v: serde_json::Value =
            serde_json::from_str(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let field = |k: &str| match v.get(k) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let text = field("text");
        if text.trim().is_empty() {
            return Err(bad("no `text` field".into()).into());
        }
        let id = match field("id") {
            s if s.is_empty() => format!("line {}", i + 1),
            s => s,
        };
        out.push(Item {
            id,
            text,
            speaker: field("speaker"),
            date: field("date"),
            source: field("source"),
        });
    }
    Ok(out)
}

pub fn run_eval(args: ExtractEvalArgs) -> Result<()> {
    let gold = read_items(&args.gold)?;
    let found = read_items(&args.input)?;
    let e = evaluate_extraction(&gold, &found);
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&e)?)?;
        return Ok(());
    }
    outln!(
        "{} gold statement(s), {} extracted, {} found",
        e.gold,
        e.extracted,
        e.found
    )?;
    outln!("recall {:.3}, precision {:.3}", e.recall, e.precision)?;
    outln!(
        "speaker accuracy {:.3}, date accuracy {:.3} (of those found)",
        e.speaker_accuracy,
        e.date_accuracy
    )?;
    if args.misses {
        for m in &e.matches {
            match &m.matched {
                None => outln!("  {}: not found", m.id)?,
                Some(id) if !(m.speaker_ok && m.date_ok) => outln!(
                    "  {} -> {}: speaker {:?} (gold {:?}), date {:?} (gold {:?})",
                    m.id,
                    id,
                    m.found_speaker,
                    m.gold_speaker,
                    m.found_date,
                    m.gold_date
                )?,
                Some(_) => {}
            }
        }
    }
    Ok(())
}
