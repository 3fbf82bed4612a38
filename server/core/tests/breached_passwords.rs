//! Passwords set before the breached-password list existed (SPEC.md §3)
//! against a real database (SQLite or PostgreSQL): they keep logging in,
//! but one on the list must be replaced at once, support sees why, and
//! the list is consulted only once the password has been verified.
#![cfg(feature = "server")]

mod support;

use support::{test_db, TestDb};
use threshold_core::{
    accounts::{create_support_user, RegistrationForm},
    auth::{login, sessions, CurrentUser, LoginError, LoginForm, MustChangeReason},
    passwords::{password_verdict, VerdictError, VerdictForm},
    reset::{choose_password, ChoosePasswordForm},
    rules::{Password, PasswordProblem},
    support::{account_detail, require_support, SupportUser},
};

const PASSWORD: &str = "Violet kettle harbour";
/// Twelve characters: allowed when it was set, and in the breached list.
const BREACHED: &str = "password1234";

/// Ada Okafor, whose stored password is [`BREACHED`] (as if set under the
/// old rules), and a support user.
async fn set_up() -> (TestDb, i64, SupportUser) {
    let db = test_db().await;
    assert!(db
        .services
        .password_rules
        .breached
        .contains(&Password::new(BREACHED)));
    let ada = db
        .create("Ada.Okafor@Example.org", "dr.okafor", PASSWORD)
        .await;
    let hash = db
        .services
        .hasher
        .hash(Password::new(BREACHED))
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(ada)
        .execute(&db.inspect)
        .await
        .unwrap();
    let staff = create_support_user(
        &db.services,
        &RegistrationForm {
            first_name: "Sam".into(),
            surname: "Staff".into(),
            email: "sam@threshold.test".into(),
            username: "sam.support".into(),
            account_type: "practitioner".into(),
            password: PASSWORD.into(),
            ..RegistrationForm::default()
        },
    )
    .await
    .unwrap()
    .account_id;
    let token = sessions::start_with_second_factor(&db.services, staff)
        .await
        .unwrap();
    let staff = require_support(&db.services, Some(&token)).await.unwrap();
    (db, ada, staff)
}

async fn log_in(db: &TestDb, password: &str) -> Result<(String, CurrentUser), LoginError> {
    let form = LoginForm {
        identifier: "dr.okafor".into(),
        password: password.into(),
    };
    login(&db.services, &form, "192.0.2.1")
        .await
        .map(|done| (done.session_token, done.user))
}

