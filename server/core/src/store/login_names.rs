//! The shared login namespace (SPEC.md §1): usernames and emails in one
//! table, `login_names`, whose primary key is the case-folded name, so no
//! account's username can equal another's email in either direction, and
//! two simultaneous claims of one name leave exactly one holder. Every
//! change to the namespace (claim, free, move) is written here.
//!
//! A row's `kind` is `username`, `email`, or `both` when an account's
//! username is its own email address.
//!
//! Each row also carries the name's confusable skeleton, unique too
//! (migration 0012): a name that looks like a held one cannot be claimed,
//! and the database decides it, so two racing claims of `okafor` and
//! `оkafor` leave one holder.

use sqlx::{Any, Transaction};

use super::{Store, StoreError};
use crate::rules::login_name::LoginName;

/// Why a login name could not be claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClash {
    /// Another account holds this very name (its key).
    Same,
    /// Another account holds a name that looks the same (its skeleton).
    LookAlike,
}

/// What [`move_email`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum EmailMove {
    /// The account now holds the new address; `old_key` is the one it left
    /// (empty if it had none).
    Moved { old_key: String },
    /// Another account holds the new address, or one that looks the
    /// same: nothing changed.
    Taken(NameClash),
    /// The new address is the account's current one.
    Same,
}

#[derive(sqlx::FromRow)]
struct HeldName {
    name_key: String,
    kind: String,
}

/// Moves the account's email in the namespace to `new_key`: the old
/// address is freed (kept as a username if it is the username too), the
/// new one claimed (joining the username if they are the same). Part of
/// the caller's transaction; on [`EmailMove::Taken`] the caller drops it,
/// which undoes the release.
pub(super) async fn move_email(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    new_name: &LoginName,
) -> Result<EmailMove, StoreError> {
    let new_key = new_name.key.as_str();
    let held = sqlx::query_as::<_, HeldName>(
        "SELECT name_key, kind FROM login_names WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut old_key = None;
    let mut username_key = None;
    for name in held {
        match name.kind.as_str() {
            "email" => old_key = Some(name.name_key),
            "username" => username_key = Some(name.name_key),
            _ => {
                old_key = Some(name.name_key.clone());
                username_key = Some(name.name_key);
            }
        }
    }
    if old_key.as_deref() == Some(new_key) {
        return Ok(EmailMove::Same);
    }
    if let Some(old_key) = &old_key {
        if username_key.as_deref() == Some(old_key.as_str()) {
            sqlx::query("UPDATE login_names SET kind = 'username' WHERE name_key = $1")
                .bind(old_key)
                .execute(&mut **tx)
                .await?;
        } else {
            sqlx::query("DELETE FROM login_names WHERE name_key = $1")
                .bind(old_key)
                .execute(&mut **tx)
                .await?;
        }
    }
    if username_key.as_deref() == Some(new_key) {
        sqlx::query("UPDATE login_names SET kind = 'both' WHERE name_key = $1")
            .bind(new_key)
            .execute(&mut **tx)
            .await?;
    } else if let Err(clash) = claim_login_name(tx, new_name, account_id, "email").await? {
        return Ok(EmailMove::Taken(clash));
    }
    Ok(EmailMove::Moved {
        old_key: old_key.unwrap_or_default(),
    })
}

/// Inserts a login name unless any account already has it, or a name that
/// looks the same; answers which, if one did.
pub(super) async fn claim_login_name(
    tx: &mut Transaction<'_, Any>,
    name: &LoginName,
    account_id: i64,
    kind: &str,
) -> Result<Result<(), NameClash>, StoreError> {
    // No conflict target: either unique index (key or skeleton) makes
    // this insert do nothing.
    let inserted = sqlx::query(
        "INSERT INTO login_names (name_key, account_id, kind, skeleton) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(&name.key)
    .bind(account_id)
    .bind(kind)
    .bind(&name.skeleton)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Ok(()));
    }
    let same: Option<i64> =
        sqlx::query_scalar("SELECT account_id FROM login_names WHERE name_key = $1")
            .bind(&name.key)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(Err(if same.is_some() {
        NameClash::Same
    } else {
        NameClash::LookAlike
    }))
}

