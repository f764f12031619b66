//! A stand-in OpenID Connect provider on loopback (the authorisation code
//! flow with PKCE, as Microsoft Entra ID and others speak it): a discovery
//! document, its keys (JWKS, one RSA key), an authorize endpoint that sends
//! the browser straight back with a code for the person the test chose, and
//! a token endpoint that checks the code, the client secret and the PKCE
//! verifier and answers with an ID token signed RS256.
//!
//! Knobs make it misbehave: a wrong issuer, a token signed by another key,
//! a wrong nonce, an expired token (and the email's `email_verified` is the
//! person's own setting).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::{pkcs8::DecodePrivateKey, traits::PublicKeyParts};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::TestApp;

/// The key the provider publishes (fixed, so no test waits on RSA key
/// generation).
const KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCTF0TLURdZ35qH
orNKDo8F97Z/60R6T3bHnj/En4AT1uWVHvstowUnm7g1BK9RvWP7pD/philFM9RS
HecrEVbflZz+AUux7UQtMjHanPDBo0GXcvLcePEARB3mm8b7FR9yzvGZrFT07Kwz
+LqxEmlR5KLVFsJqmg1qR5aBBO5L4s/koKdEH0F3ltapFaNnXmu2Db1pWJ/PBGSu
puhiTHzfNi/xh1n4vNZJH9A5SKpwQDZpRQVlShdlgNGpTxFzxeRh12Ghe1yfIwlD
AUS+uNlTFsggXVrmbl4V+ADCf09FHTyo5WcxVjqbBX6q0mS2LhNwXFNtQvNi5LqM
ZvWNsnPLAgMBAAECggEAC/p0Hr6O0UHVWsBUK26+FPVURlyJahB4ks7/UGrQykzQ
y3EHcXL6I3yZ5q9n+5cZwk9g6QqE597NppZK0gYKdhDABStj16yDxc51ouDu9kXu
PIAe6PdsYOIrMTF0ZdQViIrzv9j53iw75cuWoH7oVsPwwrukv3umJgaIah9VrJY/
Tt8wQmX4yVfK0hOSKDHs6vESEFBdoCd1Ya/xUFJQOxmSilBvsx5nS3vt5/rcDOr5
cN6YcnvU170cwP7hLtUB2d6m3NCvUgf+X2AHW+TVCp5bBztiaxX4spuRxdme/yej
dDGTAeSEFLHB+6McFvYAFvVtHdGX2D8ucS9HZYIJaQKBgQDCOTxXS5SIgbBYFmEn
mMLZ8EYxWcnm80bxBN7bPzUxm8VFTTIJEMVJGApFb0ApaM4f5s+bFAoDwLzVbP90
AtoRTzW2gG5fjRJ7knYMaiB2ZiEjLcUHUkXl70nZgLRyP5P1PQKl9aHQOy8Ran44
/ujrB/PYe1f07QVO2y74wg1znQKBgQDB4DpJd5hupQANka3OFOxjcVurRNQJj9oo
ijQe99e2EPD1Mzpn51amecqZU9qM1vMmZOjCw8g9TLNE5oP8houR5DkpQo2tdXw4
Vq6uMGtAp9HtA4444vL/Gj53xgTEVFDK6DcF8pPxcH1qWrTKGYCWKIoNtltZUVIT
p7wPj5GshwKBgEWBMAvZW01Cg/XyBFCkRU6ywpvUkwFYHBISeSIiy4l2QjFbv8Uo
wEE5Hivc9Swcem9GLRNFJ5RSPAFwoTZF8v3wx7sI2PbOyEd6kU4+CGH2iHNLZNAK
7EKt0FLK0Uh1YiCH9dOoRID9PQnRf1wsNPQvA198PGzFCXo/y95vq1qtAoGBAJcL
zf18+rqBPKhVrjaXoI/dOlEWH6iPdaUN/4t9BodnbYNrdP6MgrrSumB4rxX5RZjN
F3beN7xibGyqt3vfiw+P4mTd4CmbFbuC9TbqrDTESs5AbeauEilj1fVUxlP7aLKc
9nlgw5hgTqW0o5OtCLx0OxJx13uf2rVLgj4RWaozAoGBAJp6ozaXm99c2O5zPUMw
y7RX57LLWPTJXSN8+vsUatynVEHgv1Rca21tFmITJx9Ok2UX/ERvRBQkWmVlpdjt
kS2xY1Wihd8XwJvsEtfY3WTXYCMu0IsF9l+IOALGlyYjwmmuS+Zfxm723y8glCJT
Blk7SF6L6+i5raqsZtonFpdy
-----END PRIVATE KEY-----";
/// Another key, for tokens the published key does not verify.
const OTHER_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCoLtInbBSxhku+
ZGpg0a80Du1kysFyOeBppXO6LJaR01p2XkAiVw5egKiwylvUTWBTFC1sEBBfz+sy
9+6OH3shP0z18NJnnbXUjSEaDIOhtQ8DQeOQhyCH1JrhoFIPTRF8HJ8AsVM3TdRP
lqCc/atz0fKUKgwTmDyTXSIASywNR/U+yWMxCSAEv/BGR5iCc0eBfwxJor6t5f4C
BFPqDZWV5T3cQG++Uae4uzmhyWfSFvDf9FRs+Ejp4CEeqMjDwd8NjMIlAJlRRPJV
RU4sjjkSOZS4vh/SNc9IBWWEombXwtTrbObP4GQ0cNK1ohdK1RmO8IYb5ee0xksb
pONYm+VBAgMBAAECggEAAP/iPNy+FL4FFjkXjsLARVFvZMF1u92PMWGL2gfozy4P
5BM0U1/sFHC0T/Sr7guVrni4umMwDbm5HqDtmIekXjK3nOCVB4ue6If8MeDwKVZf
o/fQx+udrGD9mKiwxCmDmJa89S6YnYQHZn+xLa2uRq5xQCMt1jH57jBIAvNvbBbG
bXKfebx6ClZZIJb7iWGUjzklWqR2q/e1a5jmKXprBYJLPtdzO8Opb8cI0lkTgiZz
sXIYoYsgsCGEtiepm8gXTytWIXBGz2YWUb0GLPo4SOAPATWnz0q9sD/RW1p8m1nW
xphr+6A0t3YzxMsAa+f46m11lMUI3e/xVzr0XuXTTwKBgQDQkoGWb4DZNmE7hZQG
qujuIbCpFhzS121BA0Ggz9umeAf2iK1EDR+L+83WEr3RzkDCxJF7j4rzp15cwblQ
u6pwOFUJoehdHp4RhjUV9gXayHlnWvj0O1lT3PgjRXd83TgDIkvJZJ0l60e/H8eS
nEcnYAEP/jR2jd0r63WbNJ+w2wKBgQDObSaosxqphCxzEXipl7XETpUn2+ZUtwCI
3wCjvNAA6ROp00gxy43933O7YRrMFuxNEK4NWna2CNySTEIcDYwJHb+TMlBETFoq
NQpcXGS0U2JE2eK75A4eGDvaneozXnr2Tmv9gsy2c+9qWI0mbTpDa3wbl923fxuM
LbCxugnfEwKBgQCqkRVOzDMH75PGlG/AoCZLD9wj+wRpXGlpgFs8Qp/zXDfO4mkn
vL+uv6bOSZdYK58EaLI85N+ScK4XlwmQv1gb28WXUgPvmylTVXi2U/Lnv4ihAGGV
ga+EiLGYTqfvwg2baoGl2hU1vFp5L2kLOahqx/U2egG3bj6QO0d7PKbXfwKBgEdd
Qu01pjUOpdNOKfnvof5w8G3sPw/wiHXJKs5wmzSFX6/phF76sWcgVkFki8Ac+KqX
5qRlLv81xxOo234ZTN1l9HIuBcPm5ZEL7z4JDyOsZB/Ld/BfImZTGHY2+92wfzAh
4oGtM5qsMAwC+yFax7bBNRHRCezDO8HVle2LlJgTAoGBAJBnOcx1jPASUVQHzsXB
wohl7W40YxjDT9bMGLTVJvyWD8W+4rEvlARfZCdaODrzttEbbHri+I13x8MGITES
0K/rvpbk7rggtiR7fCYlEasqFqKmh/oxXY6+Ch1hAShI72DkOQiLi9m5dTeHCC/x
CsFXRVcqATC+pyoRbFjsoaXJ
-----END PRIVATE KEY-----";
const KID: &str = "stand-in-1";

