//! Push notifications on both databases, against stand-ins for FCM (with
//! its OAuth token endpoint), APNs over HTTP/2 and a Web Push service on
//! loopback: delivery without personal data, pruning of dead tokens,
//! retries, shared phones, and registration rules.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use closeknit::notifications::{
    model::Kind,
    service::{self, NewNotification},
};
use closeknit_tests::{
    TestApp,
    demo::YOUNG_PERSON as YP,
    error_codes, eventually,
    push_fake::{Keys, PushFake},
    smtp::SmtpSink,
};
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

const YP2: &str = "young.person.two@northmoor.example";

struct Setup {
    app: TestApp,
    smtp: SmtpSink,
    fake: PushFake,
    _files: tempfile::TempDir,
}

async fn setup() -> Setup {
    let keys = Keys::generate();
    let fake = PushFake::start(&keys).await;
    let smtp = SmtpSink::start().await;
    let files = tempfile::tempdir().unwrap();
    let fcm = files.path().join("fcm.json");
    std::fs::write(&fcm, fake.fcm_credentials(&keys)).unwrap();
    let ec = files.path().join("key.p8");
    std::fs::write(&ec, &keys.ec_private_pem).unwrap();
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_FCM_CREDENTIALS_FILE", fcm.to_str().unwrap())
        .env("CLOSEKNIT_FCM_BASE_URL", &fake.url())
        .env("CLOSEKNIT_APNS_KEY_FILE", ec.to_str().unwrap())
        .env("CLOSEKNIT_APNS_KEY_ID", "KEY1234567")
        .env("CLOSEKNIT_APNS_TEAM_ID", "TEAM123456")
        .env("CLOSEKNIT_APNS_TOPIC", "org.closeknit.app")
        .env("CLOSEKNIT_APNS_BASE_URL", &fake.url())
        .env("CLOSEKNIT_VAPID_PRIVATE_KEY_FILE", ec.to_str().unwrap())
        .env("CLOSEKNIT_VAPID_SUBJECT", "mailto:push@closeknit.test")
        .env("CLOSEKNIT_WEB_PUSH_ALLOWED_ORIGINS", &fake.url())
        .spawn()
        .await;
    Setup {
        app,
        smtp,
        fake,
        _files: files,
    }
}

const REGISTER: &str = "mutation($i: RegisterPushDeviceInput!) { registerPushDevice(input: $i) { id platform appVersion timeZone } }";
const DEVICES: &str = "{ pushDevices { platform } }";

fn web_keys() -> Value {
    json!({"p256dh": URL_SAFE_NO_PAD.encode([4u8; 65]), "auth": URL_SAFE_NO_PAD.encode([9u8; 16])})
}

async fn register(app: &TestApp, token: &str, platform: &str, device: &str) -> Value {
    let mut input = json!({"platform": platform, "token": device, "appVersion": "1.4.0", "timeZone": "Europe/London"});
    if platform == "WEB" {
        input["webPush"] = web_keys();
    }
    app.graphql_as(token, REGISTER, json!({"i": input})).await.1
}

