#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn all_suitable() -> Vec<FactorJudgement> {
    SuitabilityFactor::ALL
        .iter()
        .map(|f| FactorJudgement {
            factor: *f,
            suitable: true,
            note: None,
        })
        .collect()
}

/// The setting-up-home allowance's caps: £2,000, then £3,000 from April 2023.
fn allowance_caps() -> [Cap; 2] {
    [
        Cap {
            effective_from: d(2000, 1, 1),
            amount_pence: 200_000,
        },
        Cap {
            effective_from: d(2023, 4, 1),
            amount_pence: 300_000,
        },
    ]
}

#[test]
fn caps_are_effective_dated() {
    let caps = allowance_caps();
    assert_eq!(cap_on(&caps, d(2023, 3, 31)), Some(200_000));
    assert_eq!(cap_on(&caps, d(2023, 4, 1)), Some(300_000));
    assert_eq!(cap_on(&caps, d(1999, 12, 31)), None);
}

#[test]
fn entitlement_follows_the_first_claim_else_today() {
    let caps = allowance_caps();
    let kind = ClaimKind::SettingUpHome;
    let today = d(2026, 11, 23);
    // Nothing claimed yet: today's cap, all of it left.
    let none = entitlement(kind, &caps, Claimed::default(), today);
    assert_eq!(
        (none.cap_pence, none.claimed_pence, none.remaining_pence),
        (300_000, 0, 300_000)
    );
    // A first claim before April 2023 keeps the old cap.
    let early = Claimed {
        first_basis: Some(d(2023, 3, 1)),
        pence: 150_000,
    };
    let e = entitlement(kind, &caps, early, today);
    assert_eq!((e.cap_pence, e.remaining_pence), (200_000, 50_000));
    // Over-claimed (a cap lowered by data) never shows as negative.
    let over = Claimed {
        first_basis: Some(d(2024, 1, 1)),
        pence: 350_000,
    };
    assert_eq!(entitlement(kind, &caps, over, today).remaining_pence, 0);
    // No cap at all (before any existed): nothing to claim.
    let before = Claimed {
        first_basis: Some(d(1990, 1, 1)),
        pence: 0,
    };
    assert_eq!(entitlement(kind, &caps, before, today).cap_pence, 0);
}

