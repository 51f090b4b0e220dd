//! The analyst report: data model, pipeline and renderers.
//!
//! * [`model`]: the report as data (the JSON schema, `docs/report-schema.md`);
//! * [`build`]: the pipeline from statements to a report, with its steps in
//!   [`grouping`], [`drafting`], [`matching`], [`scoring`] and [`timelines`];
//! * renderers: [`term`], [`markdown`], [`json`] and [`html`] (with [`svg`]
//!   timelines), sharing [`view`].

pub mod build;
pub mod drafting;
pub mod grouping;
pub mod html;
pub mod json;
pub mod markdown;
pub mod matching;
pub mod model;
pub mod scoring;
pub mod svg;
pub mod term;
pub mod timelines;
pub mod view;
