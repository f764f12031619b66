//! Statutory and national figures from the SSDA903 records: the national
//! framework indicators (care leavers aged 17-21 in touch, in education,
//! employment or training, in suitable accommodation) for a date, and the
//! OC3 care leaver table for a collection year, in GraphQL and as the
//! `closeknit export oc3` command's file.

pub(super) mod graphql;
mod service;

pub use service::{Export, RULES, export_oc3};
