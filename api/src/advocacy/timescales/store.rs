//! SQL for contract terms (`advocacy_contract_terms` and their lengths in
//! `advocacy_contract_timescales`) and requests' clocks
//! (`advocacy_request_timescales`, one row a request a timescale).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{Clock, Length, Rule, Terms, Timescale, TimescaleUnit};
use crate::advocacy::requests::model::{AdvocacyKind, Urgency};
use crate::{
    db::claim::Claim,
    db::raw::{exec, query},
    db::rows::{all, first, get, grouped, minute_of_day, time_at_minute},
    error::{AppError, AppResult},
};

/// Stored for a rule that matches any kind or urgency.
const ANY: &str = "any";

/// Terms a contract recorded, with their version.
#[derive(Debug, Clone)]
pub struct StoredTerms {
    pub terms: Terms,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn rule_row(r: &QueryResult) -> AppResult<Rule> {
    let kind: String = get(r, "kind")?;
    let urgency: String = get(r, "urgency")?;
    Ok(Rule {
        timescale: Timescale::parse(&get::<String>(r, "timescale")?)?,
        kind: (kind != ANY)
            .then(|| AdvocacyKind::parse(&kind))
            .transpose()?,
        urgency: (urgency != ANY)
            .then(|| Urgency::parse(&urgency))
            .transpose()?,
        length: length_row(r)?,
    })
}

fn length_row(r: &QueryResult) -> AppResult<Length> {
    let amount: i32 = get(r, "amount")?;
    Ok(Length {
        amount: u32::try_from(amount)
            .map_err(|_| AppError::internal(anyhow::anyhow!("negative timescale {amount}")))?,
        unit: TimescaleUnit::parse(&get::<String>(r, "unit")?)?,
    })
}

/// The terms recorded for a contract, if any (two statements).
pub async fn terms(
    db: &impl ConnectionTrait,
    la: Uuid,
    provider: Uuid,
) -> AppResult<Option<StoredTerms>> {
    let head = query(
        db,
        "SELECT day_start_minute, day_end_minute, time_zone, at_risk_percent, version, \
         updated_at FROM advocacy_contract_terms \
         WHERE local_authority_id = $1 AND provider_id = $2",
        vec![la.into(), provider.into()],
    )
    .await?;
    let Some(head) = head.first() else {
        return Ok(None);
    };
    let rules = all(
        query(
            db,
            "SELECT timescale, kind, urgency, amount, unit FROM advocacy_contract_timescales \
             WHERE local_authority_id = $1 AND provider_id = $2 \
             ORDER BY timescale, kind, urgency",
            vec![la.into(), provider.into()],
        )
        .await?,
        rule_row,
    )?;
    let zone: String = get(head, "time_zone")?;
    let percent: i32 = get(head, "at_risk_percent")?;
    let terms = Terms::checked(
        time_at_minute(get(head, "day_start_minute")?)?,
        time_at_minute(get(head, "day_end_minute")?)?,
        &zone,
        u32::try_from(percent).unwrap_or(0),
        rules,
    )
    .map_err(|err| {
        AppError::internal(anyhow::anyhow!(
            "stored advocacy contract terms are invalid: {err:?}"
        ))
    })?;
    Ok(Some(StoredTerms {
        terms,
        version: get(head, "version")?,
        updated_at: get(head, "updated_at")?,
    }))
}

/// Records a contract's terms as version `version` (1 for the first),
/// replacing every length. `false` when another change got there first.
pub async fn save_terms(
    db: &impl ConnectionTrait,
    (la, provider): (Uuid, Uuid),
    terms: &Terms,
    version: i32,
    by: Uuid,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let params = vec![
        la.into(),
        provider.into(),
        minute_of_day(terms.hours.start()).into(),
        minute_of_day(terms.hours.end()).into(),
        terms.hours.zone().name().into(),
        i32::try_from(terms.at_risk_percent).unwrap_or(75).into(),
        version.into(),
        at.into(),
        by.into(),
    ];
    let saved = if version == 1 {
        exec(
            db,
            "INSERT INTO advocacy_contract_terms (local_authority_id, provider_id, \
             day_start_minute, day_end_minute, time_zone, at_risk_percent, version, updated_at, \
             updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (local_authority_id, provider_id) DO NOTHING",
            params,
        )
        .await?
    } else {
        exec(
            db,
            "UPDATE advocacy_contract_terms SET day_start_minute = $3, day_end_minute = $4, \
             time_zone = $5, at_risk_percent = $6, version = $7, updated_at = $8, \
             updated_by = $9 \
             WHERE local_authority_id = $1 AND provider_id = $2 AND version = $7 - 1",
            params,
        )
        .await?
    };
    if saved.rows_affected() != 1 {
        return Ok(false);
    }
    exec(
        db,
        "DELETE FROM advocacy_contract_timescales \
         WHERE local_authority_id = $1 AND provider_id = $2",
        vec![la.into(), provider.into()],
    )
    .await?;
    for rule in &terms.rules {
        exec(
            db,
            "INSERT INTO advocacy_contract_timescales (local_authority_id, provider_id, \
             timescale, kind, urgency, amount, unit) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                la.into(),
                provider.into(),
                rule.timescale.as_str().into(),
                rule.kind.map_or(ANY, |k| k.as_str()).into(),
                rule.urgency.map_or(ANY, |u| u.as_str()).into(),
                i32::try_from(rule.length.amount).unwrap_or(i32::MAX).into(),
                rule.length.unit.as_str().into(),
            ],
        )
        .await?;
    }
    Ok(true)
}

