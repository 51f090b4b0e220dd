//! Similarity search and clustering of embeddings handed over as arrays:
//! `top_k`, `pairs`, `cluster` and `normalize`.

use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use volte::cluster::community::community_detection_from_pairs;
use volte::cluster::keywords::label_clusters;
use volte::cluster::{cluster as cluster_rows, ClusterMethod, ClusterOptions};
use volte::similarity::ivf;
use volte::similarity::{
    pair_indices_above, pair_indices_between, top_k as top_k_of, top_k_self, Backend, Neighbor,
    PairIndex, SearchOptions,
};
use volte::values::{cosine, named};
use volte::Embeddings;

use crate::convert::{embeddings_of, parse, py_err, texts_of, to_array, usage};

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
pub fn top_k<'py>(
    py: Python<'py>,
    queries: Option<Bound<'py, PyAny>>,
    corpus: Bound<'py, PyAny>,
    k: usize,
) -> PyResult<NeighbourArrays<'py>> {
    let corpus = embeddings_of(&corpus, "corpus")?;
    let queries = queries
        .as_ref()
        .map(|q| embeddings_of(q, "queries"))
        .transpose()?;
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
    PairIndex::choose(parse(index)?, rows, &Backend::Cpu, lists, probes).map_err(usage)
}

/// Every pair of rows with cosine similarity at least `threshold`, as a
/// (pairs, 2) uint32 array, with the same `None` convention as
/// [`top_k`]: `pairs(None, v, t)` (or `pairs(v, None, t)`, or the same
/// array twice) gives the pairs within `v`, each once as `a < b` and
/// without self pairs; `pairs(a, b, t)` the pairs between a row of `a` and
/// a row of `b`. In no particular order. Exact (as in float64) between two
/// sets, and within one set up to 200,000 rows; above, `index="auto"` takes
/// the candidates from an inverted-file index (every pair returned
/// qualifies, a few may be missed; `index="exact"` compares all).
#[pyfunction]
#[pyo3(signature = (left, right, threshold, *, index="auto", lists=None, probes=ivf::DEFAULT_PROBES))]
pub fn pairs<'py>(
    py: Python<'py>,
    left: Option<Bound<'py, PyAny>>,
    right: Option<Bound<'py, PyAny>>,
    threshold: f32,
    index: &str,
    lists: Option<usize>,
    probes: usize,
) -> PyResult<Bound<'py, PyArray2<u32>>> {
    named("threshold", cosine(threshold)).map_err(py_err)?;
    let (within, other) = match (left, right) {
        (Some(a), Some(b)) if a.is(&b) => (a, None),
        (Some(a), Some(b)) => (a, Some(b)),
        (Some(a), None) | (None, Some(a)) => (a, None),
        (None, None) => {
            return Err(PyValueError::new_err(
                "pairs: give one array (pairs within it) or two (pairs between them)",
            ))
        }
    };
    let left = embeddings_of(&within, "left")?;
    let right = other
        .as_ref()
        .map(|r| embeddings_of(r, "right"))
        .transpose()?;
    let search = SearchOptions::default().with_index(pair_index(index, left.len(), lists, probes)?);
    let found = py
        .detach(|| match &right {
            Some(r) => pair_indices_between(&left, r, threshold, &SearchOptions::default()),
            None => pair_indices_above(&left, threshold, &search),
        })
        .map_err(py_err)?;
    let n = found.len();
    let flat: Vec<u32> = found.into_iter().flatten().collect();
    flat.into_pyarray(py).reshape([n, 2])
}

/// Pairs of row indices from a (n, 2) array, each below `rows`.
fn pair_list(p: &PyReadonlyArray2<'_, u32>, rows: usize) -> PyResult<Vec<[u32; 2]>> {
    let view = p.as_array();
    if view.ncols() != 2 {
        return Err(PyValueError::new_err("pairs: an array of shape (n, 2)"));
    }
    let list: Vec<[u32; 2]> = view.rows().into_iter().map(|r| [r[0], r[1]]).collect();
    if let Some(bad) = list
        .iter()
        .find(|p| p[0] as usize >= rows || p[1] as usize >= rows)
    {
        return Err(PyValueError::new_err(format!(
            "pairs: pair {bad:?} names a row beyond the {rows} rows"
        )));
    }
    Ok(list)
}

