//! Setting up or correcting a young person's care-leaver profile.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::{
    model::{self, CareLeaverCategory},
    store,
};
use crate::audit::AuditAction;
use crate::clock::today;
use crate::staying_close::plan::service::Done;
use crate::{
    change::{Audited, Call},
    error::{AppError, AppResult},
    identity::store as identity_store,
    identity::{directory, model::Role},
    policy::{self, Action, Target},
    start_change,
};

#[derive(Debug, Serialize)]
pub(super) struct ProfileInput {
    pub person: Uuid,
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    pub childrens_home: Option<Uuid>,
}

/// Sets up or corrects a young person's care-leaver profile.
pub(super) async fn save_profile(call: &Call<'_>, input: ProfileInput) -> AppResult<Done> {
    let tx = start_change!(call, "saveCareLeaverProfile", &input);
    let person =
        identity_store::person(&tx.txn, input.person)
            .await?
            .ok_or(AppError::NotFound {
                entity: "YoungPerson",
            })?;
    let target = Target::person(person.id, person.local_authority_id);
    if !policy::allows(call.viewer, Action::ReadYoungPerson, &target) {
        return Err(AppError::NotFound {
            entity: "YoungPerson",
        });
    }
    policy::authorize(call.viewer, Action::ManageCareLeavers, &target)?;
    let la = person.local_authority_id.ok_or_else(|| {
        AppError::bad_input("youngPersonId", "has no responsible local authority")
    })?;
    if !directory::holds_role_in(&tx.txn, person.id, Role::YoungPerson, la).await? {
        return Err(AppError::bad_input(
            "youngPersonId",
            "is not a young person",
        ));
    }
    let child_ref = model::child_ref(&input.child_ref)?;
    let born = person.date_of_birth.ok_or_else(|| {
        AppError::bad_input("youngPersonId", "needs a date of birth on their profile")
    })?;
    model::check_category(input.category, input.left_care_on, born, today())?;
    if let Some(home) = input.childrens_home {
        match directory::organisation(&tx.txn, home).await? {
            Some((_, kind, _)) if kind == "childrens_home" => {}
            _ => {
                return Err(AppError::bad_input(
                    "childrensHomeId",
                    "is not a children's home",
                ));
            }
        }
    }
    let existed = store::care_leaver(&tx.txn, person.id).await?.is_some();
    let saved = store::save_care_leaver(
        &tx.txn,
        store::CareLeaverChange {
            person_id: person.id,
            local_authority_id: la,
            child_ref: &child_ref,
            category: input.category,
            left_care_on: input.left_care_on,
            childrens_home_id: input.childrens_home,
        },
    )
    .await?;
    if !saved {
        return Err(AppError::bad_input(
            "childRef",
            "is already used for another young person in this authority",
        ));
    }
    tx.commit(
        Audited {
            action: if existed {
                AuditAction::CareLeaverUpdate
            } else {
                AuditAction::CareLeaverCreate
            },
            record: ("CareLeaver", person.id),
            fields: &["childRef", "category", "leftCareOn", "childrensHome"],
            target: &target,
        },
        Done {
            plan_id: None,
            record_id: Some(person.id),
            version: None,
        },
    )
    .await
}
