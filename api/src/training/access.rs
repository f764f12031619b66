//! Who may manage a provider's training, who may run a session, and who a
//! course is for. A provider's coordinators reach it through the
//! authorities that commission it (`ProvidedInGrantAuthorities`); a
//! facilitator runs the sessions they facilitate.

use uuid::Uuid;

use crate::{
    auth::viewer::Viewer,
    identity::model::Role,
    policy::{self, Action},
};

crate::stored_enum! {
    /// Who a course is for.
    #[derive(PartialOrd, Ord)]
    Audience as "TrainingAudience" {
        KinshipCarers = "kinship_carers",
        FosterCarers = "foster_carers",
        CareLeavers = "care_leavers",
        Staff = "staff",
    }
}

/// Whether the viewer may do `action` for `provider` (a coordinator of
/// that provider, through an authority that commissions it).
pub fn manages(viewer: &Viewer, action: Action, provider: Uuid) -> bool {
    let scope = policy::scope(viewer, action);
    scope.everything || scope.provided.iter().any(|(org, _)| *org == provider)
}

/// The providers whose training the viewer manages (as a coordinator).
pub fn providers_managed(viewer: &Viewer) -> Vec<Uuid> {
    let mut providers: Vec<Uuid> = policy::scope(viewer, Action::ManageTrainingCatalogue)
        .provided
        .iter()
        .map(|(org, _)| *org)
        .collect();
    providers.sort();
    providers.dedup();
    providers
}

/// Whether the viewer runs this session: its provider's coordinator, or
/// the facilitator of it (who holds the role through a commissioned
/// authority).
pub fn runs(viewer: &Viewer, provider: Uuid, facilitator: Uuid) -> bool {
    if manages(viewer, Action::RunTrainingSessions, provider) {
        return true;
    }
    let scope = policy::scope(viewer, Action::RunTrainingSessions);
    scope.assigned_worker == Some(facilitator) && !scope.assigned_authorities.is_empty()
}

/// The audiences the viewer belongs to, from their roles.
pub fn audiences(viewer: &Viewer) -> Vec<Audience> {
    let Ok(account) = viewer.account_viewer() else {
        return Vec::new();
    };
    let mut out: Vec<Audience> = account
        .grants
        .iter()
        .map(|g| match g.role {
            Role::KinshipCarer => Audience::KinshipCarers,
            Role::YoungPerson => Audience::CareLeavers,
            _ => Audience::Staff,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The authorities the viewer belongs to (through their roles), for
/// sessions open to some authorities only.
pub fn authorities(viewer: &Viewer) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = match viewer {
        Viewer::Account(account) => account
            .grants
            .iter()
            .flat_map(|g| g.local_authorities.iter().copied())
            .collect(),
        Viewer::Client(client) => client.local_authorities.clone(),
        Viewer::Anonymous => Vec::new(),
    };
    out.sort();
    out.dedup();
    out
}

/// Audiences as stored: codes joined by commas, in order.
pub fn audience_codes(audience: &[Audience]) -> String {
    let mut sorted = audience.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Audiences from their stored codes (an unknown code is `INTERNAL`).
pub fn parse_audience(stored: &str) -> crate::error::AppResult<Vec<Audience>> {
    stored
        .split(',')
        .filter(|c| !c.is_empty())
        .map(Audience::parse)
        .collect()
}
