//! The server's HTTP defences, against the real binary: security headers
//! on pages and other responses, cross-site writes refused, oversized
//! bodies refused before parsing, unknown addresses answered with a page.
//! On SQLite and, with `THRESHOLD_TEST_POSTGRES` set, on PostgreSQL.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use common::{server_command, ServerProcess};
use reqwest::{Client, StatusCode};

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_every_response_the_safety_headers() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    let client = Client::new();

    let page = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_owned();
    let body = page.text().await.unwrap();
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry the policy's nonce"
    );
    // A new nonce for every page.
    let again = client.get(server.url("/")).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains(&nonce));

    for path in ["/", "/healthz", "/no-such-page"] {
        let response = client.get(server.url(path)).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(headers.contains_key("content-security-policy"), "{path}");
    }
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(
        health.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[tokio::test]
async fn an_unknown_address_gets_a_not_found_page_and_logs_no_error() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = ServerProcess::start_logging_to(server_command(dir.path(), &database_url), log);
    server.ready().await;

    let response = Client::new()
        .get(server.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("<h1 id=\"not-found-title\">Page not found</h1>"),
        "{body}"
    );
    assert!(body.contains("href=\"/help\""), "a way on from the page");
    // A help article that does not exist is a not-found too.
    let article = Client::new()
        .get(server.url("/help/no-such-article"))
        .send()
        .await
        .unwrap();
    assert_eq!(article.status(), StatusCode::NOT_FOUND);
    assert!(article
        .text()
        .await
        .unwrap()
        .contains("There is no help article at this address."));
    // The page renders with the same context as every other page: the
    // header asks who is logged in, which needs the server's services.
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("ERROR"), "the server logged an error: {log}");
}

#[tokio::test]
async fn the_bundle_is_served_precompressed_and_revalidated_and_pages_are_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    // What `cargo leptos build --release --precompress` leaves in the site
    // root: each file beside its compressed forms. (The server only picks
    // the file; these bytes stand in for real gzip output.)
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("threshold.js"), "export const bundle = 1;\n").unwrap();
    std::fs::write(pkg.join("threshold.js.gz"), b"gzip bytes").unwrap();
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    let client = Client::new();

    let compressed = client
        .get(server.url("/pkg/threshold.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.status(), StatusCode::OK);
    assert_eq!(compressed.headers()["content-encoding"], "gzip");
    assert_eq!(compressed.headers()["cache-control"], "no-cache");
    let last_modified = compressed.headers()["last-modified"].clone();
    assert_eq!(compressed.bytes().await.unwrap().as_ref(), b"gzip bytes");

    let plain = client
        .get(server.url("/pkg/threshold.js"))
        .send()
        .await
        .unwrap();
    assert!(!plain.headers().contains_key("content-encoding"));
    assert_eq!(plain.text().await.unwrap(), "export const bundle = 1;\n");

    // Kept, but checked before each use: unchanged costs a 304.
    let again = client
        .get(server.url("/pkg/threshold.js"))
        .header("if-modified-since", last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    for path in ["/", "/help", "/no-such-page"] {
        let page = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(page.headers()["cache-control"], "no-store", "{path}");
    }
    let function = client
        .post(server.url("/api/current_user"))
        .send()
        .await
        .unwrap();
    assert_eq!(function.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn cross_site_writes_and_oversized_bodies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    let client = Client::new();
    let register = |origin: Option<String>, fetch_site: Option<&'static str>| {
        let mut request = client.post(server.url("/api/register")).form(&[
            ("form[first_name]", "Ada"),
            ("form[surname]", "Okafor"),
            ("form[email]", "ada@example.org"),
            ("form[username]", "dr.okafor"),
            ("form[account_type]", "practitioner"),
            ("form[password]", "Violet kettle harbour"),
        ]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };

    let evil = register(Some("http://evil.example".into()), None)
        .await
        .unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    assert!(evil.headers().get("set-cookie").is_none());
    let null = register(Some("null".into()), None).await.unwrap();
    assert_eq!(null.status(), StatusCode::FORBIDDEN);
    let cross = register(None, Some("cross-site")).await.unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);

    // Its own connection: the server closes one whose body it refused
    // unread, and a pooled reuse of it would fail the next request.
    let huge = Client::new()
        .post(server.url("/api/contact_support"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("form[message]={}", "x".repeat(1_000_000)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Nothing above was written: the same registration from the site's own
    // page (its origin) goes through, once.
    let own = register(Some(server.url("")), Some("same-origin"))
        .await
        .unwrap();
    assert_eq!(
        own.status(),
        StatusCode::OK,
        "{}",
        own.text().await.unwrap()
    );
}

#[tokio::test]
async fn malformed_bodies_get_a_client_error_without_internal_detail() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;
    let client = Client::new();
    let bodies: [&[u8]; 6] = [
        b"",
        b"%%%",
        b"form[identifier]=a&form[identifier]=b&form[password]=x",
        b"form[nope]=1&form[identifier][deep]=2",
        b"\xff\xfe\xfd=\xc3\x28",
        b"form=not-an-object",
    ];
    for endpoint in [
        "login",
        "register",
        "request_reset",
        "contact_support",
        "choose_password",
        "support_search",
    ] {
        for body in bodies {
            let response = client
                .post(server.url(&format!("/api/{endpoint}")))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.to_vec())
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            assert!(
                !status.is_server_error(),
                "{endpoint} with {:?}: {status} {text}",
                String::from_utf8_lossy(body)
            );
            for internal in ["sqlx", "serde", "panicked", "SELECT", "src/"] {
                assert!(!text.contains(internal), "{endpoint}: {text}");
            }
        }
    }
}
