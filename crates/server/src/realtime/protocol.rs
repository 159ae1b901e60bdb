//! Messages of `/ws/behavioral` (see `api.md`).

use crate::services::error::ErrorCode;
use behavior_ml::{Event, Level, Modality, ModelUsed, ProfileState, UserProfiles};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use workspace_domain::SessionId;

/// Largest accepted text message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Most events in one `behavior` message.
pub const MAX_EVENTS: usize = 2_000;
/// Sustained messages per second a connection may send (a token bucket
/// with a burst of twice this).
pub const MESSAGES_PER_SECOND: u32 = 20;

/// The limits a client must respect, as `auth_ok` announces them (the same
/// constants the server enforces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// [`MAX_MESSAGE_BYTES`].
    pub max_message_bytes: usize,
    /// [`MAX_EVENTS`].
    pub max_events: usize,
    /// [`MESSAGES_PER_SECOND`].
    pub messages_per_second: u32,
}

/// The limits of this server.
pub const LIMITS: Limits = Limits {
    max_message_bytes: MAX_MESSAGE_BYTES,
    max_events: MAX_EVENTS,
    messages_per_second: MESSAGES_PER_SECOND,
};
/// Events listed out of time order are sorted before scoring: a keyup
/// listed right after its keydown is normal, and real recordings hold keys
/// for seconds. A jump back larger than this (ms) is also reported to the
/// client with an `error` message, and the events are still scored.
pub const MAX_BACKWARD_MS: f64 = 60_000.0;

/// A problem with one client message; the connection stays.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtocolError {
    /// `bad_request`, `payload_too_large`, `validation_failed`…
    pub code: ErrorCode,
    /// What to fix.
    pub message: String,
}

impl ProtocolError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The `error` message for the client.
    pub fn to_message(&self) -> String {
        server_error(self.code, &self.message)
    }
}

/// `{"type":"error","error":code,"message":…}`.
pub fn server_error(code: ErrorCode, message: &str) -> String {
    serde_json::json!({"type": "error", "error": code, "message": message}).to_string()
}

/// A validated `behavior` message.
#[derive(Debug)]
pub struct BehaviorPacket {
    /// The client's sequence number (echoed in `risk`).
    pub seq: Option<u64>,
    /// Events in time order.
    pub events: Vec<Event>,
    /// A warning for the client (events far out of time order were sorted).
    pub warning: Option<ProtocolError>,
}

#[derive(Deserialize)]
struct RawBehavior {
    #[serde(default)]
    seq: Option<u64>,
    events: Vec<Event>,
}

/// A parsed client message after authentication.
#[derive(Debug)]
pub enum ClientMessage {
    /// Behaviour events.
    Behavior(BehaviorPacket),
    /// An `auth` on an authenticated connection (ignored).
    Auth,
}

/// A well-formed `behavior` or `auth` message, read in one pass straight
/// into events. Anything else (also a message that breaks a limit) fails
/// here and is read again by [`parse_slowly`] for the precise error.
#[derive(Deserialize)]
struct Wellformed<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default, deserialize_with = "at_most_max_events")]
    events: Option<Vec<Event>>,
}

/// `events`, refused beyond [`MAX_EVENTS`] without reading the rest.
fn at_most_max_events<'de, D>(d: D) -> Result<Option<Vec<Event>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Vec<Event>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "at most {MAX_EVENTS} events")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_EVENTS));
            while let Some(e) = seq.next_element()? {
                if events.len() == MAX_EVENTS {
                    return Err(serde::de::Error::custom("too many events"));
                }
                events.push(e);
            }
            Ok(events)
        }
    }
    d.deserialize_seq(Bounded).map(Some)
}

/// Parses and validates one text message: a well-formed message is read
/// once, straight into typed events; one that is not is read again as a
/// JSON value to say exactly what is wrong.
pub fn parse_client(text: &str) -> Result<ClientMessage, ProtocolError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::new(
            ErrorCode::PayloadTooLarge,
            format!("A message may be at most {MAX_MESSAGE_BYTES} bytes; this one was dropped."),
        ));
    }
    match serde_json::from_str::<Wellformed<'_>>(text) {
        Ok(Wellformed {
            kind: "behavior",
            seq,
            events: Some(events),
        }) => {
            let (events, warning) = in_time_order(events);
            Ok(ClientMessage::Behavior(BehaviorPacket {
                seq,
                events,
                warning,
            }))
        }
        Ok(Wellformed { kind: "auth", .. }) => Ok(ClientMessage::Auth),
        _ => parse_slowly(text),
    }
}

