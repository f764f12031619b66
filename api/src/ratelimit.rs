//! Request budgets: sign-in attempts and code emails per address and per
//! account, and a request budget per third-party API client. Each budget is
//! a GCRA bucket (governor) that refills evenly over its window; a refused
//! request gets `RATE_LIMITED` with the seconds until the next one would pass.
//!
//! Budgets are held in memory per process: with several replicas each keeps
//! its own, so the effective budget is multiplied by the replica count. The
//! account lockout (in the database) bounds password guessing across
//! replicas regardless.

use std::{
    hash::Hash,
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use axum::http::HeaderMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use uuid::Uuid;

use crate::{
    config::{RateLimitSettings, RateQuota},
    error::{AppError, AppResult},
    metrics::Metrics,
};

struct Bucket<K: Hash + Eq + Clone> {
    name: &'static str,
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Bucket<K> {
    fn new(name: &'static str, quota: RateQuota) -> Self {
        let per_cell = quota.window / quota.count.get();
        let quota = Quota::with_period(per_cell.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(quota.count))
            .allow_burst(quota.count);
        Bucket {
            name,
            limiter: RateLimiter::keyed(quota),
        }
    }

    fn check(&self, key: &K, metrics: &Metrics) -> AppResult<()> {
        match self.limiter.check_key(key) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                metrics.rate_limited(self.name);
                tracing::warn!(limit = self.name, "rate limit reached");
                Err(AppError::RateLimited {
                    retry_after: wait.max(Duration::from_secs(1)),
                })
            }
        }
    }

    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Every budget of the process.
#[derive(Clone)]
pub struct RateLimits {
    inner: Arc<Inner>,
}

struct Inner {
    sign_in_per_ip: Bucket<IpAddr>,
    sign_in_per_account: Bucket<String>,
    code_requests_per_account: Bucket<String>,
    client_requests: Bucket<Uuid>,
    token_requests_per_ip: Bucket<IpAddr>,
    metrics: Metrics,
    trusted_proxy_hops: usize,
}

impl RateLimits {
    pub fn new(settings: &RateLimitSettings, metrics: Metrics) -> Self {
        RateLimits {
            inner: Arc::new(Inner {
                sign_in_per_ip: Bucket::new("sign_in_per_ip", settings.sign_in_per_ip),
                sign_in_per_account: Bucket::new(
                    "sign_in_per_account",
                    settings.sign_in_per_account,
                ),
                code_requests_per_account: Bucket::new(
                    "code_requests_per_account",
                    settings.code_requests_per_account,
                ),
                client_requests: Bucket::new("client_requests", settings.client_requests),
                // Same size as the sign-in budget, but its own: machines
                // fetching tokens must not use up people's sign-ins.
                token_requests_per_ip: Bucket::new(
                    "token_requests_per_ip",
                    settings.sign_in_per_ip,
                ),
                metrics,
                trusted_proxy_hops: settings.trusted_proxy_hops,
            }),
        }
    }

    /// A password or code sign-in attempt. The account budget is keyed by
    /// the normalised email, so it applies whether or not the account exists.
    pub fn sign_in(&self, ip: Option<IpAddr>, email: &str) -> AppResult<()> {
        let inner = &self.inner;
        if let Some(ip) = ip {
            inner.sign_in_per_ip.check(&ip, &inner.metrics)?;
        }
        inner
            .sign_in_per_account
            .check(&normalise(email), &inner.metrics)
    }

    /// A later step of a sign-in that names no email (a second-factor code
    /// against a challenge, a single sign-on's one-time result): the
    /// address's sign-in budget.
    pub fn sign_in_step(&self, ip: Option<IpAddr>) -> AppResult<()> {
        match ip {
            Some(ip) => self.inner.sign_in_per_ip.check(&ip, &self.inner.metrics),
            None => Ok(()),
        }
    }

    /// A request for a sign-in code email.
    pub fn code_request(&self, ip: Option<IpAddr>, email: &str) -> AppResult<()> {
        let inner = &self.inner;
        if let Some(ip) = ip {
            inner.sign_in_per_ip.check(&ip, &inner.metrics)?;
        }
        inner
            .code_requests_per_account
            .check(&normalise(email), &inner.metrics)
    }

    /// A token request at `/oauth/token`, per address (a budget of its own:
    /// machines fetching tokens must not use up people's sign-ins).
    pub fn token_request(&self, ip: Option<IpAddr>) -> AppResult<()> {
        match ip {
            Some(ip) => self
                .inner
                .token_requests_per_ip
                .check(&ip, &self.inner.metrics),
            None => Ok(()),
        }
    }

    /// One GraphQL request by a third-party client.
    pub fn client_request(&self, client_id: Uuid) -> AppResult<()> {
        self.inner
            .client_requests
            .check(&client_id, &self.inner.metrics)
    }

    /// The caller's address: the peer, or with `trusted_proxy_hops` set, the
    /// entry that many hops from the right of `X-Forwarded-For` (entries
    /// further left are written by the client and cannot be trusted).
    pub fn client_ip(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let hops = self.inner.trusted_proxy_hops;
        if hops == 0 {
            return peer.map(|p| p.ip());
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        forwarded
            .len()
            .checked_sub(hops)
            .and_then(|i| forwarded.get(i).copied())
            .or(peer.map(|p| p.ip()))
    }

    /// Drops the state of keys whose budget is full again (bounded memory).
    pub fn forget_idle(&self) {
        let inner = &self.inner;
        inner.sign_in_per_ip.forget_idle();
        inner.sign_in_per_account.forget_idle();
        inner.code_requests_per_account.forget_idle();
        inner.client_requests.forget_idle();
        inner.token_requests_per_ip.forget_idle();
    }

    /// Runs `forget_idle` every minute until cancelled.
    pub async fn run_janitor(self, stop: tokio_util::sync::CancellationToken) {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tick.tick() => self.forget_idle(),
            }
        }
    }
}

