//! The `volte` Python package: the library's front door for notebooks and
//! Ray workers. Every call that works releases the GIL; embeddings come
//! back as NumPy arrays that own the library's buffer (no copy). The
//! package only converts: options are checked, and decisions taken, by the
//! library, with the command line's ranges and messages.

mod analysis;
mod convert;
mod search;

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use numpy::PyArray2;
use pyo3::prelude::*;

use volte::encoder::EncoderOptions;
use volte::progress::Progress;
use volte::report::build::ReportOptions;
use volte::stance::shifts::ShiftParams;
use volte::values::{at_least_one, cosine, named};
use volte::{Engine, EngineOptions, Error, ReportRequest, Settings};

use analysis::{axes_of, statements_of, Fields};
use convert::{parse, py_err, texts_of, to_array};

/// The settings of the environment, read once when the module is imported.
static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// The settings read at import.
pub(crate) fn settings() -> &'static Settings {
    SETTINGS.get_or_init(Settings::default)
}

/// Progress reported to a Python callable, called as `callback("start",
/// total)` and `callback("advance", n)` (the package draws a tqdm bar with
/// it); an exception in the callback is ignored: progress only informs.
struct CallbackProgress(Py<PyAny>);

impl Progress for CallbackProgress {
    fn start(&self, total: u64) {
        Python::attach(|py| {
            let _ = self.0.call1(py, ("start", total));
        });
    }
    fn advance(&self, n: u64) {
        Python::attach(|py| {
            let _ = self.0.call1(py, ("advance", n));
        });
    }
}

/// A loaded embedding model (with its embedding cache).
#[pyclass(name = "Engine", module = "volte", subclass)]
struct PyEngine {
    inner: Mutex<Engine>,
}

