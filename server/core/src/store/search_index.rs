//! The support search index, the one part of the schema each backend
//! builds its own way: SQLite with two FTS5 tables (trigram and word),
//! PostgreSQL with one table under a pg_trgm index and a word index. Both
//! hold the same folded terms (see [`crate::rules::search_terms`]) and
//! answer the same [`SearchQuery`].

use sqlx::{Any, Transaction};

use super::{Backend, StoreError};
use crate::rules::SearchQuery;

/// A search condition: `FROM` and `WHERE` text joining the index to
/// `accounts a`, with its values for `$1…$n` in order; the caller binds
/// the page size (plus one) as `$n+1`.
pub(super) struct Matching {
    pub from_where: String,
    pub values: Vec<String>,
}

/// Accounts whose terms match the query.
pub(super) fn matching(backend: Backend, query: &SearchQuery) -> Matching {
    match (backend, query) {
        (Backend::Sqlite, SearchQuery::Substring(_)) => fts5("account_search", query),
        (Backend::Sqlite, SearchQuery::Words(_)) => fts5("account_search_words", query),
        (Backend::Postgres, SearchQuery::Substring(variants)) => {
            let (condition, values) = like_any(variants);
            postgres_page(&condition, values)
        }
        (Backend::Postgres, SearchQuery::Words(variants)) => {
            let phrases = (1..=variants.len())
                .map(|i| format!("phraseto_tsquery('simple', ${i})"))
                .collect::<Vec<_>>()
                .join(" || ");
            postgres_page(
                &format!("to_tsvector('simple', terms) @@ ({phrases})"),
                variants.clone(),
            )
        }
    }
}

/// Accounts read, in name order, by [`first_look`].
const FIRST_LOOK_ACCOUNTS: u32 = 2_000;

/// For a fragment: the matches among the first [`FIRST_LOOK_ACCOUNTS`]
/// accounts in name order. When they fill the page they are the page: no
/// account later in the order can come before them. A fragment that
/// matches a large share of all accounts ("son", found in many emails) is
/// answered this way, where finding and sorting every match takes tens of
/// milliseconds on 100,000 accounts (README, Performance); anything else
/// pays for one bounded look before [`matching`]. Words (short queries) go
/// straight to [`matching`]: their index answers them at once.
pub(super) fn first_look(backend: Backend, query: &SearchQuery) -> Option<Matching> {
    match (backend, query) {
        (_, SearchQuery::Words(_)) => None,
        (Backend::Sqlite, SearchQuery::Substring(_)) => Some(Matching {
            from_where: format!(
                "FROM (SELECT id FROM accounts
                        ORDER BY lower(surname), lower(first_name), id
                        LIMIT {FIRST_LOOK_ACCOUNTS}) first_accounts
                 JOIN account_search s ON s.rowid = first_accounts.id
                 JOIN accounts a ON a.id = first_accounts.id
                WHERE account_search MATCH $1"
            ),
            values: vec![query.match_expression()],
        }),
        (Backend::Postgres, SearchQuery::Substring(variants)) => {
            // The page is cut inside, so only its accounts are read.
            let (condition, values) = like_any(variants);
            let limit_at = values.len() + 1;
            Some(Matching {
                from_where: format!(
                    "FROM (SELECT account_id, surname_key, first_name_key FROM
                             (SELECT account_id, surname_key, first_name_key, terms
                                FROM account_search
                               ORDER BY surname_key, first_name_key, account_id
                               LIMIT {FIRST_LOOK_ACCOUNTS}) first_accounts
                            WHERE {condition}
                            ORDER BY surname_key, first_name_key, account_id
                            LIMIT ${limit_at}) s
                     JOIN accounts a ON a.id = s.account_id"
                ),
                values,
            })
        }
    }
}