/// The person who signs in at the provider.
#[derive(Debug, Clone)]
pub struct User {
    pub subject: String,
    pub email: String,
    pub email_verified: bool,
    pub given_name: String,
    pub family_name: String,
}

impl User {
    pub fn new(subject: &str, email: &str) -> User {
        User {
            subject: subject.into(),
            email: email.into(),
            email_verified: true,
            given_name: "Sam".into(),
            family_name: "Okafor".into(),
        }
    }
}

/// Ways to misbehave, one ID token at a time.
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// The ID token names another issuer.
    pub wrong_issuer: bool,
    /// The ID token is signed by a key the JWKS does not hold.
    pub other_key: bool,
    /// The ID token carries another nonce than the one asked for.
    pub wrong_nonce: bool,
    /// The ID token expired an hour ago.
    pub expired: bool,
}

#[derive(Debug, Clone)]
struct Grant {
    user: User,
    nonce: String,
    challenge: String,
    redirect_uri: String,
}

struct Inner {
    issuer: String,
    client_id: String,
    client_secret: String,
    user: User,
    knobs: Knobs,
    codes: HashMap<String, Grant>,
    /// Token requests refused, with why.
    refusals: Vec<String>,
}

/// A running stand-in provider.
#[derive(Clone)]
pub struct FakeOidc {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
}

