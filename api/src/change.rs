//! The change machinery every domain uses. A change runs in one write
//! transaction that:
//! - replays a repeated `clientMutationId` (same input: the first result;
//!   different input: `CONFLICT`) before doing anything,
//! - authorises against records as they are inside the transaction, deciding
//!   `NOT_FOUND` (the viewer may not know the record exists) versus
//!   `FORBIDDEN` (they may read it but not do this) in one place
//!   ([`Change::authorise`]),
//! - writes its audit record, its idempotency result and the change itself in
//!   the same commit ([`Change::commit`]), or none of them.
//!
//! A domain's service starts a change with [`start_change!`], reads and
//! writes through [`Change::txn`], and ends it with [`Change::commit`]. What a
//! change returns (`D`) is the domain's own type: it is what a replay returns.
//! Domain look-ups that need the transaction (a plan the viewer may change,
//! say) are written as an extension trait on [`Change`] in the domain.

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::{
    audit::{self, AuditAction, AuditEntry},
    auth::viewer::{AccountViewer, ClientViewer, Viewer},
    db::begin_write,
    error::{AppError, AppResult},
    idempotency::{self, Key},
    policy::{self, Action, Target},
};

/// Who is calling, and how.
pub struct Call<'a> {
    pub db: &'a DatabaseConnection,
    pub viewer: &'a Viewer,
    pub request_id: &'a str,
    pub client_mutation_id: Option<&'a str>,
}

/// A change in progress: its transaction, idempotency key and actor.
pub struct Change<'a> {
    pub txn: DatabaseTransaction,
    key: Option<Key>,
    pub call: &'a Call<'a>,
    pub actor: &'a AccountViewer,
}

/// A started change, or the stored result of the same change made before.
pub enum Started<'a, D> {
    Fresh(Box<Change<'a>>),
    Replayed(D),
}

/// Starts `operation` for a signed-in account (API clients change records
/// only for a person, through [`start_for_client`]), keyed by the call's
/// `clientMutationId` and `input`.
pub async fn start<'a, D: DeserializeOwned>(
    call: &'a Call<'a>,
    operation: &'static str,
    input: &impl Serialize,
) -> AppResult<Started<'a, D>> {
    let actor = call.viewer.account_viewer()?;
    Ok(match open(call, operation, input).await? {
        Opened::Fresh(txn, key) => Started::Fresh(Box::new(Change {
            txn,
            key,
            call,
            actor,
        })),
        Opened::Replayed(done) => Started::Replayed(done),
    })
}

/// A write transaction and its idempotency key, or the earlier result.
enum Opened<D> {
    Fresh(DatabaseTransaction, Option<Key>),
    Replayed(D),
}

async fn open<D: DeserializeOwned>(
    call: &Call<'_>,
    operation: &'static str,
    input: &impl Serialize,
) -> AppResult<Opened<D>> {
    let key = Key::new(
        &call.viewer.scope_key(),
        call.client_mutation_id,
        operation,
        input,
    )?;
    let txn = begin_write(call.db).await?;
    if let Some(key) = &key
        && let Some(done) = idempotency::check::<D>(&txn, key).await?
    {
        return Ok(Opened::Replayed(done));
    }
    Ok(Opened::Fresh(txn, key))
}

/// A change an API client makes on behalf of a person (who consented to
/// it: the domain checks that inside [`ClientChange::txn`]): audited with
/// the client as actor and the person as the one acted for.
pub struct ClientChange<'a> {
    pub txn: DatabaseTransaction,
    key: Option<Key>,
    pub call: &'a Call<'a>,
    pub client: &'a ClientViewer,
    pub on_behalf_of: Uuid,
}

/// A started client change, or the stored result of the same change.
pub enum ClientStarted<'a, D> {
    Fresh(Box<ClientChange<'a>>),
    Replayed(D),
}

