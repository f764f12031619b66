//! Adding young people and kinship carers to the app: a worker adds them
//! (a pending account), gives them an activation code read out once, and
//! they activate their account with it; refusals of each step and who may
//! do each. Both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use chrono::{Months, Utc};
use closeknit::db::raw::{exec, query};
use closeknit_tests::{REQUEST_SIGN_IN_CODE, TestApp, error_codes, eventually, smtp::SmtpSink};
use serde_json::{Value, json};

use crate::matrix::{ANONYMOUS, BAD, FORB, NF, OK, UNAUTH, outcome, send, token};

const N: &str = "E06099001";
const E: &str = "E10099002";

const CREATE: &str = "mutation($i: CreateYoungPersonInput!) { createYoungPerson(input: $i) { \
    clientMutationId youngPerson { id givenName familyName dateOfBirth localAuthority { onsCode } } } }";
const INVITE: &str = "mutation($i: InviteYoungPersonToAppInput!) { inviteYoungPersonToApp(input: $i) { \
    clientMutationId accountId activationCode activationCodeExpiresAt } }";
const ADD_CARER: &str = "mutation($i: AddKinshipCarerInput!) { addKinshipCarer(input: $i) { \
    clientMutationId accountId activationCode activationCodeExpiresAt } }";
const ACTIVATE: &str = "mutation($e: String!, $c: String!) { activateAccount(input: \
    {email: $e, activationCode: $c}) { accessToken me { email roles { role } } } }";
const SESSIONS: &str = "{ mySessions { id signInMethod current } }";

/// A date of birth making someone `years` old (and a few days) today.
fn born(years: u32) -> String {
    (Utc::now().date_naive() - Months::new(years * 12) - chrono::Days::new(3)).to_string()
}

fn young_person(email: &str, la: &str, years: u32) -> Value {
    json!({"i": {"givenName": "Sam", "familyName": "Rivers", "dateOfBirth": born(years),
                 "localAuthorityId": la, "email": email}})
}

fn carer(email: &str, la: &str) -> Value {
    json!({"i": {"givenName": "Pat", "familyName": "Oakes", "email": email, "localAuthorityId": la}})
}

async fn gql(app: &TestApp, token: &str, doc: &str, vars: Value) -> Value {
    if token.is_empty() {
        app.graphql(doc, vars).await.1
    } else {
        app.graphql_as(token, doc, vars).await.1
    }
}

