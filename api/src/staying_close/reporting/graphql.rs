//! GraphQL for the national framework indicators and the OC3 return.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use uuid::Uuid;

use super::service;
use crate::audit::AuditAction;
use crate::clock::today;
use crate::graphql::reads::{self, Read};
use crate::{
    error::AppResult,
    graphql::{context::RequestCtx, relay::decode_typed_id},
    policy::{self, Action, Target},
};

#[derive(SimpleObject)]
struct IndicatorMeasure {
    pub count: i64,
    /// Of the cohort, to one decimal place.
    pub percent: f64,
}

impl From<service::Measure> for IndicatorMeasure {
    fn from(m: service::Measure) -> Self {
        IndicatorMeasure {
            count: m.count,
            percent: m.percent,
        }
    }
}

/// The national framework indicators for care leavers aged 17-21.
#[derive(SimpleObject)]
struct CareLeaverIndicators {
    pub on: NaiveDate,
    /// Care leavers aged 17-21 on the date who had left care by then.
    pub cohort: i64,
    pub in_touch: IndicatorMeasure,
    pub in_education_employment_or_training: IndicatorMeasure,
    pub in_suitable_accommodation: IndicatorMeasure,
}

#[derive(SimpleObject)]
struct Oc3Row {
    /// CHILD: the SSDA903 child identifier.
    pub child: String,
    /// DOB, dd/mm/yyyy.
    pub dob: String,
    pub in_touch: String,
    pub activ: String,
    pub accom: String,
}

#[derive(SimpleObject)]
struct Oc3RuleBreak {
    pub child: String,
    /// The rule's id (see `docs/oc3.md`).
    pub rule: String,
    pub reason: String,
}

/// The SSDA903 OC3 care leaver table for a collection year.
#[derive(SimpleObject)]
struct Oc3Return {
    /// The year the collection ends (2026 = 1 April 2025 to 31 March 2026).
    pub year: i32,
    pub rows: Vec<Oc3Row>,
    /// The table as DfE's CSV (CHILD,DOB,IN_TOUCH,ACTIV,ACCOM).
    pub csv: String,
    /// Rows that break a rule, with the rule and the reason.
    pub rule_breaks: Vec<Oc3RuleBreak>,
}

async fn audit_report(
    ctx: &Context<'_>,
    action: AuditAction,
    la: Uuid,
    fields: &[&str],
) -> AppResult<()> {
    let read = Read {
        id: la,
        person: None,
        local_authority: Some(la),
        fields,
    };
    reads::record(RequestCtx::get(ctx)?, action, "LocalAuthority", [read]).await
}

#[derive(Default)]
pub struct StayingCloseReportsQuery;

#[Object]
impl StayingCloseReportsQuery {
    /// Care leavers aged 17-21 in touch, in education, employment or
    /// training, and in suitable accommodation, for an authority on a date
    /// (today by default). Managers of the authority and API clients with
    /// `dashboard:read`.
    async fn care_leaver_indicators(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        on: Option<NaiveDate>,
    ) -> async_graphql::Result<CareLeaverIndicators> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ReadDashboard,
            &Target::local_authority(la),
        )?;
        let on = on.unwrap_or_else(today);
        let figures = service::indicators(&request.db, la, on).await?;
        audit_report(
            ctx,
            AuditAction::ReportIndicators,
            la,
            &["careLeaverIndicators"],
        )
        .await?;
        Ok(CareLeaverIndicators {
            on: figures.on,
            cohort: figures.cohort,
            in_touch: figures.in_touch.into(),
            in_education_employment_or_training: figures.in_education_employment_or_training.into(),
            in_suitable_accommodation: figures.in_suitable_accommodation.into(),
        })
    }

    /// The SSDA903 OC3 table for an authority and collection year, with
    /// the DfE cross-field rules applied (managers of the authority).
    async fn oc3_return(
        &self,
        ctx: &Context<'_>,
        local_authority_id: ID,
        year: i32,
    ) -> async_graphql::Result<Oc3Return> {
        let request = RequestCtx::get(ctx)?;
        let la = decode_typed_id("localAuthorityId", &local_authority_id, "LocalAuthority")?;
        policy::authorize(
            &request.viewer,
            Action::ReadCareLeaverReturns,
            &Target::local_authority(la),
        )?;
        let table = service::oc3(&request.db, la, year).await?;
        let by = reads::by(request, AuditAction::ReportOc3);
        request
            .reads
            .record(&service::oc3_audit(&by, la, &table.rows))
            .await?;
        Ok(Oc3Return {
            year: table.year,
            csv: service::oc3_csv(&table.rows),
            rows: table
                .rows
                .into_iter()
                .map(|r| Oc3Row {
                    child: r.child,
                    dob: r.dob,
                    in_touch: r.in_touch,
                    activ: r.activ,
                    accom: r.accom,
                })
                .collect(),
            rule_breaks: table
                .breaks
                .into_iter()
                .map(|b| Oc3RuleBreak {
                    child: b.child,
                    rule: b.rule.to_string(),
                    reason: b.reason,
                })
                .collect(),
        })
    }
}
