//! The front door: open a model once, then embed statements (through the
//! embedding cache) and build a stance-shift report with library calls that
//! take options structs (topics alone: [`crate::cluster::cluster`]). The
//! command line and the Python package are thin shells over this module;
//! neither the model, the cache nor the report knows about flags, progress
//! bars or the terminal.
//!
//! See the crate documentation for an example.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::cluster::masking::grouping_texts;
use crate::embed_cache::EmbeddingCache;
use crate::embeddings::{first_non_finite_row, Embeddings};
use crate::encoder::{EncoderOptions, SentenceEncoder, TextEmbedder};
use crate::error::{Error, Result, WrapErr};
use crate::input::Statement;
use crate::model::{self, ModelLayout, ResolvedModel};
use crate::progress::Progress;
use crate::report::build::{build_report, ReportInput, ReportOptions};
use crate::report::model::Report;
use crate::settings::Settings;
use crate::stance::axes::{example_texts, AxisSet, AxisSpec};
use crate::stance::cross_encoder::{PairStance, StanceModel};

/// Which model to open: a Hugging Face repo id (optionally `repo@revision`),
/// a local directory in sentence-transformers layout, or the name of an
/// offline model (`multilingual-e5-small-q4`, `all-minilm-l6-v2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSpec(pub String);

impl Default for ModelSpec {
    /// The default model ([`model::DEFAULT_MODEL`]).
    fn default() -> Self {
        Self(model::DEFAULT_MODEL.to_string())
    }
}

impl From<&str> for ModelSpec {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for ModelSpec {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// How to open and run the model.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineOptions {
    /// Device, precision, prompt, batching.
    pub encoder: EncoderOptions,
    /// Keep embeddings in the on-disk cache (next to the models) and reuse
    /// them; an unusable cache is skipped with one warning.
    pub embedding_cache: bool,
    /// When no prompt is chosen and the model has no default one, use its
    /// `query` prompt if it has one: E5 models expect a prompt, and `query`
    /// is the one for comparing statements with each other.
    pub symmetric_prompt: bool,
    /// Where the caches are, how to reach the Hub, the forced kernel tier:
    /// the engine keeps them ([`Engine::settings`]). By default the
    /// documented defaults, nothing read from the environment
    /// ([`Settings::from_env`] reads it).
    pub settings: Settings,
}

impl EngineOptions {
    /// With these encoder options.
    pub fn with_encoder(mut self, encoder: EncoderOptions) -> Self {
        self.encoder = encoder;
        self
    }

    /// With the embedding cache (or not).
    pub fn with_embedding_cache(mut self, embedding_cache: bool) -> Self {
        self.embedding_cache = embedding_cache;
        self
    }

    /// With the model's `query` prompt when none is chosen (or not).
    pub fn with_symmetric_prompt(mut self, symmetric_prompt: bool) -> Self {
        self.symmetric_prompt = symmetric_prompt;
        self
    }
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            encoder: EncoderOptions::default(),
            embedding_cache: true,
            symmetric_prompt: false,
            settings: Settings::default(),
        }
    }
}

impl EngineOptions {
    /// The options of a report: like the default, with the symmetric prompt.
    pub fn for_analysis() -> Self {
        Self {
            symmetric_prompt: true,
            ..Self::default()
        }
    }

    /// With these settings (as [`Settings::from_env`] reads them).
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }
}

/// A loaded embedding model and its embedding cache.
pub struct Engine {
    model: ResolvedModel,
    encoder: SentenceEncoder,
    cache: Option<EmbeddingCache>,
    settings: Settings,
    /// Texts served from the embedding cache so far.
    pub cache_hits: usize,
}

