//! Configuration parsing: defaults, production rules, bad values.

use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(&move |k| map.get(k).cloned())
}

#[test]
fn defaults_work_on_a_fresh_machine() {
    let c = config(&[]).unwrap();
    assert_eq!(c.profile, Profile::Dev);
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.database.url.expose(), DEFAULT_DATABASE_URL);
    assert!(c.graphql.introspection && c.demo_data && c.mail.smtp_url.is_none());
    assert_eq!(c.graphql.max_aliases, 15);
}

#[test]
fn production_turns_off_introspection_and_demo_data() {
    let c = config(&[
        ("CLOSEKNIT_PROFILE", "production"),
        ("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:25"),
        ("CLOSEKNIT_METRICS_TOKEN", "scrape-secret"),
        (
            "CLOSEKNIT_SECRETS_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ),
        ("CLOSEKNIT_PUBLIC_URL", "https://closeknit.example/"),
    ])
    .unwrap();
    assert!(!c.graphql.introspection && !c.graphql.suggestions && !c.demo_data);
    assert_eq!(c.log_format, LogFormat::Json);
}

#[test]
fn database_url_falls_back_to_database_url() {
    let c = config(&[("DATABASE_URL", "postgres://x@h/db")]).unwrap();
    assert!(c.database.is_postgres());
    let c = config(&[
        ("DATABASE_URL", "postgres://x@h/db"),
        ("CLOSEKNIT_DATABASE_URL", "sqlite://a.db"),
    ])
    .unwrap();
    assert!(!c.database.is_postgres());
}

#[test]
fn rate_quotas_parse() {
    let q: RateQuota = "30/10m".parse().unwrap();
    assert_eq!((q.count.get(), q.window), (30, Duration::from_secs(600)));
    let q: RateQuota = " 5 / s ".parse().unwrap();
    assert_eq!((q.count.get(), q.window), (5, Duration::from_secs(1)));
    let q: RateQuota = "600/1h".parse().unwrap();
    assert_eq!(q.window, Duration::from_secs(3600));
    for bad in ["", "30", "0/1m", "-1/1m", "1/0m", "1/10x", "a/1m", "1/m5"] {
        assert!(bad.parse::<RateQuota>().is_err(), "{bad}");
    }
}

#[test]
fn bad_values_name_the_variable() {
    for (var, value) in [
        ("CLOSEKNIT_LISTEN", "nowhere"),
        ("CLOSEKNIT_PROFILE", "staging"),
        ("CLOSEKNIT_DATABASE_URL", "mysql://x"),
        ("CLOSEKNIT_SMTP_URL", "http://x"),
        ("CLOSEKNIT_GRAPHQL_MAX_ALIASES", "0"),
        ("CLOSEKNIT_GRAPHQL_MAX_DEPTH", "many"),
        ("CLOSEKNIT_WORKER_IN_PROCESS", "maybe"),
        ("CLOSEKNIT_CORS_ORIGINS", "not an origin"),
        ("CLOSEKNIT_JOB_POLL_MS", "0"),
        ("CLOSEKNIT_REQUEST_TIMEOUT_MS", "0"),
        ("CLOSEKNIT_JOB_BACKOFF_MAX_MS", "10"),
        ("CLOSEKNIT_RATE_SIGN_IN_PER_IP", "0/1m"),
        ("CLOSEKNIT_RATE_CLIENT_REQUESTS", "10/1d"),
        ("CLOSEKNIT_RATE_SIGN_IN_PER_ACCOUNT", "ten"),
    ] {
        let err = config(&[(var, value)]).unwrap_err();
        assert_eq!(err.variable, var, "{err}");
        assert!(err.to_string().contains(var));
    }
}

#[test]
fn production_requires_smtp() {
    let err = config(&[("CLOSEKNIT_PROFILE", "production")]).unwrap_err();
    assert_eq!(err.variable, "CLOSEKNIT_SMTP_URL");
}

#[test]
fn production_metrics_need_a_token_or_their_own_listener() {
    let production = [
        ("CLOSEKNIT_PROFILE", "production"),
        ("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:25"),
        (
            "CLOSEKNIT_SECRETS_KEY",
            "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        ),
        ("CLOSEKNIT_PUBLIC_URL", "https://closeknit.example"),
    ];
    let err = config(&production).unwrap_err();
    assert_eq!(err.variable, "CLOSEKNIT_METRICS_TOKEN");
    assert!(
        err.to_string().contains("CLOSEKNIT_METRICS_LISTEN"),
        "{err}"
    );

    let c = config(&[
        production[0],
        production[1],
        production[2],
        production[3],
        ("CLOSEKNIT_METRICS_TOKEN", "t"),
    ])
    .unwrap();
    assert!(c.metrics_token.is_some() && c.metrics_listen.is_none());
    let c = config(&[
        production[0],
        production[1],
        production[2],
        production[3],
        ("CLOSEKNIT_METRICS_LISTEN", "127.0.0.1:9464"),
    ])
    .unwrap();
    assert_eq!(
        c.metrics_listen.map(|a| a.to_string()).as_deref(),
        Some("127.0.0.1:9464")
    );
    assert!(c.metrics_token.is_none());

    let c = config(&[]).unwrap();
    assert!(
        c.metrics_token.is_none() && c.metrics_listen.is_none(),
        "dev stays open"
    );
    let err = config(&[("CLOSEKNIT_METRICS_LISTEN", "nowhere")]).unwrap_err();
    assert_eq!(err.variable, "CLOSEKNIT_METRICS_LISTEN");
}

#[test]
fn secrets_are_not_debug_printed() {
    let c = config(&[
        ("CLOSEKNIT_DATABASE_URL", "postgres://u:hunter2@h/db"),
        ("CLOSEKNIT_SMTP_URL", "smtp://u:hunter3@h:25"),
    ])
    .unwrap();
    let printed = format!("{c:?}");
    assert!(!printed.contains("hunter2") && !printed.contains("hunter3"));
}

#[test]
fn production_needs_a_secrets_key_and_a_public_address() {
    let base = [
        ("CLOSEKNIT_PROFILE", "production"),
        ("CLOSEKNIT_SMTP_URL", "smtp://127.0.0.1:25"),
        ("CLOSEKNIT_METRICS_TOKEN", "scrape-secret"),
    ];
    let err = config(&base).unwrap_err();
    assert_eq!(err.variable, "CLOSEKNIT_SECRETS_KEY");
    let mut with_key = base.to_vec();
    with_key.push(("CLOSEKNIT_SECRETS_KEY", "too-short"));
    assert_eq!(
        config(&with_key).unwrap_err().variable,
        "CLOSEKNIT_SECRETS_KEY"
    );
    with_key.pop();
    with_key.push((
        "CLOSEKNIT_SECRETS_KEY",
        "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    ));
    assert_eq!(
        config(&with_key).unwrap_err().variable,
        "CLOSEKNIT_PUBLIC_URL"
    );
    with_key.push(("CLOSEKNIT_PUBLIC_URL", "http://closeknit.example"));
    assert_eq!(
        config(&with_key).unwrap_err().variable,
        "CLOSEKNIT_PUBLIC_URL"
    );
    with_key.pop();
    with_key.push(("CLOSEKNIT_PUBLIC_URL", "https://closeknit.example/"));
    let c = config(&with_key).unwrap();
    assert_eq!(c.accounts.public_url, "https://closeknit.example");
    assert_eq!(
        c.accounts.sso_return_urls,
        vec!["https://closeknit.example"]
    );
    assert!(!c.accounts.secrets_key_is_development);
    let dev = config(&[]).unwrap();
    assert!(dev.accounts.secrets_key_is_development);
}
