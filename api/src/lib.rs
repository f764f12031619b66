//! Closeknit: a GraphQL platform for Staying Close support plans, advocacy
//! requests and kinship carers' training. See README.md for the map.

pub mod advocacy;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod change;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod graphql;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod jobs;
pub mod metrics;
pub mod notifications;
pub mod paging;
pub mod policy;
pub mod push;
pub mod ratelimit;
pub mod reference;
pub mod schema;
pub mod secrets;
pub mod seed;
pub mod startup;
pub mod staying_close;
pub mod stored;
pub mod telemetry;
pub mod text;
pub mod training;
