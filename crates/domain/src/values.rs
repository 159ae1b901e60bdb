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

/// An hourly rate, exact: a JSON number with at most 2 decimals, ≥ 0, kept
/// as integer minor units (cents). No floating point after parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HourlyRate(i64);

/// The largest rate accepted, in major units.
const MAX_RATE: i64 = 1_000_000_000;

impl HourlyRate {
    /// Validates a rate as it came in JSON. The number's shortest decimal
    /// form (what the client wrote, for up to 15 significant digits) must
    /// have at most 2 decimals.
    pub fn parse(value: f64) -> Result<Self, DomainError> {
        non_negative("hourly_rate", value, MAX_RATE as f64)?;
        Self::parse_decimal(&format!("{value}"))
    }

    /// Parses a plain decimal text such as `12.5` (≥ 0, at most 2 decimals).
    pub fn parse_decimal(text: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::invalid(
                "hourly_rate",
                "must be a number ≥ 0 with at most 2 decimals",
            )
        };
        let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if frac.len() > 2 {
            return Err(DomainError::invalid(
                "hourly_rate",
                "must have at most 2 decimals (whole cents)",
            ));
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        if whole > MAX_RATE {
            return Err(DomainError::invalid(
                "hourly_rate",
                format!("must be at most {MAX_RATE}"),
            ));
        }
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        Ok(Self(whole * 100 + cents))
    }

    /// From stored minor units (negative values become 0).
    pub fn from_minor(minor: i64) -> Self {
        Self(minor.max(0))
    }

    /// The rate in minor units (cents per hour).
    pub fn minor(self) -> i64 {
        self.0
    }

    /// The rate as a JSON number for output only (`12.5`); never used to
    /// compute money.
    pub fn to_json_number(self) -> serde_json::Number {
        let text = format!("{}.{:02}", self.0 / 100, self.0 % 100);
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .unwrap_or_else(|| serde_json::Number::from(self.0 / 100))
    }
}

impl Serialize for HourlyRate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_number().serialize(s)
    }
}

/// The amount of `seconds` at `rate_minor` per hour, in minor units,
/// rounded half up: `round_half_up(seconds × rate_minor / 3600)`, exact in
/// integers.
pub fn amount_minor(seconds: i64, rate_minor: i64) -> i64 {
    let product = i128::from(seconds.max(0)) * i128::from(rate_minor.max(0));
    i64::try_from((product + 1800) / 3600).unwrap_or(i64::MAX)
}

/// An ISO 4217 currency code: three uppercase letters of a known currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

/// The ISO 4217 codes accepted (active currencies).
pub const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

impl Currency {
    /// The euro, the default of `DEFAULT_CURRENCY`.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Validates a code (`EUR`); `field` names the input in the error.
    pub fn parse_field(field: &'static str, value: &str) -> Result<Self, DomainError> {
        let bytes = value.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(DomainError::invalid(
                field,
                "must be an ISO 4217 code of three uppercase letters, like EUR",
            ));
        }
        if !CURRENCIES.contains(&value) {
            return Err(DomainError::invalid(
                field,
                "is not a known ISO 4217 currency code",
            ));
        }
        Ok(Self([bytes[0], bytes[1], bytes[2]]))
    }

    /// Validates a `currency` field.
    pub fn parse(value: &str) -> Result<Self, DomainError> {
        Self::parse_field("currency", value)
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("EUR")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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
        assert_eq!(HourlyRate::parse(12.5).unwrap().minor(), 1250);
        assert_eq!(HourlyRate::parse(0.1).unwrap().minor(), 10);
        assert_eq!(HourlyRate::parse(85.55).unwrap().minor(), 8555);
        assert_eq!(HourlyRate::parse(100.0).unwrap().minor(), 10_000);
        assert!(HourlyRate::parse(12.345).is_err());
        assert!(HourlyRate::parse(1e10).is_err());
        assert_eq!(
            HourlyRate::from_minor(1250).to_json_number().to_string(),
            "12.5"
        );
        assert_eq!(amount_minor(1, 3600), 1);
        assert_eq!(amount_minor(1, 1799), 0);
        assert_eq!(amount_minor(1, 1800), 1);
        assert_eq!(amount_minor(1200, 10_000), 3333);
        assert!(Currency::parse("EUR").is_ok());
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("XXY").is_err());
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
