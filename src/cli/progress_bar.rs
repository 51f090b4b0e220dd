//! The progress bar the library's progress callbacks drive: shown on
//! standard error when it is a terminal (and `VOLTE_NO_PROGRESS` is unset),
//! hidden otherwise.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use volte::progress::Progress;

/// A progress bar labelled with what is being done.
pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(len: usize, what: &str) -> Self {
        if !std::io::stderr().is_terminal() || std::env::var_os("VOLTE_NO_PROGRESS").is_some() {
            return Self(ProgressBar::hidden());
        }
        let pb = ProgressBar::new(len as u64);
        pb.set_style(
            ProgressStyle::with_template(
                "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
            )
            .expect("valid progress template"),
        );
        pb.set_message(what.to_string());
        Self(pb)
    }

    pub fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}
