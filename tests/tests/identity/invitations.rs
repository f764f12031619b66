//! Staff invitations, on both databases: an organisation admin invites,
//! the link in the real email (SMTP sink) shows the invitation and accepts
//! it once, setting a password that meets the policy; refusals (another
//! organisation, an administration role, a role the kind cannot hold),
//! replaced, revoked, expired and reused links, resending, the list by
//! status, and who may call each operation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use closeknit::db::raw::{exec, query};
use closeknit_tests::{TestApp, error_codes, eventually, smtp::SmtpSink};
use serde_json::{Value, json};

use crate::matrix::{ANONYMOUS, BAD, FORB, NF, OK, UNAUTH, outcome, send, token};

pub const NORTHMOOR_ADMIN: &str = "org.admin@northmoor.example";
pub const EASTBROOK_ADMIN: &str = "org.admin@eastbrook.example";
pub const PLATFORM_ADMIN: &str = "admin@closeknit.example";
/// A password strong enough for the policy.
pub const STRONG: &str = "violet tractor spoon meadow";

const INVITE: &str = "mutation($input: InviteStaffInput!) { inviteStaff(input: $input) { \
    clientMutationId invitation { id email roles status expiresAt } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeInvitation(input: {id: $id}) { \
    invitation { id status revokedAt } } }";
const RESEND: &str = "mutation($id: ID!) { resendInvitation(input: {id: $id}) { \
    invitation { id status expiresAt } } }";
const BY_TOKEN: &str = "query($t: String!) { invitationByToken(token: $t) { \
    organisationName email givenName familyName roles expiresAt needsPassword } }";
const ACCEPT: &str = "mutation($t: String!, $p: String) { acceptInvitation(input: \
    {token: $t, password: $p}) { accessToken refreshToken me { email roles { role organisation { name } } } } }";
const LIST: &str = "query($org: ID!, $status: InvitationStatus) { invitations(organisationId: \
    $org, status: $status) { edges { node { id email status } } } }";
const ME: &str = "{ me { email } }";

