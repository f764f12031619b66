//! Asking for an advocate: a young person for themselves or a worker on
//! their behalf (instructed), or a professional for a child who cannot
//! instruct (non-instructed). The request goes to the advocacy provider
//! the child's authority commissions.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    model::{self, AdvocacyKind, Instructed, NonInstructed, Relationship, Urgency},
    store::{self, AdvocacyEventType, DetailsRow, EventRow, NewRequest},
};
use crate::advocacy::{lifecycle::model::AdvocacyState, notices, timescales};
use crate::{
    audit::AuditAction,
    change::{Audited, Call, Change},
    clock::today,
    error::{AppError, AppResult},
    identity::{
        directory,
        model::SERVICE_ADVOCACY,
        people::children::{self, Child, NewChild},
    },
    policy::{self, Action, Target},
    start_change, text,
};

/// What a change to a request returns (and a replay returns again).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Done {
    pub request_id: Uuid,
    pub version: i32,
}

/// Who an instructed request is for.
#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct OnBehalf {
    pub child: Uuid,
    pub relationship: Relationship,
    /// The young person agreed that the referrer may follow its progress.
    pub told_progress: bool,
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct InstructedInput {
    /// `None`: the signed-in young person asks for themselves.
    pub on_behalf: Option<OnBehalf>,
    pub provider: Option<Uuid>,
    pub urgency: Urgency,
    pub request: Instructed,
}

/// The child of a non-instructed referral: one on record, or a new one.
#[derive(Debug, Serialize)]
pub(in crate::advocacy) enum ChildInput {
    Existing(Uuid),
    New {
        given_name: String,
        family_name: String,
        date_of_birth: NaiveDate,
        local_authority: Uuid,
    },
}

#[derive(Debug, Serialize)]
pub(in crate::advocacy) struct NonInstructedInput {
    pub child: ChildInput,
    pub relationship: Relationship,
    pub provider: Option<Uuid>,
    pub urgency: Urgency,
    pub referral: NonInstructed,
}

/// A young person asks for an advocate, or a worker asks on their behalf.
pub(in crate::advocacy) async fn request_instructed(
    call: &Call<'_>,
    input: InstructedInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "requestAdvocacy", &input);
    let (child_id, relationship, told) = match &input.on_behalf {
        None => {
            for_themselves(call)?;
            (tx.actor.person_id, Relationship::YoungPerson, false)
        }
        Some(b) if b.relationship == Relationship::YoungPerson => {
            return Err(AppError::bad_input(
                "onBehalf.referrerRelationship",
                "say how you know the young person (a young person asks for themselves \
                 without `onBehalf`)",
            ));
        }
        Some(b) if b.child == tx.actor.person_id => {
            return Err(AppError::bad_input(
                "onBehalf.youngPersonId",
                "is you: ask for yourself without `onBehalf`",
            ));
        }
        Some(b) => (b.child, b.relationship, b.told_progress),
    };
    let child = existing_child(&tx, child_id, "youngPersonId").await?;
    let request = input.request.checked()?;
    let details = DetailsRow {
        request_id: Uuid::nil(),
        subject: request.subject,
        eligibility: request.eligibility,
        in_their_words: Some(request.in_their_words),
        contact_methods: request.contact_methods,
        contact_times: request.contact_times,
        communication_needs: request.communication.needs,
        language: request.communication.language,
        interpreter_needed: request.communication.interpreter_needed,
        why_not_instructed: None,
        knows_child_best: None,
        upcoming_decisions: Vec::new(),
        referral_basis: None,
        what_changed: None,
        child_view: None,
    };
    let submission = Submission {
        kind: AdvocacyKind::Instructed,
        urgency: input.urgency,
        relationship,
        told_progress: told,
        provider: input.provider,
    };
    submit(tx, child, submission, details).await
}

/// A professional refers a child who cannot instruct an advocate.
pub(in crate::advocacy) async fn refer_non_instructed(
    call: &Call<'_>,
    input: NonInstructedInput,
) -> AppResult<Done> {
    let tx = start_change!(call, "referForNonInstructedAdvocacy", &input);
    model::check_referrer(AdvocacyKind::NonInstructed, input.relationship)?;
    if !tx.actor.grants.iter().any(|g| g.role.is_staff()) {
        return Err(AppError::bad_input(
            "referrerRelationship",
            "a non-instructed request is made by a professional who works with the child",
        ));
    }
    let referral = input.referral.checked(today())?;
    let child = match &input.child {
        ChildInput::Existing(id) => existing_child(&tx, *id, "child.youngPersonId").await?,
        ChildInput::New {
            given_name,
            family_name,
            date_of_birth,
            local_authority,
        } => {
            tx.authorise(
                &Target::local_authority(*local_authority),
                &[Action::RequestAdvocacy],
                Action::RequestAdvocacy,
                "LocalAuthority",
            )?;
            model::check_age(*date_of_birth, today())?;
            children::create_child(
                &tx.txn,
                NewChild {
                    given_name: &text::name("child.givenName", given_name, 100)?,
                    family_name: &text::name("child.familyName", family_name, 100)?,
                    date_of_birth: *date_of_birth,
                    local_authority_id: *local_authority,
                },
            )
            .await?
        }
    };
    let details = DetailsRow {
        request_id: Uuid::nil(),
        subject: referral.subject,
        eligibility: referral.eligibility,
        in_their_words: None,
        contact_methods: Vec::new(),
        contact_times: None,
        communication_needs: referral.communication.needs,
        language: referral.communication.language,
        interpreter_needed: referral.communication.interpreter_needed,
        why_not_instructed: Some(referral.why_not_instructed),
        knows_child_best: Some(referral.knows_child_best),
        upcoming_decisions: referral.upcoming_decisions,
        referral_basis: Some(referral.referral_basis),
        what_changed: None,
        child_view: None,
    };
    let submission = Submission {
        kind: AdvocacyKind::NonInstructed,
        urgency: input.urgency,
        relationship: input.relationship,
        told_progress: true,
        provider: input.provider,
    };
    submit(tx, child, submission, details).await
}

