//! Building and running the application: database, migrations, schema, HTTP
//! server and the in-process job worker, stopped together on a signal.

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context as _;
use async_graphql::extensions::ExtensionFactory;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    config::Config,
    db,
    http::{self, AppState},
    jobs::{
        Handlers, JobHandler,
        mail::{Mailer, SEND_EMAIL, SendEmail},
        worker::{JobSignal, Worker},
    },
    metrics::Metrics,
    notifications::live::LiveHub,
    push::sender::PushSenders,
    ratelimit::RateLimits,
    schema::AppSchema,
    seed,
};

/// The scheduled sweeps every worker process runs on the jobs' poll
/// interval: reminders due, advocacy timescales at risk, breached or
/// nearly due, training offers run out, training reminders.
const SWEEPS: &[crate::jobs::sweeps::Sweep] = &[
    crate::jobs::sweeps::Sweep {
        name: "reminders",
        pass: |db, limit| Box::pin(crate::notifications::reminders::send_due(db, limit)),
    },
    crate::jobs::sweeps::Sweep {
        name: "advocacy timescales",
        pass: |db, limit| Box::pin(crate::advocacy::timescales::watch::sweep(db, limit)),
    },
    crate::jobs::sweeps::Sweep {
        name: "training offers",
        pass: |db, limit| Box::pin(crate::training::bookings::offers::sweep(db, limit)),
    },
    crate::jobs::sweeps::Sweep {
        name: "training offer reminders",
        pass: |db, limit| Box::pin(crate::training::reminders::offers_expiring(db, limit)),
    },
    crate::jobs::sweeps::Sweep {
        name: "training day-before reminders",
        pass: |db, limit| Box::pin(crate::training::reminders::day_before(db, limit)),
    },
];

/// Extension points for embedding (tests add fault-injecting extensions and
/// job handlers here).
#[derive(Default)]
pub struct AppOptions {
    pub extensions: Vec<Arc<dyn ExtensionFactory>>,
    pub handlers: Vec<(String, Arc<dyn JobHandler>)>,
}

struct ArcHandler(Arc<dyn JobHandler>);

#[async_trait::async_trait]
impl JobHandler for ArcHandler {
    async fn run(&self, job: &crate::jobs::JobContext) -> Result<(), crate::jobs::JobError> {
        self.0.run(job).await
    }
}

/// The job handlers of a process (`serve` and `worker` alike), sending
/// pushes through `push` (built once per process: it reads key files) and
/// keying sign-in codes with `tokens` (the process's signing key).
pub fn handlers(
    config: &Config,
    push: Arc<PushSenders>,
    tokens: Arc<crate::auth::tokens::TokenService>,
    extra: Vec<(String, Arc<dyn JobHandler>)>,
) -> anyhow::Result<Handlers> {
    let mailer = Mailer::from_settings(&config.mail, config.jobs.concurrency)?;
    let mut handlers = Handlers::new();
    handlers.register(
        SEND_EMAIL,
        SendEmail::new(mailer.clone(), &config.mail.from)?,
    );
    handlers.register(
        crate::identity::codes::SIGN_IN_CODE_EMAIL,
        crate::identity::codes::SignInCodeEmail {
            sender: SendEmail::new(mailer.clone(), &config.mail.from)?,
            tokens: tokens.clone(),
        },
    );
    handlers.register(
        crate::identity::onboarding::mail::APP_INVITE_EMAIL,
        crate::identity::onboarding::mail::AppInviteEmail {
            sender: SendEmail::new(mailer.clone(), &config.mail.from)?,
        },
    );
    handlers.register(
        crate::identity::account::mail::EMAIL_CHANGE_CODE,
        crate::identity::account::mail::EmailChangeCode {
            sender: SendEmail::new(mailer.clone(), &config.mail.from)?,
            tokens: tokens.clone(),
        },
    );
    handlers.register(
        crate::identity::account::mail::EMAIL_CHANGE_NOTICE,
        crate::identity::account::mail::EmailChangeNotice {
            sender: SendEmail::new(mailer.clone(), &config.mail.from)?,
        },
    );
    handlers.register(
        crate::identity::invitations::email::INVITATION_EMAIL,
        crate::identity::invitations::email::InvitationEmail {
            sender: SendEmail::new(mailer.clone(), &config.mail.from)?,
            public_url: config.accounts.public_url.clone(),
        },
    );
    handlers.register(
        crate::identity::passwords::email::PASSWORD_RESET_EMAIL,
        crate::identity::passwords::email::PasswordResetEmail {
            sender: SendEmail::new(mailer.clone(), &config.mail.from)?,
            public_url: config.accounts.public_url.clone(),
        },
    );
    handlers.register(
        crate::notifications::service::EMAIL_NOTIFICATION,
        crate::notifications::email::EmailNotification {
            sender: SendEmail::new(mailer, &config.mail.from)?,
            calendars: crate::notifications::calendar::CalendarSources::default().with(
                crate::training::calendar::SUBJECT,
                crate::training::calendar::BookingCalendar,
            ),
        },
    );
    handlers.register(
        crate::push::job::PUSH_NOTIFICATION,
        crate::push::job::PushNotification { senders: push },
    );
    for (kind, handler) in extra {
        handlers.register(&kind, ArcHandler(handler));
    }
    Ok(handlers)
}

