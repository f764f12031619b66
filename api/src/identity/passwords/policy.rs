//! The password policy every path that sets a password goes through
//! (accepting an invitation, resetting, changing): at least
//! [`MIN_LENGTH`] characters and a zxcvbn score of at least
//! [`MIN_SCORE`], with what an attacker would try first (the person's
//! email, names and organisation) counted as guessable. A refusal is
//! `BAD_USER_INPUT` on the password field, saying why in plain words.

use zxcvbn::{Score, zxcvbn};

use crate::error::{AppError, AppResult};

pub use super::super::password::MIN_LENGTH;

/// zxcvbn's "safely unguessable: moderate protection from offline
/// slow-hash attacks" (about 10^10 guesses or more).
pub const MIN_SCORE: Score = Score::Three;

/// Checks `password` for the `field` it was typed into, against the
/// person's own words (`user_inputs`: email, the parts of it, names,
/// organisation names).
pub fn check(field: &str, password: &str, user_inputs: &[&str]) -> AppResult<()> {
    if password.chars().count() < MIN_LENGTH {
        return Err(AppError::bad_input(
            field,
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    let mut inputs: Vec<String> = Vec::new();
    for input in user_inputs {
        let input = input.trim().to_lowercase();
        if input.is_empty() {
            continue;
        }
        // An email's parts are guessed on their own too ("jo.bloggs",
        // "northmoor").
        for part in input.split(['@', '.', ' ', '-', '_']) {
            if part.len() >= 3 {
                inputs.push(part.to_string());
            }
        }
        inputs.push(input);
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn(password, &inputs);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    let mut message = String::from("is too easy to guess");
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push_str(&format!(": {}", sentence(&warning.to_string())));
        }
        for suggestion in feedback.suggestions() {
            message.push(' ');
            message.push_str(&sentence(&suggestion.to_string()));
        }
    }
    if !message.ends_with('.') {
        message.push('.');
    }
    message.push_str(" A few unrelated words together make a strong password.");
    Err(AppError::bad_input(field, message))
}

/// A piece of feedback as a sentence ending with a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str, inputs: &[&str]) -> String {
        match check("password", password, inputs) {
            Err(AppError::BadUserInput { field, message }) => {
                assert_eq!(field, "password");
                message
            }
            other => panic!("{password}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn short_passwords_are_refused_whatever_their_strength() {
        assert!(refused("x7#Qz!9v", &[]).contains("at least 12 characters"));
    }

    #[test]
    fn common_and_guessable_passwords_are_refused_with_the_reason() {
        let message = refused("password1234", &[]);
        assert!(message.starts_with("is too easy to guess"), "{message}");
        assert!(
            message.len() > "is too easy to guess".len() + 10,
            "{message}"
        );
        refused("qwertyuiop123", &[]);
        refused("aaaaaaaaaaaaaaaa", &[]);
    }

    #[test]
    fn the_persons_own_words_count_as_guessable() {
        let inputs = [
            "jo.bloggs@northmoor.example",
            "Jo",
            "Bloggs",
            "Northmoor Children's Services",
        ];
        // Strong enough for a stranger, not from this person.
        for candidate in [
            "northmoorbloggs",
            "bloggsnorthmoor",
            "jo.bloggs@northmoor.example",
        ] {
            check("password", candidate, &[]).unwrap();
            refused(candidate, &inputs);
        }
    }

    #[test]
    fn strong_passwords_pass() {
        let inputs = ["jo.bloggs@northmoor.example", "Jo", "Bloggs"];
        check("password", "violet tractor spoon meadow", &inputs).unwrap();
        check("newPassword", "Xq7!mZ2#pL9@wR4$", &inputs).unwrap();
    }
}
