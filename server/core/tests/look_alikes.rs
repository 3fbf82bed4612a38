//! Look-alike names (SPEC.md §1) against a real database (SQLite, or
//! PostgreSQL: see support/mod.rs): every name that looks like a held one
//! is refused at registration and at support's change of email, the
//! skeleton index holds under a race, names written before skeletons
//! existed are completed and their clashes reported, and an access request
//! from a look-alike address needs support's second confirmation.
#![cfg(feature = "server")]

mod support;

use support::{test_db, TestDb};
use threshold_core::{
    access::{act_on_request, submit, ContactError, ContactField, ContactForm, RequestAction},
    accounts::{
        create_support_user, register, RegistrationError, RegistrationField, RegistrationForm,
        RegistrationPolicy,
    },
    auth::{login, rate_limit::RateLimit, sessions, LoginForm},
    support::{
        account_detail, perform, require_support, AddressResemblance, SupportAction, SupportError,
        SupportUser,
    },
};

const PASSWORD: &str = "violet kettle harbour lantern";

fn person(email: &str, username: &str) -> RegistrationForm {
    RegistrationForm {
        first_name: "Ada".into(),
        surname: "Okafor".into(),
        email: email.into(),
        username: username.into(),
        account_type: "practitioner".into(),
        password: PASSWORD.into(),
        ..RegistrationForm::default()
    }
}

/// Registration with the limits lifted: what is under test is the names.
async fn try_register(
    db: &TestDb,
    form: &RegistrationForm,
) -> Result<threshold_core::accounts::Registered, RegistrationError> {
    let mut services = db.services.clone();
    services.registration_policy = RegistrationPolicy {
        per_client: RateLimit::per_minute(1000),
        per_name: RateLimit::per_minute(1000),
    };
    register(&services, form, "192.0.2.1").await
}

async fn staff(db: &TestDb) -> SupportUser {
    let id = create_support_user(
        &db.services,
        &RegistrationForm {
            first_name: "Sam".into(),
            surname: "Desk".into(),
            ..person("sam@threshold.test", "sam.desk")
        },
    )
    .await
    .unwrap()
    .account_id;
    let token = sessions::start_with_second_factor(&db.services, id)
        .await
        .unwrap();
    require_support(&db.services, Some(&token)).await.unwrap()
}

