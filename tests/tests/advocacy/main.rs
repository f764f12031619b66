//! Advocacy, as one test binary: one module per capability (asking and
//! referring, the lifecycle, who sees what). Shared steps live in
//! `closeknit_tests::advocacy`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod confidentiality;
mod lifecycle;
mod records;
mod reporting;
mod requests;
mod safeguarding;
mod timescales;
