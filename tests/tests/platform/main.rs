//! The platform under every domain, as one test binary (one link of the
//! server instead of one per suite): the GraphQL door over HTTP and
//! WebSocket, health and metrics, the job queue, notifications, reminders
//! and push, the read audit, idempotency, migrations, the working-day
//! calendar, and the contracts
//! (`schema.graphql`, the apps' operations, client tooling's
//! introspection). One module per capability; shared helpers live in
//! `closeknit_tests` (`tests/src/`).

mod calendar;
mod graphql_http;
mod health;
mod idempotency;
mod introspection;
mod jobs;
mod metrics;
mod migrations;
mod mobile_contracts;
mod notifications;
mod push;
mod read_audit;
mod reminders;
mod schema;
mod subscriptions;
