//! Running a request's clocks as it moves: started with the request under
//! the contract's terms in force then, met by assignment and first
//! contact, restarted by activity (the closure review), recalculated when
//! the request changes kind, stopped when it ends. Called inside the
//! change that moved the request, so clocks commit with it.

use chrono::{DateTime, Datelike, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    model::{Clock, Terms, Timescale},
    store,
};
use crate::advocacy::{
    lifecycle::model::AdvocacyState,
    requests::store::{AdvocacyEventType, RequestRow},
};
use crate::{
    calendar::{self, Division, WorkingCalendar},
    error::AppResult,
};

/// The terms of the contract between an authority and a provider: those
/// it recorded, or the standard ones.
pub async fn terms_for(db: &impl ConnectionTrait, la: Uuid, provider: Uuid) -> AppResult<Terms> {
    Ok(store::terms(db, la, provider)
        .await?
        .map_or_else(Terms::standard, |t| t.terms))
}

/// What clocks are computed with: the contract's terms and the calendar.
struct Rules {
    terms: Terms,
    cal: WorkingCalendar,
}

impl Rules {
    async fn load(db: &impl ConnectionTrait, row: &RequestRow) -> AppResult<Self> {
        Ok(Rules {
            terms: terms_for(db, row.local_authority_id, row.provider_id).await?,
            cal: calendar::store::load(db, Division::EnglandAndWales).await?,
        })
    }

    /// Starts (or restarts) a clock at `at`.
    async fn start(
        &self,
        db: &impl ConnectionTrait,
        row: &RequestRow,
        timescale: Timescale,
        at: DateTime<Utc>,
    ) -> AppResult<Option<Clock>> {
        let Some(clock) = self
            .terms
            .start(&self.cal, timescale, (row.kind, row.urgency), at)
        else {
            tracing::error!(
                request = %row.id,
                timescale = timescale.as_str(),
                "advocacy timescale due after 2199: not started"
            );
            return Ok(None);
        };
        if clock.provisional {
            tracing::warn!(
                request = %row.id,
                timescale = timescale.as_str(),
                year = clock.due_at.year(),
                "advocacy timescale due in a year the calendar holds no bank holidays for; \
                 import them with `closeknit calendar import`"
            );
        }
        store::put(db, row.id, &clock).await?;
        Ok(Some(clock))
    }

    /// Tells the advocate the working day before first contact is due.
    async fn warn_advocate(&self, db: &impl ConnectionTrait, row: &RequestRow) -> AppResult<()> {
        if row.advocate_person_id.is_none() {
            return Ok(());
        }
        if let Some(clock) = store::clock(db, row.id, Timescale::FirstContact).await?
            && clock.running()
        {
            let at = self.terms.due_soon(&self.cal, clock.due_at);
            store::set_due_soon(db, row.id, Timescale::FirstContact, Some(at)).await?;
        }
        Ok(())
    }

    /// The closure review starts again from `at`, while the request is
    /// being worked.
    async fn active(
        &self,
        db: &impl ConnectionTrait,
        row: &RequestRow,
        at: DateTime<Utc>,
    ) -> AppResult<()> {
        if worked(row.state) {
            self.start(db, row, Timescale::ClosureReview, at).await?;
        }
        Ok(())
    }
}

/// Whether a request is with an advocate and still open.
fn worked(state: AdvocacyState) -> bool {
    matches!(
        state,
        AdvocacyState::Assigned | AdvocacyState::FirstContactMade | AdvocacyState::InProgress
    )
}

/// Moves the clocks of `row` (as saved by the change) for `event` at `at`.
pub(in crate::advocacy) async fn follow(
    db: &impl ConnectionTrait,
    row: &RequestRow,
    event: AdvocacyEventType,
    at: DateTime<Utc>,
) -> AppResult<()> {
    use AdvocacyEventType as E;
    match event {
        E::Accepted => Ok(()),
        E::Declined | E::Withdrawn | E::Closed => store::stop_all(db, row.id, at).await,
        E::Submitted => {
            let rules = Rules::load(db, row).await?;
            for timescale in [Timescale::Allocation, Timescale::FirstContact] {
                rules.start(db, row, timescale, row.submitted_at).await?;
            }
            Ok(())
        }
        E::Assigned | E::Reassigned => {
            store::meet(db, row.id, Timescale::Allocation, at).await?;
            let rules = Rules::load(db, row).await?;
            rules.warn_advocate(db, row).await?;
            rules.active(db, row, at).await
        }
        E::FirstContactMade => {
            let when = row.first_contact_at.unwrap_or(at);
            store::meet(db, row.id, Timescale::FirstContact, when).await?;
            Rules::load(db, row).await?.active(db, row, at).await
        }
        E::InProgress | E::RecordAdded => Rules::load(db, row).await?.active(db, row, at).await,
        E::KindChanged => {
            // The new kind's timescales, from when each clock started.
            let rules = Rules::load(db, row).await?;
            for timescale in [Timescale::Allocation, Timescale::FirstContact] {
                if let Some(clock) = store::clock(db, row.id, timescale).await?
                    && clock.running()
                {
                    rules.start(db, row, timescale, clock.started_at).await?;
                }
            }
            rules.warn_advocate(db, row).await?;
            rules.active(db, row, at).await
        }
    }
}
