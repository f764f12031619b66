//! Settings, read from `CLOSEKNIT_*` environment variables with defaults that
//! work on a fresh machine. A bad value stops start-up with a message naming
//! the variable. Secrets are wrapped so they never reach a log line.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

mod accounts;
pub use accounts::AccountSettings;

/// A value that must not be logged. `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Production,
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "dev" | "development" => Ok(Profile::Dev),
            "production" | "prod" => Ok(Profile::Production),
            other => Err(format!("expected `dev` or `production`, got `{other}`")),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Dev => "dev",
            Profile::Production => "production",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pretty" | "text" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("expected `pretty` or `json`, got `{other}`")),
        }
    }
}

/// Limits applied to every GraphQL operation.
#[derive(Debug, Clone)]
pub struct GraphqlLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_aliases: usize,
    pub max_query_bytes: usize,
    pub max_directives: usize,
    pub max_recursion: usize,
    pub introspection: bool,
    pub suggestions: bool,
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: Secret<String>,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
}

impl DatabaseSettings {
    pub fn is_postgres(&self) -> bool {
        let url = self.url.expose();
        url.starts_with("postgres://") || url.starts_with("postgresql://")
    }
}

#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Run a worker inside `serve`.
    pub in_process_worker: bool,
    pub concurrency: usize,
    pub poll_interval: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// Extra time past a job's timeout before a claimed job counts as abandoned.
    pub lease_grace: Duration,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub smtp_url: Option<Secret<String>>,
    pub outbox_dir: PathBuf,
    pub from: String,
}

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// PKCS#8 PEM Ed25519 private key that signs access tokens.
    pub jwt_private_key: Option<Secret<String>>,
    /// Key id for that key (default: derived from the public key).
    pub jwt_key_id: Option<String>,
    /// Earlier keys still accepted during rotation: `kid=base64url-public-key`.
    pub jwt_previous_keys: Vec<(String, String)>,
    pub issuer: String,
    pub audience: String,
    pub access_token_ttl_secs: i64,
}

/// A rate: at most `count` in any `window`, written `count/window` with the
/// window in s, m or h (`30/10m`). The budget refills evenly over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateQuota {
    pub count: std::num::NonZeroU32,
    pub window: Duration,
}

impl RateQuota {
    pub const fn new(count: std::num::NonZeroU32, window: Duration) -> Self {
        RateQuota { count, window }
    }
}

impl FromStr for RateQuota {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let expected = || format!("expected `count/window` such as `30/10m`, got `{s}`");
        let (count, window) = s.split_once('/').ok_or_else(expected)?;
        let count: u32 = count.trim().parse().map_err(|_| expected())?;
        let count = std::num::NonZeroU32::new(count).ok_or_else(expected)?;
        let window = window.trim();
        let split = window
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(window.len());
        let (amount, unit) = window.split_at(split);
        let amount: u64 = if amount.is_empty() {
            1
        } else {
            amount.parse().map_err(|_| expected())?
        };
        let unit_secs = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(expected()),
        };
        if amount == 0 || amount > 24 * 3600 {
            return Err(expected());
        }
        Ok(RateQuota {
            count,
            window: Duration::from_secs(amount.saturating_mul(unit_secs)),
        })
    }
}

/// Push providers. A platform with no credentials configured refuses
/// device registrations for it.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Firebase service-account JSON (project_id, client_email, private_key, token_uri).
    pub fcm_credentials_file: Option<PathBuf>,
    pub fcm_base_url: String,
    /// APNs token-signing key (.p8) and its key id, team id and topic (bundle id).
    pub apns: Option<ApnsSettings>,
    pub apns_base_url: String,
    /// P-256 private key (PKCS#8 PEM) for VAPID.
    pub vapid_private_key_file: Option<PathBuf>,
    pub vapid_subject: String,
    /// Origins Web Push endpoints may have (`*.` prefix matches subdomains):
    /// the server POSTs to registered endpoints, so only push services.
    pub web_push_allowed_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ApnsSettings {
    pub key_file: PathBuf,
    pub key_id: String,
    pub team_id: String,
    pub topic: String,
}

pub const DEFAULT_WEB_PUSH_ORIGINS: &str = "https://fcm.googleapis.com,https://updates.push.services.mozilla.com,https://web.push.apple.com,https://*.notify.windows.com";

