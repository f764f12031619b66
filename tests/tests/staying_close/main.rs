//! Staying Close, as one test binary: plans (who reads and changes what,
//! concurrency, check-ins, reviews, claims, the young person's view,
//! SSDA903 records, delta sync) and reporting (the national indicators and
//! the OC3 return). One module per capability; shared helpers live in
//! `closeknit_tests` (`tests/src/`).

mod staying_close;
mod staying_close_reports;
