//! The public forms' limits and the cookies behind them, over HTTP against
//! the real server: registration limited per client (every answer counts,
//! 429 with Retry-After); registering ends the browser's earlier session on
//! the server; a login makes the browser a known device, and the owner's
//! own reset request is heard after strangers used up the address's hour.
//! On SQLite, or PostgreSQL when `THRESHOLD_TEST_POSTGRES` is set.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use common::{ada_registration, server_command, ServerProcess, PASSWORD};
use reqwest::{header, Client, Response, StatusCode};

/// A client that keeps no cookies: each test passes them by hand, to see
/// exactly which cookie does what.
fn bare() -> Client {
    Client::new()
}

/// The value the response sets for `cookie`, and the whole `Set-Cookie`.
fn set_cookie(response: &Response, cookie: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|line| line.starts_with(&format!("{cookie}=")))
        .map(|line| {
            let value = line[cookie.len() + 1..]
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            (value, line.to_owned())
        })
}

async fn register_as(server: &ServerProcess, email: &str, session: Option<&str>) -> Response {
    let mut request = bare()
        .post(server.url("/api/register"))
        .form(&ada_registration(email));
    if let Some(session) = session {
        request = request.header(header::COOKIE, format!("threshold_session={session}"));
    }
    request.send().await.unwrap()
}

/// Whether the session cookie `session` is logged in, as the server sees it.
async fn logged_in(server: &ServerProcess, session: &str) -> bool {
    let answer = bare()
        .post(server.url("/api/current_user"))
        .header(header::COOKIE, format!("threshold_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.text().await.unwrap() != "null"
}

#[tokio::test]
async fn registering_ends_the_session_the_browser_already_had() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;

    let first = register_as(&server, "first@example.org", None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let (old, _) = set_cookie(&first, "threshold_session").expect("a session cookie");
    assert!(logged_in(&server, &old).await);
    // Registering logs in, so the browser is a known device of the account.
    assert!(set_cookie(&first, "threshold_device").is_some());

    // The same browser registers a second account.
    let second = register_as(&server, "second@example.org", Some(&old)).await;
    assert_eq!(second.status(), StatusCode::OK);
    let (new, _) = set_cookie(&second, "threshold_session").expect("a new session cookie");
    assert_ne!(new, old);
    assert!(logged_in(&server, &new).await);
    assert!(
        !logged_in(&server, &old).await,
        "the first account's session ended on the server, not only in the browser"
    );

    // A registration that is refused leaves the browser's session alone.
    let taken = register_as(&server, "second@example.org", Some(&new)).await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(logged_in(&server, &new).await);
}

#[tokio::test]
async fn every_registration_answer_counts_and_the_limited_one_says_when() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let mut command = server_command(dir.path(), &database_url);
    command.env("REGISTRATION_RATE_PER_HOUR", "3");
    let server = ServerProcess::start(command);
    server.ready().await;

    let created = register_as(&server, "ada@example.org", None).await;
    assert_eq!(created.status(), StatusCode::OK);
    let taken = register_as(&server, "ada@example.org", None).await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let invalid = register_as(&server, "not an address", None).await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let limited = register_as(&server, "bea@example.org", None).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    // Three an hour: the next in 20 minutes.
    assert_eq!(limited.headers()[header::RETRY_AFTER], "1200");
    let body = limited.text().await.unwrap();
    assert!(body.contains("RateLimited"), "{body}");
    assert!(body.contains("1200"), "{body}");
}

#[tokio::test]
async fn a_login_makes_a_known_device_whose_reset_is_heard_after_strangers_used_the_hour() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    assert_eq!(
        register_as(&server, "ada@example.org", None).await.status(),
        StatusCode::OK
    );

    let login = bare()
        .post(server.url("/api/login"))
        .form(&[
            ("form[identifier]", "ada@example.org"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let (device, line) = set_cookie(&login, "threshold_device").expect("a known-device cookie");
    assert_eq!(
        device.len(),
        43,
        "256 random bits in URL-safe base64: {line}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(line.contains(attribute), "{attribute} missing: {line}");
    }
    // Logging in again from that browser keeps its token.
    let again = bare()
        .post(server.url("/api/login"))
        .header(header::COOKIE, format!("threshold_device={device}"))
        .form(&[
            ("form[identifier]", "ada@example.org"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(set_cookie(&again, "threshold_device").unwrap().0, device);

    let ask = |cookie: Option<String>| {
        let mut request = bare()
            .post(server.url("/api/request_reset"))
            .form(&[("form[email]", "ada@example.org")]);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        request.send()
    };
    for _ in 0..3 {
        assert_eq!(ask(None).await.unwrap().status(), StatusCode::OK);
    }
    let stranger = ask(None).await.unwrap();
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    let made_up = ask(Some("threshold_device=made-up".into())).await.unwrap();
    assert_eq!(made_up.status(), StatusCode::TOO_MANY_REQUESTS);

    let owner = ask(Some(format!("threshold_device={device}")))
        .await
        .unwrap();
    assert_eq!(owner.status(), StatusCode::OK);
    let body = owner.text().await.unwrap();
    assert!(body.contains("ada@example.org"), "{body}");
}

#[tokio::test]
async fn the_password_verdict_names_the_broken_rules_and_is_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    let ask = |password: &'static str| {
        bare()
            .post(server.url("/api/password_verdict"))
            .form(&[
                ("form[password]", password),
                ("form[username]", ""),
                ("form[email]", "ada.okafor@example.org"),
                ("form[first_name]", "Ada"),
                ("form[surname]", "Okafor"),
            ])
            .send()
    };

    let breached = ask("password123456").await.unwrap();
    assert_eq!(breached.status(), StatusCode::OK);
    let body: serde_json::Value = breached.json().await.unwrap();
    assert_eq!(
        body["problems"],
        serde_json::json!([{ "TooShort": { "min": 15 } }, "Breached"])
    );
    let body: serde_json::Value = ask("maple cobalt okafor drift")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["problems"], serde_json::json!(["ContainsSurname"]));
    let body: serde_json::Value = ask(PASSWORD).await.unwrap().json().await.unwrap();
    assert_eq!(body["problems"], serde_json::json!([]));

    // A burst of 60 per address: three used above.
    for _ in 3..60 {
        assert_eq!(ask(PASSWORD).await.unwrap().status(), StatusCode::OK);
    }
    let limited = ask(PASSWORD).await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=1).contains(&wait), "{wait}");
}
