//! What the package reads statements with: stance scores of texts on a
//! thesis, statements extracted from articles, and the report's inputs
//! (records with renamed fields, axes in any of their forms).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use numpy::IntoPyArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use volte::engine::Axes;
use volte::extract::{extract_paths_and, Article, ExtractOptions, Lang};
use volte::input::reader::{read_from_bytes, FieldMap, ReadOptions};
use volte::input::{OnError, Statement};
use volte::stance::axes::read_axes;
use volte::stance::cross_encoder::{PairStance, StanceModel, StanceOptions};
use volte::stance::open_stance_model;
use volte::values::{named, non_blank};
use volte::Error;

use crate::convert::{from_json, py_err, texts_of};

/// The stance model last opened, by the directory it was asked for
/// (`None`: the bundled one), so that repeated calls load it once.
static STANCE: Mutex<Option<(Option<PathBuf>, Arc<StanceModel>)>> = Mutex::new(None);

/// The stance model of `dir` (the bundled one when `None`), loaded once.
pub fn stance_model(dir: Option<&Path>) -> volte::error::Result<Arc<StanceModel>> {
    let mut slot = STANCE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((d, m)) = slot.as_ref() {
        if d.as_deref() == dir {
            return Ok(m.clone());
        }
    }
    let model = Arc::new(open_stance_model(
        dir,
        StanceOptions::default(),
        crate::settings(),
    )?);
    *slot = Some((dir.map(Path::to_path_buf), model.clone()));
    Ok(model)
}

/// The stance of each text on `thesis` (one str for all, or one per
/// text), as the command line's `volte stance` scores it: a dict of
/// float32 arrays `p_agree`, `p_neutral`, `p_disagree` and `stance`
/// (`p_agree − p_disagree`, in [−1, 1]), ready for `pandas.DataFrame`.
#[pyfunction]
#[pyo3(signature = (texts, thesis, *, stance_model=None))]
pub fn stance<'py>(
    py: Python<'py>,
    texts: Bound<'py, PyAny>,
    thesis: Bound<'py, PyAny>,
    stance_model: Option<PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    let (texts, _) = texts_of(&texts, "texts")?;
    let (theses, one) = texts_of(&thesis, "thesis")?;
    if !one && theses.len() != texts.len() {
        return Err(PyValueError::new_err(format!(
            "thesis: one str, or one per text ({} theses for {} texts)",
            theses.len(),
            texts.len()
        )));
    }
    for t in &theses {
        named("thesis", non_blank(t)).map_err(py_err)?;
    }
    let scores = py
        .detach(|| {
            let model = self::stance_model(stance_model.as_deref())?;
            let pairs: Vec<(&str, &str)> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| (theses[if one { 0 } else { i }].as_str(), t.as_str()))
                .collect();
            model.pair_stance(&pairs)
        })
        .map_err(py_err)?;
    let out = PyDict::new(py);
    let column = |f: fn(&volte::stance::cross_encoder::StanceScore) -> f32| {
        scores.iter().map(f).collect::<Vec<f32>>()
    };
    out.set_item("p_agree", column(|s| s.p_agree).into_pyarray(py))?;
    out.set_item("p_neutral", column(|s| s.p_neutral).into_pyarray(py))?;
    out.set_item("p_disagree", column(|s| s.p_disagree).into_pyarray(py))?;
    out.set_item("stance", column(|s| s.stance()).into_pyarray(py))?;
    Ok(out)
}

