//! Mapping from the legacy JavaScript `keyCode` (as recorded by older data sets such as the
//! "136M Keystrokes" corpus) to `KeyboardEvent.code`, so recorded data goes through the same
//! path as live browser events.

/// Map a JavaScript `keyCode` to the `KeyboardEvent.code` of a US layout.
///
/// Returns `None` for codes with no sensible physical key. Left/right ambiguity of modifiers is
/// resolved to the left key (`16` → `"ShiftLeft"`), as keyCode does not carry the side.
///
/// ```
/// use behavior_ml::keycodes::js_keycode_to_code;
/// assert_eq!(js_keycode_to_code(65), Some("KeyA"));
/// assert_eq!(js_keycode_to_code(32), Some("Space"));
/// assert_eq!(js_keycode_to_code(8), Some("Backspace"));
/// assert_eq!(js_keycode_to_code(16), Some("ShiftLeft"));
/// assert_eq!(js_keycode_to_code(49), Some("Digit1"));
/// ```
pub fn js_keycode_to_code(keycode: u32) -> Option<&'static str> {
    const LETTERS: [&str; 26] = [
        "KeyA", "KeyB", "KeyC", "KeyD", "KeyE", "KeyF", "KeyG", "KeyH", "KeyI", "KeyJ", "KeyK",
        "KeyL", "KeyM", "KeyN", "KeyO", "KeyP", "KeyQ", "KeyR", "KeyS", "KeyT", "KeyU", "KeyV",
        "KeyW", "KeyX", "KeyY", "KeyZ",
    ];
    const DIGITS: [&str; 10] = [
        "Digit0", "Digit1", "Digit2", "Digit3", "Digit4", "Digit5", "Digit6", "Digit7", "Digit8",
        "Digit9",
    ];
    const NUMPAD: [&str; 10] = [
        "Numpad0", "Numpad1", "Numpad2", "Numpad3", "Numpad4", "Numpad5", "Numpad6", "Numpad7",
        "Numpad8", "Numpad9",
    ];
    const FKEYS: [&str; 12] = [
        "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
    ];
    let code = match keycode {
        65..=90 => LETTERS.get((keycode - 65) as usize).copied()?,
        48..=57 => DIGITS.get((keycode - 48) as usize).copied()?,
        96..=105 => NUMPAD.get((keycode - 96) as usize).copied()?,
        112..=123 => FKEYS.get((keycode - 112) as usize).copied()?,
        8 => "Backspace",
        9 => "Tab",
        13 => "Enter",
        16 => "ShiftLeft",
        17 => "ControlLeft",
        18 => "AltLeft",
        19 => "Pause",
        20 => "CapsLock",
        27 => "Escape",
        32 => "Space",
        33 => "PageUp",
        34 => "PageDown",
        35 => "End",
        36 => "Home",
        37 => "ArrowLeft",
        38 => "ArrowUp",
        39 => "ArrowRight",
        40 => "ArrowDown",
        45 => "Insert",
        46 => "Delete",
        91 => "MetaLeft",
        92 => "MetaRight",
        93 => "ContextMenu",
        106 => "NumpadMultiply",
        107 => "NumpadAdd",
        109 => "NumpadSubtract",
        110 => "NumpadDecimal",
        111 => "NumpadDivide",
        144 => "NumLock",
        145 => "ScrollLock",
        59 | 186 => "Semicolon",
        61 | 187 => "Equal",
        188 => "Comma",
        173 | 189 => "Minus",
        190 => "Period",
        191 => "Slash",
        192 => "Backquote",
        219 => "BracketLeft",
        220 => "Backslash",
        221 => "BracketRight",
        222 => "Quote",
        225 => "AltRight",
        _ => return None,
    };
    Some(code)
}
