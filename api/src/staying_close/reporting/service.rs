//! Statutory and national figures from the SSDA903 records: the national
//! framework indicators (care leavers aged 17-21 in touch, in education,
//! employment or training, in suitable accommodation) for a date, and the
//! OC3 care leaver table for a collection year.
//!
//! OC3 rows are built from the records around each care leaver's 17th to
//! 21st birthday in the collection year (1 April to 31 March, named by the
//! year it ends): the latest contact recorded from three months before to
//! one month after the birthday, and the activity and accommodation in
//! force at the end of that window. The rules below are applied to every
//! row and each break is reported with the rule and the reason.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::staying_close::{
    dates,
    profile::{self, store::CareLeaverRow},
    records::{
        self,
        model::{AccommodationType, Activity, InTouch},
        store::{RecordKind, RecordRow, RecordValue},
    },
};
use crate::{
    audit::{AuditAction, AuditEntry},
    error::{AppError, AppResult},
};

/// Counts and percentages for one indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Measure {
    pub count: i64,
    /// Of the cohort, to one decimal place (0 when the cohort is empty).
    pub percent: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Indicators {
    pub on: NaiveDate,
    /// Care leavers aged 17-21 on the date who had left care by then.
    pub cohort: i64,
    /// Latest contact recorded on or before the date is YES.
    pub in_touch: Measure,
    /// Latest activity is education, employment or training (F*/P*).
    pub in_education_employment_or_training: Measure,
    /// Current accommodation was assessed as suitable.
    pub in_suitable_accommodation: Measure,
}

fn measure(count: i64, cohort: i64) -> Measure {
    let percent = if cohort == 0 {
        0.0
    } else {
        // Counts are small integers: exact in f64.
        (count as f64 * 1000.0 / cohort as f64).round() / 10.0
    };
    Measure { count, percent }
}

/// Latest record per person on or before `on` (records sorted by date).
fn latest_by_person(records: &[RecordRow], on: NaiveDate) -> HashMap<Uuid, &RecordRow> {
    let mut latest: HashMap<Uuid, &RecordRow> = HashMap::new();
    for r in records.iter().filter(|r| r.recorded_on <= on) {
        latest.insert(r.person_id, r);
    }
    latest
}

async fn history(
    db: &impl ConnectionTrait,
    la: Uuid,
    to: NaiveDate,
) -> AppResult<[Vec<RecordRow>; 3]> {
    // Before anyone who can be a care leaver now was born (and inside
    // PostgreSQL's date range, which NaiveDate::MIN is not).
    let from = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(to);
    Ok([
        records::store::authority_records(db, RecordKind::InTouch, la, from, to).await?,
        records::store::authority_records(db, RecordKind::Activity, la, from, to).await?,
        records::store::authority_records(db, RecordKind::Accommodation, la, from, to).await?,
    ])
}

/// The national framework indicators for an authority on a date.
pub(super) async fn indicators(
    db: &impl ConnectionTrait,
    la: Uuid,
    on: NaiveDate,
) -> AppResult<Indicators> {
    let leavers = profile::store::care_leavers_of(db, la).await?;
    let [touch, activity, accommodation] = history(db, la, on).await?;
    let touch = latest_by_person(&touch, on);
    let activity = latest_by_person(&activity, on);
    let accommodation = latest_by_person(&accommodation, on);
    let mut cohort = 0;
    let (mut in_touch, mut eet, mut suitable) = (0, 0, 0);
    for leaver in &leavers {
        let Some(born) = leaver.date_of_birth else {
            continue;
        };
        let age = dates::age_on(born, on);
        let left = leaver.left_care_on.is_some_and(|d| d <= on);
        if !(17..=21).contains(&age) || !left {
            continue;
        }
        cohort += 1;
        if let Some(r) = touch.get(&leaver.person_id)
            && matches!(r.value, RecordValue::InTouch(InTouch::Yes))
        {
            in_touch += 1;
        }
        if let Some(r) = activity.get(&leaver.person_id)
            && let RecordValue::Activity(a) = r.value
            && a.is_eet()
        {
            eet += 1;
        }
        if let Some(r) = accommodation.get(&leaver.person_id)
            && let RecordValue::Accommodation {
                suitable: true,
                ended_on,
                ..
            } = r.value
            && ended_on.is_none_or(|e| e > on)
        {
            suitable += 1;
        }
    }
    Ok(Indicators {
        on,
        cohort,
        in_touch: measure(in_touch, cohort),
        in_education_employment_or_training: measure(eet, cohort),
        in_suitable_accommodation: measure(suitable, cohort),
    })
}

/// One OC3 row, as DfE expects it (blank fields are empty strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Oc3Row {
    pub child: String,
    /// dd/mm/yyyy.
    pub dob: String,
    pub in_touch: String,
    pub activ: String,
    pub accom: String,
    #[doc(hidden)]
    pub person_id: Uuid,
}

