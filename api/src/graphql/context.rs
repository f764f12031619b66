//! What every resolver can reach for the current request. Built per request
//! (never shared across requests) so DataLoader caches never cross viewers.

use std::sync::{Arc, OnceLock, atomic::AtomicBool};

use async_graphql::{Context, dataloader::DataLoader};
use sea_orm::DatabaseConnection;

use crate::{
    audit::reads::ReadAudit, auth::viewer::Viewer, error::AppError,
    reference::graphql::RegionLoader, staying_close::loaders::PlanLoader,
};

/// Per-request DataLoaders.
pub struct Loaders {
    pub regions: DataLoader<RegionLoader>,
    /// A plan's lists (see `staying_close::loaders`).
    pub plans: DataLoader<PlanLoader>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Loaders {
            regions: DataLoader::new(RegionLoader { db: db.clone() }, tokio::spawn),
            plans: DataLoader::new(PlanLoader { db: db.clone() }, tokio::spawn),
        }
    }
}

pub struct RequestCtx {
    pub db: DatabaseConnection,
    /// Where reads are recorded (group-committed).
    pub reads: ReadAudit,
    pub request_id: String,
    /// Who is asking (anonymous unless a valid bearer token came with the request).
    pub viewer: Viewer,
    pub loaders: Loaders,
    /// The caller's address (for per-address budgets).
    pub client_ip: Option<std::net::IpAddr>,
    /// The name of the operation that ran (set at execution).
    pub operation: Arc<OnceLock<String>>,
    /// Set when execution starts: a response with errors from before it
    /// (parse, validation, variables, arguments) is a request error.
    pub executed: Arc<AtomicBool>,
    /// The request's `operation` label in metrics (`graphql::labels`), set
    /// once the document has parsed.
    pub metrics_label: Arc<OnceLock<String>>,
}

impl RequestCtx {
    pub fn new(
        db: DatabaseConnection,
        reads: ReadAudit,
        request_id: String,
        viewer: Viewer,
        client_ip: Option<std::net::IpAddr>,
    ) -> Self {
        let loaders = Loaders::new(&db);
        RequestCtx {
            db,
            reads,
            request_id,
            viewer,
            loaders,
            client_ip,
            operation: Arc::default(),
            executed: Arc::default(),
            metrics_label: Arc::default(),
        }
    }

    /// A service the schema was built with (token service, rate limits,
    /// live hub, push config); its absence is a wiring bug, reported as
    /// internal.
    pub fn service<'a, T: std::any::Any + Send + Sync>(
        ctx: &Context<'a>,
    ) -> Result<&'a T, AppError> {
        ctx.data::<T>().map_err(|_| {
            AppError::internal(anyhow::anyhow!(
                "{} missing from the schema",
                std::any::type_name::<T>()
            ))
        })
    }

    /// The request context; its absence is a wiring bug, reported as internal.
    pub fn get<'a>(ctx: &Context<'a>) -> Result<&'a RequestCtx, AppError> {
        ctx.data::<RequestCtx>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("request context missing")))
    }
}