/// The id of the organisation in which `email` (a demo staff account)
/// holds `role`.
pub async fn organisation_of(app: &TestApp, email: &str, role: &str) -> String {
    let token = app.staff_token(email).await;
    let (_, body) = app
        .graphql_as(
            &token,
            "{ me { roles { role organisation { id } } } }",
            json!({}),
        )
        .await;
    body["data"]["me"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["role"] == role)
        .unwrap_or_else(|| panic!("{email} holds no {role}: {body}"))["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The message as a reader sees it: quoted-printable soft breaks joined
/// and `=3D` decoded (enough for links).
fn readable(data: &str) -> String {
    data.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The `token` of the `nth` (0-based) email to `to` carrying a link to
/// `path`, waiting for it to arrive.
pub async fn link_token(smtp: &SmtpSink, to: &str, path: &str, nth: usize) -> String {
    let prefix = format!("https://closeknit.test/{path}?token=");
    let find = || {
        smtp.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .map(|m| readable(&m.data))
            .filter(|text| text.contains(&prefix))
            .nth(nth)
    };
    assert!(
        eventually(Duration::from_secs(15), || async { find().is_some() }).await,
        "no email number {nth} to {to} with a {path} link"
    );
    let text = find().unwrap();
    let start = text.find(&prefix).unwrap() + prefix.len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Every job payload, as stored.
pub async fn job_payloads(app: &TestApp) -> Vec<String> {
    let rows = query(&app.db, "SELECT payload FROM jobs", vec![])
        .await
        .unwrap();
    rows.iter()
        .map(|r| closeknit::db::rows::get::<String>(r, "payload").unwrap())
        .collect()
}

/// How many audit records of `action` there are.
pub async fn audited(app: &TestApp, action: &str) -> usize {
    query(
        &app.db,
        "SELECT id FROM audit_events WHERE action = $1",
        vec![action.into()],
    )
    .await
    .unwrap()
    .len()
}

fn invitation(org: &str, email: &str, roles: &[&str]) -> Value {
    json!({"input": {
        "organisationId": org, "email": email, "givenName": "Sam", "familyName": "Okafor",
        "roles": roles,
    }})
}

async fn invite(app: &TestApp, token: &str, org: &str, email: &str, roles: &[&str]) -> Value {
    app.graphql_as(token, INVITE, invitation(org, email, roles))
        .await
        .1
}

fn field(body: &Value) -> &str {
    body["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("")
}

async fn accept(app: &TestApp, token: &str, password: Option<&str>) -> Value {
    app.graphql(ACCEPT, json!({"t": token, "p": password}))
        .await
        .1
}

async fn by_token(app: &TestApp, token: &str) -> Value {
    let (_, body) = app.graphql(BY_TOKEN, json!({"t": token})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["invitationByToken"].clone()
}

async fn listed(app: &TestApp, admin: &str, org: &str, status: &str) -> Vec<String> {
    let (_, body) = app
        .graphql_as(admin, LIST, json!({"org": org, "status": status}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["invitations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_new_member_of_staff_accepts_the_link_from_the_email_once() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let org = organisation_of(&app, NORTHMOOR_ADMIN, "ORGANISATION_ADMIN").await;
    let new = "sam.okafor@northmoor.example";
    let body = invite(&app, &admin, &org, new, &["KEY_WORKER", "PERSONAL_ADVISER"]).await;
    assert!(body["errors"].is_null(), "{body}");
    let created = &body["data"]["inviteStaff"]["invitation"];
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["roles"], json!(["KEY_WORKER", "PERSONAL_ADVISER"]));
    assert_eq!(audited(&app, "invitation.create").await, 1);

    let token = link_token(&smtp, new, "invitation", 0).await;
    // The token is only in the email: not in any job, not stored in clear.
    for payload in job_payloads(&app).await {
        assert!(!payload.contains(&token), "{payload}");
    }
    let stored = query(&app.db, "SELECT token_hash FROM invitations", vec![])
        .await
        .unwrap();
    let hash: String = closeknit::db::rows::get(&stored[0], "token_hash").unwrap();
    assert_ne!(hash, token);
    assert_eq!(hash.len(), 64);

    let preview = by_token(&app, &token).await;
    assert_eq!(preview["organisationName"], "Northmoor Children's Services");
    assert_eq!(preview["email"], new);
    assert_eq!(preview["needsPassword"], true);
    assert_eq!(by_token(&app, "not-a-real-token").await, Value::Null);

    // Weak passwords are refused, saying why, and nothing is made.
    for (weak, why) in [
        ("short1!", "at least 12 characters"),
        ("password1234", "too easy to guess"),
        ("okafornorthmoor", "too easy to guess"),
    ] {
        let body = accept(&app, &token, Some(weak)).await;
        assert_eq!(error_codes(&body), [BAD], "{weak}: {body}");
        assert_eq!(field(&body), "password");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{weak}: {message}");
    }
    let body = accept(&app, &token, None).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "password")
    );
    assert_eq!(listed(&app, &admin, &org, "PENDING").await, [new]);

    let body = accept(&app, &token, Some(STRONG)).await;
    assert!(body["errors"].is_null(), "{body}");
    let session = &body["data"]["acceptInvitation"];
    assert_eq!(session["me"]["email"], new);
    let mut roles: Vec<String> = session["me"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["role"].as_str().unwrap().to_string())
        .collect();
    roles.sort();
    assert_eq!(roles, ["KEY_WORKER", "PERSONAL_ADVISER"]);
    let access = session["accessToken"].as_str().unwrap();
    let (_, me) = app.graphql_as(access, ME, json!({})).await;
    assert_eq!(me["data"]["me"]["email"], new);
    assert_eq!(audited(&app, "invitation.accept").await, 1);
    let method = query(
        &app.db,
        "SELECT method FROM security_events WHERE kind = 'signed_in' AND method = 'invitation'",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(method.len(), 1);

    // Single use.
    let again = accept(&app, &token, Some(STRONG)).await;
    assert_eq!(error_codes(&again), [BAD]);
    assert_eq!(field(&again), "token");
    assert!(
        again["errors"][0]["message"].as_str().unwrap().contains(
            "This invitation link has expired or has already been used: ask for a new one"
        )
    );
    assert_eq!(by_token(&app, &token).await, Value::Null);
    assert_eq!(listed(&app, &admin, &org, "ACCEPTED").await, [new]);
    assert!(listed(&app, &admin, &org, "PENDING").await.is_empty());

    // The new password signs in.
    let (_, body) = app
        .graphql(
            "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { accessToken } }",
            json!({"e": new, "p": STRONG}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn an_existing_staff_account_gets_the_roles_without_a_password() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    // The training provider's coordinator is also asked to be a
    // facilitator for Northmoor.
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let org = organisation_of(&app, NORTHMOOR_ADMIN, "ORGANISATION_ADMIN").await;
    let existing = "training.coordinator@kinshiplearning.example";
    let body = invite(&app, &admin, &org, existing, &["FACILITATOR"]).await;
    assert!(body["errors"].is_null(), "{body}");
    let token = link_token(&smtp, existing, "invitation", 0).await;
    assert_eq!(by_token(&app, &token).await["needsPassword"], false);
    let body = accept(&app, &token, None).await;
    assert!(body["errors"].is_null(), "{body}");
    let grants = body["data"]["acceptInvitation"]["me"]["roles"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        grants.iter().any(|g| g["role"] == "FACILITATOR"
            && g["organisation"]["name"] == "Northmoor Children's Services"),
        "{grants:?}"
    );
    assert!(
        grants.iter().any(|g| g["role"] == "TRAINING_COORDINATOR"),
        "{grants:?}"
    );
    // The old password still works: it was not touched.
    app.staff_token(existing).await;

    // A young person's address cannot be invited as staff.
    let body = invite(
        &app,
        &admin,
        &org,
        "young.person@northmoor.example",
        &["KEY_WORKER"],
    )
    .await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "email")
    );
}

#[tokio::test]
async fn inviting_is_refused_outside_ones_organisation_and_above_ones_role() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let northmoor = organisation_of(&app, NORTHMOOR_ADMIN, "ORGANISATION_ADMIN").await;
    let eastbrook = organisation_of(&app, EASTBROOK_ADMIN, "ORGANISATION_ADMIN").await;
    let new = "new.person@northmoor.example";

    let body = invite(&app, &admin, &eastbrook, new, &["KEY_WORKER"]).await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    for above in ["ORGANISATION_ADMIN", "PLATFORM_ADMIN"] {
        let body = invite(&app, &admin, &northmoor, new, &[above]).await;
        assert_eq!(error_codes(&body), [FORB], "{above}: {body}");
    }
    let body = invite(&app, &admin, &northmoor, new, &["ADVOCATE"]).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "roles")
    );
    let body = invite(&app, &admin, &northmoor, new, &[]).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "roles")
    );
    let body = invite(&app, &admin, &northmoor, "not-an-email", &["KEY_WORKER"]).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "email")
    );
    let (_, body) = app
        .graphql_as(
            &admin,
            INVITE,
            json!({"input": {
            "organisationId": northmoor, "email": new, "givenName": " ", "familyName": "X",
            "roles": ["KEY_WORKER"]}}),
        )
        .await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "givenName")
    );
    // Nothing was stored by any refusal.
    assert!(
        query(&app.db, "SELECT id FROM invitations", vec![])
            .await
            .unwrap()
            .is_empty()
    );

    // A platform admin may offer organisation administration, but not a
    // platform role in a local authority team.
    let platform = app.staff_token(PLATFORM_ADMIN).await;
    let body = invite(&app, &platform, &northmoor, new, &["ORGANISATION_ADMIN"]).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = invite(&app, &platform, &northmoor, new, &["PLATFORM_ADMIN"]).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "roles")
    );
}

