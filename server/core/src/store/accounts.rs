//! Accounts: creating them and the lookups registration needs.

use super::login_names::{claim_login_name, clash_with_held_name, NameClash};
use super::{Store, StoreError};
use crate::clock::Millis;
use crate::rules::login_name::LoginName;

/// An account ready to be written: every value validated and normalised,
/// the password already hashed.
#[derive(Debug)]
pub struct AccountInsert<'a> {
    pub username: &'a str,
    pub username_name: &'a LoginName,
    pub email: &'a str,
    pub email_name: &'a LoginName,
    pub first_name: &'a str,
    pub surname: &'a str,
    pub account_type: &'a str,
    pub practice_name: Option<&'a str>,
    pub password_hash: &'a str,
    /// (kind, number), normalised.
    pub registration_number: Option<(&'a str, &'a str)>,
    /// Earlier accounts this one may duplicate, with the reason.
    pub possible_duplicates: &'a [(i64, &'static str)],
    /// The welcome email, queued in the same transaction: an account
    /// never exists without it, nor it without the account.
    pub welcome: Option<&'a Welcome>,
    pub welcome_subject: &'a str,
    /// The address's confirmation link, carried by the welcome email.
    pub email_confirmation: Option<RegistrationConfirmation<'a>>,
    pub created_at: Millis,
}

/// The confirmation of the address given at registration: its row, and
/// the token the welcome email's link carries (the outbox row's secret,
/// erased once the email is sent).
#[derive(Debug, Clone, Copy)]
pub struct RegistrationConfirmation<'a> {
    pub token: &'a str,
    pub token_hash: &'a str,
    pub expires_at: Millis,
}

/// What the welcome email is made from (the outbox row's data).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Welcome {
    pub first_name: String,
    pub username: String,
    /// Made from the surname: the email says so, as the dialog did.
    pub username_was_generated: bool,
}

/// What [`Store::create_account`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum CreateAccountOutcome {
    Created {
        account_id: i64,
    },
    /// Another account holds the username as its username or its email,
    /// or a name that looks the same.
    UsernameTaken(NameClash),
    /// Another account holds the email as its email or its username, or a
    /// name that looks the same.
    EmailTaken(NameClash),
}

/// An account holding a registration number, for the duplicate warning.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NumberHolder {
    pub account_id: i64,
    pub kind: String,
    pub first_name: String,
    pub surname: String,
}

impl Store {
    /// Whether another account holds `name`, or a name that looks the same.
    pub async fn login_name_clash(
        &self,
        name: &LoginName,
    ) -> Result<Option<NameClash>, StoreError> {
        clash_with_held_name(&self.pool, name).await
    }

    /// Every account holding `number`, whatever kind it was filed under.
    pub async fn holders_of_registration_number(
        &self,
        number: &str,
    ) -> Result<Vec<NumberHolder>, StoreError> {
        Ok(sqlx::query_as::<_, NumberHolder>(
            "SELECT a.id AS account_id, r.kind, a.first_name, a.surname
               FROM registration_numbers r JOIN accounts a ON a.id = r.account_id
              WHERE r.number = $1
              ORDER BY a.id",
        )
        .bind(number)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Writes the account, its login names, registration number and
    /// duplicate marks in one transaction; nothing is written unless all is.
    ///
    /// Uniqueness is the primary key of `login_names` and its unique
    /// skeleton index, so two racing registrations cannot both succeed: the later insert finds the name
    /// and the whole transaction is dropped (rolled back).
    pub async fn create_account(
        &self,
        account: &AccountInsert<'_>,
    ) -> Result<CreateAccountOutcome, StoreError> {
        // IMMEDIATE takes SQLite's write lock at the start, so concurrent
        // registrations queue (busy_timeout) instead of failing to upgrade
        // a read lock half-way.
        let mut tx = self.begin_write().await?;
        let account_id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts
                 (username, email, first_name, surname, account_type, practice_name,
                  password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             RETURNING id",
        )
        .bind(account.username)
        .bind(account.email)
        .bind(account.first_name)
        .bind(account.surname)
        .bind(account.account_type)
        .bind(account.practice_name)
        .bind(account.password_hash)
        .bind(account.created_at)
        .fetch_one(&mut *tx)
        .await?;

        if account.username_name.key == account.email_name.key {
            if let Err(clash) =
                claim_login_name(&mut tx, account.email_name, account_id, "both").await?
            {
                return Ok(CreateAccountOutcome::EmailTaken(clash));
            }
        } else {
            if let Err(clash) =
                claim_login_name(&mut tx, account.email_name, account_id, "email").await?
            {
                return Ok(CreateAccountOutcome::EmailTaken(clash));
            }
            if let Err(clash) =
                claim_login_name(&mut tx, account.username_name, account_id, "username").await?
            {
                return Ok(CreateAccountOutcome::UsernameTaken(clash));
            }
        }

        if let Some((kind, number)) = account.registration_number {
            sqlx::query(
                "INSERT INTO registration_numbers (account_id, kind, number) VALUES ($1, $2, $3)",
            )
            .bind(account_id)
            .bind(kind)
            .bind(number)
            .execute(&mut *tx)
            .await?;
        }
        for (earlier_account_id, reason) in account.possible_duplicates {
            sqlx::query(
                "INSERT INTO possible_duplicates (account_id, earlier_account_id, reason, detected_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(account_id)
            .bind(earlier_account_id)
            .bind(reason)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(confirmation) = account.email_confirmation {
            sqlx::query(
                "INSERT INTO email_confirmations
                     (account_id, email, purpose, token_hash, created_at, expires_at)
                 VALUES ($1, $2, 'registration', $3, $4, $5)",
            )
            .bind(account_id)
            .bind(account.email)
            .bind(confirmation.token_hash)
            .bind(account.created_at)
            .bind(confirmation.expires_at)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(welcome) = account.welcome {
            sqlx::query(
                "INSERT INTO outbox (kind, account_id, recipient, subject, data, secret, next_attempt_at, created_at)
                 VALUES ('welcome', $1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(account_id)
            .bind(account.email)
            .bind(account.welcome_subject)
            .bind(serde_json::to_string(welcome)?)
            .bind(account.email_confirmation.map(|confirmation| confirmation.token))
            .bind(account.created_at)
            .bind(account.created_at)
            .execute(&mut *tx)
            .await?;
        }
        super::search::reindex_account(&mut tx, self.backend, account_id).await?;
        tx.commit().await?;
        Ok(CreateAccountOutcome::Created { account_id })
    }
}
