use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn referral() -> NonInstructed {
    NonInstructed {
        subject: Subject::PlacementMove,
        eligibility: vec![EligibilityGroup::LookedAfterChild],
        communication: Communication {
            needs: vec![CommunicationNeed::NonVerbal],
            language: None,
            interpreter_needed: false,
        },
        why_not_instructed: "Aged two; not yet talking.".into(),
        knows_child_best: KnowsChildBest {
            name: "Alex Carer".into(),
            relationship: "Foster carer".into(),
            how_to_reach: "01632 960000".into(),
        },
        upcoming_decisions: vec![Decision {
            what: "Placement review".into(),
            on: day(2027, 1, 20),
        }],
        referral_basis: "A move is planned and the child cannot say what they want.".into(),
    }
}

#[test]
fn a_non_instructed_referral_needs_a_reason_and_how_the_child_communicates() {
    let today = day(2026, 12, 7);
    assert!(referral().checked(today).is_ok());
    let mut no_reason = referral();
    no_reason.why_not_instructed = "   ".into();
    let err = no_reason.checked(today).unwrap_err();
    assert!(matches!(err, AppError::BadUserInput { ref field, .. } if field == "whyNotInstructed"));
    let mut silent = referral();
    silent.communication.needs.clear();
    assert!(silent.checked(today).is_err());
    let mut past = referral();
    past.upcoming_decisions[0].on = day(2026, 12, 6);
    assert!(past.checked(today).is_err());
}

#[test]
fn another_language_must_be_named() {
    let c = Communication {
        needs: vec![CommunicationNeed::AnotherLanguage],
        language: None,
        interpreter_needed: true,
    };
    assert!(c.clone().checked().is_err());
    let named = Communication {
        language: Some("Tigrinya".into()),
        ..c
    };
    assert!(named.checked().is_ok());
}

#[test]
fn only_professionals_refer_for_non_instructed_advocacy() {
    for r in Relationship::ALL {
        let ok = check_referrer(AdvocacyKind::NonInstructed, r).is_ok();
        assert_eq!(ok, r.is_professional(), "{r:?}");
        assert!(check_referrer(AdvocacyKind::Instructed, r).is_ok());
    }
}

#[test]
fn ages_run_from_birth_to_twenty_five() {
    let today = day(2026, 12, 7);
    assert!(check_age(day(2026, 12, 7), today).is_ok());
    assert!(check_age(day(2001, 12, 8), today).is_ok());
    assert!(check_age(day(2000, 12, 7), today).is_err());
    assert!(check_age(day(2026, 12, 8), today).is_err());
    assert_eq!(age_on(day(2020, 2, 29), day(2021, 2, 28)), 0);
    assert_eq!(age_on(day(2020, 2, 29), day(2021, 3, 1)), 1);
}

#[test]
fn an_instructed_request_needs_words_groups_and_a_way_to_reach_them() {
    let request = Instructed {
        subject: Subject::Complaint,
        eligibility: vec![EligibilityGroup::CareLeaver],
        in_their_words: "I want to complain about my move.".into(),
        contact_methods: vec![ContactMethod::App],
        contact_times: None,
        communication: Communication::default(),
    };
    assert!(request.clone().checked().is_ok());
    let mut no_way = request.clone();
    no_way.contact_methods.clear();
    assert!(no_way.checked().is_err());
    let mut no_group = request.clone();
    no_group.eligibility.clear();
    assert!(no_group.checked().is_err());
    let mut blank = request;
    blank.in_their_words = "\u{200b}".into();
    assert!(blank.checked().is_err());
}