impl Engine {
    /// Resolves (provisioning it when needed) and loads a model, with the
    /// options' [`Settings`].
    pub fn open(spec: impl Into<ModelSpec>, options: EngineOptions) -> Result<Self> {
        let spec = spec.into();
        let settings = options.settings;
        let resolved = model::resolve(&spec.0, &settings)?;
        let mut encoder_options = options.encoder;
        if options.symmetric_prompt
            && encoder_options.prompt.is_none()
            && encoder_options.prompt_name.is_none()
        {
            let layout = ModelLayout::open(&resolved.dir)?;
            if layout.default_prompt_name.is_none() && layout.prompts.contains_key("query") {
                encoder_options.prompt_name = Some("query".to_string());
            }
        }
        let encoder = SentenceEncoder::load(&resolved, encoder_options, &settings)
            .with_context(|| format!("loading model from {}", resolved.dir.display()))?;
        tracing::info!(
            "model {} ({:?}) from {} on {}, {}",
            resolved.spec,
            resolved.origin,
            resolved.dir.display(),
            encoder.device_name(),
            encoder.precision_label()
        );
        let cache = if options.embedding_cache {
            open_cache(&encoder, &settings)
        } else {
            None
        };
        Ok(Self {
            model: resolved,
            encoder,
            cache,
            settings,
            cache_hits: 0,
        })
    }

    /// The settings the engine was opened with (for the stance model and
    /// anything else that finds models: [`crate::stance::open_stance_model`]).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where the model came from.
    pub fn model(&self) -> &ResolvedModel {
        &self.model
    }

    /// The encoder (its prompt, precision, device and counters).
    pub fn encoder(&self) -> &SentenceEncoder {
        &self.encoder
    }

    /// The encoder, to embed without the cache or the checks of
    /// [`Engine::embed`] (evaluations that read their own pairs).
    pub fn encoder_mut(&mut self) -> &mut SentenceEncoder {
        &mut self.encoder
    }

    /// Whether embeddings go through the on-disk cache.
    pub fn uses_cache(&self) -> bool {
        self.cache.is_some()
    }

    /// Identifies the model, its prompt and settings: embeddings with the
    /// same fingerprint are interchangeable.
    pub fn fingerprint(&self) -> String {
        TextEmbedder::fingerprint(&self.encoder)
    }

    /// Embedding dimension.
    pub fn dim(&self) -> usize {
        TextEmbedder::dim(&self.encoder)
    }

    /// Embeds statements in order (unit rows), through the embedding cache.
    /// A statement whose embedding is not finite is an error naming it
    /// ([`Error::NotFinite`]); nothing is returned for the others then.
    pub fn embed(
        &mut self,
        statements: &[Statement],
        progress: Option<&dyn Progress>,
    ) -> Result<Embeddings> {
        let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
        self.embed_texts(&texts, progress)
            .map_err(|e| named_by_statement(e, statements))
    }

    /// Embeds texts in order, through the embedding cache. A text whose
    /// embedding is not finite is [`Error::NotFinite`] with the text and
    /// its 1-based position.
    pub fn embed_texts(
        &mut self,
        texts: &[&str],
        progress: Option<&dyn Progress>,
    ) -> Result<Embeddings> {
        if let Some(p) = progress {
            p.start(texts.len() as u64);
        }
        let result = match self.cache.as_mut() {
            Some(cache) => {
                let mut with_progress = ProgressEmbedder {
                    inner: &mut self.encoder,
                    progress,
                };
                cache.embed(&mut with_progress, texts).map(|c| {
                    if let Some(e) = &c.not_stored {
                        cache_warning(e);
                    }
                    self.cache_hits += c.hits;
                    c.embeddings
                })
            }
            None => self
                .encoder
                .embed_with_progress(texts, progress)
                .and_then(|e| match first_non_finite_row(&e) {
                    Some(row) => Err(Error::NotFinite {
                        statement: texts[row].to_string(),
                        line: row + 1,
                    }),
                    None => Ok(e),
                }),
        };
        result
    }

