//! The one place that answers "may this viewer do this to this record?".
//!
//! Deny by default: a viewer's reach for an action is the union of what
//! each of its role grants (or, for an API client, each of its scopes)
//! allows, and a grant not named in [`account_reach`] or [`client_reach`]
//! allows nothing. The reach is a [`Scope`]: the viewer's own person
//! record, a set of local authorities, or (platform administration only)
//! everything. Data-layer queries take a `Scope` and filter by it in SQL
//! (see [`Scope::condition`]), so a list can never include a record the
//! viewer could not open one by one.

use std::collections::BTreeSet;

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::{
    auth::viewer::{AccountViewer, ClientViewer, Viewer},
    error::{AppError, AppResult},
    identity::model::Role,
};

/// What a viewer wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Open a young person's profile (names, local authority).
    ReadYoungPerson,
    /// See a young person's date of birth (a field-level guard within the
    /// profile: key workers and referrers see the profile without it).
    ReadYoungPersonDateOfBirth,
    /// Read a local authority's audit trail.
    ReadAuditTrail,
    /// Read the plain-words log of who accessed a person's records.
    ReadActivityLog,
    /// Create, rotate, revoke and list third-party API clients.
    ManageApiClients,
    /// Aggregate figures for a local authority (`dashboard:read`).
    ReadDashboard,
    /// Training sessions and their availability (`training:read`).
    ReadTraining,
    /// Book or cancel training places (`training:book`).
    BookTraining,
    /// Create and change a provider's courses and schedule their sessions
    /// (the provider's training coordinators).
    ManageTrainingCatalogue,
    /// Run a session: its register and attendance, with booked people's
    /// access needs (the provider's coordinators; a facilitator for the
    /// sessions they facilitate).
    RunTrainingSessions,
    /// Read and manage one's own notifications and their settings.
    ManageOwnNotifications,
    /// Inspect and retry dead background jobs (operators).
    ManageJobs,
    /// Read a Staying Close plan and everything in it.
    ReadPlan,
    /// Change a plan: goals, dates, check-ins, reviews, records (the key
    /// worker and personal adviser on the plan).
    EditPlan,
    /// Set up care-leaver profiles and start plans in an authority.
    ManageCareLeavers,
    /// Add progress, comments, agreement, claims and review requests to
    /// one's own plan.
    ContributeToOwnPlan,
    /// Approve, reject and mark paid allowance and bursary claims.
    DecideClaims,
    /// Row-level statutory returns (SSDA903 OC3) for an authority.
    ReadCareLeaverReturns,
    /// Ask for an advocate: for oneself, or (staff) for a child of the
    /// authority, instructed or non-instructed.
    RequestAdvocacy,
    /// See that an advocacy request exists, its kind, status and
    /// timescales: never what the child said (the authority's managers, the
    /// provider's managers, the assigned advocate).
    ReadAdvocacyStatus,
    /// Read what is in an advocacy request: what the child said, the
    /// advocate's records (the provider's managers, the assigned advocate).
    ReadAdvocacyContent,
    /// The young person's own requests and what was recorded with them.
    ReadOwnAdvocacy,
    /// Withdraw one's own (instructed) request.
    WithdrawOwnAdvocacy,
    /// Triage, assign, reassign, withdraw and close requests (the
    /// provider's managers).
    ManageAdvocacy,
    /// Work a request: first contact, progress, records, closing (the
    /// assigned advocate, and the provider's managers).
    WorkAdvocacy,
    /// Set the timescales of an authority's contract with its advocacy
    /// provider (the commissioning authority's managers).
    SetAdvocacyTerms,
    /// Create and change organisations and record commissions (platform
    /// administrators).
    ManageOrganisations,
    /// An organisation's people: invite staff, grant and remove roles,
    /// disable and re-enable accounts, see invitations and sign-in history
    /// (the organisation's administrators; platform administrators).
    ManageStaff,
    /// An organisation's sign-in settings: its second-factor rule and its
    /// single sign-on provider (the organisation's administrators;
    /// platform administrators).
    ConfigureSignIn,
    /// Invite a young person of the authority to the app (their key
    /// worker, personal adviser or the authority's managers).
    InviteYoungPeople,
    /// Add a kinship carer of the authority to the app (training
    /// coordinators reaching it, the authority's managers).
    AddKinshipCarers,
    /// One's own account: sessions and devices, email, second factor.
    ManageOwnAccount,
}

