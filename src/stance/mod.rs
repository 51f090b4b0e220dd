//! Stance scores and shift detection.
//!
//! * [`space`]: the analysis space (language-centred embeddings) every
//!   stance computation works in;
//! * [`axes`]: stance along axes given by pro/con example statements;
//! * [`unsupervised`]: stance along the main opposition inside a topic;
//! * [`dates`]: statement dates as day spans;
//! * [`shifts`]: turns in a speaker's dated series of the stance model's
//!   probabilities, each with the probability that the position changed;
//! * [`score_shifts`]: turns in a series of scores without probabilities;
//! * [`cross_encoder`]: the stance model, [`shipped_weights`] its shipped int8
//!   weights, [`bundled`] the copy compiled into volte.

pub mod axes;
pub mod bundled;
pub(crate) mod camps;
pub mod cross_encoder;
pub(crate) mod dates;
mod loader;
pub(crate) mod score_shifts;
pub mod shifts;
pub(crate) mod shipped_weights;
pub(crate) mod space;
pub(crate) mod unsupervised;

pub use loader::open_stance_model;