impl FakeOidc {
    /// Serves a provider for this client on `127.0.0.1`.
    pub async fn start(client_id: &str, client_secret: &str) -> FakeOidc {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let inner = Arc::new(Mutex::new(Inner {
            issuer: format!("http://{addr}"),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            user: User::new("subject-1", "someone@example.com"),
            knobs: Knobs::default(),
            codes: HashMap::new(),
            refusals: Vec::new(),
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        FakeOidc { addr, inner }
    }

    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Who signs in next.
    pub fn set_user(&self, user: User) {
        self.inner.lock().unwrap().user = user;
    }

    pub fn set_knobs(&self, knobs: Knobs) {
        self.inner.lock().unwrap().knobs = knobs;
    }

    /// Why token requests were refused (bad secret, verifier or code).
    pub fn refusals(&self) -> Vec<String> {
        self.inner.lock().unwrap().refusals.clone()
    }
}

type Shared = State<Arc<Mutex<Inner>>>;

async fn discovery(State(inner): Shared) -> Json<Value> {
    let issuer = inner.lock().unwrap().issuer.clone();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "email_verified"]
    }))
}

async fn jwks() -> Json<Value> {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(KEY).expect("key");
    let public = key.to_public_key();
    Json(json!({"keys": [{
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": KID,
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    }]}))
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    code_challenge: String,
    code_challenge_method: String,
    scope: String,
}

fn bad(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, why.to_string()).into_response()
}

async fn authorize(State(inner): Shared, Query(q): Query<AuthorizeQuery>) -> Response {
    let mut inner = inner.lock().unwrap();
    if q.response_type != "code"
        || q.client_id != inner.client_id
        || q.code_challenge_method != "S256"
        || !q.scope.split(' ').any(|s| s == "openid")
    {
        return bad("bad authorisation request");
    }
    let code = format!("code-{}", uuid::Uuid::new_v4().simple());
    let grant = Grant {
        user: inner.user.clone(),
        nonce: q.nonce,
        challenge: q.code_challenge,
        redirect_uri: q.redirect_uri.clone(),
    };
    inner.codes.insert(code.clone(), grant);
    let location = format!(
        "{}?{}",
        q.redirect_uri,
        serde_urlencoded::to_string([("code", code.as_str()), ("state", q.state.as_str())])
            .unwrap()
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// The client's credentials: HTTP Basic (form-encoded parts), or the form.
fn credentials(headers: &HeaderMap, form: &TokenForm) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| -> Option<String> {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(&format!("v={s}")).ok()?;
            pairs.into_iter().next().map(|(_, v)| v)
        };
        return Some((unescape(id)?, unescape(secret)?));
    }
    Some((form.client_id.clone()?, form.client_secret.clone()?))
}

