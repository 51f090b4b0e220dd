//! The interface every sentence encoder offers to the rest of volte.

use crate::error::Result;

use crate::embeddings::Embeddings;

/// Turns texts into L2-normalized sentence embeddings, one row per text, in
/// input order. Implementations apply the model's prompt themselves.
pub trait TextEmbedder {
    /// Embedding width.
    fn dim(&self) -> usize;
    /// Embeds `texts` in order.
    fn embed(&mut self, texts: &[&str]) -> Result<Embeddings>;
    /// A short stable name of the model and settings, used to key caches.
    fn fingerprint(&self) -> String;
}