const CLOCK_COLUMNS: &str = "SELECT request_id, timescale, amount, unit, started_at, at_risk_at, \
     due_at, provisional, met_at, stopped_at FROM advocacy_request_timescales";

fn clock_row(r: &QueryResult) -> AppResult<(Uuid, Clock)> {
    Ok((
        get(r, "request_id")?,
        Clock {
            timescale: Timescale::parse(&get::<String>(r, "timescale")?)?,
            length: length_row(r)?,
            started_at: get(r, "started_at")?,
            at_risk_at: get(r, "at_risk_at")?,
            due_at: get(r, "due_at")?,
            provisional: get(r, "provisional")?,
            met_at: get(r, "met_at")?,
            stopped_at: get(r, "stopped_at")?,
        },
    ))
}

/// The clocks of these requests (one statement per 500), by request, in
/// timescale order.
pub async fn clocks_of(
    db: &impl ConnectionTrait,
    requests: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Clock>>> {
    let grouped = grouped(
        db,
        CLOCK_COLUMNS,
        "request_id",
        "",
        "request_id, started_at, timescale",
        requests,
        clock_row,
        |(id, _)| *id,
    )
    .await?;
    Ok(grouped
        .into_iter()
        .map(|(id, rows)| (id, rows.into_iter().map(|(_, c)| c).collect()))
        .collect())
}

/// One clock of a request.
pub async fn clock(
    db: &impl ConnectionTrait,
    request: Uuid,
    timescale: Timescale,
) -> AppResult<Option<Clock>> {
    let rows = query(
        db,
        &format!("{CLOCK_COLUMNS} WHERE request_id = $1 AND timescale = $2"),
        vec![request.into(), timescale.as_str().into()],
    )
    .await?;
    Ok(first(rows, clock_row)?.map(|(_, c)| c))
}

/// Starts (or restarts) a clock: what was told about an earlier run is
/// forgotten, so the new run's notices go once each.
pub async fn put(db: &impl ConnectionTrait, request: Uuid, clock: &Clock) -> AppResult<()> {
    exec(
        db,
        "INSERT INTO advocacy_request_timescales (request_id, timescale, amount, unit, \
         started_at, at_risk_at, due_at, provisional, met_at, stopped_at, at_risk_told_at, \
         breached_told_at, due_soon_at, due_soon_told_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, NULL) \
         ON CONFLICT (request_id, timescale) DO UPDATE SET amount = excluded.amount, \
         unit = excluded.unit, started_at = excluded.started_at, \
         at_risk_at = excluded.at_risk_at, due_at = excluded.due_at, \
         provisional = excluded.provisional, met_at = excluded.met_at, \
         stopped_at = excluded.stopped_at, at_risk_told_at = NULL, breached_told_at = NULL, \
         due_soon_at = NULL, due_soon_told_at = NULL",
        vec![
            request.into(),
            clock.timescale.as_str().into(),
            i32::try_from(clock.length.amount)
                .unwrap_or(i32::MAX)
                .into(),
            clock.length.unit.as_str().into(),
            clock.started_at.into(),
            clock.at_risk_at.into(),
            clock.due_at.into(),
            clock.provisional.into(),
            clock.met_at.into(),
            clock.stopped_at.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Marks a running clock met at `at`.
pub async fn meet(
    db: &impl ConnectionTrait,
    request: Uuid,
    timescale: Timescale,
    at: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE advocacy_request_timescales SET met_at = $3 \
         WHERE request_id = $1 AND timescale = $2 AND met_at IS NULL AND stopped_at IS NULL",
        vec![request.into(), timescale.as_str().into(), at.into()],
    )
    .await?;
    Ok(())
}

/// Stops every running clock of a request.
pub async fn stop_all(
    db: &impl ConnectionTrait,
    request: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE advocacy_request_timescales SET stopped_at = $2 \
         WHERE request_id = $1 AND met_at IS NULL AND stopped_at IS NULL",
        vec![request.into(), at.into()],
    )
    .await?;
    Ok(())
}

/// When the advocate hears that a running clock is nearly due (`None`:
/// not at all); setting it again tells again (a new advocate).
pub async fn set_due_soon(
    db: &impl ConnectionTrait,
    request: Uuid,
    timescale: Timescale,
    at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE advocacy_request_timescales SET due_soon_at = $3, due_soon_told_at = NULL \
         WHERE request_id = $1 AND timescale = $2 AND met_at IS NULL AND stopped_at IS NULL",
        vec![request.into(), timescale.as_str().into(), at.into()],
    )
    .await?;
    Ok(())
}

/// Marks every alarm of a request's clocks that went off by `now` as
/// told (data loaded with a history: the demo's requests, whose managers
/// would have heard at the time).
pub async fn told_until(
    db: &impl ConnectionTrait,
    request: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    exec(
        db,
        "UPDATE advocacy_request_timescales SET \
         at_risk_told_at = CASE WHEN at_risk_at <= $2 THEN $2 ELSE at_risk_told_at END, \
         breached_told_at = CASE WHEN due_at < $2 THEN $2 ELSE breached_told_at END, \
         due_soon_told_at = CASE WHEN due_soon_at <= $2 THEN $2 ELSE due_soon_told_at END \
         WHERE request_id = $1",
        vec![request.into(), now.into()],
    )
    .await?;
    Ok(())
}

/// What the watcher tells about a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// Passed its at-risk share (the provider's managers).
    AtRisk,
    /// Passed its due time unmet (the provider's managers).
    Breached,
    /// Due on the next working day (the advocate).
    DueSoon,
}