/// The precise error of a message [`Wellformed`] did not accept.
fn parse_slowly(text: &str) -> Result<ClientMessage, ProtocolError> {
    let value: Value = serde_json::from_str(text).map_err(|_| {
        ProtocolError::new(
            ErrorCode::BadRequest,
            "The message is not valid JSON; it was dropped.",
        )
    })?;
    let kind = value.get("type").and_then(Value::as_str).ok_or_else(|| {
        ProtocolError::new(
            ErrorCode::BadRequest,
            "The message needs a string field \"type\"; it was dropped.",
        )
    })?;
    match kind {
        "behavior" => {
            if let Some(n) = value.get("events").and_then(Value::as_array).map(Vec::len) {
                if n > MAX_EVENTS {
                    return Err(ProtocolError::new(
                        ErrorCode::PayloadTooLarge,
                        format!("A message may carry at most {MAX_EVENTS} events ({n} sent); it was dropped."),
                    ));
                }
            }
            let raw: RawBehavior = serde_json::from_value(value).map_err(|e| {
                ProtocolError::new(
                    ErrorCode::BadRequest,
                    format!("Malformed behavior message ({e}); it was dropped."),
                )
            })?;
            let (events, warning) = in_time_order(raw.events);
            Ok(ClientMessage::Behavior(BehaviorPacket {
                seq: raw.seq,
                events,
                warning,
            }))
        }
        "auth" => Ok(ClientMessage::Auth),
        other => Err(ProtocolError::new(
            ErrorCode::BadRequest,
            format!("Unknown message type {other:?}; expected \"behavior\"."),
        )),
    }
}

/// Sorts events by time (stably); a jump back in time larger than
/// [`MAX_BACKWARD_MS`] also yields a warning for the client.
fn in_time_order(mut events: Vec<Event>) -> (Vec<Event>, Option<ProtocolError>) {
    let mut latest = f64::NEG_INFINITY;
    let mut warning = None;
    for e in &events {
        let t = e.t();
        if warning.is_none() && t < latest - MAX_BACKWARD_MS {
            warning = Some(ProtocolError::new(
                ErrorCode::ValidationFailed,
                format!("events: timestamps go back in time ({t} after {latest}); they were sorted before scoring."),
            ));
        }
        latest = latest.max(t);
    }
    events.sort_by(|a, b| a.t().total_cmp(&b.t()));
    (events, warning)
}

/// Enrollment state of one modality.
#[derive(Debug, Serialize)]
pub struct ProfileStatus {
    /// `enrolling` or `trained`.
    pub state: ProfileState,
    /// Samples collected.
    pub samples: u32,
    /// Samples needed.
    pub required: u32,
}

/// Both modalities.
#[derive(Debug, Serialize)]
pub struct ProfilesStatus {
    /// Keystrokes.
    pub keystroke: ProfileStatus,
    /// Mouse.
    pub mouse: ProfileStatus,
}

/// The status of a user's profiles.
pub fn profiles_status(p: &UserProfiles) -> ProfilesStatus {
    let one = |m| {
        let (state, samples, required) = p.status(m);
        ProfileStatus {
            state,
            samples,
            required,
        }
    };
    ProfilesStatus {
        keystroke: one(Modality::Keystroke),
        mouse: one(Modality::Mouse),
    }
}

/// Short text for the monitor, e.g. `keystroke:trained mouse:enrolling`
/// (one of four constants: it is sent with every packet).
pub fn profile_summary(p: &UserProfiles) -> &'static str {
    use ProfileState::{Enrolling, Trained};
    match (p.status(Modality::Keystroke).0, p.status(Modality::Mouse).0) {
        (Enrolling, Enrolling) => "keystroke:enrolling mouse:enrolling",
        (Enrolling, Trained) => "keystroke:enrolling mouse:trained",
        (Trained, Enrolling) => "keystroke:trained mouse:enrolling",
        (Trained, Trained) => "keystroke:trained mouse:trained",
    }
}

/// Server → client messages.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// Authentication succeeded.
    AuthOk {
        /// The monitored session.
        session_id: SessionId,
        /// Enrollment state.
        profile: ProfilesStatus,
        /// What the client must respect.
        limits: Limits,
    },
    /// One scored window.
    Risk {
        /// The packet that completed the window.
        seq: Option<u64>,
        /// Which modality.
        modality: Modality,
        /// Window score in [0,1]; `null` in learning mode.
        score: Option<f64>,
        /// Window level.
        level: Level,
        /// Which model scored.
        model: ModelUsed,
        /// Accumulated session risk.
        session_risk: f64,
        /// Features that moved the score most.
        reasons: &'a [String],
    },
    /// Enrollment progressed or a profile was (re)trained.
    Profile {
        /// Which modality.
        modality: Modality,
        /// `enrolling` or `trained`.
        state: ProfileState,
        /// Samples collected.
        samples: u32,
        /// Samples needed.
        required: u32,
    },
    /// Asks the page to confirm the password.
    Challenge {
        /// Why.
        reason: &'a str,
    },
    /// The session has ended.
    Terminated {
        /// `anomaly`, `admin`, `challenge_failed`…
        reason: &'a str,
        /// Session risk at the end.
        session_risk: f64,
    },
}

