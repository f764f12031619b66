//! The commissioner's report, computed from a period's requests: counts
//! by kind, referrer, subject, eligibility group, age band and
//! communication need; the share of each timescale met; the median
//! working days to first contact; outcomes; requests declined or not
//! served, by reason. Subject, eligibility, communication needs and
//! outcomes are content: the authority sees them only in aggregate, and a
//! count below [`SUPPRESS_BELOW`] (but above none) is withheld so that a
//! small number cannot point to one child.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::advocacy::{
    lifecycle::model::{AdvocacyOutcome, AdvocacyState, DeclineReason},
    requests::model::{AdvocacyKind, CommunicationNeed, EligibilityGroup, Relationship, Subject},
    timescales::model::{Clock, Timescale, TimescaleState},
};
use crate::calendar::WorkingCalendar;

/// Counts of content below this (and above zero) are withheld.
pub const SUPPRESS_BELOW: u64 = 5;

/// What the report needs of one request.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub kind: AdvocacyKind,
    pub referrer: Relationship,
    pub state: AdvocacyState,
    pub subject: Subject,
    pub eligibility: Vec<EligibilityGroup>,
    pub communication: Vec<CommunicationNeed>,
    /// Age in whole years when the request was made.
    pub age: Option<u32>,
    pub decline_reason: Option<DeclineReason>,
    pub outcome: Option<AdvocacyOutcome>,
    /// Local (England) dates of the request and of first contact.
    pub submitted_on: NaiveDate,
    pub first_contact_on: Option<NaiveDate>,
    pub clocks: Vec<Clock>,
}

/// Age bands, by age when the request was made.
pub const AGE_BANDS: [(&str, u32, u32); 5] = [
    ("0-4", 0, 4),
    ("5-10", 5, 10),
    ("11-15", 11, 15),
    ("16-17", 16, 17),
    ("18-25", 18, 25),
];

/// One line of a breakdown: a code and how many (`None`: withheld).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub code: String,
    pub count: Option<u64>,
}

/// How one timescale went for the period's requests.
#[derive(Debug, Clone, PartialEq)]
pub struct TimescaleFigures {
    pub timescale: Timescale,
    pub met: u64,
    pub breached: u64,
    /// Still running (pending or at risk).
    pub open: u64,
    /// Met of those decided (met or breached), per cent to one place.
    pub percent_met: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub requests: u64,
    pub by_kind: Vec<Count>,
    pub by_referrer: Vec<Count>,
    pub by_subject: Vec<Count>,
    pub by_eligibility: Vec<Count>,
    pub by_age_band: Vec<Count>,
    pub by_communication_need: Vec<Count>,
    pub timescales: Vec<TimescaleFigures>,
    pub median_working_days_to_first_contact: Option<f64>,
    pub outcomes: Vec<Count>,
    /// Declined at triage, by reason.
    pub declined: Vec<Count>,
    /// Withdrawn before or during the work.
    pub withdrawn: u64,
}

fn tally<I: IntoIterator<Item = &'static str>>(
    items: impl Iterator<Item = I>,
) -> BTreeMap<&'static str, u64> {
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    for codes in items {
        for code in codes {
            *counts.entry(code).or_default() += 1;
        }
    }
    counts
}

/// Counts in `all`'s order; `suppress` withholds small ones.
fn counts(
    all: &[&'static str],
    tallied: &BTreeMap<&'static str, u64>,
    suppress: bool,
) -> Vec<Count> {
    all.iter()
        .map(|code| {
            let n = tallied.get(code).copied().unwrap_or(0);
            Count {
                code: (*code).to_string(),
                count: (!(suppress && n > 0 && n < SUPPRESS_BELOW)).then_some(n),
            }
        })
        .collect()
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

fn band(age: u32) -> &'static str {
    AGE_BANDS
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&age))
        .map_or("18-25", |(name, _, _)| *name)
}