#[test]
fn claims_beyond_the_remaining_entitlement_are_refused_with_figures() {
    assert!(check_entitlement(ClaimKind::SettingUpHome, 300_000, 100_000, 200_000).is_ok());
    match check_entitlement(ClaimKind::SettingUpHome, 300_000, 100_000, 200_001) {
        Err(AppError::BadUserInput { field, message }) => {
            assert_eq!(field, "amountPence");
            assert_eq!(
                message,
                "This claim is for £2,000.01, but only £2,000 of the £3,000 setting-up-home \
                 allowance is left (£1,000 already claimed)."
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(check_entitlement(ClaimKind::ApprenticeshipBursary, 100_000, 0, 0).is_err());
    assert!(check_entitlement(ClaimKind::ApprenticeshipBursary, 100_000, 0, -5).is_err());
}

#[test]
fn claim_lifecycle() {
    use ClaimStatus::*;
    assert!(Requested.can_become(Approved));
    assert!(Requested.can_become(Rejected));
    assert!(Approved.can_become(Paid));
    for (from, to) in [
        (Requested, Paid),
        (Rejected, Approved),
        (Paid, Approved),
        (Approved, Rejected),
        (Paid, Paid),
    ] {
        assert!(!from.can_become(to), "{from:?} -> {to:?}");
    }
}

#[test]
fn ages_and_birthdays_including_leap_days() {
    assert_eq!(birthday(d(2004, 2, 29), 21), d(2025, 3, 1));
    assert_eq!(birthday(d(2004, 2, 29), 20), d(2024, 2, 29));
    assert_eq!(age_on(d(2007, 3, 14), d(2025, 3, 13)), 17);
    assert_eq!(age_on(d(2007, 3, 14), d(2025, 3, 14)), 18);
    assert_eq!(age_on(d(2004, 2, 29), d(2025, 2, 28)), 20);
    assert_eq!(age_on(d(2004, 2, 29), d(2025, 3, 1)), 21);
}

#[test]
fn plan_dates_default_to_the_21st_birthday_and_respect_the_authority() {
    let born = d(2007, 3, 14);
    let standard = AuthoritySettings::default();
    assert_eq!(
        plan_dates(born, d(2025, 4, 1), None, standard).unwrap(),
        d(2028, 3, 14)
    );
    // Beyond 21 only where the authority extends support.
    assert!(plan_dates(born, d(2025, 4, 1), Some(d(2030, 1, 1)), standard).is_err());
    let extended = AuthoritySettings {
        support_to_age: 25,
        ..standard
    };
    assert_eq!(
        plan_dates(born, d(2025, 4, 1), Some(d(2032, 3, 14)), extended).unwrap(),
        d(2032, 3, 14)
    );
    assert!(plan_dates(born, d(2025, 4, 1), Some(d(2032, 3, 15)), extended).is_err());
    // Dates in order; not before 16.
    assert!(plan_dates(born, d(2025, 4, 1), Some(d(2025, 4, 1)), standard).is_err());
    assert!(plan_dates(born, d(2023, 3, 13), None, standard).is_err());
    assert!(plan_dates(born, d(2023, 3, 14), None, standard).is_ok());
}

#[test]
fn timescales() {
    assert_eq!(next_check_in_due(d(2026, 1, 1), 56), d(2026, 2, 26));
    assert_eq!(next_review_due(d(2026, 1, 31), 6, None), d(2026, 7, 31));
    assert_eq!(next_review_due(d(2025, 8, 31), 6, None), d(2026, 2, 28));
    // A review asked for sooner comes sooner; never later.
    assert_eq!(
        next_review_due(d(2026, 1, 1), 6, Some(d(2026, 3, 1))),
        d(2026, 3, 1)
    );
    assert_eq!(
        next_review_due(d(2026, 1, 1), 6, Some(d(2027, 3, 1))),
        d(2026, 7, 1)
    );
    assert!(check_in_interval(57).is_err());
    assert!(check_in_interval(6).is_err());
    assert_eq!(check_in_interval(28).unwrap(), 28);
}

#[test]
fn suitability_needs_every_factor_and_s1_x1_are_invalid() {
    let (suitable, factors) = assess(AccommodationType::IndependentLiving, all_suitable()).unwrap();
    assert!(suitable);
    assert_eq!(factors.len(), 8);
    let mut one_bad = all_suitable();
    one_bad[6].suitable = false;
    assert!(
        !assess(AccommodationType::IndependentLiving, one_bad.clone())
            .unwrap()
            .0
    );
    // S and X are always unsuitable: judging them suitable is refused.
    for kind in [AccommodationType::NoFixedAbode, AccommodationType::Custody] {
        assert!(assess(kind, all_suitable()).is_err());
        assert!(!assess(kind, one_bad.clone()).unwrap().0);
    }
    let mut missing = all_suitable();
    missing.pop();
    assert!(assess(AccommodationType::Foyer, missing).is_err());
    let mut twice = all_suitable();
    twice.push(twice[0].clone());
    assert!(assess(AccommodationType::Foyer, twice).is_err());
    assert_eq!(AccommodationType::Custody.ssda903_code(false), "X2");
    assert_eq!(
        AccommodationType::IndependentLiving.ssda903_code(true),
        "U1"
    );
}

#[test]
fn codes_round_trip_and_unknown_ones_are_errors() {
    for a in Activity::ALL {
        assert_eq!(Activity::parse(a.as_str()).unwrap(), a);
    }
    for t in AccommodationType::ALL {
        assert_eq!(AccommodationType::parse(t.as_str()).unwrap(), t);
    }
    assert!(InTouch::parse("MAYBE").is_err());
    assert!(!Activity::G6.is_eet() && Activity::P4.is_eet());
}

#[test]
fn child_ref_rules() {
    assert!(child_ref("AB12345678").is_ok());
    assert!(child_ref("AB-1").is_err());
    assert!(child_ref("ABCDEFGHIJK").is_err());
    assert_eq!(pounds(300_000), "£3,000");
    assert_eq!(pounds(5), "£0.05");
    assert_eq!(pounds(123_456_789), "£1,234,567.89");
}

#[test]
fn a_meeting_is_overdue_the_day_after_it_was_due() {
    let due = d(2026, 11, 20);
    assert!(!is_overdue(due, d(2026, 11, 19)));
    assert!(!is_overdue(due, due));
    assert!(is_overdue(due, d(2026, 11, 21)));
}
