//! The SSDA903 records: accommodation with its Schedule 2 suitability
//! assessment, contact (in touch) and main activity.

pub(super) mod graphql;
pub(super) mod model;
mod service;
pub(super) mod store;