#[tokio::test]
async fn replaced_revoked_expired_and_resent_links() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let org = organisation_of(&app, NORTHMOOR_ADMIN, "ORGANISATION_ADMIN").await;
    let first = "first.person@northmoor.example";

    // Inviting again replaces the pending invitation and its link.
    let body = invite(&app, &admin, &org, first, &["KEY_WORKER"]).await;
    let old_id = body["data"]["inviteStaff"]["invitation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let old = link_token(&smtp, first, "invitation", 0).await;
    let body = invite(&app, &admin, &org, first, &["REFERRER"]).await;
    let id = body["data"]["inviteStaff"]["invitation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let replaced = link_token(&smtp, first, "invitation", 1).await;
    assert_ne!(old, replaced);
    assert_eq!(by_token(&app, &old).await, Value::Null);
    assert_eq!(error_codes(&accept(&app, &old, Some(STRONG)).await), [BAD]);
    assert_eq!(
        by_token(&app, &replaced).await["roles"],
        json!(["REFERRER"])
    );
    assert_eq!(listed(&app, &admin, &org, "REVOKED").await, [first]);

    // Revoked: the link stops working; revoking again is refused.
    let (_, body) = app.graphql_as(&admin, REVOKE, json!({"id": id})).await;
    assert_eq!(
        body["data"]["revokeInvitation"]["invitation"]["status"], "REVOKED",
        "{body}"
    );
    assert_eq!(by_token(&app, &replaced).await, Value::Null);
    let body = accept(&app, &replaced, Some(STRONG)).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "token")
    );
    let (_, body) = app.graphql_as(&admin, REVOKE, json!({"id": old_id})).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "id")
    );
    assert_eq!(audited(&app, "invitation.revoke").await, 1);

    // Expired (moved into the past in the database): null, refused, listed
    // as expired.
    let second = "second.person@northmoor.example";
    let body = invite(&app, &admin, &org, second, &["KEY_WORKER"]).await;
    let id = body["data"]["inviteStaff"]["invitation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let expired = link_token(&smtp, second, "invitation", 0).await;
    exec(
        &app.db,
        "UPDATE invitations SET expires_at = $2 WHERE email = $1",
        vec![
            second.into(),
            (chrono::Utc::now() - chrono::Duration::minutes(1)).into(),
        ],
    )
    .await
    .unwrap();
    assert_eq!(by_token(&app, &expired).await, Value::Null);
    let body = accept(&app, &expired, Some(STRONG)).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "token")
    );
    assert_eq!(listed(&app, &admin, &org, "EXPIRED").await, [second]);
    assert!(
        !listed(&app, &admin, &org, "PENDING")
            .await
            .contains(&second.to_string())
    );

    // Resent: a new link, 7 new days; the old link stays dead.
    let (_, body) = app.graphql_as(&admin, RESEND, json!({"id": id})).await;
    assert_eq!(
        body["data"]["resendInvitation"]["invitation"]["status"], "PENDING",
        "{body}"
    );
    let fresh = link_token(&smtp, second, "invitation", 1).await;
    assert_ne!(fresh, expired);
    assert_eq!(by_token(&app, &expired).await, Value::Null);
    let body = accept(&app, &fresh, Some(STRONG)).await;
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(audited(&app, "invitation.resend").await, 1);
    // Accepted: neither revoked nor resent any more.
    let (_, body) = app.graphql_as(&admin, RESEND, json!({"id": id})).await;
    assert_eq!(
        (error_codes(&body), field(&body)),
        (vec![BAD.to_string()], "id")
    );
    for payload in job_payloads(&app).await {
        for token in [&old, &replaced, &expired, &fresh] {
            assert!(!payload.contains(token.as_str()), "{payload}");
        }
    }
}

