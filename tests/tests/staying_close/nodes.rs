//! Objects nested in a plan (check-ins, reviews, claims, SSDA903 records)
//! are fetched again by `node(id:)` by whoever could read them nested,
//! audited as that read; to anyone else the id is `null`.

use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    staying_close::{last_plan_read_fields, plan_id_of},
};
use serde_json::{Value, json};

/// The fields asked of each object, nested and through `node`.
const FIELDS: [(&str, &str, &str); 6] = [
    (
        "checkIns",
        "PlanMeeting",
        "id dueOn status overdue updatedAt",
    ),
    (
        "reviews",
        "PlanMeeting",
        "id dueOn status requestedByYoungPerson",
    ),
    ("claims", "Claim", "id kind amountPence status updatedAt"),
    (
        "accommodation",
        "AccommodationRecord",
        "id type ssda903Code assessment { factor suitable } updatedAt",
    ),
    ("inTouch", "InTouchRecord", "id status contactOn updatedAt"),
    ("activities", "ActivityRecord", "id code since updatedAt"),
];

async fn node(app: &TestApp, token: &str, ty: &str, fields: &str, id: &Value) -> Value {
    let (_, body) = app
        .graphql_as(
            token,
            &format!("query($id: ID!) {{ node(id: $id) {{ ... on {ty} {{ {fields} }} }} }}"),
            json!({"id": id}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["node"].clone()
}

#[tokio::test]
async fn nested_objects_resolve_by_id_for_their_readers_only() {
    let app = TestApp::spawn().await;
    let manager = app.staff_token(&format!("la.manager@{N}")).await;
    let stranger = app.staff_token("la.manager@eastbrook.example").await;
    let plan = plan_id_of(&app, &format!("young.person@{N}")).await;
    let nested: String = FIELDS
        .iter()
        .map(|(field, _, fields)| format!("{field} {{ {fields} }} "))
        .collect();
    let (_, body) = app
        .graphql_as(
            &manager,
            &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {nested} }} }}"),
            json!({"id": plan}),
        )
        .await;
    let read = &body["data"]["stayingClosePlan"];
    for (field, ty, fields) in FIELDS {
        let objects = read[field].as_array().unwrap_or_else(|| panic!("{body}"));
        assert!(!objects.is_empty(), "no {field} in {body}");
        for object in objects {
            let again = node(&app, &manager, ty, fields, &object["id"]).await;
            assert_eq!(&again, object, "{field}");
            let audited = last_plan_read_fields(&app).await;
            assert!(audited.contains(field), "{field} not in {audited}");
            assert!(
                node(&app, &stranger, ty, fields, &object["id"])
                    .await
                    .is_null()
            );
        }
    }
}