impl Action {
    pub const ALL: [Action; 32] = [
        Action::ReadYoungPerson,
        Action::ReadYoungPersonDateOfBirth,
        Action::ReadAuditTrail,
        Action::ReadActivityLog,
        Action::ManageApiClients,
        Action::ReadDashboard,
        Action::ReadTraining,
        Action::BookTraining,
        Action::ManageTrainingCatalogue,
        Action::RunTrainingSessions,
        Action::ManageOwnNotifications,
        Action::ManageJobs,
        Action::ReadPlan,
        Action::EditPlan,
        Action::ManageCareLeavers,
        Action::ContributeToOwnPlan,
        Action::DecideClaims,
        Action::ReadCareLeaverReturns,
        Action::RequestAdvocacy,
        Action::ReadAdvocacyStatus,
        Action::ReadAdvocacyContent,
        Action::ReadOwnAdvocacy,
        Action::WithdrawOwnAdvocacy,
        Action::ManageAdvocacy,
        Action::WorkAdvocacy,
        Action::SetAdvocacyTerms,
        Action::ManageOrganisations,
        Action::ManageStaff,
        Action::ConfigureSignIn,
        Action::InviteYoungPeople,
        Action::AddKinshipCarers,
        Action::ManageOwnAccount,
    ];
}

crate::stored_enum! {
    /// OAuth scopes a third-party client can hold.
    #[derive(PartialOrd, Ord)]
    ClientScope as "ApiScope" {
        /// `training:read`: training sessions and availability.
        TrainingRead = "training:read",
        /// `training:book`: book and cancel training places.
        TrainingBook = "training:book",
        /// `dashboard:read`: aggregate figures for an authority.
        DashboardRead = "dashboard:read",
    }
}

/// What a record is about: whose it is and which authority holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Target {
    pub person: Option<Uuid>,
    pub local_authority: Option<Uuid>,
    /// The workers assigned to the record (a plan's key worker and
    /// personal adviser, a request's advocate).
    pub workers: [Option<Uuid>; 2],
    /// The commissioned provider organisation that holds the record (an
    /// advocacy request's provider).
    pub provider: Option<Uuid>,
    /// The organisation the record belongs to (its people, invitations,
    /// settings), for organisation administration.
    pub organisation: Option<Uuid>,
}

impl Target {
    pub fn person(person: Uuid, local_authority: Option<Uuid>) -> Self {
        Target {
            person: Some(person),
            local_authority,
            ..Target::default()
        }
    }

    /// A record about a person that has workers assigned to it.
    pub fn assigned(person: Uuid, local_authority: Uuid, workers: [Option<Uuid>; 2]) -> Self {
        Target {
            person: Some(person),
            local_authority: Some(local_authority),
            workers,
            ..Target::default()
        }
    }

    /// A record about a person held by a commissioned provider for an
    /// authority, with the provider's worker assigned to it (if any).
    pub fn provided(
        person: Uuid,
        local_authority: Uuid,
        provider: Uuid,
        worker: Option<Uuid>,
    ) -> Self {
        Target {
            person: Some(person),
            local_authority: Some(local_authority),
            workers: [worker, None],
            provider: Some(provider),
            ..Target::default()
        }
    }

    /// An authority's contract with a provider it commissions.
    pub fn contract(local_authority: Uuid, provider: Uuid) -> Self {
        Target {
            local_authority: Some(local_authority),
            provider: Some(provider),
            ..Target::default()
        }
    }

    pub fn local_authority(local_authority: Uuid) -> Self {
        Target {
            local_authority: Some(local_authority),
            ..Target::default()
        }
    }

    /// An organisation's own administration (its people and settings).
    pub fn organisation(organisation: Uuid) -> Self {
        Target {
            organisation: Some(organisation),
            ..Target::default()
        }
    }

    /// A platform-level target (no person, no authority).
    pub fn platform() -> Self {
        Target::default()
    }
}