/// Request budgets (per process).
#[derive(Debug, Clone)]
pub struct RateLimitSettings {
    /// Sign-in attempts, code requests and token requests from one address.
    pub sign_in_per_ip: RateQuota,
    /// Sign-in attempts (password or code) for one email address.
    pub sign_in_per_account: RateQuota,
    /// Sign-in code emails for one email address.
    pub code_requests_per_account: RateQuota,
    /// GraphQL requests by one third-party API client.
    pub client_requests: RateQuota,
    /// Reverse proxies in front of the server whose `X-Forwarded-For`
    /// entries are trusted (0: use the peer address).
    pub trusted_proxy_hops: usize,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub profile: Profile,
    pub listen: SocketAddr,
    pub database: DatabaseSettings,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub cors_origins: Vec<String>,
    pub request_timeout: Duration,
    pub body_limit_bytes: usize,
    pub shutdown_grace: Duration,
    pub graphql: GraphqlLimits,
    pub jobs: JobSettings,
    pub mail: MailSettings,
    /// Load synthetic demo data into a database that has just been created.
    pub demo_data: bool,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret<String>>,
    /// When set, `/metrics` is served only here, not on `listen`.
    pub metrics_listen: Option<SocketAddr>,
    pub auth: AuthSettings,
    pub accounts: AccountSettings,
    pub rate_limits: RateLimitSettings,
    pub push: PushSettings,
}

/// A configuration problem, naming the variable at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://closeknit.db?mode=rwc";
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    fn raw(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|v| !v.trim().is_empty())
    }

    fn parse<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.raw(name) {
            None => Ok(default),
            Some(value) => value.trim().parse().map_err(|e: T::Err| ConfigError {
                variable: name,
                message: e.to_string(),
            }),
        }
    }

    /// A duration in milliseconds; zero is refused (it would mean "never
    /// wait" for polls and "fail at once" for timeouts).
    fn millis(&self, name: &'static str, default_ms: u64) -> Result<Duration, ConfigError> {
        let ms: u64 = self.positive(name, default_ms)?;
        Ok(Duration::from_millis(ms))
    }

    fn positive<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + Default + Copy,
        T::Err: fmt::Display,
    {
        let value = self.parse(name, default)?;
        if value <= T::default() {
            return Err(ConfigError {
                variable: name,
                message: "must be greater than zero".into(),
            });
        }
        Ok(value)
    }
}

fn push_settings(env: &Env<'_>) -> Result<PushSettings, ConfigError> {
    let apns = match env.raw("CLOSEKNIT_APNS_KEY_FILE") {
        None => None,
        Some(file) => {
            let required = |name: &'static str| {
                env.raw(name).ok_or(ConfigError {
                    variable: name,
                    message: "is required with CLOSEKNIT_APNS_KEY_FILE".into(),
                })
            };
            Some(ApnsSettings {
                key_file: PathBuf::from(file),
                key_id: required("CLOSEKNIT_APNS_KEY_ID")?,
                team_id: required("CLOSEKNIT_APNS_TEAM_ID")?,
                topic: required("CLOSEKNIT_APNS_TOPIC")?,
            })
        }
    };
    let origins = env
        .raw("CLOSEKNIT_WEB_PUSH_ALLOWED_ORIGINS")
        .unwrap_or_else(|| DEFAULT_WEB_PUSH_ORIGINS.into());
    let mut web_push_allowed_origins = Vec::new();
    for origin in origins.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        if !(origin.starts_with("https://") || origin.starts_with("http://")) {
            return Err(ConfigError {
                variable: "CLOSEKNIT_WEB_PUSH_ALLOWED_ORIGINS",
                message: format!("`{origin}` is not an http(s) origin"),
            });
        }
        web_push_allowed_origins.push(origin.trim_end_matches('/').to_string());
    }
    Ok(PushSettings {
        fcm_credentials_file: env.raw("CLOSEKNIT_FCM_CREDENTIALS_FILE").map(PathBuf::from),
        fcm_base_url: env
            .raw("CLOSEKNIT_FCM_BASE_URL")
            .unwrap_or_else(|| "https://fcm.googleapis.com".into()),
        apns,
        apns_base_url: env
            .raw("CLOSEKNIT_APNS_BASE_URL")
            .unwrap_or_else(|| "https://api.push.apple.com".into()),
        vapid_private_key_file: env
            .raw("CLOSEKNIT_VAPID_PRIVATE_KEY_FILE")
            .map(PathBuf::from),
        vapid_subject: env
            .raw("CLOSEKNIT_VAPID_SUBJECT")
            .unwrap_or_else(|| "mailto:push@closeknit.invalid".into()),
        web_push_allowed_origins,
    })
}

