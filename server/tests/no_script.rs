//! A form posted without JavaScript, against the real server: the browser's
//! own POST (it asks for HTML) is sent back to its page with a 303 and a
//! short-lived cookie holding what was typed and the answer, never the
//! password; the page that follows shows the answer and clears the cookie.
//! Leptos' own `fetch` (it asks for JSON) is left as it was.
//! On SQLite and, with `THRESHOLD_TEST_POSTGRES` set, on PostgreSQL.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use app::posted::Posted;
use common::{register, server_command, ServerProcess, PASSWORD};
use reqwest::{header, redirect, Client, StatusCode};

const TYPED_WRONG: &str = "not the password at all";

/// What the cookie a response sets holds, and its attributes.
fn posted_cookie(response: &reqwest::Response) -> Option<(Posted, String)> {
    let set_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("threshold_posted="))?
        .to_owned();
    let value = set_cookie
        .strip_prefix("threshold_posted=")?
        .split(';')
        .next()?;
    Some((Posted::from_cookie_value(value)?, set_cookie))
}

/// Whether the page's Log in `<dialog>` carries `open` (rendered open).
fn login_dialog_open(html: &str) -> bool {
    let tag = html
        .split("<dialog")
        .find(|tag| tag.contains(r#"id="login-dialog""#))
        .and_then(|tag| tag.split('>').next())
        .expect("a Log in dialog on the page");
    tag.split_whitespace().any(|attribute| attribute == "open")
}

#[tokio::test]
async fn a_refused_login_posted_by_the_browser_returns_to_its_page_with_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    register(&server, &common::client(), "practitioner", "plainpost").await;

    // A browser: follows nothing by itself here, so each step is seen.
    let browser = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let page = server.url("/help?q=log+in");
    let answer = browser
        .post(server.url("/api/login"))
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(header::REFERER, &page)
        .form(&[
            ("form[identifier]", "plainpost"),
            ("form[password]", TYPED_WRONG),
        ])
        .send()
        .await
        .unwrap();
    // Not the refusal's 401 with a body a browser would show.
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()[header::LOCATION], page.as_str());
    let (posted, set_cookie) = posted_cookie(&answer).expect("a threshold_posted cookie");
    for attribute in ["Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=60"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} missing: {set_cookie}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP here: {set_cookie}"
    );
    assert_eq!(posted.path, "/api/login");
    assert_eq!(
        posted.values,
        vec![("form[identifier]".to_owned(), "plainpost".to_owned())]
    );
    assert!(posted.refusal.is_some() && posted.ok.is_none());
    assert!(!set_cookie.contains(TYPED_WRONG));

    // The page it returns to: the Log in dialog open in the HTML, the name
    // back in its field, and the cookie cleared.
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let next = browser
        .get(&page)
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), StatusCode::OK);
    let cleared = next
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.starts_with("threshold_posted=;") && value.contains("Max-Age=0"));
    assert!(cleared, "the cookie is cleared once read");
    let html = next.text().await.unwrap();
    assert!(login_dialog_open(&html), "the Log in dialog is not open");
    assert!(
        html.contains(r#"value="plainpost""#),
        "the name is not back in its field"
    );
    assert!(!html.contains(TYPED_WRONG));

    // Without the cookie (a reload later): the page as it is.
    let reloaded = browser
        .get(&page)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!login_dialog_open(&reloaded));
}

#[tokio::test]
async fn a_successful_post_keeps_the_answer_and_a_script_s_call_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    register(&server, &common::client(), "practitioner", "plainok").await;
    let browser = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let login = [
        ("form[identifier]", "plainok"),
        ("form[password]", PASSWORD),
    ];

    let answer = browser
        .post(server.url("/api/login"))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, server.url("/"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    let (posted, set_cookie) = posted_cookie(&answer).expect("a threshold_posted cookie");
    assert!(posted.refusal.is_none());
    let ok = posted.ok.expect("the login's answer");
    assert!(ok.contains("plainok"), "{ok}");
    assert!(!set_cookie.contains(PASSWORD));
    assert!(!ok.contains(PASSWORD));

    // The WASM's own call asks for JSON: answered as before, no cookie.
    let fetched = browser
        .post(server.url("/api/login"))
        .header(header::ACCEPT, "application/json")
        .header(header::REFERER, server.url("/"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    assert!(posted_cookie(&fetched).is_none());
}
