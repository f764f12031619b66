//! Rules for managing an organisation's people.

use uuid::Uuid;

use crate::{
    error::{AppError, AppResult},
    identity::model::{OrganisationKind, Role},
};

/// Whether `role` may be granted in (or removed from) an organisation of
/// `kind` to an account holding `held` (its roles anywhere), by a viewer
/// who is a platform administrator or not. Roles outside the kind's table
/// are `BAD_USER_INPUT`; young people's and carers' accounts get no staff
/// roles; organisation and platform administration are granted by platform
/// administrators only (`FORBIDDEN`: a role above one's own).
pub fn may_change_role(
    kind: OrganisationKind,
    role: Role,
    held: &[Role],
    by_platform_admin: bool,
) -> AppResult<()> {
    if !kind.may_hold(role) {
        return Err(AppError::bad_input(
            "input.role",
            format!("is not a role a {} may hold", kind.as_str()),
        ));
    }
    if held.iter().any(|r| !r.is_staff()) {
        return Err(AppError::bad_input(
            "input.accountId",
            "is a young person's or carer's account, which holds no staff roles",
        ));
    }
    if role.granted_by_platform_only() && !by_platform_admin {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// The one organisation all of an account's roles are held in (its
/// administrators manage the account), if there is exactly one.
pub fn sole_organisation(grants: &[(Role, Uuid)]) -> Option<Uuid> {
    let (_, first) = grants.first()?;
    grants.iter().all(|(_, org)| org == first).then_some(*first)
}

/// Longest reason for disabling an account.
pub const MAX_REASON: usize = 500;

/// Why an account is disabled: required, trimmed, at most [`MAX_REASON`]
/// characters.
pub fn reason(raw: &str) -> AppResult<String> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(AppError::bad_input("input.reason", "must not be empty"));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::bad_input(
            "input.reason",
            format!("must be at most {MAX_REASON} characters"),
        ));
    }
    Ok(reason.to_string())
}

crate::stored_enum! {
    /// How a sign-in attempt in the history ended.
    SignInOutcome as "SignInOutcome" {
        /// Signed in (`signed_in`).
        Succeeded = "succeeded",
        /// A wrong password or code, or a disabled or locked account
        /// (`sign_in_failed`, second-factor failures).
        Failed = "failed",
        /// Too many failures: the account was locked (`account_locked`).
        Locked = "locked",
    }
}

/// Security event kinds of failed sign-ins besides `sign_in_failed` (which
/// a wrong password and a wrong second-factor code both record): a wrong
/// emailed or activation code, and a refused single sign-on.
pub const OTHER_FAILURE_KINDS: [&str; 3] =
    ["sign_in_code_failed", "activation_failed", "sso_failed"];

impl SignInOutcome {
    /// The security event kinds of this outcome.
    pub fn kinds(self) -> Vec<&'static str> {
        match self {
            SignInOutcome::Succeeded => vec!["signed_in"],
            SignInOutcome::Failed => {
                let mut kinds = vec!["sign_in_failed"];
                kinds.extend(OTHER_FAILURE_KINDS);
                kinds
            }
            SignInOutcome::Locked => vec!["account_locked"],
        }
    }

    /// The outcome of an event of `kind` (`None`: not a sign-in event).
    pub fn of_kind(kind: &str) -> Option<Self> {
        SignInOutcome::ALL
            .into_iter()
            .find(|o| o.kinds().contains(&kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_fit_the_kind_and_the_granter() {
        use OrganisationKind::*;
        use Role::*;
        assert!(may_change_role(LocalAuthorityTeam, PersonalAdviser, &[Referrer], false).is_ok());
        assert!(matches!(
            may_change_role(LocalAuthorityTeam, Advocate, &[Referrer], false),
            Err(AppError::BadUserInput { .. })
        ));
        assert!(matches!(
            may_change_role(LocalAuthorityTeam, OrganisationAdmin, &[Referrer], false),
            Err(AppError::Forbidden)
        ));
        assert!(may_change_role(LocalAuthorityTeam, OrganisationAdmin, &[Referrer], true).is_ok());
        assert!(matches!(
            may_change_role(LocalAuthorityTeam, PlatformAdmin, &[Referrer], true),
            Err(AppError::BadUserInput { .. })
        ));
        assert!(matches!(
            may_change_role(LocalAuthorityTeam, Referrer, &[YoungPerson], true),
            Err(AppError::BadUserInput { .. })
        ));
    }

    #[test]
    fn an_account_belongs_to_one_organisation_or_none() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(sole_organisation(&[]), None);
        assert_eq!(
            sole_organisation(&[(Role::Referrer, a), (Role::LaManager, a)]),
            Some(a)
        );
        assert_eq!(
            sole_organisation(&[(Role::Referrer, a), (Role::Advocate, b)]),
            None
        );
    }

    #[test]
    fn reasons_are_required_and_bounded() {
        assert_eq!(reason("  left the team ").unwrap(), "left the team");
        assert!(reason(" ").is_err());
        assert!(reason(&"x".repeat(501)).is_err());
    }

    #[test]
    fn outcomes_map_kinds() {
        assert_eq!(
            SignInOutcome::of_kind("signed_in"),
            Some(SignInOutcome::Succeeded)
        );
        assert_eq!(
            SignInOutcome::of_kind("sso_failed"),
            Some(SignInOutcome::Failed)
        );
        assert_eq!(
            SignInOutcome::of_kind("account_locked"),
            Some(SignInOutcome::Locked)
        );
        assert_eq!(SignInOutcome::of_kind("refresh_token_reuse"), None);
    }
}
