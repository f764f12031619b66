#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

#[test]
fn child_ref_rules() {
    assert!(child_ref("AB12345678").is_ok());
    assert!(child_ref("AB-1").is_err());
    assert!(child_ref("ABCDEFGHIJK").is_err());
}
