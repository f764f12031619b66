//! Second factor for staff: an authenticator app (TOTP, computed here with
//! totp-rs as an app would) and recovery codes; the challenge between a
//! right password and the session; the lockout wrong codes share with
//! passwords; an organisation's requirement; who may do what. Both
//! databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit::db::raw::{exec, query};
use closeknit_tests::{TestApp, error_codes};
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::matrix::{BAD, UNAUTH, input, send};

mod access;
mod requirement;

const PASSWORD: &str = closeknit::seed::DEMO_STAFF_PASSWORD;
const SOCIAL_WORKER: &str = "social.worker@northmoor.example";
const LA_MANAGER: &str = "la.manager@northmoor.example";
const KEY_WORKER: &str = "key.worker@northmoor.example";
const NORTHMOOR_ADMIN: &str = "org.admin@northmoor.example";
const EASTBROOK_ADMIN: &str = "org.admin@eastbrook.example";
const TRAINING_ADMIN: &str = "org.admin@kinshiplearning.example";
const TRAINING_COORDINATOR: &str = "training.coordinator@kinshiplearning.example";
const PLATFORM_ADMIN: &str = "admin@closeknit.example";
const YOUNG_PERSON: &str = "young.person@northmoor.example";

const SIGN_IN: &str = "mutation($e: String!, $p: String!) { \
    signIn(input: {email: $e, password: $p}) { accessToken me { email } } }";
const COMPLETE: &str = "mutation($input: CompleteSignInInput!) { \
    completeSignIn(input: $input) { accessToken me { email } } }";
const START: &str = "mutation($input: StartSecondFactorEnrolmentInput!) { \
    startSecondFactorEnrolment(input: $input) { secret otpauthUri } }";
const CONFIRM: &str = "mutation($input: ConfirmSecondFactorEnrolmentInput!) { \
    confirmSecondFactorEnrolment(input: $input) { recoveryCodes session { accessToken me { email } } } }";
const RENEW: &str = "mutation($input: SecondFactorCodeInput!) { \
    renewRecoveryCodes(input: $input) { recoveryCodes } }";
const REMOVE: &str = "mutation($input: SecondFactorCodeInput!) { \
    removeSecondFactor(input: $input) { removed } }";
const RESET: &str = "mutation($input: ResetSecondFactorInput!) { \
    resetSecondFactor(input: $input) { removed } }";
const REQUIRE: &str = "mutation($input: SetOrganisationSecondFactorRequirementInput!) { \
    setOrganisationSecondFactorRequirement(input: $input) { requiresSecondFactor organisation { id } } }";
const STATUS: &str = "{ mySecondFactor { enrolled required recoveryCodesLeft } }";

/// The authenticator app: the secret as shown at enrolment.
struct App(TOTP);

impl App {
    fn new(secret: &str) -> App {
        let bytes = Secret::Encoded(secret.to_string()).to_bytes().unwrap();
        App(TOTP::new_unchecked(
            Algorithm::SHA1,
            6,
            1,
            30,
            bytes,
            None,
            String::new(),
        ))
    }

    fn step() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            / 30
    }

    /// The code of the current time step plus `ahead` (an app shows the
    /// next code 30 seconds later; the server accepts one step ahead, so a
    /// test need not wait for it).
    fn code(&self, ahead: u64) -> String {
        self.0.generate((App::step() + ahead) * 30)
    }

    /// A six-digit code no step near now has.
    fn wrong(&self) -> String {
        let step = App::step();
        let near: Vec<String> = (step - 2..=step + 3)
            .map(|s| self.0.generate(s * 30))
            .collect();
        (0..)
            .map(|n| format!("{:06}", 123_456 + n))
            .find(|c| !near.contains(c))
            .unwrap()
    }
}

async fn gql(app: &TestApp, token: &str, document: &str, variables: Value) -> Value {
    send(app, token, "op", document, variables).await
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    app.graphql(SIGN_IN, json!({"e": email, "p": password}))
        .await
        .1
}

/// Signs in with the password and expects the challenge of `code`.
async fn challenge(app: &TestApp, email: &str, code: &str) -> String {
    let body = sign_in(app, email, PASSWORD).await;
    assert_eq!(error_codes(&body), [code], "{body}");
    assert!(body["data"].is_null() || body["data"]["signIn"].is_null());
    let error = &body["errors"][0]["extensions"]["details"];
    assert!(error["expiresAt"].is_string(), "{body}");
    error["challenge"].as_str().unwrap().to_string()
}

