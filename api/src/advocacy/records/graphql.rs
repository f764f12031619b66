//! GraphQL for records: the mutations that add them, and the types a
//! request's `records` connection shows (written for the app, not the
//! table). The young person sees what their advocate recorded with or
//! about them, without the people consulted (other people's words).

use std::collections::HashMap;

use async_graphql::{
    Context, ID, InputObject, Interface, Object, SimpleObject, connection::Connection,
};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{
    model::{
        Body, Consulted, Contact, ContactHow, Contentment, Meeting, Observations, Outcome,
        RecordType, Representation, Visit, VisitApproach,
    },
    service::{self, RecordInput, Recorded},
    store::{self, RecordRow},
};
use crate::advocacy::{
    access::{At, Reach},
    requests::{graphql::request_at, object::AdvocacyRequest, reads, store::RequestRow},
};
use crate::{
    audit::AuditAction,
    error::AppResult,
    graphql::{
        context::RequestCtx,
        reads::{self as audit_reads, Read},
        relay::{connection, decode_typed_id, encode_id},
    },
    paging::{DatedKey, PageRequest},
};

/// Someone the advocate spoke to about the child, and what they said.
#[derive(SimpleObject, Clone)]
#[graphql(name = "AdvocacyPersonConsulted")]
pub struct PersonConsulted {
    pub name: String,
    pub role: String,
    pub what_they_said: String,
}

/// A non-instructed visit or observation.
#[derive(SimpleObject)]
pub struct AdvocacyVisitRecord {
    pub id: ID,
    pub record_type: RecordType,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub approach: VisitApproach,
    pub minutes_spent: i32,
    /// How the child communicated and responded.
    pub how_they_communicated: Option<String>,
    /// Whether the child seemed content with the advocate being there.
    pub content_with_advocate: Contentment,
    pub setting: Option<String>,
    pub what_life_is_like: Option<String>,
    pub what_is_important: Option<String>,
    pub wishes_and_feelings: Option<String>,
    pub rights: Option<String>,
    pub treated_fairly: Option<String>,
    pub involvement_in_decisions: Option<String>,
    pub who_was_present: Option<String>,
    pub what_was_observed: Option<String>,
    /// The people the advocate spoke to about the child: other people's
    /// words, null for the young person.
    pub people_consulted: Option<Vec<PersonConsulted>>,
}

/// A contact or meeting with a young person who instructs.
#[derive(SimpleObject)]
pub struct AdvocacyContactRecord {
    pub id: ID,
    pub record_type: RecordType,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub how: ContactHow,
    /// What the young person said, in their words.
    pub in_their_words: String,
    pub what_they_want: Option<String>,
}

/// Something the advocate raised on the child's behalf.
#[derive(SimpleObject)]
pub struct AdvocacyRepresentationRecord {
    pub id: ID,
    pub record_type: RecordType,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub to_whom: String,
    pub role: String,
    pub what_was_raised: String,
    pub response: Option<String>,
}

/// A meeting the advocate attended.
#[derive(SimpleObject)]
pub struct AdvocacyMeetingRecord {
    pub id: ID,
    pub record_type: RecordType,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub meeting: String,
    pub who_attended: String,
    pub what_happened: String,
}

/// What changed for the child.
#[derive(SimpleObject)]
pub struct AdvocacyOutcomeRecord {
    pub id: ID,
    pub record_type: RecordType,
    pub occurred_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub what_changed: String,
}

/// Something an advocate recorded on a request. Records are added, never
/// changed: `updatedAt` is when it was recorded.
// The interface's fields share a type, which clippy reads as a repeated
// attribute.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "&ID"),
    field(name = "record_type", ty = "&RecordType"),
    field(name = "occurred_on", ty = "&NaiveDate", desc = "The day it happened."),
    field(name = "recorded_at", ty = "&DateTime<Utc>"),
    field(name = "updated_at", ty = "&DateTime<Utc>")
)]
pub enum AdvocacyRecord {
    Visit(AdvocacyVisitRecord),
    Contact(AdvocacyContactRecord),
    Representation(AdvocacyRepresentationRecord),
    Meeting(AdvocacyMeetingRecord),
    Outcome(AdvocacyOutcomeRecord),
}

