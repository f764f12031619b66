//! The SSDA903 records (accommodation, in touch, activity): codes from the
//! lists, Schedule 2 suitability judged factor by factor, dates checked,
//! the young person's own authority only.

use closeknit_tests::{
    TestApp,
    demo::{EASTBROOK as E, NORTHMOOR as N},
    staying_close::{day, error, last_plan_read_fields, plan_id_of, young_person},
    suitability_assessment,
};
use serde_json::json;

/// A server, Northmoor's adviser's token and Jamie's global id.
async fn spawn_for_jamie() -> (TestApp, String, String) {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let jamie = young_person(&app, &format!("young.person@{N}")).await;
    (app, adviser, jamie)
}

#[tokio::test]
async fn accommodation_uses_the_code_lists_and_the_schedule_2_factors() {
    let (app, adviser, jamie) = spawn_for_jamie().await;
    let accommodation = "mutation($input: RecordAccommodationInput!) { recordAccommodation(input: $input) { recordId plan { accommodation { type ssda903Code movedInOn endedOn } } } }";
    // No fixed abode judged suitable would be S1: refused.
    let (_, body) = app
        .graphql_as(
            &adviser,
            accommodation,
            json!({"input": {"youngPersonId": jamie, "type": "NO_FIXED_ABODE", "movedInOn": day(-1), "assessment": suitability_assessment(&[])}}),
        )
        .await;
    let (code, e) = error(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("S1 is not a valid code"),
        "{body}"
    );
    // Every factor must be judged.
    let mut partial = suitability_assessment(&[]);
    partial.as_array_mut().unwrap().pop();
    let (_, body) = app
        .graphql_as(
            &adviser,
            accommodation,
            json!({"input": {"youngPersonId": jamie, "type": "FOYER", "movedInOn": day(-1), "assessment": partial}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "assessment");
    let (_, body) = app
        .graphql_as(
            &adviser,
            accommodation,
            json!({"input": {"youngPersonId": jamie, "type": "FOYER", "movedInOn": day(-1), "assessment": suitability_assessment(&["AFFORDABILITY"])}}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let history = &body["data"]["recordAccommodation"]["plan"]["accommodation"];
    assert_eq!(history[0]["ssda903Code"], "T2");
    assert_eq!(history[1]["ssda903Code"], "U1");
    assert_eq!(
        history[1]["endedOn"],
        day(-1),
        "the previous home ends on the move"
    );
}

#[tokio::test]
async fn in_touch_and_activity_use_the_code_lists_and_past_dates() {
    let (app, adviser, jamie) = spawn_for_jamie().await;
    // Unknown codes are refused by the schema; dates in the future by the rules.
    let in_touch = "mutation($input: RecordInTouchInput!) { recordInTouch(input: $input) { plan { inTouch { status contactOn } } } }";
    let (_, body) = app
        .graphql_as(
            &adviser,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "MAYBE", "contactOn": day(0)}}),
        )
        .await;
    assert!(!body["errors"].is_null());
    let (_, body) = app
        .graphql_as(
            &adviser,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "YES", "contactOn": day(2)}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "contactOn");
    let (_, body) = app
        .graphql_as(
            &adviser,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "REFU", "contactOn": day(0)}}),
        )
        .await;
    assert_eq!(
        body["data"]["recordInTouch"]["plan"]["inTouch"][0]["status"], "REFU",
        "{body}"
    );
    // The plan a change returns is a read of the plan's fields asked for.
    let fields = last_plan_read_fields(&app).await;
    assert!(
        fields.contains("inTouch") && !fields.contains("plan"),
        "{fields}"
    );
    let (_, body) = app
        .graphql_as(
            &adviser,
            "mutation($input: RecordActivityInput!) { recordActivity(input: $input) { plan { activities { code since } } } }",
            json!({"input": {"youngPersonId": jamie, "code": "P4", "since": day(-3)}}),
        )
        .await;
    assert_eq!(
        body["data"]["recordActivity"]["plan"]["activities"][0]["code"], "P4",
        "{body}"
    );
    // Workers of another authority cannot record for Jamie.
    let other = app.staff_token(&format!("personal.adviser@{E}")).await;
    let (_, body) = app
        .graphql_as(
            &other,
            in_touch,
            json!({"input": {"youngPersonId": jamie, "status": "YES", "contactOn": day(0)}}),
        )
        .await;
    assert_eq!(error(&body).0, "NOT_FOUND");
}

#[tokio::test]
async fn records_page_newest_first_as_the_plain_lists_order_them() {
    let (app, adviser, jamie) = spawn_for_jamie().await;
    let record =
        "mutation($input: RecordInTouchInput!) { recordInTouch(input: $input) { plan { id } } }";
    for (status, on) in [("YES", -30), ("NO", -20), ("YES", -20), ("REFU", -10)] {
        let input = json!({"youngPersonId": jamie, "status": status, "contactOn": day(on)});
        let (_, body) = app
            .graphql_as(&adviser, record, json!({"input": input}))
            .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    let plan = plan_id_of(&app, &format!("young.person@{N}")).await;
    let plan_query = "query($p: ID!, $after: String) { myPlan: stayingClosePlan(id: $p) { \
        inTouch { id } inTouchConnection(first: 2, after: $after) { \
        nodes { id } pageInfo { hasNextPage endCursor } } } }";
    let mut paged = Vec::new();
    let mut after = serde_json::Value::Null;
    let plain = loop {
        let (_, body) = app
            .graphql_as(&adviser, plan_query, json!({"p": plan, "after": after}))
            .await;
        let plan = &body["data"]["myPlan"];
        let page = &plan["inTouchConnection"];
        let nodes = page["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        assert!(nodes.len() <= 2, "{body}");
        paged.extend(nodes.iter().map(|n| n["id"].clone()));
        if page["pageInfo"]["hasNextPage"] != true {
            break plan["inTouch"].as_array().unwrap().clone();
        }
        after = page["pageInfo"]["endCursor"].clone();
    };
    let plain: Vec<_> = plain.iter().map(|n| n["id"].clone()).collect();
    assert!(plain.len() >= 4, "{plain:?}");
    assert_eq!(paged, plain);
}