pub struct Application {
    listener: TcpListener,
    /// `CLOSEKNIT_METRICS_LISTEN`, when metrics have a listener of their own.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    handlers: Arc<Handlers>,
    signal: JobSignal,
    shutdown: CancellationToken,
    live: LiveHub,
}

/// Migrates (loading demo data into a new database when configured) on a
/// thread of its own that ends when done: the allocator returns what that
/// thread used (migration statements, demo data) to the system when it
/// exits, instead of keeping it for a serving process that never needs it
/// again (bench-foundation's idle RSS).
async fn prepare_database(config: &Config) -> anyhow::Result<()> {
    let settings = config.database.clone();
    let demo = config.demo_data;
    let (done, finished) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("closeknit-migrate".into())
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the migration runtime")
                .and_then(|runtime| runtime.block_on(migrate_and_seed(settings, demo)));
            let _ = done.send(result);
        })
        .context("starting the migration thread")?;
    finished
        .await
        .context("the migration thread stopped unexpectedly")?
}

async fn migrate_and_seed(
    settings: crate::config::DatabaseSettings,
    demo: bool,
) -> anyhow::Result<()> {
    let migrations = db::MigrationConnection::open(&settings)
        .await
        .context("opening the migration connection")?;
    let fresh = db::migrate(&migrations.db)
        .await
        .context("running migrations")?;
    if fresh && demo {
        seed::demo(&migrations.db)
            .await
            .map_err(|e| anyhow::anyhow!("loading demo data: {}", e.message()))?;
    }
    migrations
        .close()
        .await
        .context("releasing the migration lock")
}

