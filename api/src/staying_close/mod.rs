//! Staying Close support plans: a care leaver's plan, seen from both
//! sides. The young person reads their own plan and adds progress,
//! comments, agreement, claims and review requests; the key worker and
//! personal adviser on the plan edit it and log check-ins and reviews;
//! the authority's managers read its plans, decide claims and produce its
//! returns. Every read and change is audited.

pub mod demo;
pub mod graphql;
pub mod loaders;
pub mod model;
pub mod reporting;
pub mod schema;
pub mod service;
pub mod store;
