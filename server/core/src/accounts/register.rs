//! Creating an account from a registration form.

use rand::Rng;

use super::registration::{NewAccount, Registered, RegistrationError, RegistrationForm};
use crate::auth::rate_limit::RateLimit;
use crate::auth::sessions::{new_token, token_hash};
use crate::events::record;
use crate::my_account::CONFIRMATION_VALID_MS;
use crate::rules::login_name::LoginName;
use crate::rules::{text::fold_key, username, AccountType, RegistrationNumber, Username};
use crate::store::{
    AccountInsert, CreateAccountOutcome, NameClash, RegistrationConfirmation, Welcome,
};
use crate::Services;

/// The subject of the email sent when an account is created: it carries
/// the username (never a password), so a generated one is not known only
/// to a screen that said "Write it down".
pub const WELCOME_SUBJECT: &str = "Your Threshold account: your username";

/// How many generated usernames are tried before giving up. Each try is one
/// indexed read (and rarely a transaction); reaching the limit needs tens of
/// thousands of people with the same surname.
const GENERATED_USERNAME_ATTEMPTS: usize = 100;
/// After this many collisions the number grows past four digits.
const FOUR_DIGIT_ATTEMPTS: usize = 20;

/// How many registrations one network address, and one email or username
/// typed (from anywhere), may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistrationPolicy {
    /// Every registration answer from one client address counts, whatever
    /// it was: an account, a taken name, a duplicate warning, a bad field.
    pub per_client: RateLimit,
    /// Registrations naming one email or username (one namespace, as at
    /// login), counted for free and taken names alike.
    pub per_name: RateLimit,
}

/// Registrations one address may make: 10, then one every 6 minutes. A
/// practice signing up its staff from one network fits; a script probing
/// which addresses are registered, or filling the hashing pool, does not.
pub const DEFAULT_REGISTRATION_RATE: RateLimit = RateLimit::per_hour(10);
/// Registrations naming one email or username: 5, then one every 12 minutes.
/// A person correcting the form stays well inside it.
pub const DEFAULT_REGISTRATION_RATE_PER_NAME: RateLimit = RateLimit::per_hour(5);

impl Default for RegistrationPolicy {
    fn default() -> Self {
        Self {
            per_client: DEFAULT_REGISTRATION_RATE,
            per_name: DEFAULT_REGISTRATION_RATE_PER_NAME,
        }
    }
}

/// Validates `form` again (the browser's checks are a courtesy), then
/// creates the account: one Argon2id hash, one transaction.
///
/// The client's token is taken before anything is decided, so every answer
/// costs the same allowance and a script learns nothing for free; then, once
/// the names are known to be well formed, a token of each name typed.
pub async fn register(
    services: &Services,
    form: &RegistrationForm,
    client_address: &str,
) -> Result<Registered, RegistrationError> {
    let policy = services.registration_policy;
    if let Some(retry_after_seconds) = take(
        services,
        policy.per_client,
        &format!("register:{client_address}"),
    )
    .await?
    {
        return Err(RegistrationError::RateLimited {
            retry_after_seconds,
        });
    }
    let account =
        NewAccount::parse(form, &services.password_rules).map_err(RegistrationError::Invalid)?;
    // The email's inbox, not its spelling: `ada+1@` and `ada+2@` are one
    // person's, and counting them apart would let a script fill it.
    let mut names = vec![account.email.mailbox_key()];
    names.extend(account.username.as_ref().map(Username::key));
    names.dedup();
    for name in names {
        if let Some(retry_after_seconds) = take(
            services,
            policy.per_name,
            &format!("register-target:{name}"),
        )
        .await?
        {
            return Err(RegistrationError::TooManyForName {
                retry_after_seconds,
            });
        }
    }
    create(services, account).await
}

async fn take(
    services: &Services,
    limit: RateLimit,
    bucket: &str,
) -> Result<Option<u64>, RegistrationError> {
    limit
        .take(services, bucket)
        .await
        .map_err(|error| unavailable("taking a rate-limit token", error))
}

