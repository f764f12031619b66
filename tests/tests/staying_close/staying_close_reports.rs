//! Staying Close reporting over real HTTP on both databases: the national
//! framework indicators and the SSDA903 OC3 table with its rule report,
//! and who may read them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use closeknit::db::raw::exec;
use closeknit_tests::{
    TestApp,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    error_codes, global_id, suitability_assessment,
};
use serde_json::{Value, json};

async fn record(app: &TestApp, token: &str, mutation: &str, input: Value) {
    let kind = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
    let (_, body) = app
        .graphql_as(
            token,
            &format!("mutation($input: {kind}!) {{ {mutation}(input: $input) {{ recordId }} }}"),
            json!({"input": input}),
        )
        .await;
    assert!(body["errors"].is_null(), "{mutation}: {body}");
}

const OC3: &str = "query($la: ID!, $year: Int!) { oc3Return(localAuthorityId: $la, year: $year) { year csv rows { child inTouch } ruleBreaks { child rule reason } } }";

#[tokio::test]
async fn oc3_is_built_from_the_records_around_each_birthday() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let person = |n: &str| {
        let app = &app;
        let email = format!("{n}@{N}");
        async move { global_id("YoungPerson", app.person_id(&email).await) }
    };
    let jamie = person("young.person").await;
    let riley = person("young.person.two").await;
    let jordan = person("young.person.four").await;
    // Jamie's 19th birthday is 14 March 2026: contact, activity and a
    // home assessed unsuitable on affordability, all in force then.
    record(
        &app,
        &adviser,
        "recordInTouch",
        json!({"youngPersonId": jamie, "status": "YES", "contactOn": "2026-03-01"}),
    )
    .await;
    record(
        &app,
        &adviser,
        "recordActivity",
        json!({"youngPersonId": jamie, "code": "P4", "since": "2025-09-01"}),
    )
    .await;
    record(&app, &adviser, "recordAccommodation", json!({"youngPersonId": jamie, "type": "FOYER", "movedInOn": "2025-10-01", "assessment": suitability_assessment(&["AFFORDABILITY"])})).await;
    // Riley (19th on 2 November 2025): in touch, nothing else known.
    record(
        &app,
        &adviser,
        "recordInTouch",
        json!({"youngPersonId": riley, "status": "YES", "contactOn": "2025-10-15"}),
    )
    .await;
    // Jordan (20th on 9 July 2025) returned home; an activity is on record.
    record(
        &app,
        &adviser,
        "recordActivity",
        json!({"youngPersonId": jordan, "code": "G5", "since": "2025-05-01"}),
    )
    .await;
    record(
        &app,
        &adviser,
        "recordInTouch",
        json!({"youngPersonId": jordan, "status": "RHOM", "contactOn": "2025-07-01"}),
    )
    .await;

    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let la = app.local_authority_id("E06099001").await;
    let (_, body) = app
        .graphql_as(&manager, OC3, json!({"la": la, "year": 2026}))
        .await;
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

#[tokio::test]
async fn indicators_count_care_leavers_aged_17_to_21() {
    let app = TestApp::spawn().await;
    // Fix the demo records at a known date so ages and figures are stable.
    for table in [
        "in_touch_records",
        "activity_records",
        "accommodation_records",
    ] {
        exec(
            &app.db,
            &format!("UPDATE {table} SET recorded_on = $1"),
            vec![chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap().into()],
        )
        .await
        .unwrap();
    }
    exec(
        &app.db,
        "UPDATE care_leavers SET left_care_on = $1 WHERE left_care_on IS NOT NULL",
        vec![chrono::NaiveDate::from_ymd_opt(2025, 5, 1).unwrap().into()],
    )
    .await
    .unwrap();
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