impl AdvocacyRecord {
    /// `row`, with the people consulted on it for those who see them.
    fn seen(row: RecordRow, consulted: Option<Vec<Consulted>>) -> Self {
        let id = encode_id("AdvocacyRecord", row.id);
        let record_type = row.body.record_type();
        let (occurred_on, recorded_at) = (row.occurred_on, row.recorded_at);
        macro_rules! head {
            ($ty:ident { $($rest:tt)* }) => {
                $ty {
                    id,
                    record_type,
                    occurred_on,
                    recorded_at,
                    updated_at: recorded_at,
                    $($rest)*
                }
            };
        }
        match row.body {
            Body::Visit(v) => {
                let o = v.observations;
                AdvocacyRecord::Visit(head!(AdvocacyVisitRecord {
                    approach: v.approach,
                    minutes_spent: v.minutes,
                    how_they_communicated: v.communication,
                    content_with_advocate: v.content_with_advocate,
                    setting: o.setting,
                    what_life_is_like: o.what_life_is_like,
                    what_is_important: o.what_is_important,
                    wishes_and_feelings: o.wishes_and_feelings,
                    rights: o.rights,
                    treated_fairly: o.treated_fairly,
                    involvement_in_decisions: o.involvement,
                    who_was_present: o.who_was_present,
                    what_was_observed: o.what_was_observed,
                    people_consulted: consulted.map(|people| {
                        people
                            .into_iter()
                            .map(|p| PersonConsulted {
                                name: p.name,
                                role: p.role,
                                what_they_said: p.what_they_said,
                            })
                            .collect()
                    }),
                }))
            }
            Body::Contact(c) => AdvocacyRecord::Contact(head!(AdvocacyContactRecord {
                how: c.how,
                in_their_words: c.in_their_words,
                what_they_want: c.what_they_want,
            })),
            Body::Representation(r) => {
                AdvocacyRecord::Representation(head!(AdvocacyRepresentationRecord {
                    to_whom: r.to_whom,
                    role: r.role,
                    what_was_raised: r.what_was_raised,
                    response: r.response,
                }))
            }
            Body::Meeting(m) => AdvocacyRecord::Meeting(head!(AdvocacyMeetingRecord {
                meeting: m.meeting,
                who_attended: m.who_attended,
                what_happened: m.what_happened,
            })),
            Body::Outcome(o) => AdvocacyRecord::Outcome(head!(AdvocacyOutcomeRecord {
                what_changed: o.what_changed,
            })),
        }
    }
}

fn record_key(r: &RecordRow) -> String {
    DatedKey {
        on: r.occurred_on,
        id: r.id,
    }
    .to_string()
}

/// Records that the viewer read `shown` of `request` (the fields selected
/// under `path`; the people consulted only where they were released) and
/// returns them as the viewer sees them.
async fn released(
    ctx: &Context<'_>,
    request: &RequestRow,
    reach: Reach,
    shown: &[RecordRow],
    path: &[&str],
) -> AppResult<HashMap<Uuid, Vec<Consulted>>> {
    let call = RequestCtx::get(ctx)?;
    let everything = reach == Reach::Content;
    let mut fields = Vec::new();
    audit_reads::selected(ctx.field(), path, &mut fields);
    if !everything {
        fields.retain(|f| f != "peopleConsulted");
    }
    let names = audit_reads::names(&fields);
    audit_reads::record(
        call,
        AuditAction::AdvocacyRecordRead,
        "AdvocacyRecord",
        shown.iter().map(|r| Read {
            id: r.id,
            person: Some(request.person_id),
            local_authority: Some(request.local_authority_id),
            fields: &names,
        }),
    )
    .await?;
    if !everything || shown.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<Uuid> = shown.iter().map(|r| r.id).collect();
    store::consulted(&call.db, &ids).await
}

/// A record as a viewer with `reach` sees it.
fn shown_as(
    row: RecordRow,
    reach: Reach,
    consulted: &HashMap<Uuid, Vec<Consulted>>,
) -> AdvocacyRecord {
    let people =
        (reach == Reach::Content).then(|| consulted.get(&row.id).cloned().unwrap_or_default());
    AdvocacyRecord::seen(row, people)
}

