//! Running the real server binary in tests.
#![allow(dead_code)] // each test binary uses its own part of it

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

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
        .env_remove("MAIL_FROM");
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
    pub fn start(mut command: Command) -> Self {
        let port = free_port();
        let child = command
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
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
