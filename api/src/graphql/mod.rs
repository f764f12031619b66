//! The GraphQL toolkit every domain uses: the request context and its
//! loaders, the guard (limits, phases, error codes), input checks, depth
//! limit, operation labels, read auditing for resolvers, and Relay ids and
//! connections. No domain is named here: the schema is assembled in
//! `crate::schema`.

pub mod context;
pub mod depth;
pub mod guard;
pub mod inputs;
pub mod labels;
pub mod reads;
pub mod relay;