    /// Builds the stance-shift report of `statements`: embeds them (and the
    /// axes' example statements), groups them into topics, scores stance
    /// and finds the turns. Topics come from average-linkage clustering, of
    /// an evenly spaced sample of [`MAX_ROWS`](crate::cluster::agglomerative::MAX_ROWS) statements when there are more
    /// (see [`crate::report::grouping::cluster_through_sample`]).
    ///
    /// When the stance model scores every axis (theses, or theses drafted
    /// without axes), statements are embedded without the words of the
    /// speakers' names and without reporting verbs ([`grouping_texts`]):
    /// the embeddings then only group, and topics gather what is said, not
    /// who says it; the stance model reads the full statements. Axes given
    /// by example statements score stance with the embeddings, so those see
    /// the full statements too.
    pub fn report(&mut self, statements: &[Statement], request: ReportRequest) -> Result<Report> {
        let masked = if request.embeddings_only_group() {
            grouping_texts(statements)
        } else {
            statements.iter().map(|s| s.text.clone()).collect()
        };
        let texts: Vec<&str> = masked.iter().map(String::as_str).collect();
        let embeddings = self
            .embed_texts(&texts, request.progress)
            .map_err(|e| named_by_statement(e, statements))?;
        self.report_embedded(statements, embeddings, request)
    }

    /// [`Engine::report`] on embeddings computed earlier (row `i` is the
    /// embedding of `statements[i]`, by this model with the report's prompt),
    /// as `volte embed` writes them for a large input.
    pub fn report_embedded(
        &mut self,
        statements: &[Statement],
        embeddings: Embeddings,
        request: ReportRequest,
    ) -> Result<Report> {
        request.options.validate()?;
        if embeddings.len() != statements.len() {
            return Err(Error::usage(format!(
                "{} embeddings for {} statements",
                embeddings.len(),
                statements.len()
            )));
        }
        if !embeddings.is_empty() && embeddings.dim() != self.dim() {
            return Err(Error::usage(format!(
                "the embeddings have dimension {} but the model gives {}: they come from \
                 another model",
                embeddings.dim(),
                self.dim()
            )));
        }
        let axes = match &request.axes {
            Some(axes) => {
                let examples = self.embed_texts(&example_texts(&axes.specs), None)?;
                Some(AxisSet::new(axes.specs.clone(), &examples)?)
            }
            None => None,
        };
        build_report(
            ReportInput {
                statements,
                embeddings,
                stance: request.stance.map(|m| m as &dyn PairStance),
                axes: axes
                    .as_ref()
                    .zip(request.axes.as_ref())
                    .map(|(set, a)| (set, a.name.clone())),
                model: self.fingerprint(),
                inputs: request.inputs,
            },
            &request.options,
        )
    }
}

/// What a report is built from besides the statements.
#[derive(Default)]
#[non_exhaustive]
pub struct ReportRequest<'a> {
    /// Stance axes and the name they are reported under (their file).
    pub axes: Option<Axes>,
    /// The stance model, for axes with a thesis and for camps.
    pub stance: Option<&'a StanceModel>,
    /// Names of the inputs, as the report lists them.
    pub inputs: Vec<String>,
    pub options: ReportOptions,
    /// Advanced once per statement embedded.
    pub progress: Option<&'a dyn Progress>,
}

impl<'a> ReportRequest<'a> {
    /// With these stance axes.
    pub fn with_axes(mut self, axes: Option<Axes>) -> Self {
        self.axes = axes;
        self
    }

    /// With the stance model.
    pub fn with_stance(mut self, stance: Option<&'a StanceModel>) -> Self {
        self.stance = stance;
        self
    }

    /// With the names of the inputs.
    pub fn with_inputs(mut self, inputs: Vec<String>) -> Self {
        self.inputs = inputs;
        self
    }

    /// With these pipeline settings.
    pub fn with_options(mut self, options: ReportOptions) -> Self {
        self.options = options;
        self
    }

    /// With progress advanced per statement embedded.
    pub fn with_progress(mut self, progress: Option<&'a dyn Progress>) -> Self {
        self.progress = progress;
        self
    }
}