/// Creates a young person as `token`; returns their `YoungPerson` id.
async fn create(app: &TestApp, token: &str, email: &str, la: &str) -> String {
    let body = gql(app, token, CREATE, young_person(email, la, 18)).await;
    body["data"]["createYoungPerson"]["youngPerson"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

/// Invites them as `token`; returns the activation code.
async fn invite(app: &TestApp, token: &str, young_person: &str) -> String {
    let body = gql(
        app,
        token,
        INVITE,
        json!({"i": {"youngPersonId": young_person}}),
    )
    .await;
    body["data"]["inviteYoungPersonToApp"]["activationCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

async fn activate(app: &TestApp, email: &str, code: &str) -> Value {
    app.graphql(ACTIVATE, json!({"e": email, "c": code}))
        .await
        .1
}

async fn strings(app: &TestApp, sql: &str) -> Vec<String> {
    query(&app.db, sql, vec![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn count(app: &TestApp, sql: &str, email: &str) -> i64 {
    query(&app.db, sql, vec![email.into()]).await.unwrap()[0]
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn wait_for_mail(smtp: &SmtpSink, to: &str) -> String {
    let find = || {
        smtp.messages()
            .into_iter()
            .find(|m| m.to.iter().any(|t| t == to))
    };
    assert!(
        eventually(Duration::from_secs(15), || async { find().is_some() }).await,
        "no email to {to}"
    );
    find().unwrap().data
}

#[tokio::test]
async fn a_care_leaver_is_added_invited_and_activates_with_the_code_read_out() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let la = app.local_authority_id(N).await;
    let adviser = app.staff_token("personal.adviser@northmoor.example").await;
    let key_worker = app.staff_token("key.worker@northmoor.example").await;
    let email = "sam.rivers@mail.example";

    let body = gql(
        &app,
        &adviser,
        CREATE,
        young_person(" Sam.Rivers@Mail.example ", &la, 17),
    )
    .await;
    let created = &body["data"]["createYoungPerson"]["youngPerson"];
    assert_eq!(created["givenName"], "Sam", "{body}");
    assert_eq!(created["dateOfBirth"], born(17));
    assert_eq!(created["localAuthority"]["onsCode"], N);
    let id = created["id"].as_str().unwrap().to_string();
    // Their authority's workers see them.
    let (_, seen) = app
        .graphql_as(
            &key_worker,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(seen["data"]["node"]["id"], id.as_str(), "{seen}");

    // A pending account gets no emailed sign-in code.
    let (_, body) = app
        .graphql(REQUEST_SIGN_IN_CODE, json!({"email": email}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let no_code = "SELECT COUNT(*) FROM sign_in_codes c JOIN accounts a ON a.id = c.account_id \
                   WHERE a.email = $1";
    assert_eq!(
        count(&app, no_code, email).await,
        0,
        "a pending account was sent a code"
    );
    assert_eq!(
        error_codes(&activate(&app, email, "ACDE-F347").await),
        [UNAUTH],
        "no code issued yet"
    );

    // The key worker invites them: a code to read out, and an email saying
    // how to get the app, without the code.
    let code = invite(&app, &key_worker, &id).await;
    assert_eq!(code.len(), 9, "{code}");
    assert_eq!(&code[4..5], "-");
    let mail = wait_for_mail(&smtp, email).await;
    assert!(mail.contains("activation code"), "{mail}");
    assert!(!mail.contains(&code) && !mail.contains(&code.replace('-', "")));
    // Nowhere at rest: not in any job, token row or audit record.
    let payloads = strings(
        &app,
        "SELECT payload FROM jobs WHERE kind = 'app_invite.email'",
    )
    .await;
    assert_eq!(payloads.len(), 1);
    // Cleared once sent; before that, the token's id only.
    let payload: Value = serde_json::from_str(&payloads[0]).unwrap();
    let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
    assert!(keys.is_empty() || keys == ["token_id"], "{payload}");
    let mut stored = strings(&app, "SELECT payload FROM jobs").await;
    stored.extend(strings(&app, "SELECT token_hash FROM account_tokens").await);
    stored.extend(strings(&app, "SELECT CAST(response AS TEXT) FROM idempotency_keys").await);
    for text in &stored {
        assert!(
            !text.contains(&code) && !text.contains(&code.replace('-', "")),
            "{text}"
        );
    }

    // Typed as a person might: lower case, no dash. They are signed in.
    let body = activate(&app, email, &code.replace('-', " ").to_lowercase()).await;
    let signed_in = &body["data"]["activateAccount"];
    assert_eq!(signed_in["me"]["email"], email, "{body}");
    assert_eq!(signed_in["me"]["roles"][0]["role"], "YOUNG_PERSON");
    let token = signed_in["accessToken"].as_str().unwrap();
    let (_, sessions) = app.graphql_as(token, SESSIONS, json!({})).await;
    assert_eq!(
        sessions["data"]["mySessions"][0]["signInMethod"], "ACTIVATION_CODE",
        "{sessions}"
    );
    let events = strings(
        &app,
        "SELECT action FROM audit_events WHERE action IN \
         ('person.create', 'person.app_invite', 'account.activate') ORDER BY id",
    )
    .await;
    assert_eq!(
        events,
        ["person.create", "person.app_invite", "account.activate"]
    );

    // The code is used: it works once.
    assert_eq!(error_codes(&activate(&app, email, &code).await), [UNAUTH]);
    // They are active now: no second invitation.
    let body = gql(
        &app,
        &key_worker,
        INVITE,
        json!({"i": {"youngPersonId": id}}),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    // From now on they sign in with emailed codes, as everyone does.
    let _ = app.code_token(&smtp, email).await;
}

#[tokio::test]
async fn wrong_expired_replaced_and_exhausted_activation_codes_are_refused() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
    let la = app.local_authority_id(N).await;
    let adviser = app.staff_token("personal.adviser@northmoor.example").await;
    let email = "jo.brook@mail.example";
    let id = create(&app, &adviser, email, &la).await;

    // Five wrong tries use a code up: the right one fails after them.
    let code = invite(&app, &adviser, &id).await;
    for _ in 0..5 {
        assert_eq!(
            error_codes(&activate(&app, email, "YYYY-YYYY").await),
            [UNAUTH]
        );
    }
    assert_eq!(error_codes(&activate(&app, email, &code).await), [UNAUTH]);

    // A new invitation replaces the old code.
    let old = invite(&app, &adviser, &id).await;
    let new = invite(&app, &adviser, &id).await;
    assert_ne!(old, new);
    assert_eq!(error_codes(&activate(&app, email, &old).await), [UNAUTH]);

    // Seven days pass.
    exec(
        &app.db,
        "UPDATE account_tokens SET expires_at = $1 WHERE used_at IS NULL",
        vec![(Utc::now() - chrono::Duration::minutes(1)).into()],
    )
    .await
    .unwrap();
    assert_eq!(error_codes(&activate(&app, email, &new).await), [UNAUTH]);

    // A fresh one works, and only for its own account.
    let fresh = invite(&app, &adviser, &id).await;
    assert_eq!(
        error_codes(&activate(&app, "young.person@northmoor.example", &fresh).await),
        [UNAUTH]
    );
    let body = activate(&app, email, &fresh).await;
    assert_eq!(
        body["data"]["activateAccount"]["me"]["email"], email,
        "{body}"
    );
    let failures = count(
        &app,
        "SELECT COUNT(*) FROM security_events e JOIN accounts a ON a.id = e.account_id \
         WHERE e.kind = 'activation_failed' AND a.email = $1",
        email,
    )
    .await;
    assert_eq!(failures, 8, "each refusal is a security event");
}

#[tokio::test]
async fn adding_and_inviting_are_refused_outside_the_rules() {
    let (app, _smtp) = TestApp::spawn_with_smtp().await;
    let la_n = app.local_authority_id(N).await;
    let la_e = app.local_authority_id(E).await;
    let adviser = app.staff_token("personal.adviser@northmoor.example").await;
    let key_worker = app.staff_token("key.worker@northmoor.example").await;
    let social_worker = app.staff_token("social.worker@northmoor.example").await;
    let e_adviser = app.staff_token("personal.adviser@eastbrook.example").await;

    // An address already in use.
    let body = gql(
        &app,
        &adviser,
        CREATE,
        young_person("Young.Person@northmoor.example", &la_n, 18),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    // Too young, too old, a baby; a bad address; no name.
    for (vars, field) in [
        (young_person("a@mail.example", &la_n, 15), "dateOfBirth"),
        (young_person("a@mail.example", &la_n, 25), "dateOfBirth"),
        (young_person("a@mail.example", &la_n, 0), "dateOfBirth"),
        (young_person("not-an-address", &la_n, 18), "email"),
    ] {
        let body = gql(&app, &adviser, CREATE, vars).await;
        assert_eq!(error_codes(&body), [BAD], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let mut unnamed = young_person("a@mail.example", &la_n, 18);
    unnamed["i"]["givenName"] = json!("  ");
    let body = gql(&app, &adviser, CREATE, unnamed).await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "givenName",
        "{body}"
    );
    // Another authority's young people are not theirs to add.
    let body = gql(
        &app,
        &adviser,
        CREATE,
        young_person("b@mail.example", &la_e, 18),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    // Nothing half-written by any refusal.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM accounts WHERE email LIKE $1",
            "%@mail.example"
        )
        .await,
        0
    );

    // Eastbrook's pending young person: Northmoor's workers cannot see them.
    let eastbrook = create(&app, &e_adviser, "c@mail.example", &la_e).await;
    let body = gql(
        &app,
        &key_worker,
        INVITE,
        json!({"i": {"youngPersonId": eastbrook}}),
    )
    .await;
    assert_eq!(error_codes(&body), [NF], "{body}");
    // A social worker may see Northmoor's young people but not invite them.
    let northmoor = create(&app, &adviser, "d@mail.example", &la_n).await;
    let body = gql(
        &app,
        &social_worker,
        INVITE,
        json!({"i": {"youngPersonId": northmoor}}),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    // A young person already using the app.
    let demo = closeknit_tests::global_id(
        "YoungPerson",
        app.person_id("young.person@northmoor.example").await,
    );
    let body = gql(
        &app,
        &key_worker,
        INVITE,
        json!({"i": {"youngPersonId": demo}}),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    let none = count(
        &app,
        "SELECT COUNT(*) FROM account_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE a.email = $1",
        "d@mail.example",
    )
    .await;
    assert_eq!(none, 0, "a refused invitation issued a code");
}

#[tokio::test]
async fn kinship_carers_are_added_with_a_code_and_activate() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let la_n = app.local_authority_id(N).await;
    let la_e = app.local_authority_id(E).await;
    let coordinator = app
        .staff_token("training.coordinator@kinshiplearning.example")
        .await;
    let e_manager = app.staff_token("la.manager@eastbrook.example").await;
    let email = "pat.oakes@mail.example";

    let mut vars = carer(email, &la_n);
    vars["i"]["clientMutationId"] = json!("carer-1");
    let body = gql(&app, &coordinator, ADD_CARER, vars.clone()).await;
    let added = &body["data"]["addKinshipCarer"];
    let code = added["activationCode"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    // A retry of the same change returns it again, without the code.
    let replay = gql(&app, &coordinator, ADD_CARER, vars).await;
    assert_eq!(
        replay["data"]["addKinshipCarer"]["accountId"],
        added["accountId"]
    );
    assert!(
        replay["data"]["addKinshipCarer"]["activationCode"].is_null(),
        "{replay}"
    );
    let mail = wait_for_mail(&smtp, email).await;
    assert!(
        mail.contains("the person who added you") && !mail.contains(&code),
        "{mail}"
    );

    // The training provider serves Northmoor only.
    let body = gql(
        &app,
        &coordinator,
        ADD_CARER,
        carer("q@mail.example", &la_e),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    // Eastbrook's manager adds Eastbrook's carers; a taken address: CONFLICT.
    let body = gql(&app, &e_manager, ADD_CARER, carer("r@mail.example", &la_e)).await;
    assert!(
        body["data"]["addKinshipCarer"]["activationCode"].is_string(),
        "{body}"
    );
    let body = gql(&app, &e_manager, ADD_CARER, carer(email, &la_e)).await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");

    let body = activate(&app, email, &code).await;
    assert_eq!(
        body["data"]["activateAccount"]["me"]["roles"][0]["role"], "KINSHIP_CARER",
        "{body}"
    );
    let audited = strings(
        &app,
        "SELECT action FROM audit_events WHERE record_type = 'KinshipCarer' ORDER BY id",
    )
    .await;
    assert_eq!(
        audited,
        [
            "person.create",
            "person.app_invite",
            "person.create",
            "person.app_invite"
        ]
    );
}

/// Who may add and invite: each operation as each kind of caller, the
/// expected outcome written out.
#[tokio::test]
async fn who_may_add_and_invite() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let la = app.local_authority_id(N).await;
    let adviser = app.staff_token("personal.adviser@northmoor.example").await;
    let callers = [
        // (caller, createYoungPerson, inviteYoungPersonToApp, addKinshipCarer)
        (ANONYMOUS, UNAUTH, UNAUTH, UNAUTH),
        ("young.person@northmoor.example", FORB, NF, FORB),
        ("key.worker@northmoor.example", FORB, OK, FORB),
        ("la.manager@northmoor.example", OK, OK, OK),
        ("org.admin@northmoor.example", FORB, NF, FORB),
        ("org.admin@eastbrook.example", FORB, NF, FORB),
        ("admin@closeknit.example", FORB, NF, FORB),
    ];
    let mut failures = Vec::new();
    for (n, (caller, create_ok, invite_ok, carer_ok)) in callers.into_iter().enumerate() {
        let token = token(&app, &smtp, caller).await;
        let target = create(&app, &adviser, &format!("target{n}@mail.example"), &la).await;
        let got = [
            (
                "createYoungPerson",
                young_person(&format!("yp{n}@mail.example"), &la, 19),
                create_ok,
            ),
            (
                "inviteYoungPersonToApp",
                json!({"i": {"youngPersonId": target}}),
                invite_ok,
            ),
            (
                "addKinshipCarer",
                carer(&format!("carer{n}@mail.example"), &la),
                carer_ok,
            ),
        ];
        for (root, vars, wanted) in got {
            let doc = match root {
                "createYoungPerson" => CREATE,
                "inviteYoungPersonToApp" => INVITE,
                _ => ADD_CARER,
            };
            let body = send(&app, &token, root, doc, vars).await;
            let seen = outcome(&body, root, "");
            if seen != wanted {
                failures.push(format!("{caller} {root}: {seen}, wanted {wanted}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
