//! The OpenID Connect client (the `openidconnect` crate): discovery (cached
//! briefly), the authorisation request (code flow, PKCE S256, state and
//! nonce), and the code exchange with the ID token checked against the
//! provider's keys, issuer, audience, expiry and nonce. Its HTTP client
//! follows no redirects (a provider cannot point it elsewhere) and gives up
//! after 5 seconds.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
    reqwest,
};

use super::model::Failure;

const HTTP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a provider's discovery document (and its keys) is reused.
const DISCOVERY_TTL: Duration = Duration::from_secs(300);

/// Why the provider's side failed: what the browser is told, and what is
/// logged.
#[derive(Debug)]
pub struct Refused {
    pub failure: Failure,
    pub detail: String,
}

fn refused(failure: Failure, detail: impl std::fmt::Display) -> Refused {
    Refused {
        failure,
        detail: detail.to_string(),
    }
}

fn http_client() -> Result<reqwest::Client, Refused> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client.clone());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .connect_timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| {
            refused(
                Failure::Unavailable,
                format!("building the HTTP client: {e}"),
            )
        })?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

type Cache = Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The provider's metadata and keys, fetched at most every few minutes.
async fn metadata(issuer: &str) -> Result<CoreProviderMetadata, Refused> {
    if let Ok(cached) = cache().lock()
        && let Some((at, meta)) = cached.get(issuer)
        && at.elapsed() < DISCOVERY_TTL
    {
        return Ok(meta.clone());
    }
    let issuer_url = IssuerUrl::new(issuer.to_string())
        .map_err(|e| refused(Failure::Unavailable, format!("issuer: {e}")))?;
    let meta = CoreProviderMetadata::discover_async(issuer_url, &http_client()?)
        .await
        .map_err(|e| refused(Failure::Unavailable, format!("discovery: {e}")))?;
    if let Ok(mut cached) = cache().lock() {
        cached.retain(|_, (at, _)| at.elapsed() < DISCOVERY_TTL);
        cached.insert(issuer.to_string(), (Instant::now(), meta.clone()));
    }
    Ok(meta)
}

/// The client for a provider.
pub struct Provider<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: Option<String>,
    pub redirect_url: String,
}

/// An authorisation request: where to send the browser, and what to keep.
pub struct Authorisation {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// What the provider vouched for.
#[derive(Debug)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

pub async fn authorise(provider: &Provider<'_>) -> Result<Authorisation, Refused> {
    let meta = metadata(provider.issuer).await?;
    let redirect = RedirectUrl::new(provider.redirect_url.clone())
        .map_err(|e| refused(Failure::Unavailable, format!("redirect URL: {e}")))?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(provider.client_id.to_string()),
        provider.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    Ok(Authorisation {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Exchanges the code and checks the ID token.
pub async fn identity(
    provider: &Provider<'_>,
    code: &str,
    pkce_verifier: String,
    nonce: &str,
) -> Result<Identity, Refused> {
    let meta = metadata(provider.issuer).await?;
    let redirect = RedirectUrl::new(provider.redirect_url.clone())
        .map_err(|e| refused(Failure::Unavailable, format!("redirect URL: {e}")))?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(provider.client_id.to_string()),
        provider.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect);
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| refused(Failure::Unavailable, format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request_async(&http_client()?)
        .await
        .map_err(|e| refused(Failure::Denied, format!("code exchange: {e}")))?;
    let id_token = response
        .id_token()
        .ok_or_else(|| refused(Failure::InvalidToken, "no ID token in the token response"))?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_string()))
        .map_err(|e| refused(Failure::InvalidToken, format!("ID token: {e}")))?;
    Ok(Identity {
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified() == Some(true),
        given_name: claims
            .given_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
        family_name: claims
            .family_name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().to_string()),
    })
}
