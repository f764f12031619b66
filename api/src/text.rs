//! Text that people type, checked one way for every domain.
//!
//! Three kinds, from strictest to most permissive:
//! - [`name`]: names shown to other people (API clients, later people,
//!   organisations, courses): one line, and no bidirectional controls, so a
//!   right-to-left override cannot make a name read differently to staff.
//! - [`line`]: one line of prose (a goal's title, a claim's purpose).
//! - [`prose`]: several lines (comments, notes, reasons); tabs and line
//!   breaks allowed, `\r\n` kept as `\n`.
//!
//! Every kind is trimmed, must hold at least one visible character (zero
//! width spaces, byte-order marks and other default-ignorable characters do
//! not count), may not hold control characters, and has a maximum length in
//! characters. [`control_character`] is also what the GraphQL layer uses to
//! refuse control characters in every string argument before execution
//! (`graphql::inputs`), so none ever reaches the database.

use crate::error::{AppError, AppResult};

/// Which rule a field follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Line,
    Prose,
}

/// A name shown to other people: one line, visible, no bidi controls.
pub fn name(field: &str, value: &str, max: usize) -> AppResult<String> {
    check(field, value, max, Kind::Name)
}

/// One line of text.
pub fn line(field: &str, value: &str, max: usize) -> AppResult<String> {
    check(field, value, max, Kind::Line)
}

/// Text of several lines.
pub fn prose(field: &str, value: &str, max: usize) -> AppResult<String> {
    check(field, value, max, Kind::Prose)
}

/// Like [`line`], but absent or blank (only whitespace) means none.
pub fn optional_line(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    optional(field, value, max, Kind::Line)
}

/// Like [`prose`], but absent or blank (only whitespace) means none.
pub fn optional_prose(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    optional(field, value, max, Kind::Prose)
}

fn optional(field: &str, value: Option<&str>, max: usize, kind: Kind) -> AppResult<Option<String>> {
    match value {
        Some(v) if !v.trim().is_empty() => check(field, v, max, kind).map(Some),
        _ => Ok(None),
    }
}

/// The first control character in `value`, if any. Tabs and line breaks
/// (`\t`, `\n`, `\r`) are not counted: whether a field may hold them is the
/// field's rule. C0 controls, DEL and C1 controls are.
pub fn control_character(value: &str) -> Option<char> {
    value
        .chars()
        .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Characters that render as nothing: Unicode's default-ignorable code
/// points (zero-width spaces and joiners, the byte-order mark, soft hyphen,
/// bidi and other format controls, variation selectors, tags, fillers),
/// plus the blank Braille pattern.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Bidirectional embeddings and overrides (LRE, RLE, PDF, LRO, RLO): they
/// reorder the text that follows and are refused in every kind.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}')
}

/// Every bidirectional control: the overrides above plus marks (ALM, LRM,
/// RLM) and isolates (LRI, RLI, FSI, PDI). Prose in right-to-left languages
/// may need marks and isolates; names may not hold any.
fn is_bidi_control(c: char) -> bool {
    is_bidi_override(c)
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2066}'..='\u{2069}'
        )
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

fn check(field: &str, value: &str, max: usize, kind: Kind) -> AppResult<String> {
    // Trim whitespace and invisible characters from both ends (bidi
    // controls stay, so that an isolate keeps its closing partner).
    let trimmed =
        value.trim_matches(|c: char| c.is_whitespace() || (is_invisible(c) && !is_bidi_control(c)));
    if !trimmed
        .chars()
        .any(|c| !c.is_whitespace() && !c.is_control() && !is_invisible(c))
    {
        return Err(AppError::bad_input(
            field,
            "must have some visible text in it",
        ));
    }
    if control_character(trimmed).is_some() {
        return Err(AppError::bad_input(
            field,
            "must not contain control characters",
        ));
    }
    if kind != Kind::Prose && trimmed.chars().any(|c| c == '\t' || is_line_break(c)) {
        return Err(AppError::bad_input(
            field,
            "must be on one line, without tabs or line breaks",
        ));
    }
    if kind == Kind::Name && trimmed.chars().any(is_bidi_control) {
        return Err(AppError::bad_input(
            field,
            "must not contain right-to-left or left-to-right control characters",
        ));
    }
    if trimmed.chars().any(is_bidi_override) {
        return Err(AppError::bad_input(
            field,
            "must not contain characters that reverse the direction of the text",
        ));
    }
    let text = if kind == Kind::Prose {
        trimmed.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        trimmed.to_string()
    };
    if text.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text)
}

