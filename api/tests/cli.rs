//! The `closeknit` binary itself: help, configuration errors, schema export,
//! migrations, the bank-holiday import, and `serve` printing its URL and stopping on SIGTERM. Uses a
//! SQLite file, or a fresh PostgreSQL database when
//! `CLOSEKNIT_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use sea_orm::{ConnectionTrait, Database};

const BIN: &str = env!("CARGO_BIN_EXE_closeknit");

/// A database URL for one test, and what to drop afterwards.
struct Db {
    url: String,
    drop: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

async fn database() -> Db {
    let dir = tempfile::tempdir().unwrap();
    match std::env::var("CLOSEKNIT_TEST_DATABASE_URL") {
        Ok(server) if server.starts_with("postgres") => {
            let name = format!("closeknit_cli_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(&server).await.unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            let base = server.rsplit_once('/').map(|(b, _)| b).unwrap();
            Db {
                url: format!("{base}/{name}"),
                drop: Some((server, name)),
                _dir: dir,
            }
        }
        _ => Db {
            url: format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display()),
            drop: None,
            _dir: dir,
        },
    }
}

impl Db {
    async fn cleanup(self) {
        if let Some((server, name)) = &self.drop {
            let admin = Database::connect(server).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
        }
    }
}

fn closeknit(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("DATABASE_URL");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn help_lists_every_command() {
    let out = closeknit(&["--help"], &[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in [
        "serve",
        "migrate",
        "export-schema",
        "seed",
        "worker",
        "export",
        "calendar",
    ] {
        assert!(text.contains(command), "{command} missing from --help");
    }
    let out = closeknit(&["migrate", "--help"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    for action in ["up", "down", "status", "fresh"] {
        assert!(text.contains(action));
    }
}

/// The allocator option set before `main` (see `api/src/main.rs`) is in
/// effect, and the environment still overrides it.
#[cfg(target_os = "linux")]
#[test]
fn arenas_are_committed_on_demand_unless_the_environment_says_otherwise() {
    let option = |env: &[(&str, &str)]| {
        let mut env = env.to_vec();
        env.push(("MIMALLOC_VERBOSE", "1"));
        let out = closeknit(&["--version"], &env);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stderr).into_owned();
        text.lines()
            .find_map(|l| l.split("option 'arena_eager_commit': ").nth(1))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("mimalloc printed no arena_eager_commit option: {text}"))
    };
    assert_eq!(option(&[]), "0");
    assert_eq!(option(&[("MIMALLOC_ARENA_EAGER_COMMIT", "1")]), "1");
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_variable() {
    let out = closeknit(&["serve"], &[("CLOSEKNIT_LISTEN", "not-an-address")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CLOSEKNIT_LISTEN"));
    let out = closeknit(&["serve"], &[("CLOSEKNIT_GRAPHQL_MAX_ALIASES", "-3")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CLOSEKNIT_GRAPHQL_MAX_ALIASES"));
}

#[test]
fn export_schema_check_detects_drift() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.graphql");
    let out = closeknit(&["export-schema", "--output", file.to_str().unwrap()], &[]);
    assert!(out.status.success());
    let out = closeknit(
        &[
            "export-schema",
            "--check",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success());
    std::fs::write(&file, "type Stale { x: Int }").unwrap();
    let out = closeknit(
        &[
            "export-schema",
            "--check",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("export-schema"));
}

#[tokio::test]
async fn migrate_and_seed_commands_manage_the_database() {
    let db = database().await;
    let env = [
        ("CLOSEKNIT_DATABASE_URL", db.url.as_str()),
        ("CLOSEKNIT_LOG", "warn"),
    ];
    let status = closeknit(&["migrate", "status"], &env);
    assert!(status.status.success());
    assert!(String::from_utf8_lossy(&status.stdout).contains("Pending"));

    let out = closeknit(&["seed", "--demo"], &env);
    assert!(!out.status.success(), "seeding needs migrations first");
    assert!(String::from_utf8_lossy(&out.stderr).contains("migrate up"));

    assert!(closeknit(&["migrate", "up"], &env).status.success());
    let status =
        String::from_utf8_lossy(&closeknit(&["migrate", "status"], &env).stdout).to_string();
    assert!(!status.contains("Pending") && status.contains("Applied"));
    assert!(closeknit(&["seed", "--demo"], &env).status.success());
    assert!(
        closeknit(&["seed", "--demo"], &env).status.success(),
        "seeding twice is safe"
    );
    assert!(
        closeknit(&["migrate", "down", "--steps", "1"], &env)
            .status
            .success()
    );
    assert!(
        String::from_utf8_lossy(&closeknit(&["migrate", "status"], &env).stdout)
            .contains("Pending")
    );

    let prod = [
        ("CLOSEKNIT_DATABASE_URL", db.url.as_str()),
        ("CLOSEKNIT_PROFILE", "production"),
    ];
    let out = closeknit(&["migrate", "fresh"], &prod);
    assert!(
        !out.status.success(),
        "fresh refuses in production without the flag"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn serve_prints_its_url_serves_and_stops_gracefully_on_sigterm() {
    let db = database().await;
    let mail = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("CLOSEKNIT_DATABASE_URL", &db.url)
        .env("CLOSEKNIT_LISTEN", "127.0.0.1:0")
        .env("CLOSEKNIT_MAIL_DIR", mail.path())
        .env("CLOSEKNIT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let base = url.trim_end_matches("/graphql");

    let client = reqwest::Client::new();
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = client
        .post(&url)
        .header("content-type", "application/json")
        .body(r#"{"query":"{ localAuthorities { edges { node { name } } } }"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["localAuthorities"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "a new database gets the demo data: {body}"
    );

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::task::spawn_blocking(move || {
        for _ in 0..100 {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().ok();
        None
    })
    .await
    .unwrap();
    assert!(status.expect("stopped within 10 s").success());
    db.cleanup().await;
}

#[tokio::test]
async fn export_oc3_writes_the_csv_and_reports_rule_breaks() {
    let db = database().await;
    let env = [
        ("CLOSEKNIT_DATABASE_URL", db.url.as_str()),
        ("CLOSEKNIT_LOG", "warn"),
    ];
    assert!(closeknit(&["migrate", "up"], &env).status.success());
    assert!(closeknit(&["seed", "--demo"], &env).status.success());
    let out = closeknit(
        &["export", "oc3", "--la", "E06099001", "--year", "2026"],
        &env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n"), "{csv}");
    assert!(csv.contains("DEMO001,14/03/2007,"), "{csv}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OC3-01"), "{stderr}");
    assert!(stderr.contains("rule breaks"), "{stderr}");
    // Audited as a whole and once for each young person in the return.
    let conn = Database::connect(&db.url).await.unwrap();
    let audited = closeknit::db::raw::query(
        &conn,
        "SELECT record_type, COUNT(*) FROM audit_events WHERE action = 'report.oc3.export' \
         GROUP BY record_type ORDER BY record_type",
        vec![],
    )
    .await
    .unwrap();
    let counts: Vec<(String, i64)> = audited
        .iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
            )
        })
        .collect();
    let rows = i64::try_from(csv.lines().count() - 1).unwrap();
    assert_eq!(
        counts,
        [
            ("CareLeaver".to_string(), rows),
            ("LocalAuthority".to_string(), 1)
        ]
    );
    drop(conn);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oc3.csv");
    let out = closeknit(
        &[
            "export",
            "oc3",
            "--la",
            "E06099001",
            "--year",
            "2026",
            "--output",
            file.to_str().unwrap(),
        ],
        &env,
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);

    for (args, says) in [
        (
            ["--la", "E06000000", "--year", "2026"],
            "no local authority",
        ),
        (["--la", "not-a-code", "--year", "2026"], "`la`"),
        (["--la", "E06099001", "--year", "1066"], "`year`"),
    ] {
        let mut all = vec!["export", "oc3"];
        all.extend(args);
        let out = closeknit(&all, &env);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    db.cleanup().await;
}

#[tokio::test]
async fn export_advocacy_writes_the_commissioners_report_as_csv() {
    let db = database().await;
    let env = [
        ("CLOSEKNIT_DATABASE_URL", db.url.as_str()),
        ("CLOSEKNIT_LOG", "warn"),
    ];
    assert!(closeknit(&["migrate", "up"], &env).status.success());
    assert!(closeknit(&["seed", "--demo"], &env).status.success());
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(60)).to_string();
    let to = (today + chrono::Duration::days(1)).to_string();
    let args = [
        "export",
        "advocacy",
        "--la",
        "E06099001",
        "--from",
        &from,
        "--to",
        &to,
    ];
    let out = closeknit(&args, &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("section,code,value\n"), "{csv}");
    assert!(csv.contains("requests,all,9\n"), "{csv}");
    assert!(csv.contains("kind,non_instructed,2\n"), "{csv}");
    assert!(csv.contains("subject,health,<5\n"), "{csv}");
    assert!(
        !csv.contains("someone on my side"),
        "no child's words: {csv}"
    );
    let conn = Database::connect(&db.url).await.unwrap();
    let audited = closeknit::db::raw::query(
        &conn,
        "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'advocacy.report'",
        vec![],
    )
    .await
    .unwrap();
    assert_eq!(audited[0].try_get_by_index::<i64>(0).unwrap(), 1);
    drop(conn);
    let backwards = [
        "export",
        "advocacy",
        "--la",
        "E06099001",
        "--from",
        &to,
        "--to",
        &from,
    ];
    let out = closeknit(&backwards, &env);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("before"));
    db.cleanup().await;
}

#[tokio::test]
async fn calendar_import_summarises_each_division_or_writes_nothing() {
    let db = database().await;
    let env = [
        ("CLOSEKNIT_DATABASE_URL", db.url.as_str()),
        ("CLOSEKNIT_LOG", "off"),
    ];
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/bank-holidays.json"
    );
    let out = closeknit(&["calendar", "import", fixture], &env);
    assert!(!out.status.success(), "importing needs migrations first");
    assert!(closeknit(&["migrate", "up"], &env).status.success());

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    let json = std::fs::read_to_string(fixture).unwrap();
    std::fs::write(&bad, json.replace("2030-03-18", "2030-13-18")).unwrap();
    let out = closeknit(&["calendar", "import", bad.to_str().unwrap()], &env);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`northern-ireland.events[0].date`"),
        "{stderr}"
    );

    let out = closeknit(&["calendar", "import", fixture], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("england-and-wales: 16 bank holidays in 2027, 2030-2031 (replacing 8)")
            && stdout.contains("northern-ireland: 2 bank holidays in 2030 (replacing 0)"),
        "{stdout}"
    );
    db.cleanup().await;
}
