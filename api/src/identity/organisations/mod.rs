//! Organisations and their commissions, administered by platform
//! administrators (`ManageOrganisations`): creating and changing an
//! organisation (name, kind, local authority), and recording which
//! providers work for which authorities, period by period.
//!
//! A commission period runs from `starts_on` up to, not including,
//! `ends_on`: the end date is the first day the provider no longer works
//! for the authority, and from that day its staff lose their reach into it
//! (`store::principal` and `directory::commissioned_providers` read it the
//! same way). Periods of one organisation, authority and service never
//! overlap; a later period restores the reach.

pub mod graphql;
pub mod model;
pub(in crate::identity) mod service;
pub mod store;
