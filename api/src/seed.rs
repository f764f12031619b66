//! Synthetic demo data. No real people, places or cases: the authorities,
//! organisations and people below are invented (ONS codes in an unassigned
//! 099xxx range, email addresses under the reserved `.example` domain).

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::{
    error::AppResult,
    identity::{
        model::{Email, Role},
        password,
        store::{self, NewAccount},
    },
    reference::{model::OnsCode, store as reference},
};

/// Invented local authorities: (ONS code, name, region, email domain).
pub const DEMO_AUTHORITIES: [(&str, &str, &str, &str); 2] = [
    (
        "E06099001",
        "Northmoor Borough Council",
        "E12000002",
        "northmoor.example",
    ),
    (
        "E10099002",
        "Eastbrook County Council",
        "E12000006",
        "eastbrook.example",
    ),
];

/// The password of every demo staff account (dev only: demo data is never
/// loaded in the production profile).
pub const DEMO_STAFF_PASSWORD: &str = "closeknit-demo-password";

async fn account(
    db: &impl ConnectionTrait,
    email: &str,
    names: (&str, &str),
    hash: Option<&str>,
    local_authority: Option<Uuid>,
    roles: &[(Role, Uuid)],
) -> AppResult<()> {
    let email = Email::parse("email", email)?;
    if store::account_by_email(db, &email).await?.is_some() {
        return Ok(());
    }
    store::insert_account(
        db,
        NewAccount {
            given_name: names.0,
            family_name: names.1,
            email: &email,
            password_hash: hash.map(str::to_string),
            local_authority_id: local_authority,
            roles,
        },
    )
    .await?;
    Ok(())
}

async fn organisation(
    db: &impl ConnectionTrait,
    name: &str,
    kind: &str,
    local_authority: Option<Uuid>,
) -> AppResult<Uuid> {
    match store::organisation_by_name(db, name).await? {
        Some(org) => Ok(org.id),
        None => store::insert_organisation(db, name, kind, local_authority).await,
    }
}

/// Loads the demo data; safe to run again (existing rows are kept).
pub async fn demo(db: &DatabaseConnection) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    // One hash for every demo account keeps start-up fast.
    let hash = password::hash(DEMO_STAFF_PASSWORD)?;
    let hash = Some(hash.as_str());
    let platform = organisation(&txn, "Closeknit Platform Team", "charity", None).await?;
    let advocacy = organisation(&txn, "Brightvoice Advocacy", "advocacy_provider", None).await?;
    let training =
        organisation(&txn, "Kinship Learning Network", "training_provider", None).await?;
    account(
        &txn,
        "admin@closeknit.example",
        ("Morgan", "Admin"),
        hash,
        None,
        &[(Role::PlatformAdmin, platform)],
    )
    .await?;
    account(
        &txn,
        "advocacy.manager@brightvoice.example",
        ("Priya", "Manager"),
        hash,
        None,
        &[(Role::AdvocacyManager, advocacy)],
    )
    .await?;
    account(
        &txn,
        "advocate@brightvoice.example",
        ("Sam", "Advocate"),
        hash,
        None,
        &[(Role::Advocate, advocacy)],
    )
    .await?;
    account(
        &txn,
        "training.coordinator@kinshiplearning.example",
        ("Jo", "Coordinator"),
        hash,
        None,
        &[(Role::TrainingCoordinator, training)],
    )
    .await?;

    for (code, name, region, domain) in DEMO_AUTHORITIES {
        let code = OnsCode::parse("onsCode", code)?;
        let la = match reference::local_authority_by_code(&txn, &code).await? {
            Some(la) => la,
            None => reference::insert_local_authority(&txn, &code, name, region).await?,
        };
        let short = name.split_whitespace().next().unwrap_or(name);
        let team = organisation(
            &txn,
            &format!("{short} Children's Services"),
            "local_authority_team",
            Some(la.id),
        )
        .await?;
        let home = organisation(
            &txn,
            &format!("{short} Lodge Children's Home"),
            "childrens_home",
            Some(la.id),
        )
        .await?;
        let la_id = Some(la.id);
        let staff = [
            ("la.manager", ("Alex", "Manager"), Role::LaManager, team),
            (
                "personal.adviser",
                ("Chris", "Adviser"),
                Role::PersonalAdviser,
                team,
            ),
            ("social.worker", ("Robin", "Referrer"), Role::Referrer, team),
            ("key.worker", ("Taylor", "Keyworker"), Role::KeyWorker, home),
        ];
        for (user, names, role, org) in staff {
            account(
                &txn,
                &format!("{user}@{domain}"),
                names,
                hash,
                la_id,
                &[(role, org)],
            )
            .await?;
        }
        account(
            &txn,
            &format!("young.person@{domain}"),
            ("Jamie", "Leaver"),
            None,
            la_id,
            &[(Role::YoungPerson, team)],
        )
        .await?;
        account(
            &txn,
            &format!("kinship.carer@{domain}"),
            ("Casey", "Carer"),
            None,
            la_id,
            &[(Role::KinshipCarer, team)],
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!("demo data loaded");
    Ok(())
}
