//! The audit trail in plain words, for a young person's or carer's own
//! activity log ("who looked at my records"). Written for a reading age of
//! about 11: short sentences, no codes.

use super::{AuditAction, store::AuditRow};
use crate::{error::AppResult, identity::model::Role};

/// A role in everyday words.
pub fn role_words(role: Role) -> &'static str {
    match role {
        Role::YoungPerson => "a young person",
        Role::KinshipCarer => "a kinship carer",
        Role::KeyWorker => "your key worker",
        Role::PersonalAdviser => "a personal adviser",
        Role::Referrer => "a social worker",
        Role::Advocate => "an advocate",
        Role::AdvocacyManager => "an advocacy manager",
        Role::TrainingCoordinator => "a training coordinator",
        Role::Facilitator => "a training facilitator",
        Role::LaManager => "a manager",
        Role::OrganisationAdmin => "an administrator",
        Role::PlatformAdmin => "a Closeknit administrator",
    }
}

/// Who did it: "You", or "Chris Adviser (a personal adviser at Northmoor
/// Children's Services)", or an app's name.
fn who(row: &AuditRow, own_account: uuid::Uuid) -> AppResult<String> {
    if row.actor_account_id == Some(own_account) {
        return Ok("You".into());
    }
    let name = row.actor_name.as_deref().unwrap_or("Someone");
    if row.actor_client_id.is_some() {
        return Ok(format!("The app \"{name}\""));
    }
    let role = row.actor_role.as_deref().map(Role::parse).transpose()?;
    Ok(match (role, &row.actor_organisation) {
        (Some(role), Some(org)) => format!("{name} ({} at {org})", role_words(role)),
        (Some(role), None) => format!("{name} ({})", role_words(role)),
        _ => name.to_string(),
    })
}

/// One sentence describing an audit record: who, then what the action
/// says (`AuditAction::sentence`). A stored action or role this build does
/// not know is a data bug (`INTERNAL`).
pub fn describe(row: &AuditRow, own_account: uuid::Uuid) -> AppResult<String> {
    let action = AuditAction::parse(&row.action)?;
    Ok(format!("{} {}", who(row, own_account)?, action.sentence()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn row(action: &str, actor: Option<Uuid>, role: Option<&str>) -> AuditRow {
        AuditRow {
            id: 1,
            occurred_at: chrono::Utc::now(),
            actor_account_id: actor,
            actor_client_id: None,
            on_behalf_of_person_id: None,
            action: action.into(),
            record_type: "YoungPerson".into(),
            record_id: None,
            fields: vec![],
            subject_person_id: None,
            local_authority_id: None,
            request_id: "-".into(),
            actor_name: Some("Chris Adviser".into()),
            actor_role: role.map(str::to_string),
            actor_organisation: Some("Northmoor Children's Services".into()),
        }
    }

    #[test]
    fn sentences_are_plain() {
        let me = Uuid::now_v7();
        let other = Some(Uuid::now_v7());
        assert_eq!(
            describe(
                &row("young_person.read", other, Some("personal_adviser")),
                me
            )
            .unwrap(),
            "Chris Adviser (a personal adviser at Northmoor Children's Services) looked at your profile."
        );
        assert_eq!(
            describe(&row("session.create", Some(me), Some("young_person")), me).unwrap(),
            "You signed in."
        );
        assert_eq!(
            describe(&row("report.oc3", other, Some("la_manager")), me).unwrap(),
            "Chris Adviser (a manager at Northmoor Children's Services) included you in the \
             yearly care leavers return to the Department for Education."
        );
    }
}
