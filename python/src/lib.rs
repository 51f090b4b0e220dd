//! The `volte` Python package: the library's front door for notebooks and
//! Ray workers. Every call that works releases the GIL; embeddings come
//! back as NumPy arrays that own the library's buffer (no copy).

use std::path::PathBuf;
use std::sync::Mutex;

use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;

use volte::cluster::community::community_detection_from_pairs;
use volte::cluster::{cluster as cluster_rows, ClusterMethod, ClusterOptions};
use volte::encoder::EncoderOptions;
use volte::engine::Axes;
use volte::error::UsageError;
use volte::input::reader::{read_from_bytes, ReadOptions};
use volte::report::build::ReportOptions;
use volte::similarity::ivf;
use volte::similarity::{
    pair_indices_above, pair_indices_between, top_k as top_k_of, top_k_self, Backend, Neighbor,
    PairIndex, SearchOptions,
};
use volte::stance::axes::parse_axes;
use volte::stance::cross_encoder::StanceOptions;
use volte::stance::open_stance_model;
use volte::stance::shifts::ShiftParams;
use volte::{Embeddings, Engine, EngineOptions, Error, ReportRequest};

/// A Python exception for a library error: a user error (bad input or
/// options, exit code 2 in the command line) is `ValueError`, a device out
/// of memory `MemoryError`, the rest `RuntimeError`. The message has the
/// whole chain of causes.
fn py_err(e: Error) -> PyErr {
    let message = format!("{e:#}");
    if e.is_user_error() {
        PyValueError::new_err(message)
    } else if matches!(e, Error::Device(_)) {
        PyMemoryError::new_err(message)
    } else {
        PyRuntimeError::new_err(message)
    }
}

fn internal(e: anyhow::Error) -> PyErr {
    py_err(Error::from_internal(e))
}

/// A device, precision or method named as the library parses it.
fn parse<T: std::str::FromStr<Err = UsageError>>(name: &str) -> PyResult<T> {
    name.parse().map_err(|e: UsageError| py_err(e.into()))
}

/// Texts from a list of `str` or anything with `to_pylist()` (a pyarrow
/// array or chunked array of strings).
fn texts_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let list = if obj.hasattr("to_pylist")? {
        obj.call_method0("to_pylist")?
    } else {
        obj.clone()
    };
    let list = list.cast::<PyList>().map_err(|_| {
        PyValueError::new_err("texts: give a list of str or a pyarrow array of strings")
    })?;
    list.iter()
        .enumerate()
        .map(|(i, t)| {
            t.extract::<String>()
                .map_err(|_| PyValueError::new_err(format!("texts[{i}] is not a str")))
        })
        .collect()
}

/// Rows of a 2-D float32 array as unit-length embeddings (a copy).
fn embeddings_of(array: &PyReadonlyArray2<'_, f32>) -> PyResult<Embeddings> {
    let view = array.as_array();
    let dim = view.ncols();
    let data: Vec<f32> = view.iter().copied().collect();
    let mut e = Embeddings::new(dim, data).map_err(py_err)?;
    e.normalize();
    Ok(e)
}

/// `(n, dim)` float32 array owning `e`'s buffer.
fn to_array(py: Python<'_>, e: Embeddings) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let (n, dim) = (e.len(), e.dim());
    e.into_vec().into_pyarray(py).reshape([n, dim])
}

/// A loaded embedding model (with its embedding cache).
#[pyclass(name = "Engine", module = "volte")]
struct PyEngine {
    inner: Mutex<Engine>,
}

