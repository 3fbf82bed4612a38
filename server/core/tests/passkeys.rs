//! Passkeys against a real database (SQLite or PostgreSQL), answered by a
//! software authenticator: adding one, logging in with it, and every answer
//! the server must refuse (a replay, an expired or another session's
//! ceremony, another account's credential, a counter gone backwards, a
//! foreign origin, a disabled account).
#![cfg(feature = "server")]

mod support;

use support::authenticator::{SoftPasskey, ORIGIN};
use support::TestDb;
use threshold_core::{
    auth::{login, passkey_login, start_passkey_login, LoginError, LoginForm, PasskeyLoginForm},
    my_account::{
        add_passkey, export, my_account, remove_passkey, start_adding_passkey, AddPasskeyForm,
        MyAccountError, RemovePasskeyForm,
    },
    reset::{request_reset, ResetForm, ResetRequester},
    retention,
};

const PASSWORD: &str = "Violet kettle harbour";
const CLIENT: &str = "203.0.113.5";

async fn logged_in(db: &TestDb, username: &str) -> String {
    let form = LoginForm {
        identifier: username.into(),
        password: PASSWORD.into(),
    };
    login(&db.services, &form, CLIENT)
        .await
        .unwrap()
        .session_token
}

/// An account with a password session and a passkey added from it.
async fn with_passkey(db: &TestDb, email: &str, username: &str) -> (i64, String, SoftPasskey) {
    let id = db.create(email, username, PASSWORD).await;
    let token = logged_in(db, username).await;
    let ceremony = start_adding_passkey(&db.services, &token, "Laptop")
        .await
        .unwrap();
    let (passkey, answer) = SoftPasskey::register(&ceremony.options);
    add_passkey(
        &db.services,
        &token,
        &AddPasskeyForm {
            ceremony: ceremony.ceremony,
            credential: answer,
        },
    )
    .await
    .unwrap();
    (id, token, passkey)
}

/// A login ceremony and the passkey's answer to it.
async fn answered(db: &TestDb, passkey: &mut SoftPasskey) -> PasskeyLoginForm {
    let ceremony = start_passkey_login(&db.services, CLIENT).await.unwrap();
    PasskeyLoginForm {
        credential: passkey.assert(&ceremony.options),
        ceremony: ceremony.ceremony,
    }
}

async fn events(db: &TestDb, kind: &str) -> i64 {
    db.scalar(&format!(
        "SELECT COUNT(*) FROM events WHERE kind = '{kind}'"
    ))
    .await
}

#[tokio::test]
async fn a_passkey_added_from_a_session_logs_in_without_a_name_and_is_listed() {
    let db = support::test_db().await;
    let (id, token, mut passkey) = with_passkey(&db, "ada@example.org", "dr.okafor").await;
    let account = my_account(&db.services, &token).await.unwrap();
    assert_eq!(account.passkeys.len(), 1);
    // The export names it, without the stored credential.
    let exported = serde_json::to_value(export(&db.services, &token).await.unwrap()).unwrap();
    assert_eq!(exported["passkeys"][0]["name"], "Laptop");
    assert!(!exported.to_string().contains("cred_id"));
    assert_eq!(account.passkeys[0].name, "Laptop");
    assert_eq!(account.passkeys[0].last_used_at, None);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'notice_passkey_added'")
            .await,
        1
    );

    let form = answered(&db, &mut passkey).await;
    let logged_in = passkey_login(&db.services, &form, CLIENT).await.unwrap();
    assert_eq!(logged_in.user.account_id, id);
    assert!(!logged_in.user.must_change_password);
    assert_eq!(events(&db, "login_passkey").await, 1);
    let account = my_account(&db.services, &logged_in.session_token)
        .await
        .unwrap();
    assert_eq!(account.passkeys[0].last_used_at, Some(db.clock_now()));
    // The counter the assertion reported is stored.
    let stored: String = sqlx::query_scalar("SELECT credential FROM passkeys")
        .fetch_one(&db.inspect)
        .await
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored["cred"]["counter"], 2);
}

