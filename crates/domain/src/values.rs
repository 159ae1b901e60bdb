//! Validated newtypes. Each has a `parse` constructor that is the only way to
//! build it, so holding one proves the value is valid.

use crate::error::DomainError;
use serde::Serialize;
use std::fmt;

/// A username: 3–32 characters of `[A-Za-z0-9_.-]`. Uniqueness is
/// case-insensitive; [`Username::key`] is the form to compare and index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Validates a username as typed (surrounding whitespace is not trimmed:
    /// it is rejected like any other character outside the allowed set).
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let len = value.chars().count();
        if !(3..=32).contains(&len) {
            return Err(DomainError::invalid(
                "username",
                "must be 3 to 32 characters long",
            ));
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        {
            return Err(DomainError::invalid(
                "username",
                "may contain only letters, digits, '_', '.' and '-'",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The username as the user typed it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key used for uniqueness and look-ups.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// The look-up key of any string, valid or not (for look-ups of what a
    /// client typed).
    pub fn key_of(value: &str) -> String {
        value.to_ascii_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password: 8–72 bytes. bcrypt reads at most 72 bytes, so a longer one is
/// rejected rather than silently truncated. Never printed by `Debug`.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Validates a new password.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let len = value.len();
        if len < 8 {
            return Err(DomainError::invalid(
                "password",
                "must be at least 8 bytes long",
            ));
        }
        if len > 72 {
            return Err(DomainError::invalid(
                "password",
                "must be at most 72 bytes long (bcrypt's limit)",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// An e-mail address, checked loosely (one `@`, something on each side, no
/// spaces, at most 254 characters); delivery is the only real check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Validates an address.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        let ok = value.len() <= 254
            && !value.chars().any(char::is_whitespace)
            && matches!(value.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(DomainError::invalid(
                "email",
                "must be an e-mail address like name@example.com",
            ))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn bounded_text(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, DomainError> {
    let trimmed = value.trim();
    let len = trimmed.chars().count();
    if len < min {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if len > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident, $min:expr, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates (surrounding whitespace is trimmed); `field` names the
            /// input in the error.
            pub fn parse_field(field: &'static str, value: &str) -> Result<Self, DomainError> {
                bounded_text(field, value, $min, $max).map(Self)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_newtype!(
    /// A project name: 1–200 characters after trimming.
    ProjectName, 1, 200
);
text_newtype!(
    /// A task title: 1–200 characters after trimming.
    TaskTitle, 1, 200
);
text_newtype!(
    /// A short optional text such as a client's name: up to 200 characters
    /// (an empty string is kept as empty).
    ShortText, 0, 200
);
text_newtype!(
    /// A description: up to 10,000 characters.
    LongText, 0, 10_000
);

text_newtype!(
    /// A label name: 1–50 characters after trimming.
    LabelName, 1, 50
);

impl LabelName {
    /// Validates a label name.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        Self::parse_field("name", value)
    }
}

/// A comment body: 1–10,000 characters, kept as typed (not trimmed), but
/// not only whitespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CommentBody(String);

impl CommentBody {
    /// Validates a comment body.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        if value.trim().is_empty() {
            return Err(DomainError::invalid("body", "must not be empty"));
        }
        if value.chars().count() > 10_000 {
            return Err(DomainError::invalid(
                "body",
                "must be at most 10000 characters long",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl ProjectName {
    /// Validates a project name.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        Self::parse_field("name", value)
    }
}

impl TaskTitle {
    /// Validates a task title.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        Self::parse_field("title", value)
    }
}

fn non_negative(field: &'static str, value: f64, max: f64) -> Result<f64, DomainError> {
    if !value.is_finite() || value < 0.0 {
        return Err(DomainError::invalid(
            field,
            "must be a number greater than or equal to 0",
        ));
    }
    if value > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max}"),
        ));
    }
    Ok(value)
}

/// An hourly rate: a finite number ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct HourlyRate(f64);

impl HourlyRate {
    /// Validates a rate.
    pub fn parse(value: f64) -> Result<Self, DomainError> {
        non_negative("hourly_rate", value, 1e9).map(Self)
    }

    /// The rate.
    pub fn value(self) -> f64 {
        self.0
    }
}

/// An estimate in hours: a finite number ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(transparent)]
pub struct EstimateHours(f64);

impl EstimateHours {
    /// Validates an estimate.
    pub fn parse(value: f64) -> Result<Self, DomainError> {
        non_negative("estimate_hours", value, 1e6).map(Self)
    }

    /// The estimate.
    pub fn value(self) -> f64 {
        self.0
    }
}

/// Parses a calendar date in the `YYYY-MM-DD` form.
pub fn parse_date(field: &'static str, value: &str) -> Result<chrono::NaiveDate, DomainError> {
    let well_formed = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(DomainError::invalid(
            field,
            "must be a date in the form YYYY-MM-DD",
        ));
    }
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| DomainError::invalid(field, "is not a calendar date (YYYY-MM-DD)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("al").is_err());
        assert!(Username::parse("alice").is_ok());
        assert!(Username::parse("a.b-c_D9").is_ok());
        assert!(Username::parse(&"x".repeat(32)).is_ok());
        assert!(Username::parse(&"x".repeat(33)).is_err());
        assert!(Username::parse("al ice").is_err());
        assert!(Username::parse("ålice").is_err());
        assert!(Username::parse(" alice").is_err());
        assert_eq!(Username::parse("Alice").unwrap().key(), "alice");
    }

    #[test]
    fn passwords_are_bounded_in_bytes_and_hidden() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"p".repeat(72)).is_ok());
        assert!(Password::parse(&"p".repeat(73)).is_err());
        // 36 two-byte characters = 72 bytes; 37 = 74 bytes.
        assert!(Password::parse(&"é".repeat(36)).is_ok());
        assert!(Password::parse(&"é".repeat(37)).is_err());
        let p = Password::parse("supersecret").unwrap();
        assert!(!format!("{p:?}").contains("supersecret"));
    }

    #[test]
    fn emails() {
        assert!(Email::parse("a@b.c").is_ok());
        assert!(Email::parse("a@").is_err());
        assert!(Email::parse("@b").is_err());
        assert!(Email::parse("a b@c").is_err());
        assert!(Email::parse("a@b@c").is_err());
    }

    #[test]
    fn texts_and_numbers() {
        assert!(ProjectName::parse("   ").is_err());
        assert_eq!(ProjectName::parse("  Site  ").unwrap().as_str(), "Site");
        assert!(ProjectName::parse(&"n".repeat(200)).is_ok());
        assert!(ProjectName::parse(&"n".repeat(201)).is_err());
        assert!(TaskTitle::parse("a\u{0}b").is_err());
        assert!(ShortText::parse_field("client", "").is_ok());
        assert!(HourlyRate::parse(-1.0).is_err());
        assert!(HourlyRate::parse(f64::NAN).is_err());
        assert!(HourlyRate::parse(0.0).is_ok());
        assert!(EstimateHours::parse(f64::INFINITY).is_err());
        assert_eq!(HourlyRate::parse(-0.5).unwrap_err().field(), "hourly_rate");
    }

    #[test]
    fn dates() {
        assert!(parse_date("due_date", "2026-02-28").is_ok());
        assert!(parse_date("due_date", "2026-02-30").is_err());
        assert!(parse_date("due_date", "2026-2-3").is_err());
        assert!(parse_date("due_date", "28/02/2026").is_err());
        assert!(parse_date("due_date", "+2026-02-28").is_err());
    }
}
