//! Short-lived access tokens: JWTs signed with Ed25519 (`EdDSA`), carrying a
//! `kid` from a key set that allows rotation, with the algorithm pinned and
//! `iss`, `aud`, `sub`, `exp`, `nbf` required and `typ` checked
//! (`at+jwt`, RFC 9068). jsonwebtoken on its own requires only `exp`, never
//! checks `typ` or `kid`, and checks `iss` only if asked: all of that is
//! done here.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{
    SigningKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey},
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// The media type of our access tokens (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// Signing key and the keys accepted for verification, by `kid`.
pub struct KeySet {
    kid: String,
    encoding: EncodingKey,
    verifying: HashMap<String, DecodingKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kid", &self.kid)
            .field("verifying", &self.verifying.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A key id derived from the public key, so the same key always has the
/// same `kid` on every instance.
fn derived_kid(public: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12])
}

impl KeySet {
    fn from_signing_key(key: &SigningKey, kid: Option<String>) -> Result<Self, String> {
        let der = key
            .to_pkcs8_der()
            .map_err(|e| format!("encoding the key: {e}"))?;
        let public = key.verifying_key().to_bytes();
        let kid = kid.unwrap_or_else(|| derived_kid(&public));
        let mut verifying = HashMap::new();
        verifying.insert(kid.clone(), DecodingKey::from_ed_der(&public));
        Ok(KeySet {
            kid,
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            verifying,
        })
    }

    /// From a PKCS#8 PEM Ed25519 private key (`openssl genpkey -algorithm ed25519`).
    pub fn from_pem(pem: &str, kid: Option<String>) -> Result<Self, String> {
        let key = SigningKey::from_pkcs8_pem(pem)
            .map_err(|_| "is not a PKCS#8 PEM Ed25519 private key".to_string())?;
        Self::from_signing_key(&key, kid)
    }

    /// A random key for this process only (dev: tokens do not survive a restart).
    pub fn ephemeral() -> Result<Self, String> {
        let mut seed = [0u8; 32];
        rand::fill(&mut seed);
        Self::from_signing_key(&SigningKey::from_bytes(&seed), None)
    }

    /// Also accept tokens signed by an earlier key (rotation): `kid` and the
    /// raw 32-byte public key, base64url.
    pub fn accept(&mut self, kid: &str, public_key_b64: &str) -> Result<(), String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(public_key_b64.trim())
            .map_err(|_| format!("key `{kid}` is not base64url"))?;
        let public: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("key `{kid}` is not a 32-byte Ed25519 public key"))?;
        self.verifying
            .insert(kid.to_string(), DecodingKey::from_ed_der(&public));
        Ok(())
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }
}

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Account,
    Client,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub kind: SubjectKind,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The refresh-token family (session) this token belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// OAuth scopes, space separated (API clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

pub struct TokenService {
    keys: KeySet,
    issuer: String,
    audience: String,
    ttl_secs: i64,
    /// Tokens whose signature and claims were verified, by SHA-256 of the
    /// token: an app sends the same token with every request for 15
    /// minutes, and an Ed25519 verification is most of the CPU an
    /// authenticated request costs. A hit needs the same bytes that
    /// verified before under this process's keys; the time checks are
    /// made again on every hit, and the session is still checked in the
    /// database per request (revocation is immediate).
    verified: std::sync::Mutex<std::collections::HashMap<[u8; 32], AccessClaims>>,
}

/// Most verified tokens remembered (a few MB at most).
const VERIFIED_CACHE: usize = 10_000;

impl TokenService {
    pub fn new(keys: KeySet, issuer: &str, audience: &str, ttl_secs: i64) -> Self {
        TokenService {
            keys,
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            ttl_secs,
            verified: std::sync::Mutex::default(),
        }
    }

