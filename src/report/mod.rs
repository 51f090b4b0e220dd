//! The analyst report: data model and renderers.

pub mod model;
