//! The server's log, read back after real traffic: a registration, a reset
//! delivered, a delivery the mail server refuses with a reply naming the
//! recipient, and requests carrying line breaks and other control
//! characters in every field of every public form. Real server process
//! with its default log settings, real database (SQLite, or PostgreSQL when
//! `THRESHOLD_TEST_POSTGRES` is set), real SMTP server on a TCP port.
//!
//! It finds none of the people's details, no line that is not a log line
//! of the server's own (so no forged one), every line written while
//! serving inside a request's or the outbox worker's span, each request's
//! lines under the id its response echoed, and the refused delivery's
//! reply kept in the delivery record instead.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;
#[path = "../core/tests/support/smtp_sink.rs"]
mod smtp_sink;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use common::{client, server_command, ServerProcess, PASSWORD};
use reqwest::{RequestBuilder, Response, StatusCode};
use smtp_sink::{Mode, SmtpSink};
use sqlx::AnyPool;

/// The person who registers, resets and logs in.
const FIRST_NAME: &str = "Ifeoma";
const SURNAME: &str = "Okafor-Lindqvist";
const EMAIL: &str = "ifeoma.ol@example.org";
const USERNAME: &str = "ifeoma.ol";
const REGISTRATION_NUMBER: &str = "7081923";
/// The one whose reset email the mail server refuses.
const OTHER_FIRST_NAME: &str = "Bertild";
const OTHER_SURNAME: &str = "Quarrington";
const OTHER_EMAIL: &str = "bertild.q@refusing.test";
const OTHER_USERNAME: &str = "bertild.q";
/// What the refusing mail server says besides the address.
const REPLY_TEXT: &str = "no mailbox here by that name";
/// The password chosen after the reset.
const NEW_PASSWORD: &str = "Saffron lantern meadow";

