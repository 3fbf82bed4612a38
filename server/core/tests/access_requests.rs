//! "Contact support" against a real database (SQLite or PostgreSQL) and a real SMTP
//! server: taking a request, its acknowledgement, its limits, the accounts
//! it points to, and support restoring access from it.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use support::{smtp_sink::SmtpSink, test_db, TestDb};
use threshold_core::{
    access::{
        act_on_request, request_page, submit, ContactError, ContactField, ContactForm,
        RequestAction,
    },
    accounts::{create_support_user, register, RegistrationForm},
    auth::sessions,
    support::{require_support, SupportError, SupportUser},
};

const PASSWORD: &str = "Violet kettle harbour";

fn person(first: &str, surname: &str, email: &str, username: &str) -> RegistrationForm {
    RegistrationForm {
        first_name: first.into(),
        surname: surname.into(),
        email: email.into(),
        username: username.into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    }
}

fn request() -> ContactForm {
    ContactForm {
        first_name: "Ada".into(),
        surname: "Okafor".into(),
        email: "ada@newpractice.org".into(),
        previous_emails: "ada.okafor@oldtrust.org".into(),
        registration_numbers: "gmc 123 4567".into(),
        message: "My old work email was closed when I moved.".into(),
        ..ContactForm::default()
    }
}

async fn staff(db: &TestDb) -> SupportUser {
    let id = create_support_user(
        &db.services,
        &person("Sam", "Staff", "sam@threshold.test", "sam.support"),
    )
    .await
    .unwrap()
    .account_id;
    let token = sessions::start_with_second_factor(&db.services, id)
        .await
        .unwrap();
    require_support(&db.services, Some(&token)).await.unwrap()
}

#[tokio::test]
async fn a_request_is_stored_acknowledged_by_email_and_announced() {
    let db = test_db().await;
    let received = submit(&db.services, &request(), "192.0.2.1").await.unwrap();
    assert_eq!(received.reference, "R-000001");
    assert_eq!(received.email, "ada@newpractice.org");
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'access_request'")
            .await,
        1
    );

    let sink = SmtpSink::start();
    db.outbox_worker(&sink)
        .deliver_next()
        .await
        .unwrap()
        .unwrap();
    let ack = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(ack[0].to, ["ada@newpractice.org"]);
    assert!(ack[0].text().contains("R-000001"), "{}", ack[0].text());
    assert!(ack[0].html().contains("R-000001"));
}

#[tokio::test]
async fn the_acknowledgement_quotes_nothing_the_sender_typed_but_the_reference() {
    let db = test_db().await;
    let phishing = "Ada, your account is locked: https://threshold-login.example/verify";
    let form = ContactForm {
        first_name: phishing.into(),
        surname: "Visit https://evil.example".into(),
        message: "Click https://evil.example/now".into(),
        ..request()
    };
    submit(&db.services, &form, "192.0.2.1").await.unwrap();
    let sink = SmtpSink::start();
    db.outbox_worker(&sink)
        .deliver_next()
        .await
        .unwrap()
        .unwrap();
    let ack = &sink.wait_for(1, Duration::from_secs(5)).await[0];
    for body in [ack.text(), ack.html()] {
        assert!(body.contains("R-000001"));
        for typed in ["https://", "locked", "evil", "Ada"] {
            assert!(!body.contains(typed), "{typed:?} in {body}");
        }
    }
}

#[tokio::test]
async fn a_bad_request_is_refused_field_by_field_and_nothing_is_stored() {
    let db = test_db().await;
    let bad = ContactForm {
        email: "nope".into(),
        message: String::new(),
        ..request()
    };
    let Err(ContactError::Invalid { problems }) = submit(&db.services, &bad, "192.0.2.1").await
    else {
        panic!("expected field problems");
    };
    let fields: Vec<ContactField> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, [ContactField::Email, ContactField::Message]);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM access_requests").await, 0);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn requests_are_limited_per_network_address_and_per_reply_address() {
    let db = test_db().await;
    for n in 0..5 {
        let form = ContactForm {
            email: format!("person{n}@example.org"),
            ..request()
        };
        submit(&db.services, &form, "192.0.2.1").await.unwrap();
    }
    let sixth = ContactForm {
        email: "person6@example.org".into(),
        ..request()
    };
    assert!(matches!(
        submit(&db.services, &sixth, "192.0.2.1").await,
        Err(ContactError::RateLimited { .. })
    ));
    // One reply address from many networks: three, then a wait.
    for n in 0..3 {
        submit(&db.services, &request(), &format!("198.51.100.{n}"))
            .await
            .unwrap();
    }
    assert!(matches!(
        submit(&db.services, &request(), "198.51.100.9").await,
        Err(ContactError::RateLimited { .. })
    ));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM access_requests").await, 8);
}

#[tokio::test]
async fn plus_tags_and_letter_case_share_one_inboxs_allowance() {
    let db = test_db().await;
    for (n, spelling) in ["victim+1@nhs.net", "VICTIM+2@NHS.net", "victim@nhs.net"]
        .into_iter()
        .enumerate()
    {
        let form = ContactForm {
            email: spelling.into(),
            ..request()
        };
        submit(&db.services, &form, &format!("198.51.100.{n}"))
            .await
            .unwrap();
    }
    let fourth = ContactForm {
        email: "victim+4@nhs.net".into(),
        ..request()
    };
    assert!(matches!(
        submit(&db.services, &fourth, "198.51.100.9").await,
        Err(ContactError::RateLimited { .. })
    ));
}