impl ReportRequest<'_> {
    /// Whether the embeddings only group statements (the stance model
    /// scores every axis): with a stance model and no axis given by
    /// example statements.
    pub fn embeddings_only_group(&self) -> bool {
        self.stance.is_some()
            && self.axes.as_ref().is_none_or(|a| {
                a.specs
                    .iter()
                    .all(|s| s.thesis.is_some() && s.pro.is_empty() && s.con.is_empty())
            })
    }
}

/// Stance axes (see [`crate::stance::axes::read_axes`]) and their name.
#[derive(Debug, Clone)]
pub struct Axes {
    pub specs: Vec<AxisSpec>,
    pub name: String,
}

impl Axes {
    /// One axis per thesis, named `thesis` when there is one (as the
    /// command line's `--thesis`), else `thesis-1`, `thesis-2`, …
    pub fn from_theses(theses: &[&str]) -> Result<Self> {
        if theses.is_empty() {
            return Err(Error::usage("axes: no thesis"));
        }
        let specs = theses
            .iter()
            .enumerate()
            .map(|(i, t)| {
                crate::values::named("thesis", crate::values::non_blank(t))?;
                Ok(AxisSpec {
                    name: if theses.len() == 1 {
                        "thesis".to_string()
                    } else {
                        format!("thesis-{}", i + 1)
                    },
                    description: String::new(),
                    thesis: Some(t.trim().to_string()),
                    pro: Vec::new(),
                    con: Vec::new(),
                    automatic: false,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            specs,
            name: "theses".to_string(),
        })
    }

    /// Axes given as a JSON array of objects with the fields of an axes
    /// file's `[[axis]]` tables (`name`, `thesis`, `pro`, `con`,
    /// `description`), checked as a file's are.
    pub fn from_json(name: &str, json: &str) -> Result<Self> {
        let bad = |e: String| Error::usage(format!("axes: {e}"));
        let specs: Vec<AxisSpec> = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        let specs = crate::stance::axes::check_axes(specs).map_err(|e| bad(format!("{e:#}")))?;
        Ok(Self {
            specs,
            name: name.to_string(),
        })
    }

    /// Whether some axis has a thesis (and so needs the stance model).
    pub fn need_stance_model(&self) -> bool {
        self.specs.iter().any(|a| a.thesis.is_some())
    }
}

/// The embedding cache of `encoder`'s model, or `None` (with one warning
/// per process) when it cannot be used: the cache only saves time.
fn open_cache(encoder: &SentenceEncoder, settings: &Settings) -> Option<EmbeddingCache> {
    let opened = model::cache::embeddings_dir(settings).and_then(|dir| {
        EmbeddingCache::open(
            &dir,
            &TextEmbedder::fingerprint(encoder),
            TextEmbedder::dim(encoder),
        )
    });
    match opened {
        Ok(c) => Some(c),
        Err(e) => {
            cache_warning(&e);
            None
        }
    }
}

/// A non-finite embedding of the `line`-th text named by its statement's id
/// and input line; other errors as they are.
fn named_by_statement(e: Error, statements: &[Statement]) -> Error {
    match e {
        Error::NotFinite { line, .. } if line > 0 => {
            let s = &statements[line - 1];
            Error::NotFinite {
                statement: s.id.clone(),
                line: s.line,
            }
        }
        e => e,
    }
}

/// Warns, once per process, that the embedding cache is not usable.
fn cache_warning(e: &Error) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!("the embedding cache is not usable ({e:#}); going on without it");
    }
}

/// The encoder seen by the cache, advancing the caller's progress.
struct ProgressEmbedder<'a> {
    inner: &'a mut SentenceEncoder,
    progress: Option<&'a dyn Progress>,
}

impl TextEmbedder for ProgressEmbedder<'_> {
    fn dim(&self) -> usize {
        TextEmbedder::dim(self.inner)
    }
    fn embed(&mut self, texts: &[&str]) -> Result<Embeddings> {
        if let Some(p) = self.progress {
            p.start(texts.len() as u64);
        }
        self.inner.embed_with_progress(texts, self.progress)
    }
    fn fingerprint(&self) -> String {
        TextEmbedder::fingerprint(self.inner)
    }
}