fn field_problem(error: &RegistrationError, field: RegistrationField) -> Option<String> {
    match error {
        RegistrationError::Invalid(problems) => problems
            .iter()
            .find(|problem| problem.field == field)
            .map(|problem| problem.message.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn every_look_alike_is_refused_at_registration_and_nothing_is_written() {
    let db = test_db().await;
    staff(&db).await;
    try_register(&db, &person("ada.okafor@nhs.net", "okafor"))
        .await
        .unwrap();
    try_register(&db, &person("m.jones@nhs.net", "okafor1"))
        .await
        .unwrap();
    try_register(&db, &person("bob@ace.org", "sep"))
        .await
        .unwrap();
    let accounts = db.scalar("SELECT COUNT(*) FROM accounts").await;

    // Usernames: another script inside a Latin name, or an invisible
    // character riding on it, is refused outright.
    for username in [
        "\u{043E}kafor",
        "\u{03BF}kafor",
        "okafor\u{034F}",
        "okafor\u{115F}",
        "okafor\u{3164}",
        "okafor\u{FE0F}",
        "\u{0455}am.desk",
    ] {
        let error = try_register(&db, &person("someone.new@nhs.net", username))
            .await
            .unwrap_err();
        assert!(
            field_problem(&error, RegistrationField::Username).is_some(),
            "{username:?}: {error:?}"
        );
    }
    // Emails: a letter outside a-z before the @, another script inside a
    // domain label, an invisible character.
    for email in [
        "\u{0430}da.okafor@nhs.net",
        "ada.okafor@nhs.n\u{0435}t",
        "bob.jones@nh\u{0455}.net",
        "\u{1F600}@nhs.net",
        "ada\u{034F}@nhs.net",
        "ada.okafor@nhs\u{FE0F}.net",
    ] {
        let error = try_register(&db, &person(email, "")).await.unwrap_err();
        assert!(
            field_problem(&error, RegistrationField::Email).is_some(),
            "{email:?}: {error:?}"
        );
    }
    // Names of one script each that look like held ones: the skeleton.
    let looks_taken = [
        (person("someone.new@nhs.net", "okaforl"), "username okaforl"),
        (person("someone.new@nhs.net", "OKAFORL"), "username OKAFORL"),
        (
            person("someone.new@nhs.net", "\u{0455}\u{0435}\u{0440}"),
            "Cyrillic sep",
        ),
        (person("rn.jones@nhs.net", ""), "email rn.jones"),
        (
            person("bob@\u{0430}\u{0441}\u{0435}.org", ""),
            "Cyrillic domain",
        ),
        // The same look-alike domain typed as punycode.
        (
            person("bob@xn--80ak9a.org", ""),
            "Cyrillic domain as punycode",
        ),
    ];
    for (form, what) in &looks_taken {
        let error = try_register(&db, form).await.unwrap_err();
        assert!(
            matches!(
                error,
                RegistrationError::UsernameLooksTaken { .. }
                    | RegistrationError::EmailLooksTaken { .. }
            ),
            "{what}: {error:?}"
        );
    }
    // And an IDN address is the same mailbox as its punycode.
    try_register(&db, &person("ada@b\u{00FC}cher.de", ""))
        .await
        .unwrap();
    assert!(matches!(
        try_register(&db, &person("ADA@xn--bcher-kva.de", "")).await,
        Err(RegistrationError::EmailTaken { .. })
    ));
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM accounts").await,
        accounts + 1,
        "only the IDN address registered"
    );
    // Its owner logs in with either form.
    for typed in ["ada@b\u{00FC}cher.de", "Ada@XN--BCHER-KVA.DE"] {
        let form = LoginForm {
            identifier: typed.into(),
            password: PASSWORD.into(),
        };
        assert!(
            login(&db.services, &form, "192.0.2.7").await.is_ok(),
            "{typed}"
        );
    }
}

#[tokio::test]
async fn look_alikes_are_refused_when_support_changes_an_email() {
    let db = test_db().await;
    let staff = staff(&db).await;
    let ada = try_register(&db, &person("ada.okafor@nhs.net", "okafor"))
        .await
        .unwrap()
        .account_id;
    try_register(&db, &person("bob@ace.org", "bob.ace"))
        .await
        .unwrap();
    let change = |email: &str| SupportAction::ChangeEmail {
        email: email.into(),
        look_alike_reason: None,
    };
    assert_eq!(
        perform(
            &db.services,
            &staff,
            ada,
            &change("bob@\u{0430}\u{0441}\u{0435}.org")
        )
        .await,
        Err(SupportError::EmailLooksTaken)
    );
    assert_eq!(
        perform(&db.services, &staff, ada, &change("BOB@xn--80ak9a.org")).await,
        Err(SupportError::EmailLooksTaken)
    );
    for refused in [
        "ada.okafor@nhs.n\u{0435}t",
        "\u{0430}da@nhs.net",
        "ada\u{034F}@nhs.net",
    ] {
        assert!(
            matches!(
                perform(&db.services, &staff, ada, &change(refused)).await,
                Err(SupportError::InvalidEmail { .. })
            ),
            "{refused:?}"
        );
    }
    let detail = account_detail(&db.services, &staff, ada).await.unwrap();
    assert_eq!(detail.summary.email, "ada.okafor@nhs.net");
    assert!(detail.audit.is_empty());
}

#[tokio::test]
async fn the_skeleton_index_holds_under_a_twenty_way_race() {
    let db = test_db().await;
    // Each name alone is valid; they look the same ("1" and "l").
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let username = if i % 2 == 0 { "okafor1" } else { "okaforl" };
            let form = person(&format!("racer{i}@nhs.net"), username);
            let mut services = db.services.clone();
            services.registration_policy = RegistrationPolicy {
                per_client: RateLimit::per_minute(1000),
                per_name: RateLimit::per_minute(1000),
            };
            tokio::spawn(
                async move { register(&services, &form, &format!("198.51.100.{i}")).await },
            )
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(
                RegistrationError::UsernameTaken { .. }
                | RegistrationError::UsernameLooksTaken { .. },
            ) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM accounts").await, 1);
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM login_names WHERE kind = 'username'")
            .await,
        1
    );
}

/// Writes an account as it was before skeletons existed: its login names
/// without one, its email's key in the old (Unicode) form.
async fn legacy_account(db: &TestDb, username: &str, username_key: &str, email: &str) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (username, email, first_name, surname, account_type, password_hash,
                               created_at)
         VALUES ($1, $2, 'Old', 'Account', 'practitioner', 'x', 0) RETURNING id",
    )
    .bind(username)
    .bind(email)
    .fetch_one(&db.inspect)
    .await
    .unwrap();
    for (key, kind) in [(username_key, "username"), (&email.to_lowercase(), "email")] {
        sqlx::query("INSERT INTO login_names (name_key, account_id, kind) VALUES ($1, $2, $3)")
            .bind(key)
            .bind(id)
            .bind(kind)
            .execute(&db.inspect)
            .await
            .unwrap();
    }
    id
}

