//! My account against a real database (SQLite or PostgreSQL) and a real
//! SMTP server: changing the password, the session list and ending
//! sessions, the notices, the export.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::{smtp_sink::SmtpSink, TestDb};
use threshold_core::{
    accounts::{register, RegistrationForm},
    auth::{login, sessions, sessions::SessionOrigin, LoginError, LoginForm},
    mail::Delivered,
    my_account::{
        cancel_email_change, change_password, confirm_email, end_other_sessions, end_session,
        export, my_account, request_email_change, send_confirmation_again, ChangeEmailForm,
        ChangePasswordForm, ConfirmEmailError, MyAccountError,
    },
    reset::{choose_password, request_reset, ChoosePasswordForm, ResetForm, ResetRequester},
};

const PASSWORD: &str = "Violet kettle harbour";
const NEW_PASSWORD: &str = "Copper lantern meadow";
const EMAIL: &str = "ada.okafor@example.org";
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
const PHONE: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

async fn test_db() -> (TestDb, i64) {
    let db = support::test_db().await;
    let id = db.create(EMAIL, "dr.okafor", PASSWORD).await;
    (db, id)
}

/// Logs in as a browser would, and records where the session came from as
/// the web layer does.
async fn log_in_from(
    db: &TestDb,
    password: &str,
    user_agent: &str,
    address: &str,
) -> Result<String, LoginError> {
    let form = LoginForm {
        identifier: "dr.okafor".into(),
        password: password.into(),
    };
    let token = login(&db.services, &form, address).await?.session_token;
    let origin = SessionOrigin {
        user_agent: Some(user_agent.into()),
        client_address: Some(address.into()),
    };
    sessions::describe(&db.services, &token, &origin)
        .await
        .unwrap();
    Ok(token)
}

/// Asks for a reset of EMAIL and reads the new password from the email,
/// delivered over SMTP (the first message the sink receives).
async fn reset_password(db: &TestDb, sink: &SmtpSink) -> String {
    request_reset(
        &db.services,
        &ResetForm {
            email: EMAIL.into(),
        },
        &ResetRequester::stranger("192.0.2.1"),
    )
    .await
    .unwrap();
    db.outbox_worker(sink).deliver_next().await.unwrap();
    sink.wait_for(1, Duration::from_secs(5)).await[0].field("New password:")
}

fn change(current: &str, new: &str) -> ChangePasswordForm {
    ChangePasswordForm {
        current_password: current.into(),
        new_password: new.into(),
    }
}

async fn is_open(db: &TestDb, token: &str) -> bool {
    sessions::current_user(&db.services, token)
        .await
        .unwrap()
        .is_some()
}

async fn password_hash(db: &TestDb, id: i64) -> String {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_one(&db.inspect)
        .await
        .unwrap()
}

async fn failed_logins(db: &TestDb, id: i64) -> i64 {
    db.scalar(&format!(
        "SELECT failed_logins FROM accounts WHERE id = {id}"
    ))
    .await
}

