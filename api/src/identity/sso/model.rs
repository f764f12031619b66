//! Rules of single sign-on: what an organisation's configuration may say,
//! where a sign-in may return to, and whose email a rule covers.

use openidconnect::url::Url;

use crate::{
    error::{AppError, AppResult},
    identity::model::{OrganisationKind, Role},
};

/// The longest issuer, client id and secret accepted (the columns' sizes).
const MAX_ISSUER: usize = 500;
const MAX_CLIENT_ID: usize = 255;
const MAX_SECRET: usize = 2000;
const MAX_DOMAINS_TEXT: usize = 1000;

/// An issuer: an `https://` URL without query or fragment; `http://` only
/// for a loopback address when `development` (the tests' stand-in).
pub fn issuer(raw: &str, development: bool) -> AppResult<String> {
    let field = "input.issuer";
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_ISSUER {
        return Err(AppError::bad_input(
            field,
            "must be a URL of at most 500 characters",
        ));
    }
    let url = Url::parse(raw).map_err(|_| AppError::bad_input(field, "is not a URL"))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(AppError::bad_input(
            field,
            "must not have a query, fragment or user name",
        ));
    }
    let loopback = match url.host() {
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(raw.to_string()),
        "http" if development && loopback => Ok(raw.to_string()),
        _ => Err(AppError::bad_input(field, "must be an https:// address")),
    }
}

/// A client id: not blank, at most 255 characters.
pub fn client_id(raw: &str) -> AppResult<String> {
    let id = raw.trim();
    if id.is_empty() || id.len() > MAX_CLIENT_ID || id.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            "input.clientId",
            "must be given (at most 255 characters)",
        ));
    }
    Ok(id.to_string())
}

/// A client secret: not blank, at most 2000 characters.
pub fn client_secret(raw: &str) -> AppResult<String> {
    if raw.trim().is_empty() || raw.len() > MAX_SECRET {
        return Err(AppError::bad_input(
            "input.clientSecret",
            "must be given (at most 2000 characters)",
        ));
    }
    Ok(raw.to_string())
}

/// Email domains, trimmed, lower-cased and deduplicated: each a dotted name
/// of letters, digits and hyphens.
pub fn email_domains(raw: &[String]) -> AppResult<Vec<String>> {
    let mut domains: Vec<String> = Vec::new();
    for d in raw {
        let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        let labels_ok = d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !labels_ok || !d.contains('.') {
            return Err(AppError::bad_input(
                "input.emailDomains",
                "must be domain names such as northmoor.gov.uk",
            ));
        }
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    if domains.join(",").len() > MAX_DOMAINS_TEXT {
        return Err(AppError::bad_input("input.emailDomains", "are too many"));
    }
    Ok(domains)
}

/// Roles new accounts get: ones the organisation's kind may hold, never an
/// administrator's.
pub fn new_account_roles(kind: OrganisationKind, roles: &[Role]) -> AppResult<Vec<Role>> {
    let mut out = Vec::new();
    for role in roles {
        if !kind.may_hold(*role) || role.granted_by_platform_only() {
            return Err(AppError::bad_input(
                "input.newAccountRoles",
                "may only hold staff roles this organisation may hold, and no administrator role",
            ));
        }
        if !out.contains(role) {
            out.push(*role);
        }
    }
    Ok(out)
}

/// Stored comma-separated lists.
pub fn join(items: &[String]) -> String {
    items.join(",")
}

pub fn split(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The domain of a (normalised) email address.
pub fn domain_of(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, d)| d)
}

/// Whether `return_to` starts with one of `allowed`, at a boundary (so
/// `https://app.example` does not allow `https://app.example.evil`), and has
/// no fragment (the result goes there).
pub fn return_allowed(return_to: &str, allowed: &[String]) -> bool {
    if return_to.contains('#') || return_to.chars().any(|c| c.is_control() || c == ' ') {
        return false;
    }
    allowed.iter().filter(|a| !a.is_empty()).any(|prefix| {
        return_to.strip_prefix(prefix.as_str()).is_some_and(|rest| {
            rest.is_empty() || prefix.ends_with('/') || rest.starts_with(['/', '?'])
        })
    })
}