/// The records a viewer can reach for one action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// Everything (platform administration only).
    pub everything: bool,
    /// The viewer's own person record and what is about it.
    pub own_person: Option<Uuid>,
    /// Records held by these local authorities.
    pub local_authorities: BTreeSet<Uuid>,
    /// Records this worker is assigned to (a plan's key worker or personal
    /// adviser), held by one of `assigned_authorities`.
    pub assigned_worker: Option<Uuid>,
    pub assigned_authorities: BTreeSet<Uuid>,
    /// Records a provider holds for an authority that commissions it:
    /// (provider organisation, local authority).
    pub provided: BTreeSet<(Uuid, Uuid)>,
    /// Organisations whose own administration is in reach.
    pub organisations: BTreeSet<Uuid>,
}

impl Scope {
    pub fn is_empty(&self) -> bool {
        !self.everything
            && self.own_person.is_none()
            && self.local_authorities.is_empty()
            && (self.assigned_worker.is_none() || self.assigned_authorities.is_empty())
            && self.provided.is_empty()
            && self.organisations.is_empty()
    }

    pub fn covers(&self, target: &Target) -> bool {
        if self.everything {
            return true;
        }
        let own = self.own_person.is_some() && target.person == self.own_person;
        let authority = target
            .local_authority
            .is_some_and(|la| self.local_authorities.contains(&la));
        let assigned = self.assigned_worker.is_some()
            && target.workers.contains(&self.assigned_worker)
            && target
                .local_authority
                .is_some_and(|la| self.assigned_authorities.contains(&la));
        let provided = target
            .provider
            .zip(target.local_authority)
            .is_some_and(|pair| self.provided.contains(&pair));
        let organisation = target
            .organisation
            .is_some_and(|org| self.organisations.contains(&org));
        own || authority || assigned || provided || organisation
    }

    /// The SQL filter for this scope in hand-written SQL, over a table's
    /// person and authority columns and (for assigned records) its worker
    /// columns; parameters are appended to `params`. `None` when nothing is
    /// visible.
    pub fn sql(
        &self,
        person: &str,
        authority: &str,
        workers: Option<[&str; 2]>,
        params: &mut Vec<sea_orm::Value>,
    ) -> Option<String> {
        self.sql_for(
            ScopeColumns {
                person,
                authority,
                workers,
                provider: None,
            },
            params,
        )
    }

    /// [`Scope::sql`] for a table that also names the provider holding
    /// each record.
    pub fn sql_for(
        &self,
        columns: ScopeColumns<'_>,
        params: &mut Vec<sea_orm::Value>,
    ) -> Option<String> {
        let ScopeColumns {
            person,
            authority,
            workers,
            provider,
        } = columns;
        if self.everything {
            return Some("TRUE".into());
        }
        let mut any = Vec::new();
        let authorities_in = |set: &BTreeSet<Uuid>, params: &mut Vec<sea_orm::Value>| {
            let list: Vec<String> = set
                .iter()
                .map(|la| {
                    params.push((*la).into());
                    format!("${}", params.len())
                })
                .collect();
            format!("{authority} IN ({})", list.join(", "))
        };
        if let Some(me) = self.own_person {
            params.push(me.into());
            any.push(format!("{person} = ${}", params.len()));
        }
        if !self.local_authorities.is_empty() {
            any.push(authorities_in(&self.local_authorities, params));
        }
        if let (Some(me), Some([a, b])) = (self.assigned_worker, workers)
            && !self.assigned_authorities.is_empty()
        {
            let within = authorities_in(&self.assigned_authorities, params);
            params.push(me.into());
            let n = params.len();
            any.push(format!("({within} AND ({a} = ${n} OR {b} = ${n}))"));
        }
        if let Some(provider) = provider {
            for (organisation, la) in &self.provided {
                params.push((*organisation).into());
                params.push((*la).into());
                let n = params.len();
                any.push(format!("({provider} = ${} AND {authority} = ${n})", n - 1));
            }
        }
        (!any.is_empty()).then(|| format!("({})", any.join(" OR ")))
    }

