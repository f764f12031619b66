//! Notifications over real HTTP and real SMTP on both databases: the inbox,
//! templated email, channel choices, quiet hours, collapse keys, calendar
//! attachments, security notices, and operators' dead-job tools.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use chrono::Utc;
use closeknit::{
    jobs::{self, mail::EmailJob},
    notifications::{
        calendar,
        model::Kind,
        service::{self, NewNotification},
    },
};
use closeknit_tests::{
    TestApp, beyond_api, demo::YOUNG_PERSON as YP, error_codes, eventually, smtp::SmtpSink,
};
use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use uuid::Uuid;

async fn spawn() -> (TestApp, SmtpSink) {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_MAIL_FROM", "Closeknit <no-reply@closeknit.test>")
        .spawn()
        .await;
    (app, smtp)
}

async fn notify(app: &TestApp, person: Uuid, kind: Kind, title: &str, key: Option<&str>) -> Uuid {
    let txn = app.db.begin().await.unwrap();
    let id = service::notify(
        &txn,
        NewNotification {
            person_id: person,
            kind,
            title,
            body: "Your personal adviser would like to meet this week.",
            subject: None,
            collapse_key: key,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    id
}

/// Messages to `to` with `subject`.
fn mail_to(smtp: &SmtpSink, to: &str, subject: &str) -> Vec<closeknit_tests::smtp::Received> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == to) && m.header("Subject").as_deref() == Some(subject))
        .collect()
}

async fn wait_for_mail(smtp: &SmtpSink, to: &str, subject: &str) {
    assert!(
        eventually(Duration::from_secs(15), || async {
            !mail_to(smtp, to, subject).is_empty()
        })
        .await,
        "no email {subject:?} to {to}"
    );
}

async fn queued_notification_jobs(app: &TestApp) -> i64 {
    closeknit::db::raw::query(
        &app.db,
        "SELECT COUNT(*) FROM jobs WHERE kind = 'notification.email' AND state = 'queued'",
        vec![],
    )
    .await
    .unwrap()[0]
        .try_get_by_index(0)
        .unwrap()
}

/// Makes deferred deliveries due now (as if the quiet hours had ended).
async fn time_passes(app: &TestApp) {
    beyond_api::make_queued_jobs_due(&app.db).await;
}

const INBOX: &str = "{ unreadNotificationCount notifications(first: 10) { edges { node { id kind urgent title body readAt } } } }";

#[tokio::test]
async fn a_notification_reaches_the_inbox_and_the_templated_email_once() {
    let (app, smtp) = spawn().await;
    let token = app.code_token(&smtp, YP).await;
    let jamie = app.person_id(YP).await;
    notify(
        &app,
        jamie,
        Kind::ReviewDue,
        "Your plan review is due",
        None,
    )
    .await;

    wait_for_mail(&smtp, YP, "Your plan review is due").await;
    let message = &mail_to(&smtp, YP, "Your plan review is due")[0];
    assert!(message.data.contains("Hello Jamie,"), "{}", message.data);
    assert!(message.data.contains("would like to meet this week"));
    assert!(
        message.data.contains("text/html"),
        "a plain and an HTML part"
    );
    let message_id = message.header("Message-ID").unwrap();
    assert!(message_id.starts_with("<job-") && message_id.ends_with("@closeknit.test>"));

    let (_, body) = app.graphql_as(&token, INBOX, json!({})).await;
    assert_eq!(body["data"]["unreadNotificationCount"], 1, "{body}");
    let node = &body["data"]["notifications"]["edges"][0]["node"];
    assert_eq!(node["kind"], "REVIEW_DUE");
    assert_eq!(node["urgent"], false);
    let id = node["id"].as_str().unwrap().to_string();
    let (_, body) = app
        .graphql_as(
            &token,
            "mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) { marked unreadCount } }",
            json!({"ids": [id]}),
        )
        .await;
    assert_eq!(
        body["data"]["markNotificationsRead"],
        json!({"marked": 1, "unreadCount": 0})
    );
    // The node is the viewer's own; nobody else can fetch it.
    let other = app
        .code_token(&smtp, "young.person.two@northmoor.example")
        .await;
    let q = "query($id: ID!) { node(id: $id) { ... on Notification { title } } }";
    let (_, mine) = app.graphql_as(&token, q, json!({"id": id})).await;
    assert_eq!(mine["data"]["node"]["title"], "Your plan review is due");
    let (_, theirs) = app.graphql_as(&other, q, json!({"id": id})).await;
    assert!(theirs["data"]["node"].is_null(), "{theirs}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        mail_to(&smtp, YP, "Your plan review is due").len(),
        1,
        "sent once"
    );
}

