//! Notifications for young people, carers and advocates: an in-app inbox,
//! channel choices per kind, quiet hours in the person's own time zone, and
//! delivery through the job queue (email now; push with its senders).
//!
//! The rule: a notification committed with the change that causes it is
//! delivered once, through the channels the person chose, or ends visibly
//! in the dead-letter state. [`service::notify`] writes the inbox row and
//! the delivery jobs in the caller's transaction.

pub mod calendar;
pub mod email;
pub mod graphql;
pub mod live;
pub mod model;
pub mod reminders;
pub mod schema;
pub mod service;
pub mod store;
pub mod templates;
