//! What advocacy tells people, through the notification jobs (honouring
//! each person's channels and quiet hours). Notifications never carry what
//! a request says: only that there is news, and the request's id for the
//! app to open (where the reader's reach decides what they see).

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    lifecycle::model::AdvocacyState,
    requests::store::RequestRow,
    timescales::store::{Alarm, Rung},
};
use crate::{
    error::AppResult,
    identity::directory,
    notifications::{
        model::Kind,
        service::{NewNotification, notify},
    },
};

async fn tell(
    db: &impl ConnectionTrait,
    person: Uuid,
    request: Uuid,
    title: &str,
    body: &str,
) -> AppResult<()> {
    if !directory::has_active_account(db, person).await? {
        return Ok(());
    }
    notify(
        db,
        NewNotification {
            person_id: person,
            kind: Kind::AdvocacyUpdate,
            title,
            body,
            subject: Some(("AdvocacyRequest", request)),
            collapse_key: None,
        },
    )
    .await?;
    Ok(())
}

/// A new request: the young person (when they can sign in) and the
/// referrer, if someone else, hear that it arrived.
pub(super) async fn received(
    db: &impl ConnectionTrait,
    request: Uuid,
    child: Uuid,
    referrer: Uuid,
) -> AppResult<()> {
    tell(
        db,
        child,
        request,
        "Your request for an advocate has arrived",
        "The advocacy service has your request. They will tell you who your advocate is.",
    )
    .await?;
    if referrer != child {
        tell(
            db,
            referrer,
            request,
            "Your advocacy referral has arrived",
            "The advocacy service has received the referral you made.",
        )
        .await?;
    }
    Ok(())
}

/// An advocate was chosen: the young person and the advocate hear.
pub(super) async fn assigned(
    db: &impl ConnectionTrait,
    request: Uuid,
    child: Uuid,
    advocate: Uuid,
) -> AppResult<()> {
    tell(
        db,
        child,
        request,
        "You have an advocate",
        "An advocate has been chosen to help you. They will get in touch soon.",
    )
    .await?;
    tell(
        db,
        advocate,
        request,
        "A request has been given to you",
        "You are now the advocate for an advocacy request. Open it to see what is needed.",
    )
    .await
}

/// The request moved on: a referrer who may follow it hears its new
/// status (and nothing else).
pub(super) async fn status_changed(
    db: &impl ConnectionTrait,
    request: Uuid,
    referrer: Uuid,
    state: AdvocacyState,
) -> AppResult<()> {
    let body = format!("An advocacy request you made is now {}.", state.words());
    tell(
        db,
        referrer,
        request,
        "An advocacy request you made has moved on",
        &body,
    )
    .await
}

/// A timescale's alarm went off: the managers hear it is at risk or was
/// missed, the advocate that first contact is nearly due. Which request,
/// which timescale and when it is due; nothing it says.
pub(super) async fn timescale(
    db: &impl ConnectionTrait,
    request: &RequestRow,
    person: Uuid,
    alarm: Alarm,
    rung: &Rung,
) -> AppResult<()> {
    let due = rung
        .due_at
        .with_timezone(&crate::clock::ENGLAND)
        .format("%H:%M on %A %-d %B %Y");
    let what = rung.timescale.words();
    let (title, body) = match alarm {
        Alarm::AtRisk => (
            format!("An advocacy {what} timescale is at risk"),
            format!("The {what} timescale for an advocacy request is due by {due}."),
        ),
        Alarm::Breached => (
            format!("An advocacy {what} timescale was missed"),
            format!(
                "The {what} timescale for an advocacy request was due by {due} and is not met."
            ),
        ),
        Alarm::DueSoon => (
            format!("{} due soon", capitalised(what)),
            format!("The {what} for an advocacy request you hold is due by {due}."),
        ),
    };
    tell(db, person, request.id, &title, &body).await
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
