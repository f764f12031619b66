//! The policy matrix: every action × every role (and API clients and the
//! anonymous viewer) × own person / another person in the same authority /
//! a person in another authority / own authority / another authority /
//! platform. The expected table is written out by hand, not derived from
//! the rules, so a change to the rules must change this table too.

use std::sync::Arc;

use uuid::Uuid;

use super::*;
use crate::auth::viewer::{AccountViewer, ClientViewer, Grant};

struct World {
    me: Uuid,
    same_la_person: Uuid,
    other_la_person: Uuid,
    la: Uuid,
    other_la: Uuid,
    /// The organisation every test account's grant is in (a provider
    /// commissioned by `la`, for the provider's roles).
    org: Uuid,
    other_org: Uuid,
}

impl World {
    fn new() -> Self {
        World {
            me: Uuid::now_v7(),
            same_la_person: Uuid::now_v7(),
            other_la_person: Uuid::now_v7(),
            la: Uuid::now_v7(),
            other_la: Uuid::now_v7(),
            org: Uuid::now_v7(),
            other_org: Uuid::now_v7(),
        }
    }

    /// The targets, each with its letter in the expected table.
    fn targets(&self) -> [(char, Target); 14] {
        [
            ('S', Target::person(self.me, Some(self.la))),
            ('P', Target::person(self.same_la_person, Some(self.la))),
            (
                'Q',
                Target::person(self.other_la_person, Some(self.other_la)),
            ),
            ('L', Target::local_authority(self.la)),
            ('M', Target::local_authority(self.other_la)),
            ('X', Target::platform()),
            // A plan of another young person that I am assigned to, in my
            // authority and in another one.
            (
                'A',
                Target::assigned(self.same_la_person, self.la, [Some(self.me), None]),
            ),
            (
                'B',
                Target::assigned(self.other_la_person, self.other_la, [None, Some(self.me)]),
            ),
            // Records a provider holds for an authority: my organisation's
            // in my authority, unassigned and assigned to me; another
            // provider's in my authority; mine in another authority.
            (
                'R',
                Target::provided(self.same_la_person, self.la, self.org, None),
            ),
            (
                'V',
                Target::provided(self.same_la_person, self.la, self.org, Some(self.me)),
            ),
            (
                'W',
                Target::provided(self.same_la_person, self.la, self.other_org, None),
            ),
            (
                'O',
                Target::provided(self.other_la_person, self.other_la, self.org, None),
            ),
            // My organisation's own administration, and another's.
            ('G', Target::organisation(self.org)),
            ('H', Target::organisation(self.other_org)),
        ]
    }

    fn account(&self, role: Role) -> Viewer {
        // Platform admins belong to no authority; everyone else's grant
        // reaches `la` (through their organisation or a commission).
        let local_authorities = if role == Role::PlatformAdmin {
            vec![]
        } else {
            vec![self.la]
        };
        Viewer::Account(Arc::new(AccountViewer {
            account_id: Uuid::now_v7(),
            session_id: Uuid::now_v7(),
            person_id: self.me,
            grants: vec![Grant {
                role,
                organisation_id: self.org,
                local_authorities,
            }],
        }))
    }

    fn client(&self, scopes: &[ClientScope]) -> Viewer {
        Viewer::Client(Arc::new(ClientViewer {
            client_id: Uuid::now_v7(),
            scopes: scopes.to_vec(),
            local_authorities: vec![self.la],
        }))
    }
}

