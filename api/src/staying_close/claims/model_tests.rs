#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
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
fn pounds_are_written_for_messages() {
    assert_eq!(pounds(300_000), "£3,000");
    assert_eq!(pounds(5), "£0.05");
    assert_eq!(pounds(123_456_789), "£1,234,567.89");
}
