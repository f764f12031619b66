use chrono::NaiveDate;

use super::model::*;
use crate::advocacy::{lifecycle::model::AdvocacyState, requests::model::AdvocacyKind};
use crate::error::AppError;

fn visit(approach: VisitApproach, observations: Observations) -> Body {
    Body::Visit(Visit {
        minutes: 45,
        approach,
        communication: Some("Pointed at pictures; smiled at the garden.".into()),
        content_with_advocate: Contentment::Yes,
        observations,
        people_consulted: vec![Consulted {
            name: "Alex Carer".into(),
            role: "Foster carer".into(),
            what_they_said: "Sleeps well since the move.".into(),
        }],
    })
}

fn said(text: &str) -> Option<String> {
    Some(text.to_string())
}

fn missing(body: Body) -> Vec<String> {
    match body.checked() {
        Err(AppError::BadUserInputs { fields, .. }) => fields,
        Err(AppError::BadUserInput { field, .. }) => vec![field],
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn each_approach_names_every_answer_it_lacks() {
    assert_eq!(
        missing(visit(VisitApproach::WatchingBrief, Observations::default())),
        [
            "whatLifeIsLike",
            "whatIsImportant",
            "wishesAndFeelings",
            "rights",
            "treatedFairly",
            "involvementInDecisions"
        ]
    );
    assert_eq!(
        missing(visit(VisitApproach::RightsBased, Observations::default())),
        ["rights", "treatedFairly"]
    );
    assert_eq!(
        missing(visit(VisitApproach::PersonCentred, Observations::default())),
        ["whatIsImportant", "wishesAndFeelings"]
    );
    // Blank answers are no answers.
    let blank = Observations {
        setting: said("  "),
        who_was_present: said("Foster carer"),
        ..Observations::default()
    };
    assert_eq!(
        missing(visit(VisitApproach::WitnessObserver, blank)),
        ["setting", "whatWasObserved"]
    );
    let message = visit(VisitApproach::RightsBased, Observations::default())
        .checked()
        .map(|_| ())
        .err()
        .map(|e| e.message())
        .unwrap_or_default();
    assert_eq!(
        message,
        "`rights` and `treatedFairly` are needed for a rights-based visit"
    );
}

#[test]
fn a_visit_with_its_answers_is_kept_trimmed() {
    let answers = Observations {
        rights: said(" To see her brother. "),
        treated_fairly: said("Mostly; contact was cancelled twice."),
        ..Observations::default()
    };
    let Ok(Body::Visit(v)) = visit(VisitApproach::RightsBased, answers).checked() else {
        panic!("a rights-based visit with its answers is kept");
    };
    assert_eq!(
        v.observations.rights.as_deref(),
        Some("To see her brother.")
    );
    assert_eq!(v.people_consulted.len(), 1);
}

#[test]
fn minutes_and_people_consulted_are_bounded() {
    let answers = || Observations {
        what_is_important: said("Her cat."),
        wishes_and_feelings: said("To stay at school."),
        ..Observations::default()
    };
    for minutes in [0, -5, MINUTES_MAX + 1] {
        let Body::Visit(mut v) = visit(VisitApproach::PersonCentred, answers()) else {
            unreachable!()
        };
        v.minutes = minutes;
        assert_eq!(missing(Body::Visit(v)), ["minutesSpent"]);
    }
    let Body::Visit(mut v) = visit(VisitApproach::PersonCentred, answers()) else {
        unreachable!()
    };
    v.people_consulted[0].name = "\u{200B}".into();
    assert_eq!(missing(Body::Visit(v)), ["peopleConsulted[0].name"]);
}

#[test]
fn visits_are_non_instructed_and_contacts_instructed() {
    let contact = Body::Contact(Contact {
        how: ContactHow::Phone,
        in_their_words: "I want to stay.".into(),
        what_they_want: None,
    });
    assert!(contact.fits(AdvocacyKind::Instructed).is_ok());
    assert!(matches!(
        contact.fits(AdvocacyKind::NonInstructed),
        Err(AppError::Conflict { .. })
    ));
    let visit = visit(VisitApproach::WatchingBrief, Observations::default());
    assert!(visit.fits(AdvocacyKind::NonInstructed).is_ok());
    assert!(visit.fits(AdvocacyKind::Instructed).is_err());
    let outcome = Body::Outcome(Outcome {
        what_changed: "x".into(),
    });
    assert!(outcome.fits(AdvocacyKind::Instructed).is_ok());
    assert!(outcome.fits(AdvocacyKind::NonInstructed).is_ok());
}

#[test]
fn records_are_added_only_while_the_request_is_worked() {
    use AdvocacyState::*;
    for open in [Assigned, FirstContactMade, InProgress] {
        assert!(check_open(open).is_ok());
    }
    for shut in [Submitted, Accepted, Declined, Closed, Withdrawn] {
        let err = check_open(shut)
            .err()
            .map(|e| e.message())
            .unwrap_or_default();
        assert!(err.contains(shut.words()), "{err}");
    }
}

#[test]
fn a_record_is_for_a_day_between_the_request_and_today() {
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap_or_default();
    assert!(check_day(day(5), day(7), day(1)).is_ok());
    assert!(check_day(day(8), day(7), day(1)).is_err());
    assert!(check_day(day(1), day(7), day(2)).is_err());
}