    /// The SQL filter for this scope over a table's person and authority
    /// columns; `None` when nothing is visible (the caller returns no rows
    /// without querying).
    pub fn condition<P: ColumnTrait, L: ColumnTrait>(
        &self,
        person_column: Option<P>,
        authority_column: Option<L>,
    ) -> Option<Condition> {
        if self.everything {
            return Some(Condition::all());
        }
        let mut any = Condition::any();
        let mut terms = 0;
        if let (Some(person), Some(column)) = (self.own_person, person_column) {
            any = any.add(column.eq(person));
            terms += 1;
        }
        if let Some(column) = authority_column
            && !self.local_authorities.is_empty()
        {
            any = any.add(column.is_in(self.local_authorities.iter().copied()));
            terms += 1;
        }
        (terms > 0).then_some(any)
    }

    /// The authorities in reach, for hand-written SQL.
    pub fn authorities(&self) -> Vec<Uuid> {
        self.local_authorities.iter().copied().collect()
    }
}

/// The columns a hand-written statement filters by a [`Scope`]:
/// `workers` for records with assigned workers, `provider` for records a
/// commissioned provider holds.
#[derive(Debug, Clone, Copy)]
pub struct ScopeColumns<'a> {
    pub person: &'a str,
    pub authority: &'a str,
    pub workers: Option<[&'a str; 2]>,
    pub provider: Option<&'a str>,
}

/// Which part of a grant an action reaches.
enum Reach {
    Nothing,
    OwnPerson,
    GrantAuthorities,
    /// Records in the grant's authorities that the viewer is assigned to.
    AssignedInGrantAuthorities,
    /// Records the grant's organisation holds as a provider for the
    /// grant's authorities (those that commission it).
    ProvidedInGrantAuthorities,
    /// The grant's organisation's own administration.
    GrantOrganisation,
    Everything,
}

/// The rule table for staff, young people and carers.
fn account_reach(role: Role, action: Action) -> Reach {
    use Action::*;
    use Role::*;
    match (action, role) {
        (ReadYoungPerson, YoungPerson) => Reach::OwnPerson,
        (ReadYoungPerson, KeyWorker | PersonalAdviser | Referrer | LaManager) => {
            Reach::GrantAuthorities
        }
        (ReadYoungPersonDateOfBirth, YoungPerson) => Reach::OwnPerson,
        (ReadYoungPersonDateOfBirth, PersonalAdviser | LaManager) => Reach::GrantAuthorities,
        (ReadAuditTrail, LaManager) => Reach::GrantAuthorities,
        (ReadActivityLog, YoungPerson | KinshipCarer) => Reach::OwnPerson,
        (ManageApiClients | ManageJobs, PlatformAdmin) => Reach::Everything,
        (ManageOwnNotifications, _) => Reach::OwnPerson,
        (ReadDashboard, LaManager) => Reach::GrantAuthorities,
        (ReadTraining | BookTraining, TrainingCoordinator) => Reach::GrantAuthorities,
        (ReadTraining | BookTraining, KinshipCarer | YoungPerson) => Reach::OwnPerson,
        (ReadTraining, Facilitator) => Reach::GrantAuthorities,
        (ManageTrainingCatalogue | RunTrainingSessions, TrainingCoordinator) => {
            Reach::ProvidedInGrantAuthorities
        }
        (RunTrainingSessions, Facilitator) => Reach::AssignedInGrantAuthorities,
        (ReadPlan | ContributeToOwnPlan, YoungPerson) => Reach::OwnPerson,
        (ReadPlan | EditPlan, KeyWorker | PersonalAdviser) => Reach::AssignedInGrantAuthorities,
        (ReadPlan | DecideClaims | ReadCareLeaverReturns, LaManager) => Reach::GrantAuthorities,
        (ManageCareLeavers, PersonalAdviser | LaManager) => Reach::GrantAuthorities,
        (RequestAdvocacy, YoungPerson) => Reach::OwnPerson,
        (RequestAdvocacy, KeyWorker | PersonalAdviser | Referrer | LaManager) => {
            Reach::GrantAuthorities
        }
        (ReadAdvocacyStatus | SetAdvocacyTerms, LaManager) => Reach::GrantAuthorities,
        (ReadAdvocacyStatus | ReadAdvocacyContent | WorkAdvocacy, Advocate) => {
            Reach::AssignedInGrantAuthorities
        }
        (
            ReadAdvocacyStatus | ReadAdvocacyContent | ManageAdvocacy | WorkAdvocacy,
            AdvocacyManager,
        ) => Reach::ProvidedInGrantAuthorities,
        (ReadOwnAdvocacy | WithdrawOwnAdvocacy, YoungPerson) => Reach::OwnPerson,
        (ManageOrganisations | ManageStaff | ConfigureSignIn, PlatformAdmin) => Reach::Everything,
        (ManageStaff | ConfigureSignIn, OrganisationAdmin) => Reach::GrantOrganisation,
        (InviteYoungPeople, KeyWorker | PersonalAdviser | LaManager) => Reach::GrantAuthorities,
        (AddKinshipCarers, TrainingCoordinator | LaManager) => Reach::GrantAuthorities,
        (ManageOwnAccount, _) => Reach::OwnPerson,
        _ => Reach::Nothing,
    }
}