/// Starts `operation` for an API client acting for `person` (anyone else:
/// `FORBIDDEN`), keyed as [`start`] keys a change.
pub async fn start_for_client<'a, D: DeserializeOwned>(
    call: &'a Call<'a>,
    operation: &'static str,
    input: &impl Serialize,
    person: Uuid,
) -> AppResult<ClientStarted<'a, D>> {
    let Viewer::Client(client) = call.viewer else {
        return Err(AppError::Forbidden);
    };
    Ok(match open(call, operation, input).await? {
        Opened::Fresh(txn, key) => ClientStarted::Fresh(Box::new(ClientChange {
            txn,
            key,
            call,
            client,
            on_behalf_of: person,
        })),
        Opened::Replayed(done) => ClientStarted::Replayed(done),
    })
}

impl ClientChange<'_> {
    /// Ends the change as [`Change::commit`] does, the audit record naming
    /// the client and the person it acted for.
    pub async fn commit<D: Serialize>(self, audited: Audited<'_>, done: D) -> AppResult<D> {
        audit::record(
            &self.txn,
            AuditEntry {
                actor_client: Some(self.client.client_id),
                on_behalf_of: Some(self.on_behalf_of),
                ..entry(&audited, self.call.request_id)
            },
        )
        .await?;
        finish(self.txn, self.key.as_ref(), done).await
    }
}

/// The audit entry of `audited`, its actor to be filled in.
fn entry<'r>(audited: &Audited<'r>, request_id: &'r str) -> AuditEntry<'r> {
    AuditEntry {
        record_type: audited.record.0,
        record_id: Some(audited.record.1),
        fields: audited.fields,
        subject_person: audited.target.person,
        local_authority: audited.target.local_authority,
        ..AuditEntry::new(audited.action, request_id)
    }
}

/// Records the idempotency result and commits.
async fn finish<D: Serialize>(
    txn: DatabaseTransaction,
    key: Option<&Key>,
    done: D,
) -> AppResult<D> {
    if let Some(key) = key {
        idempotency::record(&txn, key, &done).await?;
    }
    txn.commit().await?;
    Ok(done)
}

/// Starts a change, or returns the replayed result from the enclosing
/// function: `let tx = start_change!(call, "addPlanGoal", &input);`.
#[macro_export]
macro_rules! start_change {
    ($call:expr, $op:literal, $input:expr) => {
        match $crate::change::start($call, $op, $input).await? {
            $crate::change::Started::Fresh(tx) => tx,
            $crate::change::Started::Replayed(done) => return Ok(done),
        }
    };
}

/// The audit record a change ends with.
pub struct Audited<'r> {
    /// What was done.
    pub action: AuditAction,
    /// The record changed: its type and id.
    pub record: (&'r str, Uuid),
    /// The fields written.
    pub fields: &'r [&'r str],
    /// Whose record it is, for the authority trail and the person's log.
    pub target: &'r Target,
}

impl Change<'_> {
    /// May the viewer do one of `actions` to a record of `target`? If not,
    /// a viewer who may `read` it is told `FORBIDDEN`; anyone else
    /// `NOT_FOUND` as `entity`, so that its existence is not revealed.
    pub fn authorise(
        &self,
        target: &Target,
        actions: &[Action],
        read: Action,
        entity: &'static str,
    ) -> AppResult<()> {
        let viewer = self.call.viewer;
        if actions.iter().any(|a| policy::allows(viewer, *a, target)) {
            Ok(())
        } else if policy::allows(viewer, read, target) {
            Err(AppError::Forbidden)
        } else {
            Err(AppError::NotFound { entity })
        }
    }

    /// Records `audited` in this change's transaction.
    pub async fn audit(&self, audited: Audited<'_>) -> AppResult<()> {
        audit::record(
            &self.txn,
            AuditEntry {
                actor_account: Some(self.actor.account_id),
                ..entry(&audited, self.call.request_id)
            },
        )
        .await
    }

    /// The end of every change: the audit record, the idempotency result
    /// and the change itself, committed together.
    pub async fn commit<D: Serialize>(self, audited: Audited<'_>, done: D) -> AppResult<D> {
        self.audit(audited).await?;
        finish(self.txn, self.key.as_ref(), done).await
    }
}
