//! What a contract's timescales are and how a request's clocks run:
//! each timescale's length per request kind and urgency, the contract's
//! working hours and the share of the time after which a clock is "at
//! risk"; a clock's due time and its state at any instant. Pure: the
//! calendar and the terms come in, instants come out.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::advocacy::requests::model::{AdvocacyKind, Urgency};
use crate::calendar::{
    WorkingCalendar,
    hours::{Span, WorkingHours},
};
use crate::error::{AppError, AppResult};

crate::stored_enum! {
    /// What a timescale measures.
    Timescale as "AdvocacyTimescaleKind" {
        /// From the request to an advocate being assigned.
        Allocation = "allocation",
        /// From the request to the advocate's first contact with the child.
        FirstContact = "first_contact",
        /// From the last activity on an open request to a review of
        /// whether it should close (restarts with every activity).
        ClosureReview = "closure_review",
    }
}

crate::stored_enum! {
    /// How a timescale is counted.
    TimescaleUnit as "AdvocacyTimescaleUnit" {
        /// Whole working days: due at the close of the contract's working
        /// hours on the n-th working day after the day it starts.
        WorkingDays = "working_days",
        /// Hours of the contract's working time.
        WorkingHours = "working_hours",
        /// Elapsed hours, nights, weekends and holidays included.
        ClockHours = "clock_hours",
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "AdvocacyTimescaleState")]
pub enum TimescaleState {
    /// Running, with less than the at-risk share of its time gone.
    Pending,
    /// Running, past the at-risk share and not yet due.
    AtRisk,
    /// Met by its due time.
    Met,
    /// Not met by its due time (met late, or still not met).
    Breached,
    /// No longer runs (the request was declined, withdrawn or closed)
    /// and was not breached before it stopped.
    Stopped,
}

/// Longest timescale accepted, per unit (a year of working days; a
/// year of working or clock hours).
const MAX_WORKING_DAYS: u32 = 260;
const MAX_HOURS: u32 = 8_760;

/// How long a timescale is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Length {
    pub amount: u32,
    pub unit: TimescaleUnit,
}

impl Length {
    pub const fn working_days(amount: u32) -> Self {
        Length {
            amount,
            unit: TimescaleUnit::WorkingDays,
        }
    }

    pub fn span(self) -> Span {
        match self.unit {
            TimescaleUnit::WorkingDays => Span::WorkingDays(self.amount),
            TimescaleUnit::WorkingHours => Span::WorkingHours(self.amount),
            TimescaleUnit::ClockHours => Span::ClockHours(self.amount),
        }
    }

    /// At least one, at most a year's worth of the unit.
    pub fn checked(self, field: &str) -> AppResult<Self> {
        let max = match self.unit {
            TimescaleUnit::WorkingDays => MAX_WORKING_DAYS,
            TimescaleUnit::WorkingHours | TimescaleUnit::ClockHours => MAX_HOURS,
        };
        if self.amount == 0 || self.amount > max {
            return Err(AppError::bad_input(
                field,
                format!("must be from 1 to {max} {}", self.unit.words()),
            ));
        }
        Ok(self)
    }
}

impl TimescaleUnit {
    pub fn words(self) -> &'static str {
        match self {
            TimescaleUnit::WorkingDays => "working days",
            TimescaleUnit::WorkingHours => "working hours",
            TimescaleUnit::ClockHours => "hours",
        }
    }
}

impl Timescale {
    /// In a sentence: "first contact".
    pub fn words(self) -> &'static str {
        match self {
            Timescale::Allocation => "allocation",
            Timescale::FirstContact => "first contact",
            Timescale::ClosureReview => "closure review",
        }
    }
}

/// One timescale's length for requests of a kind and urgency (`None`
/// matches any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    pub timescale: Timescale,
    pub kind: Option<AdvocacyKind>,
    pub urgency: Option<Urgency>,
    pub length: Length,
}

impl Rule {
    fn matches(&self, timescale: Timescale, kind: AdvocacyKind, urgency: Urgency) -> bool {
        self.timescale == timescale
            && self.kind.is_none_or(|k| k == kind)
            && self.urgency.is_none_or(|u| u == urgency)
    }

    /// How specific the rule is: a rule for one kind and urgency wins over
    /// one for any.
    fn specificity(&self) -> u8 {
        u8::from(self.kind.is_some()) + u8::from(self.urgency.is_some())
    }
}

/// Lowest and highest at-risk share, per cent.
pub const AT_RISK_PERCENT: std::ops::RangeInclusive<u32> = 1..=99;

/// What a contract between an authority and its provider sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub hours: WorkingHours,
    pub at_risk_percent: u32,
    pub rules: Vec<Rule>,
}

impl Terms {
    /// The terms a contract has until it records its own: 09:00 to 17:00
    /// Europe/London, at risk after 75% of the time; allocation within 3
    /// working days, first contact within 5 (24 hours when urgent), a
    /// closure review after 20 working days without activity.
    pub fn standard() -> Self {
        Terms {
            hours: WorkingHours::default(),
            at_risk_percent: 75,
            rules: vec![
                Rule {
                    timescale: Timescale::Allocation,
                    kind: None,
                    urgency: None,
                    length: Length::working_days(3),
                },
                Rule {
                    timescale: Timescale::FirstContact,
                    kind: None,
                    urgency: None,
                    length: Length::working_days(5),
                },
                Rule {
                    timescale: Timescale::FirstContact,
                    kind: None,
                    urgency: Some(Urgency::Urgent),
                    length: Length {
                        amount: 24,
                        unit: TimescaleUnit::ClockHours,
                    },
                },
                Rule {
                    timescale: Timescale::ClosureReview,
                    kind: None,
                    urgency: None,
                    length: Length::working_days(20),
                },
            ],
        }
    }

