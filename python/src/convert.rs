//! Python values to the library's and back: errors as Python exceptions,
//! texts from any sequence of `str`, embeddings from any 2-D array.

use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use volte::error::UsageError;
use volte::{Embeddings, Error};

/// A Python exception for a library error: a user error (bad input or
/// options, exit code 2 in the command line) is `ValueError`, a device out
/// of memory `MemoryError`, the rest `RuntimeError`. The message has the
/// whole chain of causes.
pub fn py_err(e: Error) -> PyErr {
    let message = format!("{e:#}");
    if e.is_user_error() {
        PyValueError::new_err(message)
    } else if matches!(e, Error::Device(_)) {
        PyMemoryError::new_err(message)
    } else {
        PyRuntimeError::new_err(message)
    }
}

/// A usage error of the library (its message as the command line's).
pub fn usage(e: UsageError) -> PyErr {
    py_err(e.into())
}

/// A device, precision or method named as the library parses it.
pub fn parse<T: std::str::FromStr<Err = UsageError>>(name: &str) -> PyResult<T> {
    name.parse().map_err(usage)
}

/// Texts from a `str` (then `single` is true), or a list, tuple, pandas
/// Series, NumPy array or pyarrow array of `str`.
pub fn texts_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<(Vec<String>, bool)> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok((vec![s.to_string()], true));
    }
    let seq = if obj.hasattr("to_pylist")? {
        obj.call_method0("to_pylist")?
    } else if obj.hasattr("tolist")? {
        obj.call_method0("tolist")?
    } else {
        obj.clone()
    };
    let iter = seq.try_iter().map_err(|_| {
        PyValueError::new_err(format!(
            "{what}: give a str or a sequence of str (list, tuple, pandas Series, NumPy or \
             pyarrow array)"
        ))
    })?;
    let mut texts = Vec::new();
    for (i, t) in iter.enumerate() {
        let t = t?;
        let text = t.extract::<String>().map_err(|_| {
            PyValueError::new_err(format!(
                "{what}[{i}] is not a str ({})",
                t.repr().map_or_else(|_| "?".to_string(), |r| r.to_string())
            ))
        })?;
        texts.push(text);
    }
    Ok((texts, false))
}

/// Rows of a 2-D array (float32, or anything NumPy converts to float32:
/// float64, lists) as unit-length embeddings; a value that is not finite
/// is a usage error naming its row.
pub fn embeddings_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Embeddings> {
    let array: PyReadonlyArray2<'_, f32> = match obj.extract() {
        Ok(a) => a,
        Err(_) => {
            let numpy = obj.py().import("numpy")?;
            let converted = numpy
                .call_method1("asarray", (obj, "float32"))
                .map_err(|e| {
                    PyValueError::new_err(format!("{what}: not an array of numbers ({e})"))
                })?;
            let ndim: usize = converted.getattr("ndim")?.extract()?;
            if ndim != 2 {
                return Err(PyValueError::new_err(format!(
                    "{what}: a 2-D array of shape (rows, dim), not {ndim}-D"
                )));
            }
            converted.extract()?
        }
    };
    let (rows, dim) = (array.shape()[0], array.shape()[1]);
    let view = array.as_array();
    let data: Vec<f32> = view.iter().copied().collect();
    if dim == 0 && rows > 0 {
        return Err(PyValueError::new_err(format!(
            "{what}: rows of dimension 0"
        )));
    }
    let mut e = Embeddings::from_caller(dim.max(1), data).map_err(|e| {
        py_err(Error::usage(format!(
            "{what}: {}",
            e.to_string().trim_start_matches("embeddings: ")
        )))
    })?;
    e.normalize();
    Ok(e)
}

/// `(n, dim)` float32 array owning `e`'s buffer.
pub fn to_array(py: Python<'_>, e: Embeddings) -> PyResult<Bound<'_, PyArray2<f32>>> {
    let (n, dim) = (e.len(), e.dim());
    e.into_vec().into_pyarray(py).reshape([n, dim])
}

/// A JSON value of the library as Python objects (dicts, lists).
pub fn from_json<'py>(py: Python<'py>, json: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (json,))
}
