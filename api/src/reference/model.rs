//! Rules for reference data.

use crate::error::{AppError, AppResult};

/// An ONS GSS code such as `E06000039`: a letter, two digits for the entity
/// type, six digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnsCode(String);

impl OnsCode {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let raw = raw.trim().to_ascii_uppercase();
        let bytes = raw.as_bytes();
        let valid = bytes.len() == 9
            && matches!(bytes[0], b'E' | b'W' | b'S' | b'N')
            && bytes[1..].iter().all(u8::is_ascii_digit);
        if !valid {
            return Err(AppError::bad_input(
                field,
                "must be an ONS code: a letter and eight digits, such as E06000039",
            ));
        }
        Ok(OnsCode(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A local authority's display name: 2 to 200 characters after trimming.
pub fn authority_name(field: &str, raw: &str) -> AppResult<String> {
    let name = raw.trim();
    let len = name.chars().count();
    if !(2..=200).contains(&len) || name.chars().any(char::is_control) {
        return Err(AppError::bad_input(
            field,
            "must be 2 to 200 printable characters",
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ons_codes() {
        assert_eq!(
            OnsCode::parse("c", " e06000039 ").unwrap().as_str(),
            "E06000039"
        );
        for bad in ["", "E0600003", "E060000399", "X06000039", "E06O00039"] {
            assert!(OnsCode::parse("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(authority_name("n", "  Northmoor  ").unwrap(), "Northmoor");
        assert!(authority_name("n", "x").is_err());
        assert!(authority_name("n", "a\u{0}b").is_err());
    }
}