fn quota(count: u32, window_secs: u64) -> RateQuota {
    RateQuota::new(
        std::num::NonZeroU32::new(count).unwrap_or(std::num::NonZeroU32::MIN),
        Duration::from_secs(window_secs),
    )
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("expected true or false, got `{other}`")),
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env { lookup };
        let profile: Profile = env.parse("CLOSEKNIT_PROFILE", Profile::Dev)?;
        let dev = profile == Profile::Dev;
        let flag = |name: &'static str, default: bool| -> Result<bool, ConfigError> {
            match env.raw(name) {
                None => Ok(default),
                Some(v) => parse_bool(v.trim()).map_err(|message| ConfigError {
                    variable: name,
                    message,
                }),
            }
        };

        let url = env
            .raw("CLOSEKNIT_DATABASE_URL")
            .or_else(|| env.raw("DATABASE_URL"))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "CLOSEKNIT_DATABASE_URL",
                message: "must start with sqlite: or postgres://".into(),
            });
        }
        let database = DatabaseSettings {
            url: Secret::new(url),
            max_connections: env.positive("CLOSEKNIT_DB_MAX_CONNECTIONS", 10)?,
            acquire_timeout: env.millis("CLOSEKNIT_DB_ACQUIRE_TIMEOUT_MS", 3_000)?,
            statement_timeout: env.millis("CLOSEKNIT_DB_STATEMENT_TIMEOUT_MS", 15_000)?,
        };

        let smtp_url = env.raw("CLOSEKNIT_SMTP_URL");
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError {
                variable: "CLOSEKNIT_SMTP_URL",
                message: "must start with smtp:// or smtps://".into(),
            });
        }

        let listen_raw = env
            .raw("CLOSEKNIT_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_raw.trim().parse().map_err(|_| ConfigError {
            variable: "CLOSEKNIT_LISTEN",
            message: format!("expected HOST:PORT such as 127.0.0.1:8080, got `{listen_raw}`"),
        })?;

        let cors_origins = env
            .raw("CLOSEKNIT_CORS_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        for origin in &cors_origins {
            if !(origin.starts_with("https://") || origin.starts_with("http://"))
                || http::HeaderValue::from_str(origin).is_err()
            {
                return Err(ConfigError {
                    variable: "CLOSEKNIT_CORS_ORIGINS",
                    message: format!("`{origin}` is not an origin such as https://app.example"),
                });
            }
        }

        let jobs = JobSettings {
            in_process_worker: flag("CLOSEKNIT_WORKER_IN_PROCESS", true)?,
            concurrency: env.positive("CLOSEKNIT_WORKER_CONCURRENCY", 32)?,
            poll_interval: env.millis("CLOSEKNIT_JOB_POLL_MS", 500)?,
            backoff_base: env.millis("CLOSEKNIT_JOB_BACKOFF_BASE_MS", 5_000)?,
            backoff_max: env.millis("CLOSEKNIT_JOB_BACKOFF_MAX_MS", 3_600_000)?,
            lease_grace: env.millis("CLOSEKNIT_JOB_LEASE_GRACE_MS", 30_000)?,
        };
        if jobs.backoff_max < jobs.backoff_base {
            return Err(ConfigError {
                variable: "CLOSEKNIT_JOB_BACKOFF_MAX_MS",
                message: "must be at least CLOSEKNIT_JOB_BACKOFF_BASE_MS".into(),
            });
        }
        if profile == Profile::Production && smtp_url.is_none() {
            return Err(ConfigError {
                variable: "CLOSEKNIT_SMTP_URL",
                message: "is required in the production profile (mail would otherwise be written to files)".into(),
            });
        }

        let metrics_token = env.raw("CLOSEKNIT_METRICS_TOKEN").map(Secret::new);
        let metrics_listen = match env.raw("CLOSEKNIT_METRICS_LISTEN") {
            None => None,
            Some(raw) => Some(raw.trim().parse().map_err(|_| ConfigError {
                variable: "CLOSEKNIT_METRICS_LISTEN",
                message: format!("expected HOST:PORT such as 127.0.0.1:9464, got `{raw}`"),
            })?),
        };
        if profile == Profile::Production && metrics_token.is_none() && metrics_listen.is_none() {
            return Err(ConfigError {
                variable: "CLOSEKNIT_METRICS_TOKEN",
                message: "is required in the production profile (or serve metrics on their own listener with CLOSEKNIT_METRICS_LISTEN): /metrics would otherwise be open to anyone".into(),
            });
        }

        let mut jwt_previous_keys = Vec::new();
        for entry in env
            .raw("CLOSEKNIT_JWT_PREVIOUS_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (kid, key) = entry.split_once('=').ok_or(ConfigError {
                variable: "CLOSEKNIT_JWT_PREVIOUS_KEYS",
                message: "expected comma-separated kid=base64url-public-key".into(),
            })?;
            jwt_previous_keys.push((kid.trim().to_string(), key.trim().to_string()));
        }
        let access_ttl: i64 = env.positive("CLOSEKNIT_ACCESS_TOKEN_TTL_SECS", 900)?;
        let auth = AuthSettings {
            jwt_private_key: env.raw("CLOSEKNIT_JWT_PRIVATE_KEY").map(Secret::new),
            jwt_key_id: env.raw("CLOSEKNIT_JWT_KEY_ID"),
            jwt_previous_keys,
            issuer: env
                .raw("CLOSEKNIT_JWT_ISSUER")
                .unwrap_or_else(|| "closeknit".into()),
            audience: env
                .raw("CLOSEKNIT_JWT_AUDIENCE")
                .unwrap_or_else(|| "closeknit-api".into()),
            access_token_ttl_secs: access_ttl,
        };

        Ok(Config {
            profile,
            listen,
            database,
            log_filter: env
                .raw("CLOSEKNIT_LOG")
                .unwrap_or_else(|| DEFAULT_LOG_FILTER.to_string()),
            log_format: env.parse(
                "CLOSEKNIT_LOG_FORMAT",
                if dev {
                    LogFormat::Pretty
                } else {
                    LogFormat::Json
                },
            )?,
            cors_origins,
            request_timeout: env.millis("CLOSEKNIT_REQUEST_TIMEOUT_MS", 15_000)?,
            body_limit_bytes: env.positive("CLOSEKNIT_BODY_LIMIT_BYTES", 64 * 1024)?,
            shutdown_grace: env.millis("CLOSEKNIT_SHUTDOWN_GRACE_MS", 20_000)?,
            graphql: GraphqlLimits {
                max_depth: env.positive("CLOSEKNIT_GRAPHQL_MAX_DEPTH", 12)?,
                max_complexity: env.positive("CLOSEKNIT_GRAPHQL_MAX_COMPLEXITY", 2_000)?,
                max_aliases: env.positive("CLOSEKNIT_GRAPHQL_MAX_ALIASES", 15)?,
                max_query_bytes: env.positive("CLOSEKNIT_GRAPHQL_MAX_QUERY_BYTES", 16 * 1024)?,
                max_directives: env.positive("CLOSEKNIT_GRAPHQL_MAX_DIRECTIVES", 4)?,
                max_recursion: env.positive("CLOSEKNIT_GRAPHQL_MAX_RECURSION", 24)?,
                introspection: flag("CLOSEKNIT_GRAPHQL_INTROSPECTION", dev)?,
                suggestions: flag("CLOSEKNIT_GRAPHQL_SUGGESTIONS", dev)?,
            },
            jobs,
            mail: MailSettings {
                smtp_url: smtp_url.map(Secret::new),
                outbox_dir: PathBuf::from(
                    env.raw("CLOSEKNIT_MAIL_DIR")
                        .unwrap_or_else(|| "mail-outbox".into()),
                ),
                from: env
                    .raw("CLOSEKNIT_MAIL_FROM")
                    .unwrap_or_else(|| "Closeknit <no-reply@closeknit.invalid>".into()),
            },
            demo_data: flag("CLOSEKNIT_DEMO_DATA", dev)?,
            metrics_token,
            metrics_listen,
            auth,
            accounts: accounts::account_settings(&env, profile)?,
            push: push_settings(&env)?,
            rate_limits: RateLimitSettings {
                sign_in_per_ip: env.parse("CLOSEKNIT_RATE_SIGN_IN_PER_IP", quota(100, 600))?,
                sign_in_per_account: env
                    .parse("CLOSEKNIT_RATE_SIGN_IN_PER_ACCOUNT", quota(10, 600))?,
                code_requests_per_account: env
                    .parse("CLOSEKNIT_RATE_CODE_REQUESTS_PER_ACCOUNT", quota(3, 600))?,
                client_requests: env.parse("CLOSEKNIT_RATE_CLIENT_REQUESTS", quota(600, 60))?,
                trusted_proxy_hops: env.parse("CLOSEKNIT_TRUSTED_PROXY_HOPS", 0)?,
            },
        })
    }
}

#[cfg(test)]
mod tests;
