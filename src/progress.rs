//! Progress of long work, reported through a callback so that the library
//! never draws anything itself: the CLI shows a progress bar, a notebook
//! can show its own, and a batch job can ignore it.

/// Receives the progress of one piece of work (embedding, a search).
///
/// `start` may be called again when the work learns its real size (a
/// search knows its number of tiles only once it has planned them); the
/// position then restarts at 0.
pub trait Progress: Sync {
    /// The work has `total` steps; the position is 0.
    fn start(&self, total: u64);
    /// `n` more steps are done.
    fn advance(&self, n: u64);
}

/// Progress that nobody watches.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: u64) {}
    fn advance(&self, _n: u64) {}
}
