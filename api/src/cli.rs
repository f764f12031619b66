//! The `closeknit` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "closeknit",
    version,
    about = "Closeknit: Staying Close plans, advocacy and kinship training over GraphQL",
    long_about = "Closeknit serves its GraphQL API, runs background jobs and manages its database.\n\
                  Configuration comes from CLOSEKNIT_* environment variables (see README.md).\n\
                  With no configuration it serves a local SQLite database with demo data."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the API with an in-process job worker (the default).
    Serve,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Write the GraphQL schema (sorted SDL) to a file, or check that it is current.
    ExportSchema {
        /// Where to write it.
        #[arg(long, short, default_value = "schema.graphql")]
        output: PathBuf,
        /// Do not write: exit with an error if the file differs from the live schema.
        #[arg(long)]
        check: bool,
    },
    /// Load data into the database.
    Seed {
        /// Load the synthetic demo data (safe to repeat).
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Run background job workers only (no HTTP). Several may share one PostgreSQL database.
    Worker,
    /// Produce a statutory return.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Manage the working-day calendar (bank holidays).
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarAction {
    /// Import bank holidays from a file in gov.uk's bank-holidays.json
    /// format (https://www.gov.uk/bank-holidays.json): for each division
    /// in the file, its holidays in the years the file covers are replaced
    /// (other years are kept), all in one transaction. An invalid file
    /// writes nothing.
    Import {
        /// The JSON file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// The SSDA903 OC3 care leaver table as CSV (standard output, or
    /// --output); rows that break a rule are reported on standard error.
    Oc3 {
        /// The local authority's ONS code, e.g. E06099001.
        #[arg(long)]
        la: String,
        /// The collection year, named by the year it ends (2026 = April 2025 to March 2026).
        #[arg(long)]
        year: i32,
        /// Write the CSV here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// The advocacy commissioner's report for an authority as CSV
    /// (`section,code,value`; counts of content below 5 written `<5`).
    Advocacy {
        /// The local authority's ONS code, e.g. E06099001.
        #[arg(long)]
        la: String,
        /// The first day of requests counted (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// The last day of requests counted (YYYY-MM-DD, inclusive).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Write the CSV here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MigrateAction {
    /// Apply pending migrations.
    Up {
        /// Apply at most this many.
        #[arg(long)]
        steps: Option<u32>,
    },
    /// Roll back migrations (one by default).
    Down {
        /// How many to roll back.
        #[arg(long, default_value_t = 1)]
        steps: u32,
    },
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again (destroys all data).
    Fresh {
        /// Required: confirms that all data may be destroyed.
        #[arg(long)]
        yes_destroy_all_data: bool,
    },
}
