//! Helpers for migrations written from now on (shipped migrations keep
//! their own copies: a shipped migration is never edited).

use sea_orm_migration::prelude::*;

/// A foreign key `from` (table, column) to `to` that refuses deleting the
/// row referred to.
pub fn fk(
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
