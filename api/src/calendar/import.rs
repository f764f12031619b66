//! `closeknit calendar import FILE`: bank holidays from gov.uk's
//! `bank-holidays.json` format:
//!
//! ```json
//! {"england-and-wales": {"division": "england-and-wales", "events": [
//!     {"title": "Christmas Day", "date": "2027-12-27", "notes": "Substitute day", "bunting": true}]},
//!  "scotland": {...}, "northern-ireland": {...}}
//! ```
//!
//! [`parse`] checks the whole file first: the shape (no other fields, none
//! missing), each division key is a known division and equals its
//! `division`, dates are `YYYY-MM-DD` between 1900 and 2199, titles and
//! notes follow [`crate::text::line`], no date twice in a division. Any
//! error names the division and the event, and nothing is written.
//! [`import`] then replaces, in one transaction, each division's holidays
//! in the calendar years the file has events in (so a moved holiday is
//! corrected), keeping every other year.

use std::{collections::BTreeMap, fmt, ops::RangeInclusive, path::Path};

use chrono::{Datelike, NaiveDate};
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use super::{
    Division,
    store::{self, BankHoliday},
};
use crate::{
    db::begin_write,
    error::{AppError, AppResult},
    graphql::inputs::{EARLIEST_YEAR, LATEST_YEAR},
    text,
};

/// Longest title or note, in characters.
const TEXT_MAX: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDivision {
    division: String,
    events: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEvent {
    title: String,
    date: String,
    notes: String,
    bunting: bool,
}

/// One division's holidays from a file, in date order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionHolidays {
    pub division: Division,
    pub holidays: Vec<BankHoliday>,
}

impl DivisionHolidays {
    /// The calendar years the holidays fall in, as runs of years.
    pub fn years(&self) -> Vec<RangeInclusive<i32>> {
        let mut runs: Vec<RangeInclusive<i32>> = Vec::new();
        for year in self.holidays.iter().map(|h| h.on.year()) {
            match runs.last_mut() {
                Some(run) if year <= *run.end() + 1 => *run = *run.start()..=year.max(*run.end()),
                _ => runs.push(year..=year),
            }
        }
        runs
    }
}

/// What an import stored, per division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub divisions: Vec<DivisionSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionSummary {
    pub division: Division,
    /// Holidays stored from the file.
    pub holidays: usize,
    /// The years replaced, as runs (`2027..=2027`, `2030..=2031`).
    pub years: Vec<RangeInclusive<i32>>,
    /// Holidays that were stored for those years before.
    pub replaced: u64,
}

impl fmt::Display for ImportSummary {
    /// One line a division: `england-and-wales: 24 bank holidays in 2027,
    /// 2030-2031 (replacing 8)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.divisions {
            let years: Vec<String> = d
                .years
                .iter()
                .map(|run| match run.start() == run.end() {
                    true => run.start().to_string(),
                    false => format!("{}-{}", run.start(), run.end()),
                })
                .collect();
            writeln!(
                f,
                "{}: {} bank holidays in {} (replacing {})",
                d.division,
                d.holidays,
                years.join(", "),
                d.replaced
            )?;
        }
        Ok(())
    }
}

/// Reads, checks and imports a bank-holidays file (see the module's
/// documentation); an unreadable or invalid file writes nothing.
pub async fn import_file(db: &DatabaseConnection, path: &Path) -> AppResult<ImportSummary> {
    let json = tokio::fs::read_to_string(path).await.map_err(|err| {
        AppError::bad_input(
            path.display().to_string(),
            format!("could not be read: {err}"),
        )
    })?;
    import(db, &parse(&json)?).await
}

/// Replaces each division's holidays in the years it has events in, all
/// divisions in one transaction.
pub async fn import(
    db: &DatabaseConnection,
    divisions: &[DivisionHolidays],
) -> AppResult<ImportSummary> {
    let txn = begin_write(db).await?;
    let mut summary = Vec::with_capacity(divisions.len());
    for d in divisions {
        let years = d.years();
        let replaced = store::replace_years(&txn, d.division, &years, &d.holidays).await?;
        summary.push(DivisionSummary {
            division: d.division,
            holidays: d.holidays.len(),
            years,
            replaced,
        });
    }
    txn.commit().await?;
    Ok(ImportSummary { divisions: summary })
}

