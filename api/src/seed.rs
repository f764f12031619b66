//! Synthetic demo data. No real people, places or cases: the authorities
//! below are invented (their ONS codes use an unassigned 099xxx range).

use sea_orm::DatabaseConnection;

use crate::{
    error::AppResult,
    reference::{model::OnsCode, store},
};

/// Invented local authorities for demos and tests: (ONS code, name, region).
pub const DEMO_AUTHORITIES: [(&str, &str, &str); 2] = [
    ("E06099001", "Northmoor Borough Council", "E12000002"),
    ("E10099002", "Eastbrook County Council", "E12000006"),
];

/// Loads the demo data; safe to run again (existing rows are kept).
pub async fn demo(db: &DatabaseConnection) -> AppResult<()> {
    let txn = crate::db::begin_write(db).await?;
    for (code, name, region) in DEMO_AUTHORITIES {
        let code = OnsCode::parse("onsCode", code)?;
        if store::local_authority_by_code(&txn, &code).await?.is_none() {
            store::insert_local_authority(&txn, &code, name, region).await?;
        }
    }
    txn.commit().await?;
    tracing::info!("demo data loaded");
    Ok(())
}