    fn still_valid(claims: &AccessClaims, now: i64) -> bool {
        claims.exp > now - LEEWAY_SECS as i64 && claims.nbf <= now + LEEWAY_SECS as i64
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// A secret for another purpose (`label`), derived from the signing key,
    /// so every instance sharing the key shares it and nothing more needs
    /// configuring. Rotating the signing key rotates these too.
    pub fn derived_secret(&self, label: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(b"closeknit derived secret\0");
        hasher.update(label.as_bytes());
        hasher.update([0u8]);
        hasher.update(self.keys.encoding.as_bytes());
        hasher.finalize().into()
    }

    /// Issues a token valid from `now` (Unix seconds) for the configured TTL.
    pub fn issue_at(
        &self,
        kind: SubjectKind,
        subject: &str,
        session: Option<&str>,
        scope: Option<&str>,
        now: i64,
    ) -> AppResult<String> {
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.to_string(),
            kind,
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
            sid: session.map(str::to_string),
            scope: scope.map(str::to_string),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(TOKEN_TYPE.to_string());
        header.kid = Some(self.keys.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.keys.encoding).map_err(AppError::internal)
    }

    pub fn issue(
        &self,
        kind: SubjectKind,
        subject: &str,
        session: Option<&str>,
        scope: Option<&str>,
    ) -> AppResult<String> {
        self.issue_at(
            kind,
            subject,
            session,
            scope,
            chrono::Utc::now().timestamp(),
        )
    }

    /// Verifies a token; any failure is `UNAUTHENTICATED` with one neutral
    /// message (the reason is logged at debug level only).
    pub fn verify(&self, token: &str) -> AppResult<AccessClaims> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Ok(cache) = self.verified.lock()
            && let Some(claims) = cache.get(&digest)
            && Self::still_valid(claims, now)
        {
            return Ok(claims.clone());
        }
        let claims = self.check(token).map_err(|reason| {
            tracing::debug!(%reason, "access token refused");
            AppError::Unauthenticated
        })?;
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() >= VERIFIED_CACHE {
                cache.retain(|_, c| Self::still_valid(c, now));
                if cache.len() >= VERIFIED_CACHE {
                    cache.clear();
                }
            }
            cache.insert(digest, claims.clone());
        }
        Ok(claims)
    }

    fn check(&self, token: &str) -> Result<AccessClaims, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| format!("header: {e}"))?;
        if header.alg != Algorithm::EdDSA {
            return Err(format!("algorithm {:?} is not accepted", header.alg));
        }
        if header.typ.as_deref() != Some(TOKEN_TYPE) {
            return Err(format!("typ {:?} is not {TOKEN_TYPE}", header.typ));
        }
        let kid = header.kid.ok_or("no kid")?;
        let key = self.keys.verifying.get(&kid).ok_or("unknown kid")?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| format!("claims: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn service_with(seed: u8, kid: Option<&str>, iss: &str, aud: &str) -> TokenService {
        let keys = KeySet::from_signing_key(&key(seed), kid.map(str::to_string)).unwrap();
        TokenService::new(keys, iss, aud, 900)
    }

    fn service() -> TokenService {
        service_with(7, None, "closeknit", "closeknit-api")
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn refused(service: &TokenService, token: &str) -> bool {
        matches!(service.verify(token), Err(AppError::Unauthenticated))
    }

    fn parts(token: &str) -> (serde_json::Value, serde_json::Value, String) {
        let mut it = token.split('.');
        let header = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
        let payload = URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap();
        (
            serde_json::from_slice(&header).unwrap(),
            serde_json::from_slice(&payload).unwrap(),
            it.next().unwrap().to_string(),
        )
    }

    fn assemble(
        header: &serde_json::Value,
        payload: &serde_json::Value,
        signature: &str,
    ) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            signature
        )
    }

    #[test]
    fn a_fresh_token_verifies_with_its_claims() {
        let s = service();
        let token = s
            .issue(SubjectKind::Account, "acc-1", Some("fam-1"), None)
            .unwrap();
        let claims = s.verify(&token).unwrap();
        assert_eq!(claims.sub, "acc-1");
        assert_eq!(claims.kind, SubjectKind::Account);
        assert_eq!(claims.sid.as_deref(), Some("fam-1"));
        assert_eq!(claims.exp - claims.iat, 900);
        let (header, _, _) = parts(&token);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], TOKEN_TYPE);
        assert_eq!(header["kid"], s.keys.kid());
    }

    #[test]
    fn ephemeral_keys_differ_per_process_start() {
        let a = KeySet::ephemeral().unwrap();
        let b = KeySet::ephemeral().unwrap();
        assert_ne!(a.kid(), b.kid());
    }

    #[test]
    fn alg_none_is_refused() {
        let s = service();
        let token = s.issue(SubjectKind::Account, "acc-1", None, None).unwrap();
        let (mut header, payload, _) = parts(&token);
        header["alg"] = "none".into();
        assert!(refused(&s, &assemble(&header, &payload, "")));
    }

    #[test]
    fn hmac_signed_with_public_material_is_refused() {
        let s = service();
        let token = s.issue(SubjectKind::Account, "acc-1", None, None).unwrap();
        let (_, payload, _) = parts(&token);
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.into());
        header.kid = Some(s.keys.kid().into());
        let public = key(7).verifying_key().to_bytes();
        let forged =
            jsonwebtoken::encode(&header, &payload, &EncodingKey::from_secret(&public)).unwrap();
        assert!(refused(&s, &forged));
    }

    #[test]
    fn a_token_from_another_key_with_our_kid_is_refused() {
        let ours = service();
        let theirs = service_with(8, Some(ours.keys.kid()), "closeknit", "closeknit-api");
        let token = theirs
            .issue(SubjectKind::Account, "acc-1", None, None)
            .unwrap();
        assert!(refused(&ours, &token));
    }

    #[test]
    fn wrong_audience_issuer_type_or_kid_is_refused() {
        let s = service();
        let other_aud = service_with(7, None, "closeknit", "someone-else");
        let other_iss = service_with(7, None, "evil", "closeknit-api");
        for token in [
            other_aud
                .issue(SubjectKind::Account, "a", None, None)
                .unwrap(),
            other_iss
                .issue(SubjectKind::Account, "a", None, None)
                .unwrap(),
        ] {
            assert!(refused(&s, &token));
        }
        let token = s.issue(SubjectKind::Account, "a", None, None).unwrap();
        let (mut header, payload, signature) = parts(&token);
        header["typ"] = "JWT".into();
        assert!(refused(&s, &assemble(&header, &payload, &signature)));
        header["typ"] = TOKEN_TYPE.into();
        header["kid"] = "retired".into();
        assert!(refused(&s, &assemble(&header, &payload, &signature)));
        header.as_object_mut().unwrap().remove("kid");
        assert!(refused(&s, &assemble(&header, &payload, &signature)));
    }

    #[test]
    fn expired_and_not_yet_valid_tokens_are_refused() {
        let s = service();
        let expired = s
            .issue_at(SubjectKind::Account, "a", None, None, now() - 3600)
            .unwrap();
        assert!(refused(&s, &expired));
        let future = s
            .issue_at(SubjectKind::Account, "a", None, None, now() + 600)
            .unwrap();
        assert!(refused(&s, &future));
    }

    #[test]
    fn a_tampered_payload_or_signature_is_refused() {
        let s = service();
        let token = s.issue(SubjectKind::Account, "acc-1", None, None).unwrap();
        let (header, mut payload, signature) = parts(&token);
        payload["sub"] = "acc-2".into();
        assert!(refused(&s, &assemble(&header, &payload, &signature)));
        let (header, payload, _) = parts(&token);
        assert!(refused(&s, &assemble(&header, &payload, "AAAA")));
        assert!(refused(&s, "not.a.token"));
        assert!(refused(&s, ""));
    }

    #[test]
    fn a_missing_required_claim_is_refused() {
        let s = service();
        let token = s.issue(SubjectKind::Account, "acc-1", None, None).unwrap();
        let (header, mut payload, _) = parts(&token);
        payload.as_object_mut().unwrap().remove("aud");
        let resigned = jsonwebtoken::encode(
            &serde_json::from_value::<Header>(header).unwrap(),
            &payload,
            &s.keys.encoding,
        )
        .unwrap();
        assert!(refused(&s, &resigned));
    }

    #[test]
    fn rotated_keys_keep_verifying_while_listed() {
        let old = service_with(1, None, "closeknit", "closeknit-api");
        let token = old.issue(SubjectKind::Account, "a", None, None).unwrap();

        let new = service_with(2, None, "closeknit", "closeknit-api");
        assert!(refused(&new, &token), "an unlisted old key is refused");

        let mut keys = KeySet::from_signing_key(&key(2), None).unwrap();
        keys.accept(
            old.keys.kid(),
            &URL_SAFE_NO_PAD.encode(key(1).verifying_key().to_bytes()),
        )
        .unwrap();
        let rotated = TokenService::new(keys, "closeknit", "closeknit-api", 900);
        assert_eq!(rotated.verify(&token).unwrap().sub, "a");
        let fresh = rotated
            .issue(SubjectKind::Account, "b", None, None)
            .unwrap();
        assert_eq!(parts(&fresh).0["kid"], rotated.keys.kid());
    }

    #[test]
    fn pem_keys_load_and_bad_input_is_refused() {
        let pem = key(9)
            .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap();
        let mut keys = KeySet::from_pem(&pem, None).unwrap();
        assert_eq!(keys.kid(), derived_kid(&key(9).verifying_key().to_bytes()));
        assert!(KeySet::from_pem("not a key", None).is_err());
        assert!(keys.accept("bad", "AAAA").is_err());
        assert!(keys.accept("bad", "!!!").is_err());
    }

    #[test]
    fn a_verified_token_is_remembered_but_its_times_are_checked_again() {
        let service = service();
        let token = service
            .issue(SubjectKind::Account, "subject", Some("session"), None)
            .unwrap();
        let first = service.verify(&token).unwrap();
        assert_eq!(service.verify(&token).unwrap(), first);
        assert_eq!(service.verified.lock().unwrap().len(), 1);
        // A remembered token past its expiry (plus leeway) is refused.
        let now = chrono::Utc::now().timestamp();
        let mut expired = first.clone();
        expired.exp = now - LEEWAY_SECS as i64 - 1;
        assert!(!TokenService::still_valid(&expired, now));
        let mut early = first;
        early.nbf = now + LEEWAY_SECS as i64 + 1;
        assert!(!TokenService::still_valid(&early, now));
        // Refused tokens are not remembered.
        assert!(refused(&service, &format!("{token}x")));
        assert_eq!(service.verified.lock().unwrap().len(), 1);
    }
}