impl Alarm {
    /// (the instant that sets it off, when it was told, what else a claim
    /// marks as told: a breach told first makes its at-risk notice moot).
    fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Alarm::AtRisk => ("at_risk_at", "at_risk_told_at", ""),
            Alarm::Breached => (
                "due_at",
                "breached_told_at",
                ", at_risk_told_at = COALESCE(at_risk_told_at, $1), \
                 due_soon_told_at = COALESCE(due_soon_told_at, $1)",
            ),
            Alarm::DueSoon => ("due_soon_at", "due_soon_told_at", ""),
        }
    }
}

/// A clock whose alarm went off.
#[derive(Debug, Clone)]
pub struct Rung {
    pub request_id: Uuid,
    pub timescale: Timescale,
    pub due_at: DateTime<Utc>,
}

/// Claims up to `limit` running clocks whose `alarm` went off by `now`
/// and not yet told, marking them told, in the caller's transaction.
/// Concurrent watchers skip rows another has locked (PostgreSQL) or wait
/// their turn (SQLite, one writer): each is told once.
pub async fn claim(
    db: &impl ConnectionTrait,
    alarm: Alarm,
    now: DateTime<Utc>,
    limit: u64,
) -> AppResult<Vec<Rung>> {
    let (when, told, also) = alarm.columns();
    // A breach is strictly after the due time; the others from the instant.
    let op = if alarm == Alarm::Breached { "<" } else { "<=" };
    // A clock already past due is the breach's to tell (which marks the
    // earlier alarms told): found late, it is never told as at risk or
    // due soon, even when it passes its due time between two claims.
    let not_breached = if alarm == Alarm::Breached {
        ""
    } else {
        " AND due_at >= $1"
    };
    let due = format!(
        "SELECT request_id, timescale FROM advocacy_request_timescales \
         WHERE met_at IS NULL AND stopped_at IS NULL AND {told} IS NULL AND {when} {op} $1\
         {not_breached} ORDER BY {when} LIMIT $2"
    );
    let set = format!("{told} = $1{also}");
    let sql = Claim {
        table: "advocacy_request_timescales",
        key: &["request_id", "timescale"],
        due: &due,
        lock_of: None,
        set: &set,
        returning: "request_id, timescale, due_at",
    }
    .sql(db.get_database_backend());
    let rows = query(
        db,
        &sql,
        vec![now.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()],
    )
    .await?;
    all(rows, |r| {
        Ok(Rung {
            request_id: get(r, "request_id")?,
            timescale: Timescale::parse(&get::<String>(r, "timescale")?)?,
            due_at: get(r, "due_at")?,
        })
    })
}
