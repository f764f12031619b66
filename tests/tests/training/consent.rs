//! Third-party booking: an app with `training:book` books for a carer who
//! consented to it (the booking records the app; the audit trail names
//! the app, on behalf of the carer); without consent, after it is
//! revoked, without the scope, or for someone else: FORBIDDEN.

use closeknit::identity::model::Role;
use closeknit_tests::{
    TestApp, global_id,
    training::{self as t, BOOKING},
};
use serde_json::{Value, json};

const TEAM: &str = "Northmoor Children's Services";

/// A kinship carer: (token, `Person` id).
async fn new_carer(app: &TestApp, n: usize) -> (String, String) {
    let (email, person) = t::account(app, TEAM, Role::KinshipCarer, n).await;
    (app.staff_token(&email).await, global_id("Person", person))
}

async fn consent(app: &TestApp, token: &str, mutation: &str, client: &str) -> Value {
    app.mutate(
        token,
        mutation,
        json!({"clientId": client}),
        "consent { id clientId clientName grantedAt revokedAt }",
    )
    .await
}

/// Books `session` for `carer` with the app's token; the whole response.
async fn book_for(app: &TestApp, token: &str, session: &str, carer: &str) -> Value {
    app.mutate(
        token,
        "bookTrainingPlace",
        json!({"sessionId": session, "carerId": carer}),
        &format!("booking {{ {BOOKING} bookedByClientId }}"),
    )
    .await
}

