//! Organisations and commissions, administered by platform administrators,
//! over real HTTP on both databases: creating and changing organisations
//! (names unique, authorities where the kind needs one), commission periods
//! (fitting the provider, never overlapping), a commission's end removing
//! the provider's reach from its end date (and a later period restoring
//! it), and who may call each operation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::{Duration, Utc};
use closeknit::identity::{directory, store};
use closeknit_tests::{TestApp, error_codes, uuid_of};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::matrix::{ANONYMOUS, FORB, OK, UNAUTH, input, outcome, send, token as matrix_token};

const PLATFORM: &str = "admin@closeknit.example";
const NORTHMOOR: &str = "E06099001";
const EASTBROOK: &str = "E10099002";

const CREATE: &str = "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { \
    clientMutationId organisation { id name kind localAuthorityId requiresSecondFactor } } }";
const UPDATE: &str = "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { \
    organisation { id name kind localAuthorityId } } }";
const RECORD: &str = "mutation($input: RecordCommissionInput!) { recordCommission(input: $input) { \
    commission { id organisationId localAuthorityId service startsOn endsOn } } }";
const END: &str = "mutation($input: EndCommissionInput!) { endCommission(input: $input) { \
    commission { id startsOn endsOn } } }";
const LIST: &str = "query($kind: OrganisationKind, $search: String, $first: Int, $after: String) { \
    organisations(kind: $kind, search: $search, first: $first, after: $after) { \
    pageInfo { hasNextPage endCursor } edges { node { id name kind \
    commissions { id localAuthorityId service startsOn endsOn } } } } }";

async fn gql(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    app.graphql_as(token, query, variables).await.1
}

fn field(body: &Value) -> Value {
    body["errors"][0]["extensions"]["field"].clone()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    let rows = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM audit_events WHERE action = '{action}'"),
        ))
        .await
        .unwrap();
    rows[0].try_get::<i64>("", "n").unwrap()
}