fn normalise(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn settings(hops: usize) -> RateLimitSettings {
        let q = |n| RateQuota::new(NonZeroU32::new(n).unwrap(), Duration::from_secs(600));
        RateLimitSettings {
            sign_in_per_ip: q(4),
            sign_in_per_account: q(2),
            code_requests_per_account: q(1),
            client_requests: q(3),
            trusted_proxy_hops: hops,
        }
    }

    fn retry_after(result: AppResult<()>) -> Duration {
        match result {
            Err(AppError::RateLimited { retry_after }) => retry_after,
            other => panic!("expected RATE_LIMITED, got {other:?}"),
        }
    }

    #[test]
    fn account_budget_is_per_normalised_email_and_hints_the_wait() {
        let limits = RateLimits::new(&settings(0), Metrics::new());
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        limits.sign_in(ip, "a@x.example").unwrap();
        limits.sign_in(ip, " A@X.example").unwrap();
        let wait = retry_after(limits.sign_in(ip, "a@x.example"));
        // Two per 10 minutes: the next attempt is about 5 minutes away.
        assert!(
            wait > Duration::from_secs(290) && wait <= Duration::from_secs(300),
            "{wait:?}"
        );
        limits.sign_in(ip, "b@x.example").unwrap();
        // Four attempts from the address used; the fifth is refused for any email.
        retry_after(limits.sign_in(ip, "c@x.example"));
        limits
            .sign_in(Some(IpAddr::from([10, 0, 0, 1])), "c@x.example")
            .unwrap();
    }

    #[test]
    fn code_requests_and_clients_have_their_own_budgets() {
        let limits = RateLimits::new(&settings(0), Metrics::new());
        limits.code_request(None, "a@x.example").unwrap();
        retry_after(limits.code_request(None, "a@x.example"));
        limits.sign_in(None, "a@x.example").unwrap();
        let client = Uuid::now_v7();
        for _ in 0..3 {
            limits.client_request(client).unwrap();
        }
        retry_after(limits.client_request(client));
        limits.client_request(Uuid::now_v7()).unwrap();
    }

    #[test]
    fn forwarded_for_is_trusted_only_for_configured_hops() {
        let peer = Some(SocketAddr::from(([10, 0, 0, 9], 4000)));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.7, 10.0.0.2".parse().unwrap(),
        );
        let direct = RateLimits::new(&settings(0), Metrics::new());
        assert_eq!(
            direct.client_ip(peer, &headers),
            Some(IpAddr::from([10, 0, 0, 9]))
        );
        let one = RateLimits::new(&settings(1), Metrics::new());
        assert_eq!(
            one.client_ip(peer, &headers),
            Some(IpAddr::from([10, 0, 0, 2]))
        );
        let two = RateLimits::new(&settings(2), Metrics::new());
        assert_eq!(
            two.client_ip(peer, &headers),
            Some(IpAddr::from([203, 0, 113, 7]))
        );
        let many = RateLimits::new(&settings(5), Metrics::new());
        assert_eq!(
            many.client_ip(peer, &HeaderMap::new()),
            Some(IpAddr::from([10, 0, 0, 9]))
        );
    }
}
