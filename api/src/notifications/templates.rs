//! Email templates: files under `api/templates/email/` (a subject, a plain
//! text body and an HTML body per template), compiled into the binary and
//! rendered with minijinja. HTML bodies are auto-escaped; text bodies are
//! not. Wording is plain, for young readers.

use std::sync::OnceLock;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::error::{AppError, AppResult};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "notification.subject.j2",
        include_str!("../../templates/email/notification.subject.j2"),
    ),
    (
        "notification.txt.j2",
        include_str!("../../templates/email/notification.txt.j2"),
    ),
    (
        "notification.html.j2",
        include_str!("../../templates/email/notification.html.j2"),
    ),
    (
        "sign_in_code.subject.j2",
        include_str!("../../templates/email/sign_in_code.subject.j2"),
    ),
    (
        "sign_in_code.txt.j2",
        include_str!("../../templates/email/sign_in_code.txt.j2"),
    ),
    (
        "sign_in_code.html.j2",
        include_str!("../../templates/email/sign_in_code.html.j2"),
    ),
    (
        "invitation.subject.j2",
        include_str!("../../templates/email/invitation.subject.j2"),
    ),
    (
        "invitation.txt.j2",
        include_str!("../../templates/email/invitation.txt.j2"),
    ),
    (
        "invitation.html.j2",
        include_str!("../../templates/email/invitation.html.j2"),
    ),
    (
        "password_reset.subject.j2",
        include_str!("../../templates/email/password_reset.subject.j2"),
    ),
    (
        "password_reset.txt.j2",
        include_str!("../../templates/email/password_reset.txt.j2"),
    ),
    (
        "password_reset.html.j2",
        include_str!("../../templates/email/password_reset.html.j2"),
    ),
    (
        "app_invite.subject.j2",
        include_str!("../../templates/email/app_invite.subject.j2"),
    ),
    (
        "app_invite.txt.j2",
        include_str!("../../templates/email/app_invite.txt.j2"),
    ),
    (
        "app_invite.html.j2",
        include_str!("../../templates/email/app_invite.html.j2"),
    ),
    (
        "email_change_code.subject.j2",
        include_str!("../../templates/email/email_change_code.subject.j2"),
    ),
    (
        "email_change_code.txt.j2",
        include_str!("../../templates/email/email_change_code.txt.j2"),
    ),
    (
        "email_change_code.html.j2",
        include_str!("../../templates/email/email_change_code.html.j2"),
    ),
    (
        "email_change_notice.subject.j2",
        include_str!("../../templates/email/email_change_notice.subject.j2"),
    ),
    (
        "email_change_notice.txt.j2",
        include_str!("../../templates/email/email_change_notice.txt.j2"),
    ),
    (
        "email_change_notice.html.j2",
        include_str!("../../templates/email/email_change_notice.html.j2"),
    ),
];

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn environment() -> AppResult<&'static Environment<'static>> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A missing variable is a bug, not an empty string in someone's email.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html.j2") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_keep_trailing_newline(false);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))
}

/// Renders the subject, text and HTML of template `name` with `context`.
pub fn render(name: &str, context: impl Serialize) -> AppResult<Rendered> {
    let env = environment()?;
    let context = minijinja::Value::from_serialize(&context);
    let part = |suffix: &str| -> AppResult<String> {
        let template = env
            .get_template(&format!("{name}.{suffix}.j2"))
            .map_err(|e| AppError::internal(anyhow::anyhow!("template {name}: {e}")))?;
        template
            .render(&context)
            .map_err(|e| AppError::internal(anyhow::anyhow!("rendering {name}: {e}")))
    };
    Ok(Rendered {
        // A subject is one line, whatever the template's whitespace.
        subject: part("subject")?
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        text: part("txt")?,
        html: part("html")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_template_compiles() {
        environment().unwrap();
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let rendered = render(
            "notification",
            json!({"given_name": "Sam <b>", "title": "Check-in  due\n", "body": "Tom & Jo", "urgent": false}),
        )
        .unwrap();
        assert_eq!(rendered.subject, "Check-in due");
        assert!(rendered.text.contains("Hello Sam <b>,"));
        assert!(rendered.text.contains("Tom & Jo"));
        assert!(rendered.html.contains("Sam &lt;b&gt;"));
        assert!(rendered.html.contains("Tom &amp; Jo"));
        assert!(rendered.text.contains("under Settings"));
    }

    #[test]
    fn a_missing_variable_is_an_error() {
        assert!(render("notification", json!({"title": "x"})).is_err());
        assert!(render("no_such_template", json!({})).is_err());
    }
}
