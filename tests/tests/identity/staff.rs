//! An organisation's people, over real HTTP on both databases: roles
//! granted and removed by the organisation's administrators within their
//! organisation only (taking effect on the next request), accounts disabled
//! (every session ended, sockets closed with 4401, tokens refused) and
//! re-enabled, the staff list and the sign-in history (audited reads), and
//! who may call each operation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use closeknit::seed::DEMO_STAFF_PASSWORD;
use closeknit_tests::{TestApp, error_codes, global_id, signing_key_pem, ws};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::matrix::{ANONYMOUS, FORB, NF, OK, UNAUTH, input, outcome, send, token};

const PLATFORM: &str = "admin@closeknit.example";
const ADMIN: &str = "org.admin@northmoor.example";
const OTHER_ADMIN: &str = "org.admin@eastbrook.example";
const ADVISER: &str = "personal.adviser@northmoor.example";
const SOCIAL_WORKER: &str = "social.worker@northmoor.example";
const TEAM: &str = "Northmoor Children's Services";

const GRANT: &str =
    "mutation($input: GrantRoleInput!) { grantRole(input: $input) { accountId roles changed } }";
const REMOVE: &str =
    "mutation($input: RemoveRoleInput!) { removeRole(input: $input) { accountId roles changed } }";
const DISABLE: &str = "mutation($input: DisableAccountInput!) { disableAccount(input: $input) { accountId status disabledAt } }";
const ENABLE: &str = "mutation($input: EnableAccountInput!) { enableAccount(input: $input) { accountId status disabledAt } }";
const TRAIL: &str =
    "query($la: ID!) { auditTrail(localAuthorityId: $la, first: 1) { edges { node { action } } } }";
const STAFF: &str = "query($org: ID!, $first: Int, $after: String, $search: String, $role: Role, $status: AccountStatus) { \
    organisationStaff(organisationId: $org, first: $first, after: $after, search: $search, role: $role, status: $status) { \
    pageInfo { hasNextPage endCursor } edges { node { id email givenName familyName roles status lastSignInAt } } } }";
const HISTORY: &str = "query($org: ID!, $account: ID, $outcome: SignInOutcome, $from: DateTime, $to: DateTime) { \
    signInHistory(organisationId: $org, accountId: $account, outcome: $outcome, from: $from, to: $to) { \
    edges { node { occurredAt outcome method reason accountId email } } } }";
const SIGN_IN: &str = "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { accessToken refreshToken } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken } }";

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql_as(token, query, variables).await.1
}

async fn account_id(app: &TestApp, email: &str) -> String {
    let email = closeknit::identity::model::Email::parse("email", email).unwrap();
    let account = closeknit::identity::store::account_by_email(&app.db, &email)
        .await
        .unwrap()
        .unwrap();
    global_id("Account", account.id)
}

async fn organisation_id(app: &TestApp, name: &str) -> String {
    let org = closeknit::identity::store::organisation_by_name(&app.db, name)
        .await
        .unwrap()
        .unwrap();
    global_id("Organisation", org.id)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        &format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"),
    )
    .await
}