/// An organisation's id by exact name (as the platform administrator).
async fn organisation_id(app: &TestApp, admin: &str, name: &str) -> String {
    let body = gql(app, admin, LIST, json!({"search": name})).await;
    body["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {body}"))["node"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn platform_admins_create_and_update_organisations() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(PLATFORM).await;
    let northmoor = app.local_authority_id(NORTHMOOR).await;
    let eastbrook = app.local_authority_id(EASTBROOK).await;

    let body = gql(
        &app,
        &admin,
        CREATE,
        input(
            json!({"clientMutationId": "new-team", "name": "  Westmere   Leaving Care Team ",
            "kind": "LOCAL_AUTHORITY_TEAM", "localAuthorityId": northmoor}),
        ),
    )
    .await;
    let created = &body["data"]["createOrganisation"];
    assert_eq!(
        created["organisation"]["name"], "Westmere Leaving Care Team",
        "{body}"
    );
    assert_eq!(created["organisation"]["kind"], "LOCAL_AUTHORITY_TEAM");
    assert_eq!(
        created["organisation"]["localAuthorityId"],
        northmoor.as_str()
    );
    assert_eq!(created["organisation"]["requiresSecondFactor"], false);
    let id = created["organisation"]["id"].as_str().unwrap().to_string();
    assert_eq!(audited(&app, "organisation.create").await, 1);

    // The same clientMutationId replays the first result: no second row.
    let replay = gql(
        &app,
        &admin,
        CREATE,
        input(
            json!({"clientMutationId": "new-team", "name": "  Westmere   Leaving Care Team ",
            "kind": "LOCAL_AUTHORITY_TEAM", "localAuthorityId": northmoor}),
        ),
    )
    .await;
    assert_eq!(
        replay["data"]["createOrganisation"]["organisation"]["id"],
        id.as_str()
    );
    assert_eq!(audited(&app, "organisation.create").await, 1);

    // A name already taken, whatever its case: CONFLICT.
    let body = gql(
        &app,
        &admin,
        CREATE,
        input(json!({"name": "WESTMERE leaving care team", "kind": "CHARITY"})),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    // Teams and homes need an authority; providers name none.
    let body = gql(
        &app,
        &admin,
        CREATE,
        input(json!({"name": "Hollybank Home", "kind": "CHILDRENS_HOME"})),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(field(&body), "input.localAuthorityId");
    let body = gql(
        &app,
        &admin,
        CREATE,
        input(json!({"name": "Speakup Advocacy", "kind": "ADVOCACY_PROVIDER", "localAuthorityId": northmoor})),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(field(&body), "input.localAuthorityId");
    let body = gql(
        &app,
        &admin,
        CREATE,
        input(json!({"name": " ", "kind": "CHARITY"})),
    )
    .await;
    assert_eq!(field(&body), "input.name");
    assert_eq!(
        audited(&app, "organisation.create").await,
        1,
        "refusals write nothing"
    );

    // Listed, by kind and by search.
    let body = gql(&app, &admin, LIST, json!({"search": "westmere"})).await;
    let edges = body["data"]["organisations"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{body}");
    assert_eq!(edges[0]["node"]["id"], id.as_str());
    let body = gql(&app, &admin, LIST, json!({"kind": "ADVOCACY_PROVIDER"})).await;
    let names: Vec<&str> = body["data"]["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Brightvoice Advocacy"]);
    // Paged by name: every organisation once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = gql(&app, &admin, LIST, json!({"first": 2, "after": after})).await;
        let page = &body["data"]["organisations"];
        for edge in page["edges"].as_array().unwrap() {
            seen.push(edge["node"]["name"].as_str().unwrap().to_string());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen.len(), sorted.len(), "{seen:?}");
    assert!(seen.len() >= 8, "{seen:?}");

    // Changed: name and authority.
    let body = gql(
        &app,
        &admin,
        UPDATE,
        input(json!({"organisationId": id, "name": "Westmere Care Leavers", "kind": "LOCAL_AUTHORITY_TEAM",
            "localAuthorityId": eastbrook})),
    )
    .await;
    let updated = &body["data"]["updateOrganisation"]["organisation"];
    assert_eq!(updated["name"], "Westmere Care Leavers", "{body}");
    assert_eq!(updated["localAuthorityId"], eastbrook.as_str());
    assert_eq!(audited(&app, "organisation.update").await, 1);
    // Keeping its own name is no clash; taking another's is.
    let body = gql(
        &app,
        &admin,
        UPDATE,
        input(json!({"organisationId": id, "name": "Brightvoice Advocacy", "kind": "LOCAL_AUTHORITY_TEAM",
            "localAuthorityId": eastbrook})),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"]);
    // A kind that may not hold its staff's roles: CONFLICT.
    let team = organisation_id(&app, &admin, "Northmoor Children's Services").await;
    let body = gql(
        &app,
        &admin,
        UPDATE,
        input(json!({"organisationId": team, "name": "Northmoor Children's Services", "kind": "CHARITY"})),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    // A kind that does not provide its commissioned service: CONFLICT.
    let provider = organisation_id(&app, &admin, "Brightvoice Advocacy").await;
    let body = gql(
        &app,
        &admin,
        UPDATE,
        input(
            json!({"organisationId": provider, "name": "Brightvoice Advocacy", "kind": "CHARITY"}),
        ),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    let body = gql(
        &app,
        &admin,
        UPDATE,
        input(json!({"organisationId": closeknit_tests::global_id("Organisation", uuid::Uuid::now_v7()),
            "name": "Nobody", "kind": "CHARITY"})),
    )
    .await;
    assert_eq!(error_codes(&body), ["NOT_FOUND"]);
    assert_eq!(audited(&app, "organisation.update").await, 1);
}

#[tokio::test]
async fn commission_periods_fit_the_provider_and_never_overlap() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(PLATFORM).await;
    let northmoor = app.local_authority_id(NORTHMOOR).await;
    let eastbrook = app.local_authority_id(EASTBROOK).await;
    let body = gql(
        &app,
        &admin,
        CREATE,
        input(json!({"name": "Speakup Advocacy", "kind": "ADVOCACY_PROVIDER"})),
    )
    .await;
    let provider = body["data"]["createOrganisation"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let record = |la: &str, service: &str, starts: &str, ends: Value| {
        input(
            json!({"organisationId": provider, "localAuthorityId": la, "service": service,
            "startsOn": starts, "endsOn": ends}),
        )
    };

    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&northmoor, "ADVOCACY", "2026-01-01", json!("2026-06-01")),
    )
    .await;
    let first = &body["data"]["recordCommission"]["commission"];
    assert_eq!(first["startsOn"], "2026-01-01", "{body}");
    assert_eq!(first["endsOn"], "2026-06-01");
    let first_id = first["id"].as_str().unwrap().to_string();

    // Overlapping the first period: CONFLICT naming it.
    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&northmoor, "ADVOCACY", "2026-05-31", Value::Null),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("from 2026-01-01 until 2026-06-01"),
        "{message}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["details"]["commissionId"],
        first_id.as_str()
    );
    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&northmoor, "ADVOCACY", "2025-01-01", Value::Null),
    )
    .await;
    assert_eq!(
        error_codes(&body),
        ["CONFLICT"],
        "an open period before it overlaps too"
    );

    // Starting on the first's end date shares no day.
    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&northmoor, "ADVOCACY", "2026-06-01", Value::Null),
    )
    .await;
    let second_id = body["data"]["recordCommission"]["commission"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    // Another authority is another commission.
    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&eastbrook, "ADVOCACY", "2026-03-01", Value::Null),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");

    // The service must fit the provider; the end must follow the start.
    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&northmoor, "KINSHIP_TRAINING", "2026-01-01", Value::Null),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(field(&body), "input.service");
    let body = gql(
        &app,
        &admin,
        RECORD,
        record(&eastbrook, "ADVOCACY", "2027-01-01", json!("2027-01-01")),
    )
    .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(field(&body), "endsOn");
    assert_eq!(audited(&app, "commission.record").await, 3);

    // Ending the open period; moving the first's end into the second: CONFLICT.
    let body = gql(
        &app,
        &admin,
        END,
        input(json!({"commissionId": second_id, "endsOn": "2027-04-01"})),
    )
    .await;
    assert_eq!(
        body["data"]["endCommission"]["commission"]["endsOn"], "2027-04-01",
        "{body}"
    );
    let body = gql(
        &app,
        &admin,
        END,
        input(json!({"commissionId": first_id, "endsOn": "2026-07-01"})),
    )
    .await;
    assert_eq!(error_codes(&body), ["CONFLICT"], "{body}");
    let body = gql(
        &app,
        &admin,
        END,
        input(json!({"commissionId": second_id, "endsOn": "2026-06-01"})),
    )
    .await;
    assert_eq!(
        error_codes(&body),
        ["BAD_USER_INPUT"],
        "an end on its start"
    );
    assert_eq!(audited(&app, "commission.end").await, 1);

    // The organisation lists its periods.
    let body = gql(&app, &admin, LIST, json!({"search": "Speakup"})).await;
    let periods: Vec<(String, Value)> =
        body["data"]["organisations"]["edges"][0]["node"]["commissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["startsOn"].as_str().unwrap().to_string(),
                    c["endsOn"].clone(),
                )
            })
            .collect();
    assert_eq!(periods.len(), 3, "{body}");
    assert!(periods.contains(&("2026-06-01".into(), json!("2027-04-01"))));
    assert!(periods.contains(&("2026-01-01".into(), json!("2026-06-01"))));
}

