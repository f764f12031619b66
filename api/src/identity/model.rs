//! Rules and vocabulary of identity.

use crate::error::{AppError, AppResult};

crate::stored_enum! {
    /// The roles an account can hold within an organisation.
    Role as "Role" {
        YoungPerson = "young_person",
        KinshipCarer = "kinship_carer",
        KeyWorker = "key_worker",
        PersonalAdviser = "personal_adviser",
        Referrer = "referrer",
        Advocate = "advocate",
        AdvocacyManager = "advocacy_manager",
        TrainingCoordinator = "training_coordinator",
        Facilitator = "facilitator",
        LaManager = "la_manager",
        PlatformAdmin = "platform_admin",
    }
}

impl Role {
    /// The commissioned service through which a provider's staff in this
    /// role reach a local authority (see `commissions.service`).
    pub fn commissioned_service(self) -> Option<&'static str> {
        match self {
            Role::Advocate | Role::AdvocacyManager => Some(SERVICE_ADVOCACY),
            Role::TrainingCoordinator | Role::Facilitator => Some(SERVICE_KINSHIP_TRAINING),
            _ => None,
        }
    }

    /// Staff sign in with a password; young people and carers with a code.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::YoungPerson | Role::KinshipCarer)
    }
}

/// Services that providers are commissioned for.
pub const SERVICE_ADVOCACY: &str = "advocacy";
pub const SERVICE_KINSHIP_TRAINING: &str = "kinship_training";

crate::stored_enum! {
    /// Whether an account may sign in.
    AccountStatus { Active = "active", Disabled = "disabled" }
}

/// An email address, trimmed and lower-cased (the account's login name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let email = raw.trim().to_ascii_lowercase();
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !valid {
            return Err(AppError::bad_input(field, "is not an email address"));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Consecutive failed sign-ins before an account is locked.
pub const MAX_FAILED_SIGN_INS: i32 = 5;
/// How long a locked account stays locked.
pub const LOCKOUT: chrono::Duration = chrono::Duration::minutes(15);

/// Whether the viewer may see an organisation (`node` of an
/// `Organisation` id): one they hold a role in; any, for a platform
/// administrator; or a children's home in an authority where they may set
/// up care leavers (as `childrensHomes(localAuthorityId)` lists them).
pub fn may_see_organisation(
    viewer: &crate::auth::viewer::Viewer,
    org: &crate::db::entities::organisations::Model,
) -> bool {
    use crate::{
        auth::viewer::Viewer,
        policy::{self, Action, Target},
    };
    let Viewer::Account(account) = viewer else {
        return false;
    };
    account.has_role(Role::PlatformAdmin)
        || account.grants.iter().any(|g| g.organisation_id == org.id)
        || (org.kind == "childrens_home"
            && org.local_authority_id.is_some_and(|la| {
                policy::allows(
                    viewer,
                    Action::ManageCareLeavers,
                    &Target::local_authority(la),
                )
            }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
        assert!(!Role::YoungPerson.is_staff() && Role::LaManager.is_staff());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", " Key.Worker@Northmoor.Example ")
                .unwrap()
                .as_str(),
            "key.worker@northmoor.example"
        );
        for bad in [
            "",
            "no-at",
            "@x.example",
            "a@nodot",
            "a b@x.example",
            "a@.x",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }
}