#[tokio::test]
async fn names_written_before_skeletons_are_completed_and_clashes_reported_not_deleted() {
    let db = test_db().await;
    let okafor = try_register(&db, &person("ada.okafor@nhs.net", "okafor"))
        .await
        .unwrap()
        .account_id;
    let punycode = try_register(&db, &person("ada@xn--bcher-kva.de", ""))
        .await
        .unwrap()
        .account_id;
    // A look-alike username and an IDN twin, accepted before this release.
    let look_alike = legacy_account(&db, "\u{043E}kafor", "\u{043E}kafor", "old1@nhs.net").await;
    let twin = legacy_account(&db, "twin.user", "twin.user", "ada@b\u{00FC}cher.de").await;
    // And one with no clash, whose IDN key moves to punycode.
    let plain = legacy_account(&db, "plain.user", "plain.user", "bo@b\u{00FC}cher.example").await;

    let done = db.services.store.complete_login_names().await.unwrap();
    assert_eq!(done.look_alikes, 2, "{done:?}");
    assert_eq!(done.completed, 4, "{done:?}");

    let reported: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT account_id, looks_like_account_id FROM look_alike_names ORDER BY account_id",
    )
    .fetch_all(&db.inspect)
    .await
    .unwrap();
    assert_eq!(reported, vec![(look_alike, okafor), (twin, punycode)]);
    // Nothing deleted: every account and name is still there.
    assert_eq!(db.scalar("SELECT COUNT(*) FROM accounts").await, 5);
    assert_eq!(db.scalar("SELECT COUNT(*) FROM login_names").await, 10);
    let moved: i64 = sqlx::query_scalar(
        "SELECT account_id FROM login_names WHERE name_key = 'bo@xn--bcher-kva.example'",
    )
    .fetch_one(&db.inspect)
    .await
    .unwrap();
    assert_eq!(moved, plain);
    // Support sees the pair on both accounts' pages.
    let staff = staff(&db).await;
    for (account, other) in [(look_alike, okafor), (okafor, look_alike), (twin, punycode)] {
        let detail = account_detail(&db.services, &staff, account).await.unwrap();
        assert!(
            detail
                .possible_duplicates
                .iter()
                .any(|d| d.account_id == other && d.reason == "look_alike_name"),
            "{account}: {:?}",
            detail.possible_duplicates
        );
    }
    // Run again (another instance, the next start): nothing new.
    let again = db.services.store.complete_login_names().await.unwrap();
    assert_eq!((again.completed, again.look_alikes), (0, 2));
    assert_eq!(db.scalar("SELECT COUNT(*) FROM look_alike_names").await, 2);
    // A new registration of the reported look-alike's skeleton is refused.
    assert!(matches!(
        try_register(&db, &person("someone.new@nhs.net", "OKAFOR")).await,
        Err(RegistrationError::UsernameTaken { .. })
    ));
}

