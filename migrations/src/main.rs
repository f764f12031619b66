//! Stand-alone migration CLI (`cargo run -p closeknit-migrations -- up`).
//! The `closeknit migrate` command is the usual entry point; this one exists
//! so the schema can be managed without building the service.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}
