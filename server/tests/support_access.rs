//! Who gets into the support console, over HTTP against the real server:
//! every support server function, page and the live feed, for an anonymous
//! visitor (401), a practitioner and a practice admin (403), a support
//! user's session with only the password (403: no second factor) and a
//! support user past the second step (200). The support user is made with the command line. On SQLite
//! and, with `THRESHOLD_TEST_POSTGRES` set, on PostgreSQL.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use common::{
    client, create_support_user, enrol_app, log_in, register, server_command, ServerProcess,
    PASSWORD,
};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_support_endpoint_answers_only_support_users() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;

    // The command line refuses a weak password and creates nothing...
    let refused = create_support_user(dir.path(), &database_url, "short");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("Password"), "{message}");
    // ...and creates the support user with a good one.
    let created = create_support_user(dir.path(), &database_url, PASSWORD);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("Support user sam.support created"));

    let server = ServerProcess::start(server_command(dir.path(), &database_url));
    server.ready().await;

    let anonymous = client();
    let practitioner = client();
    register(&server, &practitioner, "practitioner", "okafor").await;
    let admin = client();
    register(&server, &admin, "practice_admin", "admin").await;
    let support = client();
    assert_eq!(
        log_in(&server, &support, "sam.support", PASSWORD).await,
        StatusCode::OK
    );
    // Before enrolling, the password alone opens nothing.
    let before = support
        .post(server.url("/api/support_search"))
        .form(&[("query", "okafor")])
        .send()
        .await
        .unwrap();
    assert_eq!(before.status(), StatusCode::FORBIDDEN);
    assert!(before.text().await.unwrap().contains("EnrolFirst"));
    enrol_app(&server, &support, &String::from_utf8_lossy(&created.stdout)).await;
    // Another session of the same support user, with only the password.
    let password_only = client();
    assert_eq!(
        log_in(&server, &password_only, "sam.support", PASSWORD).await,
        StatusCode::OK
    );

    // Someone who cannot get in asks for help: access request 1.
    let asked = anonymous
        .post(server.url("/api/contact_support"))
        .form(&[
            ("form[first_name]", "Ada"),
            ("form[surname]", "Okafor"),
            ("form[username]", ""),
            ("form[email]", "ada.new@example.org"),
            ("form[previous_emails]", "okafor@example.org"),
            ("form[registration_numbers]", ""),
            ("form[last_post]", ""),
            ("form[supervised_trainees]", ""),
            ("form[message]", "I changed jobs and lost my old email."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        asked.status(),
        StatusCode::OK,
        "{}",
        asked.text().await.unwrap()
    );

    // The practitioner registered first after the support user: account 2.
    let target = 2;
    for (who, client, expected) in [
        ("anonymous", &anonymous, StatusCode::UNAUTHORIZED),
        ("practitioner", &practitioner, StatusCode::FORBIDDEN),
        ("practice admin", &admin, StatusCode::FORBIDDEN),
        (
            "support, password only",
            &password_only,
            StatusCode::FORBIDDEN,
        ),
        ("support", &support, StatusCode::OK),
    ] {
        let search = client
            .post(server.url("/api/support_search"))
            .form(&[("query", "okafor")])
            .send()
            .await
            .unwrap();
        assert_eq!(search.status(), expected, "{who}: support_search");
        let body = search.text().await.unwrap();
        assert_eq!(
            body.contains("okafor@example.org"),
            expected == StatusCode::OK,
            "{who}: search results only for support: {body}"
        );

        let account = client
            .post(server.url("/api/support_account"))
            .form(&[("account_id", target.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(account.status(), expected, "{who}: support_account");

        let act = client
            .post(server.url("/api/support_act"))
            // An action that applies to an enabled, unlocked account (unlock
            // would be refused as having nothing to do).
            .json(
                &serde_json::json!({ "account_id": target, "action": { "action": "send_reset" } }),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(act.status(), expected, "{who}: support_act");

        let queue = client
            .post(server.url("/api/support_requests"))
            .send()
            .await
            .unwrap();
        assert_eq!(queue.status(), expected, "{who}: support_requests");
        assert_eq!(
            queue.text().await.unwrap().contains("lost my old email"),
            expected == StatusCode::OK,
            "{who}: requests only for support"
        );
        let request = client
            .post(server.url("/api/support_request"))
            .form(&[("request_id", "1")])
            .send()
            .await
            .unwrap();
        assert_eq!(request.status(), expected, "{who}: support_request");
        // Acting: anyone but support is refused before anything happens;
        // support's note is the one step the request gets.
        let act = client
            .post(server.url("/api/support_request_act"))
            .json(&serde_json::json!({
                "request_id": 1,
                "action": { "step": "close", "note": format!("closed by {who}") }
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(act.status(), expected, "{who}: support_request_act");

        for page in [
            "/support",
            &format!("/support/accounts/{target}"),
            "/support/requests/1",
        ] {
            let response = client.get(server.url(page)).send().await.unwrap();
            assert_eq!(response.status(), expected, "{who}: {page}");
        }

        let mut feed = client
            .get(server.url("/support/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(feed.status(), expected, "{who}: /support/events");
        if expected == StatusCode::OK {
            assert_eq!(
                feed.headers()["content-type"].to_str().unwrap(),
                "text/event-stream"
            );
            let first = feed.chunk().await.unwrap().unwrap();
            assert!(String::from_utf8_lossy(&first).contains("event: ready"));
        }
    }

    // Only the support user's action happened, and it was audited.
    let audit = support
        .post(server.url("/api/support_account"))
        .form(&[("account_id", target.to_string())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        audit.matches("\"action\":\"send_reset\"").count(),
        1,
        "{audit}"
    );
    let request = support
        .post(server.url("/api/support_request"))
        .form(&[("request_id", "1")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(request.contains("closed by support"), "{request}");
    for intruder in [
        "anonymous",
        "practitioner",
        "practice admin",
        "support, password only",
    ] {
        assert!(
            !request.contains(&format!("closed by {intruder}")),
            "{request}"
        );
    }
}
