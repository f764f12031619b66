//! Single sign-on for local authority staff against a stand-in OpenID
//! Connect provider on loopback (`closeknit_tests::oidc_fake`): the browser's
//! round trip done by hand (start, the provider's authorize, the callback,
//! the app's exchange of the one-time result), matching by invitation, by
//! the organisation's rule and by (issuer, subject), every refusal, and who
//! may configure it. Both databases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::{Duration, Utc};
use closeknit::{
    db::{
        raw::{exec, query},
        rows::get,
    },
    identity::{
        model::{AccountStatus, Email},
        store,
    },
};
use closeknit_tests::{
    TestApp, error_codes,
    oidc_fake::{
        Back, CLIENT_ID, CONFIGURATION, CONFIGURE, Knobs, NORTHMOOR_TEAM, ORG_ADMIN, RETURN,
        SECRET, Sso, User, app, back, configured, location, org_id, spawn,
    },
    smtp::SmtpSink,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::matrix::{ANONYMOUS, BAD, FORB, NF, OK, UNAUTH, outcome, token};

trait Records {
    async fn account(&self, email: &str) -> Option<closeknit::db::entities::accounts::Model>;
    async fn links(&self, account: Uuid) -> Vec<(String, String)>;
    async fn invite(&self, email: &str, roles: &str) -> Uuid;
    async fn audited(&self, action: &str) -> i64;
}

/// What the tests read back from the database.
impl Records for Sso {
    async fn account(&self, email: &str) -> Option<closeknit::db::entities::accounts::Model> {
        store::account_by_email(&self.app.db, &Email::parse("email", email).unwrap())
            .await
            .unwrap()
    }

    async fn links(&self, account: Uuid) -> Vec<(String, String)> {
        query(
            &self.app.db,
            "SELECT issuer, subject FROM external_identities WHERE account_id = $1",
            vec![account.into()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (get(r, "issuer").unwrap(), get(r, "subject").unwrap()))
        .collect()
    }

    async fn invite(&self, email: &str, roles: &str) -> Uuid {
        let admin = self.account(ORG_ADMIN).await.unwrap().id;
        let id = Uuid::now_v7();
        let now = Utc::now();
        exec(
            &self.app.db,
            "INSERT INTO invitations (id, organisation_id, email, given_name, family_name, roles, \
             token_hash, invited_by_account_id, created_at, expires_at) \
             VALUES ($1, $2, $3, 'Nia', 'Starter', $4, $5, $6, $7, $8)",
            vec![
                id.into(),
                self.org.into(),
                email.into(),
                roles.into(),
                Uuid::new_v4().simple().to_string().into(),
                admin.into(),
                now.into(),
                (now + Duration::days(7)).into(),
            ],
        )
        .await
        .unwrap();
        id
    }

    async fn audited(&self, action: &str) -> i64 {
        let rows = query(
            &self.app.db,
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = $1",
            vec![action.into()],
        )
        .await
        .unwrap();
        get(&rows[0], "n").unwrap()
    }
}

fn roles_of(session: &Value) -> Vec<(String, String)> {
    session["me"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["role"].as_str().unwrap().to_string(),
                r["organisation"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_invited_member_of_staff_signs_in_then_is_matched_on_subject_alone() {
    let sso = configured(&[], &[]).await;
    let invitation = sso
        .invite("new.starter@northmoor.gov.uk", "key_worker")
        .await;
    assert!(sso.account("new.starter@northmoor.gov.uk").await.is_none());

    let first = sso
        .session(User::new("entra-oid-1", "New.Starter@northmoor.gov.uk"))
        .await;
    assert_eq!(first["me"]["email"], "new.starter@northmoor.gov.uk");
    assert_eq!(
        roles_of(&first),
        vec![("KEY_WORKER".to_string(), NORTHMOOR_TEAM.to_string())]
    );
    let account = sso.account("new.starter@northmoor.gov.uk").await.unwrap();
    assert_eq!(account.status, AccountStatus::Active.as_str());
    assert!(account.password_hash.is_none());
    assert_eq!(
        sso.links(account.id).await,
        vec![(sso.fake.issuer(), "entra-oid-1".to_string())]
    );
    let accepted = query(
        &sso.app.db,
        "SELECT account_id FROM invitations WHERE id = $1 AND accepted_at IS NOT NULL",
        vec![invitation.into()],
    )
    .await
    .unwrap();
    assert_eq!(get::<Uuid>(&accepted[0], "account_id").unwrap(), account.id);
    assert_eq!(sso.audited("external_identity.link").await, 1);
    assert_eq!(sso.audited("invitation.accept").await, 1);

    // The provider's email changes: the subject still names the account.
    let again = sso
        .session(User::new("entra-oid-1", "n.starter@renamed.example"))
        .await;
    assert_eq!(again["me"]["id"], first["me"]["id"]);
    assert_eq!(again["me"]["email"], "new.starter@northmoor.gov.uk");
    assert_eq!(sso.links(account.id).await.len(), 1);
    assert_eq!(sso.audited("external_identity.link").await, 1);

    // The token works, and the sign-ins are recorded with their method.
    let (_, me) = sso
        .app
        .graphql_as(
            again["accessToken"].as_str().unwrap(),
            "{ me { email } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["email"], "new.starter@northmoor.gov.uk");
    let methods: Vec<String> = store::security_events(&sso.app.db, "signed_in")
        .await
        .unwrap()
        .into_iter()
        .filter(|(a, _)| *a == Some(account.id))
        .map(|(_, detail)| detail)
        .collect();
    assert_eq!(methods, vec!["single_sign_on", "single_sign_on"]);
}

#[tokio::test]
async fn the_organisations_rule_creates_accounts_for_its_domains_only() {
    let sso = configured(&["northmoor.gov.uk"], &["PERSONAL_ADVISER"]).await;

    let (_, body) = sso
        .app
        .graphql(
            "query($e: String!) { singleSignOnFor(email: $e) { available startUrl } }",
            json!({"e": "Pat@Northmoor.gov.uk"}),
        )
        .await;
    assert_eq!(
        body["data"]["singleSignOnFor"],
        json!({"available": true, "startUrl": format!("https://closeknit.test/auth/sso/{}/start", sso.org)})
    );
    let (_, body) = sso
        .app
        .graphql(
            "query($e: String!) { singleSignOnFor(email: $e) { available startUrl } }",
            json!({"e": "pat@elsewhere.example"}),
        )
        .await;
    assert_eq!(
        body["data"]["singleSignOnFor"],
        json!({"available": false, "startUrl": null})
    );

    let session = sso
        .session(User::new("oid-pat", "pat@northmoor.gov.uk"))
        .await;
    assert_eq!(
        roles_of(&session),
        vec![("PERSONAL_ADVISER".to_string(), NORTHMOOR_TEAM.to_string())]
    );
    let account = sso.account("pat@northmoor.gov.uk").await.unwrap();
    let person = store::person(&sso.app.db, account.person_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (person.given_name.as_str(), person.family_name.as_str()),
        ("Sam", "Okafor")
    );
    // Without a password, it still gets no emailed codes: those would go
    // round the organisation's provider.
    let (_, body) = sso
        .app
        .graphql(
            closeknit_tests::REQUEST_SIGN_IN_CODE,
            json!({"email": "pat@northmoor.gov.uk"}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
    let refused = store::security_events(&sso.app.db, "sign_in_code_refused")
        .await
        .unwrap();
    assert_eq!(
        refused,
        vec![(
            Some(account.id),
            "not an active passwordless account".to_string()
        )]
    );

    // Another domain, verified or not, gets no account.
    let refused = sso
        .sign_in(
            User::new("oid-other", "pat@elsewhere.example"),
            Knobs::default(),
        )
        .await;
    assert_eq!(refused, Back::Error("no_account".into()));
    assert!(sso.account("pat@elsewhere.example").await.is_none());
}

#[tokio::test]
async fn without_an_invitation_or_a_rule_no_account_is_made() {
    // Domains listed, but no roles for new accounts: the default.
    let sso = configured(&["northmoor.gov.uk"], &[]).await;
    let (_, body) = sso
        .app
        .graphql_as(
            &sso.admin,
            CONFIGURATION,
            json!({"org": closeknit_tests::global_id("Organisation", sso.org)}),
        )
        .await;
    assert_eq!(
        body["data"]["singleSignOnConfiguration"],
        json!({"issuer": sso.fake.issuer(), "clientId": CLIENT_ID, "hasClientSecret": true,
               "emailDomains": ["northmoor.gov.uk"], "newAccountRoles": [], "enabled": true})
    );
    assert!(!body.to_string().contains(SECRET));
    let stored = query(
        &sso.app.db,
        "SELECT client_secret_ciphertext FROM identity_providers WHERE organisation_id = $1",
        vec![sso.org.into()],
    )
    .await
    .unwrap();
    let sealed: String = get(&stored[0], "client_secret_ciphertext").unwrap();
    assert!(!sealed.contains(SECRET) && !sealed.is_empty());

    let refused = sso
        .sign_in(
            User::new("oid-new", "newcomer@northmoor.gov.uk"),
            Knobs::default(),
        )
        .await;
    assert_eq!(refused, Back::Error("no_account".into()));
    assert!(sso.account("newcomer@northmoor.gov.uk").await.is_none());
    let failures = store::security_events(&sso.app.db, "sso_failed")
        .await
        .unwrap();
    assert!(
        failures.iter().any(|(_, d)| d.starts_with("no_account")),
        "{failures:?}"
    );

    // An existing account of another organisation (the children's home) is
    // not matched by email either.
    let refused = sso
        .sign_in(
            User::new("oid-kw", "key.worker@northmoor.example"),
            Knobs::default(),
        )
        .await;
    assert_eq!(refused, Back::Error("no_account".into()));

    // An active account holding a role in the organisation is, at its first
    // single sign-on, then linked.
    let session = sso
        .session(User::new("oid-manager", "la.manager@northmoor.example"))
        .await;
    assert_eq!(session["me"]["email"], "la.manager@northmoor.example");
    let manager = sso.account("la.manager@northmoor.example").await.unwrap();
    assert_eq!(sso.links(manager.id).await.len(), 1);
    // ...and only then: another subject with its email is refused.
    let refused = sso
        .sign_in(
            User::new("oid-impostor", "la.manager@northmoor.example"),
            Knobs::default(),
        )
        .await;
    assert_eq!(refused, Back::Error("no_account".into()));

    // Disabled, the provider is not offered and sign-ins do not start.
    let (_, body) = sso
        .app
        .graphql_as(
            &sso.admin,
            CONFIGURE,
            json!({"input": {
                "organisationId": closeknit_tests::global_id("Organisation", sso.org),
                "issuer": sso.fake.issuer(), "clientId": CLIENT_ID,
                "emailDomains": ["northmoor.gov.uk"], "enabled": false,
            }}),
        )
        .await;
    assert_eq!(
        body["data"]["configureSingleSignOn"]["configuration"]["hasClientSecret"], true,
        "{body}"
    );
    let (_, body) = sso
        .app
        .graphql(
            "query { singleSignOnFor(email: \"x@northmoor.gov.uk\") { available } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["singleSignOnFor"]["available"], false);
    assert_eq!(
        back(&location(&sso.start(RETURN).await)),
        Back::Error("unavailable".into())
    );
}

#[tokio::test]
async fn tokens_the_provider_gets_wrong_are_refused() {
    let sso = configured(&[], &[]).await;
    let manager = User::new("oid-manager", "la.manager@northmoor.example");
    let knob = |set: fn(&mut Knobs)| {
        let mut knobs = Knobs::default();
        set(&mut knobs);
        knobs
    };
    // Each refused as an invalid token, by the check the knob aims at.
    let cases = [
        (knob(|k| k.wrong_issuer = true), "issuer"),
        (knob(|k| k.other_key = true), "signature"),
        (knob(|k| k.wrong_nonce = true), "nonce"),
        (knob(|k| k.expired = true), "expired"),
    ];
    for (seen, (knobs, why)) in cases.into_iter().enumerate() {
        let got = sso.sign_in(manager.clone(), knobs.clone()).await;
        assert_eq!(got, Back::Error("invalid_token".into()), "{knobs:?}");
        // Refused by the check the knob aims at (the detail is logged and
        // recorded, never shown).
        let failures = store::security_events(&sso.app.db, "sso_failed")
            .await
            .unwrap();
        assert_eq!(failures.len(), seen + 1, "{failures:?}");
        let detail = failures.last().unwrap().1.to_lowercase();
        assert!(detail.contains(why), "{knobs:?}: {detail}");
    }
    let unverified = User {
        email_verified: false,
        ..manager.clone()
    };
    assert_eq!(
        sso.sign_in(unverified, Knobs::default()).await,
        Back::Error("email_not_verified".into())
    );
    // The exchanges themselves were accepted (secret and PKCE verifier
    // right): only the ID tokens were wrong. Nothing was linked.
    assert!(sso.fake.refusals().is_empty(), "{:?}", sso.fake.refusals());
    let account = sso.account("la.manager@northmoor.example").await.unwrap();
    assert!(sso.links(account.id).await.is_empty());
    // The same person with a good token gets in.
    assert!(matches!(
        sso.sign_in(manager, Knobs::default()).await,
        Back::Code(_)
    ));
}

#[tokio::test]
async fn state_result_and_return_address_are_checked() {
    let sso = configured(&[], &[]).await;
    sso.fake
        .set_user(User::new("oid-manager", "la.manager@northmoor.example"));

    // return_to must be one of the configured addresses.
    for bad in [
        "https://evil.example/signed-in",
        "https://app.closeknit.test/signed-in.evil.example",
        "https://app.closeknit.test/signed-in#x",
    ] {
        assert_eq!(sso.start(bad).await.status().as_u16(), 400, "{bad}");
    }
    let missing = sso
        .browser
        .get(sso.app.url(&format!("/auth/sso/{}/start", sso.org)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 400);

    // The state is single use.
    let (callback, cookie) = sso.to_callback().await;
    let Back::Code(code) = back(&location(&sso.callback(&callback, Some(&cookie)).await)) else {
        panic!("first use refused");
    };
    assert_eq!(
        back(&location(&sso.callback(&callback, Some(&cookie)).await)),
        Back::Error("expired".into())
    );
    // An unknown state has nowhere to return to.
    let unknown = sso
        .callback(
            &sso.app.url("/auth/sso/callback?code=x&state=never-issued"),
            Some(&cookie),
        )
        .await;
    assert_eq!(unknown.status().as_u16(), 400);

    // The result is single use.
    let body = sso.complete(&code).await;
    assert!(
        body["data"]["completeSingleSignOn"]["accessToken"].is_string(),
        "{body}"
    );
    assert_eq!(error_codes(&sso.complete(&code).await), vec![UNAUTH]);
    assert_eq!(error_codes(&sso.complete("made-up").await), vec![UNAUTH]);

    // A callback from a browser that did not start the sign-in is refused.
    let (callback, _) = sso.to_callback().await;
    assert_eq!(
        back(&location(&sso.callback(&callback, None).await)),
        Back::Error("expired".into())
    );
    let (callback, _) = sso.to_callback().await;
    assert_eq!(
        back(&location(
            &sso.callback(&callback, Some("closeknit_sso_state=another"))
                .await
        )),
        Back::Error("expired".into())
    );

    // The provider refusing the person is told as denied.
    let started = sso.start(RETURN).await;
    let authorize = location(&started);
    let state = authorize
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_string();
    let cookie = format!("closeknit_sso_state={state}");
    let denied = sso
        .callback(
            &sso.app.url(&format!(
                "/auth/sso/callback?error=access_denied&state={state}"
            )),
            Some(&cookie),
        )
        .await;
    assert_eq!(back(&location(&denied)), Back::Error("denied".into()));
}

#[tokio::test]
async fn a_disabled_account_is_refused() {
    let sso = configured(&[], &[]).await;
    let manager = User::new("oid-manager", "la.manager@northmoor.example");
    // Linked first, then disabled: the link no longer signs in.
    sso.session(manager.clone()).await;
    let account = sso.account("la.manager@northmoor.example").await.unwrap();
    store::set_status(&sso.app.db, account.id, AccountStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(
        sso.sign_in(manager.clone(), Knobs::default()).await,
        Back::Error("account_disabled".into())
    );
    // A disabled account is not matched by email either.
    let social = User::new("oid-social", "social.worker@northmoor.example");
    let worker = sso
        .account("social.worker@northmoor.example")
        .await
        .unwrap();
    store::set_status(&sso.app.db, worker.id, AccountStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(
        sso.sign_in(social.clone(), Knobs::default()).await,
        Back::Error("account_disabled".into())
    );
    // A result handed out before the account was disabled buys no session.
    store::set_status(&sso.app.db, worker.id, AccountStatus::Active)
        .await
        .unwrap();
    let Back::Code(code) = sso.sign_in(social, Knobs::default()).await else {
        panic!("sign-in refused");
    };
    store::set_status(&sso.app.db, worker.id, AccountStatus::Disabled)
        .await
        .unwrap();
    assert_eq!(error_codes(&sso.complete(&code).await), vec![UNAUTH]);
}

#[tokio::test]
async fn configuration_is_checked() {
    let sso = spawn(app().await).await;
    let org = closeknit_tests::global_id("Organisation", sso.org);
    let base = json!({
        "organisationId": org, "issuer": sso.fake.issuer(), "clientId": CLIENT_ID,
        "clientSecret": SECRET,
    });
    let with = |changes: Value| {
        let mut input = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    let cases = [
        (
            with(json!({"issuer": "http://login.example.com"})),
            "input.issuer",
        ),
        (
            with(json!({"issuer": "https://login.example.com/?tenant=1"})),
            "input.issuer",
        ),
        (with(json!({"clientId": "  "})), "input.clientId"),
        (with(json!({"clientSecret": null})), "input.clientSecret"),
        (
            with(json!({"emailDomains": ["not a domain"]})),
            "input.emailDomains",
        ),
        (
            with(json!({"newAccountRoles": ["ORGANISATION_ADMIN"]})),
            "input.newAccountRoles",
        ),
        (
            with(json!({"newAccountRoles": ["PLATFORM_ADMIN"]})),
            "input.newAccountRoles",
        ),
        (
            with(json!({"newAccountRoles": ["ADVOCATE"]})),
            "input.newAccountRoles",
        ),
    ];
    for (input, field) in cases {
        let (_, body) = sso
            .app
            .graphql_as(&sso.admin, CONFIGURE, json!({"input": input}))
            .await;
        assert_eq!(error_codes(&body), vec![BAD], "{input}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert!(
        sso.app
            .graphql_as(&sso.admin, CONFIGURATION, json!({"org": org}))
            .await
            .1["data"]["singleSignOnConfiguration"]
            .is_null()
    );

    // A domain signs in through one organisation only.
    let body = sso.configure(&["northmoor.gov.uk"], &[]).await;
    assert!(body["errors"].is_null(), "{body}");
    let eastbrook = org_id(&sso.app, "Eastbrook Children's Services").await;
    let eastbrook_admin = sso.app.staff_token("org.admin@eastbrook.example").await;
    let (_, body) = sso
        .app
        .graphql_as(
            &eastbrook_admin,
            CONFIGURE,
            json!({"input": {
                "organisationId": closeknit_tests::global_id("Organisation", eastbrook),
                "issuer": "https://login.eastbrook.example", "clientId": "eb",
                "clientSecret": "eb-secret", "emailDomains": ["NORTHMOOR.gov.uk"],
            }}),
        )
        .await;
    assert_eq!(error_codes(&body), vec![BAD], "{body}");
    assert_eq!(sso.audited("identity_provider.configure").await, 1);
}

/// Who may configure single sign-on and see the configuration (Northmoor's
/// team); anyone may ask whether an email uses it.
#[tokio::test]
async fn access() {
    let smtp = SmtpSink::start().await;
    let app = TestApp::builder()
        .env("CLOSEKNIT_SMTP_URL", &smtp.url())
        .env("CLOSEKNIT_SSO_RETURN_URLS", RETURN)
        .spawn()
        .await;
    let sso = spawn(app).await;
    let org = closeknit_tests::global_id("Organisation", sso.org);
    let expected = [
        (ANONYMOUS, UNAUTH, UNAUTH),
        ("young.person@northmoor.example", FORB, FORB),
        ("key.worker@northmoor.example", NF, NF),
        ("la.manager@northmoor.example", FORB, FORB),
        (ORG_ADMIN, OK, OK),
        ("org.admin@eastbrook.example", NF, NF),
        ("admin@closeknit.example", OK, OK),
    ];
    for (who, configure, read) in expected {
        let token = token(&sso.app, &smtp, who).await;
        let input = json!({"input": {
            "organisationId": org, "issuer": sso.fake.issuer(), "clientId": CLIENT_ID,
            "clientSecret": SECRET, "emailDomains": ["northmoor.gov.uk"],
        }});
        let (_, body) = if token.is_empty() {
            sso.app.graphql(CONFIGURE, input).await
        } else {
            sso.app.graphql_as(&token, CONFIGURE, input).await
        };
        assert_eq!(
            outcome(&body, "configureSingleSignOn", ""),
            configure,
            "{who}: {body}"
        );
        let (_, body) = if token.is_empty() {
            sso.app.graphql(CONFIGURATION, json!({"org": org})).await
        } else {
            sso.app
                .graphql_as(&token, CONFIGURATION, json!({"org": org}))
                .await
        };
        assert_eq!(
            outcome(&body, "singleSignOnConfiguration", ""),
            read,
            "{who}: {body}"
        );
        let (_, body) = sso
            .app
            .graphql(
                "query { singleSignOnFor(email: \"a@northmoor.gov.uk\") { available } }",
                json!({}),
            )
            .await;
        assert!(body["errors"].is_null(), "{who}: {body}");
    }
    // Made twice (the organisation's admin, then the platform's).
    assert_eq!(sso.audited("identity_provider.configure").await, 2);
}