/// A request's records, newest first, for a viewer who sees its content
/// (null below that); each record shown is audited with the fields
/// selected. The young person's view leaves out the people consulted.
pub(in crate::advocacy) async fn records_of(
    ctx: &Context<'_>,
    request: &RequestRow,
    reach: Reach,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Option<Connection<String, AdvocacyRecord>>> {
    if !reach.content() {
        return Ok(None);
    }
    let call = RequestCtx::get(ctx)?;
    let page = PageRequest::new(first, after)?;
    let rows = store::page(&call.db, request.id, &page).await?;
    let consulted = released(ctx, request, reach, page.shown(&rows), &["edges", "node"]).await?;
    Ok(Some(connection(&page, rows, record_key, |r| {
        shown_as(r, reach, &consulted)
    })))
}

/// What adding a record returns: the record and the request as the viewer
/// now sees them.
#[derive(SimpleObject)]
pub struct AdvocacyRecordPayload {
    pub client_mutation_id: Option<String>,
    pub record: Option<AdvocacyRecord>,
    pub request: Option<AdvocacyRequest>,
}

async fn payload(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    done: Recorded,
) -> async_graphql::Result<AdvocacyRecordPayload> {
    Ok(AdvocacyRecordPayload {
        client_mutation_id,
        record: record_at(ctx, done.record_id, &["record"]).await?,
        request: request_at(ctx, done.request_id, &["request"]).await?,
    })
}

/// One record, if the viewer sees its request's content (audited with the
/// fields selected under `path`); `None` otherwise, as if it did not
/// exist. For payloads and `node`.
pub(in crate::advocacy) async fn record_at(
    ctx: &Context<'_>,
    id: Uuid,
    path: &[&str],
) -> AppResult<Option<AdvocacyRecord>> {
    let call = RequestCtx::get(ctx)?;
    let Some(row) = store::record(&call.db, id).await? else {
        return Ok(None);
    };
    match reads::one(&call.db, &call.viewer, row.request_id).await? {
        Some((request, reach)) if reach.content() => {
            let consulted =
                released(ctx, &request, reach, std::slice::from_ref(&row), path).await?;
            Ok(Some(shown_as(row, reach, &consulted)))
        }
        _ => Ok(None),
    }
}

/// Someone consulted on a visit.
#[derive(InputObject)]
#[graphql(name = "AdvocacyPersonConsultedInput")]
pub struct PersonConsultedInput {
    pub name: String,
    pub role: String,
    pub what_they_said: String,
}

#[derive(InputObject)]
pub struct RecordAdvocacyVisitInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    /// Checked when given; a record may leave it out.
    pub expected_version: Option<i32>,
    /// The day of the visit (not in the future).
    pub occurred_on: NaiveDate,
    /// Where the visit took place (required for witness/observer).
    pub setting: Option<String>,
    /// 1 to 1440.
    pub minutes_spent: i32,
    pub approach: VisitApproach,
    /// How the child communicated and responded.
    pub how_they_communicated: Option<String>,
    /// Whether the child seemed content with the advocate being there.
    pub content_with_advocate: Contentment,
    #[graphql(default)]
    pub people_consulted: Vec<PersonConsultedInput>,
    /// What life is like for this child (watching brief).
    pub what_life_is_like: Option<String>,
    /// What is important to them (watching brief, person-centred).
    pub what_is_important: Option<String>,
    /// What their wishes and feelings might be (watching brief, person-centred).
    pub wishes_and_feelings: Option<String>,
    /// What their rights are (watching brief, rights-based).
    pub rights: Option<String>,
    /// Whether they are treated fairly (watching brief, rights-based).
    pub treated_fairly: Option<String>,
    /// How their involvement in decisions could increase (watching brief).
    pub involvement_in_decisions: Option<String>,
    /// Who was present (witness/observer).
    pub who_was_present: Option<String>,
    /// What was observed (witness/observer).
    pub what_was_observed: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAdvocacyContactInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub occurred_on: NaiveDate,
    pub how: ContactHow,
    /// What the young person said, in their words.
    pub in_their_words: String,
    /// What they want to happen.
    pub what_they_want: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAdvocacyRepresentationInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub occurred_on: NaiveDate,
    /// Who it was raised with (a name).
    pub to_whom: String,
    /// Their role.
    pub role: String,
    pub what_was_raised: String,
    /// Their response, once there is one.
    pub response: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAdvocacyMeetingInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub occurred_on: NaiveDate,
    /// What meeting it was (a looked-after review, a conference).
    pub meeting: String,
    pub who_attended: String,
    pub what_happened: String,
}

