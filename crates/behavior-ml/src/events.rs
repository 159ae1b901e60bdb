//! Raw wire events of the realtime behavioural stream (`api.md`, "Realtime behavioural stream").
//!
//! ```
//! use behavior_ml::events::Event;
//! let e: Event = serde_json::from_str(r#"{"t":1716.5,"kind":"keydown","code":"KeyA"}"#).unwrap();
//! assert_eq!(e.t(), 1716.5);
//! assert!(serde_json::from_str::<Event>(r#"{"t":1,"kind":"teleport"}"#).is_err());
//! ```

use serde::{Deserialize, Serialize};

/// One raw browser event. `t` is milliseconds on the client's monotonic clock.
///
/// The JSON shape is `{"t":…, "kind":"keydown"|"keyup"|"mousemove"|"mousedown"|"mouseup"|"wheel", …}`;
/// an unknown `kind` or a missing field is a deserialisation error (never a panic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    /// A key went down. `code` is `KeyboardEvent.code`, or `None` inside password fields.
    Keydown {
        /// Client time in ms.
        t: f64,
        /// Physical key (`"KeyA"`, `"Space"`…), `None`/`null` when hidden.
        #[serde(default)]
        code: Option<String>,
    },
    /// A key went up.
    Keyup {
        /// Client time in ms.
        t: f64,
        /// Physical key, `None` when hidden.
        #[serde(default)]
        code: Option<String>,
    },
    /// The pointer moved to (`x`, `y`) (CSS pixels).
    Mousemove {
        /// Client time in ms.
        t: f64,
        /// Horizontal position.
        x: f64,
        /// Vertical position.
        y: f64,
    },
    /// A mouse button went down.
    Mousedown {
        /// Client time in ms.
        t: f64,
        /// `MouseEvent.button` (0 left, 1 middle, 2 right).
        #[serde(default)]
        button: u8,
        /// Horizontal position.
        x: f64,
        /// Vertical position.
        y: f64,
    },
    /// A mouse button went up.
    Mouseup {
        /// Client time in ms.
        t: f64,
        /// `MouseEvent.button`.
        #[serde(default)]
        button: u8,
        /// Horizontal position.
        x: f64,
        /// Vertical position.
        y: f64,
    },
    /// A wheel / scroll event.
    Wheel {
        /// Client time in ms.
        t: f64,
        /// Horizontal delta.
        #[serde(default)]
        dx: f64,
        /// Vertical delta.
        #[serde(default)]
        dy: f64,
        /// Horizontal position.
        #[serde(default)]
        x: f64,
        /// Vertical position.
        #[serde(default)]
        y: f64,
    },
}

impl Event {
    /// Client timestamp in milliseconds.
    pub fn t(&self) -> f64 {
        match self {
            Event::Keydown { t, .. }
            | Event::Keyup { t, .. }
            | Event::Mousemove { t, .. }
            | Event::Mousedown { t, .. }
            | Event::Mouseup { t, .. }
            | Event::Wheel { t, .. } => *t,
        }
    }

    /// True for keyboard events.
    pub fn is_keyboard(&self) -> bool {
        matches!(self, Event::Keydown { .. } | Event::Keyup { .. })
    }
}

/// Parse the `events` array of one `behavior` message.
pub fn parse_events(json: &str) -> crate::Result<Vec<Event>> {
    Ok(serde_json::from_str(json)?)
}
