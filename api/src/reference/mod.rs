//! Reference data: England's regions and the local authorities that every
//! other domain is scoped by. Names and ONS codes are public facts; the demo
//! data's authorities are synthetic.

pub mod admin;
pub mod graphql;
pub mod model;
pub mod schema;
pub mod store;