#[tokio::test]
async fn a_login_answer_works_once_and_not_after_its_ceremony_expired() {
    let db = support::test_db().await;
    let (_, _, mut passkey) = with_passkey(&db, "ada@example.org", "dr.okafor").await;
    let form = answered(&db, &mut passkey).await;
    passkey_login(&db.services, &form, CLIENT).await.unwrap();
    assert_eq!(
        passkey_login(&db.services, &form, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyExpired,
        "a replayed answer"
    );

    let late = answered(&db, &mut passkey).await;
    db.clock.advance(std::time::Duration::from_secs(331));
    assert_eq!(
        passkey_login(&db.services, &late, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyExpired,
        "an answer after the ceremony expired"
    );
    // The expired ceremony was used up by the attempt; another left
    // unanswered is swept.
    start_passkey_login(&db.services, CLIENT).await.unwrap();
    db.clock.advance(std::time::Duration::from_secs(331));
    assert_eq!(retention::sweep(&db.services).await.unwrap().ceremonies, 1);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM passkey_ceremonies").await,
        0
    );
}

#[tokio::test]
async fn a_registration_is_finished_only_by_the_session_that_began_it_and_only_once() {
    let db = support::test_db().await;
    db.create("ada@example.org", "dr.okafor", PASSWORD).await;
    let token = logged_in(&db, "dr.okafor").await;
    let other_session = logged_in(&db, "dr.okafor").await;
    let ceremony = start_adding_passkey(&db.services, &token, "Laptop")
        .await
        .unwrap();
    let (_, answer) = SoftPasskey::register(&ceremony.options);
    let form = AddPasskeyForm {
        ceremony: ceremony.ceremony,
        credential: answer,
    };
    assert_eq!(
        add_passkey(&db.services, &other_session, &form)
            .await
            .unwrap_err(),
        MyAccountError::PasskeyExpired,
        "another session's ceremony"
    );
    // That attempt used the ceremony up: the right session is refused too.
    assert_eq!(
        add_passkey(&db.services, &token, &form).await.unwrap_err(),
        MyAccountError::PasskeyExpired
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM passkeys").await, 0);

    assert_eq!(
        start_adding_passkey(&db.services, &token, "  ")
            .await
            .unwrap_err(),
        MyAccountError::PasskeyNameMissing,
        "the name is checked before any ceremony"
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM passkey_ceremonies").await,
        0
    );
}

#[tokio::test]
async fn a_credential_belongs_to_one_account() {
    let db = support::test_db().await;
    let (ada, _, mut ada_passkey) = with_passkey(&db, "ada@example.org", "dr.okafor").await;
    let (bea, bea_token, _) = with_passkey(&db, "bea@example.org", "dr.bello").await;
    assert_ne!(ada, bea);

    // Ada's credential, answering under Bea's user handle: refused.
    let bea_handle: String =
        sqlx::query_scalar("SELECT passkey_user_handle FROM accounts WHERE id = $1")
            .bind(bea)
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    let bea_handle = uuid_bytes(&bea_handle);
    let ceremony = start_passkey_login(&db.services, CLIENT).await.unwrap();
    let form = PasskeyLoginForm {
        credential: ada_passkey.assert_as(&ceremony.options, ORIGIN, &bea_handle),
        ceremony: ceremony.ceremony,
    };
    assert_eq!(
        passkey_login(&db.services, &form, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyNotAccepted
    );

    // Bea cannot add Ada's credential to her own account either.
    let ceremony = start_adding_passkey(&db.services, &bea_token, "Borrowed")
        .await
        .unwrap();
    let (mut copy, _) = SoftPasskey::register(&ceremony.options);
    copy.credential_id = ada_passkey.credential_id.clone();
    let answer = copy.attest_again(&ceremony.options);
    assert_eq!(
        add_passkey(
            &db.services,
            &bea_token,
            &AddPasskeyForm {
                ceremony: ceremony.ceremony,
                credential: answer,
            },
        )
        .await
        .unwrap_err(),
        MyAccountError::PasskeyAlreadyAdded
    );
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM passkeys WHERE account_id = {bea}"
        ))
        .await,
        1
    );
}

