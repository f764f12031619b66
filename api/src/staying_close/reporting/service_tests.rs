#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::Utc;

use super::*;
use crate::staying_close::profile::model::CareLeaverCategory;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn leaver(child: &str, born: NaiveDate, left: Option<NaiveDate>) -> CareLeaverRow {
    CareLeaverRow {
        person_id: Uuid::now_v7(),
        local_authority_id: Uuid::nil(),
        child_ref: child.into(),
        category: CareLeaverCategory::FormerRelevant,
        left_care_on: left,
        childrens_home_id: None,
        given_name: "A".into(),
        family_name: "B".into(),
        date_of_birth: Some(born),
        updated_at: Utc::now(),
    }
}

fn record(on: NaiveDate, value: RecordValue) -> RecordRow {
    RecordRow {
        id: Uuid::now_v7(),
        person_id: Uuid::nil(),
        local_authority_id: Uuid::nil(),
        recorded_on: on,
        recorded_by_person_id: None,
        value,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn home(on: NaiveDate, kind: AccommodationType, suitable: bool) -> RecordRow {
    record(
        on,
        RecordValue::Accommodation {
            kind,
            suitable,
            assessment: "[]".into(),
            ended_on: None,
        },
    )
}

fn row(
    l: &CareLeaverRow,
    age: u32,
    touch: &[RecordRow],
    activity: &[RecordRow],
    accommodation: &[RecordRow],
) -> (Oc3Row, Vec<RuleBreak>) {
    let mut breaks = Vec::new();
    let birthday = dates::birthday(l.date_of_birth.unwrap(), age);
    let r = oc3_row(
        l,
        birthday,
        age,
        touch,
        activity,
        accommodation,
        &mut breaks,
    );
    (r, breaks)
}

#[test]
fn a_complete_row_uses_the_records_around_the_birthday() {
    let l = leaver("C1", d(2005, 6, 10), Some(d(2023, 6, 10)));
    // Contact two months before the 19th birthday; the later NO is outside
    // the window (two months after) and does not count.
    let touch = [
        record(d(2024, 4, 10), RecordValue::InTouch(InTouch::Yes)),
        record(d(2024, 8, 11), RecordValue::InTouch(InTouch::No)),
    ];
    let activity = [
        record(d(2023, 9, 1), RecordValue::Activity(Activity::F2)),
        record(d(2024, 7, 1), RecordValue::Activity(Activity::P5)),
    ];
    let accommodation = [home(
        d(2024, 1, 5),
        AccommodationType::IndependentLiving,
        true,
    )];
    let (r, breaks) = row(&l, 19, &touch, &activity, &accommodation);
    assert!(breaks.is_empty(), "{breaks:?}");
    assert_eq!(
        (
            r.dob.as_str(),
            r.in_touch.as_str(),
            r.activ.as_str(),
            r.accom.as_str()
        ),
        ("10/06/2005", "YES", "P5", "U1")
    );
    assert_eq!(
        oc3_csv(&[r]),
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nC1,10/06/2005,YES,P5,U1\n"
    );
}

#[test]
fn died_and_returned_home_leave_activity_and_accommodation_blank() {
    let l = leaver("C2", d(2005, 6, 10), Some(d(2023, 6, 10)));
    for status in [InTouch::Died, InTouch::Rhom] {
        let touch = [record(d(2024, 6, 1), RecordValue::InTouch(status))];
        let activity = [record(d(2024, 1, 1), RecordValue::Activity(Activity::G5))];
        let (r, breaks) = row(&l, 19, &touch, &activity, &[]);
        assert_eq!((r.activ.as_str(), r.accom.as_str()), ("", ""));
        assert_eq!(breaks.len(), 1);
        assert_eq!(breaks[0].rule, "OC3-02");
        let (_, clean) = row(&l, 19, &touch, &[], &[]);
        assert!(clean.is_empty());
    }
}

#[test]
fn missing_contact_and_missing_activity_are_reported() {
    let l = leaver("C3", d(2005, 6, 10), Some(d(2023, 6, 10)));
    let (r, breaks) = row(&l, 20, &[], &[], &[]);
    assert_eq!(r.in_touch, "");
    assert_eq!(breaks.len(), 1);
    assert_eq!(breaks[0].rule, "OC3-01");
    assert!(breaks[0].reason.starts_with("20th birthday (2025-06-10)"));
    let touch = [record(d(2025, 6, 10), RecordValue::InTouch(InTouch::Yes))];
    let (_, breaks) = row(&l, 20, &touch, &[], &[]);
    let rules: Vec<&str> = breaks.iter().map(|b| b.rule).collect();
    assert_eq!(rules, ["OC3-03", "OC3-03"]);
    // Not in touch: activity and accommodation may be unknown.
    let touch = [record(d(2025, 6, 10), RecordValue::InTouch(InTouch::Refu))];
    assert!(row(&l, 20, &touch, &[], &[]).1.is_empty());
}

#[test]
fn still_looked_after_at_17_or_18_needs_no_activity_or_accommodation() {
    let l = leaver("C4", d(2007, 6, 10), None);
    let touch = [record(d(2025, 6, 1), RecordValue::InTouch(InTouch::Yes))];
    let accommodation = [home(d(2024, 1, 1), AccommodationType::CommunityHome, true)];
    let (r, breaks) = row(&l, 18, &touch, &[], &accommodation);
    assert!(breaks.is_empty(), "{breaks:?}");
    assert_eq!((r.activ.as_str(), r.accom.as_str()), ("", ""));
}

#[test]
fn s1_and_x1_are_never_written() {
    let l = leaver("C5", d(2005, 6, 10), Some(d(2023, 6, 10)));
    let touch = [record(d(2024, 6, 1), RecordValue::InTouch(InTouch::Yes))];
    let activity = [record(d(2024, 1, 1), RecordValue::Activity(Activity::G4))];
    let accommodation = [home(d(2024, 1, 1), AccommodationType::Custody, true)];
    let (r, breaks) = row(&l, 19, &touch, &activity, &accommodation);
    assert_eq!(r.accom, "X2");
    assert_eq!(breaks[0].rule, "OC3-04");
}

#[test]
fn collection_years_run_april_to_march() {
    assert_eq!(
        collection_year(2026).unwrap(),
        (d(2025, 4, 1), d(2026, 3, 31))
    );
    assert!(collection_year(1999).is_err());
    assert_eq!(measure(1, 3).percent, 33.3);
    assert_eq!(measure(0, 0).percent, 0.0);
    assert_eq!(ordinal(21), "21st");
    assert_eq!(ordinal(17), "17th");
    assert_eq!(
        crate::text::csv_line(&["a,b", "say \"hi\"", "c"]),
        "\"a,b\",\"say \"\"hi\"\"\",c\n"
    );
}