/// A rule a row breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RuleBreak {
    pub child: String,
    pub rule: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Oc3Return {
    /// The year the collection ends (2026 = 1 April 2025 to 31 March 2026).
    pub year: i32,
    pub rows: Vec<Oc3Row>,
    pub breaks: Vec<RuleBreak>,
}

/// The rules applied to each row.
pub const RULES: [(&str, &str); 5] = [
    (
        "OC3-01",
        "IN_TOUCH must be recorded: a contact from three months before to one month after the birthday.",
    ),
    (
        "OC3-02",
        "When IN_TOUCH is DIED or RHOM, no activity or accommodation is recorded.",
    ),
    (
        "OC3-03",
        "Unless the young person was still looked after at their 17th or 18th birthday, ACTIV and ACCOM are recorded when IN_TOUCH is YES.",
    ),
    (
        "OC3-04",
        "ACCOM is a valid code: S (no fixed abode) and X (custody) are always unsuitable, so S1 and X1 are invalid.",
    ),
    (
        "OC3-05",
        "DOB is recorded and the birthday falls in the year.",
    ),
];

/// The collection year's first and last days.
fn collection_year(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    let bad = || AppError::bad_input("year", "must be a collection year such as 2026");
    if !(2000..=2100).contains(&year) {
        return Err(bad());
    }
    let from = NaiveDate::from_ymd_opt(year - 1, 4, 1).ok_or_else(bad)?;
    let to = NaiveDate::from_ymd_opt(year, 3, 31).ok_or_else(bad)?;
    Ok((from, to))
}

/// Builds the OC3 table for an authority and collection year.
pub(super) async fn oc3(db: &impl ConnectionTrait, la: Uuid, year: i32) -> AppResult<Oc3Return> {
    let (from, to) = collection_year(year)?;
    let leavers = profile::store::care_leavers_of(db, la).await?;
    let last_window_end = to.checked_add_months(Months::new(1)).unwrap_or(to);
    let [touch, activity, accommodation] = history(db, la, last_window_end).await?;
    let by_person = |rows: Vec<RecordRow>| {
        let mut map: HashMap<Uuid, Vec<RecordRow>> = HashMap::new();
        for r in rows {
            map.entry(r.person_id).or_default().push(r);
        }
        map
    };
    let (touch, activity, accommodation) = (
        by_person(touch),
        by_person(activity),
        by_person(accommodation),
    );
    let empty = Vec::new();
    let mut rows = Vec::new();
    let mut breaks = Vec::new();
    for leaver in &leavers {
        let Some(born) = leaver.date_of_birth else {
            breaks.push(RuleBreak {
                child: leaver.child_ref.clone(),
                rule: "OC3-05",
                reason: "no date of birth is recorded".into(),
            });
            continue;
        };
        for age in 17..=21 {
            let birthday = dates::birthday(born, age);
            if birthday < from || birthday > to {
                continue;
            }
            let row = oc3_row(
                leaver,
                birthday,
                age,
                touch.get(&leaver.person_id).unwrap_or(&empty),
                activity.get(&leaver.person_id).unwrap_or(&empty),
                accommodation.get(&leaver.person_id).unwrap_or(&empty),
                &mut breaks,
            );
            rows.push(row);
        }
    }
    rows.sort_by(|a, b| a.child.cmp(&b.child));
    Ok(Oc3Return { year, rows, breaks })
}

