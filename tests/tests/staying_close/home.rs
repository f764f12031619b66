//! The home screen: the young person's plan in one read, field for field
//! the same as the plan read by id.

use closeknit::db::raw::query;
use closeknit_tests::{
    TestApp,
    demo::NORTHMOOR as N,
    staying_close::{plan_of, run},
};
use serde_json::json;

#[tokio::test]
async fn the_home_screen_reads_the_same_as_the_plan_field_by_field() {
    // On PostgreSQL the home query is one statement (with its audit row);
    // elsewhere, and for plans read by id, each field is its own read.
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let jamie = app.code_token(&smtp, &format!("young.person@{N}")).await;
    let adviser = app.staff_token(&format!("personal.adviser@{N}")).await;
    // Progress on a goal, so the nested lists are not empty.
    let plan = plan_of(&app, &adviser, &format!("young.person@{N}")).await;
    let goal = plan["goals"][1]["id"].as_str().unwrap();
    let body = run(
        &app,
        &jamie,
        "addGoalProgress",
        json!({"goalId": goal, "note": "Direct debits all set up"}),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let fields = "id status version nextCheckInDue checkInOverdue \
        goals { id section title whoHelps targetDate status updatedAt progress { id note authorName createdAt } } \
        nextCheckIn { id dueOn overdue status } \
        keyWorker { id givenName familyName email organisation } \
        personalAdviser { givenName email } \
        claims { id kind amountPence purpose status decisionNote createdAt updatedAt }";
    let reads = || async {
        query(
            &app.db,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'plan.read'",
            vec![],
        )
        .await
        .unwrap()[0]
            .try_get_by_index::<i64>(0)
            .unwrap()
    };
    let before = reads().await;
    let (_, home) = app
        .graphql_as(
            &jamie,
            &format!("{{ myStayingClosePlan {{ {fields} }} }}"),
            json!({}),
        )
        .await;
    assert!(home["errors"].is_null(), "{home}");
    assert_eq!(reads().await, before + 1, "the home read is audited once");
    let home = &home["data"]["myStayingClosePlan"];
    let (_, by_id) = app
        .graphql_as(
            &jamie,
            &format!("query($id: ID!) {{ stayingClosePlan(id: $id) {{ {fields} }} }}"),
            json!({"id": home["id"]}),
        )
        .await;
    assert_eq!(home, &by_id["data"]["stayingClosePlan"]);
    assert_eq!(
        home["goals"][1]["progress"][0]["note"],
        "Direct debits all set up"
    );
    assert_eq!(home["claims"].as_array().unwrap().len(), 2);
    assert_eq!(home["keyWorker"]["email"], format!("key.worker@{N}"));
    let audit = query(
        &app.db,
        "SELECT fields, record_type, subject_person_id FROM audit_events \
         WHERE action = 'plan.read' ORDER BY id DESC LIMIT 2",
        vec![],
    )
    .await
    .unwrap();
    let fields: String = audit[1].try_get_by_index(0).unwrap();
    assert!(
        fields.contains("goals") && fields.contains("claims"),
        "{fields}"
    );
}
