//! People and organisations administration: onboarding, invitations,
//! roles, second factor and single sign-on.
//! - `organisations.requires_second_factor`: staff holding roles that read
//!   case records must pass a second factor at sign-in;
//! - `commissions`: a commission may have several periods (never
//!   overlapping, checked by the service), so the one-row-per-pair index
//!   goes;
//! - `accounts.disabled_at` / `password_changed_at`;
//! - `invitations`: staff invited into an organisation with the roles they
//!   will hold, by a single-use link (its token stored only as a SHA-256
//!   hash), expiring after 7 days;
//! - `account_tokens`: other single-use secrets sent to, or read out to, an
//!   account's holder (`purpose`: password reset links, activation codes,
//!   email-change codes), stored only as hashes, with an attempt count;
//! - `second_factors` (a TOTP seed, encrypted with the configured key, and
//!   the last time step used, so a code is never accepted twice),
//!   `recovery_codes` (hashed) and `sign_in_challenges` (the step between a
//!   correct password and the second factor);
//! - `identity_providers` (an organisation's OpenID Connect issuer and
//!   client; the client secret encrypted), `external_identities` (an
//!   account linked to an issuer's subject) and `sso_logins` (state, nonce
//!   and PKCE verifier of a sign-in in flight);
//! - `security_events.method`: how a sign-in was made, for the sign-in
//!   history.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::util::fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INVITATIONS: &str = "invitations";
const TOKENS: &str = "account_tokens";
const FACTORS: &str = "second_factors";
const RECOVERY: &str = "recovery_codes";
const CHALLENGES: &str = "sign_in_challenges";
const PROVIDERS: &str = "identity_providers";
const EXTERNAL: &str = "external_identities";
const SSO: &str = "sso_logins";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let timestamp_type = match manager.get_database_backend() {
            DbBackend::Sqlite => "timestamp_with_timezone_text",
            _ => "timestamp with time zone",
        };
        for statement in [
            "ALTER TABLE organisations ADD COLUMN requires_second_factor boolean NOT NULL DEFAULT FALSE"
                .to_string(),
            format!("ALTER TABLE accounts ADD COLUMN disabled_at {timestamp_type} NULL"),
            format!("ALTER TABLE accounts ADD COLUMN password_changed_at {timestamp_type} NULL"),
            "ALTER TABLE security_events ADD COLUMN method varchar(32) NULL".to_string(),
            "CREATE INDEX security_events_account ON security_events (account_id, occurred_at)"
                .to_string(),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        allow_commission_periods(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(INVITATIONS)
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(string_len("email", 254))
                    .col(string_len("given_name", 100))
                    .col(string_len("family_name", 100))
                    // Stored role codes, comma-separated, each allowed for
                    // the organisation's kind when invited.
                    .col(string_len("roles", 500))
                    .col(string_len_uniq("token_hash", 64))
                    .col(uuid("invited_by_account_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("accepted_at"))
                    .col(uuid_null("account_id"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(&mut fk(
                        "invitations_organisation",
                        (INVITATIONS, "organisation_id"),
                        ("organisations", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "invitations_invited_by",
                        (INVITATIONS, "invited_by_account_id"),
                        ("accounts", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "invitations_account",
                        (INVITATIONS, "account_id"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TOKENS)
                    .col(pk_uuid("id"))
                    .col(uuid("account_id"))
                    // password_reset, activation, email_change
                    .col(string_len("purpose", 32))
                    .col(string_len("token_hash", 64))
                    // The address an email change moves to.
                    .col(string_len_null("new_email", 254))
                    .col(integer("attempts").default(0))
                    .col(uuid_null("created_by_account_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk(
                        "account_tokens_account",
                        (TOKENS, "account_id"),
                        ("accounts", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "account_tokens_created_by",
                        (TOKENS, "created_by_account_id"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FACTORS)
                    .col(uuid("account_id").primary_key())
                    .col(text("secret_ciphertext"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .col(big_integer_null("last_used_step"))
                    .col(integer("failed_attempts").default(0))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "second_factors_account",
                        (FACTORS, "account_id"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RECOVERY)
                    .col(pk_uuid("id"))
                    .col(uuid("account_id"))
                    .col(string_len("code_hash", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk(
                        "recovery_codes_account",
                        (RECOVERY, "account_id"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CHALLENGES)
                    .col(pk_uuid("id"))
                    .col(uuid("account_id"))
                    .col(string_len_uniq("token_hash", 64))
                    // second_factor (enter a code) or enrol (set one up
                    // before the first sign-in completes)
                    .col(string_len("purpose", 32))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk(
                        "sign_in_challenges_account",
                        (CHALLENGES, "account_id"),
                        ("accounts", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PROVIDERS)
                    .col(pk_uuid("id"))
                    .col(uuid_uniq("organisation_id"))
                    .col(string_len("issuer", 500))
                    .col(string_len("client_id", 255))
                    .col(text_null("client_secret_ciphertext"))
                    // Comma-separated lower-case domains whose verified
                    // emails may create accounts at first sign-in.
                    .col(string_len("email_domains", 1000).default(""))
                    // Comma-separated role codes such new accounts get
                    // (none by default: invitations only).
                    .col(string_len("new_account_roles", 500).default(""))
                    .col(boolean("enabled").default(true))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "identity_providers_organisation",
                        (PROVIDERS, "organisation_id"),
                        ("organisations", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EXTERNAL)
                    .col(pk_uuid("id"))
                    .col(uuid("account_id"))
                    .col(string_len("issuer", 500))
                    .col(string_len("subject", 255))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_sign_in_at"))
                    .foreign_key(&mut fk(
                        "external_identities_account",
                        (EXTERNAL, "account_id"),
                        ("accounts", "id"),
                    ))
                    .index(
                        Index::create()
                            .name("external_identities_subject")
                            .unique()
                            .col("issuer")
                            .col("subject"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SSO)
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("state_hash", 64))
                    .col(uuid("organisation_id"))
                    .col(string_len("nonce", 128))
                    .col(text("pkce_verifier_ciphertext"))
                    .col(text("return_to"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut fk(
                        "sso_logins_organisation",
                        (SSO, "organisation_id"),
                        ("organisations", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        for statement in [
            "CREATE INDEX invitations_organisation ON invitations (organisation_id, created_at)",
            "CREATE INDEX invitations_email ON invitations (email)",
            "CREATE INDEX account_tokens_lookup ON account_tokens (purpose, token_hash)",
            "CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose)",
            "CREATE INDEX recovery_codes_account ON recovery_codes (account_id)",
            "CREATE INDEX external_identities_account ON external_identities (account_id)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The one-row-per-pair rule is not put back: periods recorded since
        // would break it.
        for table in [
            SSO,
            EXTERNAL,
            PROVIDERS,
            CHALLENGES,
            RECOVERY,
            FACTORS,
            TOKENS,
            INVITATIONS,
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        for statement in [
            "DROP INDEX security_events_account",
            "ALTER TABLE security_events DROP COLUMN method",
            "ALTER TABLE accounts DROP COLUMN password_changed_at",
            "ALTER TABLE accounts DROP COLUMN disabled_at",
            "ALTER TABLE organisations DROP COLUMN requires_second_factor",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}

/// Drops the one-row-per-(organisation, authority, service) rule so a
/// commission can have several periods. PostgreSQL holds it as a named
/// constraint; SQLite as a table constraint, which only a rebuild removes
/// (nothing refers to `commissions`, so the rebuild is safe).
async fn allow_commission_periods(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared(
            "ALTER TABLE commissions DROP CONSTRAINT IF EXISTS commissions_unique",
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS commissions_unique")
            .await?;
    } else {
        manager
            .create_table(
                Table::create()
                    .table("commissions_rebuilt")
                    .col(pk_uuid("id"))
                    .col(uuid("organisation_id"))
                    .col(uuid("local_authority_id"))
                    .col(string_len("service", 32))
                    .col(date("starts_on"))
                    .col(date_null("ends_on"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk(
                        "commissions_organisation",
                        ("commissions_rebuilt", "organisation_id"),
                        ("organisations", "id"),
                    ))
                    .foreign_key(&mut fk(
                        "commissions_local_authority",
                        ("commissions_rebuilt", "local_authority_id"),
                        ("local_authorities", "id"),
                    ))
                    .to_owned(),
            )
            .await?;
        for statement in [
            "INSERT INTO commissions_rebuilt (id, organisation_id, local_authority_id, service, \
             starts_on, ends_on, created_at, updated_at) SELECT id, organisation_id, \
             local_authority_id, service, starts_on, ends_on, created_at, updated_at FROM commissions",
            "DROP TABLE commissions",
            "ALTER TABLE commissions_rebuilt RENAME TO commissions",
        ] {
            db.execute_unprepared(statement).await?;
        }
    }
    db.execute_unprepared(
        "CREATE INDEX commissions_periods ON commissions \
         (organisation_id, local_authority_id, service, starts_on)",
    )
    .await?;
    Ok(())
}
