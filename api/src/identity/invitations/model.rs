//! Rules of invitations: which roles may be offered, by whom; what an
//! invitation's state is. No I/O.

use async_graphql::Enum;
use chrono::{DateTime, Duration, Utc};

use crate::{
    error::{AppError, AppResult},
    identity::model::{OrganisationKind, Role},
};

/// How long an invitation link works (from sending or resending).
pub const INVITATION_TTL: Duration = Duration::days(7);

/// What an expired, revoked or used link is told.
pub const LINK_USED: &str =
    "This invitation link has expired or has already been used: ask for a new one";

/// Where an invitation stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum InvitationStatus {
    /// Sent, not yet accepted, still within its 7 days.
    Pending,
    Accepted,
    /// Not accepted within its 7 days.
    Expired,
    /// Withdrawn by an administrator, or replaced by a newer invitation.
    Revoked,
}

/// The state of an invitation at `now`.
pub fn status(
    accepted_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InvitationStatus {
    match (accepted_at, revoked_at) {
        (Some(_), _) => InvitationStatus::Accepted,
        (None, Some(_)) => InvitationStatus::Revoked,
        (None, None) if expires_at <= now => InvitationStatus::Expired,
        (None, None) => InvitationStatus::Pending,
    }
}

/// The roles to offer, checked: at least one; only a platform
/// administrator offers the administration roles (anyone else:
/// FORBIDDEN); each one the organisation's kind may hold (else
/// BAD_USER_INPUT on `roles`). Duplicates are dropped, order kept.
pub fn check_roles(
    kind: OrganisationKind,
    roles: &[Role],
    by_platform_admin: bool,
) -> AppResult<Vec<Role>> {
    if roles.is_empty() {
        return Err(AppError::bad_input("roles", "must name at least one role"));
    }
    let mut checked: Vec<Role> = Vec::with_capacity(roles.len());
    for role in roles {
        if role.granted_by_platform_only() && !by_platform_admin {
            return Err(AppError::Forbidden);
        }
        if !kind.may_hold(*role) {
            return Err(AppError::bad_input(
                "roles",
                format!(
                    "cannot include {}: it is not a role a {} holds",
                    words(role.as_str()),
                    words(kind.as_str())
                ),
            ));
        }
        if !checked.contains(role) {
            checked.push(*role);
        }
    }
    Ok(checked)
}

/// A stored code in words ("personal_adviser": "personal adviser").
pub fn words(code: &str) -> String {
    code.replace('_', " ")
}

/// Roles as stored (`invitations.roles`).
pub fn store_roles(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Roles from their stored form.
pub fn parse_roles(stored: &str) -> AppResult<Vec<Role>> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(Role::parse)
        .collect()
}

/// A given or family name: trimmed, 1 to 100 characters.
pub fn name(field: &str, raw: &str) -> AppResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::bad_input(field, "must not be empty"));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "must be at most 100 characters, without control characters",
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_admin_offers_its_kinds_roles_only() {
        let la = OrganisationKind::LocalAuthorityTeam;
        assert_eq!(
            check_roles(
                la,
                &[Role::KeyWorker, Role::LaManager, Role::KeyWorker],
                false
            )
            .unwrap(),
            vec![Role::KeyWorker, Role::LaManager]
        );
        assert!(matches!(
            check_roles(la, &[Role::Advocate], false),
            Err(AppError::BadUserInput { ref field, .. }) if field == "roles"
        ));
        assert!(matches!(
            check_roles(la, &[], true),
            Err(AppError::BadUserInput { .. })
        ));
        assert!(matches!(
            check_roles(OrganisationKind::ChildrensHome, &[Role::LaManager], false),
            Err(AppError::BadUserInput { .. })
        ));
    }

    #[test]
    fn only_platform_admins_offer_administration() {
        let la = OrganisationKind::LocalAuthorityTeam;
        for role in [Role::OrganisationAdmin, Role::PlatformAdmin] {
            assert!(matches!(
                check_roles(la, &[role], false),
                Err(AppError::Forbidden)
            ));
        }
        assert!(check_roles(la, &[Role::OrganisationAdmin], true).is_ok());
        // Even a platform admin offers only what the kind holds.
        assert!(matches!(
            check_roles(la, &[Role::PlatformAdmin], true),
            Err(AppError::BadUserInput { .. })
        ));
        assert!(check_roles(OrganisationKind::Platform, &[Role::PlatformAdmin], true).is_ok());
    }

    #[test]
    fn status_follows_the_dates() {
        let now = Utc::now();
        let later = now + Duration::days(1);
        let earlier = now - Duration::days(1);
        assert_eq!(status(None, None, later, now), InvitationStatus::Pending);
        assert_eq!(status(None, None, earlier, now), InvitationStatus::Expired);
        assert_eq!(
            status(None, Some(earlier), later, now),
            InvitationStatus::Revoked
        );
        assert_eq!(
            status(Some(now), None, earlier, now),
            InvitationStatus::Accepted
        );
    }

    #[test]
    fn roles_round_trip_and_names_are_checked() {
        let roles = [Role::KeyWorker, Role::Referrer];
        assert_eq!(parse_roles(&store_roles(&roles)).unwrap(), roles);
        assert!(parse_roles("root").is_err());
        assert_eq!(name("givenName", "  Jo ").unwrap(), "Jo");
        assert!(name("givenName", "  ").is_err());
        assert!(name("familyName", &"x".repeat(101)).is_err());
    }
}