/// A child on record whom the viewer may ask for an advocate for, of an
/// age to have one.
/// Only a young person asks for an advocate for themselves: staff who
/// may ask for others are told to name the young person (`onBehalf`);
/// anyone else may not ask at all.
fn for_themselves(call: &Call<'_>) -> AppResult<()> {
    let me = call.viewer.account_viewer()?.person_id;
    if policy::allows(
        call.viewer,
        Action::RequestAdvocacy,
        &Target::person(me, None),
    ) {
        Ok(())
    } else if !policy::scope(call.viewer, Action::RequestAdvocacy).is_empty() {
        Err(AppError::bad_input(
            "onBehalf",
            "say which young person you are asking for",
        ))
    } else {
        Err(AppError::Forbidden)
    }
}

async fn existing_child(tx: &Change<'_>, id: Uuid, field: &str) -> AppResult<Child> {
    let child = children::child(&tx.txn, id)
        .await?
        .ok_or(AppError::NotFound {
            entity: "YoungPerson",
        })?;
    tx.authorise(
        &Target::person(child.id, Some(child.local_authority_id)),
        &[Action::RequestAdvocacy],
        Action::ReadYoungPerson,
        "YoungPerson",
    )
    .map_err(|err| match err {
        AppError::NotFound { .. } => AppError::bad_input(field, "is not a child you can refer"),
        other => other,
    })?;
    model::check_age(child.date_of_birth, today())?;
    Ok(child)
}

struct Submission {
    kind: AdvocacyKind,
    urgency: Urgency,
    relationship: Relationship,
    told_progress: bool,
    provider: Option<Uuid>,
}

/// The provider that takes requests for the child's authority: the one
/// chosen, if the authority commissions it, or the only one it does.
async fn provider_for(tx: &Change<'_>, la: Uuid, chosen: Option<Uuid>) -> AppResult<Uuid> {
    let providers =
        directory::commissioned_providers(&tx.txn, la, SERVICE_ADVOCACY, today()).await?;
    match (chosen, providers.as_slice()) {
        (_, []) => Err(AppError::bad_input(
            "youngPersonId",
            "the child's local authority has no advocacy provider commissioned: contact its \
             children's rights service",
        )),
        (Some(id), list) if list.contains(&id) => Ok(id),
        (Some(_), _) => Err(AppError::bad_input(
            "providerId",
            "is not an advocacy provider the child's local authority commissions",
        )),
        (None, [only]) => Ok(*only),
        (None, _) => Err(AppError::bad_input(
            "providerId",
            "the child's local authority commissions more than one advocacy provider: choose one",
        )),
    }
}

async fn submit(
    tx: Box<Change<'_>>,
    child: Child,
    s: Submission,
    mut details: DetailsRow,
) -> AppResult<Done> {
    let provider = provider_for(&tx, child.local_authority_id, s.provider).await?;
    let id = Uuid::now_v7();
    let at = Utc::now();
    let referrer = tx.actor.person_id;
    store::insert(
        &tx.txn,
        &NewRequest {
            id,
            person_id: child.id,
            local_authority_id: child.local_authority_id,
            provider_id: provider,
            kind: s.kind,
            urgency: s.urgency,
            referrer_person_id: referrer,
            referrer_relationship: s.relationship,
            referrer_told_progress: s.told_progress,
            at,
        },
    )
    .await?;
    details.request_id = id;
    store::save_details(&tx.txn, &details, at).await?;
    store::insert_event(
        &tx.txn,
        &EventRow {
            request_id: id,
            version: 1,
            at,
            actor_person_id: Some(referrer),
            event: AdvocacyEventType::Submitted,
            state: AdvocacyState::Submitted,
            kind: s.kind,
            advocate_person_id: None,
            reason: None,
            note: None,
        },
    )
    .await?;
    let row = store::request(&tx.txn, id).await?.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!("request {id} not found after insert"))
    })?;
    timescales::service::follow(&tx.txn, &row, AdvocacyEventType::Submitted, at).await?;
    notices::received(&tx.txn, id, child.id, referrer).await?;
    let target = Target::provided(child.id, child.local_authority_id, provider, None);
    tx.commit(
        Audited {
            action: AuditAction::AdvocacySubmit,
            record: ("AdvocacyRequest", id),
            fields: &["kind", "urgency", "details"],
            target: &target,
        },
        Done {
            request_id: id,
            version: 1,
        },
    )
    .await
}
