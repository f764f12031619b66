//! Storage of care-leaver profiles and authorities' Staying Close settings.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::model::{AuthoritySettings, CareLeaverCategory};
use crate::db::rows::{all, first, get, grouped, unique};
use crate::{
    db::raw::{exec, query},
    error::{AppError, AppResult},
    identity::directory,
};

pub(in crate::staying_close) async fn settings(
    db: &impl ConnectionTrait,
    la: Uuid,
) -> AppResult<AuthoritySettings> {
    let rows = query(
        db,
        "SELECT support_to_age, check_in_interval_days, review_interval_months, \
         check_in_missed_after_days FROM staying_close_settings WHERE local_authority_id = $1",
        vec![la.into()],
    )
    .await?;
    let Some(r) = rows.first() else {
        return Ok(AuthoritySettings::default());
    };
    let n = |col| -> AppResult<u32> {
        let v: i32 = get(r, col)?;
        u32::try_from(v).map_err(AppError::internal)
    };
    Ok(AuthoritySettings {
        support_to_age: n("support_to_age")?,
        check_in_interval_days: n("check_in_interval_days")?,
        review_interval_months: n("review_interval_months")?,
        check_in_missed_after_days: n("check_in_missed_after_days")?,
    })
}

pub(in crate::staying_close) async fn save_settings(
    db: &impl ConnectionTrait,
    la: Uuid,
    settings: AuthoritySettings,
) -> AppResult<()> {
    let n = |v: u32| i32::try_from(v).map_err(AppError::internal);
    exec(
        db,
        "INSERT INTO staying_close_settings (local_authority_id, support_to_age, \
         check_in_interval_days, review_interval_months, check_in_missed_after_days, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (local_authority_id) DO UPDATE SET support_to_age = excluded.support_to_age, \
         check_in_interval_days = excluded.check_in_interval_days, \
         review_interval_months = excluded.review_interval_months, \
         check_in_missed_after_days = excluded.check_in_missed_after_days, \
         updated_at = excluded.updated_at",
        vec![
            la.into(),
            n(settings.support_to_age)?.into(),
            n(settings.check_in_interval_days)?.into(),
            n(settings.review_interval_months)?.into(),
            n(settings.check_in_missed_after_days)?.into(),
            Utc::now().into(),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub(in crate::staying_close) struct CareLeaverRow {
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub child_ref: String,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    pub childrens_home_id: Option<Uuid>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

/// A care leaver with their name and date of birth (identity's, through
/// its fragment).
static CARE_LEAVER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT c.person_id, c.local_authority_id, c.child_ref, c.category, c.left_care_on, \
         c.childrens_home_id, {}, c.updated_at FROM care_leavers c",
        directory::person_name_and_birth_columns_sql("c.person_id")
    )
});

fn care_leaver_row(r: &QueryResult) -> AppResult<CareLeaverRow> {
    Ok(CareLeaverRow {
        person_id: get(r, "person_id")?,
        local_authority_id: get(r, "local_authority_id")?,
        child_ref: get(r, "child_ref")?,
        category: CareLeaverCategory::parse(&get::<String>(r, "category")?)?,
        left_care_on: get(r, "left_care_on")?,
        childrens_home_id: get(r, "childrens_home_id")?,
        given_name: get(r, "given_name")?,
        family_name: get(r, "family_name")?,
        date_of_birth: get(r, "date_of_birth")?,
        updated_at: get(r, "updated_at")?,
    })
}

/// A care leaver's profile (unscoped: callers authorise first).
pub(in crate::staying_close) async fn care_leaver(
    db: &impl ConnectionTrait,
    person: Uuid,
) -> AppResult<Option<CareLeaverRow>> {
    let rows = query(
        db,
        &format!("{} WHERE c.person_id = $1", *CARE_LEAVER),
        vec![person.into()],
    )
    .await?;
    first(rows, care_leaver_row)
}

/// The profiles of these care leavers, by person (unscoped: callers
/// authorise first), in one statement per 500 people; those without a
/// profile are absent.
pub(in crate::staying_close) async fn care_leavers_by_ids(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, CareLeaverRow>> {
    let found = grouped(
        db,
        &CARE_LEAVER,
        "c.person_id",
        "",
        "c.person_id",
        people,
        care_leaver_row,
        |c| c.person_id,
    )
    .await?;
    Ok(found
        .into_iter()
        .filter_map(|(person, rows)| rows.into_iter().next().map(|row| (person, row)))
        .collect())
}

/// Every care leaver of an authority (reporting), by child reference.
pub(in crate::staying_close) async fn care_leavers_of(
    db: &impl ConnectionTrait,
    la: Uuid,
) -> AppResult<Vec<CareLeaverRow>> {
    let rows = query(
        db,
        &format!(
            "{} WHERE c.local_authority_id = $1 ORDER BY c.child_ref",
            *CARE_LEAVER
        ),
        vec![la.into()],
    )
    .await?;
    all(rows, care_leaver_row)
}

pub(in crate::staying_close) struct CareLeaverChange<'a> {
    pub person_id: Uuid,
    pub local_authority_id: Uuid,
    pub child_ref: &'a str,
    pub category: CareLeaverCategory,
    pub left_care_on: Option<NaiveDate>,
    pub childrens_home_id: Option<Uuid>,
}

/// Saves a profile; `false` when its child reference is already another
/// young person's in the authority.
pub(in crate::staying_close) async fn save_care_leaver(
    db: &impl ConnectionTrait,
    c: CareLeaverChange<'_>,
) -> AppResult<bool> {
    let now = Utc::now();
    let saved = exec(
        db,
        "INSERT INTO care_leavers (person_id, local_authority_id, child_ref, category, \
         left_care_on, childrens_home_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         ON CONFLICT (person_id) DO UPDATE SET child_ref = excluded.child_ref, \
         category = excluded.category, left_care_on = excluded.left_care_on, \
         childrens_home_id = excluded.childrens_home_id, updated_at = excluded.updated_at",
        vec![
            c.person_id.into(),
            c.local_authority_id.into(),
            c.child_ref.into(),
            c.category.as_str().into(),
            c.left_care_on.into(),
            c.childrens_home_id.into(),
            now.into(),
        ],
    )
    .await;
    unique(saved)
}
