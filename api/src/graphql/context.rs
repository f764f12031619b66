//! What every resolver can reach for the current request. Built per request
//! (never shared across requests) so DataLoader caches never cross viewers.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError, atomic::AtomicBool},
};

use async_graphql::{Context, dataloader::DataLoader};
use sea_orm::DatabaseConnection;

use crate::{
    audit::reads::ReadAudit,
    auth::viewer::Viewer,
    error::{AppError, AppResult},
};

/// A batching loader a resolver can ask the request for
/// (`RequestCtx::loaders.get::<T>()`): the module that owns the data
/// declares it, nothing here names it.
pub trait RequestLoader: Send + Sync + 'static {
    /// The loader for one request, reading through `db`.
    fn new(db: &DatabaseConnection) -> Self;
}

/// Per-request DataLoaders, each made the first time a resolver asks for
/// it. Never shared between requests, so caches never cross viewers.
pub struct Loaders {
    db: DatabaseConnection,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Loaders {
            db: db.clone(),
            made: Mutex::default(),
        }
    }

    /// This request's `T` loader, made on first use.
    pub fn get<T: RequestLoader>(&self) -> AppResult<Arc<DataLoader<T>>> {
        // A panic while the map was held cannot leave it half-written (an
        // insert either happened or not), so a poisoned lock is still sound.
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let loader = made
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(DataLoader::new(T::new(&self.db), tokio::spawn)));
        Arc::clone(loader).downcast::<DataLoader<T>>().map_err(|_| {
            AppError::internal(anyhow::anyhow!(
                "the loader stored for {} is another type",
                std::any::type_name::<T>()
            ))
        })
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
    pub fn service<'a, T: std::any::Any + Send + Sync>(ctx: &Context<'a>) -> AppResult<&'a T> {
        ctx.data::<T>().map_err(|_| {
            AppError::internal(anyhow::anyhow!(
                "{} missing from the schema",
                std::any::type_name::<T>()
            ))
        })
    }

    /// This request as the caller of a change (`client_mutation_id` keys a
    /// retry to the first result).
    pub fn call<'a>(&'a self, client_mutation_id: Option<&'a str>) -> crate::change::Call<'a> {
        crate::change::Call {
            db: &self.db,
            viewer: &self.viewer,
            request_id: &self.request_id,
            client_mutation_id,
        }
    }

    /// The request context; its absence is a wiring bug, reported as internal.
    pub fn get<'a>(ctx: &Context<'a>) -> AppResult<&'a RequestCtx> {
        ctx.data::<RequestCtx>()
            .map_err(|_| AppError::internal(anyhow::anyhow!("request context missing")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting;
    impl RequestLoader for Counting {
        fn new(_: &DatabaseConnection) -> Self {
            Counting
        }
    }
    struct Other;
    impl RequestLoader for Other {
        fn new(_: &DatabaseConnection) -> Self {
            Other
        }
    }

    #[tokio::test]
    async fn a_loader_is_made_once_per_request_and_per_type() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let loaders = Loaders::new(&db);
        let first = loaders.get::<Counting>().unwrap();
        let again = loaders.get::<Counting>().unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        loaders.get::<Other>().unwrap();
        assert_eq!(loaders.made.lock().unwrap().len(), 2);
        // Another request starts with none.
        let next = Loaders::new(&db);
        assert!(!Arc::ptr_eq(&first, &next.get::<Counting>().unwrap()));
    }
}