fn bob_request(email: &str) -> ContactForm {
    ContactForm {
        first_name: "Bob".into(),
        surname: "Jones".into(),
        email: email.into(),
        previous_emails: "bob.jones@ace.org".into(),
        registration_numbers: "NMC 12A3456E".into(),
        message: "I cannot get into my account.".into(),
        ..ContactForm::default()
    }
}

#[tokio::test]
async fn a_request_from_a_look_alike_address_needs_a_second_confirmation_with_a_reason() {
    let db = test_db().await;
    let staff = staff(&db).await;
    let bob = try_register(
        &db,
        &RegistrationForm {
            first_name: "Bob".into(),
            surname: "Jones".into(),
            registration_kind: "NMC".into(),
            registration_number: "12A3456E".into(),
            ..person("bob.jones@ace.org", "bob.jones")
        },
    )
    .await
    .unwrap()
    .account_id;

    // One Cyrillic letter in the domain: refused at the form.
    match submit(
        &db.services,
        &bob_request("bob.jones@\u{0430}ce.org"),
        "192.0.2.66",
    )
    .await
    {
        Err(ContactError::Invalid { problems }) => {
            assert!(
                problems.iter().any(|p| p.field == ContactField::Email),
                "{problems:?}"
            )
        }
        other => panic!("expected the email refused, got {other:?}"),
    }
    // A domain all in Cyrillic passes the form (one script) and looks
    // exactly like Bob's.
    let fake = "bob.jones@\u{0430}\u{0441}\u{0435}.org";
    let request = submit(&db.services, &bob_request(fake), "192.0.2.66")
        .await
        .unwrap()
        .reference
        .trim_start_matches("R-")
        .parse::<i64>()
        .unwrap();
    let use_request_email = |reason: Option<&str>| RequestAction::UseRequestEmail {
        account_id: bob,
        look_alike_reason: reason.map(str::to_owned),
    };
    assert_eq!(
        act_on_request(&db.services, &staff, request, &use_request_email(None)).await,
        Err(SupportError::LooksLikeKnownAddress {
            new: fake.into(),
            known: "bob.jones@ace.org".into(),
            resembles: AddressResemblance::Address,
        })
    );
    // A blank reason is no reason.
    assert!(matches!(
        act_on_request(
            &db.services,
            &staff,
            request,
            &use_request_email(Some("  "))
        )
        .await,
        Err(SupportError::LooksLikeKnownAddress { .. })
    ));
    let untouched = account_detail(&db.services, &staff, bob).await.unwrap();
    assert_eq!(untouched.summary.email, "bob.jones@ace.org");
    assert!(untouched.audit.is_empty());

    let reason = "Bob confirmed on the phone number in his NMC record";
    act_on_request(
        &db.services,
        &staff,
        request,
        &use_request_email(Some(reason)),
    )
    .await
    .unwrap();
    let changed = account_detail(&db.services, &staff, bob).await.unwrap();
    assert_eq!(changed.summary.email, fake);
    let audit = &changed.audit[0];
    assert!(audit.after.contains(reason), "{}", audit.after);
    assert!(audit.after.contains("bob.jones@ace.org"), "{}", audit.after);

    // Another name at a look-alike domain warns too, on the account page.
    let change = SupportAction::ChangeEmail {
        email: "robert@\u{0430}\u{0441}\u{0435}.org".into(),
        look_alike_reason: None,
    };
    let carol = try_register(&db, &person("carol@ace.org", "carol"))
        .await
        .unwrap()
        .account_id;
    assert!(matches!(
        perform(&db.services, &staff, carol, &change).await,
        Err(SupportError::LooksLikeKnownAddress {
            resembles: AddressResemblance::Domain,
            ..
        })
    ));
}
