//! GraphQL for the commissioner's report.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;

use super::{
    model::{self, Count, SUPPRESS_BELOW, TimescaleFigures},
    service,
};
use crate::advocacy::timescales::model::Timescale;
use crate::{
    audit::AuditAction,
    graphql::{
        context::RequestCtx,
        reads::{self, Read},
        relay::{decode_typed_id, encode_id},
    },
};

/// How many requests had a value (the code, as in the CSV export).
#[derive(SimpleObject)]
pub struct AdvocacyReportCount {
    pub code: String,
    /// Null when withheld: a count of what requests say (subject,
    /// eligibility, communication, outcome) from 1 to 4.
    pub count: Option<i64>,
}

fn counts(list: Vec<Count>) -> Vec<AdvocacyReportCount> {
    list.into_iter()
        .map(|c| AdvocacyReportCount {
            code: c.code,
            count: c.count.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        })
        .collect()
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// How a timescale went for the period's requests.
#[derive(SimpleObject)]
pub struct AdvocacyTimescaleFigures {
    pub timescale: Timescale,
    pub met: i64,
    pub breached: i64,
    /// Still running.
    pub open: i64,
    /// Met, of those met or breached, per cent to one place.
    pub percent_met: Option<f64>,
}

impl From<TimescaleFigures> for AdvocacyTimescaleFigures {
    fn from(t: TimescaleFigures) -> Self {
        AdvocacyTimescaleFigures {
            timescale: t.timescale,
            met: int(t.met),
            breached: int(t.breached),
            open: int(t.open),
            percent_met: t.percent_met,
        }
    }
}

/// What the advocacy service did for an authority over a period.
#[derive(SimpleObject)]
pub struct AdvocacyCommissionerReport {
    pub local_authority_id: ID,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Requests made in the period.
    pub requests: i64,
    pub by_kind: Vec<AdvocacyReportCount>,
    /// Who referred (the young person themselves, a social worker, ...).
    pub by_referrer: Vec<AdvocacyReportCount>,
    pub by_subject: Vec<AdvocacyReportCount>,
    pub by_eligibility_group: Vec<AdvocacyReportCount>,
    /// By age when the request was made (0-4, 5-10, 11-15, 16-17, 18-25).
    pub by_age_band: Vec<AdvocacyReportCount>,
    pub by_communication_need: Vec<AdvocacyReportCount>,
    pub timescales: Vec<AdvocacyTimescaleFigures>,
    /// Working days from request to first contact, the median.
    pub median_working_days_to_first_contact: Option<f64>,
    pub outcomes: Vec<AdvocacyReportCount>,
    /// Declined at triage, by reason.
    pub declined: Vec<AdvocacyReportCount>,
    pub withdrawn: i64,
    /// Counts of content below this are withheld.
    pub withheld_below: i32,
    /// The report as CSV (`section,code,value`), as the export writes it.
    pub csv: String,
}

#[derive(Default)]
pub(in crate::advocacy) struct ReportingQuery;

#[Object]
impl ReportingQuery {
    /// The commissioner's report for an authority, over requests made
    /// from `from` to `to` inclusive (at most three years): the
    /// authority's managers see every provider it commissions, a
    /// provider's managers their own service. Never what one request
    /// says: small counts of content are withheld.
    async fn advocacy_commissioner_report(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        from: NaiveDate,
        to: NaiveDate,
    ) -> async_graphql::Result<AdvocacyCommissionerReport> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        let report = service::report_for(&request.db, &request.viewer, la, (from, to)).await?;
        let read = Read {
            id: la,
            person: None,
            local_authority: Some(la),
            fields: &["advocacyCommissionerReport"],
        };
        reads::record(
            request,
            AuditAction::AdvocacyReport,
            "LocalAuthority",
            [read],
        )
        .await?;
        let csv = report.csv();
        let model::Report {
            from,
            to,
            requests,
            by_kind,
            by_referrer,
            by_subject,
            by_eligibility,
            by_age_band,
            by_communication_need,
            timescales,
            median_working_days_to_first_contact,
            outcomes,
            declined,
            withdrawn,
        } = report;
        Ok(AdvocacyCommissionerReport {
            local_authority_id: encode_id("LocalAuthority", la),
            from,
            to,
            requests: int(requests),
            by_kind: counts(by_kind),
            by_referrer: counts(by_referrer),
            by_subject: counts(by_subject),
            by_eligibility_group: counts(by_eligibility),
            by_age_band: counts(by_age_band),
            by_communication_need: counts(by_communication_need),
            timescales: timescales.into_iter().map(Into::into).collect(),
            median_working_days_to_first_contact,
            outcomes: counts(outcomes),
            declined: counts(declined),
            withdrawn: int(withdrawn),
            withheld_below: i32::try_from(SUPPRESS_BELOW).unwrap_or(5),
            csv,
        })
    }
}
