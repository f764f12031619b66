//! Bank holidays, held as data for working-day timescales (advocacy's
//! "first contact within 5 working days"): one row a holiday a division
//! (`england-and-wales`, `scotland`, `northern-ireland`, as gov.uk names
//! them), seeded here with the published England and Wales holidays for
//! 2024-2027. Later years come from `closeknit calendar import FILE`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One published bank holiday, as gov.uk's `bank-holidays.json` gives it.
#[derive(Debug, Clone, Copy)]
pub struct SeedHoliday {
    /// `YYYY-MM-DD`.
    pub date: &'static str,
    pub title: &'static str,
    /// `"Substitute day"` when the holiday is moved off a weekend, else empty.
    pub notes: &'static str,
    pub bunting: bool,
}

const fn h(
    date: &'static str,
    title: &'static str,
    notes: &'static str,
    bunting: bool,
) -> SeedHoliday {
    SeedHoliday {
        date,
        title,
        notes,
        bunting,
    }
}

const NEW_YEAR: &str = "New Year\u{2019}s Day";
const SUBSTITUTE: &str = "Substitute day";

/// The division the seed is for.
const ENGLAND_AND_WALES: &str = "england-and-wales";

/// The published England and Wales bank holidays, 2024 to 2027, with their
/// official titles (substitute days: Boxing Day 2026, Christmas and Boxing
/// Day 2027).
pub const ENGLAND_AND_WALES_2024_2027: [SeedHoliday; 32] = [
    h("2024-01-01", NEW_YEAR, "", true),
    h("2024-03-29", "Good Friday", "", false),
    h("2024-04-01", "Easter Monday", "", true),
    h("2024-05-06", "Early May bank holiday", "", true),
    h("2024-05-27", "Spring bank holiday", "", true),
    h("2024-08-26", "Summer bank holiday", "", true),
    h("2024-12-25", "Christmas Day", "", true),
    h("2024-12-26", "Boxing Day", "", true),
    h("2025-01-01", NEW_YEAR, "", true),
    h("2025-04-18", "Good Friday", "", false),
    h("2025-04-21", "Easter Monday", "", true),
    h("2025-05-05", "Early May bank holiday", "", true),
    h("2025-05-26", "Spring bank holiday", "", true),
    h("2025-08-25", "Summer bank holiday", "", true),
    h("2025-12-25", "Christmas Day", "", true),
    h("2025-12-26", "Boxing Day", "", true),
    h("2026-01-01", NEW_YEAR, "", true),
    h("2026-04-03", "Good Friday", "", false),
    h("2026-04-06", "Easter Monday", "", true),
    h("2026-05-04", "Early May bank holiday", "", true),
    h("2026-05-25", "Spring bank holiday", "", true),
    h("2026-08-31", "Summer bank holiday", "", true),
    h("2026-12-25", "Christmas Day", "", true),
    h("2026-12-28", "Boxing Day", SUBSTITUTE, true),
    h("2027-01-01", NEW_YEAR, "", true),
    h("2027-03-26", "Good Friday", "", false),
    h("2027-03-29", "Easter Monday", "", true),
    h("2027-05-03", "Early May bank holiday", "", true),
    h("2027-05-31", "Spring bank holiday", "", true),
    h("2027-08-30", "Summer bank holiday", "", true),
    h("2027-12-27", "Christmas Day", SUBSTITUTE, true),
    h("2027-12-28", "Boxing Day", SUBSTITUTE, true),
];

#[derive(DeriveIden)]
enum BankHolidays {
    Table,
    Division,
    HolidayOn,
    Title,
    Notes,
    Bunting,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BankHolidays::Table)
                    .col(string_len(BankHolidays::Division, 32))
                    .col(date(BankHolidays::HolidayOn))
                    .col(string_len(BankHolidays::Title, 200))
                    .col(string_len(BankHolidays::Notes, 200))
                    .col(boolean(BankHolidays::Bunting))
                    .primary_key(
                        Index::create()
                            .col(BankHolidays::Division)
                            .col(BankHolidays::HolidayOn),
                    )
                    .to_owned(),
            )
            .await?;

        let mut insert = Query::insert();
        insert.into_table(BankHolidays::Table).columns([
            BankHolidays::Division,
            BankHolidays::HolidayOn,
            BankHolidays::Title,
            BankHolidays::Notes,
            BankHolidays::Bunting,
        ]);
        for holiday in ENGLAND_AND_WALES_2024_2027 {
            let on: sea_orm::prelude::Date = holiday
                .date
                .parse()
                .map_err(|e| DbErr::Migration(format!("{}: {e}", holiday.date)))?;
            insert
                .values([
                    ENGLAND_AND_WALES.into(),
                    on.into(),
                    holiday.title.into(),
                    holiday.notes.into(),
                    holiday.bunting.into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?;
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BankHolidays::Table).to_owned())
            .await
    }
}