/// The row for one birthday, with the rules applied.
fn oc3_row(
    leaver: &CareLeaverRow,
    birthday: NaiveDate,
    age: u32,
    touch: &[RecordRow],
    activity: &[RecordRow],
    accommodation: &[RecordRow],
    breaks: &mut Vec<RuleBreak>,
) -> Oc3Row {
    let start = birthday
        .checked_sub_months(Months::new(3))
        .unwrap_or(birthday);
    let end = birthday
        .checked_add_months(Months::new(1))
        .unwrap_or(birthday);
    let child = leaver.child_ref.clone();
    let mut report = |rule, reason: String| {
        breaks.push(RuleBreak {
            child: child.clone(),
            rule,
            reason: format!("{} birthday ({birthday}): {reason}", ordinal(age)),
        });
    };
    let in_touch = touch
        .iter()
        .filter(|r| r.recorded_on >= start && r.recorded_on <= end)
        .filter_map(|r| match r.value {
            RecordValue::InTouch(s) => Some(s),
            _ => None,
        })
        .next_back();
    let current_activity: Option<Activity> = activity
        .iter()
        .filter(|r| r.recorded_on <= end)
        .filter_map(|r| match r.value {
            RecordValue::Activity(a) => Some(a),
            _ => None,
        })
        .next_back();
    let current_accommodation: Option<(AccommodationType, bool)> = accommodation
        .iter()
        .filter(|r| r.recorded_on <= end)
        .filter_map(|r| match r.value {
            RecordValue::Accommodation {
                kind,
                suitable,
                ended_on,
                ..
            } if ended_on.is_none_or(|e| e >= start) => Some((kind, suitable)),
            _ => None,
        })
        .next_back();
    let still_looked_after = age <= 18 && leaver.left_care_on.is_none_or(|left| left > birthday);
    let mut activ = current_activity.map(|a| a.as_str().to_string());
    let mut accom = current_accommodation.map(|(k, s)| k.ssda903_code(s));
    match in_touch {
        None => report(
            "OC3-01",
            "no contact was recorded from three months before to one month after".into(),
        ),
        Some(InTouch::Died | InTouch::Rhom) => {
            if activ.is_some() || accom.is_some() {
                report(
                    "OC3-02",
                    format!(
                        "IN_TOUCH is {} but activity or accommodation is recorded; left blank",
                        in_touch.map_or("", InTouch::as_str)
                    ),
                );
            }
            activ = None;
            accom = None;
        }
        Some(InTouch::Yes) if !still_looked_after => {
            if activ.is_none() {
                report(
                    "OC3-03",
                    "IN_TOUCH is YES but no activity is recorded".into(),
                );
            }
            if accom.is_none() {
                report(
                    "OC3-03",
                    "IN_TOUCH is YES but no accommodation is recorded".into(),
                );
            }
        }
        Some(_) => {}
    }
    if still_looked_after {
        // Not needed while still looked after at 17 or 18.
        activ = None;
        accom = None;
    }
    if let Some((kind, true)) = current_accommodation
        && kind.always_unsuitable()
        && accom.is_some()
    {
        report(
            "OC3-04",
            format!(
                "{}1 is not a valid code; recorded as {}2",
                kind.as_str(),
                kind.as_str()
            ),
        );
        accom = Some(kind.ssda903_code(false));
    }
    Oc3Row {
        child: leaver.child_ref.clone(),
        dob: leaver
            .date_of_birth
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default(),
        in_touch: in_touch.map(|s| s.as_str().to_string()).unwrap_or_default(),
        activ: activ.unwrap_or_default(),
        accom: accom.unwrap_or_default(),
        person_id: leaver.person_id,
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The OC3 table as DfE's CSV: a header, then one line per row.
pub(super) fn oc3_csv(rows: &[Oc3Row]) -> String {
    let mut out = String::from("CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n");
    for r in rows {
        out.push_str(&crate::text::csv_line(&[
            &r.child,
            &r.dob,
            &r.in_touch,
            &r.activ,
            &r.accom,
        ]));
    }
    out
}

/// The rule report, one line per break: `CHILD rule: reason`.
fn rule_report(breaks: &[RuleBreak]) -> String {
    breaks
        .iter()
        .map(|b| format!("{} {}: {}\n", b.child, b.rule, b.reason))
        .collect()
}

/// The columns of an OC3 row, as audit records name them.
const OC3_FIELDS: &[&str] = &["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"];

/// The audit records of reading an OC3 return: the return as a whole, and
/// each young person in it (so their activity log shows it). `by` names
/// the action, who and the request; the rest is filled in here.
pub(super) fn oc3_audit<'a>(by: &AuditEntry<'a>, la: Uuid, rows: &[Oc3Row]) -> Vec<AuditEntry<'a>> {
    std::iter::once(("LocalAuthority", la, None))
        .chain(
            rows.iter()
                .map(|r| ("CareLeaver", r.person_id, Some(r.person_id))),
        )
        .map(|(record_type, id, person)| AuditEntry {
            record_type,
            record_id: Some(id),
            fields: OC3_FIELDS,
            subject_person: person,
            local_authority: Some(la),
            ..by.clone()
        })
        .collect()
}

/// What `closeknit export oc3` writes.
pub struct Export {
    pub csv: String,
    pub report: String,
    pub rows: usize,
    pub breaks: usize,
}

/// The OC3 return for an authority named by its ONS code, audited as an
/// export by an operator (no signed-in account).
pub async fn export_oc3(db: &impl ConnectionTrait, ons_code: &str, year: i32) -> AppResult<Export> {
    let code = crate::reference::model::OnsCode::parse("la", ons_code)?;
    let la = crate::reference::store::local_authority_by_code(db, &code)
        .await?
        .ok_or_else(|| AppError::bad_input("la", format!("no local authority {ons_code}")))?;
    let table = oc3(db, la.id, year).await?;
    let by = AuditEntry {
        ..AuditEntry::new(AuditAction::ReportOc3Export, "cli")
    };
    crate::audit::record_many(db, &oc3_audit(&by, la.id, &table.rows)).await?;
    Ok(Export {
        csv: oc3_csv(&table.rows),
        report: rule_report(&table.breaks),
        rows: table.rows.len(),
        breaks: table.breaks.len(),
    })
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