/// Who may call each invitation operation, written out by hand.
#[tokio::test]
async fn who_may_manage_invitations() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let org = organisation_of(&app, NORTHMOOR_ADMIN, "ORGANISATION_ADMIN").await;
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let body = invite(
        &app,
        &admin,
        &org,
        "target@northmoor.example",
        &["REFERRER"],
    )
    .await;
    let id = body["data"]["inviteStaff"]["invitation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // inviteStaff, invitations, resendInvitation (leaves it pending) then
    // revokeInvitation of a fresh invitation per caller who may.
    let rows: [(&str, [&str; 4]); 7] = [
        (ANONYMOUS, [UNAUTH, UNAUTH, UNAUTH, UNAUTH]),
        ("young.person@northmoor.example", [FORB, FORB, NF, NF]),
        ("key.worker@northmoor.example", [FORB, FORB, NF, NF]),
        ("la.manager@northmoor.example", [FORB, FORB, NF, NF]),
        (NORTHMOOR_ADMIN, [OK, OK, OK, OK]),
        (EASTBROOK_ADMIN, [FORB, FORB, NF, NF]),
        (PLATFORM_ADMIN, [OK, OK, OK, OK]),
    ];
    for (n, (who, expected)) in rows.iter().enumerate() {
        let token = token(&app, &smtp, who).await;
        let email = format!("person{n}@northmoor.example");
        let invited = send(
            &app,
            &token,
            "inviteStaff",
            INVITE,
            invitation(&org, &email, &["KEY_WORKER"]),
        )
        .await;
        let list = send(&app, &token, "invitations", LIST, json!({"org": org})).await;
        let resent = send(&app, &token, "resendInvitation", RESEND, json!({"id": id})).await;
        let revoke_id = invited["data"]["inviteStaff"]["invitation"]["id"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| id.clone());
        let revoked = send(
            &app,
            &token,
            "revokeInvitation",
            REVOKE,
            json!({"id": revoke_id}),
        )
        .await;
        let got = [
            outcome(&invited, "inviteStaff", ""),
            outcome(&list, "invitations", "")
                .replace("unlisted", OK)
                .replace("listed", OK),
            outcome(&resent, "resendInvitation", ""),
            outcome(&revoked, "revokeInvitation", ""),
        ];
        assert_eq!(got, *expected, "{who}");
    }
    // The public operations: anyone, with a token (a wrong one here).
    let body = app.graphql(BY_TOKEN, json!({"t": "nope"})).await.1;
    assert_eq!(outcome(&body, "invitationByToken", ""), "null");
    let body = accept(&app, "nope", Some(STRONG)).await;
    assert_eq!(outcome(&body, "acceptInvitation", ""), BAD);
}