async fn notify(app: &TestApp, person: Uuid, title: &str) -> Uuid {
    let txn = app.db.begin().await.unwrap();
    let id = service::notify(
        &txn,
        NewNotification {
            person_id: person,
            kind: Kind::ClaimDecided,
            title,
            body: "Your setting-up-home allowance claim for a bed was approved.",
            subject: None,
            collapse_key: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    id
}

async fn devices(app: &TestApp, token: &str) -> Vec<String> {
    let (_, body) = app.graphql_as(token, DEVICES, json!({})).await;
    body["data"]["pushDevices"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|d| d["platform"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_device_gets_one_push_with_nothing_personal_in_it() {
    let s = setup().await;
    let token = s.app.code_token(&s.smtp, YP).await;
    let web = format!("{}/push/sub-1", s.fake.url());
    for (platform, device) in [
        ("FCM", "fcm-device-1"),
        ("APNS", "abc123"),
        ("WEB", web.as_str()),
    ] {
        let body = register(&s.app, &token, platform, device).await;
        assert_eq!(
            body["data"]["registerPushDevice"]["platform"], platform,
            "{body}"
        );
    }
    let id = notify(&s.app, s.app.person_id(YP).await, "Claim approved").await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            s.fake.delivered_to("fcm-device-1") == 1
                && s.fake.delivered_to("abc123") == 1
                && s.fake.delivered_to("sub-1") == 1
        })
        .await,
        "{:?}",
        s.fake.pushed()
    );
    let global = closeknit::graphql::relay::encode_id("Notification", id).to_string();
    for pushed in s.fake.pushed() {
        assert!(
            !pushed.body.contains("Claim approved") && !pushed.body.contains("allowance"),
            "{pushed:?}"
        );
        assert!(!pushed.body.contains("Jamie"), "{pushed:?}");
    }
    let fcm = s
        .fake
        .pushed()
        .into_iter()
        .find(|p| p.provider == "fcm")
        .unwrap();
    let message: Value = serde_json::from_str(&fcm.body).unwrap();
    assert_eq!(
        message["message"]["data"],
        json!({"type": "notification", "id": global, "category": "claim_decided"})
    );
    let apns = s
        .fake
        .pushed()
        .into_iter()
        .find(|p| p.provider == "apns")
        .unwrap();
    assert!(apns.http2, "APNs is spoken over HTTP/2");
    assert_eq!(apns.headers["apns-push-type"], "alert");
    let web = s
        .fake
        .pushed()
        .into_iter()
        .find(|p| p.provider == "web")
        .unwrap();
    assert!(web.body.is_empty(), "Web Push carries no payload at all");
    assert_eq!(web.headers["urgency"], "normal");

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(s.fake.pushed().len(), 3, "one each, no repeats");
}

#[tokio::test]
async fn tokens_the_provider_calls_dead_are_pruned_and_transient_failures_retry() {
    let s = setup().await;
    let token = s.app.code_token(&s.smtp, YP).await;
    let gone = format!("{}/push/gone-1", s.fake.url());
    for (platform, device) in [
        ("FCM", "unregistered-1"),
        ("APNS", "dead01"),
        ("WEB", gone.as_str()),
        ("FCM", "flaky-1"),
    ] {
        register(&s.app, &token, platform, device).await;
    }
    assert_eq!(devices(&s.app, &token).await.len(), 4);
    notify(&s.app, s.app.person_id(YP).await, "Claim approved").await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            devices(&s.app, &token).await == ["FCM"] && s.fake.delivered_to("flaky-1") == 1
        })
        .await,
        "{:?} {:?}",
        devices(&s.app, &token).await,
        s.fake.pushed()
    );
    let flaky: Vec<u16> = s
        .fake
        .pushed()
        .iter()
        .filter(|p| p.device == "flaky-1")
        .map(|p| p.status)
        .collect();
    assert_eq!(
        flaky,
        [503, 200],
        "retried after the outage, delivered once"
    );
}