impl Application {
    /// Connects, migrates (loading demo data into a new database when
    /// configured), builds the schema and binds the listener.
    pub async fn build(config: Config, options: AppOptions) -> anyhow::Result<Self> {
        let metrics = Metrics::new();
        let db = db::connect(&config.database, Some(metrics.clone()))
            .await
            .context("connecting to the database (CLOSEKNIT_DATABASE_URL)")?;
        prepare_database(&config).await?;
        let push_senders = Arc::new(PushSenders::from_settings(&config.push)?);
        let tokens = crate::auth::token_service(&config.auth, config.profile)?;
        let handlers = Arc::new(handlers(
            &config,
            push_senders.clone(),
            tokens.clone(),
            options.handlers,
        )?);
        let rate_limits = RateLimits::new(&config.rate_limits, metrics.clone());
        let shutdown = CancellationToken::new();
        let live = LiveHub::new(shutdown.clone());
        let push = Arc::new(crate::push::service::PushConfig {
            settings: config.push.clone(),
            senders: push_senders,
        });
        if config.accounts.secrets_key_is_development {
            tracing::warn!(
                "CLOSEKNIT_SECRETS_KEY is not set: second-factor seeds and single sign-on \
                 secrets are sealed with the public development key"
            );
        }
        let accounts = crate::identity::AccountServices::new(&config.accounts);
        let schema = crate::schema::build_schema(
            &config.graphql,
            tokens.clone(),
            rate_limits.clone(),
            live.clone(),
            push,
            accounts.clone(),
            options.extensions,
        );
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding CLOSEKNIT_LISTEN={}", config.listen))?;
        let metrics_listener = match config.metrics_listen {
            None => None,
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding CLOSEKNIT_METRICS_LISTEN={addr}"))?,
            ),
        };
        Ok(Application {
            listener,
            metrics_listener,
            state: AppState {
                schema,
                tokens,
                reads: crate::audit::reads::ReadAudit::start(db.clone()),
                db,
                metrics,
                rate_limits,
                shutdown: shutdown.clone(),
                config: Arc::new(config),
                live: live.clone(),
                accounts,
            },
            handlers,
            signal: JobSignal::default(),
            shutdown,
            live,
        })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Where metrics are served on their own, if they are.
    pub fn metrics_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        Ok(match &self.metrics_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        })
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    pub fn schema(&self) -> &AppSchema {
        &self.state.schema
    }

    /// Cancelling this token stops the server gracefully.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Wakes this process's worker (call after committing enqueued jobs).
    pub fn job_signal(&self) -> JobSignal {
        self.signal.clone()
    }

    /// Serves until the shutdown token is cancelled, then finishes in-flight
    /// requests and jobs within `CLOSEKNIT_SHUTDOWN_GRACE_MS`.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let config = self.state.config.clone();
        let grace = config.shutdown_grace;
        let worker = config.jobs.in_process_worker.then(|| {
            let worker = Worker::new(
                self.state.db.clone(),
                self.handlers.clone(),
                config.jobs.clone(),
                self.state.metrics.clone(),
                self.signal.clone(),
            );
            tokio::spawn(worker.run(self.shutdown.clone(), grace))
        });
        let scheduler = config.jobs.in_process_worker.then(|| {
            tokio::spawn(crate::jobs::sweeps::run(
                self.state.db.clone(),
                config.jobs.poll_interval,
                SWEEPS,
                self.shutdown.clone(),
            ))
        });

        let shutdown = self.shutdown.clone();
        let live = tokio::spawn(self.live.clone().run(self.state.db.clone()));
        let janitor = tokio::spawn(
            self.state
                .rate_limits
                .clone()
                .run_janitor(self.shutdown.clone()),
        );
        let metrics_server = self.metrics_listener.map(|listener| {
            let service = http::metrics_router(self.state.clone());
            tokio::spawn(
                axum::serve(listener, service)
                    .with_graceful_shutdown(self.shutdown.clone().cancelled_owned())
                    .into_future(),
            )
        });
        let service = axum::ServiceExt::into_make_service_with_connect_info::<SocketAddr>(
            http::router(self.state.clone()),
        );
        let server = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let forced = async {
            shutdown.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        let served = tokio::select! {
            result = server => result.context("HTTP server failed"),
            _ = forced => {
                tracing::warn!("in-flight requests did not finish within the shutdown grace period");
                Ok(())
            }
        };
        // Stop the worker too if the server ended on its own (or failed).
        shutdown.cancel();
        janitor.abort();
        if let Some(metrics_server) = metrics_server {
            match metrics_server.await {
                Ok(Err(err)) => tracing::error!(error = %err, "metrics listener failed"),
                Err(err) => tracing::error!(error = %err, "metrics listener task failed"),
                Ok(Ok(())) => {}
            }
        }
        if let Some(scheduler) = scheduler {
            scheduler.await.ok();
        }
        live.abort();
        if let Some(worker) = worker
            && let Err(err) = worker.await
        {
            tracing::error!(error = %err, "job worker task failed");
        }
        self.state.db.close_by_ref().await.ok();
        tracing::info!("stopped");
        served
    }
}

/// Resolves when the process receives SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight work");
}

/// Runs workers only (`closeknit worker`): no HTTP, same queue.
pub async fn run_worker(config: Config) -> anyhow::Result<()> {
    let metrics = Metrics::new();
    let db = db::connect(&config.database, Some(metrics.clone()))
        .await
        .context("connecting to the database (CLOSEKNIT_DATABASE_URL)")?;
    if let db::Readiness::PendingMigrations(pending) = db::readiness(&db).await {
        anyhow::bail!(
            "the database has pending migrations ({}); run `closeknit migrate up` first",
            pending.join(", ")
        );
    }
    let push = Arc::new(PushSenders::from_settings(&config.push)?);
    if config.auth.jwt_private_key.is_none() {
        tracing::warn!(
            "no CLOSEKNIT_JWT_PRIVATE_KEY: sign-in codes this worker emails will not work on servers with another key"
        );
    }
    let tokens = crate::auth::token_service(&config.auth, config.profile)?;
    let handlers = Arc::new(handlers(&config, push, tokens, Vec::new())?);
    let shutdown = CancellationToken::new();
    let worker = Worker::new(
        db.clone(),
        handlers,
        config.jobs.clone(),
        metrics,
        JobSignal::default(),
    );
    let task = tokio::spawn(worker.run(shutdown.clone(), config.shutdown_grace));
    let scheduler = tokio::spawn(crate::jobs::sweeps::run(
        db.clone(),
        config.jobs.poll_interval,
        SWEEPS,
        shutdown.clone(),
    ));
    shutdown_signal().await;
    shutdown.cancel();
    task.await.context("worker task failed")?;
    scheduler.await.context("sweep scheduler task failed")?;
    db.close_by_ref().await.ok();
    Ok(())
}
