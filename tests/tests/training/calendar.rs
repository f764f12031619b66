//! Calendar invitations on training emails: a booking's confirmation
//! carries an `.ics` REQUEST, its cancellation a CANCEL of the same UID
//! with a higher SEQUENCE; a place on the waiting list carries none.

use base64::{Engine, engine::general_purpose::STANDARD};
use closeknit::identity::model::Role;
use closeknit_tests::{TestApp, eventually, smtp::SmtpSink, staying_close::uuid_in, training as t};
use std::time::Duration;

const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";

/// A carer's email and token.
async fn carer(app: &TestApp, n: usize) -> (String, String) {
    let (email, _) = t::account(app, NORTHMOOR_TEAM, Role::KinshipCarer, n).await;
    let token = app.staff_token(&email).await;
    (email, token)
}

/// The calendar file attached to a message, if any: its content type
/// and its text (decoded).
fn invitation(data: &str) -> Option<(String, String)> {
    let start = data.find("Content-Type: text/calendar")?;
    let part = &data[start..];
    let content_type = part.lines().next()?.trim_start_matches("Content-Type: ");
    let (headers, rest) = part.split_once("\r\n\r\n")?;
    let body = rest.split("\r\n--").next()?;
    let text = if headers.contains("base64") {
        String::from_utf8(STANDARD.decode(body.replace("\r\n", "")).ok()?).ok()?
    } else if headers.contains("quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_string()
    };
    Some((content_type.to_string(), text))
}

/// Decodes a quoted-printable body (RFC 2045): soft breaks and `=XX`.
fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The messages sent to `to` so far, oldest first.
fn mail_to(smtp: &SmtpSink, to: &str) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.to.iter().any(|r| r == to))
        .map(|m| m.data)
        .collect()
}

async fn wait_for(smtp: &SmtpSink, to: &str, n: usize) -> Vec<String> {
    let arrived = eventually(Duration::from_secs(15), || async {
        mail_to(smtp, to).len() >= n
    })
    .await;
    assert!(arrived, "{n} emails to {to}");
    mail_to(smtp, to)
}

fn line<'a>(ics: &'a str, name: &str) -> &'a str {
    ics.split("\r\n")
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("{name} in {ics}"))
}

#[tokio::test]
async fn booking_then_cancelling_sends_a_request_then_a_cancel_of_the_same_entry() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let (email, token) = carer(&app, 0).await;
    let booking =
        t::book(&app, &token, &session).await["data"]["bookTrainingPlace"]["booking"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    let first = wait_for(&smtp, &email, 1).await;
    let cancelled = t::step(&app, &token, "cancelTrainingBooking", &booking).await;
    assert!(cancelled["errors"].is_null(), "{cancelled}");
    let both = wait_for(&smtp, &email, 2).await;
    assert_eq!(both[0], first[0]);
    let (request_type, request) = invitation(&both[0]).expect("an .ics on the confirmation");
    let (cancel_type, cancel) = invitation(&both[1]).expect("an .ics on the cancellation");
    assert!(request_type.contains("method=REQUEST"), "{request_type}");
    assert!(cancel_type.contains("method=CANCEL"), "{cancel_type}");
    let uid = format!("UID:training-booking-{}@closeknit", uuid_in(&booking));
    assert_eq!(line(&request, "UID:"), uid);
    assert_eq!(line(&cancel, "UID:"), uid);
    assert_eq!(line(&request, "METHOD:"), "METHOD:REQUEST");
    assert_eq!(line(&cancel, "METHOD:"), "METHOD:CANCEL");
    assert_eq!(line(&request, "SEQUENCE:"), "SEQUENCE:0");
    assert_eq!(line(&cancel, "SEQUENCE:"), "SEQUENCE:1");
    assert_eq!(line(&request, "STATUS:"), "STATUS:CONFIRMED");
    assert_eq!(line(&cancel, "STATUS:"), "STATUS:CANCELLED");
    // Unfolded, the attendee is the carer.
    let unfolded = request.replace("\r\n ", "");
    assert!(
        unfolded.contains(&format!("PARTICIPANT:mailto:{email}\r\n")),
        "{request}"
    );
    assert!(line(&request, "ORGANIZER").contains("mailto:no-reply@"));
    // Booked: the online link is where it is; cancelled: no link.
    assert_eq!(
        line(&request, "LOCATION:"),
        "LOCATION:https://meet.example/kinship-workshop"
    );
    assert!(!cancel.contains("LOCATION:"), "{cancel}");
    app.stop().await;
}

#[tokio::test]
async fn a_place_on_the_waiting_list_has_no_calendar_entry() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let (_, first) = carer(&app, 0).await;
    let (email, token) = carer(&app, 1).await;
    t::book(&app, &first, &session).await;
    let waiting = t::book(&app, &token, &session).await;
    assert_eq!(
        waiting["data"]["bookTrainingPlace"]["booking"]["state"],
        "WAITLISTED"
    );
    let mail = wait_for(&smtp, &email, 1).await;
    assert!(invitation(&mail[0]).is_none(), "{}", mail[0]);
    // Cancelling a place never booked withdraws nothing from a calendar.
    let id = waiting["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap();
    t::step(&app, &token, "cancelTrainingBooking", id).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        mail_to(&smtp, &email)
            .iter()
            .all(|m| invitation(m).is_none())
    );
    app.stop().await;
}

#[tokio::test]
async fn an_accepted_offer_is_confirmed_with_a_request() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let (_, first) = carer(&app, 0).await;
    let (email, token) = carer(&app, 1).await;
    let held = t::book(&app, &first, &session).await["data"]["bookTrainingPlace"]["booking"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let waiting =
        t::book(&app, &token, &session).await["data"]["bookTrainingPlace"]["booking"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    t::step(&app, &first, "cancelTrainingBooking", &held).await;
    // Each email's entry is read when it is sent: let the waiting and
    // offered ones go before the place is taken.
    wait_for(&smtp, &email, 2).await;
    let accepted = t::step(&app, &token, "acceptTrainingOffer", &waiting).await;
    assert!(accepted["errors"].is_null(), "{accepted}");
    // Waiting, offered, booked: only the last carries an entry.
    let mail = wait_for(&smtp, &email, 3).await;
    let with_entry: Vec<_> = mail.iter().filter_map(|m| invitation(m)).collect();
    assert_eq!(with_entry.len(), 1, "{mail:?}");
    assert!(with_entry[0].0.contains("method=REQUEST"));
    app.stop().await;
}

#[tokio::test]
async fn a_reminder_email_carries_no_calendar_entry() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let (session, _, _) = t::carers_session(&app, 1, 0).await;
    let (email, token) = carer(&app, 0).await;
    t::book(&app, &token, &session).await;
    wait_for(&smtp, &email, 1).await;
    // Time passes: the session starts within the day; the reminder goes.
    closeknit_tests::beyond_api::move_training_session_start(
        &app.db,
        uuid_in(&session),
        chrono::Utc::now() + chrono::Duration::hours(20),
    )
    .await;
    let mail = wait_for(&smtp, &email, 2).await;
    assert!(invitation(&mail[0]).is_some(), "the confirmation has one");
    assert!(mail[1].contains("coming up"), "{}", mail[1]);
    assert!(invitation(&mail[1]).is_none(), "{}", mail[1]);
    app.stop().await;
}