/// A time of day given as `HH:MM` (24-hour), such as `21:00`.
pub fn time_of_day(field: &str, value: &str) -> AppResult<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .map_err(|_| AppError::bad_input(field, "must be a time as HH:MM, such as 21:00"))
}

/// One CSV line (RFC 4180): fields with a comma, quote or line break are
/// quoted, quotes doubled; ends with a line break. A field a spreadsheet
/// would run as a formula (starting `=`, `+`, `-`, `@`, a tab or a carriage
/// return, and not a plain number) is neutralised with a leading `'`.
pub fn csv_line(fields: &[&str]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|value| {
            let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r'])
                && value.parse::<f64>().is_err()
            {
                format!("'{value}")
            } else {
                (*value).to_string()
            };
            if value.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value
            }
        })
        .collect();
    let mut line = quoted.join(",");
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: AppResult<String>) -> String {
        match result {
            Err(AppError::BadUserInput { message, .. }) => message,
            other => panic!("expected BAD_USER_INPUT, got {other:?}"),
        }
    }

    #[test]
    fn invisible_text_is_refused_in_every_kind() {
        for value in [
            "",
            "   ",
            "\u{200B}\u{200B}",
            "\u{FEFF}",
            "\u{200D} \u{2060}",
            "\u{00AD}",
            "\u{3164}",
            "\u{2800}",
            "\u{E0041}",
        ] {
            for check in [name, line, prose] {
                assert!(
                    refused(check("f", value, 100)).contains("visible"),
                    "{value:?}"
                );
            }
        }
    }

    #[test]
    fn csv_fields_cannot_run_as_formulas() {
        assert_eq!(
            csv_line(&["=HYPERLINK(\"x\")", "+1+1", "@SUM(A1)", "-3", "-2.5", "Ann"]),
            "\"'=HYPERLINK(\"\"x\"\")\",'+1+1,'@SUM(A1),-3,-2.5,Ann\n"
        );
        assert_eq!(csv_line(&["\tcmd", "-x"]), "'\tcmd,'-x\n");
    }

    #[test]
    fn control_characters_are_refused() {
        for value in ["a\u{0}b", "a\u{7}b", "a\u{1b}[31mb", "a\u{7f}b", "a\u{85}b"] {
            for check in [name, line, prose] {
                assert!(
                    refused(check("f", value, 100)).contains("control"),
                    "{value:?}"
                );
            }
        }
        assert_eq!(control_character("tab\tand\r\nline"), None);
        assert_eq!(control_character("nul\u{0}"), Some('\u{0}'));
    }

    #[test]
    fn only_prose_spans_lines() {
        assert_eq!(
            prose("f", " one\r\ntwo\tthree\r", 100).unwrap(),
            "one\ntwo\tthree"
        );
        for value in ["one\ntwo", "a\tb", "a\u{2028}b"] {
            assert!(refused(line("f", value, 100)).contains("one line"));
            assert!(refused(name("f", value, 100)).contains("one line"));
        }
    }

    #[test]
    fn names_refuse_bidi_controls_and_text_refuses_overrides() {
        let spoof = "Carers \u{202E}ppA";
        assert!(refused(name("f", spoof, 100)).contains("right-to-left"));
        assert!(refused(line("f", spoof, 100)).contains("direction"));
        assert!(refused(prose("f", spoof, 100)).contains("direction"));
        // Marks and isolates are kept where prose may need them.
        let arabic = "\u{2067}\u{0645}\u{0631}\u{062D}\u{0628}\u{0627}\u{2069} and thanks";
        assert_eq!(prose("f", arabic, 100).unwrap(), arabic);
        assert!(name("f", arabic, 100).is_err());
        assert!(name("f", "A\u{200F}", 100).is_err());
    }

    #[test]
    fn visible_text_is_trimmed_and_kept() {
        assert_eq!(
            name("f", " \u{FEFF}Carers App\u{200B} ", 100).unwrap(),
            "Carers App"
        );
        assert_eq!(line("f", "Find a flat 🏠", 100).unwrap(), "Find a flat 🏠");
        assert_eq!(line("f", "Zoë", 100).unwrap(), "Zoë");
        // A joiner inside an emoji sequence is part of visible text.
        let family = "👩\u{200D}👧";
        assert_eq!(line("f", family, 100).unwrap(), family);
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(line("f", &"é".repeat(10), 10).is_ok());
        assert!(refused(line("f", &"é".repeat(11), 10)).contains("at most 10"));
        assert_eq!(optional_line("f", Some("  "), 10).unwrap(), None);
        assert_eq!(optional_prose("f", None, 10).unwrap(), None);
        assert!(optional_line("f", Some("\u{200B}x\u{0}"), 10).is_err());
    }
}