/// What every hostile field carries after its own name: a line that would
/// pass for a log line if written raw, and other characters that end
/// lines, move a terminal's cursor or reorder text.
const FORGED: &str =
    "\nFAKE: support sam.desk disabled account 2\r\nFAKE: again\u{1b}[2K\u{2028}FAKE\u{202e}\u{0}\t";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_holds_no_personal_details_and_no_forged_line_and_ties_lines_to_requests() {
    let (database_url, _database_dir) = database::fresh_database_url().await;
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let sink = SmtpSink::start();
    let mut command = server_command(dir.path(), &database_url);
    command
        // The default an operator gets: `info,sqlx=warn`.
        .env_remove("RUST_LOG")
        .env("SMTP_URL", sink.url())
        .env("MAIL_FROM", "Threshold <no-reply@threshold.test>");
    let server =
        ServerProcess::start_logging_to(command, std::fs::File::create(&log_path).unwrap());
    server.ready().await;
    let mut requests = Requests::default();
    let browser = client();

    // A registration, with a registration number.
    let registered = requests
        .send(
            "registration",
            browser.post(server.url("/api/register")).form(&[
                ("form[first_name]", FIRST_NAME),
                ("form[surname]", SURNAME),
                ("form[email]", EMAIL),
                ("form[username]", USERNAME),
                ("form[account_type]", "practitioner"),
                ("form[registration_kind]", "GMC"),
                ("form[registration_number]", REGISTRATION_NUMBER),
                ("form[password]", PASSWORD),
            ]),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::OK);
    let other = requests
        .send(
            "second registration",
            client().post(server.url("/api/register")).form(&[
                ("form[first_name]", OTHER_FIRST_NAME),
                ("form[surname]", OTHER_SURNAME),
                ("form[email]", OTHER_EMAIL),
                ("form[username]", OTHER_USERNAME),
                ("form[account_type]", "practitioner"),
                ("form[password]", PASSWORD),
            ]),
        )
        .await;
    assert_eq!(other.status(), StatusCode::OK);

    // A reset, delivered; its password logs in and a new one is chosen.
    let reset = requests
        .send(
            "reset",
            client()
                .post(server.url("/api/request_reset"))
                .form(&[("form[email]", EMAIL)]),
        )
        .await;
    assert_eq!(reset.status(), StatusCode::OK);
    // Both registrations' welcome emails, then the reset.
    let email = sink
        .wait_for(3, Duration::from_secs(30))
        .await
        .into_iter()
        .find(|email| email.text().contains("New password:"))
        .expect("the reset email");
    let reset_password = email.field("New password:");
    let resetting = client();
    let login = requests
        .send(
            "login with the reset password",
            resetting.post(server.url("/api/login")).form(&[
                ("form[identifier]", EMAIL),
                ("form[password]", &reset_password),
            ]),
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let chosen = requests
        .send(
            "choosing a password",
            resetting
                .post(server.url("/api/choose_password"))
                .form(&[("form[password]", NEW_PASSWORD)]),
        )
        .await;
    assert_eq!(chosen.status(), StatusCode::OK);

    // A delivery the mail server refuses, naming the recipient.
    sink.set_mode(Mode::RejectNaming);
    let refused = requests
        .send(
            "reset whose email is refused",
            client()
                .post(server.url("/api/request_reset"))
                .form(&[("form[email]", OTHER_EMAIL)]),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::OK);
    let abandoned = wait_for_line(&log_path, "email_abandoned").await;
    assert!(abandoned.contains("smtp_code=550"), "{abandoned}");
    assert!(abandoned.contains(" outbox{worker="), "{abandoned}");

    // Control characters in every field of every public form.
    for (endpoint, fields) in [
        ("register", REGISTRATION_FIELDS.as_slice()),
        ("login", &["identifier", "password"]),
        ("request_reset", &["email"]),
        ("choose_password", &["password"]),
        ("contact_support", CONTACT_FIELDS.as_slice()),
    ] {
        let mut values: Vec<(String, String)> = fields
            .iter()
            .map(|field| (format!("form[{field}]"), format!("{field}{FORGED}")))
            .collect();
        if endpoint == "register" {
            // A readable flag, so the text fields reach the checks.
            values.push(("form[confirm_possible_duplicate]".into(), "true".into()));
        }
        let answer = requests
            .send(
                endpoint,
                client()
                    .post(server.url(&format!("/api/{endpoint}")))
                    .form(&values),
            )
            .await;
        assert!(
            answer.status().is_client_error() || answer.status() == StatusCode::OK,
            "{endpoint}: {}",
            answer.status()
        );
    }
    // The person's own details in places the server cannot read them:
    // the error quoting them must not carry them to the log.
    let hostile_flag = requests
        .send(
            "a flag carrying a forged line",
            client()
                .post(server.url("/api/register"))
                .form(&[("form[confirm_possible_duplicate]", format!("true{FORGED}"))]),
        )
        .await;
    assert_eq!(hostile_flag.status(), StatusCode::BAD_REQUEST);
    let unreadable = requests
        .send(
            "a flag carrying an email",
            client().post(server.url("/api/register")).form(&[
                ("form[email]", EMAIL),
                ("form[confirm_possible_duplicate]", EMAIL),
            ]),
        )
        .await;
    assert_eq!(unreadable.status(), StatusCode::BAD_REQUEST);
    let number_for_id = requests
        .send(
            "an email for an account id",
            client()
                .post(server.url("/api/support_act"))
                .json(&serde_json::json!({"account_id": EMAIL, "action": {"action": "unlock"}})),
        )
        .await;
    assert_eq!(number_for_id.status(), StatusCode::BAD_REQUEST);
    // The reported hole: an anonymous body whose deserialisation error
    // used to write a forged second line.
    let forged_action = requests
        .send(
            "support_act with a forged line",
            client()
                .post(server.url("/api/support_act"))
                .header("content-type", "application/json")
                .body(r#"{"account_id":1,"action":{"action":"zz\nFAKE: support sam.desk disabled account 2"}}"#),
        )
        .await;
    assert_eq!(forged_action.status(), StatusCode::BAD_REQUEST);
    // Pages, rendered on the server (their resources run as tasks), with
    // the person's details in the query string, which no line repeats.
    for path in [
        format!("/?email={EMAIL}&name={SURNAME}"),
        format!("/help?q={USERNAME}%0AFAKE:%20forged"),
        "/contact-support".to_owned(),
        "/support/accounts/1".to_owned(),
    ] {
        let page = requests
            .send(&format!("page {path}"), browser.get(server.url(&path)))
            .await;
        assert!(
            !page.status().is_server_error(),
            "{path}: {}",
            page.status()
        );
        page.text().await.unwrap();
    }
    // A client cannot choose its id: no proxy is trusted.
    let chosen_id = requests
        .send(
            "a client's own request id",
            client()
                .get(server.url("/healthz"))
                .header("x-request-id", "chosen-by-the-client"),
        )
        .await;
    assert_ne!(chosen_id.headers()["x-request-id"], "chosen-by-the-client");

    // The last request's closing line is the last thing written.
    let last_id = requests.ids.last().unwrap().1.clone();
    wait_for_line(&log_path, &format!("id={last_id} ")).await;
    let log = std::fs::read_to_string(&log_path).unwrap();

    for detail in [
        FIRST_NAME,
        SURNAME,
        EMAIL,
        USERNAME,
        REGISTRATION_NUMBER,
        PASSWORD,
        &reset_password,
        NEW_PASSWORD,
        OTHER_FIRST_NAME,
        OTHER_SURNAME,
        OTHER_EMAIL,
        OTHER_USERNAME,
        REPLY_TEXT,
        "chosen-by-the-client",
    ] {
        assert!(!log.contains(detail), "the log holds {detail:?}:\n{log}");
    }
    for line in log.lines() {
        assert!(
            is_a_log_line(line),
            "not a line of the server's: {line:?}\n{log}"
        );
        assert!(
            !line.chars().any(char::is_control),
            "a raw control character: {line:?}"
        );
    }
    let serving = log
        .lines()
        .skip_while(|line| !line.contains("listening on"))
        .skip(1);
    for line in serving {
        assert!(
            line.contains(" request{id=")
                || line.contains(" outbox{worker=")
                || line.contains(" sweeper{every_seconds="),
            "a line outside any span: {line}"
        );
    }
    for (label, id) in &requests.ids {
        assert!(
            log.lines()
                .any(|line| line.contains(&format!(" request{{id={id} "))),
            "no line of the {label} request ({id}):\n{log}"
        );
    }
    let lines_of = |label: &str| -> Vec<&str> {
        let id = &requests.ids.iter().find(|(l, _)| l == label).unwrap().1;
        log.lines()
            .filter(|line| line.contains(&format!(" request{{id={id} ")))
            .collect()
    };
    assert!(
        lines_of("registration")
            .iter()
            .any(|line| line.contains("account registered")
                && line.contains("route=/api/register")),
        "{log}"
    );
    let failed_call = lines_of("support_act with a forged line");
    assert!(
        failed_call
            .iter()
            .any(|line| line.contains("a server function call failed")
                && line.contains("unknown variant `…`")),
        "{failed_call:?}"
    );

    // The reply is kept where support reads it.
    let database = AnyPool::connect(&database_url).await.unwrap();
    let replies: Vec<String> =
        sqlx::query_scalar("SELECT reply FROM outbox_attempts WHERE outcome = 'failed'")
            .fetch_all(&database)
            .await
            .unwrap();
    assert!(
        replies
            .iter()
            .any(|reply| reply.contains(REPLY_TEXT) && reply.contains(OTHER_EMAIL)),
        "{replies:?}"
    );
}

/// Its text fields; the flag is sent readable (see above) or alone.
const REGISTRATION_FIELDS: [&str; 9] = [
    "first_name",
    "surname",
    "email",
    "username",
    "account_type",
    "practice_name",
    "registration_kind",
    "registration_number",
    "password",
];

const CONTACT_FIELDS: [&str; 9] = [
    "first_name",
    "surname",
    "username",
    "email",
    "previous_emails",
    "registration_numbers",
    "last_post",
    "supervised_trainees",
    "message",
];

/// The requests sent, each with the id its response echoed.
#[derive(Default)]
struct Requests {
    ids: Vec<(String, String)>,
}

impl Requests {
    async fn send(&mut self, label: &str, request: RequestBuilder) -> Response {
        let response = request.send().await.unwrap();
        let id = response
            .headers()
            .get("x-request-id")
            .unwrap_or_else(|| panic!("the {label} response has no X-Request-Id"))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit()),
            "{label}: {id}"
        );
        assert!(
            self.ids.iter().all(|(_, other)| *other != id),
            "{label}: {id} again"
        );
        self.ids.push((label.to_owned(), id));
        response
    }
}

/// `2026-12-02T14:42:18.735074Z  WARN …`: what the server's formatter
/// writes at the start of every line.
fn is_a_log_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.len() > 27
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[26] == b'Z'
        && bytes[27] == b' '
}

/// Waits until a line containing `text` is in the log, and answers it.
async fn wait_for_line(log_path: &Path, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = std::fs::read_to_string(log_path).unwrap();
        if let Some(line) = log.lines().find(|line| line.contains(text)) {
            return line.to_owned();
        }
        assert!(Instant::now() < deadline, "no {text:?} in the log:\n{log}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
