//! `realtime_event` log lines: `realtime_event kind=… key=value …`, one line
//! per event (logfmt). Never pass tokens, passwords or key codes.

/// Writes one `realtime_event` line at info level. Values with spaces,
/// quotes or `=` are quoted.
pub fn log_event(kind: &str, fields: &[(&str, String)]) {
    log::info!(target: TARGET, "{}", line(kind, fields));
}

/// The log target of these lines (for `log::log_enabled!`, so hot paths
/// build their fields only when the lines are written).
pub const TARGET: &str = module_path!();

fn line(kind: &str, fields: &[(&str, String)]) -> String {
    let mut line = format!("realtime_event kind={kind}");
    for (k, v) in fields {
        if v.is_empty() || v.contains(' ') || v.contains('"') || v.contains('=') {
            line.push_str(&format!(" {k}={v:?}"));
        } else {
            line.push_str(&format!(" {k}={v}"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_quotes_what_needs_it() {
        assert_eq!(
            line(
                "score",
                &[
                    ("seq", "3".into()),
                    ("why", "a b".into()),
                    ("e", String::new())
                ]
            ),
            r#"realtime_event kind=score seq=3 why="a b" e="""#
        );
    }
}