async fn complete(app: &TestApp, challenge: &str, field: &str, value: &str) -> Value {
    gql(
        app,
        "",
        COMPLETE,
        input(json!({"challenge": challenge, field: value})),
    )
    .await
}

/// Enrols `email` while signed in; returns its app and recovery codes.
/// Uses the current step's code.
async fn enrol(app: &TestApp, email: &str) -> (App, Vec<String>) {
    let token = app.staff_token(email).await;
    let body = gql(app, &token, START, input(json!({}))).await;
    let secret = body["data"]["startSecondFactorEnrolment"]["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    let authenticator = App::new(&secret);
    let body = gql(
        app,
        &token,
        CONFIRM,
        input(json!({"code": authenticator.code(0)})),
    )
    .await;
    let codes: Vec<String> = body["data"]["confirmSecondFactorEnrolment"]["recoveryCodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    (authenticator, codes)
}

async fn texts(app: &TestApp, sql: &str) -> Vec<String> {
    query(&app.db, sql, vec![])
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// The id of the (first) organisation `email` holds a role in, and the
/// account's own id.
async fn ids(app: &TestApp, email: &str) -> (String, String) {
    let token = app.staff_token(email).await;
    let (_, body) = app
        .graphql_as(
            &token,
            "{ me { id roles { organisation { id } } } }",
            json!({}),
        )
        .await;
    let me = &body["data"]["me"];
    (
        me["roles"][0]["organisation"]["id"]
            .as_str()
            .unwrap()
            .into(),
        me["id"].as_str().unwrap().into(),
    )
}

async fn require(app: &TestApp, admin: &str, organisation: &str, required: bool) {
    let token = app.staff_token(admin).await;
    let body = gql(
        app,
        &token,
        REQUIRE,
        input(json!({"organisationId": organisation, "required": required})),
    )
    .await;
    let payload = &body["data"]["setOrganisationSecondFactorRequirement"];
    assert_eq!(payload["requiresSecondFactor"], required, "{body}");
    assert_eq!(payload["organisation"]["id"], organisation, "{body}");
}

#[tokio::test]
async fn enrol_then_sign_in_with_a_code_never_accepting_one_twice() {
    let app = TestApp::spawn().await;
    let token = app.staff_token(SOCIAL_WORKER).await;
    let status = gql(&app, &token, STATUS, json!({})).await;
    assert_eq!(
        status["data"]["mySecondFactor"]["enrolled"], false,
        "{status}"
    );

    let body = gql(&app, &token, START, input(json!({}))).await;
    let started = &body["data"]["startSecondFactorEnrolment"];
    let secret = started["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"));
    let uri = started["otpauthUri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Closeknit:social.worker%40northmoor.example?")
            && uri.contains(&format!("secret={secret}"))
            && uri.contains("issuer=Closeknit"),
        "{uri}"
    );
    // The seed is stored sealed: neither its base32 nor its bytes in clear.
    let stored = texts(&app, "SELECT secret_ciphertext FROM second_factors").await;
    assert_eq!(stored.len(), 1);
    let bytes = Secret::Encoded(secret.into()).to_bytes().unwrap();
    let lower = secret.to_ascii_lowercase();
    assert!(
        !stored[0].contains(secret)
            && !stored[0].to_ascii_lowercase().contains(&lower)
            && !stored[0]
                .as_bytes()
                .windows(bytes.len())
                .any(|w| w == bytes),
        "{stored:?}"
    );
    // Not yet confirmed: signing in needs no code.
    assert!(error_codes(&sign_in(&app, SOCIAL_WORKER, PASSWORD).await).is_empty());

    let authenticator = App::new(secret);
    let wrong = gql(
        &app,
        &token,
        CONFIRM,
        input(json!({"code": authenticator.wrong()})),
    )
    .await;
    assert_eq!(error_codes(&wrong), [BAD], "{wrong}");
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "input.code");
    let used = authenticator.code(0);
    let confirmed = gql(&app, &token, CONFIRM, input(json!({"code": used}))).await;
    let codes = confirmed["data"]["confirmSecondFactorEnrolment"]["recoveryCodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{confirmed}"))
        .clone();
    assert_eq!(codes.len(), 10);
    assert!(confirmed["data"]["confirmSecondFactorEnrolment"]["session"].is_null());
    let distinct: std::collections::BTreeSet<&str> =
        codes.iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(distinct.len(), 10);
    // Recovery codes are stored hashed only.
    let hashes = texts(&app, "SELECT code_hash FROM recovery_codes").await;
    assert_eq!(hashes.len(), 10);
    for code in &codes {
        let code = code.as_str().unwrap();
        assert!(
            hashes
                .iter()
                .all(|h| !h.contains(code) && !h.contains(&code.replace('-', "")))
        );
    }
    let again = gql(
        &app,
        &token,
        CONFIRM,
        input(json!({"code": authenticator.code(1)})),
    )
    .await;
    assert_eq!(error_codes(&again), ["CONFLICT"], "{again}");

    // The password alone is no longer a session.
    let first = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &first, "code", &authenticator.wrong()).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    // The code used to confirm is not accepted again.
    let body = complete(&app, &first, "code", &used).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let next = authenticator.code(1);
    let body = complete(&app, &first, "code", &next).await;
    assert_eq!(
        body["data"]["completeSignIn"]["me"]["email"], SOCIAL_WORKER,
        "{body}"
    );
    let session = body["data"]["completeSignIn"]["accessToken"]
        .as_str()
        .unwrap();
    let status = gql(&app, session, STATUS, json!({})).await;
    assert_eq!(
        status["data"]["mySecondFactor"],
        json!({"enrolled": true, "required": false, "recoveryCodesLeft": 10})
    );
    // The challenge is single use, and the code is not accepted twice.
    let body = complete(&app, &first, "code", &next).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let second = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &second, "code", &next).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    // Neither code nor recovery code, or both: which is needed is said.
    let body = gql(&app, "", COMPLETE, input(json!({"challenge": second}))).await;
    assert_eq!(error_codes(&body), [BAD], "{body}");

    let methods = texts(
        &app,
        "SELECT method FROM security_events WHERE kind = 'signed_in' AND method <> 'password'",
    )
    .await;
    assert_eq!(methods, ["password_totp"]);
    let audited = texts(
        &app,
        "SELECT action FROM audit_events WHERE action LIKE 'second_factor%' ORDER BY id",
    )
    .await;
    assert_eq!(audited, ["second_factor.enrol"]);
    app.stop().await;
}

