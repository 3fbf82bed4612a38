//! What the log may say about a server function call that could not be
//! read: the reason, without the values the request carried.
//!
//! A deserialisation error quotes the value it could not take (`invalid
//! type: string "ada@example.org", expected i64`, `unknown variant
//! `…``), and a value in a request may be a person's name, email or
//! password. The reason is worth logging (a client sending the wrong
//! shape), the value is not: every quoted value is replaced by `…`. What
//! stays quoted is what the server itself names: the fields
//! (`missing field `password``) and what it expected (`expected one of
//! `unlock`, `disable``). Control characters are escaped by the log's
//! formatter (the server's `logging` module), so none is handled here.

/// The longest description logged; a request can make an error's text as
/// long as its body.
const MAX_CHARS: usize = 300;

/// `text` with every value the request supplied masked, cut to a length
/// fit for one log line.
pub fn without_request_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS));
    let mut chars = text.char_indices().peekable();
    while let Some((at, character)) = chars.next() {
        match character {
            // serde quotes strings with Debug: skip to the unescaped end.
            '"' => {
                out.push_str("\"…\"");
                while let Some((_, inside)) = chars.next() {
                    match inside {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '`' => {
                let ours = text[..at].ends_with("field ") || text[..at].contains("expected");
                let mut quoted = String::new();
                for (_, inside) in chars.by_ref() {
                    if inside == '`' {
                        break;
                    }
                    quoted.push(inside);
                }
                out.push('`');
                out.push_str(if ours { &quoted } else { "…" });
                out.push('`');
            }
            other => out.push(other),
        }
        if out.chars().count() > MAX_CHARS {
            let cut: String = out.chars().take(MAX_CHARS).collect();
            return cut + "…";
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_the_request_are_masked() {
        assert_eq!(
            without_request_values(
                r#"invalid type: string "ada@example.org", expected i64 at line 1 column 31"#
            ),
            r#"invalid type: string "…", expected i64 at line 1 column 31"#
        );
        assert_eq!(
            without_request_values(
                "unknown variant `zz\nFAKE: x`, expected one of `send_reset`, `unlock`"
            ),
            "unknown variant `…`, expected one of `send_reset`, `unlock`"
        );
        assert_eq!(
            without_request_values(r#"invalid value: string "Ada \"Okafor\" here", expected x"#),
            r#"invalid value: string "…", expected x"#
        );
        assert_eq!(
            without_request_values("invalid value: integer `7654321`, expected u32"),
            "invalid value: integer `…`, expected u32"
        );
    }

    #[test]
    fn the_servers_own_names_stay() {
        for text in [
            "missing field `password`",
            "unknown field `colour`, expected one of `email`, `password`",
            "expected value at line 1 column 5",
        ] {
            assert_eq!(without_request_values(text), text);
        }
    }

    #[test]
    fn an_unterminated_quote_masks_to_the_end_and_long_texts_are_cut() {
        assert_eq!(
            without_request_values(r#"invalid type: string "ada@exa"#),
            r#"invalid type: string "…""#
        );
        assert_eq!(
            without_request_values("unknown variant `Okaf"),
            "unknown variant `…`"
        );
        let long = "x".repeat(10_000);
        assert_eq!(without_request_values(&long).chars().count(), MAX_CHARS + 1);
    }
}