    /// Terms a commissioner sets: valid hours and share, every length in
    /// range, one rule per timescale, kind and urgency, and a rule for
    /// every request of every timescale (one for any kind and urgency, or
    /// one for each).
    pub fn checked(
        day_starts: NaiveTime,
        day_ends: NaiveTime,
        time_zone: &str,
        at_risk_percent: u32,
        rules: Vec<Rule>,
    ) -> AppResult<Self> {
        let zone: Tz = time_zone
            .parse()
            .map_err(|_| AppError::bad_input("timeZone", "is not an IANA time zone name"))?;
        let hours = WorkingHours::new(day_starts, day_ends, zone)?;
        if !AT_RISK_PERCENT.contains(&at_risk_percent) {
            return Err(AppError::bad_input(
                "atRiskPercent",
                "must be from 1 to 99 (per cent of the time gone)",
            ));
        }
        for (i, rule) in rules.iter().enumerate() {
            rule.length.checked(&format!("timescales[{i}].amount"))?;
            if rules[..i].iter().any(|r| {
                r.timescale == rule.timescale && r.kind == rule.kind && r.urgency == rule.urgency
            }) {
                return Err(AppError::bad_input(
                    format!("timescales[{i}]"),
                    "repeats a timescale for the same kind and urgency",
                ));
            }
        }
        let terms = Terms {
            hours,
            at_risk_percent,
            rules,
        };
        for timescale in Timescale::ALL {
            for kind in AdvocacyKind::ALL {
                for urgency in Urgency::ALL {
                    if terms.rule(timescale, kind, urgency).is_none() {
                        return Err(AppError::bad_input(
                            "timescales",
                            format!(
                                "set a {} timescale for every request (missing for {} {} requests)",
                                timescale.words(),
                                urgency.as_str(),
                                kind.as_str().replace('_', "-"),
                            ),
                        ));
                    }
                }
            }
        }
        Ok(terms)
    }

    /// The most specific rule for a request of this kind and urgency.
    pub fn rule(
        &self,
        timescale: Timescale,
        kind: AdvocacyKind,
        urgency: Urgency,
    ) -> Option<&Rule> {
        self.rules
            .iter()
            .filter(|r| r.matches(timescale, kind, urgency))
            .max_by_key(|r| r.specificity())
    }

    /// The length of a timescale for a request (the standard terms' where
    /// these have none: never the case for checked terms).
    pub fn length(&self, timescale: Timescale, kind: AdvocacyKind, urgency: Urgency) -> Length {
        self.rule(timescale, kind, urgency)
            .map(|r| r.length)
            .or_else(|| {
                Terms::standard()
                    .rule(timescale, kind, urgency)
                    .map(|r| r.length)
            })
            .unwrap_or(Length::working_days(5))
    }

    /// A clock for a request, started at `at`: `None` when its deadline
    /// would fall after 2199.
    pub fn start(
        &self,
        cal: &WorkingCalendar,
        timescale: Timescale,
        (kind, urgency): (AdvocacyKind, Urgency),
        at: DateTime<Utc>,
    ) -> Option<Clock> {
        let length = self.length(timescale, kind, urgency);
        let span = length.span();
        let due_at = self.hours.deadline(cal, at, span)?;
        let at_risk_at = self
            .hours
            .at_share(cal, at, due_at, span, self.at_risk_percent);
        let provisional = length.unit != TimescaleUnit::ClockHours
            && !cal.covers(due_at.with_timezone(&self.hours.zone()).date_naive());
        Some(Clock {
            timescale,
            length,
            started_at: at,
            at_risk_at,
            due_at,
            provisional,
            met_at: None,
            stopped_at: None,
        })
    }

    /// When the advocate hears that first contact is due "tomorrow": the
    /// opening of the working day before the one it is due on (at once,
    /// when that has passed).
    pub fn due_soon(&self, cal: &WorkingCalendar, due_at: DateTime<Utc>) -> DateTime<Utc> {
        let zone = self.hours.zone();
        let mut day = due_at.with_timezone(&zone).date_naive();
        for _ in 0..366 {
            let Some(before) = day.pred_opt() else { break };
            day = before;
            if cal.is_working_day(day) {
                break;
            }
        }
        day.and_time(self.hours.start())
            .and_local_timezone(zone)
            .earliest()
            .map_or(due_at - Duration::days(1), |t| t.with_timezone(&Utc))
    }
}

/// One of a request's timescales, running or finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    pub timescale: Timescale,
    pub length: Length,
    pub started_at: DateTime<Utc>,
    pub at_risk_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// The due time falls in a year the calendar holds no bank holidays
    /// for: it may move when that year's holidays are imported.
    pub provisional: bool,
    pub met_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

impl Clock {
    /// Where the clock stands at `now`. Met exactly at the due time is
    /// met; breached is strictly after it.
    pub fn state(&self, now: DateTime<Utc>) -> TimescaleState {
        if let Some(met) = self.met_at {
            return if met <= self.due_at {
                TimescaleState::Met
            } else {
                TimescaleState::Breached
            };
        }
        let until = self.stopped_at.unwrap_or(now);
        if until > self.due_at {
            TimescaleState::Breached
        } else if self.stopped_at.is_some() {
            TimescaleState::Stopped
        } else if now >= self.at_risk_at {
            TimescaleState::AtRisk
        } else {
            TimescaleState::Pending
        }
    }

    /// Whether the clock still runs.
    pub fn running(&self) -> bool {
        self.met_at.is_none() && self.stopped_at.is_none()
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