/// Parses and checks a whole file in gov.uk's format (see the module's
/// documentation). Errors are `BAD_USER_INPUT` naming the division and the
/// event (`england-and-wales.events[3].date`).
pub fn parse(json: &str) -> AppResult<Vec<DivisionHolidays>> {
    let file: BTreeMap<String, serde_json::Value> = serde_json::from_str(json).map_err(|err| {
        AppError::bad_input(
            "file",
            format!("is not bank-holidays JSON (an object of divisions): {err}"),
        )
    })?;
    if file.is_empty() {
        return Err(AppError::bad_input("file", "holds no divisions"));
    }
    file.into_iter()
        .map(|(key, value)| division(&key, value))
        .collect()
}

fn division(key: &str, value: serde_json::Value) -> AppResult<DivisionHolidays> {
    let division = Division::from_code(key).ok_or_else(|| {
        let known: Vec<&str> = Division::ALL.iter().map(|d| d.as_str()).collect();
        AppError::bad_input(
            key,
            format!(
                "is not a bank-holiday division (one of {})",
                known.join(", ")
            ),
        )
    })?;
    let file = FileDivision::deserialize(value).map_err(|err| {
        AppError::bad_input(key, format!("is not a division with its events: {err}"))
    })?;
    if file.division != key {
        return Err(AppError::bad_input(
            format!("{key}.division"),
            format!(
                "is {:?}, but the division is listed as {key:?}",
                file.division
            ),
        ));
    }
    if file.events.is_empty() {
        return Err(AppError::bad_input(
            format!("{key}.events"),
            "has no events",
        ));
    }
    let mut by_date: BTreeMap<NaiveDate, (usize, BankHoliday)> = BTreeMap::new();
    for (i, value) in file.events.into_iter().enumerate() {
        let field = format!("{key}.events[{i}]");
        let holiday = event(&field, value)?;
        if let Some((first, other)) = by_date.get(&holiday.on) {
            return Err(AppError::bad_input(
                format!("{field}.date"),
                format!(
                    "{} ({:?}) is also the date of {key}.events[{first}] ({:?})",
                    holiday.on, holiday.title, other.title
                ),
            ));
        }
        by_date.insert(holiday.on, (i, holiday));
    }
    Ok(DivisionHolidays {
        division,
        holidays: by_date.into_values().map(|(_, h)| h).collect(),
    })
}