fn uuid_bytes(text: &str) -> Vec<u8> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test]
async fn a_counter_gone_backwards_a_foreign_origin_and_a_disabled_account_are_refused() {
    let db = support::test_db().await;
    let (id, _, mut passkey) = with_passkey(&db, "ada@example.org", "dr.okafor").await;
    let form = answered(&db, &mut passkey).await;
    passkey_login(&db.services, &form, CLIENT).await.unwrap();

    // A copy of the credential, behind the original's count: it may have
    // been cloned out of its authenticator.
    passkey.counter = 1;
    let form = answered(&db, &mut passkey).await;
    assert_eq!(
        passkey_login(&db.services, &form, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyNotAccepted
    );
    let reason: String = sqlx::query_scalar(
        "SELECT detail FROM events WHERE kind = 'login_passkey_failed' ORDER BY id DESC",
    )
    .fetch_one(&db.inspect)
    .await
    .unwrap();
    assert!(reason.contains("counter_regressed"), "{reason}");

    passkey.counter = 50;
    let ceremony = start_passkey_login(&db.services, CLIENT).await.unwrap();
    let handle = passkey.user_handle.clone();
    let phished = PasskeyLoginForm {
        credential: passkey.assert_as(&ceremony.options, "http://threshold.example.net", &handle),
        ceremony: ceremony.ceremony,
    };
    assert_eq!(
        passkey_login(&db.services, &phished, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyNotAccepted,
        "an answer made for another site"
    );

    sqlx::query("UPDATE accounts SET status = 'disabled' WHERE id = $1")
        .bind(id)
        .execute(&db.inspect)
        .await
        .unwrap();
    let form = answered(&db, &mut passkey).await;
    assert_eq!(
        passkey_login(&db.services, &form, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyNotAccepted
    );
    assert_eq!(events(&db, "login_passkey").await, 1);
}

#[tokio::test]
async fn garbage_answers_change_nothing_and_ceremonies_are_limited_per_address() {
    let db = support::test_db().await;
    for credential in [
        "",
        "{",
        "null",
        &"x".repeat(70_000),
        r#"{"id":"AA","rawId":"AA"}"#,
    ] {
        let ceremony = start_passkey_login(&db.services, CLIENT).await.unwrap();
        let form = PasskeyLoginForm {
            ceremony: ceremony.ceremony,
            credential: credential.into(),
        };
        assert_eq!(
            passkey_login(&db.services, &form, CLIENT)
                .await
                .unwrap_err(),
            LoginError::PasskeyNotAccepted
        );
    }
    let unknown = PasskeyLoginForm {
        ceremony: "made-up".into(),
        credential: "{}".into(),
    };
    assert_eq!(
        passkey_login(&db.services, &unknown, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyExpired
    );
    // 30 ceremonies a minute per address (5 used above).
    let mut refused = None;
    for _ in 0..30 {
        if let Err(error) = start_passkey_login(&db.services, "198.51.100.9").await {
            refused = Some(error);
            break;
        }
    }
    assert_eq!(refused, None, "30 in a burst are allowed");
    assert!(matches!(
        start_passkey_login(&db.services, "198.51.100.9").await,
        Err(LoginError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn removing_a_passkey_needs_the_password_and_a_reset_removes_none() {
    let db = support::test_db().await;
    let (_, token, mut passkey) = with_passkey(&db, "ada@example.org", "dr.okafor").await;
    let id = my_account(&db.services, &token).await.unwrap().passkeys[0].id;

    request_reset(
        &db.services,
        &ResetForm {
            email: "ada@example.org".into(),
        },
        &ResetRequester::stranger("192.0.2.1"),
    )
    .await
    .unwrap();
    let form = answered(&db, &mut passkey).await;
    passkey_login(&db.services, &form, CLIENT).await.unwrap();

    let wrong = RemovePasskeyForm {
        passkey: id,
        current_password: "not it".into(),
    };
    assert_eq!(
        remove_passkey(&db.services, &token, &wrong)
            .await
            .unwrap_err(),
        MyAccountError::WrongPassword
    );
    assert_eq!(db.scalar("SELECT COUNT(*) FROM passkeys").await, 1);
    let right = RemovePasskeyForm {
        passkey: id,
        current_password: PASSWORD.into(),
    };
    remove_passkey(&db.services, &token, &right).await.unwrap();
    assert_eq!(db.scalar("SELECT COUNT(*) FROM passkeys").await, 0);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'notice_passkey_removed'")
            .await,
        1
    );
    assert_eq!(
        remove_passkey(&db.services, &token, &right)
            .await
            .unwrap_err(),
        MyAccountError::NoSuchPasskey
    );
    let form = answered(&db, &mut passkey).await;
    assert_eq!(
        passkey_login(&db.services, &form, CLIENT)
            .await
            .unwrap_err(),
        LoginError::PasskeyNotAccepted
    );
}
