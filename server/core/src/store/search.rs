//! Finding accounts for the support console: the searches (over the
//! backend's own index, `search_index`) and keeping each account's index
//! row in step with its values.

use std::collections::HashSet;

use sqlx::{Any, Transaction};

use super::{search_index, Backend, Store, StoreError};
use crate::rules::{search_terms, SearchQuery};
use crate::support::AccountSummary;

/// The columns of an [`AccountSummary`], from `accounts a`.
pub(super) const SUMMARY_COLUMNS: &str =
    "a.id AS account_id, a.username, a.email, a.first_name, a.surname, a.account_type, \
     a.status, a.last_login_at";

impl Store {
    /// Searches the index; answers at most `limit` accounts and whether
    /// more matched.
    pub async fn search_accounts(
        &self,
        query: &SearchQuery,
        limit: u32,
    ) -> Result<(Vec<AccountSummary>, bool), StoreError> {
        let first_look = match search_index::first_look(self.backend, query) {
            Some(first_look) => self.search_page(&first_look, limit).await?,
            None => Vec::new(),
        };
        let page = if first_look.len() > limit as usize {
            first_look
        } else {
            let matching = search_index::matching(self.backend, query);
            self.search_page(&matching, limit).await?
        };
        let truncated = page.len() > limit as usize;
        let mut accounts = page;
        accounts.truncate(limit as usize);
        let flagged = self
            .possibly_duplicated(accounts.iter().map(|a| a.account_id))
            .await?;
        for account in &mut accounts {
            account.possible_duplicate = flagged.contains(&account.account_id);
        }
        Ok((accounts, truncated))
    }

    /// Which of `account_ids` have a possible duplicate (either side of a
    /// pair, as the account page lists them): one query for a page of
    /// results, each part an index look-up.
    pub async fn possibly_duplicated(
        &self,
        account_ids: impl IntoIterator<Item = i64>,
    ) -> Result<HashSet<i64>, StoreError> {
        let ids: Vec<i64> = account_ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let list = (1..=ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT account_id FROM possible_duplicates WHERE account_id IN ({list})
             UNION SELECT earlier_account_id FROM possible_duplicates WHERE earlier_account_id IN ({list})
             UNION SELECT account_id FROM look_alike_names WHERE account_id IN ({list})
             UNION SELECT looks_like_account_id FROM look_alike_names WHERE looks_like_account_id IN ({list})"
        );
        let mut select = sqlx::query_scalar::<_, i64>(&sql);
        for id in &ids {
            select = select.bind(*id);
        }
        Ok(select.fetch_all(&self.pool).await?.into_iter().collect())
    }

    /// Up to `limit + 1` matching accounts in name order (one more than the
    /// page, to tell whether the list was cut).
    async fn search_page(
        &self,
        matching: &search_index::Matching,
        limit: u32,
    ) -> Result<Vec<AccountSummary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {from_where}
              ORDER BY lower(a.surname), lower(a.first_name), a.id
              LIMIT ${limit_at}",
            from_where = matching.from_where,
            limit_at = matching.values.len() + 1,
        );
        let mut select = sqlx::query_as::<_, AccountSummary>(&sql);
        for value in &matching.values {
            select = select.bind(value);
        }
        Ok(select
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Indexes accounts the search does not cover yet (those created before
    /// the index existed); answers how many. Run at start-up.
    pub async fn index_unsearchable_accounts(&self) -> Result<u64, StoreError> {
        let missing: Vec<i64> = sqlx::query_scalar(search_index::unindexed_accounts(self.backend))
            .fetch_all(&self.pool)
            .await?;
        for chunk in missing.chunks(500) {
            let mut tx = self.begin_write().await?;
            for account_id in chunk {
                reindex_account(&mut tx, self.backend, *account_id).await?;
            }
            tx.commit().await?;
        }
        Ok(missing.len() as u64)
    }
}

/// Rewrites the account's search row from its current values. Part of
/// every transaction that changes a searchable value.
pub(super) async fn reindex_account(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    account_id: i64,
) -> Result<(), StoreError> {
    let own = sqlx::query_as::<_, SearchableValues>(
        "SELECT username, email, first_name, surname, COALESCE(practice_name, '') AS practice_name
           FROM accounts WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await?;
    let mut values = vec![
        own.username,
        own.email,
        own.first_name,
        own.surname,
        own.practice_name,
    ];
    let previous: Vec<String> =
        sqlx::query_scalar("SELECT email FROM email_history WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&mut **tx)
            .await?;
    values.extend(previous);
    let numbers = sqlx::query_as::<_, (String, String)>(
        "SELECT kind, number FROM registration_numbers WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await?;
    for (kind, number) in numbers {
        // "GMC1234567" for "gmc 1234567", and the bare number.
        values.push(format!("{kind}{number}"));
        values.push(number);
    }
    let terms = search_terms(values.iter().map(String::as_str));
    search_index::write_terms(tx, backend, account_id, &terms).await
}

/// An account's own searchable values.
#[derive(sqlx::FromRow)]
struct SearchableValues {
    username: String,
    email: String,
    first_name: String,
    surname: String,
    practice_name: String,
}
