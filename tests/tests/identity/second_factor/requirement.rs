//! An organisation's requirement: enrolment forced at sign-in for roles
//! that read case records only; removal refused while required; an
//! administrator's reset.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit_tests::{TestApp, error_codes};
use serde_json::json;

use super::{
    App, CONFIRM, EASTBROOK_ADMIN, KEY_WORKER, LA_MANAGER, NORTHMOOR_ADMIN, PASSWORD, REMOVE,
    RESET, START, STATUS, TRAINING_ADMIN, TRAINING_COORDINATOR, challenge, complete, enrol, gql,
    ids, require, sign_in, texts,
};
use crate::matrix::{BAD, FORB, NF, UNAUTH, input};

#[tokio::test]
async fn an_organisation_requirement_forces_enrolment_for_case_record_roles_only() {
    let app = TestApp::spawn().await;
    let (northmoor, _) = ids(&app, NORTHMOOR_ADMIN).await;
    let (_, manager_account) = ids(&app, LA_MANAGER).await;
    require(&app, NORTHMOOR_ADMIN, &northmoor, true).await;
    let (kinship, _) = ids(&app, TRAINING_ADMIN).await;
    require(&app, TRAINING_ADMIN, &kinship, true).await;

    // A training coordinator reads no case records; nor does the
    // organisation's administrator: the password is enough.
    for email in [TRAINING_COORDINATOR, NORTHMOOR_ADMIN] {
        let body = sign_in(&app, email, PASSWORD).await;
        assert_eq!(body["data"]["signIn"]["me"]["email"], email, "{body}");
    }
    // An LA manager must set up a second factor first.
    let pending = challenge(&app, LA_MANAGER, "SECOND_FACTOR_ENROLMENT_REQUIRED").await;
    let body = complete(&app, &pending, "code", "123456").await;
    assert_eq!(
        error_codes(&body),
        [UNAUTH],
        "enrolment challenge is no code challenge: {body}"
    );
    let body = gql(&app, "", START, input(json!({"challenge": pending}))).await;
    let secret = body["data"]["startSecondFactorEnrolment"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    let authenticator = App::new(secret);
    let body = gql(
        &app,
        "",
        CONFIRM,
        input(json!({"challenge": pending, "code": authenticator.wrong()})),
    )
    .await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = gql(
        &app,
        "",
        CONFIRM,
        input(json!({"challenge": pending, "code": authenticator.code(0)})),
    )
    .await;
    let confirmed = &body["data"]["confirmSecondFactorEnrolment"];
    assert_eq!(
        confirmed["recoveryCodes"].as_array().map(Vec::len),
        Some(10),
        "{body}"
    );
    assert_eq!(confirmed["session"]["me"]["email"], LA_MANAGER);
    let token = confirmed["session"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let body = gql(&app, "", START, input(json!({"challenge": pending}))).await;
    assert_eq!(error_codes(&body), [UNAUTH], "used challenge: {body}");
    let status = gql(&app, &token, STATUS, json!({})).await;
    assert_eq!(
        status["data"]["mySecondFactor"],
        json!({"enrolled": true, "required": true, "recoveryCodesLeft": 10})
    );

    // Not removable while required (FORBIDDEN, the code not spent)...
    let body = gql(
        &app,
        &token,
        REMOVE,
        input(json!({"code": authenticator.code(1)})),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    // ...but an administrator may reset it (a lost phone): enrolment again.
    let eastbrook = app.staff_token(EASTBROOK_ADMIN).await;
    let body = gql(
        &app,
        &eastbrook,
        RESET,
        input(json!({"accountId": manager_account})),
    )
    .await;
    assert_eq!(error_codes(&body), [NF], "{body}");
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let body = gql(
        &app,
        &admin,
        RESET,
        input(json!({"accountId": manager_account})),
    )
    .await;
    assert_eq!(body["data"]["resetSecondFactor"]["removed"], true, "{body}");
    challenge(&app, LA_MANAGER, "SECOND_FACTOR_ENROLMENT_REQUIRED").await;

    // No longer required: a second factor is optional, and removable.
    require(&app, NORTHMOOR_ADMIN, &northmoor, false).await;
    let body = sign_in(&app, LA_MANAGER, PASSWORD).await;
    assert_eq!(body["data"]["signIn"]["me"]["email"], LA_MANAGER, "{body}");
    let (authenticator, _) = enrol(&app, KEY_WORKER).await;
    let step = App::step();
    let used = authenticator.0.generate((step + 1) * 30);
    let key_worker = {
        let pending = challenge(&app, KEY_WORKER, "SECOND_FACTOR_REQUIRED").await;
        let body = complete(&app, &pending, "code", &used).await;
        body["data"]["completeSignIn"]["accessToken"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let body = gql(&app, &key_worker, REMOVE, input(json!({"code": used}))).await;
    assert_eq!(
        error_codes(&body),
        [BAD],
        "a used code removes nothing: {body}"
    );
    // The next step's code is used by now: wait for the app's next one.
    assert!(
        closeknit_tests::eventually(std::time::Duration::from_secs(35), || async {
            App::step() > step
        })
        .await
    );
    let body = gql(
        &app,
        &key_worker,
        REMOVE,
        input(json!({"code": authenticator.code(1)})),
    )
    .await;
    assert_eq!(
        body["data"]["removeSecondFactor"]["removed"], true,
        "{body}"
    );
    let body = sign_in(&app, KEY_WORKER, PASSWORD).await;
    assert_eq!(body["data"]["signIn"]["me"]["email"], KEY_WORKER, "{body}");

    let audited = texts(
        &app,
        "SELECT action FROM audit_events WHERE action LIKE 'second_factor%' \
         OR action = 'organisation.sign_in_settings' ORDER BY id",
    )
    .await;
    assert_eq!(
        audited,
        [
            "organisation.sign_in_settings",
            "organisation.sign_in_settings",
            "second_factor.enrol",
            "second_factor.remove",
            "organisation.sign_in_settings",
            "second_factor.enrol",
            "second_factor.remove",
        ]
    );
    app.stop().await;
}

const INVITE: &str = "mutation($input: InviteStaffInput!) { inviteStaff(input: $input) { \
    invitation { id } } }";
const ACCEPT: &str = "mutation($t: String!, $p: String) { acceptInvitation(input: \
    {token: $t, password: $p}) { accessToken me { email roles { role } } } }";

/// Invites `email` into Northmoor's team as `role` and returns the token
/// of the link emailed to them.
async fn invited(
    app: &TestApp,
    smtp: &closeknit_tests::smtp::SmtpSink,
    email: &str,
    role: &str,
) -> String {
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let (northmoor, _) = ids(app, NORTHMOOR_ADMIN).await;
    let body = gql(
        app,
        &admin,
        INVITE,
        input(
            json!({"organisationId": northmoor, "email": email, "givenName": "Sam",
            "familyName": "Okafor", "roles": [role]}),
        ),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    crate::invitations::link_token(smtp, email, "invitation", 0).await
}

#[tokio::test]
async fn an_invitation_link_is_no_way_round_a_second_factor() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (northmoor, _) = ids(&app, NORTHMOOR_ADMIN).await;
    require(&app, NORTHMOOR_ADMIN, &northmoor, true).await;

    // A new key worker in an organisation that requires a second factor:
    // the account is made and the invitation used, but the session waits
    // for the enrolment.
    let newcomer = "new.keyworker@northmoor.example";
    let link = invited(&app, &smtp, newcomer, "KEY_WORKER").await;
    let body = gql(
        &app,
        "",
        ACCEPT,
        json!({"t": link, "p": crate::invitations::STRONG}),
    )
    .await;
    assert_eq!(
        error_codes(&body),
        ["SECOND_FACTOR_ENROLMENT_REQUIRED"],
        "{body}"
    );
    let pending = body["errors"][0]["extensions"]["details"]["challenge"]
        .as_str()
        .unwrap()
        .to_string();
    let again = gql(
        &app,
        "",
        ACCEPT,
        json!({"t": link, "p": crate::invitations::STRONG}),
    )
    .await;
    assert_eq!(error_codes(&again), [BAD], "the link is used: {again}");
    let body = gql(&app, "", START, input(json!({"challenge": pending}))).await;
    let authenticator = App::new(
        body["data"]["startSecondFactorEnrolment"]["secret"]
            .as_str()
            .unwrap(),
    );
    let body = gql(
        &app,
        "",
        CONFIRM,
        input(json!({"challenge": pending, "code": authenticator.code(0)})),
    )
    .await;
    assert_eq!(
        body["data"]["confirmSecondFactorEnrolment"]["session"]["me"]["email"], newcomer,
        "{body}"
    );

    // An existing account with an authenticator app, invited by email:
    // the roles are added, then the code is asked for.
    let (authenticator, _) = enrol(&app, TRAINING_COORDINATOR).await;
    let link = invited(&app, &smtp, TRAINING_COORDINATOR, "FACILITATOR").await;
    let body = gql(&app, "", ACCEPT, json!({"t": link, "p": null})).await;
    assert_eq!(error_codes(&body), ["SECOND_FACTOR_REQUIRED"], "{body}");
    assert!(
        body["data"].is_null() || body["data"]["acceptInvitation"].is_null(),
        "{body}"
    );
    let pending = body["errors"][0]["extensions"]["details"]["challenge"]
        .as_str()
        .unwrap()
        .to_string();
    let body = complete(&app, &pending, "code", &authenticator.code(1)).await;
    assert_eq!(
        body["data"]["completeSignIn"]["me"]["email"], TRAINING_COORDINATOR,
        "{body}"
    );
    let token = body["data"]["completeSignIn"]["accessToken"]
        .as_str()
        .unwrap();
    let (_, me) = app
        .graphql_as(token, "{ me { roles { role } } }", json!({}))
        .await;
    assert!(
        me["data"]["me"]["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["role"] == "FACILITATOR"),
        "{me}"
    );
}