/// Why a single sign-on failed, as the browser is told (`#error=`): short,
/// and nothing of the internals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The provider is not configured, disabled, or unreachable.
    Unavailable,
    /// The person cancelled at the provider, or it refused them.
    Denied,
    /// The sign-in expired, was used already, or came from another browser.
    Expired,
    /// The provider's answer did not check out (issuer, signature, nonce,
    /// expiry, audience).
    InvalidToken,
    /// The provider did not vouch for the email address.
    EmailNotVerified,
    /// No account, invitation or rule lets this person in.
    NoAccount,
    /// The account is disabled.
    AccountDisabled,
}

impl Failure {
    pub fn code(self) -> &'static str {
        match self {
            Failure::Unavailable => "unavailable",
            Failure::Denied => "denied",
            Failure::Expired => "expired",
            Failure::InvalidToken => "invalid_token",
            Failure::EmailNotVerified => "email_not_verified",
            Failure::NoAccount => "no_account",
            Failure::AccountDisabled => "account_disabled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback_in_development() {
        assert!(issuer("https://login.example.com/tenant/v2.0", false).is_ok());
        assert!(issuer("http://127.0.0.1:9000", true).is_ok());
        assert!(issuer("http://localhost:9000", true).is_ok());
        assert!(issuer("http://127.0.0.1:9000", false).is_err());
        assert!(issuer("http://login.example.com", true).is_err());
        assert!(issuer("ftp://login.example.com", true).is_err());
        assert!(issuer("https://login.example.com/?x=1", false).is_err());
        assert!(issuer("https://user@login.example.com", false).is_err());
        assert!(issuer("not a url", false).is_err());
    }

    #[test]
    fn domains_are_normalised_and_checked() {
        let got = email_domains(&[
            " Northmoor.Gov.UK ".into(),
            "@staff.example".into(),
            "northmoor.gov.uk".into(),
        ])
        .unwrap();
        assert_eq!(got, vec!["northmoor.gov.uk", "staff.example"]);
        for bad in [
            "",
            "nodot",
            "a..b",
            "-a.example",
            "a b.example",
            "a@b.example",
        ] {
            assert!(email_domains(&[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_account_roles_are_the_kinds_staff_roles_without_admins() {
        let la = OrganisationKind::LocalAuthorityTeam;
        assert_eq!(
            new_account_roles(la, &[Role::KeyWorker, Role::KeyWorker]).unwrap(),
            vec![Role::KeyWorker]
        );
        assert!(new_account_roles(la, &[Role::OrganisationAdmin]).is_err());
        assert!(new_account_roles(la, &[Role::PlatformAdmin]).is_err());
        assert!(new_account_roles(la, &[Role::YoungPerson]).is_err());
        assert!(new_account_roles(OrganisationKind::ChildrensHome, &[Role::LaManager]).is_err());
        assert!(new_account_roles(la, &[]).unwrap().is_empty());
    }

    #[test]
    fn return_addresses_match_at_a_boundary() {
        let allowed = vec![
            "https://app.example".to_string(),
            "https://x.example/cb/".into(),
        ];
        assert!(return_allowed("https://app.example", &allowed));
        assert!(return_allowed(
            "https://app.example/signed-in?x=1",
            &allowed
        ));
        assert!(return_allowed("https://x.example/cb/done", &allowed));
        assert!(!return_allowed("https://app.example.evil.com", &allowed));
        assert!(!return_allowed("https://app.example@evil.com", &allowed));
        assert!(!return_allowed("https://app.example/#x", &allowed));
        assert!(!return_allowed("https://evil.example", &allowed));
        assert!(!return_allowed("https://x.example/c", &allowed));
        assert!(!return_allowed("https://app.example", &[String::new()]));
    }

    #[test]
    fn lists_round_trip() {
        let items = vec!["a.example".to_string(), "b.example".to_string()];
        assert_eq!(split(&join(&items)), items);
        assert!(split("").is_empty());
        assert_eq!(domain_of("x@a.example"), Some("a.example"));
    }
}