/// Expected reach: (action, role) → target letters allowed. Anything not
/// listed allows nothing.
fn expected(action: Action, role: Role) -> &'static str {
    use Action::*;
    use Role::*;
    match (action, role) {
        (ReadYoungPerson, YoungPerson) => "S",
        (ReadYoungPerson, KeyWorker | PersonalAdviser | Referrer | LaManager) => "SPLARVW",
        (ReadYoungPersonDateOfBirth, YoungPerson) => "S",
        (ReadYoungPersonDateOfBirth, PersonalAdviser | LaManager) => "SPLARVW",
        (ReadAuditTrail, LaManager) => "SPLARVW",
        (ReadActivityLog, YoungPerson | KinshipCarer) => "S",
        (ManageApiClients | ManageJobs, PlatformAdmin) => "SPQLMXABRVWOGH",
        (ManageOwnNotifications | ManageOwnAccount, _) => "S",
        (ReadDashboard, LaManager) => "SPLARVW",
        (ReadTraining | BookTraining, TrainingCoordinator) => "SPLARVW",
        (ReadTraining | BookTraining, KinshipCarer | YoungPerson) => "S",
        (ReadTraining, Facilitator) => "SPLARVW",
        (ManageTrainingCatalogue | RunTrainingSessions, TrainingCoordinator) => "RV",
        (RunTrainingSessions, Facilitator) => "AV",
        (ReadPlan | ContributeToOwnPlan, YoungPerson) => "S",
        (ReadPlan | EditPlan, KeyWorker | PersonalAdviser) => "AV",
        (ReadPlan | DecideClaims | ReadCareLeaverReturns, LaManager) => "SPLARVW",
        (ManageCareLeavers, PersonalAdviser | LaManager) => "SPLARVW",
        (RequestAdvocacy, YoungPerson) => "S",
        (RequestAdvocacy, KeyWorker | PersonalAdviser | Referrer | LaManager) => "SPLARVW",
        (ReadAdvocacyStatus | SetAdvocacyTerms, LaManager) => "SPLARVW",
        (ReadAdvocacyStatus | ReadAdvocacyContent | WorkAdvocacy, Advocate) => "AV",
        (
            ReadAdvocacyStatus | ReadAdvocacyContent | ManageAdvocacy | WorkAdvocacy,
            AdvocacyManager,
        ) => "RV",
        (ReadOwnAdvocacy | WithdrawOwnAdvocacy, YoungPerson) => "S",
        (ManageOrganisations | ManageStaff | ConfigureSignIn, PlatformAdmin) => "SPQLMXABRVWOGH",
        (ManageStaff | ConfigureSignIn, OrganisationAdmin) => "G",
        (InviteYoungPeople, KeyWorker | PersonalAdviser | LaManager) => "SPLARVW",
        (AddKinshipCarers, TrainingCoordinator | LaManager) => "SPLARVW",
        _ => "",
    }
}

fn reach(world: &World, viewer: &Viewer, action: Action) -> String {
    world
        .targets()
        .into_iter()
        .filter(|(_, target)| allows(viewer, action, target))
        .map(|(letter, _)| letter)
        .collect()
}

