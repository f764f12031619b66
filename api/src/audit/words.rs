//! The audit trail in plain words, for a young person's or carer's own
//! activity log ("who looked at my records"). Written for a reading age of
//! about 11: short sentences, no codes.

use super::store::AuditRow;

/// A role in everyday words.
pub fn role_words(role: &str) -> &'static str {
    match role {
        "young_person" => "a young person",
        "kinship_carer" => "a kinship carer",
        "key_worker" => "your key worker",
        "personal_adviser" => "a personal adviser",
        "referrer" => "a social worker",
        "advocate" => "an advocate",
        "advocacy_manager" => "an advocacy manager",
        "training_coordinator" => "a training coordinator",
        "la_manager" => "a manager",
        "platform_admin" => "a Closeknit administrator",
        _ => "someone",
    }
}

/// What was touched, as the person would name it.
fn record_words(record_type: &str) -> &'static str {
    match record_type {
        "YoungPerson" => "your profile",
        "Plan" | "StayingClosePlan" => "your Staying Close plan",
        "AdvocacyRequest" => "your advocacy request",
        "Booking" => "your training booking",
        _ => "your records",
    }
}

/// Who did it: "You", or "Chris Adviser (a personal adviser at Northmoor
/// Children's Services)", or an app's name.
fn who(row: &AuditRow, own_account: uuid::Uuid) -> String {
    if row.actor_account_id == Some(own_account) {
        return "You".into();
    }
    let name = row.actor_name.as_deref().unwrap_or("Someone");
    if row.actor_client_id.is_some() {
        return format!("The app \"{name}\"");
    }
    match (&row.actor_role, &row.actor_organisation) {
        (Some(role), Some(org)) => format!("{name} ({} at {org})", role_words(role)),
        (Some(role), None) => format!("{name} ({})", role_words(role)),
        _ => name.to_string(),
    }
}

/// One sentence describing an audit record.
pub fn describe(row: &AuditRow, own_account: uuid::Uuid) -> String {
    let who = who(row, own_account);
    let what = record_words(&row.record_type);
    let verb = row.action.rsplit('.').next().unwrap_or_default();
    match row.action.as_str() {
        "session.create" => format!("{who} signed in."),
        "session.end" => format!("{who} signed out."),
        "session.end_all" => format!("{who} signed out on every device."),
        "report.oc3" | "report.oc3.export" => format!(
            "{who} included you in the yearly care leavers return to the Department for Education."
        ),
        _ => match verb {
            "read" => format!("{who} looked at {what}."),
            "create" => format!("{who} added to {what}."),
            "update" | "edit" => format!("{who} changed {what}."),
            "delete" | "remove" => format!("{who} removed something from {what}."),
            _ => format!("{who} used {what}."),
        },
    }
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
            ),
            "Chris Adviser (a personal adviser at Northmoor Children's Services) looked at your profile."
        );
        assert_eq!(
            describe(&row("session.create", Some(me), Some("young_person")), me),
            "You signed in."
        );
        assert_eq!(
            describe(&row("report.oc3", other, Some("la_manager")), me),
            "Chris Adviser (a manager at Northmoor Children's Services) included you in the \
             yearly care leavers return to the Department for Education."
        );
    }
}
