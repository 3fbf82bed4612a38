//! The shared login namespace (SPEC.md §1): usernames and emails in one
//! table, `login_names`, whose primary key is the case-folded name, so no
//! account's username can equal another's email in either direction, and
//! two simultaneous claims of one name leave exactly one holder. Every
//! change to the namespace (claim, free, move) is written here.
//!
//! A row's `kind` is `username`, `email`, or `both` when an account's
//! username is its own email address.

use sqlx::{Any, Transaction};

use super::StoreError;

/// What [`move_email`] did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum EmailMove {
    /// The account now holds the new address; `old_key` is the one it left
    /// (empty if it had none).
    Moved { old_key: String },
    /// Another account holds the new address: nothing changed.
    Taken,
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
    new_key: &str,
) -> Result<EmailMove, StoreError> {
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
    } else if !claim_login_name(tx, new_key, account_id, "email").await? {
        return Ok(EmailMove::Taken);
    }
    Ok(EmailMove::Moved {
        old_key: old_key.unwrap_or_default(),
    })
}

/// Inserts a login name unless any account already has it; answers whether
/// this account now holds it.
pub(super) async fn claim_login_name(
    tx: &mut Transaction<'_, Any>,
    name_key: &str,
    account_id: i64,
    kind: &str,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO login_names (name_key, account_id, kind) VALUES ($1, $2, $3)
         ON CONFLICT (name_key) DO NOTHING",
    )
    .bind(name_key)
    .bind(account_id)
    .bind(kind)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
