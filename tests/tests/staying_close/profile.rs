//! Care-leaver profiles: only for young people, child references unique
//! within an authority, the leaving-care date where the category needs it.

use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    staying_close::{error, young_person},
};
use serde_json::json;

const PROFILE: &str = "mutation($input: SaveCareLeaverProfileInput!) { saveCareLeaverProfile(input: $input) { youngPersonId } }";

#[tokio::test]
async fn profiles_are_for_young_people_with_unique_references_and_dates() {
    let app = TestApp::spawn().await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    let avery = young_person(&app, &format!("young.person.five@{N}")).await;
    // Profiles: only young people; child references unique per authority.
    let staff_person = young_person(&app, &format!("key.worker@{N}")).await;
    let (_, body) = app
        .graphql_as(
            &adviser,
            PROFILE,
            json!({"input": {"youngPersonId": staff_person, "childRef": "X1", "category": "QUALIFYING"}}),
        )
        .await;
    assert!(
        matches!(error(&body).0, "NOT_FOUND" | "BAD_USER_INPUT"),
        "{body}"
    );
    let (_, body) = app
        .graphql_as(
            &adviser,
            PROFILE,
            json!({"input": {"youngPersonId": avery, "childRef": "DEMO001", "category": "ELIGIBLE"}}),
        )
        .await;
    assert_eq!(error(&body).1["extensions"]["field"], "childRef", "{body}");
    let (_, body) = app
        .graphql_as(
            &adviser,
            PROFILE,
            json!({"input": {"youngPersonId": avery, "childRef": "AV17", "category": "RELEVANT"}}),
        )
        .await;
    assert_eq!(
        error(&body).1["extensions"]["field"],
        "leftCareOn",
        "{body}"
    );
}
