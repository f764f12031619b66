//! Staying Close reporting over real HTTP on both databases: the national
//! framework indicators and the SSDA903 OC3 table with its rule report,
//! and who may read them.

use closeknit_tests::{
    TestApp, beyond_api,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    error_codes,
    staying_close::young_person,
    suitability_assessment,
};
use serde_json::{Value, json};

async fn record(app: &TestApp, token: &str, mutation: &str, input: Value) {
    let body = app.mutate(token, mutation, input, "recordId").await;
    assert!(body["errors"].is_null(), "{mutation}: {body}");
}

const OC3: &str = "query($la: ID!, $year: Int!) { oc3Return(localAuthorityId: $la, year: $year) { year csv rows { child inTouch } ruleBreaks { child rule reason } } }";

/// Records, as Northmoor's adviser, what is known around three young
/// people's birthdays in the 2026 return; returns the manager's token and
/// the authority's id.
async fn record_the_year(app: &TestApp) -> (String, String) {
    let adviser = &app.staff_token(&format!("personal.adviser@{N}")).await;
    let person = |n: &str| {
        let email = format!("{n}@{N}");
        async move { young_person(app, &email).await }
    };
    let jamie = person("young.person").await;
    let riley = person("young.person.two").await;
    let jordan = person("young.person.four").await;
    // Jamie's 19th birthday is 14 March 2026: contact, activity and a
    // home assessed unsuitable on affordability, all in force then.
    record(
        app,
        adviser,
        "recordInTouch",
        json!({"youngPersonId": jamie, "status": "YES", "contactOn": "2026-03-01"}),
    )
    .await;
    record(
        app,
        adviser,
        "recordActivity",
        json!({"youngPersonId": jamie, "code": "P4", "since": "2025-09-01"}),
    )
    .await;
    record(app, adviser, "recordAccommodation", json!({"youngPersonId": jamie, "type": "FOYER", "movedInOn": "2025-10-01", "assessment": suitability_assessment(&["AFFORDABILITY"])})).await;
    // Riley (19th on 2 November 2025): in touch, nothing else known.
    record(
        app,
        adviser,
        "recordInTouch",
        json!({"youngPersonId": riley, "status": "YES", "contactOn": "2025-10-15"}),
    )
    .await;
    // Jordan (20th on 9 July 2025) returned home; an activity is on record.
    record(
        app,
        adviser,
        "recordActivity",
        json!({"youngPersonId": jordan, "code": "G5", "since": "2025-05-01"}),
    )
    .await;
    record(
        app,
        adviser,
        "recordInTouch",
        json!({"youngPersonId": jordan, "status": "RHOM", "contactOn": "2025-07-01"}),
    )
    .await;

    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    (manager, app.local_authority_id("E06099001").await)
}

/// The 2026 return as `token` asks for it.
async fn oc3(app: &TestApp, token: &str, la: &str) -> Value {
    let (_, body) = app
        .graphql_as(token, OC3, json!({"la": la, "year": 2026}))
        .await;
    body
}

#[tokio::test]
async fn oc3_is_built_from_the_records_around_each_birthday() {
    let app = TestApp::spawn().await;
    let (manager, la) = record_the_year(&app).await;
    let body = oc3(&app, &manager, &la).await;
    assert!(body["errors"].is_null(), "{body}");
    let oc3 = &body["data"]["oc3Return"];
    assert_eq!(
        oc3["csv"],
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n\
         DEMO001,14/03/2007,YES,P4,T2\n\
         DEMO002,02/11/2006,YES,,\n\
         DEMO003,20/01/2008,,,\n\
         DEMO004,09/07/2005,RHOM,,\n\
         DEMO006,30/04/2006,,,\n",
        "{body}"
    );
    let breaks: Vec<(String, String)> = oc3["ruleBreaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["child"].as_str().unwrap().to_string(),
                b["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("DEMO002", "OC3-03"),
        ("DEMO002", "OC3-03"),
        ("DEMO003", "OC3-01"),
        ("DEMO004", "OC3-02"),
        ("DEMO006", "OC3-01"),
    ]
    .iter()
    .map(|(c, r)| (c.to_string(), r.to_string()))
    .collect();
    let mut sorted = breaks.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "{body}");
}