/// Creates a support user (the server's command line; no form offers the
/// type): every registration rule applies to the names, email, username and
/// password; a practice and a registration number are not asked for.
pub async fn create_support_user(
    services: &Services,
    form: &RegistrationForm,
) -> Result<Registered, RegistrationError> {
    let as_person = RegistrationForm {
        account_type: AccountType::Practitioner.as_str().to_owned(),
        practice_name: String::new(),
        registration_kind: String::new(),
        registration_number: String::new(),
        ..form.clone()
    };
    let mut account = NewAccount::parse(&as_person, &services.password_rules)
        .map_err(RegistrationError::Invalid)?;
    account.account_type = AccountType::Support;
    create(services, account).await
}

async fn create(services: &Services, account: NewAccount) -> Result<Registered, RegistrationError> {
    // Cheap checks before the expensive hash. They are not what keeps names
    // unique (the insert is); they spare a hash on the common, unraced case.
    // Taken names come first: a form that also repeats a registered person's
    // number answers "taken" for a taken name, so the duplicate warning
    // (which only a free name reaches) cannot tell taken from free any more
    // than the "taken" message itself does.
    refuse_taken_names(services, &account).await?;
    let duplicates = possible_duplicates(services, &account).await?;
    if let Some(number) = &account.registration_number {
        if !duplicates.is_empty() && !account.confirm_possible_duplicate {
            return Err(RegistrationError::PossibleDuplicate {
                number: number.clone(),
                email: account.email.as_str().to_owned(),
            });
        }
    }

    let password_hash = services
        .hasher
        .hash(account.password.clone())
        .await
        .map_err(|error| match error.busy_seconds() {
            Some(retry_after_seconds) => RegistrationError::Busy {
                retry_after_seconds,
            },
            None => unavailable("hashing a new password", error),
        })?;

    match &account.username {
        Some(chosen) => insert(
            services,
            &account,
            chosen,
            &password_hash,
            &duplicates,
            false,
        )
        .await
        .map(|account_id| registered(&account, chosen, account_id, false)),
        None => {
            insert_with_generated_username(services, &account, &password_hash, &duplicates).await
        }
    }
}

async fn refuse_taken_names(
    services: &Services,
    account: &NewAccount,
) -> Result<(), RegistrationError> {
    if let Some(clash) = name_clash(services, &account.email.login_name()).await? {
        return Err(email_taken(account, clash));
    }
    if let Some(username) = &account.username {
        if let Some(clash) = name_clash(services, &username.login_name()).await? {
            return Err(username_taken(account, username, clash));
        }
    }
    Ok(())
}

async fn name_clash(
    services: &Services,
    name: &LoginName,
) -> Result<Option<NameClash>, RegistrationError> {
    services
        .store
        .login_name_clash(name)
        .await
        .map_err(|error| unavailable("checking login names", error))
}

