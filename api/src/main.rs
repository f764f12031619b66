//! The `closeknit` binary: parse the command line, read configuration,
//! start logging, run the command.

use std::process::ExitCode;

use clap::Parser;
use closeknit::{
    cli::{CalendarAction, Cli, Command, ExportWhat, MigrateAction},
    config::Config,
    db, seed,
    startup::{AppOptions, Application, run_worker, shutdown_signal},
    telemetry,
};
use migration::{Migrator, MigratorTrait};

/// mimalloc: the service makes many small short-lived allocations per
/// request; bench-foundation measures the difference against the system
/// allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc commits its arenas eagerly on Linux by default, and memory it
/// has committed and freed stays resident, so an idle server kept ~14 MB
/// more than it used (bench-foundation: idle RSS 40-42 MB, 26 MB with
/// eager commit off; throughput unchanged). The first arena is reserved
/// before `main` runs, so the option is set from an ELF constructor, before
/// the first allocation. `MIMALLOC_ARENA_EAGER_COMMIT` in the environment
/// still wins. Checked by `api/tests/cli.rs`.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod allocator_options {
    use std::ffi::{c_char, c_long};

    /// `mi_option_arena_eager_commit` in mimalloc v3's `mimalloc.h` (the
    /// Rust bindings do not name it).
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

    unsafe extern "C" {
        fn getenv(name: *const c_char) -> *const c_char;
    }

    extern "C" fn set() {
        // SAFETY: `getenv` reads the environment with a NUL-terminated
        // name; nothing changes the environment while constructors run.
        let overridden = !unsafe { getenv(c"MIMALLOC_ARENA_EAGER_COMMIT".as_ptr()) }.is_null();
        if !overridden {
            // SAFETY: setting an option takes no pointers and is allowed at
            // any time; it only affects arenas reserved afterwards.
            unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, c_long::from(0u8)) };
        }
    }

    #[used]
    // SAFETY: `.init_array` holds functions the loader calls before `main`
    // with no arguments; `set` has that signature and does not allocate.
    #[unsafe(link_section = ".init_array")]
    static SET: extern "C" fn() = set;
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);

    if let Command::ExportSchema { output, check } = &command {
        return export_schema(output, *check);
    }

    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("closeknit: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_filter, config.log_format);

    match run(command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(
                error = format!("{err:#}"),
                "closeknit stopped with an error"
            );
            eprintln!("closeknit: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn export_schema(output: &std::path::Path, check: bool) -> ExitCode {
    let sdl = closeknit::schema::sdl();
    if check {
        let current = std::fs::read_to_string(output).unwrap_or_default();
        if current == sdl {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "closeknit: {} is out of date; run `cargo run -p closeknit -- export-schema`",
            output.display()
        );
        return ExitCode::FAILURE;
    }
    match std::fs::write(output, sdl) {
        Ok(()) => {
            eprintln!("wrote {}", output.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("closeknit: writing {}: {err}", output.display());
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(config, AppOptions::default()).await?;
            let addr = app.local_addr()?;
            let shutdown = app.shutdown_token();
            tokio::spawn(async move {
                shutdown_signal().await;
                shutdown.cancel();
            });
            tracing::info!(%addr, "serving");
            if let Some(metrics) = app.metrics_addr()? {
                tracing::info!(%metrics, "serving metrics");
            }
            #[allow(clippy::print_stdout)]
            {
                println!("Closeknit is listening on http://{addr}/graphql");
            }
            app.run_until_stopped().await
        }
        Command::Worker => run_worker(config).await,
        Command::Seed { .. } => {
            let conn = migrated_connection(&config).await?;
            seed::demo(&conn)
                .await
                .map_err(|e| anyhow::anyhow!("loading demo data: {}", e.message()))
        }
        Command::Migrate { action } => {
            let lock = db::MigrationConnection::open(&config.database).await?;
            let conn = &lock.db;
            match action {
                MigrateAction::Up { steps } => Migrator::up(conn, steps).await?,
                MigrateAction::Down { steps } => Migrator::down(conn, Some(steps)).await?,
                MigrateAction::Status => {
                    for m in Migrator::get_migration_with_status(conn).await? {
                        #[allow(clippy::print_stdout)]
                        {
                            println!("{:<8} {}", m.status().to_string(), m.name());
                        }
                    }
                }
                MigrateAction::Fresh {
                    yes_destroy_all_data,
                } => {
                    if !yes_destroy_all_data {
                        anyhow::bail!(
                            "`migrate fresh` drops every table ({} profile); add --yes-destroy-all-data to confirm",
                            config.profile
                        );
                    }
                    Migrator::fresh(conn).await?;
                }
            }
            lock.close().await?;
            Ok(())
        }
        Command::Export {
            what: ExportWhat::Oc3 { la, year, output },
        } => {
            let conn = migrated_connection(&config).await?;
            let export = closeknit::staying_close::reporting::export_oc3(&conn, &la, year)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            write_out(output, &export.csv)?;
            #[allow(clippy::print_stderr)]
            {
                eprint!("{}", export.report);
                eprintln!(
                    "OC3 {year} for {la}: {} rows, {} rule breaks",
                    export.rows, export.breaks
                );
            }
            Ok(())
        }
        Command::Export {
            what:
                ExportWhat::Advocacy {
                    la,
                    from,
                    to,
                    output,
                },
        } => {
            let conn = migrated_connection(&config).await?;
            let csv = closeknit::advocacy::reporting::service::export_csv(&conn, &la, (from, to))
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            write_out(output, &csv)
        }
        Command::Calendar {
            action: CalendarAction::Import { file },
        } => {
            let conn = migrated_connection(&config).await?;
            let summary = closeknit::calendar::import::import_file(&conn, &file)
                .await
                .map_err(|e| {
                    e.log();
                    anyhow::anyhow!("importing {}: {}", file.display(), e.message())
                })?;
            #[allow(clippy::print_stdout)]
            {
                print!("{summary}");
            }
            Ok(())
        }
        Command::ExportSchema { .. } => Ok(()),
    }
}

/// A connection for a command that works on the data: the schema must be
/// current (`closeknit migrate up` first).
async fn migrated_connection(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let conn = db::connect(&config.database, None).await?;
    if let db::Readiness::PendingMigrations(p) = db::readiness(&conn).await {
        anyhow::bail!(
            "pending migrations ({}); run `closeknit migrate up` first",
            p.join(", ")
        );
    }
    Ok(conn)
}

/// Writes an export to `output`, or to standard output.
fn write_out(output: Option<std::path::PathBuf>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(&path, text)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display())),
        None => {
            use std::io::Write;
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}