/// The report an advocacy provider's manager may read for an authority
/// its service is commissioned by (else FORBIDDEN).
async fn report(app: &TestApp, token: &str, la: &str) -> Vec<String> {
    let body = gql(
        app,
        token,
        "query($la: ID!) { advocacyCommissionerReport(localAuthorityId: $la, from: \"2026-01-01\", to: \"2026-12-31\") { csv } }",
        json!({"la": la}),
    )
    .await;
    error_codes(&body)
}

#[tokio::test]
async fn a_commissions_end_removes_the_providers_reach_from_that_day() {
    let app = TestApp::spawn().await;
    let admin = app.staff_token(PLATFORM).await;
    let manager = app
        .staff_token("advocacy.manager@brightvoice.example")
        .await;
    let coordinator = app
        .person_id("training.coordinator@kinshiplearning.example")
        .await;
    let la = app.local_authority_id(NORTHMOOR).await;
    let la_uuid = uuid_of(&la);
    let today = Utc::now().date_naive();
    let tomorrow = today + Duration::days(1);
    let provider = organisation_id(&app, &admin, "Brightvoice Advocacy").await;
    let training = organisation_id(&app, &admin, "Kinship Learning Network").await;
    let commission = |org: &str, service: &str| {
        let org = org.to_string();
        let service = service.to_string();
        let app = &app;
        let admin = admin.clone();
        let la = la.clone();
        async move {
            let body = gql(app, &admin, LIST, json!({"search": ""})).await;
            body["data"]["organisations"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["node"]["id"] == org.as_str())
                .flat_map(|e| e["node"]["commissions"].as_array().unwrap().clone())
                .find(|c| c["localAuthorityId"] == la.as_str() && c["service"] == service)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let advocacy = commission(&provider, "ADVOCACY").await;
    let kinship = commission(&training, "KINSHIP_TRAINING").await;
    let reaches = |grants: Vec<closeknit::auth::viewer::Grant>| {
        grants
            .iter()
            .any(|g| g.local_authorities.contains(&la_uuid))
    };
    let providers = |service: &'static str| {
        let db = app.db.clone();
        async move {
            directory::commissioned_providers(&db, la_uuid, service, Utc::now().date_naive())
                .await
                .unwrap()
        }
    };
    assert_eq!(report(&app, &manager, &la).await, Vec::<String>::new());
    assert!(reaches(
        store::person_grants(&app.db, coordinator).await.unwrap()
    ));

    // Ending tomorrow: today is still inside the period.
    for id in [&advocacy, &kinship] {
        let body = gql(
            &app,
            &admin,
            END,
            input(json!({"commissionId": id, "endsOn": tomorrow})),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    assert_eq!(report(&app, &manager, &la).await, Vec::<String>::new());
    assert!(reaches(
        store::person_grants(&app.db, coordinator).await.unwrap()
    ));
    assert!(providers("advocacy").await.contains(&uuid_of(&provider)));

    // Ending today: from today the provider no longer reaches the
    // authority, in the viewer's grants (the same access token, on its
    // next request) and in the directory alike.
    for id in [&advocacy, &kinship] {
        let body = gql(
            &app,
            &admin,
            END,
            input(json!({"commissionId": id, "endsOn": today})),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    assert_eq!(report(&app, &manager, &la).await, [FORB]);
    assert!(!reaches(
        store::person_grants(&app.db, coordinator).await.unwrap()
    ));
    assert!(!providers("advocacy").await.contains(&uuid_of(&provider)));
    assert!(
        !providers("kinship_training")
            .await
            .contains(&uuid_of(&training))
    );

    // A new period from today restores the reach.
    for (org, service) in [(&provider, "ADVOCACY"), (&training, "KINSHIP_TRAINING")] {
        let body = gql(
            &app,
            &admin,
            RECORD,
            input(
                json!({"organisationId": org, "localAuthorityId": la, "service": service,
                "startsOn": today}),
            ),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
    }
    assert_eq!(report(&app, &manager, &la).await, Vec::<String>::new());
    assert!(reaches(
        store::person_grants(&app.db, coordinator).await.unwrap()
    ));
    assert!(
        providers("kinship_training")
            .await
            .contains(&uuid_of(&training))
    );
}

#[tokio::test]
async fn only_platform_admins_administer_organisations() {
    let (app, smtp) = TestApp::spawn_with_smtp().await;
    let platform = app.staff_token(PLATFORM).await;
    let northmoor = app.local_authority_id(NORTHMOOR).await;
    let team = organisation_id(&app, &platform, "Northmoor Children's Services").await;
    let provider = organisation_id(&app, &platform, "Brightvoice Advocacy").await;
    let body = gql(
        &app,
        &platform,
        RECORD,
        input(
            json!({"organisationId": provider, "localAuthorityId": northmoor, "service": "ADVOCACY",
            "startsOn": "2020-01-01", "endsOn": "2021-01-01"}),
        ),
    )
    .await;
    let old = body["data"]["recordCommission"]["commission"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();

    let viewers = [
        (ANONYMOUS, UNAUTH),
        ("young.person@northmoor.example", FORB),
        ("key.worker@northmoor.example", FORB),
        ("la.manager@northmoor.example", FORB),
        ("org.admin@northmoor.example", FORB),
        ("org.admin@eastbrook.example", FORB),
        (PLATFORM, OK),
    ];
    for (n, (email, expected)) in viewers.iter().enumerate() {
        let token = matrix_token(&app, &smtp, email).await;
        let cells = [
            (
                "createOrganisation",
                input(json!({"name": format!("Matrix Charity {n}"), "kind": "CHARITY"})),
            ),
            (
                "updateOrganisation",
                input(
                    json!({"organisationId": team, "name": "Northmoor Children's Services",
                    "kind": "LOCAL_AUTHORITY_TEAM", "localAuthorityId": northmoor}),
                ),
            ),
            (
                "recordCommission",
                input(
                    json!({"organisationId": provider, "localAuthorityId": northmoor,
                    "service": "ADVOCACY", "startsOn": format!("201{n}-01-01"),
                    "endsOn": format!("201{n}-06-01")}),
                ),
            ),
            (
                "endCommission",
                input(json!({"commissionId": old, "endsOn": format!("2020-0{}-01", n + 2)})),
            ),
        ];
        for (label, variables) in cells {
            let body = send(&app, &token, label, label, variables).await;
            assert_eq!(
                outcome(&body, label, ""),
                *expected,
                "{label} as {email}: {body}"
            );
        }
        let body = send(
            &app,
            &token,
            "organisations",
            "{ organisations { edges { node { id } } } }",
            json!({}),
        )
        .await;
        let seen = outcome(&body, "organisations", &team);
        let expected = if *expected == OK { "listed" } else { expected };
        assert_eq!(seen, expected, "organisations as {email}: {body}");
    }
}
