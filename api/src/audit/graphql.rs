//! GraphQL contract for the audit trail: an authority's trail for its
//! managers, and a person's own activity log in plain words.

use async_graphql::{Context, Enum, ID, Object, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};

use super::{store, store::AuditRow, words};
use crate::paging::PageRequest;
use crate::{
    graphql::{
        context::RequestCtx,
        relay::{connection, connection_cost, decode_typed_id, encode_id},
    },
    policy::{self, Action, Target},
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A person signed in to an account.
    Account,
    /// A third-party app (API client).
    ApiClient,
    /// Closeknit itself (scheduled jobs).
    System,
}

/// Who acted.
#[derive(SimpleObject)]
pub struct AuditActor {
    pub kind: ActorKind,
    /// Global id of the account or API client.
    pub id: Option<ID>,
    pub name: Option<String>,
    /// The actor's role (lower_snake), for accounts.
    pub role: Option<String>,
    pub organisation_name: Option<String>,
}

/// One audit record: who did or read what, when, in which request.
#[derive(SimpleObject)]
pub struct AuditEvent {
    /// Position in the trail (increasing).
    pub sequence: String,
    pub occurred_at: DateTime<Utc>,
    pub actor: AuditActor,
    /// `domain.verb`, such as `young_person.read` or `session.create`.
    pub action: String,
    pub record_type: String,
    /// Global id of the record, where it has one.
    pub record_id: Option<ID>,
    /// Fields read or changed.
    pub fields: Vec<String>,
    /// Global id (YoungPerson) of the person the record is about.
    pub subject_id: Option<ID>,
    /// The person a client or worker acted for, if any.
    pub on_behalf_of_id: Option<ID>,
    /// The request id (also in the server's logs).
    pub request_id: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        let kind = match (row.actor_account_id, row.actor_client_id) {
            (Some(_), _) => ActorKind::Account,
            (None, Some(_)) => ActorKind::ApiClient,
            (None, None) => ActorKind::System,
        };
        let actor_id = row
            .actor_account_id
            .map(|id| encode_id("Account", id))
            .or_else(|| row.actor_client_id.map(|id| encode_id("ApiClient", id)));
        AuditEvent {
            sequence: row.id.to_string(),
            occurred_at: row.occurred_at,
            actor: AuditActor {
                kind,
                id: actor_id,
                name: row.actor_name,
                role: row.actor_role,
                organisation_name: row.actor_organisation,
            },
            record_id: row.record_id.map(|id| encode_id(&row.record_type, id)),
            action: row.action,
            record_type: row.record_type,
            fields: row.fields,
            subject_id: row.subject_person_id.map(|id| encode_id("YoungPerson", id)),
            on_behalf_of_id: row
                .on_behalf_of_person_id
                .map(|id| encode_id("YoungPerson", id)),
            request_id: row.request_id,
        }
    }
}

/// One line of a person's activity log.
#[derive(SimpleObject)]
pub struct ActivityEntry {
    pub occurred_at: DateTime<Utc>,
    /// What happened, in plain words: "Chris Adviser (a personal adviser at
    /// Northmoor Children's Services) looked at your profile."
    pub description: String,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// A local authority's audit trail, newest first: every write and every
    /// read of a sensitive record held by the authority (its managers only).
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A LocalAuthority id.")] local_authority_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEvent>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let authority = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ReadAuditTrail,
            &Target::local_authority(authority),
        )?;
        let scope = policy::scope(&request.viewer, Action::ReadAuditTrail);
        let rows = store::authority_trail(&request.db, &scope, authority, &page).await?;
        Ok(connection(
            &page,
            rows,
            |r| r.id.to_string(),
            AuditEvent::from,
        ))
    }

    /// Who has looked at or changed your records, and when you signed in,
    /// newest first (young people and kinship carers).
    #[graphql(complexity = "connection_cost(first, child_complexity)")]
    async fn my_activity(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ActivityEntry>> {
        let request = RequestCtx::get(ctx)?;
        let page = PageRequest::new(first, after)?;
        let viewer = request.viewer.account_viewer()?;
        policy::authorize(
            &request.viewer,
            Action::ReadActivityLog,
            &Target::person(viewer.person_id, None),
        )?;
        let scope = policy::scope(&request.viewer, Action::ReadActivityLog);
        let rows = store::person_activity(&request.db, &scope, viewer.account_id, &page).await?;
        let own = viewer.account_id;
        let described = rows
            .into_iter()
            .map(|r| Ok((words::describe(&r, own)?, r)))
            .collect::<crate::error::AppResult<Vec<_>>>()?;
        Ok(connection(
            &page,
            described,
            |(_, r)| r.id.to_string(),
            |(description, r)| ActivityEntry {
                occurred_at: r.occurred_at,
                description,
            },
        ))
    }
}