async fn notices(db: &TestDb, id: i64) -> i64 {
    db.scalar(&format!(
        "SELECT COUNT(*) FROM outbox WHERE account_id = {id} AND kind = 'notice_password_changed'"
    ))
    .await
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_keeps_this_one_and_tells_the_owner() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    let phone = log_in_from(&db, PASSWORD, PHONE, "198.51.100.7")
        .await
        .unwrap();
    // Someone else's session is not touched.
    db.create("grace@example.org", "g.hopper", PASSWORD).await;
    let grace = login(
        &db.services,
        &LoginForm {
            identifier: "g.hopper".into(),
            password: PASSWORD.into(),
        },
        "192.0.2.1",
    )
    .await
    .unwrap()
    .session_token;

    let changed = change_password(&db.services, &laptop, &change(PASSWORD, NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(changed.other_sessions_ended, 1);
    assert!(
        is_open(&db, &laptop).await,
        "the session that changed it goes on"
    );
    assert!(!is_open(&db, &phone).await, "the other session was ended");
    assert!(is_open(&db, &grace).await);
    assert!(matches!(
        log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9").await,
        Err(LoginError::Incorrect)
    ));
    log_in_from(&db, NEW_PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();

    // The notice, over SMTP, to the account's address.
    let delivered = db.outbox_worker(&sink).deliver_next().await.unwrap();
    assert!(
        matches!(delivered, Some(Delivered::Sent { .. })),
        "{delivered:?}"
    );
    let mail = sink.wait_for(1, Duration::from_secs(5)).await[0].clone();
    assert_eq!(mail.to, vec![EMAIL.to_owned()]);
    let text = mail.text();
    assert!(
        text.contains("password of your Threshold account was changed"),
        "{text}"
    );
    assert!(
        text.contains("Firefox 133 on Windows 10, from the address 203.0.113.9"),
        "{text}"
    );
    assert!(text.contains("Forgotten password"), "{text}");
    assert!(!text.contains(PASSWORD) && !text.contains(NEW_PASSWORD));
    assert!(!mail.html().contains(NEW_PASSWORD));
    let _ = id;
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_counts_as_a_failed_login() {
    let (db, id) = test_db().await;
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    let phone = log_in_from(&db, PASSWORD, PHONE, "198.51.100.7")
        .await
        .unwrap();
    let before = password_hash(&db, id).await;

    for attempt in 1..=5 {
        assert_eq!(
            change_password(
                &db.services,
                &laptop,
                &change("not my password", NEW_PASSWORD)
            )
            .await,
            Err(MyAccountError::WrongPassword),
            "attempt {attempt}"
        );
        assert_eq!(failed_logins(&db, id).await, attempt);
    }
    // The fifth failure starts a delay, for this form and for logins alike.
    assert!(matches!(
        change_password(&db.services, &laptop, &change(PASSWORD, NEW_PASSWORD)).await,
        Err(MyAccountError::Throttled { retry_after_seconds }) if retry_after_seconds > 0
    ));
    assert!(matches!(
        log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9").await,
        Err(LoginError::Throttled { .. })
    ));
    assert_eq!(password_hash(&db, id).await, before);
    assert!(is_open(&db, &phone).await, "nothing was ended");
    assert_eq!(notices(&db, id).await, 0, "nothing was sent");

    // After the delay the right password works, and clears the count.
    db.clock.advance(Duration::from_secs(60));
    change_password(&db.services, &laptop, &change(PASSWORD, NEW_PASSWORD))
        .await
        .unwrap();
    assert_eq!(failed_logins(&db, id).await, 0);
}

#[tokio::test]
async fn the_new_password_keeps_the_registration_rules_and_a_refusal_costs_no_attempt() {
    let (db, id) = test_db().await;
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    let before = password_hash(&db, id).await;
    assert!(matches!(
        change_password(&db.services, &laptop, &change(PASSWORD, "short")).await,
        Err(MyAccountError::Invalid { .. })
    ));
    assert!(matches!(
        change_password(
            &db.services,
            &laptop,
            &change(PASSWORD, "okafor okafor okafor")
        )
        .await,
        Err(MyAccountError::Invalid { .. })
    ));
    assert_eq!(
        change_password(&db.services, &laptop, &change(PASSWORD, PASSWORD)).await,
        Err(MyAccountError::SameAsCurrent)
    );
    assert_eq!(
        change_password(&db.services, &laptop, &change("", NEW_PASSWORD)).await,
        Err(MyAccountError::CurrentPasswordMissing)
    );
    assert_eq!(failed_logins(&db, id).await, 0);
    assert_eq!(password_hash(&db, id).await, before);
}

#[tokio::test]
async fn the_current_password_is_forgiven_what_a_login_forgives() {
    let (db, _) = test_db().await;
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    // Caps Lock on, as at the login that opened this session.
    let inverted: String = PASSWORD
        .chars()
        .map(|c| {
            if c.is_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    change_password(&db.services, &laptop, &change(&inverted, NEW_PASSWORD))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_session_that_must_choose_a_password_can_do_nothing_here() {
    let (db, _) = test_db().await;
    let sink = SmtpSink::start();
    let reset_password = reset_password(&db, &sink).await;
    let restricted = log_in_from(&db, &reset_password, PHONE, "198.51.100.7")
        .await
        .unwrap();
    assert_eq!(
        my_account(&db.services, &restricted).await,
        Err(MyAccountError::MustChooseFirst)
    );
    assert_eq!(
        change_password(
            &db.services,
            &restricted,
            &change(&reset_password, NEW_PASSWORD)
        )
        .await,
        Err(MyAccountError::MustChooseFirst)
    );
    assert_eq!(
        end_other_sessions(&db.services, &restricted).await,
        Err(MyAccountError::MustChooseFirst)
    );
    assert_eq!(
        export(&db.services, &restricted).await.err(),
        Some(MyAccountError::MustChooseFirst)
    );
    assert_eq!(
        my_account(&db.services, "no-such-token").await,
        Err(MyAccountError::NotLoggedIn)
    );
}

#[tokio::test]
async fn choosing_a_password_after_a_reset_tells_the_owner_too() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let reset_password = reset_password(&db, &sink).await;
    let restricted = log_in_from(&db, &reset_password, PHONE, "198.51.100.7")
        .await
        .unwrap();
    choose_password(
        &db.services,
        &restricted,
        &ChoosePasswordForm {
            password: NEW_PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    db.outbox_worker(&sink).deliver_next().await.unwrap();
    let notice = sink.wait_for(2, Duration::from_secs(5)).await[1].clone();
    assert_eq!(notice.to, vec![EMAIL.to_owned()]);
    assert!(notice
        .text()
        .contains("Chrome 131 on Android 14, from the address 198.51.100.7"));
    assert_eq!(notices(&db, id).await, 1);
}

#[tokio::test]
async fn the_session_list_shows_each_browser_and_ending_one_logs_it_out() {
    let (db, _) = test_db().await;
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    db.clock.advance(Duration::from_secs(5));
    let phone = log_in_from(&db, PASSWORD, PHONE, "198.51.100.7")
        .await
        .unwrap();

    let account = my_account(&db.services, &laptop).await.unwrap();
    assert_eq!(account.username, "dr.okafor");
    assert_eq!(account.email, EMAIL);
    let listed: Vec<_> = account
        .sessions
        .iter()
        .map(|s| (s.browser.as_deref(), s.client_address.as_deref(), s.current))
        .collect();
    assert_eq!(
        listed,
        vec![
            (
                Some("Chrome 131 on Android 14"),
                Some("198.51.100.7"),
                false
            ),
            (Some("Firefox 133 on Windows 10"), Some("203.0.113.9"), true),
        ],
        "newest first, the asking one marked"
    );
    let handle = account.sessions[0].handle.clone();
    assert_eq!(handle.len(), 16);
    assert!(
        !handle.is_empty() && !phone.contains(&handle),
        "the handle is not the token"
    );

    end_session(&db.services, &laptop, &handle).await.unwrap();
    assert!(!is_open(&db, &phone).await);
    assert!(is_open(&db, &laptop).await);
    assert_eq!(
        end_session(&db.services, &laptop, &handle).await,
        Err(MyAccountError::NoSuchSession),
        "already ended"
    );
    assert_eq!(
        end_session(&db.services, &laptop, "'; DROP TABLE sessions; --").await,
        Err(MyAccountError::NoSuchSession)
    );
}

#[tokio::test]
async fn nobody_ends_a_session_of_another_account() {
    let (db, _) = test_db().await;
    let ada = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    db.create("grace@example.org", "g.hopper", PASSWORD).await;
    let grace = login(
        &db.services,
        &LoginForm {
            identifier: "g.hopper".into(),
            password: PASSWORD.into(),
        },
        "192.0.2.1",
    )
    .await
    .unwrap()
    .session_token;
    let graces_handle = my_account(&db.services, &grace).await.unwrap().sessions[0]
        .handle
        .clone();
    assert_eq!(
        end_session(&db.services, &ada, &graces_handle).await,
        Err(MyAccountError::NoSuchSession)
    );
    assert!(is_open(&db, &grace).await);
}

#[tokio::test]
async fn ending_all_other_sessions_keeps_only_this_one() {
    let (db, _) = test_db().await;
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    let phone = log_in_from(&db, PASSWORD, PHONE, "198.51.100.7")
        .await
        .unwrap();
    let tablet = log_in_from(&db, PASSWORD, PHONE, "198.51.100.8")
        .await
        .unwrap();
    let ended = end_other_sessions(&db.services, &laptop).await.unwrap();
    assert_eq!(ended.ended, 2);
    assert!(is_open(&db, &laptop).await);
    assert!(!is_open(&db, &phone).await && !is_open(&db, &tablet).await);
    assert_eq!(
        my_account(&db.services, &laptop)
            .await
            .unwrap()
            .sessions
            .len(),
        1
    );
}

#[tokio::test]
async fn the_export_holds_every_part_and_no_hash_or_secret() {
    let (db, id) = test_db().await;
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    change_password(&db.services, &laptop, &change(PASSWORD, NEW_PASSWORD))
        .await
        .unwrap();
    // A reset asked for (its password is a secret the export must not hold).
    request_reset(
        &db.services,
        &ResetForm {
            email: EMAIL.into(),
        },
        &ResetRequester::stranger("192.0.2.1"),
    )
    .await
    .unwrap();

    let exported = export(&db.services, &laptop).await.unwrap();
    let json = serde_json::to_value(&exported).unwrap();
    for part in [
        "exported_at",
        "profile",
        "registration_numbers",
        "email_history",
        "sessions",
        "passkeys",
        "events",
        "emails_sent",
        "support_actions",
    ] {
        assert!(json.get(part).is_some(), "no {part} in the export");
    }
    assert_eq!(json["profile"]["username"], "dr.okafor");
    assert_eq!(json["sessions"][0]["browser"], "Firefox 133 on Windows 10");
    let kinds: Vec<_> = exported.events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"login") && kinds.contains(&"password_changed"),
        "{kinds:?}"
    );
    let subjects: Vec<_> = exported
        .emails_sent
        .iter()
        .map(|m| m.subject.as_str())
        .collect();
    assert!(
        subjects.contains(&"Your Threshold password was changed"),
        "{subjects:?}"
    );

    let text = json.to_string();
    let hash = password_hash(&db, id).await;
    let session_hash: String =
        sqlx::query_scalar("SELECT token_hash FROM sessions WHERE account_id = $1")
            .bind(id)
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    let reset_hash: String =
        sqlx::query_scalar("SELECT password_hash FROM pending_resets WHERE account_id = $1")
            .bind(id)
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    assert!(!text.contains("$argon2"), "a password hash in the export");
    assert!(!text.contains(&hash) && !text.contains(&reset_hash));
    assert!(!text.contains(&session_hash) && !text.contains(&laptop));
    assert!(!text.contains(PASSWORD) && !text.contains(NEW_PASSWORD));
}

// ---- Changing and confirming the email address ----

const NEW_EMAIL: &str = "ada.new@example.net";

fn new_email(address: &str, password: &str) -> ChangeEmailForm {
    ChangeEmailForm {
        new_email: address.into(),
        current_password: password.into(),
    }
}

/// Delivers every queued message over SMTP; answers what arrived, in order.
async fn deliver_all(db: &TestDb, sink: &SmtpSink) -> Vec<support::smtp_sink::Received> {
    let before = sink.received().len();
    let worker = db.outbox_worker(sink);
    let mut sent = 0;
    while let Some(delivered) = worker.deliver_next().await.unwrap() {
        assert!(matches!(delivered, Delivered::Sent { .. }), "{delivered:?}");
        sent += 1;
    }
    sink.wait_for(before + sent, Duration::from_secs(5)).await[before..].to_vec()
}

/// The token of the link in a message, after `path?token=`.
fn link_token(mail: &support::smtp_sink::Received, path: &str) -> String {
    let text = mail.text();
    let marker = format!("{path}?token=");
    let at = text
        .find(&marker)
        .unwrap_or_else(|| panic!("no {path} link in:\n{text}"));
    text[at + marker.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

async fn account_email(db: &TestDb, id: i64) -> String {
    sqlx::query_scalar("SELECT email FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_one(&db.inspect)
        .await
        .unwrap()
}

/// Confirms the account's current address through "Send again".
async fn confirm_current(db: &TestDb, sink: &SmtpSink, token: &str) {
    send_confirmation_again(&db.services, token).await.unwrap();
    let mail = deliver_all(db, sink).await.pop().unwrap();
    confirm_email(&db.services, &link_token(&mail, "/account/confirm-email"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_new_email_takes_effect_only_once_confirmed_and_the_old_address_is_told_and_freed() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    confirm_current(&db, &sink, &laptop).await;

    assert_eq!(
        request_email_change(&db.services, &laptop, &new_email(NEW_EMAIL, "wrong")).await,
        Err(MyAccountError::WrongPassword)
    );
    assert!(matches!(
        request_email_change(
            &db.services,
            &laptop,
            &new_email("not an address", PASSWORD)
        )
        .await,
        Err(MyAccountError::InvalidEmail { .. })
    ));
    assert_eq!(
        request_email_change(
            &db.services,
            &laptop,
            &new_email("ADA.OKAFOR@example.org", PASSWORD)
        )
        .await,
        Err(MyAccountError::SameEmail)
    );
    let sent = request_email_change(&db.services, &laptop, &new_email(NEW_EMAIL, PASSWORD))
        .await
        .unwrap();
    assert_eq!(sent.address, NEW_EMAIL);
    let pending = my_account(&db.services, &laptop)
        .await
        .unwrap()
        .pending_email
        .unwrap();
    assert_eq!(pending.address, NEW_EMAIL);

    let mails = deliver_all(&db, &sink).await;
    let confirmation = mails
        .iter()
        .find(|m| m.to == vec![NEW_EMAIL.to_owned()])
        .unwrap();
    let notice = mails
        .iter()
        .find(|m| m.to == vec![EMAIL.to_owned()])
        .unwrap();
    assert!(
        notice
            .text()
            .contains("a\u{2022}\u{2022}\u{2022}@example.net"),
        "{}",
        notice.text()
    );
    assert!(
        !notice.text().contains(NEW_EMAIL),
        "the old address sees only a masked one"
    );
    assert!(notice.text().contains("Firefox 133 on Windows 10"));
    let token = link_token(confirmation, "/account/confirm-email");

    // Nothing has changed yet.
    assert_eq!(account_email(&db, id).await, EMAIL);
    let as_new = LoginForm {
        identifier: NEW_EMAIL.into(),
        password: PASSWORD.into(),
    };
    assert!(login(&db.services, &as_new, "192.0.2.7").await.is_err());

    let confirmed = confirm_email(&db.services, &token).await.unwrap();
    assert_eq!(confirmed.address, NEW_EMAIL);
    assert!(confirmed.changed);
    assert_eq!(account_email(&db, id).await, NEW_EMAIL);
    login(&db.services, &as_new, "192.0.2.8").await.unwrap();
    let as_old = LoginForm {
        identifier: EMAIL.into(),
        password: PASSWORD.into(),
    };
    assert!(
        login(&db.services, &as_old, "192.0.2.9").await.is_err(),
        "the old address is freed"
    );
    let changed_by: i64 =
        sqlx::query_scalar("SELECT changed_by FROM email_history WHERE account_id = $1")
            .bind(id)
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    assert_eq!(changed_by, id, "the history says the person changed it");
    assert_eq!(
        confirm_email(&db.services, &token).await,
        Err(ConfirmEmailError::NotOpen),
        "a link works once"
    );
    // The old address is told it happened.
    let changed = deliver_all(&db, &sink).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].to, vec![EMAIL.to_owned()]);
    assert!(changed[0]
        .text()
        .contains("was changed to a\u{2022}\u{2022}\u{2022}@example.net"));
    // Someone else can now register the old address.
    db.create(EMAIL, "someone.else", PASSWORD).await;
    let exported = export(&db.services, &laptop).await.unwrap();
    assert_eq!(exported.email_history[0].changed_by, "you");
}

#[tokio::test]
async fn a_confirmation_link_expires_after_24_hours_and_only_the_newest_works() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    request_email_change(
        &db.services,
        &laptop,
        &new_email("first@example.net", PASSWORD),
    )
    .await
    .unwrap();
    request_email_change(&db.services, &laptop, &new_email(NEW_EMAIL, PASSWORD))
        .await
        .unwrap();
    let mails = deliver_all(&db, &sink).await;
    // The current address was never confirmed: it is not written to.
    assert!(mails.iter().all(|m| m.to != vec![EMAIL.to_owned()]));
    let first = link_token(&mails[0], "/account/confirm-email");
    let second = link_token(&mails[1], "/account/confirm-email");
    assert_eq!(
        confirm_email(&db.services, &first).await,
        Err(ConfirmEmailError::NotOpen)
    );

    db.clock.advance(Duration::from_secs(24 * 60 * 60 + 1));
    assert_eq!(
        confirm_email(&db.services, &second).await,
        Err(ConfirmEmailError::NotOpen)
    );
    assert_eq!(account_email(&db, id).await, EMAIL);
}

#[tokio::test]
async fn the_old_address_can_cancel_the_change() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    confirm_current(&db, &sink, &laptop).await;
    request_email_change(&db.services, &laptop, &new_email(NEW_EMAIL, PASSWORD))
        .await
        .unwrap();
    let mails = deliver_all(&db, &sink).await;
    let to_new = mails
        .iter()
        .find(|m| m.to == vec![NEW_EMAIL.to_owned()])
        .unwrap();
    let to_old = mails
        .iter()
        .find(|m| m.to == vec![EMAIL.to_owned()])
        .unwrap();
    cancel_email_change(
        &db.services,
        &link_token(to_old, "/account/cancel-email-change"),
    )
    .await
    .unwrap();
    assert_eq!(
        confirm_email(&db.services, &link_token(to_new, "/account/confirm-email")).await,
        Err(ConfirmEmailError::NotOpen)
    );
    assert_eq!(account_email(&db, id).await, EMAIL);
    assert!(my_account(&db.services, &laptop)
        .await
        .unwrap()
        .pending_email
        .is_none());
}

#[tokio::test]
async fn an_address_registered_before_the_confirmation_is_refused_and_a_race_has_one_owner() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    request_email_change(&db.services, &laptop, &new_email(NEW_EMAIL, PASSWORD))
        .await
        .unwrap();
    let token = link_token(&deliver_all(&db, &sink).await[0], "/account/confirm-email");
    db.create(NEW_EMAIL, "first.comer", PASSWORD).await;
    assert_eq!(
        confirm_email(&db.services, &token).await,
        Err(ConfirmEmailError::Taken)
    );
    assert_eq!(account_email(&db, id).await, EMAIL);

    // Racing: a confirmation and a registration of the same address.
    let contested = "contested@example.net";
    request_email_change(&db.services, &laptop, &new_email(contested, PASSWORD))
        .await
        .unwrap();
    let token = link_token(&deliver_all(&db, &sink).await[0], "/account/confirm-email");
    let form = RegistrationForm {
        first_name: "Grace".into(),
        surname: "Hopper".into(),
        email: contested.into(),
        username: "g.hopper".into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    };
    let (confirmed, registered) = tokio::join!(
        confirm_email(&db.services, &token),
        register(&db.services, &form, "198.51.100.50")
    );
    assert!(
        confirmed.is_ok() != registered.is_ok(),
        "exactly one owner: {confirmed:?} / {registered:?}"
    );
    let holders = db
        .scalar(&format!(
            "SELECT COUNT(*) FROM accounts WHERE lower(email) = '{contested}'"
        ))
        .await;
    assert_eq!(holders, 1);
}

#[tokio::test]
async fn the_welcome_email_confirms_the_address_given_at_registration() {
    let db = support::test_db().await;
    let sink = SmtpSink::start();
    let form = RegistrationForm {
        first_name: "Ada".into(),
        surname: "Okafor".into(),
        email: EMAIL.into(),
        username: "dr.okafor".into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    };
    register(&db.services, &form, "198.51.100.1").await.unwrap();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    assert_eq!(
        my_account(&db.services, &laptop)
            .await
            .unwrap()
            .email_confirmed_at,
        None
    );
    let welcome = deliver_all(&db, &sink).await.pop().unwrap();
    let token = link_token(&welcome, "/account/confirm-email");
    let confirmed = confirm_email(&db.services, &token).await.unwrap();
    assert!(!confirmed.changed);
    assert!(my_account(&db.services, &laptop)
        .await
        .unwrap()
        .email_confirmed_at
        .is_some());
    assert_eq!(
        send_confirmation_again(&db.services, &laptop).await,
        Err(MyAccountError::AlreadyConfirmed)
    );
}

#[tokio::test]
async fn before_confirming_the_address_can_be_changed_and_send_again_is_limited() {
    let (db, id) = test_db().await;
    let sink = SmtpSink::start();
    let laptop = log_in_from(&db, PASSWORD, FIREFOX, "203.0.113.9")
        .await
        .unwrap();
    for _ in 0..5 {
        send_confirmation_again(&db.services, &laptop)
            .await
            .unwrap();
    }
    assert!(matches!(
        send_confirmation_again(&db.services, &laptop).await,
        Err(MyAccountError::TooManyEmails { .. })
    ));
    // One more is allowed every 12 minutes (5 an hour).
    db.clock.advance(Duration::from_secs(13 * 60));
    // "Not right? Change it": the typo'd address receives nothing.
    request_email_change(&db.services, &laptop, &new_email(NEW_EMAIL, PASSWORD))
        .await
        .unwrap();
    let mails = deliver_all(&db, &sink).await;
    let last = mails.last().unwrap();
    assert_eq!(last.to, vec![NEW_EMAIL.to_owned()]);
    assert!(mails
        .iter()
        .filter(|m| m.to == vec![EMAIL.to_owned()])
        .all(|m| m
            .text()
            .contains("Please confirm that this is the right address")));
    confirm_email(&db.services, &link_token(last, "/account/confirm-email"))
        .await
        .unwrap();
    assert_eq!(account_email(&db, id).await, NEW_EMAIL);
    assert!(my_account(&db.services, &laptop)
        .await
        .unwrap()
        .email_confirmed_at
        .is_some());
}