#[pymethods]
impl PyEngine {
    /// Opens a model: a Hugging Face repo id, a local directory or an
    /// offline model name (default: multilingual-e5-small-q4, provisioned
    /// on first use).
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
        let options = EngineOptions {
            encoder: EncoderOptions::default()
                .with_device(parse(device)?)
                .with_dtype(parse(dtype)?)
                .with_prompt_name(prompt_name)
                .with_prompt(prompt)
                .with_token_budget(batch_tokens),
            embedding_cache: cache,
            symmetric_prompt,
        };
        let spec = model.unwrap_or_else(|| volte::model::DEFAULT_MODEL.to_string());
        let engine = py.detach(|| Engine::open(spec, options)).map_err(py_err)?;
        Ok(Self {
            inner: Mutex::new(engine),
        })
    }

    /// Embeds texts (a list of str or a pyarrow string array): a float32
    /// array of shape (len(texts), dim) with unit rows.
    fn embed<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let texts = texts_of(texts)?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let e = py
            .detach(|| self.lock().embed_texts(&refs, None))
            .map_err(py_err)?;
        to_array(py, e)
    }

    /// The stance-shift report of `records` (dicts with `text` and
    /// optionally `id`, `speaker`, `date`, `source`, `lang`) as a JSON
    /// string (schema: docs/report-schema.md).
    #[pyo3(signature = (records_jsonl, *, axes_toml=None, axes_name=None, camps=false, stance_model=None, cluster_threshold=None, min_topic_size=None, shift_min_change=None, shift_min_confidence=None))]
    #[allow(clippy::too_many_arguments)]
    fn report_json(
        &self,
        py: Python<'_>,
        records_jsonl: &str,
        axes_toml: Option<&str>,
        axes_name: Option<String>,
        camps: bool,
        stance_model: Option<PathBuf>,
        cluster_threshold: Option<f32>,
        min_topic_size: Option<usize>,
        shift_min_change: Option<f32>,
        shift_min_confidence: Option<f32>,
    ) -> PyResult<String> {
        let read = read_from_bytes(
            "records",
            records_jsonl.as_bytes(),
            "records.jsonl".as_ref(),
            &ReadOptions::default(),
        )
        .map_err(|e| py_err(e.into()))?;
        let axes = match axes_toml {
            Some(text) => Some(Axes {
                specs: parse_axes(text).map_err(internal)?,
                name: axes_name.unwrap_or_else(|| "axes".to_string()),
            }),
            None => None,
        };
        let defaults = ReportOptions::default();
        let options = ReportOptions {
            cluster_threshold: cluster_threshold.unwrap_or(defaults.cluster_threshold),
            min_topic_size: min_topic_size.unwrap_or(defaults.min_topic_size).max(1),
            shift: ShiftParams {
                min_change: shift_min_change.unwrap_or(ShiftParams::default().min_change),
                min_confidence: shift_min_confidence
                    .unwrap_or(ShiftParams::default().min_confidence),
                ..ShiftParams::default()
            },
            // The stance model is loaded here only for camps.
            draft_theses: 0,
            ..defaults
        };
        let needs_model = axes.as_ref().map_or(camps, Axes::need_stance_model);
        py.detach(|| {
            let stance = if needs_model {
                Some(open_stance_model(
                    stance_model.as_deref(),
                    StanceOptions::default(),
                )?)
            } else {
                None
            };
            let mut engine = self.lock();
            let report = engine.report(
                &read.statements,
                ReportRequest {
                    axes,
                    stance: stance.as_ref(),
                    inputs: vec!["records".to_string()],
                    options,
                    progress: None,
                },
            )?;
            volte::report::json::render(&report).map_err(Error::from_internal)
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

/// Neighbour indices and scores, each of shape (rows, width).
type NeighbourArrays<'py> = (Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<f32>>);

/// Neighbour lists as (indices int64, scores float32) arrays of shape
/// (rows, width), width the longest list; shorter rows are padded with
/// index -1 and score NaN.
fn neighbour_arrays(py: Python<'_>, lists: Vec<Vec<Neighbor>>) -> PyResult<NeighbourArrays<'_>> {
    let rows = lists.len();
    let width = lists.iter().map(Vec::len).max().unwrap_or(0);
    let mut index = vec![-1i64; rows * width];
    let mut score = vec![f32::NAN; rows * width];
    for (r, list) in lists.iter().enumerate() {
        for (c, n) in list.iter().enumerate() {
            index[r * width + c] = n.index as i64;
            score[r * width + c] = n.score;
        }
    }
    Ok((
        index.into_pyarray(py).reshape([rows, width])?,
        score.into_pyarray(py).reshape([rows, width])?,
    ))
}

/// The `k` most similar rows of `corpus` for every row of `queries`
/// (`queries=None`: every row of `corpus` among the others), exact (as in
/// float64), ordered by score then index. Returns (indices, scores).
#[pyfunction]
#[pyo3(signature = (queries, corpus, k))]
fn top_k<'py>(
    py: Python<'py>,
    queries: Option<PyReadonlyArray2<'py, f32>>,
    corpus: PyReadonlyArray2<'py, f32>,
    k: usize,
) -> PyResult<NeighbourArrays<'py>> {
    let corpus = embeddings_of(&corpus)?;
    let queries = queries.as_ref().map(embeddings_of).transpose()?;
    let lists = py
        .detach(|| match &queries {
            Some(q) => top_k_of(q, &corpus, k, &SearchOptions::default()),
            None => top_k_self(&corpus, k, &SearchOptions::default()),
        })
        .map_err(py_err)?;
    neighbour_arrays(py, lists)
}

/// How pairs within one set are found: `index` is `auto` (exact up to
/// 200,000 rows, the inverted-file index above), `exact` or `ivf`; `lists`
/// (default √n) and `probes` shape the index.
fn pair_index(
    index: &str,
    rows: usize,
    lists: Option<usize>,
    probes: usize,
) -> PyResult<PairIndex> {
    PairIndex::choose(parse(index)?, rows, &Backend::Cpu, lists, probes)
        .map_err(|e| py_err(e.into()))
}

/// Every pair of rows with similarity at least `threshold`, as a (pairs, 2)
/// uint32 array: within `left` (`right=None`, pairs `a < b`) or between a
/// row of `left` and a row of `right`, in no particular order. Exact (as in
/// float64) between two sets, and within one set up to 200,000 rows; above,
/// `index="auto"` takes the candidates from an inverted-file index (every
/// pair returned qualifies, a few may be missed; `index="exact"` compares
/// all).
#[pyfunction]
#[pyo3(signature = (left, right, threshold, *, index="auto", lists=None, probes=ivf::DEFAULT_PROBES))]
fn pairs<'py>(
    py: Python<'py>,
    left: PyReadonlyArray2<'py, f32>,
    right: Option<PyReadonlyArray2<'py, f32>>,
    threshold: f32,
    index: &str,
    lists: Option<usize>,
    probes: usize,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    let left = embeddings_of(&left)?;
    let right = right.as_ref().map(embeddings_of).transpose()?;
    let within = SearchOptions {
        index: pair_index(index, left.len(), lists, probes)?,
        ..SearchOptions::default()
    };
    let found = py
        .detach(|| match &right {
            Some(r) => pair_indices_between(&left, r, threshold, &SearchOptions::default()),
            None => pair_indices_above(&left, threshold, &within),
        })
        .map_err(py_err)?;
    let n = found.len();
    let flat: Vec<u32> = found.into_iter().flatten().collect();
    flat.into_pyarray(py).reshape([n, 2])
}

/// Groups rows into topics: a dict with `clusters` (each with `members`,
/// most central first, and `medoid`, row indices) and `unassigned`.
/// `method` is `community` (threshold communities) or `agglomerative`;
/// `pairs` (from [`pairs`], over all rows) makes community detection use
/// them instead of searching; otherwise `index`, `lists` and `probes` say
/// how it searches (as for [`pairs`]).
#[pyfunction]
#[pyo3(signature = (embeddings, *, threshold=None, min_size=2, method="community", pairs=None, index="auto", lists=None, probes=ivf::DEFAULT_PROBES))]
#[allow(clippy::too_many_arguments)]
fn cluster<'py>(
    py: Python<'py>,
    embeddings: PyReadonlyArray2<'py, f32>,
    threshold: Option<f32>,
    min_size: usize,
    method: &str,
    pairs: Option<PyReadonlyArray2<'py, u32>>,
    index: &str,
    lists: Option<usize>,
    probes: usize,
) -> PyResult<Bound<'py, PyAny>> {
    let method: ClusterMethod = parse(method)?;
    let threshold = threshold.unwrap_or_else(|| method.default_threshold());
    let emb = embeddings_of(&embeddings)?;
    let search = SearchOptions {
        index: pair_index(index, emb.len(), lists, probes)?,
        ..SearchOptions::default()
    };
    let pairs: Option<Vec<[u32; 2]>> = match &pairs {
        Some(p) => {
            let view = p.as_array();
            if view.ncols() != 2 {
                return Err(PyValueError::new_err("pairs: an array of shape (n, 2)"));
            }
            Some(view.rows().into_iter().map(|r| [r[0], r[1]]).collect())
        }
        None => None,
    };
    if pairs.is_some() && method != ClusterMethod::Community {
        return Err(PyValueError::new_err(
            "pairs are for community detection only",
        ));
    }
    let clustering = py
        .detach(|| match pairs {
            Some(p) => community_detection_from_pairs(&emb, threshold, min_size, p),
            None => cluster_rows(
                &emb,
                None,
                &ClusterOptions {
                    method,
                    threshold,
                    min_size,
                    keywords: 0,
                    search,
                },
            ),
        })
        .map_err(py_err)?;
    let json = serde_json::json!({
        "method": method,
        // The threshold as written (0.9, not its float32 value 0.899999…).
        "threshold": threshold.to_string().parse::<f64>().unwrap_or(threshold as f64),
        "min_size": min_size,
        "clusters": clustering.clusters.iter().map(|c| serde_json::json!({
            "members": c.members,
            "medoid": c.medoid,
        })).collect::<Vec<_>>(),
        "unassigned": clustering.unassigned,
    });
    let json_module = py.import("json")?;
    json_module.call_method1("loads", (json.to_string(),))
}

/// Rows scaled to unit length exactly as volte's searches scale them
/// (float32), so that float64 products of them reproduce volte's scores.
#[pyfunction]
fn normalize<'py>(
    py: Python<'py>,
    embeddings: PyReadonlyArray2<'py, f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let e = embeddings_of(&embeddings)?;
    to_array(py, e)
}

/// The library version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _volte(m: &Bound<'_, PyModule>) -> PyResult<()> {
    volte::Settings::from_env().map_err(py_err)?.install();
    m.add_class::<PyEngine>()?;
    m.add_function(wrap_pyfunction!(top_k, m)?)?;
    m.add_function(wrap_pyfunction!(pairs, m)?)?;
    m.add_function(wrap_pyfunction!(cluster, m)?)?;
    m.add_function(wrap_pyfunction!(normalize, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