#[tokio::test]
async fn a_breached_old_password_logs_in_but_must_be_replaced_and_support_sees_why() {
    let (db, ada, staff) = set_up().await;

    let (token, user) = log_in(&db, BREACHED).await.unwrap();
    assert!(user.must_change_password);
    assert_eq!(user.must_change_reason, Some(MustChangeReason::Breached));
    // The session says so too, on every request until a password is chosen.
    let current = sessions::current_user(&db.services, &token)
        .await
        .unwrap()
        .unwrap();
    assert!(current.must_change_password);
    assert_eq!(current.must_change_reason, Some(MustChangeReason::Breached));
    // Such a session is good for nothing else: not even a support page.
    assert!(require_support(&db.services, Some(&token)).await.is_err());

    let security = account_detail(&db.services, &staff, ada)
        .await
        .unwrap()
        .security;
    assert!(security.must_change_password);
    assert_eq!(
        security.must_change_reason,
        Some(MustChangeReason::Breached)
    );
    let found_at = security.password_breached_at.expect("when it was found");
    assert_eq!(found_at, db.clock_now());

    // Logging out and in again does not get round it.
    sessions::end(&db.services, &token).await.unwrap();
    let (token, user) = log_in(&db, BREACHED).await.unwrap();
    assert_eq!(user.must_change_reason, Some(MustChangeReason::Breached));

    // The new password keeps the rules: another breached one is refused.
    let refused = choose_password(
        &db.services,
        &token,
        &ChoosePasswordForm {
            password: "passwordpassword".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        PasswordProblem::Breached.to_string(),
        "{refused:?}"
    );
    let chosen = choose_password(
        &db.services,
        &token,
        &ChoosePasswordForm {
            password: "Copper lantern meadow".into(),
        },
    )
    .await
    .unwrap();
    assert!(!chosen.user.must_change_password);
    assert_eq!(chosen.user.must_change_reason, None);

    let security = account_detail(&db.services, &staff, ada)
        .await
        .unwrap()
        .security;
    assert!(!security.must_change_password);
    assert_eq!(security.must_change_reason, None);
    assert_eq!(security.password_breached_at, None);
    let (_, user) = log_in(&db, "Copper lantern meadow").await.unwrap();
    assert!(!user.must_change_password);
    assert_eq!(
        log_in(&db, BREACHED).await.unwrap_err(),
        LoginError::Incorrect
    );
}

#[tokio::test]
async fn a_wrong_password_is_incorrect_whether_or_not_it_is_breached() {
    let (db, ada, staff) = set_up().await;
    // Ada's real password (breached) mistyped as another breached one, and
    // as a password on no list: the same answer, and nothing recorded.
    for wrong in ["password123456", "Zq8 vk tw mp4x 9b"] {
        assert_eq!(
            log_in(&db, wrong).await.unwrap_err(),
            LoginError::Incorrect,
            "{wrong}"
        );
    }
    let security = account_detail(&db.services, &staff, ada)
        .await
        .unwrap()
        .security;
    assert_eq!(security.password_breached_at, None);
    assert!(!security.must_change_password);
}

#[tokio::test]
async fn a_password_not_on_the_list_logs_in_as_before() {
    let db = test_db().await;
    db.create("Ada.Okafor@Example.org", "dr.okafor", PASSWORD)
        .await;
    let (_, user) = log_in(&db, PASSWORD).await.unwrap();
    assert!(!user.must_change_password);
    assert_eq!(user.must_change_reason, None);
}

#[tokio::test]
async fn the_live_verdict_names_each_broken_rule_and_is_rate_limited_per_address() {
    let db = test_db().await;
    let ask = |password: &str| VerdictForm {
        password: password.into(),
        username: "okafor4821".into(),
        email: "ada.okafor@nhs.net".into(),
        first_name: "Adaeze".into(),
        surname: "Okafor".into(),
    };
    let verdict = password_verdict(&db.services, &ask("password123456"), "192.0.2.7")
        .await
        .unwrap();
    assert_eq!(
        verdict.problems,
        [
            PasswordProblem::TooShort { min: 15 },
            PasswordProblem::Breached
        ]
    );
    let verdict = password_verdict(&db.services, &ask("maple cobalt okafor drift"), "192.0.2.7")
        .await
        .unwrap();
    assert_eq!(verdict.problems, [PasswordProblem::ContainsSurname]);
    let verdict = password_verdict(&db.services, &ask("maple cobalt drift"), "192.0.2.7")
        .await
        .unwrap();
    assert_eq!(verdict.problems, []);
    let verdict = password_verdict(&db.services, &ask(&"x".repeat(10_000)), "192.0.2.7")
        .await
        .unwrap();
    assert_eq!(verdict.problems, [PasswordProblem::TooLong { max: 256 }]);

    // The burst is 60 per address (four used above); another address is
    // not affected.
    for _ in 4..60 {
        password_verdict(&db.services, &ask("maple cobalt drift"), "192.0.2.7")
            .await
            .unwrap();
    }
    let limited = password_verdict(&db.services, &ask("maple cobalt drift"), "192.0.2.7")
        .await
        .unwrap_err();
    assert!(
        matches!(limited, VerdictError::RateLimited { retry_after_seconds } if retry_after_seconds >= 1),
        "{limited:?}"
    );
    password_verdict(&db.services, &ask("maple cobalt drift"), "192.0.2.8")
        .await
        .unwrap();
}