#[pymethods]
impl PyEngine {
    /// Opens a model: a Hugging Face repo id, a local directory or an
    /// offline model name (default: multilingual-e5-small-q4, provisioned
    /// on first use). `symmetric_prompt=True` embeds with the model's
    /// `query` prompt (`query: ` for E5), as the report does.
    #[new]
    #[pyo3(signature = (model=None, *, device="auto", dtype="auto", prompt_name=None, prompt=None, cache=true, symmetric_prompt=false, batch_tokens=8192))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        model: Option<String>,
        device: &str,
        dtype: &str,
        prompt_name: Option<String>,
        prompt: Option<String>,
        cache: bool,
        symmetric_prompt: bool,
        batch_tokens: usize,
    ) -> PyResult<Self> {
        let options = EngineOptions::default()
            .with_encoder(
                EncoderOptions::default()
                    .with_device(parse(device)?)
                    .with_dtype(parse(dtype)?)
                    .with_prompt_name(prompt_name)
                    .with_prompt(prompt)
                    .with_token_budget(
                        named("batch_tokens", at_least_one(batch_tokens)).map_err(py_err)?,
                    ),
            )
            .with_embedding_cache(cache)
            .with_symmetric_prompt(symmetric_prompt)
            .with_settings(settings().clone());
        let spec = model.unwrap_or_else(|| volte::model::DEFAULT_MODEL.to_string());
        let engine = py.detach(|| Engine::open(spec, options)).map_err(py_err)?;
        Ok(Self {
            inner: Mutex::new(engine),
        })
    }

    /// Embeds texts (a str, or a list, tuple, pandas Series, NumPy or
    /// pyarrow array of str): a float32 array of shape (len(texts), dim)
    /// with unit rows (shape (dim,) for one str). `progress` is a callable
    /// told `("start", total)` and `("advance", n)`.
    /// `batch_size` is checked (at least 1) for sentence-transformers'
    /// callers, but batches are sized by tokens (`Engine(batch_tokens=)`).
    #[pyo3(signature = (texts, *, progress=None, batch_size=None))]
    fn embed<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        progress: Option<Py<PyAny>>,
        batch_size: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(b) = batch_size {
            named("batch_size", at_least_one(b)).map_err(py_err)?;
        }
        let (texts, single) = texts_of(texts, "texts")?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let progress = progress.map(CallbackProgress);
        let e = py
            .detach(|| {
                self.lock()
                    .embed_texts(&refs, progress.as_ref().map(|p| p as &dyn Progress))
            })
            .map_err(py_err)?;
        let array: Bound<'py, PyArray2<f32>> = to_array(py, e)?;
        if single {
            array.get_item(0)
        } else {
            Ok(array.into_any())
        }
    }

    /// The stance-shift report of records (JSON lines, read with the given
    /// field names; `columns` are the records' keys) as a JSON string
    /// (schema: docs/report-schema.md). `threshold` is the topic cut as a
    /// cosine similarity (the same meaning as `cluster`'s), or
    /// `cluster_threshold` as the command line's cosine distance (1 −
    /// threshold).
    #[pyo3(signature = (records_jsonl, *, columns=Vec::new(), text=None, id=None, speaker=None, date=None, source=None, lang=None, axes_path=None, theses=None, axes_json=None, camps=false, stance_model=None, threshold=None, cluster_threshold=None, min_topic_size=None, axis_min_similarity=None, axis_min_relevance=None, thesis_min_similarity=None, thesis_margin=None, shift_min_change=None, shift_min_confidence=None, shift_possible_confidence=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn report_json(
        &self,
        py: Python<'_>,
        records_jsonl: &str,
        columns: Vec<String>,
        text: Option<String>,
        id: Option<String>,
        speaker: Option<String>,
        date: Option<String>,
        source: Option<String>,
        lang: Option<String>,
        axes_path: Option<PathBuf>,
        theses: Option<Vec<String>>,
        axes_json: Option<String>,
        camps: bool,
        stance_model: Option<PathBuf>,
        threshold: Option<f32>,
        cluster_threshold: Option<f32>,
        min_topic_size: Option<usize>,
        axis_min_similarity: Option<f32>,
        axis_min_relevance: Option<f32>,
        thesis_min_similarity: Option<f32>,
        thesis_margin: Option<f32>,
        shift_min_change: Option<f32>,
        shift_min_confidence: Option<f32>,
        shift_possible_confidence: Option<f32>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let fields = Fields {
            text,
            id,
            speaker,
            date,
            source,
            lang,
        };
        let statements = statements_of(records_jsonl, fields, &columns)?;
        let axes = axes_of(axes_path, theses, axes_json)?;
        let defaults = ReportOptions::default();
        let shift = ShiftParams::default();
        let cluster_threshold =
            match (threshold, cluster_threshold) {
                (Some(_), Some(_)) => return Err(py_err(Error::usage(
                    "threshold (a cosine similarity) and cluster_threshold (a cosine distance) \
                     say the same thing: give one",
                ))),
                (Some(t), None) => 1.0 - named("threshold", cosine(t)).map_err(py_err)?,
                (None, Some(d)) => d,
                (None, None) => defaults.cluster_threshold,
            };
        let options = defaults
            .clone()
            .with_cluster_threshold(cluster_threshold)
            .with_min_topic_size(min_topic_size.unwrap_or(defaults.min_topic_size).max(1))
            .with_axis_min_similarity(axis_min_similarity.unwrap_or(defaults.axis_min_similarity))
            .with_axis_min_relevance(axis_min_relevance.unwrap_or(defaults.axis_min_relevance))
            .with_thesis_min_similarity(
                thesis_min_similarity.unwrap_or(defaults.thesis_min_similarity),
            )
            .with_thesis_margin(thesis_margin.unwrap_or(defaults.thesis_margin))
            .with_shift(
                shift
                    .with_min_change(shift_min_change.unwrap_or(shift.min_change))
                    .with_min_confidence(shift_min_confidence.unwrap_or(shift.min_confidence))
                    .with_possible_confidence(
                        shift_possible_confidence.unwrap_or(shift.possible_confidence),
                    ),
            )
            // The stance model is loaded here only for axes with a thesis
            // and for camps.
            .with_draft_theses(0);
        options.validate().map_err(py_err)?;
        let needs_model = axes
            .as_ref()
            .map_or(camps, volte::engine::Axes::need_stance_model);
        let progress = progress.map(CallbackProgress);
        py.detach(|| {
            let stance = if needs_model {
                Some(analysis::stance_model(stance_model.as_deref())?)
            } else {
                None
            };
            let mut engine = self.lock();
            let report = engine.report(
                &statements,
                ReportRequest::default()
                    .with_axes(axes)
                    .with_stance(stance.as_deref())
                    .with_inputs(vec!["records".to_string()])
                    .with_options(options)
                    .with_progress(progress.as_ref().map(|p| p as &dyn Progress)),
            )?;
            volte::report::json::render(&report)
        })
        .map_err(py_err)
    }

    /// Embedding dimension.
    #[getter]
    fn dim(&self) -> usize {
        self.lock().dim()
    }

    /// Identifies the model, prompt and settings.
    #[getter]
    fn fingerprint(&self) -> String {
        self.lock().fingerprint()
    }

    /// The prompt prepended to every text.
    #[getter]
    fn prompt(&self) -> String {
        self.lock().encoder().prompt().to_string()
    }
}

impl PyEngine {
    fn lock(&self) -> std::sync::MutexGuard<'_, Engine> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The library version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _volte(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let from_env = Settings::from_env().map_err(py_err)?;
    // A second import in the process (another interpreter) keeps the first.
    let _ = SETTINGS.set(from_env);
    m.add_class::<PyEngine>()?;
    m.add_function(wrap_pyfunction!(search::top_k, m)?)?;
    m.add_function(wrap_pyfunction!(search::pairs, m)?)?;
    m.add_function(wrap_pyfunction!(search::cluster, m)?)?;
    m.add_function(wrap_pyfunction!(search::normalize, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::stance, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::extract, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