#[derive(InputObject)]
pub struct RecordAdvocacyOutcomeInput {
    pub client_mutation_id: Option<String>,
    pub request_id: ID,
    pub expected_version: Option<i32>,
    pub occurred_on: NaiveDate,
    /// What changed for the child.
    pub what_changed: String,
}

async fn add(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    (request_id, expected_version): (&ID, Option<i32>),
    occurred_on: NaiveDate,
    body: Body,
) -> async_graphql::Result<AdvocacyRecordPayload> {
    let call = RequestCtx::get(ctx)?;
    let done = service::record(
        &call.call(client_mutation_id.as_deref()),
        RecordInput {
            at: At {
                request: decode_typed_id("requestId", request_id, "AdvocacyRequest")?,
                expected_version,
            },
            occurred_on,
            body,
        },
    )
    .await?;
    payload(ctx, client_mutation_id, done).await
}

#[derive(Default)]
pub(in crate::advocacy) struct AdvocacyRecordsMutation;

#[Object]
impl AdvocacyRecordsMutation {
    /// The advocate records a non-instructed visit or observation, with
    /// the answers its approach asks for.
    async fn record_advocacy_visit(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacyVisitInput,
    ) -> async_graphql::Result<AdvocacyRecordPayload> {
        let body = Body::Visit(Visit {
            minutes: input.minutes_spent,
            approach: input.approach,
            communication: input.how_they_communicated,
            content_with_advocate: input.content_with_advocate,
            observations: Observations {
                setting: input.setting,
                what_life_is_like: input.what_life_is_like,
                what_is_important: input.what_is_important,
                wishes_and_feelings: input.wishes_and_feelings,
                rights: input.rights,
                treated_fairly: input.treated_fairly,
                involvement: input.involvement_in_decisions,
                who_was_present: input.who_was_present,
                what_was_observed: input.what_was_observed,
            },
            people_consulted: input
                .people_consulted
                .into_iter()
                .map(|p| Consulted {
                    name: p.name,
                    role: p.role,
                    what_they_said: p.what_they_said,
                })
                .collect(),
        });
        let at = (&input.request_id, input.expected_version);
        add(ctx, input.client_mutation_id, at, input.occurred_on, body).await
    }

    /// The advocate records a contact or meeting with a young person who
    /// instructs: what they said and what they want to happen.
    async fn record_advocacy_contact(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacyContactInput,
    ) -> async_graphql::Result<AdvocacyRecordPayload> {
        let body = Body::Contact(Contact {
            how: input.how,
            in_their_words: input.in_their_words,
            what_they_want: input.what_they_want,
        });
        let at = (&input.request_id, input.expected_version);
        add(ctx, input.client_mutation_id, at, input.occurred_on, body).await
    }

    /// The advocate records what they raised on the child's behalf, with
    /// whom, and the response (instructed or not).
    async fn record_advocacy_representation(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacyRepresentationInput,
    ) -> async_graphql::Result<AdvocacyRecordPayload> {
        let body = Body::Representation(Representation {
            to_whom: input.to_whom,
            role: input.role,
            what_was_raised: input.what_was_raised,
            response: input.response,
        });
        let at = (&input.request_id, input.expected_version);
        add(ctx, input.client_mutation_id, at, input.occurred_on, body).await
    }

    /// The advocate records a meeting they attended for the child.
    async fn record_advocacy_meeting(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacyMeetingInput,
    ) -> async_graphql::Result<AdvocacyRecordPayload> {
        let body = Body::Meeting(Meeting {
            meeting: input.meeting,
            who_attended: input.who_attended,
            what_happened: input.what_happened,
        });
        let at = (&input.request_id, input.expected_version);
        add(ctx, input.client_mutation_id, at, input.occurred_on, body).await
    }

    /// The advocate records what changed for the child.
    async fn record_advocacy_outcome(
        &self,
        ctx: &Context<'_>,
        input: RecordAdvocacyOutcomeInput,
    ) -> async_graphql::Result<AdvocacyRecordPayload> {
        let body = Body::Outcome(Outcome {
            what_changed: input.what_changed,
        });
        let at = (&input.request_id, input.expected_version);
        add(ctx, input.client_mutation_id, at, input.occurred_on, body).await
    }
}
