//! Running the real server binary in tests.
#![allow(dead_code)] // each test binary uses its own part of it

use std::{
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use reqwest::{Client, StatusCode};

/// The password every test account is given.
pub const PASSWORD: &str = "Violet kettle harbour";

/// A server process on a loopback port the system chose, killed when
/// dropped.
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

/// The line the server logs once it listens (server/src/http/mod.rs).
const LISTENING: &str = "listening on http://";

impl ServerProcess {
    /// Starts `command` (from [`server_command`]) on a port the system
    /// chooses.
    pub fn start(command: Command) -> Self {
        Self::start_logging_to(command, std::io::sink())
    }

    /// The same, its log (standard output) copied to `log`.
    ///
    /// The server binds port 0 and logs the address it was given; the port
    /// is read from that line, so no port is picked here and released for
    /// another process to take first.
    pub fn start_logging_to(mut command: Command, log: impl Write + Send + 'static) -> Self {
        let filter = command
            .get_envs()
            .find(|(name, _)| *name == "RUST_LOG")
            .and_then(|(_, value)| value)
            .map(|value| value.to_string_lossy().into_owned());
        // The listening line is logged at info, whatever else is not. A
        // command that removed RUST_LOG gets the server's own default
        // filter, which logs it.
        if let Some(filter) = filter {
            command.env("RUST_LOG", format!("{filter},server::http=info"));
        }
        let mut child = command
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server binary runs");
        let stdout = child.stdout.take().expect("standard output is piped");
        let (found, port) = mpsc::channel();
        // Reads the log to its end (a full pipe would stop the server),
        // copying every line to `log`.
        std::thread::spawn(move || copy_log(stdout, log, found));

        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match port.recv_timeout(Duration::from_millis(50)) {
                Ok(port) => return Self { child, port },
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().expect("the server is waited for");
                    panic!("the server ended ({status}) without listening");
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    assert!(Instant::now() < deadline, "the server did not start");
                }
            }
        }
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

/// Copies the server's log to `log`, sending the port of its listening
/// line to `found`.
fn copy_log(stdout: std::process::ChildStdout, mut log: impl Write, found: mpsc::Sender<u16>) {
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::new();
    let mut found = Some(found);
    while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
        if let Some(port) = listening_port(&String::from_utf8_lossy(&line)) {
            if let Some(found) = found.take() {
                let _ = found.send(port);
            }
        }
        let _ = log.write_all(&line);
        let _ = log.flush();
        line.clear();
    }
}

/// The port in the server's "listening on http://127.0.0.1:PORT" line.
fn listening_port(line: &str) -> Option<u16> {
    let address = line.split(LISTENING).nth(1)?.split_whitespace().next()?;
    address.rsplit_once(':')?.1.parse().ok()
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

/// Sets up the support user's authenticator app with the enrolment link
/// that `create-support-user` printed (`cli_stdout`), in `client`'s
/// password session, as the enrol page does: that session is then past
/// its second step. Returns the app's secret (base32).
pub async fn enrol_app(server: &ServerProcess, client: &Client, cli_stdout: &str) -> String {
    let link = cli_stdout
        .split_whitespace()
        .find_map(|word| word.split_once("link=").map(|(_, token)| token.to_owned()))
        .unwrap_or_else(|| panic!("no enrolment link in {cli_stdout:?}"));
    let setup: serde_json::Value = client
        .post(server.url("/api/start_enrolling_app"))
        .form(&[("link", link.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = setup["secret"].as_str().unwrap().replace(' ', "");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let code = threshold_core::second_factor::codes::totp_code_at(&secret, now).unwrap();
    let confirmed = client
        .post(server.url("/api/confirm_enrolling_app"))
        .form(&[("link", link.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::OK, "confirming the app");
    secret
}

/// Logs `client` in with a password through the login server function;
/// answers the status.
pub async fn log_in(
    server: &ServerProcess,
    client: &Client,
    name: &str,
    password: &str,
) -> StatusCode {
    client
        .post(server.url("/api/login"))
        .form(&[("form[identifier]", name), ("form[password]", password)])
        .send()
        .await
        .unwrap()
        .status()
}
