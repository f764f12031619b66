#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

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
