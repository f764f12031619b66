//! Staying Close support plans: a care leaver's plan, seen from both
//! sides. The young person reads their own plan and adds progress,
//! comments, agreement, claims and review requests; the key worker and
//! personal adviser on the plan edit it and log check-ins and reviews;
//! the authority's managers read its plans, decide claims and produce its
//! returns. Every read and change is audited.
//!
//! One folder per capability, each with its model, store, service and
//! GraphQL as it needs them:
//! - `plan/`: starting, updating and ending plans, versions, caseloads, the app's home and delta sync, plan access in changes.
//! - `profile/`: the care-leaver profile and the authority's settings.
//! - `goals/`: goals under the pathway plan items, and progress on them.
//! - `meetings/`: check-ins and reviews, their scheduling and reminders, review requests.
//! - `agreement/`: comments, sharing a version for agreement, the young person's response.
//! - `claims/`: setting-up-home allowance and bursary claims, caps, entitlements, decisions.
//! - `records/`: the SSDA903 accommodation (with suitability), in-touch and activity records.
//! - `reporting/`: the national framework indicators and the OC3 return.
//!
//! [`schema`] merges the capabilities' GraphQL roots (`nodes` decides who
//! may fetch a nested object again by id); `loaders` batches a
//! plan's lists per request; `words`, `dates` and `inputs` hold
//! the helpers they share; `demo` loads synthetic data.

mod agreement;
mod claims;
mod dates;
pub(crate) mod demo;
mod goals;
mod inputs;
pub mod loaders;
mod meetings;
mod nodes;
mod plan;
mod profile;
mod records;
pub mod reporting;
pub mod schema;
mod words;