#[test]
fn every_role_reaches_exactly_what_the_table_says() {
    let world = World::new();
    let mut failures = Vec::new();
    for action in Action::ALL {
        for role in Role::ALL {
            let got = reach(&world, &world.account(role), action);
            if got != expected(action, role) {
                failures.push(format!(
                    "{action:?} by {role}: expected {:?}, got {got:?}",
                    expected(action, role)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn clients_reach_their_authorities_only_through_their_scopes() {
    let world = World::new();
    let needs = |action| match action {
        Action::ReadDashboard => Some(ClientScope::DashboardRead),
        Action::ReadTraining => Some(ClientScope::TrainingRead),
        Action::BookTraining => Some(ClientScope::TrainingBook),
        _ => None,
    };
    for action in Action::ALL {
        let everything = world.client(&ClientScope::ALL);
        let want = if needs(action).is_some() {
            "SPLARVW"
        } else {
            ""
        };
        assert_eq!(reach(&world, &everything, action), want, "{action:?}");
        for scope in ClientScope::ALL {
            let one = world.client(&[scope]);
            let want = if needs(action) == Some(scope) {
                "SPLARVW"
            } else {
                ""
            };
            assert_eq!(
                reach(&world, &one, action),
                want,
                "{action:?} with {scope:?}"
            );
        }
        assert_eq!(reach(&world, &world.client(&[]), action), "");
    }
}

#[test]
fn the_anonymous_viewer_reaches_nothing() {
    let world = World::new();
    for action in Action::ALL {
        assert_eq!(reach(&world, &Viewer::Anonymous, action), "", "{action:?}");
        assert!(scope(&Viewer::Anonymous, action).is_empty());
    }
}

#[test]
fn grants_add_up_across_roles() {
    let world = World::new();
    let viewer = Viewer::Account(Arc::new(AccountViewer {
        account_id: Uuid::now_v7(),
        session_id: Uuid::now_v7(),
        person_id: world.me,
        grants: vec![
            Grant {
                role: Role::TrainingCoordinator,
                organisation_id: Uuid::now_v7(),
                local_authorities: vec![world.la],
            },
            Grant {
                role: Role::LaManager,
                organisation_id: Uuid::now_v7(),
                local_authorities: vec![world.other_la],
            },
        ],
    }));
    // Training reaches the coordinator's authority only; audit the
    // manager's authority only: one grant's reach never leaks into another
    // action.
    assert_eq!(reach(&world, &viewer, Action::ReadTraining), "SPLARVW");
    assert_eq!(reach(&world, &viewer, Action::ReadAuditTrail), "QMBO");
}

#[test]
fn refusals_say_sign_in_or_forbidden() {
    let world = World::new();
    let target = Target::local_authority(world.la);
    assert!(matches!(
        authorize(&Viewer::Anonymous, Action::ReadAuditTrail, &target),
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        authorize(
            &world.account(Role::KeyWorker),
            Action::ReadAuditTrail,
            &target
        ),
        Err(AppError::Forbidden)
    ));
    assert!(
        authorize(
            &world.account(Role::LaManager),
            Action::ReadAuditTrail,
            &target
        )
        .is_ok()
    );
    assert!(matches!(
        list_scope(&Viewer::Anonymous, Action::ReadYoungPerson),
        Err(AppError::Unauthenticated)
    ));
}

#[test]
fn an_empty_scope_has_no_sql_condition() {
    use crate::db::entities::people::Column;
    assert!(
        Scope::default()
            .condition(Some(Column::Id), Some(Column::LocalAuthorityId))
            .is_none()
    );
    let own = Scope {
        own_person: Some(Uuid::now_v7()),
        ..Scope::default()
    };
    // A scope of authorities only says nothing about a table without an
    // authority column.
    let authorities = Scope {
        local_authorities: [Uuid::now_v7()].into(),
        ..Scope::default()
    };
    assert!(own.condition(Some(Column::Id), None::<Column>).is_some());
    assert!(
        authorities
            .condition(Some(Column::Id), None::<Column>)
            .is_none()
    );
}

#[test]
fn hand_written_sql_filters_follow_the_scope() {
    let me = Uuid::now_v7();
    let la = Uuid::now_v7();
    let mut params = Vec::new();
    assert!(
        Scope::default()
            .sql("p.person_id", "p.la", Some(["p.kw", "p.pa"]), &mut params)
            .is_none()
    );
    let assigned = Scope {
        assigned_worker: Some(me),
        assigned_authorities: [la].into(),
        ..Scope::default()
    };
    let sql = assigned
        .sql("p.person_id", "p.la", Some(["p.kw", "p.pa"]), &mut params)
        .unwrap();
    assert_eq!(sql, "((p.la IN ($1) AND (p.kw = $2 OR p.pa = $2)))");
    assert_eq!(params.len(), 2);
    // Assignment means nothing for a table without worker columns.
    assert!(
        assigned
            .sql("p.person_id", "p.la", None, &mut Vec::new())
            .is_none()
    );
    let mut params = vec![sea_orm::Value::from(1)];
    let both = Scope {
        own_person: Some(me),
        local_authorities: [la].into(),
        ..Scope::default()
    };
    assert_eq!(
        both.sql("p.person_id", "p.la", None, &mut params).unwrap(),
        "(p.person_id = $2 OR p.la IN ($3))"
    );
}

#[test]
fn a_provider_reaches_what_it_holds_for_the_authorities_that_commission_it() {
    let (provider, la, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let scope = Scope {
        provided: [(provider, la)].into(),
        ..Scope::default()
    };
    assert!(scope.covers(&Target::provided(other, la, provider, None)));
    assert!(!scope.covers(&Target::provided(other, other, provider, None)));
    assert!(!scope.covers(&Target::provided(other, la, other, None)));
    let columns = ScopeColumns {
        person: "r.person_id",
        authority: "r.la",
        workers: None,
        provider: Some("r.provider_id"),
    };
    let mut params = Vec::new();
    assert_eq!(
        scope.sql_for(columns, &mut params).unwrap(),
        "((r.provider_id = $1 AND r.la = $2))"
    );
    // Without a provider column a provider scope shows nothing.
    assert!(
        scope
            .sql("r.person_id", "r.la", None, &mut Vec::new())
            .is_none()
    );
}