/// Statements reported in articles, as `volte extract` finds them: each
/// item is a path (a `pathlib.Path`, or a `str` naming an existing file or
/// folder) read as the command line reads it, or else the text of one
/// article; all of them are one batch. Returns a list of dicts (the JSON
/// lines of `volte extract`). `lang` (fr, en, de, es) instead of detecting
/// it; `unattributed=False` leaves out statements without a named speaker;
/// `on_error="skip"` goes on past files that cannot be read (not UTF-8, a
/// bad JSON line) with a `UserWarning` naming each file and line, where
/// `"fail"` (the default) raises `ValueError`.
#[pyfunction]
#[pyo3(signature = (articles, *, lang=None, unattributed=true, on_error="fail"))]
pub fn extract<'py>(
    py: Python<'py>,
    articles: Bound<'py, PyAny>,
    lang: Option<&str>,
    unattributed: bool,
    on_error: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let on_error: OnError = on_error
        .parse()
        .map_err(|e: volte::error::UsageError| py_err(e.into()))?;
    let lang = lang
        .map(str::parse::<Lang>)
        .transpose()
        .map_err(|e| py_err(e.into()))?;
    let items: Vec<Bound<'py, PyAny>> =
        if articles.is_instance_of::<pyo3::types::PyString>() || articles.hasattr("__fspath__")? {
            vec![articles]
        } else {
            articles.try_iter()?.collect::<PyResult<_>>()?
        };
    let mut paths = Vec::new();
    let mut texts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.hasattr("__fspath__")? {
            paths.push(item.extract::<PathBuf>()?);
        } else {
            let s: String = item.extract().map_err(|_| {
                PyValueError::new_err(format!("articles[{i}] is not a str or a path"))
            })?;
            if !s.contains('\n') && s.len() < 4096 && Path::new(&s).exists() {
                paths.push(PathBuf::from(s));
            } else {
                texts.push(Article::new(format!("text:{}", i + 1), s));
            }
        }
    }
    let opts = ExtractOptions::default()
        .with_lang(lang)
        .with_unattributed(unattributed);
    let (json, rejects) = py
        .detach(|| {
            let x = extract_paths_and(&paths, texts, &opts, on_error)?;
            let json = serde_json::to_string(&x.statements)?;
            Ok::<_, Error>((json, x.rejects))
        })
        .map_err(py_err)?;
    let warn = py.import("warnings")?.getattr("warn")?;
    for r in &rejects {
        warn.call1((format!("{}:{}: {} (skipped)", r.file, r.line, r.reason),))?;
    }
    from_json(py, &json)
}

/// Field names of records: each `None` keeps the default name.
pub struct Fields {
    pub text: Option<String>,
    pub id: Option<String>,
    pub speaker: Option<String>,
    pub date: Option<String>,
    pub source: Option<String>,
    pub lang: Option<String>,
}

impl Fields {
    fn map(self) -> FieldMap {
        let d = FieldMap::default();
        d.clone()
            .with_text(self.text.unwrap_or_else(|| d.text.clone()))
            .with_id(self.id.unwrap_or_else(|| d.id.clone()))
            .with_speaker(self.speaker.unwrap_or_else(|| d.speaker.clone()))
            .with_date(self.date.unwrap_or_else(|| d.date.clone()))
            .with_source(self.source.unwrap_or_else(|| d.source.clone()))
            .with_lang(self.lang.unwrap_or_else(|| d.lang.clone()))
    }
}

/// Statements of records as JSON lines, read as the command line reads a
/// JSONL file with `--text-field` and the others; `columns` are the
/// records' keys, so that a renamed field that is missing is named.
pub fn statements_of(jsonl: &str, fields: Fields, columns: &[String]) -> PyResult<Vec<Statement>> {
    let fields = fields.map();
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    fields.check_columns(&cols).map_err(|e| py_err(e.into()))?;
    let read = read_from_bytes(
        "records",
        jsonl.as_bytes(),
        "records.jsonl".as_ref(),
        &ReadOptions::default().with_fields(fields),
    )
    .map_err(|e| py_err(e.into()))?;
    Ok(read.statements)
}

/// The report's axes from one of their forms: an axes file, thesis
/// sentences, or a JSON array of axis tables.
pub fn axes_of(
    path: Option<PathBuf>,
    theses: Option<Vec<String>>,
    tables_json: Option<String>,
) -> PyResult<Option<Axes>> {
    match (path, theses, tables_json) {
        (Some(p), None, None) => {
            let specs = read_axes(&p).map_err(py_err)?;
            Ok(Some(Axes {
                specs,
                name: p.display().to_string(),
            }))
        }
        (None, Some(t), None) => {
            let refs: Vec<&str> = t.iter().map(String::as_str).collect();
            Axes::from_theses(&refs).map(Some).map_err(py_err)
        }
        (None, None, Some(j)) => Axes::from_json("axes", &j).map(Some).map_err(py_err),
        (None, None, None) => Ok(None),
        _ => Err(PyValueError::new_err(
            "axes: one of a file, theses or axis tables",
        )),
    }
}
