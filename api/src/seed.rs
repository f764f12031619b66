//! Synthetic demo data. No real people, places or cases: the authorities,
//! organisations and people below are invented (ONS codes in an unassigned
//! 099xxx range, email addresses under the reserved `.example` domain).

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

use crate::{
    error::AppResult,
    identity::{
        model::{Email, Role, SERVICE_ADVOCACY, SERVICE_KINSHIP_TRAINING},
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

/// Its Argon2id hash (OWASP parameters), computed once and kept here: the
/// password is public, and hashing it at every fresh start would cost
/// 30 ms and leave 19 MiB of Argon2 working memory in the allocator's
/// cache of an otherwise idle process.
pub const DEMO_STAFF_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$vHv3q0x5Rby5FMlbgbblYA$KlwunprDf0jHKQTumbtTGrgmnNxf8DYC8Ty2GeAB1I0";

/// An account to create (skipped when the email exists).
struct Demo<'a> {
    email: &'a str,
    names: (&'a str, &'a str),
    hash: Option<&'a str>,
    date_of_birth: Option<NaiveDate>,
    local_authority: Option<Uuid>,
    roles: &'a [(Role, Uuid)],
}

/// Returns the account's person id.
async fn account(db: &impl ConnectionTrait, demo: Demo<'_>) -> AppResult<Uuid> {
    let Demo {
        email,
        names,
        hash,
        date_of_birth,
        local_authority,
        roles,
    } = demo;
    let email = Email::parse("email", email)?;
    if let Some(existing) = store::account_by_email(db, &email).await? {
        return Ok(existing.person_id);
    }
    store::insert_account(
        db,
        NewAccount {
            given_name: names.0,
            family_name: names.1,
            email: &email,
            password_hash: hash.map(str::to_string),
            date_of_birth,
            local_authority_id: local_authority,
            roles,
        },
    )
    .await?;
    store::account_by_email(db, &email)
        .await?
        .map(|a| a.person_id)
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("demo account vanished")))
}

/// Two staff of one role in one organisation (demo advocates,
/// facilitators); their person ids.
async fn pair(
    db: &impl ConnectionTrait,
    people: [(&str, (&str, &str)); 2],
    role: (Role, Uuid),
) -> AppResult<[Uuid; 2]> {
    let mut ids = [Uuid::nil(); 2];
    for (slot, (email, names)) in ids.iter_mut().zip(people) {
        *slot = account(
            db,
            Demo {
                email,
                names,
                hash: Some(DEMO_STAFF_PASSWORD_HASH),
                date_of_birth: None,
                local_authority: None,
                roles: &[role],
            },
        )
        .await?;
    }
    Ok(ids)
}

