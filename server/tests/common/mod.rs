//! Running the real server binary in tests.
#![allow(dead_code)] // each test binary uses its own part of it

use std::{
    io::Write,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::{Client, StatusCode};

/// The password every test account is given.
pub const PASSWORD: &str = "Violet kettle harbour";

/// A server process on a free loopback port, killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
}

/// The server binary with the environment every test run needs, working
/// in `dir` (away from the checkout, so no `.env` is read).
pub fn server_command(dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .current_dir(dir)
        .env("LEPTOS_SITE_ROOT", dir)
        .env("LEPTOS_OUTPUT_NAME", "threshold")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("SMTP_URL")
        .env_remove("MAIL_FROM")
        .env_remove("METRICS_TOKEN");
    command
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl ServerProcess {
    /// Starts `command` (from [`server_command`]) listening on a free port.
    pub fn start(command: Command) -> Self {
        Self::start_logging_to(command, Stdio::null())
    }

    /// The same, its log (standard output) going to `log`.
    pub fn start_logging_to(mut command: Command, log: impl Into<Stdio>) -> Self {
        let port = free_port();
        let child = command
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(log)
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary runs");
        Self { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until `/healthz` answers.
    pub async fn ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = reqwest::Client::new();
        while client.get(self.url("/healthz")).send().await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn temp_database() -> (tempfile::TempDir, String, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.db");
    let url = format!("sqlite://{}", path.display());
    (dir, url, path)
}

/// A client keeping cookies: one browser.
pub fn client() -> Client {
    Client::builder().cookie_store(true).build().unwrap()
}

/// The registration form of Ada Okafor, practitioner, with this email and
/// a generated username: for tests that register many at once.
pub fn ada_registration(email: &str) -> [(&'static str, &str); 6] {
    [
        ("form[first_name]", "Ada"),
        ("form[surname]", "Okafor"),
        ("form[email]", email),
        ("form[username]", ""),
        ("form[account_type]", "practitioner"),
        ("form[password]", PASSWORD),
    ]
}

pub async fn register(server: &ServerProcess, client: &Client, account_type: &str, who: &str) {
    let email = format!("{who}@example.org");
    let response = client
        .post(server.url("/api/register"))
        .form(&[
            ("form[first_name]", "Ada"),
            ("form[surname]", who),
            ("form[email]", email.as_str()),
            ("form[username]", who),
            ("form[account_type]", account_type),
            ("form[practice_name]", "Riverside Surgery"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "registering {who}");
}

pub fn create_support_user(
    dir: &std::path::Path,
    database_url: &str,
    password: &str,
) -> std::process::Output {
    let mut child = server_command(dir, database_url)
        .args([
            "create-support-user",
            "--username",
            "sam.support",
            "--email",
            "sam@threshold.test",
            "--first-name",
            "Sam",
            "--surname",
            "Staff",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}
