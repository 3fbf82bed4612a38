//! The server's log: one line per event on standard output, every value in
//! it escaped, and every line written while a request is handled inside
//! that request's span (see `http::request_id`).
//!
//! Why escaping here, once, rather than at each call site: a value from a
//! request reaches a log line by many routes (a field, an error's text, a
//! library's message such as a deserialisation error quoting the bad
//! value), and a call site written tomorrow would have to remember. The
//! formatter is the one place every field and message passes through, so
//! the guarantee "a log line is one line, whatever a request carried" is
//! kept there: control characters, Unicode line and paragraph separators
//! and bidirectional overrides are written as `\n`, `\u{2028}`, … in every
//! event field (the message included) and every span field. What is left
//! unescaped is ours alone: the timestamp, level, target and span names.

use std::{fmt, io::IsTerminal};

use any_spawner::{CustomExecutor, PinnedFuture, PinnedLocalFuture};
use tracing::Instrument;
use tracing_subscriber::{
    field::RecordFields,
    fmt::{
        format::{DefaultFields, Writer},
        FormatFields,
    },
    EnvFilter,
};

/// Installs the process's subscriber (`RUST_LOG`, by default
/// `info,sqlx=warn`) and Leptos' task executor.
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .fmt_fields(EscapedFields::default())
        // Colours for a person at a terminal; none in a file or a journal,
        // where they would be escape codes in every line.
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    // Before the router is built: leptos_axum installs plain tokio when
    // none is set yet, and only the first executor counts.
    if any_spawner::Executor::init_custom_executor(SpanKeepingExecutor).is_err() {
        tracing::warn!("Leptos' executor was already set: its tasks log outside their request");
    }
}

/// Tokio, keeping the spawner's span: a page's resources and server
/// functions run as tasks Leptos spawns while rendering, and their log
/// lines belong to the request that rendered the page. (`tokio::spawn`
/// alone starts every task outside any span.)
struct SpanKeepingExecutor;

impl CustomExecutor for SpanKeepingExecutor {
    fn spawn(&self, task: PinnedFuture<()>) {
        tokio::spawn(task.instrument(tracing::Span::current()));
    }

    fn spawn_local(&self, task: PinnedLocalFuture<()>) {
        tokio::task::spawn_local(task.instrument(tracing::Span::current()));
    }

    fn poll_local(&self) {}
}

/// tracing-subscriber's field formatting, with everything it writes
/// escaped. (Its own sanitising covers terminal escape sequences only, not
/// line breaks.)
#[derive(Debug, Default)]
pub struct EscapedFields {
    inner: DefaultFields,
}

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut escaping = Escaping(&mut writer);
        self.inner.format_fields(Writer::new(&mut escaping), fields)
    }
}

/// A `fmt::Write` that passes text through [`escape_into`].
struct Escaping<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaping<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        escape_into(self.0, text)
    }
}

/// Writes `text` with every character that could end a line, move the
/// cursor or reorder what a reader sees replaced by a visible escape.
pub fn escape_into(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(needs_escaping) {
        out.write_str(&rest[..at])?;
        let character = rest[at..].chars().next().unwrap_or_default();
        match character {
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            other => write!(out, "\\u{{{:x}}}", u32::from(other))?,
        }
        rest = &rest[at + character.len_utf8()..];
    }
    out.write_str(rest)
}

fn needs_escaping(character: char) -> bool {
    character.is_control()
        || matches!(
            character,
            // Line and paragraph separators: some viewers break lines there.
            '\u{2028}' | '\u{2029}'
            // Bidirectional embeddings, overrides and isolates: they make
            // a line read differently from what it holds.
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use std::{
        io,
        sync::{Arc, Mutex},
    };

    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = String::new();
        escape_into(&mut out, text).unwrap();
        out
    }

    #[test]
    fn line_breaks_and_other_controls_become_visible_escapes() {
        assert_eq!(escaped("zz\nFAKE: x"), "zz\\nFAKE: x");
        assert_eq!(escaped("a\r\nb\tc"), "a\\r\\nb\\tc");
        assert_eq!(escaped("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(
            escaped("nul\0del\u{7f}c1\u{85}"),
            "nul\\u{0}del\\u{7f}c1\\u{85}"
        );
        assert_eq!(escaped("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
        assert_eq!(escaped("\u{202e}txt.exe"), "\\u{202e}txt.exe");
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for text in [
            "",
            "account registered",
            "Zoë Ōkafor — 名前 ✓",
            "a\\nb \"quoted\"",
        ] {
            assert_eq!(escaped(text), text);
        }
    }

    /// The whole route: an event and its span, through the subscriber as
    /// `init` builds it, come out as one line.
    #[test]
    fn an_event_carrying_newlines_is_one_line_with_its_span() {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(EscapedFields::default())
            .with_writer(move || sink.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", id = %"a\nb");
            let _inside = span.enter();
            let value = "zz\nFAKE: support sam.desk disabled account 2";
            tracing::warn!(field = %value, "call failed: {value}\r\n");
            tracing::warn!(debug = ?value, "and as Debug");
        });
        let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(lines.iter().all(|line| !line.contains("\nFAKE")));
        assert!(lines[0].contains("request{id=a\\nb}"), "{log}");
        assert!(
            lines[0].contains("call failed: zz\\nFAKE: support sam.desk disabled account 2\\r\\n"),
            "{log}"
        );
        assert!(lines[0].contains("field=zz\\nFAKE"), "{log}");
        assert!(lines[1].contains(r#"debug="zz\nFAKE"#), "{log}");
    }
}
