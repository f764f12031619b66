//! Advocacy: children and young people asking for an advocate (instructed),
//! and professionals referring very young or non-verbal children who
//! cannot give instructions (non-instructed). Requests go to the advocacy
//! provider the child's authority commissions; its managers triage and
//! assign them; advocates work them. What the child said is confidential
//! to their advocate and the provider's managers: everyone else sees at
//! most that a request exists, its kind, status and timescales
//! ([`access::reach`], the one rule every read path asks).
//!
//! One folder per capability:
//! - `requests/`: asking and referring, what a request says, reading requests.
//! - `lifecycle/`: triage, assignment, first contact, work, closing, withdrawal, kind changes.
//! - `timescales/`: contract terms, each request's clocks, the watcher.
//! - `reporting/`: the commissioner's report (GraphQL and CSV).
//! - `records/`: what the advocate records: visits and observations
//!   (non-instructed), contacts, representations, meetings, outcomes.
//! - `safeguarding/`: a concern shared with the authority, and when the
//!   young person may see it.
//!
//! [`schema`] merges the capabilities' GraphQL roots; `loaders` batches
//! what a page of requests shows; `notices` holds what advocacy tells
//! people (never content).

pub mod access;
pub(crate) mod demo;
pub mod lifecycle;
pub mod loaders;
mod notices;
pub mod records;
pub mod reporting;
pub mod requests;
pub mod safeguarding;
pub mod schema;
pub mod timescales;