/// Earlier accounts with the same (kind, number), or the same name and
/// number filed under another kind (SPEC.md §1).
async fn possible_duplicates(
    services: &Services,
    account: &NewAccount,
) -> Result<Vec<(i64, &'static str)>, RegistrationError> {
    let Some(RegistrationNumber { kind, number }) = &account.registration_number else {
        return Ok(Vec::new());
    };
    let holders = services
        .store
        .holders_of_registration_number(number)
        .await
        .map_err(|error| unavailable("looking up a registration number", error))?;
    let first_name = fold_key(account.first_name.as_str());
    let surname = fold_key(account.surname.as_str());
    let mut duplicates: Vec<(i64, &'static str)> = Vec::new();
    for holder in holders {
        let reason = if holder.kind == kind.as_str() {
            "registration_number"
        } else if fold_key(&holder.first_name) == first_name && fold_key(&holder.surname) == surname
        {
            "name_and_number"
        } else {
            continue;
        };
        if !duplicates.iter().any(|(id, _)| *id == holder.account_id) {
            duplicates.push((holder.account_id, reason));
        }
    }
    Ok(duplicates)
}

/// Tries random numbers after the surname until one is free. A collision
/// (with an existing account or a registration racing this one) just means
/// another number: the person is never asked to retry.
async fn insert_with_generated_username(
    services: &Services,
    account: &NewAccount,
    password_hash: &str,
    duplicates: &[(i64, &'static str)],
) -> Result<Registered, RegistrationError> {
    for attempt in 0..GENERATED_USERNAME_ATTEMPTS {
        let number = if attempt < FOUR_DIGIT_ATTEMPTS {
            rand::thread_rng().gen_range(1000..=9999)
        } else {
            rand::thread_rng().gen_range(10_000..=u16::MAX)
        };
        let candidate = username::generated(account.surname.as_str(), number);
        if name_clash(services, &candidate.login_name())
            .await?
            .is_some()
        {
            continue;
        }
        match insert(
            services,
            account,
            &candidate,
            password_hash,
            duplicates,
            true,
        )
        .await
        {
            Ok(account_id) => return Ok(registered(account, &candidate, account_id, true)),
            Err(
                RegistrationError::UsernameTaken { .. }
                | RegistrationError::UsernameLooksTaken { .. },
            ) => continue,
            Err(other) => return Err(other),
        }
    }
    // Not the surname the usernames were made from: it is the person's.
    tracing::error!("no free generated username after {GENERATED_USERNAME_ATTEMPTS} attempts");
    Err(RegistrationError::Unavailable)
}

async fn insert(
    services: &Services,
    account: &NewAccount,
    username: &Username,
    password_hash: &str,
    duplicates: &[(i64, &'static str)],
    username_was_generated: bool,
) -> Result<i64, RegistrationError> {
    let username_name = username.login_name();
    let email_name = account.email.login_name();
    let welcome = Welcome {
        first_name: account.first_name.as_str().to_owned(),
        username: username.as_str().to_owned(),
        username_was_generated,
    };
    let now = services.clock.now();
    // The welcome email carries the link that confirms the address (the
    // account works at once; My account asks until it is confirmed).
    let welcome_link = (account.account_type != AccountType::Support).then(|| {
        let token = new_token();
        let token_hash = token_hash(&token);
        (token, token_hash)
    });
    let insert = AccountInsert {
        username: username.as_str(),
        username_name: &username_name,
        email: account.email.as_str(),
        email_name: &email_name,
        first_name: account.first_name.as_str(),
        surname: account.surname.as_str(),
        account_type: account.account_type.as_str(),
        practice_name: account.practice_name.as_ref().map(|name| name.as_str()),
        password_hash,
        registration_number: account
            .registration_number
            .as_ref()
            .map(|number| (number.kind.as_str(), number.number.as_str())),
        possible_duplicates: duplicates,
        // Support users are made at the command line, which tells them
        // their username; the welcome speaks of registering.
        welcome: (account.account_type != AccountType::Support).then_some(&welcome),
        welcome_subject: WELCOME_SUBJECT,
        email_confirmation: welcome_link.as_ref().map(|(token, token_hash)| {
            RegistrationConfirmation {
                token,
                token_hash,
                expires_at: now + CONFIRMATION_VALID_MS,
            }
        }),
        created_at: now,
    };
    match services.store.create_account(&insert).await {
        Ok(CreateAccountOutcome::Created { account_id }) => {
            tracing::info!(account_id, "account registered");
            record(
                services,
                "registered",
                Some(account_id),
                &serde_json::json!({ "account_type": account.account_type.as_str() }),
            )
            .await;
            Ok(account_id)
        }
        Ok(CreateAccountOutcome::EmailTaken(clash)) => Err(email_taken(account, clash)),
        Ok(CreateAccountOutcome::UsernameTaken(clash)) => {
            Err(username_taken(account, username, clash))
        }
        Err(error) => Err(unavailable("writing a new account", error)),
    }
}

fn registered(
    account: &NewAccount,
    username: &Username,
    account_id: i64,
    username_was_generated: bool,
) -> Registered {
    Registered {
        account_id,
        username: username.as_str().to_owned(),
        first_name: account.first_name.as_str().to_owned(),
        username_was_generated,
    }
}

fn email_taken(account: &NewAccount, clash: NameClash) -> RegistrationError {
    let email = account.email.as_str().to_owned();
    match clash {
        NameClash::Same => RegistrationError::EmailTaken { email },
        NameClash::LookAlike => RegistrationError::EmailLooksTaken { email },
    }
}

fn username_taken(
    account: &NewAccount,
    username: &Username,
    clash: NameClash,
) -> RegistrationError {
    let username = username.as_str().to_owned();
    let email = account.email.as_str().to_owned();
    match clash {
        NameClash::Same => RegistrationError::UsernameTaken { username, email },
        NameClash::LookAlike => RegistrationError::UsernameLooksTaken { username, email },
    }
}

fn unavailable(doing: &str, error: impl std::fmt::Display) -> RegistrationError {
    tracing::error!("registration failed while {doing}: {error}");
    RegistrationError::Unavailable
}