#[tokio::test]
async fn a_recovery_code_works_once_and_renewing_replaces_them() {
    let app = TestApp::spawn().await;
    let (authenticator, codes) = enrol(&app, SOCIAL_WORKER).await;
    let typed = codes[0].to_uppercase().replace('-', " ");
    let first = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &first, "recoveryCode", &typed).await;
    assert_eq!(
        body["data"]["completeSignIn"]["me"]["email"], SOCIAL_WORKER,
        "{body}"
    );
    let token = body["data"]["completeSignIn"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();

    let second = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &second, "recoveryCode", &codes[0]).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = complete(&app, &second, "recoveryCode", &codes[1]).await;
    assert_eq!(
        body["data"]["completeSignIn"]["me"]["email"], SOCIAL_WORKER,
        "{body}"
    );
    let status = gql(&app, &token, STATUS, json!({})).await;
    assert_eq!(status["data"]["mySecondFactor"]["recoveryCodesLeft"], 8);

    let wrong = gql(
        &app,
        &token,
        RENEW,
        input(json!({"code": authenticator.wrong()})),
    )
    .await;
    assert_eq!(error_codes(&wrong), [BAD], "{wrong}");
    let renewed = gql(
        &app,
        &token,
        RENEW,
        input(json!({"code": authenticator.code(1)})),
    )
    .await;
    let fresh = renewed["data"]["renewRecoveryCodes"]["recoveryCodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{renewed}"))
        .clone();
    assert_eq!(fresh.len(), 10);
    let third = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &third, "recoveryCode", &codes[2]).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = complete(&app, &third, "recoveryCode", fresh[0].as_str().unwrap()).await;
    assert!(
        body["data"]["completeSignIn"]["accessToken"].is_string(),
        "{body}"
    );

    let methods = texts(
        &app,
        "SELECT method FROM security_events WHERE kind = 'signed_in' AND method <> 'password'",
    )
    .await;
    assert_eq!(methods, ["password_recovery_code"; 3]);
    let audited = texts(
        &app,
        "SELECT action FROM audit_events WHERE action LIKE 'second_factor%' ORDER BY id",
    )
    .await;
    assert_eq!(
        audited,
        [
            "second_factor.enrol",
            "second_factor.recovery_code_use",
            "second_factor.recovery_code_use",
            "second_factor.recovery_codes",
            "second_factor.recovery_code_use",
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn wrong_codes_share_the_password_lockout() {
    let app = TestApp::spawn().await;
    let (authenticator, _) = enrol(&app, SOCIAL_WORKER).await;
    for _ in 0..2 {
        let body = sign_in(&app, SOCIAL_WORKER, "not the password").await;
        assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    }
    let pending = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    for _ in 0..3 {
        let body = complete(&app, &pending, "code", &authenticator.wrong()).await;
        assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    }
    // Two wrong passwords and three wrong codes: five failures, locked.
    let body = complete(&app, &pending, "code", &authenticator.code(1)).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = sign_in(&app, SOCIAL_WORKER, PASSWORD).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let locked = texts(
        &app,
        "SELECT kind FROM security_events WHERE kind = 'account_locked'",
    )
    .await;
    assert_eq!(locked.len(), 1);

    // Once the lock has passed, the next code works (the refused one was
    // never used).
    exec(&app.db, "UPDATE accounts SET locked_until = NULL", vec![])
        .await
        .unwrap();
    let pending = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &pending, "code", &authenticator.code(1)).await;
    assert!(
        body["data"]["completeSignIn"]["accessToken"].is_string(),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_challenge_takes_five_wrong_codes_and_expires_after_five_minutes() {
    let app = TestApp::spawn().await;
    let (authenticator, codes) = enrol(&app, SOCIAL_WORKER).await;
    let pending = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    exec(
        &app.db,
        "UPDATE sign_in_challenges SET expires_at = $1",
        vec![(chrono::Utc::now() - chrono::Duration::seconds(1)).into()],
    )
    .await
    .unwrap();
    let body = complete(&app, &pending, "code", &authenticator.code(1)).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = complete(&app, &pending, "recoveryCode", &codes[0]).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    // An expired challenge used nothing up: a new one takes the same codes.
    let fresh = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &fresh, "recoveryCode", &codes[0]).await;
    assert!(
        body["data"]["completeSignIn"]["accessToken"].is_string(),
        "{body}"
    );
    // Five wrong codes use a challenge up (and, five failures, lock the
    // account): even once the lock is lifted, its right code is refused.
    let spent = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    for _ in 0..5 {
        let body = complete(&app, &spent, "code", &authenticator.wrong()).await;
        assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    }
    exec(&app.db, "UPDATE accounts SET locked_until = NULL", vec![])
        .await
        .unwrap();
    let body = complete(&app, &spent, "recoveryCode", &codes[1]).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let body = complete(&app, &spent, "code", &authenticator.code(1)).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let again = challenge(&app, SOCIAL_WORKER, "SECOND_FACTOR_REQUIRED").await;
    let body = complete(&app, &again, "code", &authenticator.code(1)).await;
    assert!(
        body["data"]["completeSignIn"]["accessToken"].is_string(),
        "{body}"
    );
    // A made-up challenge is refused like any other failure.
    let body = complete(&app, "not-a-challenge", "code", &authenticator.code(1)).await;
    assert_eq!(error_codes(&body), [UNAUTH], "{body}");
    let kept = texts(&app, "SELECT token_hash FROM sign_in_challenges").await;
    assert!(
        kept.iter()
            .all(|h| h != &pending && h != &fresh && h.len() == 64)
    );
    app.stop().await;
}

#[tokio::test]
async fn later_sign_in_steps_spend_the_address_budget() {
    let app = TestApp::builder()
        .env("CLOSEKNIT_RATE_SIGN_IN_PER_IP", "3/10m")
        .spawn()
        .await;
    let complete_sso =
        "mutation { completeSingleSignOn(input: {code: \"made-up\"}) { accessToken } }";
    let mut got = Vec::new();
    for attempt in 0..4 {
        let body = if attempt % 2 == 0 {
            complete(&app, "made-up-challenge", "code", "123456").await
        } else {
            gql(&app, "", complete_sso, json!({})).await
        };
        got.push(error_codes(&body));
    }
    assert_eq!(
        got,
        [[UNAUTH], [UNAUTH], [UNAUTH], ["RATE_LIMITED"]],
        "a second-factor code and a single sign-on result share the address's sign-in budget"
    );
}
