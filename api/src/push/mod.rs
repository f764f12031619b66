//! Push notifications: devices (registered by the apps, moved to whoever
//! signs in on a shared phone) and senders for FCM HTTP v1, APNs
//! (token-based, HTTP/2) and Web Push (VAPID). A push carries no personal
//! data: only what happened (the notification's kind) and its id; the app
//! fetches the rest over GraphQL, signed in.

pub mod apns;
pub mod fcm;
pub mod graphql;
pub mod job;
pub mod model;
pub mod schema;
pub mod sender;
pub mod service;
pub mod store;
pub mod webpush;