fn event(field: &str, value: serde_json::Value) -> AppResult<BankHoliday> {
    let e = FileEvent::deserialize(value).map_err(|err| {
        AppError::bad_input(
            field,
            format!("is not an event (title, date, notes, bunting): {err}"),
        )
    })?;
    let title = text::line(&format!("{field}.title"), &e.title, TEXT_MAX)?;
    let on = NaiveDate::parse_from_str(&e.date, "%Y-%m-%d")
        .ok()
        .filter(|d| e.date.len() == 10 && (EARLIEST_YEAR..=LATEST_YEAR).contains(&d.year()))
        .ok_or_else(|| {
            AppError::bad_input(
                format!("{field}.date"),
                format!(
                    "must be a date (YYYY-MM-DD) between {EARLIEST_YEAR} and {LATEST_YEAR}, not {:?} ({title:?})",
                    e.date
                ),
            )
        })?;
    let notes = text::optional_line(&format!("{field}.notes"), Some(&e.notes), TEXT_MAX)?;
    Ok(BankHoliday {
        on,
        title,
        notes: notes.unwrap_or_default(),
        bunting: e.bunting,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

    use super::*;

    fn event(title: &str, date: &str) -> String {
        format!(r#"{{"title": "{title}", "date": "{date}", "notes": "", "bunting": true}}"#)
    }

    fn file(key: &str, division: &str, events: &[String]) -> String {
        format!(
            r#"{{"{key}": {{"division": "{division}", "events": [{}]}}}}"#,
            events.join(", ")
        )
    }

    fn refusal(json: &str) -> String {
        parse(json).unwrap_err().message()
    }

    #[test]
    fn a_file_in_the_published_format_parses_in_date_order() {
        let json = r#"{
          "england-and-wales": {"division": "england-and-wales", "events": [
            {"title": "Boxing Day", "date": "2027-12-28", "notes": "Substitute day", "bunting": true},
            {"title": "New Year\u2019s Day", "date": "2027-01-01", "notes": "", "bunting": true},
            {"title": "Spring bank holiday", "date": "2030-05-27", "notes": "", "bunting": false}]},
          "scotland": {"division": "scotland", "events": [
            {"title": "  St Andrew\u2019s Day ", "date": "2030-12-02", "notes": " ", "bunting": true}]}
        }"#;
        let divisions = parse(json).unwrap();
        assert_eq!(divisions.len(), 2);
        let ew = &divisions[0];
        assert_eq!(ew.division, Division::EnglandAndWales);
        let dates: Vec<String> = ew.holidays.iter().map(|h| h.on.to_string()).collect();
        assert_eq!(dates, ["2027-01-01", "2027-12-28", "2030-05-27"]);
        assert_eq!(ew.holidays[1].notes, "Substitute day");
        assert!(!ew.holidays[2].bunting);
        assert_eq!(ew.years(), [2027..=2027, 2030..=2030]);
        let scotland = &divisions[1].holidays[0];
        assert_eq!(scotland.title, "St Andrew\u{2019}s Day");
        assert_eq!(scotland.notes, "");
    }

    #[test]
    fn years_are_grouped_into_runs() {
        let json = file(
            "scotland",
            "scotland",
            &[
                event("A", "2028-01-03"),
                event("B", "2029-01-01"),
                event("C", "2029-05-07"),
                event("D", "2031-01-01"),
            ],
        );
        assert_eq!(parse(&json).unwrap()[0].years(), [2028..=2029, 2031..=2031]);
    }

    #[test]
    fn a_bad_date_names_the_division_and_event() {
        for date in ["2027-02-30", "2027-2-3", "27-02-03", "2200-01-01", ""] {
            let json = file(
                "england-and-wales",
                "england-and-wales",
                &[event("Fine", "2027-01-01"), event("Bad", date)],
            );
            let message = refusal(&json);
            assert!(
                message.contains("`england-and-wales.events[1].date`")
                    && message.contains("YYYY-MM-DD")
                    && message.contains("\"Bad\""),
                "{date}: {message}"
            );
        }
    }

    #[test]
    fn a_division_must_match_its_key_and_be_known() {
        let json = file("england-and-wales", "scotland", &[event("A", "2030-01-01")]);
        let message = refusal(&json);
        assert!(
            message.contains("`england-and-wales.division`"),
            "{message}"
        );
        assert!(message.contains("\"scotland\""), "{message}");
        let message = refusal(&file("wales", "wales", &[event("A", "2030-01-01")]));
        assert!(
            message.contains("`wales` is not a bank-holiday division"),
            "{message}"
        );
    }

    #[test]
    fn the_shape_is_checked() {
        let message = refusal("[]");
        assert!(message.contains("`file`"), "{message}");
        assert!(refusal("{}").contains("holds no divisions"));
        let message = refusal(r#"{"scotland": {"division": "scotland"}}"#);
        assert!(
            message.contains("`scotland`") && message.contains("events"),
            "{message}"
        );
        let message = refusal(
            r#"{"scotland": {"division": "scotland", "events": [
                {"title": "A", "date": "2030-01-01", "notes": "", "bunting": "yes"}]}}"#,
        );
        assert!(message.contains("`scotland.events[0]`"), "{message}");
        let message = refusal(
            r#"{"scotland": {"division": "scotland", "events": [
                {"title": "A", "date": "2030-01-01", "notes": "", "bunting": true, "x": 1}]}}"#,
        );
        assert!(message.contains("unknown field"), "{message}");
        assert!(refusal(&file("scotland", "scotland", &[])).contains("has no events"));
    }

    #[test]
    fn titles_follow_the_text_rules_and_dates_are_not_repeated() {
        let message = refusal(&file(
            "scotland",
            "scotland",
            &[event(" \\t ", "2030-01-01")],
        ));
        assert!(message.contains("`scotland.events[0].title`"), "{message}");
        let message = refusal(&file(
            "scotland",
            "scotland",
            &[event("A", "2030-01-01"), event("B", "2030-01-01")],
        ));
        assert!(
            message.contains("`scotland.events[1].date`")
                && message.contains("also the date of scotland.events[0]"),
            "{message}"
        );
    }

    #[test]
    fn the_summary_says_what_each_division_holds() {
        let summary = ImportSummary {
            divisions: vec![DivisionSummary {
                division: Division::EnglandAndWales,
                holidays: 24,
                years: vec![2027..=2027, 2030..=2031],
                replaced: 8,
            }],
        };
        assert_eq!(
            summary.to_string(),
            "england-and-wales: 24 bank holidays in 2027, 2030-2031 (replacing 8)\n"
        );
    }
}
