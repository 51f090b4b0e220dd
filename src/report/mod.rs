//! The analyst report: data model, pipeline and renderers.
//!
//! * [`model`]: the report as data (the JSON schema, `docs/report-schema.md`);
//! * [`build`]: the pipeline from statements to a report, with its steps in
//!   [`grouping`], [`drafting`], [`matching`], [`scoring`] and [`timelines`];
//! * renderers: [`term`], [`markdown`], [`json`] and [`html`] (with [`svg`]
//!   timelines), sharing [`view`].

pub mod build;
pub mod drafting;
pub(crate) mod grouping;
pub mod html;
pub mod json;
pub mod markdown;
pub(crate) mod matching;
pub mod model;
pub(crate) mod scoring;
pub(crate) mod svg;
pub mod term;
pub(crate) mod timelines;
pub(crate) mod view;
