//! Kinship carers' training: a provider's courses and their sessions, and
//! the places people book on them. Capacity is kept in the database: a
//! place is taken by one conditional statement on the session's row
//! (`places_taken < capacity`), so booked plus offered places never exceed
//! it, whatever the interleaving and however many servers run.
//!
//! One folder per capability:
//! - `catalogue/`: courses, sessions and what the catalogue shows.
//! - `bookings/`: booking, the waiting list, offers and their expiry,
//!   cancelling, and a session's register.
//! - `running/`: changing, cancelling and resizing a session, moves on the
//!   waiting list and between sessions, attendance, the register as CSV.
//! - `consents/`: carers' consent for an app to book for them.
//!
//! [`access`] decides who manages and runs a provider's training and who
//! is in a course's audience; `notices` holds what training tells people,
//! [`calendar`] the `.ics` entry its emails carry, and [`reminders`] the
//! offer-expiring and day-before reminders.

pub mod access;
pub mod bookings;
pub mod calendar;
pub mod catalogue;
pub mod consents;
pub(crate) mod demo;
mod notices;
pub mod reminders;
pub mod running;
pub mod schema;
