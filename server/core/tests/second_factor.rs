//! The support console's second factor against a real database: a
//! password alone opens nothing, enrolling needs the one-time link in the
//! support user's own session, and app codes, recovery codes and passkeys
//! each prove the second step (a code once only).
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::authenticator::SoftPasskey;
use support::TestDb;
use threshold_core::{
    accounts::{create_support_user, RegistrationForm},
    auth::{login, passkey_login, start_passkey_login, LoginForm, PasskeyLoginForm},
    my_account::{my_account, AddPasskeyForm, MyAccountError},
    second_factor::{
        check_enrolment_link, codes::totp_code_at, confirm_enrolling_app, finish_enrolling_passkey,
        give_second_step, issue_enrolment_link, start_enrolling_app, start_enrolling_passkey,
        SecondFactorError, SecondStepForm,
    },
    support::{require_support, SupportError},
};

const PASSWORD: &str = "Violet kettle harbour";

async fn support_user(db: &TestDb, username: &str) -> i64 {
    create_support_user(
        &db.services,
        &RegistrationForm {
            first_name: "Sam".into(),
            surname: "Staff".into(),
            email: format!("{username}@threshold.test"),
            username: username.into(),
            password: PASSWORD.into(),
            ..RegistrationForm::default()
        },
    )
    .await
    .unwrap()
    .account_id
}

async fn password_session(db: &TestDb, username: &str) -> String {
    login(
        &db.services,
        &LoginForm {
            identifier: username.into(),
            password: PASSWORD.into(),
        },
        "198.51.100.20",
    )
    .await
    .unwrap()
    .session_token
}

/// The link's token, as the page reads it from `?link=`.
fn token_of(link: &str) -> String {
    link.split_once("link=").unwrap().1.to_owned()
}

fn code(code: &str) -> SecondStepForm {
    SecondStepForm { code: code.into() }
}

