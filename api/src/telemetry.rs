//! Logging: human-readable in `dev`, JSON lines in `production`, filtered by
//! `CLOSEKNIT_LOG`. Initialised once per process; a second call is a no-op
//! (tests share one process).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::LogFormat;

pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|err| {
        eprintln!("CLOSEKNIT_LOG: {err}; using the default filter");
        EnvFilter::new(crate::config::DEFAULT_LOG_FILTER)
    });
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
    // Already initialised (e.g. by another test): keep the first subscriber.
    drop(result);
}