#[tokio::test]
async fn quiet_hours_defer_non_urgent_mail_but_not_security_notices() {
    let (app, smtp) = spawn().await;
    let token = app.code_token(&smtp, YP).await;
    quiet_now(&app, &token).await;
    let jamie = app.person_id(YP).await;
    notify(&app, jamie, Kind::CheckInDue, "Your check-in is due", None).await;
    notify(&app, jamie, Kind::Security, "New sign-in", None).await;

    // The security notice goes at once; the reminder waits.
    wait_for_mail(&smtp, YP, "New sign-in").await;
    assert_eq!(queued_notification_jobs(&app).await, 1);
    let run_at: i64 = closeknit::db::raw::query(
        &app.db,
        "SELECT run_at_ms FROM jobs WHERE kind = 'notification.email' AND state = 'queued'",
        vec![],
    )
    .await
    .unwrap()[0]
        .try_get_by_index(0)
        .unwrap();
    let wait = run_at - jobs::now_ms();
    assert!(
        (60 * 60 * 1000..=2 * 60 * 60 * 1000 + 60_000).contains(&wait),
        "deferred to the end of quiet hours: {wait} ms"
    );
    assert!(mail_to(&smtp, YP, "Your check-in is due").is_empty());
    // Both are in the inbox straight away.
    let (_, body) = app.graphql_as(&token, INBOX, json!({})).await;
    assert_eq!(body["data"]["unreadNotificationCount"], 2);

    time_passes(&app).await;
    wait_for_mail(&smtp, YP, "Your check-in is due").await;
}

const CHANNELS: &str = "mutation($c: [KindChannelsInput!]!) { updateNotificationSettings(input: {channels: $c}) { channels { kind channels } } }";

#[tokio::test]
async fn channel_choices_keep_in_app_always_and_security_by_email() {
    let (app, smtp) = spawn().await;
    let token = app.code_token(&smtp, YP).await;
    let set = CHANNELS;
    let (_, body) = app
        .graphql_as(
            &token,
            set,
            json!({"c": [{"kind": "CLAIM_DECIDED", "channels": ["PUSH"]}, {"kind": "SECURITY", "channels": []}]}),
        )
        .await;
    let channels = &body["data"]["updateNotificationSettings"]["channels"];
    let of = |kind: &str| {
        channels
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == kind)
            .unwrap()["channels"]
            .clone()
    };
    assert_eq!(
        of("CLAIM_DECIDED"),
        json!(["IN_APP", "PUSH"]),
        "in-app is always on"
    );
    assert_eq!(
        of("SECURITY"),
        json!(["IN_APP", "EMAIL"]),
        "security always emails"
    );
    assert_eq!(
        of("REVIEW_DUE"),
        json!(["IN_APP", "EMAIL", "PUSH"]),
        "default"
    );
}