/// Whether another account holds `name` or a name that looks the same.
pub(super) async fn clash_with_held_name<'e, E>(
    executor: E,
    name: &LoginName,
) -> Result<Option<NameClash>, StoreError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let held: Vec<String> =
        sqlx::query_scalar("SELECT name_key FROM login_names WHERE name_key = $1 OR skeleton = $2")
            .bind(&name.key)
            .bind(&name.skeleton)
            .fetch_all(executor)
            .await?;
    Ok(if held.contains(&name.key) {
        Some(NameClash::Same)
    } else if held.is_empty() {
        None
    } else {
        Some(NameClash::LookAlike)
    })
}

/// A login name written before skeletons existed, with the account's
/// names as displayed.
#[derive(sqlx::FromRow)]
struct NameToComplete {
    name_key: String,
    account_id: i64,
    kind: String,
    username: String,
    email: String,
}

/// What [`Store::complete_login_names`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CompletedNames {
    /// Names that now carry their skeleton (and their current key).
    pub completed: u64,
    /// Names left without one because another name looks the same; each is
    /// in `look_alike_names`.
    pub look_alikes: u64,
}

impl Store {
    /// Gives every login name written before migration 0012 its skeleton
    /// and its current key (an address's domain as punycode), and reports
    /// each one that looks like another account's name instead of
    /// changing it. Run at start-up; idempotent, and safe while another
    /// instance runs it too (the unique indexes decide).
    pub async fn complete_login_names(&self) -> Result<CompletedNames, StoreError> {
        let mut done = CompletedNames::default();
        let mut after = String::new();
        loop {
            let batch = sqlx::query_as::<_, NameToComplete>(
                "SELECT n.name_key, n.account_id, n.kind, a.username, a.email
                   FROM login_names n JOIN accounts a ON a.id = n.account_id
                  WHERE n.skeleton IS NULL AND n.name_key > $1
                  ORDER BY n.name_key LIMIT 500",
            )
            .bind(&after)
            .fetch_all(&self.pool)
            .await?;
            let Some(last) = batch.last() else {
                return Ok(done);
            };
            after = last.name_key.clone();
            for row in batch {
                let shown = if row.kind == "username" {
                    &row.username
                } else {
                    &row.email
                };
                let name = LoginName::of(shown);
                match self.complete_login_name(&row, &name).await? {
                    None => done.completed += 1,
                    Some(looks_like_account_id) => {
                        done.look_alikes += 1;
                        self.report_look_alike(&row, looks_like_account_id).await?;
                    }
                }
            }
        }
    }

    /// Writes one name's skeleton (and key); answers the account holding a
    /// name that looks the same instead, when one does.
    async fn complete_login_name(
        &self,
        row: &NameToComplete,
        name: &LoginName,
    ) -> Result<Option<i64>, StoreError> {
        let holder = || async {
            sqlx::query_scalar::<_, i64>(
                "SELECT account_id FROM login_names
                  WHERE (skeleton = $1 OR name_key = $2) AND name_key <> $3
                  ORDER BY account_id LIMIT 1",
            )
            .bind(&name.skeleton)
            .bind(&name.key)
            .bind(&row.name_key)
            .fetch_optional(&self.pool)
            .await
        };
        if let Some(account_id) = holder().await? {
            return Ok(Some(account_id));
        }
        let written = sqlx::query(
            "UPDATE login_names SET name_key = $1, skeleton = $2
              WHERE name_key = $3 AND skeleton IS NULL",
        )
        .bind(&name.key)
        .bind(&name.skeleton)
        .bind(&row.name_key)
        .execute(&self.pool)
        .await;
        match written {
            Ok(_) => Ok(None),
            // Another instance completed a look-alike in between.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Ok(Some(holder().await?.unwrap_or(row.account_id)))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn report_look_alike(
        &self,
        row: &NameToComplete,
        looks_like_account_id: i64,
    ) -> Result<(), StoreError> {
        // Account ids only: the names themselves stay out of the log.
        tracing::warn!(
            account_id = row.account_id,
            looks_like_account_id,
            "a login name looks the same as another account's; kept as it is, \
             listed in look_alike_names for support"
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            });
        sqlx::query(
            "INSERT INTO look_alike_names (name_key, account_id, looks_like_account_id, found_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (name_key) DO NOTHING",
        )
        .bind(&row.name_key)
        .bind(row.account_id)
        .bind(looks_like_account_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