#[tokio::test]
async fn the_return_is_audited_for_each_young_person_in_it() {
    let app = TestApp::spawn().await;
    let (manager, la) = record_the_year(&app).await;
    let body = oc3(&app, &manager, &la).await;
    let oc3 = &body["data"]["oc3Return"];
    // The return is recorded as a whole and once for each young person in
    // it, so it shows in their activity log.
    let audited = closeknit::db::raw::query(
        &app.db,
        "SELECT record_type, subject_person_id FROM audit_events WHERE action = 'report.oc3'",
        vec![],
    )
    .await
    .unwrap();
    let mut people: Vec<uuid::Uuid> = Vec::new();
    let mut whole = 0;
    for r in &audited {
        match r.try_get_by_index::<String>(0).unwrap().as_str() {
            "LocalAuthority" => whole += 1,
            "CareLeaver" => people.push(r.try_get_by_index(1).unwrap()),
            other => panic!("unexpected record type {other}"),
        }
    }
    assert_eq!(whole, 1);
    assert_eq!(people.len(), 5, "one per row");
    assert!(people.contains(&app.person_id(&format!("young.person@{N}")).await));
    assert!(
        oc3["ruleBreaks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["reason"].as_str().unwrap().contains("IN_TOUCH is RHOM")),
        "{body}"
    );
}

#[tokio::test]
async fn only_the_authoritys_managers_read_the_return() {
    let app = TestApp::spawn().await;
    let (manager, la) = record_the_year(&app).await;
    // Only the authority's managers: not its workers, not another authority.
    for email in [
        format!("personal.adviser@{N}"),
        format!("la.manager@{E}"),
        "admin@closeknit.example".into(),
    ] {
        let token = app.staff_token(&email).await;
        let (_, body) = app
            .graphql_as(&token, OC3, json!({"la": la, "year": 2026}))
            .await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{email}");
    }
    let (_, body) = app
        .graphql_as(&manager, OC3, json!({"la": la, "year": 1999}))
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
}

const PROFILES: &str = "{ stayingClosePlans(first: 50) { edges { node { youngPerson { \
    youngPersonId childRef category leftCareOn } } } } }";

/// Sets the day Northmoor's care leavers left care (those who have) through
/// their profiles, as the personal adviser would correct them.
async fn left_care_on(app: &TestApp, on: &str) {
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let (_, body) = app.graphql_as(&manager, PROFILES, json!({})).await;
    let edges = body["data"]["stayingClosePlans"]["edges"]
        .as_array()
        .unwrap();
    for edge in edges {
        let profile = &edge["node"]["youngPerson"];
        if profile["leftCareOn"].is_null() {
            continue;
        }
        let input = json!({"youngPersonId": profile["youngPersonId"], "childRef": profile["childRef"],
            "category": profile["category"], "leftCareOn": on});
        let body = app
            .mutate(&adviser, "saveCareLeaverProfile", input, "youngPersonId")
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
}

#[tokio::test]
async fn indicators_count_care_leavers_aged_17_to_21() {
    let app = TestApp::spawn().await;
    // Fix the demo records at a known date so ages and figures are stable.
    beyond_api::date_ssda903_records(
        &app.db,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
    )
    .await;
    left_care_on(&app, "2025-05-01").await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let la = app.local_authority_id("E06099001").await;
    let query = "query($la: ID!, $on: NaiveDate) { careLeaverIndicators(localAuthorityId: $la, on: $on) { on cohort inTouch { count percent } inEducationEmploymentOrTraining { count percent } inSuitableAccommodation { count percent } } }";
    let (_, body) = app
        .graphql_as(&manager, query, json!({"la": la, "on": "2025-09-01"}))
        .await;
    assert!(body["errors"].is_null(), "{body}");
    // Five have left care and are 17-21 (Avery is 16 and still looked
    // after); four in touch, three in EET (F5, F2, F4), three suitably
    // housed (U1, D1, E1).
    assert_eq!(
        body["data"]["careLeaverIndicators"],
        json!({
            "on": "2025-09-01",
            "cohort": 5,
            "inTouch": {"count": 4, "percent": 80.0},
            "inEducationEmploymentOrTraining": {"count": 3, "percent": 60.0},
            "inSuitableAccommodation": {"count": 3, "percent": 60.0},
        })
    );
    // Before anything was recorded, nobody counts.
    let (_, body) = app
        .graphql_as(&manager, query, json!({"la": la, "on": "2025-05-31"}))
        .await;
    assert_eq!(
        body["data"]["careLeaverIndicators"]["inTouch"]["count"], 0,
        "{body}"
    );
    // Another authority's manager and the authority's workers cannot.
    for email in [format!("la.manager@{E}"), format!("personal.adviser@{N}")] {
        let token = app.staff_token(&email).await;
        let (_, body) = app
            .graphql_as(&token, query, json!({"la": la, "on": "2025-09-01"}))
            .await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{email}");
    }
}