#[tokio::test]
async fn channel_choices_are_honoured_when_the_mail_would_go() {
    let (app, smtp) = spawn().await;
    let token = app.code_token(&smtp, YP).await;
    // Deliveries wait (quiet hours) so choices can change before they go.
    quiet_now(&app, &token).await;
    let jamie = app.person_id(YP).await;
    let set = CHANNELS;
    let (_, body) = app
        .graphql_as(
            &token,
            set,
            json!({"c": [{"kind": "CLAIM_DECIDED", "channels": ["PUSH"]}, {"kind": "SECURITY", "channels": []}]}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");

    notify(
        &app,
        jamie,
        Kind::ClaimDecided,
        "Your claim was approved",
        None,
    )
    .await;
    notify(&app, jamie, Kind::Security, "Security notice", None).await;
    // A reminder queued while email was on, then email switched off before
    // it went: the worker reads the choice as it is when it runs.
    let quiet = json!({"c": [{"kind": "PLAN_SHARED", "channels": ["EMAIL"]}]});
    app.graphql_as(&token, set, quiet).await;
    notify(
        &app,
        jamie,
        Kind::PlanShared,
        "Your plan is ready to read",
        None,
    )
    .await;
    app.graphql_as(
        &token,
        set,
        json!({"c": [{"kind": "PLAN_SHARED", "channels": []}]}),
    )
    .await;
    time_passes(&app).await;

    wait_for_mail(&smtp, YP, "Security notice").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            queued_notification_jobs(&app).await == 0
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(mail_to(&smtp, YP, "Your claim was approved").is_empty());
    assert!(mail_to(&smtp, YP, "Your plan is ready to read").is_empty());
    let (_, body) = app.graphql_as(&token, INBOX, json!({})).await;
    assert_eq!(
        body["data"]["unreadNotificationCount"], 3,
        "all three are in the inbox"
    );
}

/// Sets quiet hours around the present, so deliveries wait.
async fn quiet_now(app: &TestApp, token: &str) {
    let london = Utc::now().with_timezone(&chrono_tz::Europe::London);
    let hh = |h: i64| {
        (london + chrono::Duration::hours(h))
            .format("%H:%M")
            .to_string()
    };
    let (_, body) = app
        .graphql_as(
            token,
            "mutation($s: String!, $e: String!) { updateNotificationSettings(input: { \
             timeZone: \"Europe/London\", quietHours: {start: $s, end: $e} }) { timeZone } }",
            json!({"s": hh(-2), "e": hh(2)}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn a_rescheduled_reminder_replaces_the_old_one_and_read_ones_are_not_emailed() {
    let (app, smtp) = spawn().await;
    let token = app.code_token(&smtp, YP).await;
    quiet_now(&app, &token).await;
    let jamie = app.person_id(YP).await;
    notify(
        &app,
        jamie,
        Kind::CheckInDue,
        "Check-in on Monday",
        Some("check-in:1"),
    )
    .await;
    notify(
        &app,
        jamie,
        Kind::CheckInDue,
        "Check-in moved to Tuesday",
        Some("check-in:1"),
    )
    .await;
    let review = notify(&app, jamie, Kind::ReviewDue, "Review due", None).await;
    let (_, body) = app.graphql_as(&token, INBOX, json!({})).await;
    let titles: Vec<&str> = body["data"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Review due", "Check-in moved to Tuesday"]);
    let review_id = closeknit::graphql::relay::encode_id("Notification", review);
    app.graphql_as(
        &token,
        "mutation($ids: [ID!]) { markNotificationsRead(input: {ids: $ids}) { marked } }",
        json!({"ids": [review_id]}),
    )
    .await;
    assert_eq!(queued_notification_jobs(&app).await, 3, "all three waiting");

    time_passes(&app).await;
    wait_for_mail(&smtp, YP, "Check-in moved to Tuesday").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            queued_notification_jobs(&app).await == 0
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        mail_to(&smtp, YP, "Check-in on Monday").is_empty(),
        "replaced before it went"
    );
    assert!(
        mail_to(&smtp, YP, "Review due").is_empty(),
        "read in the app first"
    );
    assert_eq!(mail_to(&smtp, YP, "Check-in moved to Tuesday").len(), 1);
}

#[tokio::test]
async fn a_calendar_invitation_arrives_as_an_ics_attachment() {
    let (app, smtp) = spawn().await;
    let entry = calendar::Entry {
        method: calendar::Method::Request,
        uid: "session-7@closeknit.test".into(),
        sequence: 0,
        summary: "Kinship carers' workshop".into(),
        description: "Managing contact with birth parents".into(),
        location: Some("Northmoor Family Centre".into()),
        starts_at: "2026-12-03T10:00:00Z".parse().unwrap(),
        ends_at: "2026-12-03T12:00:00Z".parse().unwrap(),
    };
    let invite = calendar::attachment(&calendar::Invite {
        entry: &entry,
        organizer: ("no-reply@closeknit.invalid", "Closeknit"),
        attendee: "kinship.carer@northmoor.example",
        stamp: "2026-12-01T09:00:00Z".parse().unwrap(),
    });
    let email = EmailJob {
        to: "kinship.carer@northmoor.example".into(),
        subject: "Your workshop place".into(),
        text: "You have a place. The invitation is attached.".into(),
        html: Some("<p>You have a place. The invitation is attached.</p>".into()),
        attachments: vec![invite],
    };
    jobs::enqueue(&app.db, email.into_job().unwrap())
        .await
        .unwrap();
    wait_for_mail(
        &smtp,
        "kinship.carer@northmoor.example",
        "Your workshop place",
    )
    .await;
    let data = &mail_to(
        &smtp,
        "kinship.carer@northmoor.example",
        "Your workshop place",
    )[0]
    .data;
    assert!(data.contains("multipart/mixed"), "{data}");
    assert!(data.contains("text/calendar"), "{data}");
    assert!(data.contains("invite.ics"), "{data}");
    assert!(
        data.contains("BEGIN:VCALENDAR") && data.contains("UID:session-7@closeknit.test"),
        "{data}"
    );
}

#[tokio::test]
async fn a_reused_refresh_token_warns_the_person_in_the_app_and_by_email() {
    let (app, smtp) = spawn().await;
    let (_, body) = app
        .graphql(
            "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { refreshToken } }",
            json!({"e": "key.worker@northmoor.example", "p": closeknit::seed::DEMO_STAFF_PASSWORD}),
        )
        .await;
    let refresh = body["data"]["signIn"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    let rotate =
        "mutation($t: String!) { refreshSession(input: {refreshToken: $t}) { accessToken } }";
    app.graphql(rotate, json!({"t": refresh})).await;
    let (_, body) = app.graphql(rotate, json!({"t": refresh})).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    wait_for_mail(
        &smtp,
        "key.worker@northmoor.example",
        "We signed you out to keep your account safe",
    )
    .await;
    let token = app.staff_token("key.worker@northmoor.example").await;
    let (_, body) = app.graphql_as(&token, INBOX, json!({})).await;
    let node = &body["data"]["notifications"]["edges"][0]["node"];
    assert_eq!(node["kind"], "SECURITY");
    assert_eq!(node["urgent"], true);
}

#[tokio::test]
async fn settings_are_validated_all_or_nothing() {
    let (app, smtp) = spawn().await;
    let token = app.code_token(&smtp, YP).await;
    let update = "mutation($i: UpdateNotificationSettingsInput!) { updateNotificationSettings(input: $i) { timeZone } }";
    for (input, field) in [
        (json!({"timeZone": "Mars/Olympus"}), "timeZone"),
        (
            json!({"quietHours": {"start": "25:00", "end": "07:00"}}),
            "quietHours.start",
        ),
        (
            json!({"quietHours": {"start": "07:00", "end": "07:00"}}),
            "quietHours",
        ),
        (
            json!({"quietHours": {"start": "21:00", "end": "07:00"}, "clearQuietHours": true}),
            "clearQuietHours",
        ),
        (
            json!({"timeZone": "Asia/Tokyo", "channels": [{"kind": "REVIEW_DUE", "channels": []}, {"kind": "REVIEW_DUE", "channels": ["EMAIL"]}]}),
            "channels",
        ),
    ] {
        let (_, body) = app.graphql_as(&token, update, json!({"i": input})).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let (_, body) = app
        .graphql_as(
            &token,
            "{ notificationSettings { timeZone quietHours { start } updatedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["notificationSettings"],
        json!({"timeZone": "Europe/London", "quietHours": null, "updatedAt": null}),
        "nothing was saved"
    );
    let (_, body) = app.graphql(INBOX, json!({})).await;
    let codes = error_codes(&body);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "UNAUTHENTICATED"),
        "{body}"
    );
}

#[tokio::test]
async fn operators_see_dead_jobs_without_payloads_and_retry_them() {
    let (app, _smtp) = spawn().await;
    let email = EmailJob {
        to: "not an address".into(),
        subject: "x".into(),
        text: "private words".into(),
        html: None,
        attachments: vec![],
    };
    let id = jobs::enqueue(&app.db, email.into_job().unwrap())
        .await
        .unwrap();
    assert!(
        eventually(Duration::from_secs(10), || async {
            jobs::queue::status(&app.db, id).await.unwrap().unwrap().0 == "dead"
        })
        .await
    );
    let admin = app.staff_token("admin@closeknit.example").await;
    let manager = app.staff_token("la.manager@northmoor.example").await;
    let list =
        "{ deadJobs(first: 10) { edges { node { jobId kind attempts lastError failedAt } } } }";
    let (_, body) = app.graphql_as(&admin, list, json!({})).await;
    let node = &body["data"]["deadJobs"]["edges"][0]["node"];
    assert_eq!(node["jobId"], id.to_string(), "{body}");
    assert_eq!(node["kind"], "email.send");
    assert!(node["lastError"].as_str().unwrap().contains("recipient"));
    assert!(!body.to_string().contains("private words"));
    let (_, body) = app.graphql_as(&manager, list, json!({})).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);

    let retry = "mutation($id: String!) { retryDeadJob(input: {jobId: $id}) { jobId state } }";
    let (_, body) = app
        .graphql_as(&manager, retry, json!({"id": id.to_string()}))
        .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    let (_, body) = app
        .graphql_as(&admin, retry, json!({"id": id.to_string()}))
        .await;
    assert_eq!(body["data"]["retryDeadJob"]["state"], "queued", "{body}");
    // It fails again (the address is still bad) and is dead again; retrying
    // something that is not dead is a conflict, and nonsense is bad input.
    let (_, body) = app.graphql_as(&admin, retry, json!({"id": "999999"})).await;
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
    let (_, body) = app.graphql_as(&admin, retry, json!({"id": "abc"})).await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    let done = jobs::enqueue(
        &app.db,
        jobs::NewJob::new("email.send", json!({"bad": true}))
            .unwrap()
            .run_at_ms(jobs::now_ms() + 3_600_000),
    )
    .await
    .unwrap();
    let (_, body) = app
        .graphql_as(&admin, retry, json!({"id": done.to_string()}))
        .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    let audited: Value = json!(
        closeknit::db::raw::query(
            &app.db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'job.retry'",
            vec![]
        )
        .await
        .unwrap()[0]
            .try_get_by_index::<i64>(0)
            .unwrap()
    );
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn smtp_down_then_back_loses_nothing_and_doubles_nothing_with_two_workers() {
    let (first, smtp) = spawn().await;
    let second = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_MAIL_FROM", "Closeknit <no-reply@closeknit.test>")
        .shared_database(&first)
        .spawn()
        .await;
    let people: Vec<Uuid> = closeknit::db::raw::query(
        &first.db,
        "SELECT person_id FROM accounts ORDER BY email",
        vec![],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect();
    // The mail server refuses the next 25 messages (an outage), while 60
    // notifications are created through both instances.
    smtp.refuse_next(25);
    for n in 0..60 {
        let app = if n % 2 == 0 { &first } else { &second };
        notify(
            app,
            people[n % people.len()],
            Kind::ReviewDue,
            &format!("Review {n}"),
            None,
        )
        .await;
    }
    assert!(
        eventually(Duration::from_secs(30), || async {
            queued_notification_jobs(&first).await == 0 && mail_count(&smtp) == 60
        })
        .await,
        "delivered {} of 60",
        mail_count(&smtp)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let messages = smtp.messages();
    let ids: std::collections::HashSet<String> = messages
        .iter()
        .filter_map(|m| m.header("Message-ID"))
        .collect();
    let subjects: std::collections::HashSet<String> = messages
        .iter()
        .filter_map(|m| m.header("Subject"))
        .collect();
    assert_eq!(messages.len(), 60, "nothing doubled");
    assert_eq!(ids.len(), 60);
    assert_eq!(subjects.len(), 60, "nothing lost");
}

fn mail_count(smtp: &SmtpSink) -> usize {
    smtp.messages()
        .iter()
        .filter(|m| {
            m.header("Subject")
                .is_some_and(|s| s.starts_with("Review "))
        })
        .count()
}