#[tokio::test]
async fn a_shared_phone_follows_whoever_signed_in_last() {
    let s = setup().await;
    let first = s.app.code_token(&s.smtp, YP).await;
    let second = s.app.code_token(&s.smtp, YP2).await;
    register(&s.app, &first, "FCM", "fcm-shared").await;
    register(&s.app, &second, "FCM", "fcm-shared").await;
    assert!(devices(&s.app, &first).await.is_empty());
    assert_eq!(devices(&s.app, &second).await, ["FCM"]);

    notify(&s.app, s.app.person_id(YP).await, "For the first").await;
    notify(&s.app, s.app.person_id(YP2).await, "For the second").await;
    assert!(
        eventually(Duration::from_secs(15), || async {
            s.fake.delivered_to("fcm-shared") == 1
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        s.fake.delivered_to("fcm-shared"),
        1,
        "only the second person's"
    );

    let unregister =
        "mutation($t: String!) { unregisterPushDevice(input: {token: $t}) { removed } }";
    let (_, body) = s
        .app
        .graphql_as(&first, unregister, json!({"t": "fcm-shared"}))
        .await;
    assert_eq!(
        body["data"]["unregisterPushDevice"]["removed"], false,
        "not theirs any more"
    );
    let (_, body) = s
        .app
        .graphql_as(&second, unregister, json!({"t": "fcm-shared"}))
        .await;
    assert_eq!(body["data"]["unregisterPushDevice"]["removed"], true);
    assert!(devices(&s.app, &second).await.is_empty());
}

#[tokio::test]
async fn registrations_are_checked() {
    let s = setup().await;
    let token = s.app.code_token(&s.smtp, YP).await;
    let cases = [
        (
            json!({"platform": "WEB", "token": "https://169.254.169.254/latest/meta-data", "webPush": web_keys(), "appVersion": "1", "timeZone": "Europe/London"}),
            "token",
        ),
        (
            json!({"platform": "WEB", "token": format!("{}/push/x", s.fake.url()), "appVersion": "1", "timeZone": "Europe/London"}),
            "webPush",
        ),
        (
            json!({"platform": "APNS", "token": "not hex!", "appVersion": "1", "timeZone": "Europe/London"}),
            "token",
        ),
        (
            json!({"platform": "FCM", "token": "ok", "appVersion": "", "timeZone": "Europe/London"}),
            "appVersion",
        ),
        (
            json!({"platform": "FCM", "token": "ok", "appVersion": "1", "timeZone": "Nowhere/Land"}),
            "timeZone",
        ),
    ];
    for (input, field) in cases {
        let (_, body) = s
            .app
            .graphql_as(&token, REGISTER, json!({"i": input}))
            .await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert!(devices(&s.app, &token).await.is_empty());
    let (_, body) = s
        .app
        .graphql(REGISTER, json!({"i": {"platform": "FCM", "token": "x", "appVersion": "1", "timeZone": "Europe/London"}}))
        .await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    let (_, body) = s.app.graphql("{ webPushPublicKey }", json!({})).await;
    let key = URL_SAFE_NO_PAD
        .decode(body["data"]["webPushPublicKey"].as_str().unwrap())
        .unwrap();
    assert_eq!(key.len(), 65);

    // A server without provider credentials refuses registrations for them.
    let bare = TestApp::spawn().await;
    let staff = bare.staff_token("key.worker@northmoor.example").await;
    let body = register(&bare, &staff, "FCM", "fcm-1").await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["errors"][0]["extensions"]["field"], "platform");
}

#[tokio::test]
async fn signing_out_everywhere_stops_pushes_to_every_device() {
    let s = setup().await;
    let token = s.app.code_token(&s.smtp, YP).await;
    register(&s.app, &token, "FCM", "fcm-phone").await;
    register(&s.app, &token, "APNS", "abc999").await;
    let (_, body) = s
        .app
        .graphql_as(
            &token,
            "mutation { logoutEverywhere { sessionsEnded } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let again = s.app.code_token(&s.smtp, YP).await;
    assert!(devices(&s.app, &again).await.is_empty());
    notify(&s.app, s.app.person_id(YP).await, "After signing out").await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(s.fake.pushed().is_empty(), "{:?}", s.fake.pushed());
}

#[tokio::test]
async fn a_push_device_resolves_by_id_only_for_its_own_account() {
    let s = setup().await;
    let token = s.app.code_token(&s.smtp, YP).await;
    register(&s.app, &token, "FCM", "fcm-node").await;
    let (_, body) = s
        .app
        .graphql_as(
            &token,
            "{ pushDevices { id platform appVersion timeZone updatedAt } }",
            json!({}),
        )
        .await;
    let device = body["data"]["pushDevices"][0].clone();
    let q = "query($id: ID!) { node(id: $id) { ... on PushDevice { id platform appVersion timeZone updatedAt } } }";
    let (_, body) = s
        .app
        .graphql_as(&token, q, json!({"id": device["id"]}))
        .await;
    assert_eq!(body["data"]["node"], device, "{body}");

    let other = s.app.code_token(&s.smtp, YP2).await;
    let staff = s.app.staff_token("la.manager@northmoor.example").await;
    for viewer in [&other, &staff] {
        let (_, body) = s
            .app
            .graphql_as(viewer, q, json!({"id": device["id"]}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["node"], Value::Null);
    }
}
