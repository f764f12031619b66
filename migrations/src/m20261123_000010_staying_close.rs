//! Staying Close support plans: care-leaver profiles, plans with their
//! versions, goals and progress, check-ins and reviews, the young person's
//! comments and agreement, the SSDA903 records (accommodation, in touch,
//! activity), allowance and bursary claims, and the effective-dated caps
//! those claims are checked against (held as data, seeded here).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn stamps(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
}

const TABLES: [&str; 13] = [
    "claims",
    "allowance_caps",
    "plan_responses",
    "plan_comments",
    "reviews",
    "check_ins",
    "activity_records",
    "in_touch_records",
    "accommodation_records",
    "goal_progress",
    "plan_goals",
    "plan_versions",
    "plans",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("staying_close_settings")
                    .col(uuid("local_authority_id").primary_key())
                    .col(integer("support_to_age"))
                    .col(integer("check_in_interval_days"))
                    .col(integer("review_interval_months"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "staying_close_settings_la",
                        ("staying_close_settings", "local_authority_id"),
                        ("local_authorities", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("care_leavers")
                        .col(uuid("person_id").primary_key())
                        .col(uuid("local_authority_id"))
                        .col(string_len("child_ref", 10))
                        .col(string_len("category", 24))
                        .col(date_null("left_care_on"))
                        .col(uuid_null("childrens_home_id"))
                        .foreign_key(&mut fk(
                            "care_leavers_person",
                            ("care_leavers", "person_id"),
                            ("people", "id"),
                        ))
                        .foreign_key(&mut fk(
                            "care_leavers_la",
                            ("care_leavers", "local_authority_id"),
                            ("local_authorities", "id"),
                        ))
                        .foreign_key(&mut fk(
                            "care_leavers_home",
                            ("care_leavers", "childrens_home_id"),
                            ("organisations", "id"),
                        ))
                        .index(
                            Index::create()
                                .name("care_leavers_child_ref")
                                .unique()
                                .col("local_authority_id")
                                .col("child_ref"),
                        ),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("plans")
                        .col(pk_uuid("id"))
                        .col(uuid("person_id"))
                        .col(uuid("local_authority_id"))
                        .col(string_len("status", 16))
                        .col(string_len_null("end_reason", 32))
                        .col(date("start_date"))
                        .col(date("planned_end_date"))
                        .col(uuid_null("key_worker_id"))
                        .col(uuid_null("personal_adviser_id"))
                        .col(integer("check_in_interval_days"))
                        .col(integer("version"))
                        .col(integer_null("shared_version"))
                        .col(date_null("next_check_in_due"))
                        .col(date_null("next_review_due"))
                        .foreign_key(&mut fk(
                            "plans_person",
                            ("plans", "person_id"),
                            ("care_leavers", "person_id"),
                        ))
                        .foreign_key(&mut fk(
                            "plans_la",
                            ("plans", "local_authority_id"),
                            ("local_authorities", "id"),
                        ))
                        .foreign_key(&mut fk(
                            "plans_key_worker",
                            ("plans", "key_worker_id"),
                            ("people", "id"),
                        ))
                        .foreign_key(&mut fk(
                            "plans_personal_adviser",
                            ("plans", "personal_adviser_id"),
                            ("people", "id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // One plan that is not ended per young person; workers' caseloads.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX plans_one_open ON plans (person_id) WHERE status <> 'ended'",
        )
        .await?;
        for (name, cols) in [
            ("plans_la_status", "local_authority_id, status, id"),
            ("plans_key_worker", "key_worker_id"),
            ("plans_personal_adviser", "personal_adviser_id"),
            ("plans_person", "person_id"),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON plans ({cols})"))
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("plan_versions")
                    .col(uuid("plan_id"))
                    .col(integer("version"))
                    .col(uuid_null("changed_by_account_id"))
                    .col(uuid_null("changed_by_person_id"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .col(string_len("summary", 64))
                    .col(text("changes"))
                    .col(text("snapshot"))
                    .primary_key(Index::create().col("plan_id").col("version"))
                    .foreign_key(&mut fk(
                        "plan_versions_plan",
                        ("plan_versions", "plan_id"),
                        ("plans", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("plan_goals")
                        .col(pk_uuid("id"))
                        .col(uuid("plan_id"))
                        .col(string_len("section", 40))
                        .col(string_len("title", 300))
                        .col(string_len_null("helper", 200))
                        .col(date_null("target_date"))
                        .col(string_len("status", 16))
                        .col(timestamp_with_time_zone_null("removed_at"))
                        .foreign_key(&mut fk(
                            "plan_goals_plan",
                            ("plan_goals", "plan_id"),
                            ("plans", "id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("goal_progress")
                        .col(pk_uuid("id"))
                        .col(uuid("goal_id"))
                        .col(uuid("plan_id"))
                        .col(uuid("author_person_id"))
                        .col(text("note"))
                        .foreign_key(&mut fk(
                            "goal_progress_goal",
                            ("goal_progress", "goal_id"),
                            ("plan_goals", "id"),
                        ))
                        .foreign_key(&mut fk(
                            "goal_progress_author",
                            ("goal_progress", "author_person_id"),
                            ("people", "id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        // The SSDA903 records are the young person's, not a plan's: they
        // continue across plans and are what the OC3 return is built from.
        for (table, columns) in [
            ("accommodation_records", "accommodation"),
            ("in_touch_records", "in_touch"),
            ("activity_records", "activity"),
        ] {
            let mut create = Table::create();
            create
                .table(table)
                .col(pk_uuid("id"))
                .col(uuid("person_id"))
                .col(uuid("local_authority_id"))
                .col(date("recorded_on"))
                .col(uuid_null("recorded_by_person_id"));
            match columns {
                "accommodation" => {
                    create
                        .col(string_len("code", 1))
                        .col(boolean("suitable"))
                        .col(text("assessment"))
                        .col(date_null("ended_on"));
                }
                "in_touch" => {
                    create.col(string_len("status", 4));
                }
                _ => {
                    create.col(string_len("code", 2));
                }
            }
            stamps(&mut create).foreign_key(&mut fk(
                &format!("{table}_person"),
                (table, "person_id"),
                ("care_leavers", "person_id"),
            ));
            manager.create_table(create.to_owned()).await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {table}_person_date ON {table} (person_id, recorded_on)"
            ))
            .await?;
            db.execute_unprepared(&format!(
                "CREATE INDEX {table}_la ON {table} (local_authority_id, recorded_on)"
            ))
            .await?;
        }
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("check_ins")
                        .col(pk_uuid("id"))
                        .col(uuid("plan_id"))
                        .col(date("due_on"))
                        .col(date_null("held_on"))
                        .col(string_len_null("mode", 16))
                        .col(uuid_null("held_by_person_id"))
                        .col(text_null("note"))
                        .col(string_len("status", 16))
                        .foreign_key(&mut fk(
                            "check_ins_plan",
                            ("check_ins", "plan_id"),
                            ("plans", "id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("reviews")
                        .col(pk_uuid("id"))
                        .col(uuid("plan_id"))
                        .col(date("due_on"))
                        .col(date_null("held_on"))
                        .col(boolean("requested_by_young_person"))
                        .col(text_null("reason"))
                        .col(uuid_null("held_by_person_id"))
                        .col(text_null("note"))
                        .col(string_len("status", 16))
                        .foreign_key(&mut fk(
                            "reviews_plan",
                            ("reviews", "plan_id"),
                            ("plans", "id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("plan_comments")
                        .col(pk_uuid("id"))
                        .col(uuid("plan_id"))
                        .col(integer("plan_version"))
                        .col(uuid("author_person_id"))
                        .col(text("body"))
                        .foreign_key(&mut fk(
                            "plan_comments_plan",
                            ("plan_comments", "plan_id"),
                            ("plans", "id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("plan_responses")
                        .col(pk_uuid("id"))
                        .col(uuid("plan_id"))
                        .col(integer("plan_version"))
                        .col(uuid("person_id"))
                        .col(boolean("agrees"))
                        .col(text("words"))
                        .foreign_key(&mut fk(
                            "plan_responses_plan",
                            ("plan_responses", "plan_id"),
                            ("plans", "id"),
                        )),
                )
                .index(
                    Index::create()
                        .name("plan_responses_version")
                        .unique()
                        .col("plan_id")
                        .col("plan_version"),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("allowance_caps")
                    .col(string_len("kind", 32))
                    .col(date("effective_from"))
                    .col(big_integer("amount_pence"))
                    .primary_key(Index::create().col("kind").col("effective_from"))
                    .to_owned(),
            )
            .await?;
        // Leaving care (setting-up-home) allowance: £2,000, then £3,000 from
        // 1 April 2023. Apprenticeship bursary: £1,000, then £3,000 for
        // apprenticeships starting from 1 August 2023.
        db.execute_unprepared(
            "INSERT INTO allowance_caps (kind, effective_from, amount_pence) VALUES \
             ('setting_up_home', '2000-01-01', 200000), \
             ('setting_up_home', '2023-04-01', 300000), \
             ('apprenticeship_bursary', '2000-01-01', 100000), \
             ('apprenticeship_bursary', '2023-08-01', 300000)",
        )
        .await?;
        manager
            .create_table(
                stamps(
                    Table::create()
                        .table("claims")
                        .col(pk_uuid("id"))
                        .col(uuid("person_id"))
                        .col(uuid("local_authority_id"))
                        .col(string_len("kind", 32))
                        .col(big_integer("amount_pence"))
                        .col(string_len("purpose", 300))
                        .col(date("basis_date"))
                        .col(string_len("status", 16))
                        .col(uuid_null("decided_by_person_id"))
                        .col(timestamp_with_time_zone_null("decided_at"))
                        .col(text_null("decision_note"))
                        .col(timestamp_with_time_zone_null("paid_at"))
                        .foreign_key(&mut fk(
                            "claims_person",
                            ("claims", "person_id"),
                            ("care_leavers", "person_id"),
                        )),
                )
                .to_owned(),
            )
            .await?;
        for (name, table, cols) in [
            ("plan_goals_plan", "plan_goals", "plan_id, updated_at"),
            ("goal_progress_plan", "goal_progress", "plan_id, updated_at"),
            ("check_ins_plan", "check_ins", "plan_id, due_on"),
            ("reviews_plan", "reviews", "plan_id, due_on"),
            ("plan_comments_plan", "plan_comments", "plan_id, updated_at"),
            ("claims_person", "claims", "person_id, kind"),
            ("claims_la", "claims", "local_authority_id, status"),
        ] {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {table} ({cols})"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table("care_leavers").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("staying_close_settings").to_owned())
            .await
    }
}
