//! Staying Close, as one test binary: one module per capability of the
//! domain (plans and who reads them, profiles, goals, check-ins and
//! reviews, agreement, claims, SSDA903 records, reports, the home screen,
//! delta sync). Shared steps live in `closeknit_tests` (`tests/src/`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod agreement;
mod claims;
mod goals;
mod home;
mod meetings;
mod nodes;
mod plans;
mod profile;
mod records;
mod reports;
mod sync;