/// Groups rows into topics, like BERTopic's `fit_transform`: a dict with
/// `labels` (int64, one topic per row, -1 = unassigned), `clusters` (each
/// with `members`, most central first, `medoid` and, with `texts`, its
/// `keywords`), `unassigned` and the settings. `threshold` is the cosine
/// similarity that holds a topic together, for both methods (default
/// 0.92 for `community`, 0.9 for `agglomerative`); `method` is
/// `community` or `agglomerative`; `pairs` (from [`pairs`], over all rows)
/// makes community detection use them instead of searching; otherwise
/// `index`, `lists` and `probes` say how it searches (as for [`pairs`]).
#[pyfunction]
#[pyo3(signature = (embeddings, texts=None, *, threshold=None, min_size=2, method="community", keywords=5, pairs=None, index="auto", lists=None, probes=ivf::DEFAULT_PROBES))]
#[allow(clippy::too_many_arguments)]
pub fn cluster<'py>(
    py: Python<'py>,
    embeddings: Bound<'py, PyAny>,
    texts: Option<Bound<'py, PyAny>>,
    threshold: Option<f32>,
    min_size: usize,
    method: &str,
    keywords: usize,
    pairs: Option<PyReadonlyArray2<'py, u32>>,
    index: &str,
    lists: Option<usize>,
    probes: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let method: ClusterMethod = parse(method)?;
    let threshold = threshold.unwrap_or_else(|| method.default_threshold());
    let emb = embeddings_of(&embeddings, "embeddings")?;
    let texts = match &texts {
        Some(t) => {
            let (texts, _) = texts_of(t, "texts")?;
            if texts.len() != emb.len() {
                return Err(PyValueError::new_err(format!(
                    "texts: {} texts for {} rows",
                    texts.len(),
                    emb.len()
                )));
            }
            Some(texts)
        }
        None => None,
    };
    let options = ClusterOptions::default()
        .with_method(method)
        .with_threshold(threshold)
        .with_min_size(min_size)
        .with_keywords(keywords)
        .with_search(SearchOptions::default().with_index(pair_index(
            index,
            emb.len(),
            lists,
            probes,
        )?));
    options.validate().map_err(py_err)?;
    let pairs = pairs
        .as_ref()
        .map(|p| pair_list(p, emb.len()))
        .transpose()?;
    if pairs.is_some() && method != ClusterMethod::Community {
        return Err(PyValueError::new_err(
            "pairs are for community detection only",
        ));
    }
    let clustering = py
        .detach(|| {
            let refs: Option<Vec<&str>> = texts
                .as_ref()
                .map(|t| t.iter().map(String::as_str).collect());
            match pairs {
                Some(p) => {
                    community_detection_from_pairs(&emb, threshold, min_size, p).map(|mut c| {
                        if let Some(r) = &refs {
                            label_clusters(r, &mut c, keywords);
                        }
                        c
                    })
                }
                None => cluster_rows(&emb, refs.as_deref(), &options),
            }
        })
        .map_err(py_err)?;
    let out = PyDict::new(py);
    out.set_item("method", method_name(method))?;
    // The threshold as written (0.9, not its float32 value 0.899999…).
    out.set_item(
        "threshold",
        threshold
            .to_string()
            .parse::<f64>()
            .unwrap_or(threshold as f64),
    )?;
    out.set_item("min_size", min_size)?;
    out.set_item(
        "labels",
        clustering.topic_of_rows(emb.len()).into_pyarray(py),
    )?;
    let clusters = pyo3::types::PyList::empty(py);
    for c in &clustering.clusters {
        let d = PyDict::new(py);
        d.set_item("members", c.members.clone())?;
        d.set_item("medoid", c.medoid)?;
        if texts.is_some() {
            d.set_item("keywords", c.keywords.clone())?;
        }
        clusters.append(d)?;
    }
    out.set_item("clusters", clusters)?;
    out.set_item("unassigned", clustering.unassigned.clone())?;
    Ok(out)
}

fn method_name(m: ClusterMethod) -> &'static str {
    match m {
        ClusterMethod::Community => "community",
        ClusterMethod::Agglomerative => "agglomerative",
    }
}

/// Rows scaled to unit length exactly as volte's searches scale them
/// (float32), so that float64 products of them reproduce volte's scores.
#[pyfunction]
pub fn normalize<'py>(
    py: Python<'py>,
    embeddings: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let e: Embeddings = embeddings_of(&embeddings, "embeddings")?;
    to_array(py, e)
}