impl ServerMessage<'_> {
    /// As JSON text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            server_error(ErrorCode::InternalError, "could not encode a message")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_ok_announces_the_limits() {
        let text = serde_json::to_value(LIMITS).unwrap();
        assert_eq!(
            text,
            serde_json::json!({"max_message_bytes":65536,"max_events":2000,"messages_per_second":20})
        );
    }

    #[test]
    fn one_pass_and_precise_errors_agree() {
        // As many events as fit the byte limit (MAX_EVENTS of these would not).
        let many = format!(
            r#"{{"type":"behavior","events":[{}]}}"#,
            vec![r#"{"t":1,"kind":"mousemove","x":1,"y":1}"#; 1_600].join(",")
        );
        let ClientMessage::Behavior(p) = parse_client(&many).unwrap() else {
            panic!("not behavior")
        };
        assert_eq!(p.events.len(), 1_600);
        assert!(matches!(
            parse_client(r#"{"type":"auth","events":"junk","seq":"x"}"#),
            Ok(ClientMessage::Auth)
        ));
        // An escaped type is still a type.
        assert!(matches!(
            parse_client(r#"{"type":"behavio\u0072","events":[]}"#),
            Ok(ClientMessage::Behavior(_))
        ));
        let code = |s: &str| parse_client(s).unwrap_err().code;
        assert_eq!(code(r#"{"type":"behavior"}"#), ErrorCode::BadRequest);
        assert_eq!(
            code(r#"{"type":"behavior","seq":-1,"events":[]}"#),
            ErrorCode::BadRequest
        );
    }

    #[test]
    fn parses_and_orders_behavior() {
        let m = parse_client(
            r#"{"type":"behavior","seq":3,"events":[{"t":10,"kind":"keydown","code":"KeyA"},{"t":90,"kind":"keyup","code":"KeyA"},{"t":50,"kind":"keydown","code":"KeyB"}]}"#,
        )
        .unwrap();
        let ClientMessage::Behavior(p) = m else {
            panic!("not behavior")
        };
        assert_eq!(p.seq, Some(3));
        let ts: Vec<f64> = p.events.iter().map(Event::t).collect();
        assert_eq!(ts, [10.0, 50.0, 90.0]);
    }

    #[test]
    fn rejects_bad_messages_with_codes() {
        let code = |s: &str| parse_client(s).unwrap_err().code;
        use ErrorCode::{BadRequest, PayloadTooLarge, ValidationFailed};
        assert_eq!(code("{"), BadRequest);
        assert_eq!(code(r#"{"type":"dance"}"#), BadRequest);
        assert_eq!(code(r#"{"type":7}"#), BadRequest);
        assert_eq!(code(r#"{"type":"behavior","events":"x"}"#), BadRequest);
        assert_eq!(
            code(r#"{"type":"behavior","events":[{"t":"a","kind":"keydown"}]}"#),
            BadRequest
        );
        assert_eq!(
            code(r#"{"type":"behavior","events":[{"t":1,"kind":"teleport"}]}"#),
            BadRequest
        );
        let jumped = parse_client(
            r#"{"type":"behavior","events":[{"t":100000,"kind":"keydown","code":"KeyA"},{"t":1,"kind":"keyup","code":"KeyA"}]}"#,
        )
        .unwrap();
        let ClientMessage::Behavior(p) = jumped else {
            panic!("not behavior")
        };
        assert_eq!(p.warning.map(|w| w.code), Some(ValidationFailed));
        assert_eq!(p.events[0].t(), 1.0);
        let many = format!(
            r#"{{"type":"behavior","events":[{}]}}"#,
            vec![r#"{"t":1,"kind":"mousemove","x":1,"y":1}"#; 2001].join(",")
        );
        assert_eq!(code(&many), PayloadTooLarge);
        let big = format!(
            r#"{{"type":"behavior","pad":"{}","events":[]}}"#,
            "x".repeat(70_000)
        );
        assert_eq!(code(&big), PayloadTooLarge);
    }
}