async fn token(State(inner): Shared, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
    let mut inner = inner.lock().unwrap();
    let refuse = |inner: &mut Inner, why: &str| {
        inner.refusals.push(why.to_string());
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    match credentials(&headers, &form) {
        Some((id, secret)) if id == inner.client_id && secret == inner.client_secret => {}
        _ => return refuse(&mut inner, "client authentication failed"),
    }
    if form.grant_type != "authorization_code" {
        return refuse(&mut inner, "unsupported grant type");
    }
    let Some(grant) = inner.codes.remove(&form.code) else {
        return refuse(&mut inner, "unknown or used code");
    };
    if grant.redirect_uri != form.redirect_uri {
        return refuse(&mut inner, "redirect_uri differs");
    }
    let verified = form
        .code_verifier
        .as_ref()
        .is_some_and(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) == grant.challenge);
    if !verified {
        return refuse(&mut inner, "PKCE verifier does not match");
    }
    let knobs = inner.knobs.clone();
    let now = chrono::Utc::now().timestamp();
    let (iat, exp) = if knobs.expired {
        (now - 7200, now - 3600)
    } else {
        (now, now + 300)
    };
    let claims = json!({
        "iss": if knobs.wrong_issuer { "https://impostor.example".to_string() } else { inner.issuer.clone() },
        "sub": grant.user.subject,
        "aud": inner.client_id,
        "iat": iat,
        "exp": exp,
        "nonce": if knobs.wrong_nonce { "not-the-nonce".to_string() } else { grant.nonce },
        "email": grant.user.email,
        "email_verified": grant.user.email_verified,
        "given_name": grant.user.given_name,
        "family_name": grant.user.family_name,
    });
    let pem = if knobs.other_key { OTHER_KEY } else { KEY };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    let id_token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).expect("key"),
    )
    .expect("sign");
    Json(json!({
        "access_token": format!("at-{}", uuid::Uuid::new_v4().simple()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

// The browser's side: a test server configured for the fake, and the
// round trip (start, the provider's authorize, the callback) done by hand.

pub const RETURN: &str = "https://app.closeknit.test/signed-in";
pub const CLIENT_ID: &str = "closeknit-northmoor";
pub const SECRET: &str = "provider-client-secret-7Qx";
pub const NORTHMOOR_TEAM: &str = "Northmoor Children's Services";
pub const ORG_ADMIN: &str = "org.admin@northmoor.example";

pub const CONFIGURE: &str = "mutation($input: ConfigureSingleSignOnInput!) { \
    configureSingleSignOn(input: $input) { configuration { organisationId issuer clientId \
    hasClientSecret emailDomains newAccountRoles enabled startUrl callbackUrl } } }";
pub const CONFIGURATION: &str = "query($org: ID!) { singleSignOnConfiguration(organisationId: $org) { \
    issuer clientId hasClientSecret emailDomains newAccountRoles enabled } }";
pub const COMPLETE: &str = "mutation($code: String!) { completeSingleSignOn(input: {code: $code}) { \
    accessToken me { id email roles { role organisation { name } } } } }";

/// A server whose Northmoor team signs in through a [`FakeOidc`], and a
/// browser that follows no redirects (each step is the test's).
pub struct Sso {
    pub app: TestApp,
    pub fake: FakeOidc,
    /// Northmoor's team.
    pub org: Uuid,
    /// Its organisation administrator's access token.
    pub admin: String,
    pub browser: reqwest::Client,
}

/// An organisation's id by its name.
pub async fn org_id(app: &TestApp, name: &str) -> Uuid {
    closeknit::identity::store::organisation_by_name(&app.db, name)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A server and a provider; Northmoor's team not yet configured.
pub async fn spawn(app: TestApp) -> Sso {
    let fake = FakeOidc::start(CLIENT_ID, SECRET).await;
    let org = org_id(&app, NORTHMOOR_TEAM).await;
    let admin = app.staff_token(ORG_ADMIN).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Sso {
        app,
        fake,
        org,
        admin,
        browser,
    }
}

/// A server whose single sign-ons may return to [`RETURN`] only.
pub async fn app() -> TestApp {
    TestApp::builder()
        .env("CLOSEKNIT_SSO_RETURN_URLS", RETURN)
        .spawn()
        .await
}

/// Northmoor's team signs in through the fake, with these domains and
/// roles for new accounts.
pub async fn configured(domains: &[&str], roles: &[&str]) -> Sso {
    let sso = spawn(app().await).await;
    let body = sso.configure(domains, roles).await;
    assert!(body["errors"].is_null(), "{body}");
    sso
}

/// Where a 302 sends the browser.
pub fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status().as_u16(), 302, "{response:?}");
    response.headers()["location"].to_str().unwrap().to_string()
}

/// Where the browser ends up: `#code=` or `#error=`.
#[derive(Debug, PartialEq)]
pub enum Back {
    Code(String),
    Error(String),
}

pub fn back(location: &str) -> Back {
    let (base, fragment) = location.split_once('#').expect("a fragment");
    assert_eq!(base, RETURN);
    match fragment.split_once('=').unwrap() {
        ("code", code) => Back::Code(code.to_string()),
        ("error", error) => Back::Error(error.to_string()),
        other => panic!("unexpected fragment {other:?}"),
    }
}

impl Sso {
    pub async fn configure(&self, domains: &[&str], roles: &[&str]) -> Value {
        let (_, body) = self
            .app
            .graphql_as(
                &self.admin,
                CONFIGURE,
                json!({"input": {
                    "organisationId": crate::global_id("Organisation", self.org),
                    "issuer": self.fake.issuer(),
                    "clientId": CLIENT_ID,
                    "clientSecret": SECRET,
                    "emailDomains": domains,
                    "newAccountRoles": roles,
                }}),
            )
            .await;
        body
    }

    /// Starts a sign-in: the provider's authorize URL and this browser's
    /// cookie.
    pub async fn start(&self, return_to: &str) -> reqwest::Response {
        self.browser
            .get(self.app.url(&format!("/auth/sso/{}/start", self.org)))
            .query(&[("return_to", return_to)])
            .send()
            .await
            .unwrap()
    }

    /// Through the provider: the callback URL (on this server) and the
    /// cookie to present there.
    pub async fn to_callback(&self) -> (String, String) {
        let started = self.start(RETURN).await;
        let cookie = started.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let authorize = location(&started);
        assert!(authorize.starts_with(&self.fake.issuer()), "{authorize}");
        assert!(
            authorize.contains("code_challenge_method=S256"),
            "{authorize}"
        );
        let provider = self.browser.get(&authorize).send().await.unwrap();
        let callback = location(&provider);
        let callback = callback.replace("https://closeknit.test", &self.app.url(""));
        (callback, cookie)
    }

    pub async fn callback(&self, url: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut request = self.browser.get(url);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send().await.unwrap()
    }

    /// A whole round trip as `user`, with these knobs.
    pub async fn sign_in(&self, user: User, knobs: Knobs) -> Back {
        self.fake.set_user(user);
        self.fake.set_knobs(knobs);
        let (callback, cookie) = self.to_callback().await;
        back(&location(&self.callback(&callback, Some(&cookie)).await))
    }

    pub async fn complete(&self, code: &str) -> Value {
        self.app.graphql(COMPLETE, json!({"code": code})).await.1
    }

    /// Signs in and exchanges the result: the session payload.
    pub async fn session(&self, user: User) -> Value {
        let Back::Code(code) = self.sign_in(user, Knobs::default()).await else {
            panic!("sign-in refused");
        };
        let body = self.complete(&code).await;
        assert!(body["errors"].is_null(), "{body}");
        body["data"]["completeSingleSignOn"].clone()
    }
}
