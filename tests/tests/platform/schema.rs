//! The checked-in contract must match the live schema.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[test]
fn schema_graphql_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql");
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    let live = closeknit::schema::sdl();
    assert!(
        checked_in == live,
        "schema.graphql is out of date with the code. Regenerate it with:\n\n    cargo run -p closeknit -- export-schema\n\nand commit the result."
    );
}
