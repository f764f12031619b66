//! Synthetic demo training: the demo provider's courses for kinship
//! carers, foster carers and care leavers, sessions online and in person
//! (one full, with a place offered and a waiting list; one held last
//! week, its register marked), a fortnightly online peer group series,
//! and the demo kinship carers' bookings in every state. Written straight
//! to the tables (no notifications: loading demo data sends nothing),
//! once.

use chrono::{DateTime, Duration, DurationRound, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    access::Audience,
    bookings::{
        model::BookingState,
        store::{self as bookings, BookingRow},
    },
    catalogue::{
        model::{Course, Session},
        series::{
            model::Series,
            store::{self as series, NewSeries},
        },
        store::{self as catalogue, CourseRow, NewSession},
    },
};
use crate::error::AppResult;

/// The demo provider and the people its demo sessions involve.
pub(crate) struct Provider<'a> {
    pub id: Uuid,
    pub facilitators: [Uuid; 2],
    /// The demo kinship carers: two of the first authority, then two of
    /// the second ([`BOOKINGS`] names them by index).
    pub carers: &'a [Uuid],
}

const COURSES: [(&str, &str, &[Audience], i32); 3] = [
    (
        "Understanding kinship care",
        "What kinship care is, the legal orders, and where to find help: a workshop \
         co-designed with carers, open whatever your order.",
        &[Audience::KinshipCarers, Audience::FosterCarers],
        24,
    ),
    (
        "Kinship carers' peer group",
        "An informal group for carers raising a relative's or friend's child.",
        &[Audience::KinshipCarers],
        12,
    ),
    (
        "Money after care",
        "Budgeting, bills and your setting-up-home allowance.",
        &[Audience::CareLeavers],
        24,
    ),
];

/// (course, days from now, places, facilitator, online).
const SESSIONS: [(usize, i64, i32, usize, bool); 5] = [
    (0, 14, 12, 0, true),
    (0, 21, 20, 1, false),
    (1, 7, 2, 0, false),
    (2, 10, 15, 1, true),
    (0, -7, 12, 0, false),
];

/// The demo bookings, in the order they were made: (session, carer,
/// state it is in now). Carers: 0 and 1 of the first authority, 2 and 3
/// of the second. Together they hold every state.
const BOOKINGS: [(usize, usize, BookingState); 13] = {
    use BookingState::*;
    [
        (0, 0, Booked),
        (0, 2, Booked),
        // In person: full at one place until its capacity was raised; the
        // place then offered to the one waiting was turned down.
        (1, 0, Booked),
        (1, 3, Declined),
        // The full peer group (two places): the second place was
        // cancelled; the offer to the first waiting ran out, the second
        // waiting holds it now, and the one who cancelled waits again.
        (2, 0, Booked),
        (2, 1, Cancelled),
        (2, 3, Expired),
        (2, 2, Offered),
        (2, 1, Waitlisted),
        // Last week's session, its register marked.
        (4, 0, Attended),
        (4, 1, CancelledLate),
        (4, 2, NoShow),
        (4, 3, Excused),
    ]
};

fn session(now: DateTime<Utc>, days: i64, places: i32, online: bool) -> Session {
    let day = now.duration_trunc(Duration::days(1)).unwrap_or(now);
    let starts_at = day + Duration::days(days) + Duration::hours(18);
    Session {
        starts_at,
        ends_at: starts_at + Duration::minutes(90),
        time_zone: "Europe/London".into(),
        online_link: online.then(|| "https://meet.kinshiplearning.example/workshop".into()),
        venue: (!online).then(|| "Northmoor Family Centre, 1 High Street".into()),
        capacity: places,
        booking_opens_at: now - Duration::days(7),
        booking_closes_at: starts_at - Duration::hours(2),
    }
}

pub(crate) async fn load(db: &impl ConnectionTrait, provider: &Provider<'_>) -> AppResult<()> {
    if catalogue::provider_has_courses(db, provider.id).await? {
        return Ok(());
    }
    let now = Utc::now();
    let mut courses = Vec::new();
    for (title, description, audience, cutoff) in COURSES {
        let row = CourseRow {
            id: Uuid::now_v7(),
            provider_id: provider.id,
            course: Course {
                title: title.into(),
                description: description.into(),
                audience: audience.to_vec(),
                accessibility_notes: Some("Step-free access; live captions online.".into()),
                booking_policy: None,
                cancellation_cutoff_hours: cutoff,
            },
            version: 1,
            updated_at: now,
        };
        catalogue::insert_course(db, &row).await?;
        courses.push(row.id);
    }
    let mut sessions = Vec::new();
    for (course, days, places, facilitator, online) in SESSIONS {
        let id = Uuid::now_v7();
        catalogue::insert_session(
            db,
            NewSession {
                id,
                course_id: courses[course],
                session: &session(now, days, places, online),
                facilitator_id: provider.facilitators[facilitator],
                open_to: &[],
                occurrence: None,
                now,
            },
        )
        .await?;
        sessions.push(id);
    }
    for (session, carer, state) in BOOKINGS {
        if let Some(person) = provider.carers.get(carer) {
            book(db, sessions[session], *person, state, now).await?;
        }
    }
    peer_group(db, provider, courses[1], now).await
}

/// The fortnightly online peer group: 12 sittings at 18:00 London time,
/// starting three days from now.
async fn peer_group(
    db: &impl ConnectionTrait,
    provider: &Provider<'_>,
    course: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let first = (now + Duration::days(3))
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        + Duration::hours(18);
    let generated = Series {
        rrule: "FREQ=WEEKLY;INTERVAL=2;COUNT=12".into(),
        first_starts_at: first,
        time_zone: "Europe/London".into(),
        duration_minutes: 90,
        capacity: 12,
        online_link: Some("https://meet.kinshiplearning.example/peer-group".into()),
        venue: None,
        booking_opens_days_before: 14,
        booking_closes_hours_before: 2,
    }
    .generate(now)?;
    series::insert(
        db,
        NewSeries {
            id: Uuid::now_v7(),
            course_id: course,
            facilitator_id: provider.facilitators[1],
            generated: &generated,
            open_to: &[],
            now,
        },
    )
    .await?;
    Ok(())
}

/// Writes one demo booking in `state`, with the place it holds (booked,
/// offered, or held until the register was marked) and the waiting-list
/// position it had (everyone who was offered a place waited first).
async fn book(
    db: &impl ConnectionTrait,
    session: Uuid,
    person: Uuid,
    state: BookingState,
    now: DateTime<Utc>,
) -> AppResult<()> {
    use BookingState::*;
    if matches!(state, Booked | Offered | Attended | NoShow | Excused)
        && !bookings::take_place(db, session).await?
    {
        return Ok(());
    }
    let position = match state {
        Waitlisted | Offered | Declined | Expired => {
            Some(bookings::next_position(db, session).await?)
        }
        _ => None,
    };
    let offered_until = match state {
        Offered => Some(now + Duration::hours(48)),
        Declined | Expired => Some(now - Duration::hours(6)),
        _ => None,
    };
    bookings::insert(
        db,
        &BookingRow {
            id: Uuid::now_v7(),
            session_id: session,
            person_id: person,
            state,
            waitlist_position: position,
            offered_until,
            access_needs: (state == Booked).then(|| "A seat near the door, please.".into()),
            booked_by_client_id: None,
            created_at: now,
            updated_at: now,
            version: 1,
        },
    )
    .await?;
    Ok(())
}
