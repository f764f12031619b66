//! Onboarding a new local authority end to end, as the README tells it, on
//! both databases: the platform administrator adds the authority and its
//! team and invites the team's first administrator; that administrator
//! invites a personal adviser; the adviser adds a care leaver and invites
//! them to the app; the young person activates with the code read out to
//! them. Every step over real HTTP, every link from the real email. Also
//! who may add an authority.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit_tests::{TestApp, error_codes};
use serde_json::{Value, json};

use crate::{
    invitations::{STRONG, link_token},
    matrix::{ANONYMOUS, BAD, FORB, OK, UNAUTH, input, outcome, send, token},
};

const PLATFORM: &str = "admin@closeknit.example";
const ADD_AUTHORITY: &str = "mutation($input: AddLocalAuthorityInput!) { \
    addLocalAuthority(input: $input) { localAuthority { id onsCode name } } }";
const CREATE_ORGANISATION: &str = "mutation($input: CreateOrganisationInput!) { \
    createOrganisation(input: $input) { organisation { id name } } }";
const INVITE: &str = "mutation($input: InviteStaffInput!) { inviteStaff(input: $input) { \
    invitation { id } } }";
const ACCEPT: &str = "mutation($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { \
    accessToken me { email roles { role organisation { name } } } } }";
const CREATE_YOUNG_PERSON: &str = "mutation($input: CreateYoungPersonInput!) { \
    createYoungPerson(input: $input) { youngPerson { id } } }";
const INVITE_TO_APP: &str = "mutation($input: InviteYoungPersonToAppInput!) { \
    inviteYoungPersonToApp(input: $input) { activationCode } }";
const ACTIVATE: &str = "mutation($input: ActivateAccountInput!) { activateAccount(input: $input) { \
    accessToken me { email roles { role } } } }";

async fn gql(app: &TestApp, token: &str, document: &str, variables: Value) -> Value {
    let body = send(app, token, "op", document, variables).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"].clone()
}

fn authority(code: &str) -> Value {
    input(json!({"onsCode": code, "name": "Westhaven", "regionCode": "E12000009"}))
}

/// Invites `email` into `organisation` as `role` (by `admin`) and accepts
/// the emailed link with a new password; the new account's access token.
async fn join(
    app: &TestApp,
    smtp: &closeknit_tests::smtp::SmtpSink,
    admin: &str,
    organisation: &str,
    email: &str,
    role: &str,
) -> String {
    gql(
        app,
        admin,
        INVITE,
        input(
            json!({"organisationId": organisation, "email": email, "givenName": "Ari",
            "familyName": "Newcomer", "roles": [role]}),
        ),
    )
    .await;
    let link = link_token(smtp, email, "invitation", 0).await;
    let data = gql(
        app,
        "",
        ACCEPT,
        input(json!({"token": link, "password": STRONG})),
    )
    .await;
    let roles = &data["acceptInvitation"]["me"]["roles"];
    assert_eq!(roles[0]["role"], role, "{data}");
    assert_eq!(
        roles[0]["organisation"]["name"], "Westhaven Children's Services",
        "{data}"
    );
    data["acceptInvitation"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_new_authority_is_onboarded_step_by_step() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let platform = app.staff_token(PLATFORM).await;
    // 1. The authority, then its children's services team.
    let data = gql(&app, &platform, ADD_AUTHORITY, authority("E06099077")).await;
    let la = data["addLocalAuthority"]["localAuthority"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let data = gql(
        &app,
        &platform,
        CREATE_ORGANISATION,
        input(
            json!({"name": "Westhaven Children's Services", "kind": "LOCAL_AUTHORITY_TEAM",
            "localAuthorityId": la}),
        ),
    )
    .await;
    let team = data["createOrganisation"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // 2. Its first administrator, invited by the platform administrator.
    let admin = join(
        &app,
        &smtp,
        &platform,
        &team,
        "it.lead@westhaven.example",
        "ORGANISATION_ADMIN",
    )
    .await;
    // 3. The administrator invites a personal adviser.
    let adviser = join(
        &app,
        &smtp,
        &admin,
        &team,
        "adviser@westhaven.example",
        "PERSONAL_ADVISER",
    )
    .await;
    // 4. The adviser adds a care leaver and invites them to the app.
    let data = gql(
        &app,
        &adviser,
        CREATE_YOUNG_PERSON,
        input(
            json!({"givenName": "Rae", "familyName": "Example", "dateOfBirth": "2008-03-14",
            "localAuthorityId": la, "email": "rae@westhaven.example"}),
        ),
    )
    .await;
    let young_person = data["createYoungPerson"]["youngPerson"]["id"].clone();
    let data = gql(
        &app,
        &adviser,
        INVITE_TO_APP,
        input(json!({"youngPersonId": young_person})),
    )
    .await;
    let code = data["inviteYoungPersonToApp"]["activationCode"]
        .as_str()
        .unwrap()
        .to_string();
    // 5. The young person starts using the app with the code read out.
    let data = gql(
        &app,
        "",
        ACTIVATE,
        input(json!({"email": "rae@westhaven.example", "activationCode": code})),
    )
    .await;
    assert_eq!(
        data["activateAccount"]["me"]["roles"][0]["role"], "YOUNG_PERSON",
        "{data}"
    );
}

#[tokio::test]
async fn only_platform_administrators_add_an_authority() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let cases = [
        (ANONYMOUS, "E06099071", UNAUTH),
        ("young.person@northmoor.example", "E06099072", FORB),
        ("la.manager@northmoor.example", "E06099073", FORB),
        ("org.admin@northmoor.example", "E06099074", FORB),
        (PLATFORM, "E06099075", OK),
        // The same code again, and codes or regions that are not.
        (PLATFORM, "E06099075", "CONFLICT"),
        (PLATFORM, "X1", BAD),
    ];
    let mut got = Vec::new();
    for (who, code, _) in cases {
        let bearer = token(&app, &smtp, who).await;
        let body = send(
            &app,
            &bearer,
            "addLocalAuthority",
            ADD_AUTHORITY,
            authority(code),
        )
        .await;
        got.push(outcome(&body, "addLocalAuthority", ""));
    }
    let want: Vec<String> = cases.iter().map(|c| c.2.to_string()).collect();
    assert_eq!(got, want);
    let bearer = app.staff_token(PLATFORM).await;
    let body = send(
        &app,
        &bearer,
        "addLocalAuthority",
        ADD_AUTHORITY,
        input(json!({"onsCode": "E06099076", "name": "Nowhere", "regionCode": "E99999999"})),
    )
    .await;
    assert_eq!(error_codes(&body), [BAD], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.regionCode");
}