#[tokio::test]
async fn an_app_books_for_a_carer_who_consented_and_the_booking_records_it() {
    let app = TestApp::spawn().await;
    let (session, _, _) = t::carers_session(&app, 5, 12).await;
    let (client, client_token) =
        t::app_client(&app, json!(["TRAINING_READ", "TRAINING_BOOK"])).await;
    let (carer_token, carer) = new_carer(&app, 0).await;

    let mut grant = json!({"clientId": client, "clientMutationId": "consent-1"});
    let body = app
        .mutate(
            &carer_token,
            "grantTrainingBookingConsent",
            grant.clone(),
            "consent { id clientName }",
        )
        .await;
    assert_eq!(
        body["data"]["grantTrainingBookingConsent"]["consent"]["clientName"], "Carers' Circle app",
        "{body}"
    );
    // Granting again (replayed, or anew) keeps one live consent.
    let again = app
        .mutate(
            &carer_token,
            "grantTrainingBookingConsent",
            grant.clone(),
            "consent { id }",
        )
        .await;
    assert_eq!(
        again["data"]["grantTrainingBookingConsent"]["consent"]["id"],
        body["data"]["grantTrainingBookingConsent"]["consent"]["id"]
    );
    grant["clientMutationId"] = json!("consent-2");
    app.mutate(
        &carer_token,
        "grantTrainingBookingConsent",
        grant,
        "consent { id }",
    )
    .await;
    let (_, mine) = app
        .graphql_as(
            &carer_token,
            "{ myTrainingBookingConsents { clientId clientName grantedAt } }",
            json!({}),
        )
        .await;
    let consents = mine["data"]["myTrainingBookingConsents"]
        .as_array()
        .unwrap();
    assert_eq!(consents.len(), 1, "{mine}");
    assert_eq!(consents[0]["clientId"], client.as_str());

    let body = book_for(&app, &client_token, &session, &carer).await;
    assert!(body["errors"].is_null(), "{body}");
    let booking = &body["data"]["bookTrainingPlace"]["booking"];
    assert_eq!(booking["state"], "BOOKED");
    assert_eq!(booking["bookedByClientId"], client.as_str());
    // It is the carer's booking: they see it, recording the app.
    let theirs = t::my_bookings(&app, &carer_token).await;
    assert!(
        theirs.iter().any(|b| b["id"] == booking["id"]),
        "{theirs:?}"
    );
    // The audit trail names the app as actor, on behalf of the carer.
    let rows = closeknit::db::raw::query(
        &app.db,
        "SELECT actor_account_id, actor_client_id, on_behalf_of_person_id FROM audit_events \
         WHERE action = 'training.book' AND actor_client_id IS NOT NULL",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let actor: Option<uuid::Uuid> = rows[0].try_get("", "actor_account_id").unwrap();
    let on_behalf: uuid::Uuid = rows[0].try_get("", "on_behalf_of_person_id").unwrap();
    assert!(actor.is_none());
    assert_eq!(global_id("Person", on_behalf), carer);
    // The normal rules apply to the carer: already booked.
    let body = book_for(&app, &client_token, &session, &carer).await;
    assert_eq!(
        t::code(&body),
        ("CONFLICT".into(), "ALREADY_BOOKED".into()),
        "{body}"
    );
}

#[tokio::test]
async fn without_consent_after_revoking_or_for_someone_else_it_is_forbidden() {
    let app = TestApp::spawn().await;
    let (session, _, _) = t::carers_session(&app, 5, 12).await;
    let (client, client_token) = t::app_client(&app, json!(["TRAINING_BOOK"])).await;
    let (carer_token, carer) = new_carer(&app, 0).await;
    let (_, other) = new_carer(&app, 1).await;

    // No consent yet.
    let body = book_for(&app, &client_token, &session, &carer).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    // Revoking a consent that does not stand, or for an unknown app.
    let body = consent(&app, &carer_token, "revokeTrainingBookingConsent", &client).await;
    assert_eq!(t::code(&body).0, "NOT_FOUND", "{body}");
    let unknown = global_id("ApiClient", uuid::Uuid::now_v7());
    let body = consent(&app, &carer_token, "grantTrainingBookingConsent", &unknown).await;
    assert_eq!(t::code(&body).0, "NOT_FOUND", "{body}");

    let body = consent(&app, &carer_token, "grantTrainingBookingConsent", &client).await;
    assert!(body["errors"].is_null(), "{body}");
    // Someone who did not consent, or no one at all: the same FORBIDDEN.
    let body = book_for(&app, &client_token, &session, &other).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    let nobody = global_id("Person", uuid::Uuid::now_v7());
    let body = book_for(&app, &client_token, &session, &nobody).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");

    // Revoked: the app can book no more, and its booking is out of its sight.
    let body = consent(&app, &carer_token, "revokeTrainingBookingConsent", &client).await;
    assert!(
        !body["data"]["revokeTrainingBookingConsent"]["consent"]["revokedAt"].is_null(),
        "{body}"
    );
    let body = book_for(&app, &client_token, &session, &carer).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    let (_, mine) = app
        .graphql_as(
            &carer_token,
            "{ myTrainingBookingConsents { clientId } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["data"]["myTrainingBookingConsents"],
        json!([]),
        "{mine}"
    );
    // Granting again adds a new consent (the old one stays in history).
    let body = consent(&app, &carer_token, "grantTrainingBookingConsent", &client).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = book_for(&app, &client_token, &session, &carer).await;
    assert!(body["errors"].is_null(), "{body}");
    let rows = closeknit::db::raw::query(
        &app.db,
        "SELECT id FROM training_booking_consents WHERE client_id = $1",
        vec![closeknit_tests::uuid_of(&client).into()],
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn an_app_without_the_booking_scope_or_a_carer_naming_someone_is_refused() {
    let app = TestApp::spawn().await;
    let (session, _, _) = t::carers_session(&app, 5, 12).await;
    let (client, reader) = t::app_client(&app, json!(["TRAINING_READ"])).await;
    let (carer_token, carer) = new_carer(&app, 0).await;
    let body = consent(&app, &carer_token, "grantTrainingBookingConsent", &client).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = book_for(&app, &reader, &session, &carer).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    // A signed-in person books for themselves: naming a carer is an error.
    let body = book_for(&app, &carer_token, &session, &carer).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.carerId",
        "{body}"
    );
    // An app must name the carer.
    let (_, booker) = t::app_client(&app, json!(["TRAINING_BOOK"])).await;
    let body = app
        .mutate(
            &booker,
            "bookTrainingPlace",
            json!({"sessionId": session}),
            "booking { id }",
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.carerId",
        "{body}"
    );
}

#[tokio::test]
async fn the_carers_own_rules_apply_when_an_app_books_for_them() {
    let app = TestApp::spawn().await;
    // A care leavers' course: a kinship carer is not in its audience.
    let coordinator = app.staff_token(t::COORDINATOR).await;
    let (_, facilitator) = t::facilitator(&app).await;
    let course = t::course(&app, &coordinator, &["CARE_LEAVERS"], 12).await;
    let session = t::session(
        &app,
        &coordinator,
        &course,
        &facilitator,
        &t::Plan::places(3),
    )
    .await;
    let (client, client_token) = t::app_client(&app, json!(["TRAINING_BOOK"])).await;
    let (carer_token, carer) = new_carer(&app, 0).await;
    consent(&app, &carer_token, "grantTrainingBookingConsent", &client).await;
    let body = book_for(&app, &client_token, &session, &carer).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
}

#[tokio::test]
async fn an_app_cancels_only_the_bookings_it_made_while_the_consent_stands() {
    let app = TestApp::spawn().await;
    let (session, _, _) = t::carers_session(&app, 1, 12).await;
    let (client, client_token) = t::app_client(&app, json!(["TRAINING_BOOK"])).await;
    let (other_client, other_token) = t::app_client(&app, json!(["TRAINING_BOOK"])).await;
    let (carer_token, carer) = new_carer(&app, 0).await;
    let (waiting_token, _) = new_carer(&app, 1).await;
    for app_id in [&client, &other_client] {
        let body = consent(&app, &carer_token, "grantTrainingBookingConsent", app_id).await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let body = book_for(&app, &client_token, &session, &carer).await;
    let booking = body["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let waiting = t::book(&app, &waiting_token, &session).await;
    let waiting = waiting["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Another app, even one the carer trusts, did not make it; nor may an
    // app answer offers for the carer.
    let body = t::step(&app, &other_token, "cancelTrainingBooking", &booking).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    let body = t::step(&app, &client_token, "declineTrainingOffer", &booking).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
    // The app that made it cancels it: the place goes to the one waiting.
    let body = t::step(&app, &client_token, "cancelTrainingBooking", &booking).await;
    assert_eq!(
        body["data"]["cancelTrainingBooking"]["booking"]["state"], "CANCELLED",
        "{body}"
    );
    assert_eq!(
        t::mine(&app, &waiting_token, &waiting).await["state"],
        "OFFERED"
    );
    let rows = closeknit::db::raw::query(
        &app.db,
        "SELECT on_behalf_of_person_id FROM audit_events \
         WHERE action = 'training.cancel' AND record_id = $1 AND actor_client_id IS NOT NULL \
         AND actor_account_id IS NULL",
        vec![closeknit_tests::uuid_of(&booking).into()],
    )
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "audited once, as the app for the carer");
    let on_behalf: uuid::Uuid = rows[0].try_get("", "on_behalf_of_person_id").unwrap();
    assert_eq!(global_id("Person", on_behalf), carer);
    // After the carer revokes its consent, the app can cancel no more.
    let again = book_for(&app, &client_token, &session, &carer).await;
    let again = again["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{again}"))
        .to_string();
    let body = consent(&app, &carer_token, "revokeTrainingBookingConsent", &client).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = t::step(&app, &client_token, "cancelTrainingBooking", &again).await;
    assert_eq!(t::code(&body).0, "FORBIDDEN", "{body}");
}
