//! The inputs of the search and clustering commands: embeddings from
//! `volte embed` as they are, or statements embedded on the fly through the
//! front door (the model opened only when some input needs it).

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::documents::Label;
use super::input_args::{with_input, InputArgs};
use super::model_args::ModelArgs;
use super::progress_bar::Bar;
use volte::input::{ReadOutcome, Statement};
use volte::output::atomic::check_writable;
use volte::output::{read_embeddings, EmbeddingFormat};
use volte::Settings;
use volte::{Embeddings, Engine};

/// An input as read: embeddings from `volte embed`, or statements to embed.
pub enum Loaded {
    Vectors(Vec<String>, Embeddings),
    Statements(PathBuf, ReadOutcome),
}

impl Loaded {
    pub fn len(&self) -> usize {
        match self {
            Self::Vectors(ids, _) => ids.len(),
            Self::Statements(_, r) => r.statements.len(),
        }
    }
}

/// Statements (when the input had them) with their embeddings.
pub struct Embedded {
    pub ids: Vec<String>,
    pub statements: Option<Vec<Statement>>,
    pub embeddings: Embeddings,
}

impl Embedded {
    /// The label of row `i` in results.
    pub fn label(&self, i: usize) -> Label<'_> {
        Label {
            id: &self.ids[i],
            text: self.statements.as_ref().map(|s| s[i].text.as_str()),
        }
    }

    /// The texts, when the input had statements.
    pub fn texts(&self) -> Option<Vec<&str>> {
        self.statements
            .as_ref()
            .map(|s| s.iter().map(|s| s.text.as_str()).collect())
    }
}

/// For commands that write one output from one input: refuses an
/// unwritable output before any work, reads the input (statements or
/// embeddings) and settles the rejects of statements.
pub fn load_checked(input: &Path, output: &Path, args: &InputArgs) -> Result<Loaded> {
    check_writable(output)?;
    let rejects = args.rejects_for(input, Some(output))?;
    let loaded = load_input(input, args)?;
    if let Loaded::Statements(_, read) = &loaded {
        rejects.settle(&[read])?;
    }
    Ok(loaded)
}

/// Reads `.npy`/`.parquet` embeddings as they are, or statements.
pub fn load_input(path: &Path, input: &InputArgs) -> Result<Loaded> {
    if matches!(
        EmbeddingFormat::from_path(path),
        Ok(EmbeddingFormat::Npy | EmbeddingFormat::Parquet)
    ) {
        let (ids, mut embeddings) = read_embeddings(path)?;
        embeddings.normalize();
        return Ok(Loaded::Vectors(ids, embeddings));
    }
    Ok(Loaded::Statements(path.to_path_buf(), input.read(path)?))
}

/// Logs (at debug level, `-vv`) where the int8 encoder spent its time.
pub fn log_stage_times(engine: &Engine) {
    let Some(stages) = engine.encoder().stage_seconds() else {
        return;
    };
    let total: f64 = stages.iter().map(|s| s.1).sum();
    if total <= 0.0 {
        return;
    }
    let parts: Vec<String> = stages
        .iter()
        .map(|(name, s)| format!("{name} {s:.2} s ({:.0}%)", 100.0 * s / total))
        .collect();
    tracing::debug!("int8 encoder stages: {}", parts.join(", "));
}

/// The model, opened on first need and shared by the inputs of one run.
pub struct LazyEngine<'a> {
    args: &'a ModelArgs,
    settings: &'a Settings,
    engine: Option<Engine>,
}

impl<'a> LazyEngine<'a> {
    pub fn new(args: &'a ModelArgs, settings: &'a Settings) -> Self {
        Self {
            args,
            settings,
            engine: None,
        }
    }

    /// The opened engine (with the embedding cache).
    pub fn get(&mut self) -> Result<&mut Engine> {
        if self.engine.is_none() {
            self.engine = Some(self.args.open(self.settings, false, true)?);
        }
        Ok(self.engine.as_mut().expect("opened"))
    }

    /// Embeds a loaded input with a progress bar and prints the summary.
    pub fn embed(&mut self, loaded: Loaded) -> Result<Embedded> {
        let (path, read) = match loaded {
            Loaded::Vectors(ids, embeddings) => {
                return Ok(Embedded {
                    ids,
                    statements: None,
                    embeddings,
                })
            }
            Loaded::Statements(path, read) => (path, read),
        };
        let statements = read.statements;
        let engine = self.get()?;
        let hits_before = engine.cache_hits;
        let bar = Bar::new(statements.len(), "embedding");
        let result = engine.embed(&statements, Some(&bar));
        bar.finish();
        log_stage_times(engine);
        let embeddings = result.map_err(|e| with_input(e, &path))?;
        let from_cache = if engine.uses_cache() {
            format!(
                ": {} from the embedding cache",
                engine.cache_hits - hits_before
            )
        } else {
            " (no cache)".to_string()
        };
        eprintln!(
            "volte: {} statement(s){from_cache}; {}",
            statements.len(),
            engine.encoder().summary()
        );
        Ok(Embedded {
            ids: statements.iter().map(|s| s.id.clone()).collect(),
            statements: Some(statements),
            embeddings,
        })
    }
}