/// Ada Okafor, registered with her old address and her GMC number.
async fn ada_at_her_old_address(db: &TestDb) -> i64 {
    register(
        &db.services,
        &RegistrationForm {
            registration_kind: "GMC".into(),
            registration_number: "1234567".into(),
            ..person("Ada", "Okafor", "ada.okafor@oldtrust.org", "dr.okafor")
        },
        "192.0.2.1",
    )
    .await
    .unwrap()
    .account_id
}

#[tokio::test]
async fn matching_accounts_are_ranked_and_support_restores_access_from_the_request() {
    let db = test_db().await;
    let staff = staff(&db).await;
    // Ada's account still has her old address, and her GMC number.
    let ada = ada_at_her_old_address(&db).await;
    // Another Ada Okafor: the name alone matches.
    let namesake = register(
        &db.services,
        &person("Ada", "Okafor", "other.ada@example.org", "ada.o"),
        "192.0.2.1",
    )
    .await
    .unwrap()
    .account_id;
    let id = {
        let received = submit(&db.services, &request(), "192.0.2.1").await.unwrap();
        received
            .reference
            .trim_start_matches("R-")
            .parse::<i64>()
            .unwrap()
    };
    let page = request_page(&db.services, &staff, id).await.unwrap();
    let ranked: Vec<i64> = page
        .suggestions
        .iter()
        .map(|s| s.account.account_id)
        .collect();
    assert_eq!(ranked, [ada, namesake], "most matching details first");
    assert_eq!(
        page.suggestions[0].matched.len(),
        3,
        "{:?}",
        page.suggestions[0].matched
    );

    act_on_request(
        &db.services,
        &staff,
        id,
        &RequestAction::UseRequestEmail {
            account_id: ada,
            look_alike_reason: None,
        },
    )
    .await
    .unwrap();
    act_on_request(
        &db.services,
        &staff,
        id,
        &RequestAction::SendReset { account_id: ada },
    )
    .await
    .unwrap();
    act_on_request(
        &db.services,
        &staff,
        id,
        &RequestAction::Close {
            note: "Matched on GMC number; email updated.".into(),
        },
    )
    .await
    .unwrap();

    let page = request_page(&db.services, &staff, id).await.unwrap();
    assert_eq!(page.request.status, "closed");
    let steps: Vec<(&str, Option<&str>)> = page
        .request
        .steps
        .iter()
        .map(|s| (s.action.as_str(), s.actor.as_deref()))
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", None),
            ("changed_email", Some("sam.support")),
            ("sent_reset", Some("sam.support")),
            ("closed", Some("sam.support"))
        ]
    );
    // Each account change is in the account's audit trail as well.
    assert_eq!(
        db.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE account_id = {ada}"
        ))
        .await,
        2
    );
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM events WHERE kind = 'access_request_updated'")
            .await,
        3
    );

    // The reset goes to the new address and works.
    let sink = SmtpSink::start();
    let worker = db.outbox_worker(&sink);
    while worker.deliver_next().await.unwrap().is_some() {}
    let reset = sink
        .received()
        .into_iter()
        .find(|m| m.text().contains("New password:"))
        .expect("a reset email");
    assert_eq!(reset.to, ["ada@newpractice.org"]);

    assert_eq!(
        act_on_request(
            &db.services,
            &staff,
            999,
            &RequestAction::Close {
                note: String::new()
            }
        )
        .await,
        Err(SupportError::NotFound)
    );
    assert_eq!(
        act_on_request(
            &db.services,
            &staff,
            id,
            &RequestAction::Close {
                note: "x".repeat(501)
            }
        )
        .await,
        Err(SupportError::NoteTooLong { max: 500 })
    );
}

/// Requests stored before numbers carried their kind ("GMC1234567",
/// a bare "1234567", anything else once accepted) are still shown, each
/// in the one display form, and still lead to the account.
#[tokio::test]
async fn numbers_of_a_request_stored_before_the_kinds_were_kept_still_show_and_match() {
    let db = test_db().await;
    let staff = staff(&db).await;
    let ada = ada_at_her_old_address(&db).await;
    let received = submit(
        &db.services,
        &ContactForm {
            previous_emails: String::new(),
            first_name: "Someone".into(),
            ..request()
        },
        "192.0.2.1",
    )
    .await
    .unwrap();
    let id: i64 = received.reference.trim_start_matches("R-").parse().unwrap();
    let stored: String =
        sqlx::query_scalar("SELECT registration_numbers FROM access_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&db.inspect)
            .await
            .unwrap();
    assert_eq!(stored, "GMC 1234567", "stored in the display form");

    sqlx::query("UPDATE access_requests SET registration_numbers = $1 WHERE id = $2")
        .bind("GMC1234567\nBANANA\n7654321")
        .bind(id)
        .execute(&db.inspect)
        .await
        .unwrap();
    let page = request_page(&db.services, &staff, id).await.unwrap();
    let shown: Vec<String> = page
        .request
        .registration_numbers
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(shown, ["GMC 1234567", "Other BANANA", "GMC 7654321"]);
    let suggestion = page
        .suggestions
        .iter()
        .find(|s| s.account.account_id == ada)
        .expect("the number still leads to the account");
    assert!(
        suggestion
            .matched
            .contains(&"registration number GMC 1234567".to_owned()),
        "{:?}",
        suggestion.matched
    );
}
