//! Gathering the commissioner's report: who may see it (the authority's
//! managers, for every provider it commissions; a provider's managers,
//! for their own service to that authority), the period's requests with
//! what the report counts, and the command line's CSV export.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::model::{self, Report, ReportRow};
use crate::advocacy::{
    requests::{model::age_on, store as requests},
    timescales::store as clocks,
};
use crate::{
    audit::{AuditAction, AuditEntry},
    auth::viewer::Viewer,
    calendar::{self, Division},
    clock::ENGLAND,
    error::{AppError, AppResult},
    graphql::inputs::LATEST_YEAR,
    policy::{self, Action, Target},
};

/// The longest period one report covers.
const LONGEST_DAYS: i64 = 3 * 366;

/// The instants that bound the England dates `from` to `to` inclusive.
fn bounds(from: NaiveDate, to: NaiveDate) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    use chrono::Datelike;
    if to < from {
        return Err(AppError::bad_input("to", "is before from"));
    }
    if (to - from).num_days() >= LONGEST_DAYS {
        return Err(AppError::bad_input(
            "to",
            "a report covers at most three years",
        ));
    }
    if from.year() < 2000 || to.year() > LATEST_YEAR {
        return Err(AppError::bad_input("from", "is outside the years held"));
    }
    let start = |day: NaiveDate| {
        day.and_time(chrono::NaiveTime::MIN)
            .and_local_timezone(ENGLAND)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| AppError::bad_input("from", "is not a date in England"))
    };
    let after = to
        .checked_add_days(Days::new(1))
        .ok_or_else(|| AppError::bad_input("to", "is too late"))?;
    Ok((start(from)?, start(after)?))
}

/// Which providers' requests the viewer may count for `la`: every
/// provider (an empty list) for the authority's managers, their own for
/// a provider's managers.
fn providers_for(viewer: &Viewer, la: Uuid) -> AppResult<Vec<Uuid>> {
    // Signed in first: UNAUTHENTICATED before anything else.
    viewer.account_viewer()?;
    if policy::allows(
        viewer,
        Action::ReadAdvocacyStatus,
        &Target::local_authority(la),
    ) {
        return Ok(Vec::new());
    }
    let own: Vec<Uuid> = policy::scope(viewer, Action::ManageAdvocacy)
        .provided
        .iter()
        .filter(|(_, authority)| *authority == la)
        .map(|(provider, _)| *provider)
        .collect();
    if own.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(own)
}

/// The report for `la` from `from` to `to` (inclusive), as `viewer` may
/// see it.
pub(in crate::advocacy) async fn report_for(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    la: Uuid,
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<Report> {
    let providers = providers_for(viewer, la)?;
    gather(db, la, &providers, (from, to)).await
}

/// The report over the requests of `providers` (all, when empty).
async fn gather(
    db: &impl ConnectionTrait,
    la: Uuid,
    providers: &[Uuid],
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<Report> {
    let period = bounds(from, to)?;
    let rows = requests::submitted_between(db, la, providers, period).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut details = requests::details(db, &ids).await?;
    let mut clocks: HashMap<Uuid, _> = clocks::clocks_of(db, &ids).await?;
    let cal = calendar::store::load(db, Division::EnglandAndWales).await?;
    let local = |at: DateTime<Utc>| at.with_timezone(&ENGLAND).date_naive();
    let mut report_rows = Vec::with_capacity(rows.len());
    for row in rows {
        let d = details.remove(&row.id).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("request {} has no details", row.id))
        })?;
        let submitted_on = local(row.submitted_at);
        report_rows.push(ReportRow {
            kind: row.kind,
            referrer: row.referrer_relationship,
            state: row.state,
            subject: d.subject,
            eligibility: d.eligibility,
            communication: d.communication_needs,
            age: row.date_of_birth.map(|born| age_on(born, submitted_on)),
            decline_reason: row.decline_reason,
            outcome: row.outcome,
            submitted_on,
            first_contact_on: row.first_contact_at.map(local),
            clocks: clocks.remove(&row.id).unwrap_or_default(),
        });
    }
    Ok(model::report((from, to), &report_rows, &cal, Utc::now()))
}

/// `closeknit export advocacy`: the report for an authority named by its
/// ONS code, every provider, as CSV; audited as an export by an operator.
pub async fn export_csv(
    db: &impl ConnectionTrait,
    ons_code: &str,
    (from, to): (NaiveDate, NaiveDate),
) -> AppResult<String> {
    let code = crate::reference::model::OnsCode::parse("la", ons_code)?;
    let la = crate::reference::store::local_authority_by_code(db, &code)
        .await?
        .ok_or_else(|| AppError::bad_input("la", format!("no local authority {ons_code}")))?;
    let report = gather(db, la.id, &[], (from, to)).await?;
    crate::audit::record_many(
        db,
        &[AuditEntry {
            record_type: "LocalAuthority",
            record_id: Some(la.id),
            fields: &["advocacyCommissionerReport"],
            local_authority: Some(la.id),
            ..AuditEntry::new(AuditAction::AdvocacyReport, "cli")
        }],
    )
    .await?;
    Ok(report.csv())
}
