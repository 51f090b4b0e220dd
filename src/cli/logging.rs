//! Log output on standard error: notices (a model being fetched, a run
//! resuming) as `volte: …`, warnings as `volte: warning: …`, and with `-v`
//! or `RUST_LOG` everything else with its level and origin.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber for `verbose` (the number of `-v`); `RUST_LOG`,
/// when set, decides instead.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => format!("warn,{}=info", volte::NOTICE),
        1 => "info".to_string(),
        _ => "debug".to_string(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(Plain)
        .init();
}

struct Plain;

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        match *meta.level() {
            Level::ERROR => write!(writer, "volte: error: ")?,
            Level::WARN => write!(writer, "volte: warning: ")?,
            _ if meta.target() == volte::NOTICE => write!(writer, "volte: ")?,
            level => write!(writer, "{level} {}: ", meta.target())?,
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