async fn commission(
    db: &impl ConnectionTrait,
    organisation: Uuid,
    local_authority: Uuid,
    service: &str,
    from: NaiveDate,
) -> AppResult<()> {
    if store::commission_exists(db, organisation, local_authority, service).await? {
        return Ok(());
    }
    store::insert_commission(db, organisation, local_authority, service, from).await
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
    let hash = Some(DEMO_STAFF_PASSWORD_HASH);
    let platform = organisation(&txn, "Closeknit Platform Team", "platform", None).await?;
    let advocacy = organisation(&txn, "Brightvoice Advocacy", "advocacy_provider", None).await?;
    let training =
        organisation(&txn, "Kinship Learning Network", "training_provider", None).await?;
    account(
        &txn,
        Demo {
            email: "admin@closeknit.example",
            names: ("Morgan", "Admin"),
            hash,
            date_of_birth: None,
            local_authority: None,
            roles: &[(Role::PlatformAdmin, platform)],
        },
    )
    .await?;
    account(
        &txn,
        Demo {
            email: "advocacy.manager@brightvoice.example",
            names: ("Priya", "Manager"),
            hash,
            date_of_birth: None,
            local_authority: None,
            roles: &[(Role::AdvocacyManager, advocacy)],
        },
    )
    .await?;
    let advocates = pair(
        &txn,
        [
            ("advocate@brightvoice.example", ("Sam", "Advocate")),
            ("advocate.two@brightvoice.example", ("Jo", "Speaker")),
        ],
        (Role::Advocate, advocacy),
    )
    .await?;
    account(
        &txn,
        Demo {
            email: "training.coordinator@kinshiplearning.example",
            names: ("Jo", "Coordinator"),
            hash,
            date_of_birth: None,
            local_authority: None,
            roles: &[(Role::TrainingCoordinator, training)],
        },
    )
    .await?;
    let facilitators = pair(
        &txn,
        [
            (
                "facilitator@kinshiplearning.example",
                ("Rowan", "Facilitator"),
            ),
            ("facilitator.two@kinshiplearning.example", ("Kit", "Leader")),
        ],
        (Role::Facilitator, training),
    )
    .await?;
    // Each provider's own administrator (manages its staff).
    for (email, names, org) in [
        (
            "org.admin@brightvoice.example",
            ("Ash", "Administrator"),
            advocacy,
        ),
        (
            "org.admin@kinshiplearning.example",
            ("Drew", "Administrator"),
            training,
        ),
    ] {
        account(
            &txn,
            Demo {
                email,
                names,
                hash,
                date_of_birth: None,
                local_authority: None,
                roles: &[(Role::OrganisationAdmin, org)],
            },
        )
        .await?;
    }
    let mut carers = Vec::new();

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
            (
                "org.admin",
                ("Jamie", "Administrator"),
                Role::OrganisationAdmin,
                team,
            ),
        ];
        let mut staff_ids = Vec::new();
        for (user, names, role, org) in staff {
            let id = account(
                &txn,
                Demo {
                    email: &format!("{user}@{domain}"),
                    names,
                    hash,
                    date_of_birth: None,
                    local_authority: la_id,
                    roles: &[(role, org)],
                },
            )
            .await?;
            staff_ids.push((role, id));
        }
        // Six young people per authority (one passwordless account each),
        // so "own" and "another young person" can both be tried, in the
        // situations of the Staying Close demo (see staying_close::demo).
        let mut young_people = Vec::new();
        for (user, names, born) in crate::staying_close::demo::YOUNG_PEOPLE {
            let id = account(
                &txn,
                Demo {
                    email: &format!("{user}@{domain}"),
                    names,
                    hash: None,
                    date_of_birth: NaiveDate::from_ymd_opt(born.0, born.1, born.2),
                    local_authority: la_id,
                    roles: &[(Role::YoungPerson, team)],
                },
            )
            .await?;
            young_people.push(id);
        }
        let worker = |role| {
            staff_ids
                .iter()
                .find(|(r, _)| *r == role)
                .map(|(_, id)| *id)
        };
        crate::staying_close::demo::load(
            &txn,
            crate::staying_close::demo::Authority {
                id: la.id,
                home,
                key_worker: worker(Role::KeyWorker),
                personal_adviser: worker(Role::PersonalAdviser),
                extends_to_25: code.as_str() == DEMO_AUTHORITIES[1].0,
                index: u8::from(code.as_str() == DEMO_AUTHORITIES[1].0),
            },
            &young_people,
        )
        .await?;
        // Two kinship carers per authority, for bookings in every state.
        for (user, names) in [
            ("kinship.carer", ("Casey", "Carer")),
            ("kinship.carer.two", ("Morgan", "Kin")),
        ] {
            let carer = account(
                &txn,
                Demo {
                    email: &format!("{user}@{domain}"),
                    names,
                    hash: None,
                    date_of_birth: None,
                    local_authority: la_id,
                    roles: &[(Role::KinshipCarer, team)],
                },
            )
            .await?;
            carers.push(carer);
        }
        // The advocacy provider serves both authorities; the training
        // provider only the first (so its coordinator has an "other" one).
        let from = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default();
        commission(&txn, advocacy, la.id, SERVICE_ADVOCACY, from).await?;
        if let Some(social_worker) = worker(Role::Referrer) {
            crate::advocacy::demo::load(
                &txn,
                &crate::advocacy::demo::Authority {
                    id: la.id,
                    provider: advocacy,
                    advocates,
                    social_worker,
                    young_people: &young_people,
                },
            )
            .await?;
        }
        if code.as_str() == DEMO_AUTHORITIES[0].0 {
            commission(&txn, training, la.id, SERVICE_KINSHIP_TRAINING, from).await?;
        }
    }
    crate::training::demo::load(
        &txn,
        &crate::training::demo::Provider {
            id: training,
            facilitators,
            carers: &carers,
        },
    )
    .await?;
    txn.commit().await?;
    tracing::info!("demo data loaded");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::password;

    #[test]
    fn the_stored_demo_hash_is_the_demo_password() {
        assert!(password::verify(
            DEMO_STAFF_PASSWORD,
            Some(DEMO_STAFF_PASSWORD_HASH)
        ));
        assert!(!password::verify(
            "closeknit-demo-passwore",
            Some(DEMO_STAFF_PASSWORD_HASH)
        ));
    }
}
