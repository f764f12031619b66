//! Tenancy and identity: organisations and their commissions, people,
//! accounts with roles in organisations, refresh-token families, security
//! events, and the append-only audit trail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LocalAuthorities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
    Name,
    Kind,
    LocalAuthorityId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Commissions {
    Table,
    Id,
    OrganisationId,
    LocalAuthorityId,
    Service,
    StartsOn,
    EndsOn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum People {
    Table,
    Id,
    GivenName,
    FamilyName,
    DateOfBirth,
    LocalAuthorityId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    PersonId,
    Email,
    PasswordHash,
    Status,
    FailedSignIns,
    LockedUntil,
    LastSignInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoleGrants {
    Table,
    Id,
    AccountId,
    Role,
    OrganisationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    FamilyId,
    AccountId,
    TokenHash,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum SecurityEvents {
    Table,
    Id,
    OccurredAt,
    Kind,
    AccountId,
    Detail,
    RequestId,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorAccountId,
    ActorClientId,
    OnBehalfOfPersonId,
    Action,
    RecordType,
    RecordId,
    Fields,
    SubjectPersonId,
    LocalAuthorityId,
    RequestId,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(pk_uuid(Organisations::Id))
                    .col(string_len(Organisations::Name, 200))
                    .col(string_len(Organisations::Kind, 32))
                    .col(uuid_null(Organisations::LocalAuthorityId))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .col(timestamp_with_time_zone(Organisations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "organisations_local_authority",
                        (Organisations::Table, Organisations::LocalAuthorityId),
                        (LocalAuthorities::Table, LocalAuthorities::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Commissions::Table)
                    .col(pk_uuid(Commissions::Id))
                    .col(uuid(Commissions::OrganisationId))
                    .col(uuid(Commissions::LocalAuthorityId))
                    .col(string_len(Commissions::Service, 32))
                    .col(date(Commissions::StartsOn))
                    .col(date_null(Commissions::EndsOn))
                    .col(timestamp_with_time_zone(Commissions::CreatedAt))
                    .col(timestamp_with_time_zone(Commissions::UpdatedAt))
                    .foreign_key(&mut fk(
                        "commissions_organisation",
                        (Commissions::Table, Commissions::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "commissions_local_authority",
                        (Commissions::Table, Commissions::LocalAuthorityId),
                        (LocalAuthorities::Table, LocalAuthorities::Id),
                    ))
                    .index(
                        Index::create()
                            .name("commissions_unique")
                            .unique()
                            .col(Commissions::OrganisationId)
                            .col(Commissions::LocalAuthorityId)
                            .col(Commissions::Service),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(People::Table)
                    .col(pk_uuid(People::Id))
                    .col(string_len(People::GivenName, 100))
                    .col(string_len(People::FamilyName, 100))
                    .col(date_null(People::DateOfBirth))
                    .col(uuid_null(People::LocalAuthorityId))
                    .col(timestamp_with_time_zone(People::CreatedAt))
                    .col(timestamp_with_time_zone(People::UpdatedAt))
                    .foreign_key(&mut fk(
                        "people_local_authority",
                        (People::Table, People::LocalAuthorityId),
                        (LocalAuthorities::Table, LocalAuthorities::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_uuid(Accounts::Id))
                    .col(uuid_uniq(Accounts::PersonId))
                    .col(string_len_uniq(Accounts::Email, 254))
                    .col(text_null(Accounts::PasswordHash))
                    .col(string_len(Accounts::Status, 16))
                    .col(integer(Accounts::FailedSignIns).default(0))
                    .col(timestamp_with_time_zone_null(Accounts::LockedUntil))
                    .col(timestamp_with_time_zone_null(Accounts::LastSignInAt))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .col(timestamp_with_time_zone(Accounts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "accounts_person",
                        (Accounts::Table, Accounts::PersonId),
                        (People::Table, People::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoleGrants::Table)
                    .col(pk_uuid(RoleGrants::Id))
                    .col(uuid(RoleGrants::AccountId))
                    .col(string_len(RoleGrants::Role, 32))
                    .col(uuid(RoleGrants::OrganisationId))
                    .col(timestamp_with_time_zone(RoleGrants::CreatedAt))
                    .foreign_key(&mut fk(
                        "role_grants_account",
                        (RoleGrants::Table, RoleGrants::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .foreign_key(&mut fk(
                        "role_grants_organisation",
                        (RoleGrants::Table, RoleGrants::OrganisationId),
                        (Organisations::Table, Organisations::Id),
                    ))
                    .index(
                        Index::create()
                            .name("role_grants_unique")
                            .unique()
                            .col(RoleGrants::AccountId)
                            .col(RoleGrants::Role)
                            .col(RoleGrants::OrganisationId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(pk_uuid(RefreshTokens::Id))
                    .col(uuid(RefreshTokens::FamilyId))
                    .col(uuid(RefreshTokens::AccountId))
                    .col(string_len_uniq(RefreshTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(RefreshTokens::IssuedAt))
                    .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                    .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                    .foreign_key(&mut fk(
                        "refresh_tokens_account",
                        (RefreshTokens::Table, RefreshTokens::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("refresh_tokens_family", RefreshTokens::FamilyId),
            ("refresh_tokens_account_id", RefreshTokens::AccountId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(RefreshTokens::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(SecurityEvents::Table)
                    .col(big_pk_auto(SecurityEvents::Id))
                    .col(timestamp_with_time_zone(SecurityEvents::OccurredAt))
                    .col(string_len(SecurityEvents::Kind, 64))
                    .col(uuid_null(SecurityEvents::AccountId))
                    .col(text(SecurityEvents::Detail))
                    .col(string_len(SecurityEvents::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .col(uuid_null(AuditEvents::ActorAccountId))
                    .col(uuid_null(AuditEvents::ActorClientId))
                    .col(uuid_null(AuditEvents::OnBehalfOfPersonId))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len(AuditEvents::RecordType, 64))
                    .col(uuid_null(AuditEvents::RecordId))
                    .col(text(AuditEvents::Fields))
                    .col(uuid_null(AuditEvents::SubjectPersonId))
                    .col(uuid_null(AuditEvents::LocalAuthorityId))
                    .col(string_len(AuditEvents::RequestId, 64))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("audit_events_subject", AuditEvents::SubjectPersonId),
            (
                "audit_events_local_authority",
                AuditEvents::LocalAuthorityId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditEvents::Table)
                        .col(column)
                        .col(AuditEvents::Id)
                        .to_owned(),
                )
                .await?;
        }
        // Append-only: the database itself refuses to change or remove an
        // audit record, whatever the application does.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
                )
                .await?;
            }
            _ => {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER audit_events_no_{} BEFORE {op} ON audit_events \
                         BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
                        op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            SecurityEvents::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            RoleGrants::Table.into_iden(),
            Accounts::Table.into_iden(),
            People::Table.into_iden(),
            Commissions::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS audit_events_append_only()")
                .await?;
        }
        Ok(())
    }
}
