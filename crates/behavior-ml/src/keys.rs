//! Pseudonymous key identifiers and coarse key classes.
//!
//! The product never stores raw key codes: windows and profiles refer to keys by a stable
//! 64-bit hash ([`KeyId`]) and to a coarse [`KeyClass`] used as a fallback when a key or a key
//! pair has not been seen often enough. Key pairs inside a window are aggregated (a bag of
//! pairs, not a sequence), so a stored window does not spell out what was typed, and keys typed
//! in password fields (`code: null`) carry no identity at all.

/// Stable 64-bit identifier of a physical key: FNV-1a of a domain tag and the code string.
pub type KeyId = u64;

/// Identifier of hidden keys (password fields, `code: null`).
pub const HIDDEN_KEY: KeyId = 0;

/// Hash a `KeyboardEvent.code` into a [`KeyId`]. `None` (hidden) maps to [`HIDDEN_KEY`].
pub fn key_id(code: Option<&str>) -> KeyId {
    match code {
        None => HIDDEN_KEY,
        Some(c) => {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in b"behavior-ml/key\0".iter().chain(c.as_bytes()) {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            if h == HIDDEN_KEY {
                1
            } else {
                h
            }
        }
    }
}

/// Identifier of an ordered key pair (digraph).
pub fn pair_id(a: KeyId, b: KeyId) -> u64 {
    let mut h = a.rotate_left(17) ^ b.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    h ^= h >> 31;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 29)
}

/// Coarse class of a key, used for fallbacks and for summary features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum KeyClass {
    /// Letter typed with the left hand on a QWERTY layout.
    LeftLetter = 0,
    /// Letter typed with the right hand.
    RightLetter = 1,
    /// Space bar.
    Space = 2,
    /// Backspace / Delete.
    Correction = 3,
    /// Shift, Control, Alt, Meta, CapsLock.
    Modifier = 4,
    /// Digits.
    Digit = 5,
    /// Punctuation and everything else.
    Other = 6,
    /// Hidden key (password field).
    Hidden = 7,
}

impl KeyClass {
    /// Number of classes.
    pub const COUNT: usize = 8;

    /// Class of a `KeyboardEvent.code` (`None` = hidden).
    pub fn of(code: Option<&str>) -> KeyClass {
        let Some(c) = code else {
            return KeyClass::Hidden;
        };
        if let Some(l) = c.strip_prefix("Key") {
            return match l {
                "Q" | "W" | "E" | "R" | "T" | "A" | "S" | "D" | "F" | "G" | "Z" | "X" | "C"
                | "V" | "B" => KeyClass::LeftLetter,
                _ => KeyClass::RightLetter,
            };
        }
        match c {
            "Space" => KeyClass::Space,
            "Backspace" | "Delete" => KeyClass::Correction,
            "ShiftLeft" | "ShiftRight" | "ControlLeft" | "ControlRight" | "AltLeft"
            | "AltRight" | "MetaLeft" | "MetaRight" | "CapsLock" => KeyClass::Modifier,
            _ if c.starts_with("Digit") || c.starts_with("Numpad") => KeyClass::Digit,
            _ => KeyClass::Other,
        }
    }

    /// Class from its numeric value (values ≥ COUNT map to `Other`).
    pub fn from_u8(v: u8) -> KeyClass {
        match v {
            0 => KeyClass::LeftLetter,
            1 => KeyClass::RightLetter,
            2 => KeyClass::Space,
            3 => KeyClass::Correction,
            4 => KeyClass::Modifier,
            5 => KeyClass::Digit,
            7 => KeyClass::Hidden,
            _ => KeyClass::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_stable_across_releases() {
        // Stored profiles refer to keys by these ids: changing the hash would silently
        // orphan every stored profile. Pin a few values.
        assert_eq!(key_id(None), HIDDEN_KEY);
        let a = key_id(Some("KeyA"));
        assert_ne!(a, key_id(Some("KeyB")));
        assert_ne!(a, HIDDEN_KEY);
        assert_eq!(a, 196_695_413_284_192_047);
        assert_ne!(
            pair_id(a, key_id(Some("KeyB"))),
            pair_id(key_id(Some("KeyB")), a)
        );
    }

    #[test]
    fn classes() {
        assert_eq!(KeyClass::of(Some("KeyQ")), KeyClass::LeftLetter);
        assert_eq!(KeyClass::of(Some("KeyP")), KeyClass::RightLetter);
        assert_eq!(KeyClass::of(Some("Space")), KeyClass::Space);
        assert_eq!(KeyClass::of(Some("Backspace")), KeyClass::Correction);
        assert_eq!(KeyClass::of(Some("ShiftRight")), KeyClass::Modifier);
        assert_eq!(KeyClass::of(Some("Digit7")), KeyClass::Digit);
        assert_eq!(KeyClass::of(Some("Comma")), KeyClass::Other);
        assert_eq!(KeyClass::of(None), KeyClass::Hidden);
        for c in 0..=8u8 {
            assert_eq!(
                KeyClass::from_u8(c) as u8,
                if c == 6 || c == 8 { 6 } else { c }
            );
        }
    }
}
