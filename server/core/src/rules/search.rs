//! How accounts and queries are folded for the console's search, so that
//! "okafor", "OKAFOR", "O’Kafor" typed on a phone, "muller" for Müller and
//! "gmc 123 4567" for GMC number 1234567 all find what they should.
//! Pure: the store writes [`search_terms`] into its index and matches
//! [`SearchQuery`] against it.

use crate::rules::text::{fold_key, is_bidi_control, normalise_identifier};

/// Queries longer than this are refused before touching the index.
pub const MAX_QUERY_CHARS: usize = 200;
/// The trigram index needs this many characters; shorter queries are
/// matched as whole words.
pub const SUBSTRING_MIN_CHARS: usize = 3;

/// The index text of one account from its searchable values (username,
/// emails, names, practice, registration numbers): each folded, plus its
/// accent-free spelling when that differs, one per line so a substring
/// rarely spans two values.
pub fn search_terms<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut terms: Vec<String> = Vec::new();
    for value in values {
        for variant in spellings(value) {
            if !variant.is_empty() && !terms.contains(&variant) {
                terms.push(variant);
            }
        }
    }
    terms.join("\n")
}

/// Why a query is not searched for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing in it to find: no letter or digit.
    Empty,
    /// Longer than [`MAX_QUERY_CHARS`].
    TooLong { max: usize },
}

/// A search as the index understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchQuery {
    /// Substrings for the trigram index: the query folded, and again
    /// without spaces (registration numbers are stored without them).
    Substring(Vec<String>),
    /// Whole words, for queries too short for trigrams.
    Words(Vec<String>),
}

impl SearchQuery {
    pub fn parse(raw: &str) -> Result<SearchQuery, QueryError> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong {
                max: MAX_QUERY_CHARS,
            });
        }
        let mut variants: Vec<String> = Vec::new();
        for spelling in spellings(raw) {
            let squeezed: String = spelling.chars().filter(|c| !c.is_whitespace()).collect();
            for variant in [spelling, squeezed] {
                if !variant.is_empty() && !variants.contains(&variant) {
                    variants.push(variant);
                }
            }
        }
        if !variants
            .iter()
            .any(|v| v.chars().any(char::is_alphanumeric))
        {
            return Err(QueryError::Empty);
        }
        let long: Vec<String> = variants
            .iter()
            .filter(|v| v.chars().count() >= SUBSTRING_MIN_CHARS)
            .cloned()
            .collect();
        if long.is_empty() {
            Ok(SearchQuery::Words(variants))
        } else {
            Ok(SearchQuery::Substring(long))
        }
    }

    /// The FTS5 MATCH expression: each variant a quoted phrase, any of
    /// them matching. Quotes inside are doubled, so nothing typed is read
    /// as query syntax.
    pub fn match_expression(&self) -> String {
        let variants = match self {
            SearchQuery::Substring(variants) | SearchQuery::Words(variants) => variants,
        };
        variants
            .iter()
            .map(|v| format!("\"{}\"", v.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" OR ")
    }
}

/// The folded spelling of `value`, and its accent-free one when different.
/// Invisible characters (controls, bidi and zero-width marks) become
/// spaces first: they are never what someone means to search for, and a
/// NUL would end the index's query string early.
fn spellings(value: &str) -> Vec<String> {
    let visible: String = value
        .chars()
        .map(|c| if is_invisible(c) { ' ' } else { c })
        .collect();
    let squeezed = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    let folded = fold_key(&normalise_identifier(&squeezed));
    let plain = fold_key(&deunicode::deunicode_with_tofu(&folded, ""));
    if plain == folded || plain.is_empty() {
        vec![folded]
    } else {
        vec![folded, plain]
    }
}

fn is_invisible(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_folded_and_carry_an_accent_free_spelling() {
        let terms = search_terms(["Müller4821", "Anna.Muller@Example.org", "Anna", "Müller"]);
        assert_eq!(
            terms,
            "müller4821\nmuller4821\nanna.muller@example.org\nanna\nmüller\nmuller"
        );
    }

    #[test]
    fn queries_fold_case_apostrophes_and_spaces() {
        assert_eq!(
            SearchQuery::parse("  O’NEIL ").unwrap(),
            SearchQuery::Substring(vec!["o'neil".into()])
        );
        assert_eq!(
            SearchQuery::parse("gmc 123 4567").unwrap(),
            SearchQuery::Substring(vec!["gmc 123 4567".into(), "gmc1234567".into()])
        );
        assert_eq!(
            SearchQuery::parse("Müller").unwrap(),
            SearchQuery::Substring(vec!["müller".into(), "muller".into()])
        );
    }

    #[test]
    fn invisible_characters_are_not_searched_for() {
        assert_eq!(
            SearchQuery::parse("y\0\u{feff}\u{202e}\t\"x").unwrap(),
            SearchQuery::Substring(vec!["y \"x".into(), "y\"x".into()])
        );
        assert_eq!(SearchQuery::parse("\0\u{200b}"), Err(QueryError::Empty));
    }

    #[test]
    fn short_queries_are_whole_words() {
        assert_eq!(
            SearchQuery::parse("Li").unwrap(),
            SearchQuery::Words(vec!["li".into()])
        );
    }

    #[test]
    fn empty_punctuation_only_and_huge_queries_are_refused() {
        assert_eq!(SearchQuery::parse("   "), Err(QueryError::Empty));
        assert_eq!(SearchQuery::parse("\"*"), Err(QueryError::Empty));
        assert_eq!(
            SearchQuery::parse(&"a".repeat(201)),
            Err(QueryError::TooLong { max: 200 })
        );
    }

    #[test]
    fn quotes_cannot_become_query_syntax() {
        let query = SearchQuery::parse("ab\" OR \"c").unwrap();
        assert_eq!(
            query.match_expression(),
            "\"ab\"\" or \"\"c\" OR \"ab\"\"or\"\"c\""
        );
    }
}