/// The scope an API client needs for an action (none: clients never may).
fn client_scope_for(action: Action) -> Option<ClientScope> {
    match action {
        Action::ReadDashboard => Some(ClientScope::DashboardRead),
        Action::ReadTraining => Some(ClientScope::TrainingRead),
        Action::BookTraining => Some(ClientScope::TrainingBook),
        _ => None,
    }
}

fn account_scope(viewer: &AccountViewer, action: Action) -> Scope {
    let mut scope = Scope::default();
    for grant in &viewer.grants {
        match account_reach(grant.role, action) {
            Reach::Nothing => {}
            Reach::OwnPerson => scope.own_person = Some(viewer.person_id),
            Reach::GrantAuthorities => scope
                .local_authorities
                .extend(grant.local_authorities.iter().copied()),
            Reach::AssignedInGrantAuthorities => {
                scope.assigned_worker = Some(viewer.person_id);
                scope
                    .assigned_authorities
                    .extend(grant.local_authorities.iter().copied());
            }
            Reach::ProvidedInGrantAuthorities => scope.provided.extend(
                grant
                    .local_authorities
                    .iter()
                    .map(|la| (grant.organisation_id, *la)),
            ),
            Reach::GrantOrganisation => {
                scope.organisations.insert(grant.organisation_id);
            }
            Reach::Everything => scope.everything = true,
        }
    }
    scope
}

fn client_scope(viewer: &ClientViewer, action: Action) -> Scope {
    match client_scope_for(action) {
        Some(needed) if viewer.scopes.contains(&needed) => Scope {
            local_authorities: viewer.local_authorities.iter().copied().collect(),
            ..Scope::default()
        },
        _ => Scope::default(),
    }
}

/// The records the viewer can reach for an action.
pub fn scope(viewer: &Viewer, action: Action) -> Scope {
    match viewer {
        Viewer::Anonymous => Scope::default(),
        Viewer::Account(account) => account_scope(account, action),
        Viewer::Client(client) => client_scope(client, action),
    }
}

pub fn allows(viewer: &Viewer, action: Action, target: &Target) -> bool {
    scope(viewer, action).covers(target)
}

/// `Ok` when allowed; otherwise `UNAUTHENTICATED` for an anonymous viewer
/// and `FORBIDDEN` for anyone else.
pub fn authorize(viewer: &Viewer, action: Action, target: &Target) -> AppResult<()> {
    if allows(viewer, action, target) {
        return Ok(());
    }
    match viewer {
        Viewer::Anonymous => Err(AppError::Unauthenticated),
        _ => Err(AppError::Forbidden),
    }
}

/// The viewer's scope for a list: `UNAUTHENTICATED` when anonymous (so a
/// signed-out app is told to sign in rather than shown an empty list).
pub fn list_scope(viewer: &Viewer, action: Action) -> AppResult<Scope> {
    if matches!(viewer, Viewer::Anonymous) {
        return Err(AppError::Unauthenticated);
    }
    Ok(scope(viewer, action))
}

#[cfg(test)]
mod tests;