#[tokio::test]
async fn a_password_alone_opens_nothing_until_an_app_is_enrolled_with_the_link() {
    let db = support::test_db().await;
    let sam = support_user(&db, "sam.support").await;
    let session = password_session(&db, "sam.support").await;
    assert_eq!(
        require_support(&db.services, Some(&session)).await,
        Err(SupportError::EnrolFirst)
    );
    // Not even My account: adding a passkey there would be enrolling
    // without the link.
    assert_eq!(
        my_account(&db.services, &session).await.unwrap_err(),
        MyAccountError::SecondStepFirst
    );
    assert_eq!(
        give_second_step(&db.services, &session, &code("123456"))
            .await
            .unwrap_err(),
        SecondFactorError::NotEnrolled
    );

    let link = token_of(&issue_enrolment_link(&db.services, sam, None).await.unwrap());
    assert_eq!(
        check_enrolment_link(&db.services, &session, "made-up")
            .await
            .unwrap_err(),
        SecondFactorError::LinkNotValid
    );
    check_enrolment_link(&db.services, &session, &link)
        .await
        .unwrap();
    let setup = start_enrolling_app(&db.services, &session, &link)
        .await
        .unwrap();
    assert!(setup
        .uri
        .starts_with("otpauth://totp/Threshold:sam.support?"));
    assert!(setup.qr_svg.starts_with("<svg"));
    let secret = setup.secret.replace(' ', "");
    assert_eq!(
        confirm_enrolling_app(&db.services, &session, &link, "000000x")
            .await
            .unwrap_err(),
        SecondFactorError::WrongCode
    );
    let now = db.clock_now();
    let codes = confirm_enrolling_app(
        &db.services,
        &session,
        &link,
        &totp_code_at(&secret, now).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(codes.codes.len(), 10);
    assert!(require_support(&db.services, Some(&session)).await.is_ok());
    // The link is spent.
    assert_eq!(
        check_enrolment_link(&db.services, &session, &link)
            .await
            .unwrap_err(),
        SecondFactorError::LinkNotValid
    );

    // The next login needs the second step; the code just used does not
    // work again, the next one does, once.
    let next = password_session(&db, "sam.support").await;
    assert_eq!(
        require_support(&db.services, Some(&next)).await,
        Err(SupportError::SecondStepNeeded)
    );
    let used = totp_code_at(&secret, now).unwrap();
    assert_eq!(
        give_second_step(&db.services, &next, &code(&used))
            .await
            .unwrap_err(),
        SecondFactorError::WrongCode,
        "a code already used"
    );
    db.clock.advance(Duration::from_secs(30));
    let fresh = totp_code_at(&secret, db.clock_now()).unwrap();
    give_second_step(&db.services, &next, &code(&fresh))
        .await
        .unwrap();
    assert!(require_support(&db.services, Some(&next)).await.is_ok());
    let third = password_session(&db, "sam.support").await;
    assert_eq!(
        give_second_step(&db.services, &third, &code(&fresh))
            .await
            .unwrap_err(),
        SecondFactorError::WrongCode,
        "the same code in another session"
    );

    // A recovery code works once, typed any way.
    let recovery = codes.codes[3].to_lowercase().replace('-', " ");
    give_second_step(&db.services, &third, &code(&recovery))
        .await
        .unwrap();
    assert!(require_support(&db.services, Some(&third)).await.is_ok());
    let fourth = password_session(&db, "sam.support").await;
    assert_eq!(
        give_second_step(&db.services, &fourth, &code(&recovery))
            .await
            .unwrap_err(),
        SecondFactorError::WrongCode
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'second_step_failed'")
            .await,
        3
    );
}

#[tokio::test]
async fn a_link_works_only_for_its_own_support_user_within_a_day() {
    let db = support::test_db().await;
    let sam = support_user(&db, "sam.support").await;
    support_user(&db, "kim.support").await;
    let kim_session = password_session(&db, "kim.support").await;
    let sams_link = token_of(&issue_enrolment_link(&db.services, sam, None).await.unwrap());
    assert_eq!(
        start_enrolling_app(&db.services, &kim_session, &sams_link)
            .await
            .unwrap_err(),
        SecondFactorError::LinkNotValid,
        "another support user's link"
    );
    let sam_session = password_session(&db, "sam.support").await;
    // A newer link replaces it.
    let newer = token_of(&issue_enrolment_link(&db.services, sam, None).await.unwrap());
    assert_eq!(
        check_enrolment_link(&db.services, &sam_session, &sams_link)
            .await
            .unwrap_err(),
        SecondFactorError::LinkNotValid
    );
    db.clock.advance(Duration::from_secs(24 * 3600 + 1));
    let sam_session = password_session(&db, "sam.support").await;
    assert_eq!(
        check_enrolment_link(&db.services, &sam_session, &newer)
            .await
            .unwrap_err(),
        SecondFactorError::LinkNotValid,
        "more than 24 hours old"
    );
}

#[tokio::test]
async fn a_passkey_enrolled_with_the_link_is_the_second_step_and_logs_in_past_it() {
    let db = support::test_db().await;
    let sam = support_user(&db, "sam.support").await;
    let session = password_session(&db, "sam.support").await;
    let link = token_of(&issue_enrolment_link(&db.services, sam, None).await.unwrap());
    let ceremony = start_enrolling_passkey(&db.services, &session, &link, "Desk key")
        .await
        .unwrap();
    let (mut passkey, answer) = SoftPasskey::register(&ceremony.options);
    finish_enrolling_passkey(
        &db.services,
        &session,
        &link,
        &AddPasskeyForm {
            ceremony: ceremony.ceremony,
            credential: answer,
        },
    )
    .await
    .unwrap();
    assert!(require_support(&db.services, Some(&session)).await.is_ok());

    // A passkey login needs no other step.
    let ceremony = start_passkey_login(&db.services, "198.51.100.20")
        .await
        .unwrap();
    let form = PasskeyLoginForm {
        credential: passkey.assert(&ceremony.options),
        ceremony: ceremony.ceremony,
    };
    let logged_in = passkey_login(&db.services, &form, "198.51.100.20")
        .await
        .unwrap();
    assert!(logged_in.user.second_factor);
    assert!(
        require_support(&db.services, Some(&logged_in.session_token))
            .await
            .is_ok()
    );
    // After a password, the passkey account has no app: a code is wrong.
    let by_password = password_session(&db, "sam.support").await;
    assert_eq!(
        require_support(&db.services, Some(&by_password)).await,
        Err(SupportError::SecondStepNeeded)
    );
    assert_eq!(
        give_second_step(&db.services, &by_password, &code("123456"))
            .await
            .unwrap_err(),
        SecondFactorError::WrongCode
    );
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords_and_practitioners_have_no_second_step() {
    let db = support::test_db().await;
    let sam = support_user(&db, "sam.support").await;
    let session = password_session(&db, "sam.support").await;
    let link = token_of(&issue_enrolment_link(&db.services, sam, None).await.unwrap());
    let setup = start_enrolling_app(&db.services, &session, &link)
        .await
        .unwrap();
    let secret = setup.secret.replace(' ', "");
    confirm_enrolling_app(
        &db.services,
        &session,
        &link,
        &totp_code_at(&secret, db.clock_now()).unwrap(),
    )
    .await
    .unwrap();
    let next = password_session(&db, "sam.support").await;
    let mut refusals = Vec::new();
    for _ in 0..6 {
        refusals.push(
            give_second_step(&db.services, &next, &code("999999x"))
                .await
                .unwrap_err(),
        );
    }
    assert!(
        refusals
            .iter()
            .any(|refusal| matches!(refusal, SecondFactorError::Throttled { .. })),
        "{refusals:?}"
    );

    db.create("ada@example.org", "dr.okafor", PASSWORD).await;
    let ada = password_session(&db, "dr.okafor").await;
    assert_eq!(
        give_second_step(&db.services, &ada, &code("123456"))
            .await
            .unwrap_err(),
        SecondFactorError::NotSupport
    );
}
