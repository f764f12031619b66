//! Training, as one test binary: one module per capability (the
//! catalogue, bookings and their refusals, offers, calendar invitations,
//! reminders, capacity under concurrency, running sessions and their
//! register). Shared steps live in `closeknit_tests::training`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod bookings;
mod calendar;
mod catalogue;
mod concurrency;
mod consent;
mod offers;
mod register;
mod reminders;
mod running;
mod series;
