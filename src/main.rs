//! The `volte` binary.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use volte::Error;

/// On SIGINT, SIGTERM or SIGHUP: remove the temporary files of outputs
/// still being written (their final names keep what they held), then exit
/// with 128 + the signal number, as a shell reports it.
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        std::thread::spawn(move || {
            if let Some(signal) = signals.forever().next() {
                volte::output::atomic::remove_unfinished();
                std::process::exit(128 + signal);
            }
        });
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    clean_up_on_signals();
    cli::logging::init(cli.verbose);
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our standard output has gone (`| head`): stop
        // quietly, as Unix tools do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("volte: error: {e:#}");
            if is_user_error(&e) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Whether `e`, or anything it wraps, is a user error (a bad input or
/// option: see [`Error::is_user_error`]).
fn is_user_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<volte::InputError>()
            || c.is::<volte::UsageError>()
            || c.downcast_ref::<Error>().is_some_and(Error::is_user_error)
    })
}

/// Whether `e` comes from writing into a pipe whose reader has gone
/// (`volte … -o - | head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| match c.downcast_ref::<Error>() {
        Some(e) => e.chain().any(is_pipe),
        None => is_pipe(c),
    })
}

/// Whether `e` itself is a write into a pipe whose reader has gone.
fn is_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        || e.downcast_ref::<serde_json::Error>()
            .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
}