/// A send that fails is retried with a fresh token: the one delivered is
/// the one that works. A repeated `clientMutationId` replays the first
/// invitation instead of making another.
#[tokio::test]
async fn a_failed_send_is_retried_with_a_fresh_link_and_invitations_replay() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let admin = app.staff_token(NORTHMOOR_ADMIN).await;
    let org = organisation_of(&app, NORTHMOOR_ADMIN, "ORGANISATION_ADMIN").await;
    let new = "retry.person@northmoor.example";
    smtp.refuse_next(1);
    let mut input = invitation(&org, new, &["KEY_WORKER"]);
    input["input"]["clientMutationId"] = json!("invite-retry-1");
    let first = app.graphql_as(&admin, INVITE, input.clone()).await.1;
    let again = app.graphql_as(&admin, INVITE, input).await.1;
    assert!(first["errors"].is_null(), "{first}");
    assert_eq!(
        first["data"]["inviteStaff"]["invitation"]["id"],
        again["data"]["inviteStaff"]["invitation"]["id"]
    );
    assert_eq!(
        query(&app.db, "SELECT id FROM invitations", vec![])
            .await
            .unwrap()
            .len(),
        1
    );
    let token = link_token(&smtp, new, "invitation", 0).await;
    let jobs = query(
        &app.db,
        "SELECT attempts FROM jobs WHERE kind = 'invitation.email'",
        vec![],
    )
    .await
    .unwrap();
    let attempts: i32 = closeknit::db::rows::get(&jobs[0], "attempts").unwrap();
    assert_eq!(
        (jobs.len(), attempts),
        (1, 2),
        "the first attempt met a refusal"
    );
    assert_eq!(by_token(&app, &token).await["email"], new);
    let body = accept(&app, &token, Some(STRONG)).await;
    assert!(body["errors"].is_null(), "{body}");
}