fn median(mut values: Vec<u32>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (f64::from(values[mid - 1]) + f64::from(values[mid])) / 2.0
    } else {
        f64::from(values[mid])
    })
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The report over `rows` (the requests made from `from` to `to`), with
/// timescale states as at `now`.
pub fn report(
    (from, to): (NaiveDate, NaiveDate),
    rows: &[ReportRow],
    cal: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Report {
    let kinds = codes(&AdvocacyKind::ALL, AdvocacyKind::as_str);
    let referrers = codes(&Relationship::ALL, Relationship::as_str);
    let subjects = codes(&Subject::ALL, Subject::as_str);
    let groups = codes(&EligibilityGroup::ALL, EligibilityGroup::as_str);
    let needs = codes(&CommunicationNeed::ALL, CommunicationNeed::as_str);
    let bands: Vec<&'static str> = AGE_BANDS.iter().map(|(b, _, _)| *b).collect();
    let outcomes = codes(&AdvocacyOutcome::ALL, AdvocacyOutcome::as_str);
    let reasons = codes(&DeclineReason::ALL, DeclineReason::as_str);
    let by = |f: fn(&ReportRow) -> Vec<&'static str>| tally(rows.iter().map(f));
    let timescales = Timescale::ALL
        .into_iter()
        .map(|timescale| {
            let states = rows
                .iter()
                .flat_map(|r| r.clocks.iter())
                .filter(|c| c.timescale == timescale)
                .map(|c| c.state(now));
            let (mut met, mut breached, mut open) = (0, 0, 0);
            for state in states {
                match state {
                    TimescaleState::Met => met += 1,
                    TimescaleState::Breached => breached += 1,
                    TimescaleState::Pending | TimescaleState::AtRisk => open += 1,
                    TimescaleState::Stopped => {}
                }
            }
            TimescaleFigures {
                timescale,
                met,
                breached,
                open,
                percent_met: percent(met, met + breached),
            }
        })
        .collect();
    let days = rows
        .iter()
        .filter_map(|r| {
            r.first_contact_on
                .map(|on| cal.working_days_between(r.submitted_on, on))
        })
        .collect();
    Report {
        from,
        to,
        requests: rows.len() as u64,
        by_kind: counts(&kinds, &by(|r| vec![r.kind.as_str()]), false),
        by_referrer: counts(&referrers, &by(|r| vec![r.referrer.as_str()]), false),
        by_subject: counts(&subjects, &by(|r| vec![r.subject.as_str()]), true),
        by_eligibility: counts(
            &groups,
            &by(|r| r.eligibility.iter().map(|g| g.as_str()).collect()),
            true,
        ),
        by_age_band: counts(
            &bands,
            &by(|r| r.age.map(band).into_iter().collect()),
            false,
        ),
        by_communication_need: counts(
            &needs,
            &by(|r| r.communication.iter().map(|n| n.as_str()).collect()),
            true,
        ),
        timescales,
        median_working_days_to_first_contact: median(days),
        outcomes: counts(
            &outcomes,
            &by(|r| r.outcome.map(AdvocacyOutcome::as_str).into_iter().collect()),
            true,
        ),
        declined: counts(
            &reasons,
            &by(|r| {
                r.decline_reason
                    .map(DeclineReason::as_str)
                    .into_iter()
                    .collect()
            }),
            false,
        ),
        withdrawn: rows
            .iter()
            .filter(|r| r.state == AdvocacyState::Withdrawn)
            .count() as u64,
    }
}

impl Report {
    /// The report as CSV: `section,code,count` (a withheld count is
    /// written `<5`), the timescales as `timescale,<name>_met_percent,...`.
    pub fn csv(&self) -> String {
        let mut out = String::from("section,code,value\n");
        let mut line = |section: &str, code: &str, value: String| {
            out.push_str(&crate::text::csv_line(&[section, code, &value]));
        };
        line("period", "from", self.from.to_string());
        line("period", "to", self.to.to_string());
        line("requests", "all", self.requests.to_string());
        let withheld = format!("<{SUPPRESS_BELOW}");
        for (section, list) in [
            ("kind", &self.by_kind),
            ("referrer", &self.by_referrer),
            ("subject", &self.by_subject),
            ("eligibility_group", &self.by_eligibility),
            ("age_band", &self.by_age_band),
            ("communication_need", &self.by_communication_need),
            ("outcome", &self.outcomes),
            ("declined", &self.declined),
        ] {
            for c in list {
                let value = c.count.map_or_else(|| withheld.clone(), |n| n.to_string());
                line(section, &c.code, value);
            }
        }
        line("not_served", "withdrawn", self.withdrawn.to_string());
        for t in &self.timescales {
            let name = t.timescale.as_str();
            line("timescale_met", name, t.met.to_string());
            line("timescale_breached", name, t.breached.to_string());
            line("timescale_open", name, t.open.to_string());
            let share = t
                .percent_met
                .map_or_else(String::new, |p| format!("{p:.1}"));
            line("timescale_percent_met", name, share);
        }
        let median = self
            .median_working_days_to_first_contact
            .map_or_else(String::new, |m| format!("{m:.1}"));
        line("first_contact", "median_working_days", median);
        out
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
