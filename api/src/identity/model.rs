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
        /// Manages the people of one organisation: invites staff, grants
        /// and removes the roles its kind may hold, disables accounts.
        OrganisationAdmin = "organisation_admin",
        PlatformAdmin = "platform_admin",
    }
}

crate::stored_enum! {
    /// What an organisation is (`organisations.kind`).
    OrganisationKind as "OrganisationKind" {
        LocalAuthorityTeam = "local_authority_team",
        ChildrensHome = "childrens_home",
        AdvocacyProvider = "advocacy_provider",
        TrainingProvider = "training_provider",
        Charity = "charity",
        Platform = "platform",
    }
}

impl OrganisationKind {
    /// The staff roles an organisation of this kind may hold (young people
    /// and carers are added through onboarding, never granted here).
    pub fn staff_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            OrganisationKind::LocalAuthorityTeam => &[
                KeyWorker,
                PersonalAdviser,
                Referrer,
                LaManager,
                TrainingCoordinator,
                Facilitator,
                OrganisationAdmin,
            ],
            OrganisationKind::ChildrensHome => &[KeyWorker, Referrer, OrganisationAdmin],
            OrganisationKind::AdvocacyProvider => &[Advocate, AdvocacyManager, OrganisationAdmin],
            OrganisationKind::TrainingProvider => {
                &[TrainingCoordinator, Facilitator, OrganisationAdmin]
            }
            OrganisationKind::Charity => &[Referrer, Facilitator, OrganisationAdmin],
            OrganisationKind::Platform => &[PlatformAdmin, OrganisationAdmin],
        }
    }

    pub fn may_hold(self, role: Role) -> bool {
        self.staff_roles().contains(&role)
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

    /// Roles whose holders read case records about children and young
    /// people: where the organisation requires it, they pass a second
    /// factor at sign-in.
    pub fn reads_case_records(self) -> bool {
        matches!(
            self,
            Role::KeyWorker
                | Role::PersonalAdviser
                | Role::Referrer
                | Role::LaManager
                | Role::Advocate
                | Role::AdvocacyManager
        )
    }

    /// Roles only a platform administrator may grant or remove (an
    /// organisation administrator manages every other role of their
    /// organisation).
    pub fn granted_by_platform_only(self) -> bool {
        matches!(self, Role::OrganisationAdmin | Role::PlatformAdmin)
    }
}

/// Services that providers are commissioned for.
pub const SERVICE_ADVOCACY: &str = "advocacy";
pub const SERVICE_KINSHIP_TRAINING: &str = "kinship_training";

crate::stored_enum! {
    /// Whether an account may sign in.
    AccountStatus as "AccountStatus" {
        Active = "active",
        Disabled = "disabled",
        /// Created (a young person or carer added by a worker, or staff
        /// invited) and not yet activated: cannot sign in until its holder
        /// uses their activation code or invitation.
        Pending = "pending",
    }
}

crate::stored_enum! {
    /// How a sign-in was made (`security_events.method`, the sign-in history).
    SignInMethod as "SignInMethod" {
        /// Staff email and password.
        Password = "password",
        /// Password, then a time-based one-time code.
        PasswordAndTotp = "password_totp",
        /// Password, then a recovery code.
        PasswordAndRecoveryCode = "password_recovery_code",
        /// A code emailed to a young person or carer.
        EmailCode = "email_code",
        /// A young person's or carer's first sign-in with the activation
        /// code their worker gave them.
        ActivationCode = "activation_code",
        /// Accepting a staff invitation (setting a password).
        Invitation = "invitation",
        /// A password reset link.
        PasswordReset = "password_reset",
        /// The organisation's own identity provider (OpenID Connect).
        SingleSignOn = "single_sign_on",
    }
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
    fn each_kind_holds_its_own_staff_roles() {
        for kind in OrganisationKind::ALL {
            assert!(kind.may_hold(Role::OrganisationAdmin), "{kind:?}");
            assert!(!kind.may_hold(Role::YoungPerson) && !kind.may_hold(Role::KinshipCarer));
        }
        assert!(OrganisationKind::Platform.may_hold(Role::PlatformAdmin));
        assert!(!OrganisationKind::LocalAuthorityTeam.may_hold(Role::PlatformAdmin));
        assert!(!OrganisationKind::AdvocacyProvider.may_hold(Role::KeyWorker));
        assert!(OrganisationKind::TrainingProvider.may_hold(Role::Facilitator));
        assert!(Role::OrganisationAdmin.granted_by_platform_only());
        assert!(!Role::KeyWorker.granted_by_platform_only());
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
