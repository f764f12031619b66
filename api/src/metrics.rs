//! Prometheus metrics. Counters and histograms are updated where things
//! happen; gauges that describe state (pool, job queue) are refreshed when
//! `/metrics` is scraped.

use std::{sync::Arc, time::Duration};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    pub kind: String,
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LimitLabels {
    pub limit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    pub state: String,
}

include!(concat!(env!("OUT_DIR"), "/known_operations.rs"));

/// The `operation` label of a GraphQL request: its name when it is one the
/// apps send (`KNOWN_OPERATIONS`, from `mobile-contracts/`), else its first
/// root field (one of the schema's own, checked by the caller, so bounded),
/// else `other`. A client choosing operation names cannot add labels, nor
/// push real operations out of the metric.
pub fn operation_label(name: Option<&str>, root_field: Option<&str>) -> String {
    if let Some(known) = name.and_then(|n| KNOWN_OPERATIONS.iter().find(|k| **k == n)) {
        return (*known).to_string();
    }
    match root_field {
        Some(field)
            if !field.is_empty()
                && field.len() <= 64
                && field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            field.to_string()
        }
        _ => "other".into(),
    }
}

#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    graphql_requests: Family<OperationLabels, Counter>,
    graphql_duration: Family<OperationLabels, Histogram>,
    db_statements: Family<OutcomeLabels, Counter>,
    db_duration: Histogram,
    db_pool: Family<StateLabels, Gauge>,
    jobs_processed: Family<JobLabels, Counter>,
    jobs_queue: Family<StateLabels, Gauge>,
    rate_limited: Family<LimitLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("closeknit");
        let graphql_requests = Family::<OperationLabels, Counter>::default();
        let graphql_duration = Family::<OperationLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let db_statements = Family::<OutcomeLabels, Counter>::default();
        let db_duration = latency_histogram();
        let db_pool = Family::<StateLabels, Gauge>::default();
        let jobs_processed = Family::<JobLabels, Counter>::default();
        let jobs_queue = Family::<StateLabels, Gauge>::default();
        let rate_limited = Family::<LimitLabels, Counter>::default();
        registry.register(
            "rate_limited",
            "Requests refused because a budget was spent, by budget",
            rate_limited.clone(),
        );
        registry.register(
            "graphql_requests",
            "GraphQL operations by operation name and outcome",
            graphql_requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "GraphQL operation latency by operation name and outcome",
            graphql_duration.clone(),
        );
        registry.register(
            "db_statements",
            "SQL statements executed, by outcome",
            db_statements.clone(),
        );
        registry.register(
            "db_statement_duration_seconds",
            "SQL statement latency",
            db_duration.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections by state (open, idle, max)",
            db_pool.clone(),
        );
        registry.register(
            "jobs_processed",
            "Background job attempts finished, by kind and outcome (succeeded, retried, dead)",
            jobs_processed.clone(),
        );
        registry.register(
            "jobs",
            "Background jobs in the queue, by state",
            jobs_queue.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                graphql_requests,
                graphql_duration,
                db_statements,
                db_duration,
                db_pool,
                jobs_processed,
                jobs_queue,
                rate_limited,
            }),
        }
    }

    /// Counts a GraphQL request; `operation` is its [`operation_label`].
    pub fn observe_graphql(&self, operation: &str, outcome: &str, elapsed: Duration) {
        let labels = OperationLabels {
            operation: operation.to_string(),
            outcome: outcome.to_string(),
        };
        self.inner.graphql_requests.get_or_create(&labels).inc();
        self.inner
            .graphql_duration
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub fn observe_statement(&self, elapsed: Duration, failed: bool) {
        let outcome = if failed { "error" } else { "ok" };
        self.inner
            .db_statements
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
        self.inner.db_duration.observe(elapsed.as_secs_f64());
    }

    pub fn job_finished(&self, kind: &str, outcome: &str) {
        self.inner
            .jobs_processed
            .get_or_create(&JobLabels {
                kind: kind.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    pub fn rate_limited(&self, limit: &str) {
        self.inner
            .rate_limited
            .get_or_create(&LimitLabels {
                limit: limit.to_string(),
            })
            .inc();
    }

    pub fn set_pool(&self, open: u32, idle: u32, max: u32) {
        for (state, value) in [("open", open), ("idle", idle), ("max", max)] {
            self.inner
                .db_pool
                .get_or_create(&StateLabels {
                    state: state.into(),
                })
                .set(i64::from(value));
        }
    }

    pub fn set_job_counts(&self, counts: &[(String, i64)]) {
        for state in crate::jobs::JobState::ALL {
            let value = counts
                .iter()
                .find(|(s, _)| s == state.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0);
            self.inner
                .jobs_queue
                .get_or_create(&StateLabels {
                    state: state.as_str().into(),
                })
                .set(value);
        }
    }

    /// Prometheus text exposition.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.inner.registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_operation_names_become_labels() {
        assert_eq!(
            operation_label(Some("Home"), Some("myStayingClosePlan")),
            "Home"
        );
        assert_eq!(
            operation_label(Some("Junk1"), Some("__typename")),
            "__typename"
        );
        assert_eq!(operation_label(None, Some("regions")), "regions");
        assert_eq!(operation_label(Some("Home"), None), "Home");
        assert_eq!(operation_label(Some("Junk1"), None), "other");
        assert_eq!(operation_label(None, Some("bad field; drop")), "other");
        assert_eq!(operation_label(None, None), "other");
    }

    /// The names `build.rs` embeds are exactly the operations the real
    /// parser finds in `mobile-contracts/**/*.graphql`.
    #[test]
    fn known_operations_match_the_mobile_contracts() {
        fn walk(dir: &std::path::Path, names: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, names);
                } else if path.extension().and_then(|e| e.to_str()) == Some("graphql") {
                    let doc =
                        async_graphql::parser::parse_query(std::fs::read_to_string(&path).unwrap())
                            .unwrap();
                    for (name, _) in doc.operations.iter() {
                        names.push(name.expect("app operations are named").to_string());
                    }
                }
            }
        }
        let mut names = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mobile-contracts"),
            &mut names,
        );
        names.sort();
        names.dedup();
        assert!(names.len() >= 8, "{names:?}");
        assert_eq!(KNOWN_OPERATIONS, names);
    }

    #[test]
    fn encodes_prometheus_text() {
        let m = Metrics::new();
        m.observe_graphql("Ping", "ok", Duration::from_millis(3));
        m.observe_statement(Duration::from_millis(1), false);
        let text = m.encode().unwrap();
        assert!(
            text.contains("closeknit_graphql_requests_total{operation=\"Ping\",outcome=\"ok\"} 1")
        );
        assert!(text.contains("closeknit_db_statements_total{outcome=\"ok\"} 1"));
    }
}