fn roles(body: &Value, root: &str) -> Vec<String> {
    body["data"][root]["roles"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn roles_are_granted_within_the_organisation_and_take_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let platform = app.staff_token(PLATFORM).await;
    let adviser_token = app.staff_token(ADVISER).await;
    let adviser = account_id(&app, ADVISER).await;
    let team = organisation_id(&app, TEAM).await;
    let la = app.local_authority_id("E06099001").await;
    let role = |account: &str, org: &str, role: &str| {
        input(json!({"accountId": account, "organisationId": org, "role": role}))
    };

    // Before: a personal adviser does not read the authority's trail.
    let body = gql(&app, &adviser_token, TRAIL, json!({"la": la})).await;
    assert_eq!(error_codes(&body), [FORB]);
    let body = gql(&app, &admin, GRANT, role(&adviser, &team, "LA_MANAGER")).await;
    assert_eq!(
        roles(&body, "grantRole"),
        ["PERSONAL_ADVISER", "LA_MANAGER"]
    );
    assert_eq!(body["data"]["grantRole"]["changed"], true);
    // The same access token, on its next request, holds the new role.
    let body = gql(&app, &adviser_token, TRAIL, json!({"la": la})).await;
    assert!(body["errors"].is_null(), "{body}");
    // Granting it again changes nothing: no second row, no audit.
    let body = gql(&app, &admin, GRANT, role(&adviser, &team, "LA_MANAGER")).await;
    assert_eq!(body["data"]["grantRole"]["changed"], false, "{body}");
    let held = closeknit::db::raw::query(
        &app.db,
        "SELECT id FROM role_grants WHERE account_id = $1 AND role = 'la_manager'",
        vec![closeknit_tests::uuid_of(&adviser).into()],
    )
    .await
    .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(audited(&app, "role.grant").await, 1);
    // Removed: refused again on the next request.
    let body = gql(&app, &admin, REMOVE, role(&adviser, &team, "LA_MANAGER")).await;
    assert_eq!(roles(&body, "removeRole"), ["PERSONAL_ADVISER"]);
    let body = gql(&app, &adviser_token, TRAIL, json!({"la": la})).await;
    assert_eq!(error_codes(&body), [FORB]);
    let body = gql(&app, &admin, REMOVE, role(&adviser, &team, "LA_MANAGER")).await;
    assert_eq!(body["data"]["removeRole"]["changed"], false);
    assert_eq!(audited(&app, "role.remove").await, 1);

    // Refusals: a role above one's own; a role the kind may not hold; a
    // young person's account; an account not in the organisation; another
    // organisation's administrator.
    let body = gql(
        &app,
        &admin,
        GRANT,
        role(&adviser, &team, "ORGANISATION_ADMIN"),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    let body = gql(&app, &admin, GRANT, role(&adviser, &team, "ADVOCATE")).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.role");
    let young = account_id(&app, "young.person@northmoor.example").await;
    let body = gql(&app, &admin, GRANT, role(&young, &team, "REFERRER")).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.accountId");
    let outsider = account_id(&app, "la.manager@eastbrook.example").await;
    let body = gql(&app, &admin, GRANT, role(&outsider, &team, "REFERRER")).await;
    assert_eq!(error_codes(&body), [NF]);
    let other = app.staff_token(OTHER_ADMIN).await;
    let body = gql(&app, &other, GRANT, role(&adviser, &team, "REFERRER")).await;
    assert_eq!(error_codes(&body), [NF]);
    let eastbrook_team = organisation_id(&app, "Eastbrook Children's Services").await;
    let body = gql(
        &app,
        &admin,
        GRANT,
        role(&outsider, &eastbrook_team, "REFERRER"),
    )
    .await;
    assert_eq!(error_codes(&body), [NF], "another organisation's people");
    // The platform administrator grants organisation administration, but
    // never a role outside the kind's table.
    let body = gql(
        &app,
        &platform,
        GRANT,
        role(&adviser, &team, "ORGANISATION_ADMIN"),
    )
    .await;
    assert_eq!(
        roles(&body, "grantRole"),
        ["PERSONAL_ADVISER", "ORGANISATION_ADMIN"]
    );
    let body = gql(
        &app,
        &platform,
        GRANT,
        role(&adviser, &team, "PLATFORM_ADMIN"),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    // The new organisation administrator manages the team's staff at once.
    let body = gql(
        &app,
        &adviser_token,
        STAFF,
        json!({"org": team, "first": 1}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    // And may not remove administration (their own or anyone's).
    let admin_account = account_id(&app, ADMIN).await;
    let body = gql(
        &app,
        &adviser_token,
        REMOVE,
        role(&admin_account, &team, "ORGANISATION_ADMIN"),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB]);
    assert_eq!(audited(&app, "role.grant").await, 2);
}

#[tokio::test]
async fn a_disabled_account_is_signed_out_everywhere_until_enabled() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_JWT_PRIVATE_KEY", &signing_key_pem(11))
        .spawn()
        .await;
    let admin = app.staff_token(ADMIN).await;
    let worker = account_id(&app, SOCIAL_WORKER).await;
    let (_, body) = app
        .graphql(
            SIGN_IN,
            json!({"e": SOCIAL_WORKER, "p": DEMO_STAFF_PASSWORD}),
        )
        .await;
    let access = body["data"]["signIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let refresh = body["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let mut socket = ws::subscribed(&app, &access).await;
    let me = "{ me { email } }";
    assert_eq!(app.graphql_as(&access, me, json!({})).await.0, 200);

    // A reason is required.
    let body = gql(
        &app,
        &admin,
        DISABLE,
        input(json!({"accountId": worker, "reason": " "})),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "input.reason",
        "{body}"
    );
    let body = gql(
        &app,
        &admin,
        DISABLE,
        input(json!({"accountId": worker, "reason": "Left the team"})),
    )
    .await;
    assert_eq!(
        body["data"]["disableAccount"]["status"], "DISABLED",
        "{body}"
    );
    assert!(body["data"]["disableAccount"]["disabledAt"].is_string());
    // Its open socket closes; its access token is refused on the next
    // request, its refresh token and its password too.
    let closed = ws::next(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(closed, Some(json!({"closed": 4401})));
    assert_eq!(app.graphql_as(&access, me, json!({})).await.0, 401);
    let (_, body) = app.graphql(REFRESH, json!({"t": refresh})).await;
    assert_eq!(error_codes(&body), [UNAUTH]);
    let (_, body) = app
        .graphql(
            SIGN_IN,
            json!({"e": SOCIAL_WORKER, "p": DEMO_STAFF_PASSWORD}),
        )
        .await;
    assert_eq!(error_codes(&body), [UNAUTH]);
    assert_eq!(audited(&app, "account.disable").await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM security_events WHERE kind = 'account_disabled' AND detail = 'Left the team'").await,
        1
    );
    // Disabling again changes nothing.
    let body = gql(
        &app,
        &admin,
        DISABLE,
        input(json!({"accountId": worker, "reason": "Again"})),
    )
    .await;
    assert_eq!(body["data"]["disableAccount"]["status"], "DISABLED");
    assert_eq!(audited(&app, "account.disable").await, 1);

    // Re-enabled, it signs in again.
    let body = gql(&app, &admin, ENABLE, input(json!({"accountId": worker}))).await;
    assert_eq!(body["data"]["enableAccount"]["status"], "ACTIVE", "{body}");
    assert!(body["data"]["enableAccount"]["disabledAt"].is_null());
    let (_, body) = app
        .graphql(
            SIGN_IN,
            json!({"e": SOCIAL_WORKER, "p": DEMO_STAFF_PASSWORD}),
        )
        .await;
    assert!(body["data"]["signIn"]["accessToken"].is_string(), "{body}");
    assert_eq!(audited(&app, "account.enable").await, 1);

    // Never one's own account; another organisation's admin does not
    // know it; an account with roles in two organisations is for platform
    // administrators only.
    let own = account_id(&app, ADMIN).await;
    let body = gql(
        &app,
        &admin,
        DISABLE,
        input(json!({"accountId": own, "reason": "Me"})),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB]);
    let other = app.staff_token(OTHER_ADMIN).await;
    let body = gql(
        &app,
        &other,
        DISABLE,
        input(json!({"accountId": worker, "reason": "No"})),
    )
    .await;
    assert_eq!(error_codes(&body), [NF]);
    let platform = app.staff_token(PLATFORM).await;
    let home = organisation_id(&app, "Northmoor Lodge Children's Home").await;
    let team = organisation_id(&app, TEAM).await;
    // Someone with roles in the team and the home.
    closeknit::identity::store::insert_account(
        &app.db,
        closeknit::identity::store::NewAccount {
            given_name: "Sam",
            family_name: "Split",
            email: &closeknit::identity::model::Email::parse("e", "sam.split@northmoor.example")
                .unwrap(),
            password_hash: None,
            date_of_birth: None,
            local_authority_id: None,
            roles: &[
                (
                    closeknit::identity::model::Role::Referrer,
                    closeknit_tests::uuid_of(&team),
                ),
                (
                    closeknit::identity::model::Role::Referrer,
                    closeknit_tests::uuid_of(&home),
                ),
            ],
        },
    )
    .await
    .unwrap();
    let split = account_id(&app, "sam.split@northmoor.example").await;
    let body = gql(
        &app,
        &admin,
        DISABLE,
        input(json!({"accountId": split, "reason": "No"})),
    )
    .await;
    assert_eq!(error_codes(&body), [FORB], "{body}");
    let body = gql(
        &app,
        &platform,
        DISABLE,
        input(json!({"accountId": split, "reason": "Yes"})),
    )
    .await;
    assert_eq!(
        body["data"]["disableAccount"]["status"], "DISABLED",
        "{body}"
    );

    // An account not yet activated is not enabled by an administrator.
    closeknit::db::raw::exec(
        &app.db,
        "UPDATE accounts SET status = 'pending' WHERE id = $1",
        vec![closeknit_tests::uuid_of(&worker).into()],
    )
    .await
    .unwrap();
    let body = gql(&app, &admin, ENABLE, input(json!({"accountId": worker}))).await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
}

#[tokio::test]
async fn administrators_see_their_staff_and_sign_in_history() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(ADMIN).await;
    let team = organisation_id(&app, TEAM).await;
    // A failed sign-in and a successful one for the social worker.
    let (_, body) = app
        .graphql(
            SIGN_IN,
            json!({"e": SOCIAL_WORKER, "p": "not the password"}),
        )
        .await;
    assert_eq!(error_codes(&body), [UNAUTH]);
    app.staff_token(SOCIAL_WORKER).await;
    let before = audited(&app, "staff.read").await;

    let body = gql(&app, &admin, STAFF, json!({"org": team})).await;
    let members: Vec<Value> = body["data"]["organisationStaff"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let emails: Vec<&str> = members
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "la.manager@northmoor.example",
            "org.admin@northmoor.example",
            "personal.adviser@northmoor.example",
            "social.worker@northmoor.example"
        ],
        "staff only: no young people or carers, nobody from the home"
    );
    let worker = members
        .iter()
        .find(|m| m["email"] == SOCIAL_WORKER)
        .unwrap();
    assert_eq!(worker["roles"], json!(["REFERRER"]));
    assert_eq!(worker["status"], "ACTIVE");
    assert_eq!(worker["givenName"], "Robin");
    assert!(worker["lastSignInAt"].is_string());
    assert_eq!(
        audited(&app, "staff.read").await,
        before + 4,
        "each member read is audited"
    );

    // Filters and paging.
    let body = gql(
        &app,
        &admin,
        STAFF,
        json!({"org": team, "search": "ADVISER"}),
    )
    .await;
    assert_eq!(
        body["data"]["organisationStaff"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let body = gql(
        &app,
        &admin,
        STAFF,
        json!({"org": team, "role": "LA_MANAGER"}),
    )
    .await;
    assert_eq!(
        body["data"]["organisationStaff"]["edges"][0]["node"]["email"],
        "la.manager@northmoor.example"
    );
    let body = gql(
        &app,
        &admin,
        STAFF,
        json!({"org": team, "status": "DISABLED"}),
    )
    .await;
    assert_eq!(body["data"]["organisationStaff"]["edges"], json!([]));
    let body = gql(&app, &admin, STAFF, json!({"org": team, "first": 3})).await;
    let page = &body["data"]["organisationStaff"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let body = gql(
        &app,
        &admin,
        STAFF,
        json!({"org": team, "first": 3, "after": page["pageInfo"]["endCursor"]}),
    )
    .await;
    assert_eq!(
        body["data"]["organisationStaff"]["edges"][0]["node"]["email"],
        SOCIAL_WORKER
    );

    // The sign-in history, newest first.
    let worker_id = account_id(&app, SOCIAL_WORKER).await;
    let before = audited(&app, "sign_in_history.read").await;
    let body = gql(
        &app,
        &admin,
        HISTORY,
        json!({"org": team, "account": worker_id}),
    )
    .await;
    let events: Vec<Value> = body["data"]["signInHistory"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(events.len(), 2, "{body}");
    assert_eq!(events[0]["outcome"], "SUCCEEDED");
    assert_eq!(events[0]["method"], "PASSWORD");
    assert_eq!(events[1]["outcome"], "FAILED");
    assert_eq!(events[1]["reason"], "wrong password");
    assert!(events[1]["method"].is_null());
    assert_eq!(audited(&app, "sign_in_history.read").await, before + 1);
    let body = gql(
        &app,
        &admin,
        HISTORY,
        json!({"org": team, "outcome": "FAILED"}),
    )
    .await;
    let failed = body["data"]["signInHistory"]["edges"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{body}");
    assert_eq!(failed[0]["node"]["email"], SOCIAL_WORKER);
    // The whole team's: the admin's own sign-in too, nobody else's.
    let body = gql(&app, &admin, HISTORY, json!({"org": team})).await;
    let emails: Vec<&str> = body["data"]["signInHistory"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [SOCIAL_WORKER, SOCIAL_WORKER, ADMIN]);
    let body = gql(
        &app,
        &admin,
        HISTORY,
        json!({"org": team, "from": "2030-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(body["data"]["signInHistory"]["edges"], json!([]));
    let body = gql(
        &app,
        &admin,
        HISTORY,
        json!({"org": team, "from": "2030-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn only_an_organisations_admins_and_platform_admins_manage_its_people() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let team = organisation_id(&app, TEAM).await;
    let adviser = account_id(&app, ADVISER).await;
    let worker = account_id(&app, SOCIAL_WORKER).await;
    let viewers = [
        (ANONYMOUS, UNAUTH, UNAUTH),
        ("young.person@northmoor.example", NF, FORB),
        ("key.worker@northmoor.example", NF, FORB),
        ("la.manager@northmoor.example", NF, FORB),
        (ADMIN, OK, "listed"),
        (OTHER_ADMIN, NF, FORB),
        (PLATFORM, OK, "listed"),
    ];
    let role = json!({"accountId": adviser, "organisationId": team, "role": "REFERRER"});
    for (email, change, read) in viewers {
        let token = token(&app, &smtp, email).await;
        for (label, fields) in [
            ("grantRole", role.clone()),
            ("removeRole", role.clone()),
            (
                "disableAccount",
                json!({"accountId": worker, "reason": "Matrix"}),
            ),
            ("enableAccount", json!({"accountId": worker})),
        ] {
            let body = send(&app, &token, label, label, input(fields)).await;
            assert_eq!(
                outcome(&body, label, ""),
                change,
                "{label} as {email}: {body}"
            );
        }
        let body = send(
            &app,
            &token,
            "organisationStaff",
            "query($o: ID!) { organisationStaff(organisationId: $o) { edges { node { id } } } }",
            json!({"o": team}),
        )
        .await;
        assert_eq!(
            outcome(&body, "organisationStaff", &worker),
            read,
            "organisationStaff as {email}: {body}"
        );
        let body = send(
            &app,
            &token,
            "signInHistory",
            "query($o: ID!) { signInHistory(organisationId: $o) { edges { node { accountId } } } }",
            json!({"o": team}),
        )
        .await;
        let seen = outcome(&body, "signInHistory", "");
        let expected = if read == "listed" { "unlisted" } else { read };
        assert_eq!(seen, expected, "signInHistory as {email}: {body}");
    }
}