/// `terms LIKE` any of the variants, with the LIKE pattern characters
/// escaped (what was typed is only ever text), and its values.
fn like_any(variants: &[String]) -> (String, Vec<String>) {
    let condition = (1..=variants.len())
        .map(|i| format!("terms LIKE ${i} ESCAPE '\\'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let values = variants
        .iter()
        .map(|v| format!("%{}%", escape_like(v)))
        .collect();
    (condition, values)
}

/// On PostgreSQL the matches are found and sorted inside the index table
/// (which carries the name order, migrations/postgres/0008), and only the
/// page's accounts are read. They are found first (MATERIALIZED): walking
/// the name index and testing each row looks cheap to the planner, but a
/// surname's matches sit together in that order and the walk would read
/// most of the table to reach them ([`first_look`] takes that walk, bounded).
/// The page size is the value after `values`, as for the outer query.
fn postgres_page(condition: &str, values: Vec<String>) -> Matching {
    let limit_at = values.len() + 1;
    Matching {
        from_where: format!(
            "FROM (WITH found AS MATERIALIZED (
                       SELECT account_id, surname_key, first_name_key FROM account_search
                        WHERE {condition})
                   SELECT account_id FROM found
                    ORDER BY surname_key, first_name_key, account_id
                    LIMIT ${limit_at}) s
             JOIN accounts a ON a.id = s.account_id"
        ),
        values,
    }
}

fn fts5(table: &str, query: &SearchQuery) -> Matching {
    Matching {
        from_where: format!(
            "FROM {table} s JOIN accounts a ON a.id = s.rowid WHERE {table} MATCH $1"
        ),
        values: vec![query.match_expression()],
    }
}

/// Accounts holding both words of a name (an access request's first name
/// and surname), at most 50: `SELECT` text with `$1` and `$2`.
pub(super) fn named_accounts(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT rowid FROM account_search_words
              WHERE account_search_words MATCH '\"' || replace($1, '\"', '\"\"') || '\" AND \"'
                                               || replace($2, '\"', '\"\"') || '\"'
              LIMIT 50"
        }
        Backend::Postgres => {
            "SELECT account_id FROM account_search
              WHERE to_tsvector('simple', terms)
                    @@ (phraseto_tsquery('simple', $1) && phraseto_tsquery('simple', $2))
              LIMIT 50"
        }
    }
}

/// Ids of accounts with no row in the index yet.
pub(super) fn unindexed_accounts(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "SELECT id FROM accounts WHERE id NOT IN (SELECT rowid FROM account_search)"
        }
        Backend::Postgres => {
            "SELECT id FROM accounts WHERE id NOT IN (SELECT account_id FROM account_search)"
        }
    }
}

/// Replaces the account's row in the index.
pub(super) async fn write_terms(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    account_id: i64,
    terms: &str,
) -> Result<(), StoreError> {
    match backend {
        Backend::Sqlite => {
            // FTS5 tables have no upsert.
            for table in ["account_search", "account_search_words"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE rowid = $1"))
                    .bind(account_id)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(&format!(
                    "INSERT INTO {table} (rowid, terms) VALUES ($1, $2)"
                ))
                .bind(account_id)
                .bind(terms)
                .execute(&mut **tx)
                .await?;
            }
        }
        Backend::Postgres => {
            // The name order in the same lower() the result order uses.
            sqlx::query(
                "INSERT INTO account_search (account_id, terms, surname_key, first_name_key)
                 SELECT id, $2, lower(surname), lower(first_name) FROM accounts WHERE id = $1
                 ON CONFLICT (account_id) DO UPDATE
                    SET terms = excluded.terms,
                        surname_key = excluded.surname_key,
                        first_name_key = excluded.first_name_key",
            )
            .bind(account_id)
            .bind(terms)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_typed_text_literally() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }

    #[test]
    fn each_variant_is_its_own_value() {
        let query = SearchQuery::Substring(vec!["müller".into(), "muller".into()]);
        let pg = matching(Backend::Postgres, &query);
        assert!(pg.from_where.contains("LIKE $1") && pg.from_where.contains("LIKE $2"));
        assert_eq!(pg.values, ["%müller%", "%muller%"]);
        let sqlite = matching(Backend::Sqlite, &query);
        assert_eq!(sqlite.values, [r#""müller" OR "muller""#]);
    }
}
