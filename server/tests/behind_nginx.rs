//! Threshold behind a real reverse proxy: Debian's nginx, running the
//! committed configuration (scripts/nginx/threshold.conf), in front of two
//! instances on one database, with clients at distinct loopback addresses.
//!
//! - 40 clients, one login each through nginx: none is rate limited (each
//!   is keyed by its own address, not by nginx's);
//! - one client sending 40: limited, as it would be without the proxy;
//! - a client talking to an instance directly (not a trusted proxy) cannot
//!   choose its bucket with `X-Forwarded-For`;
//! - a request naming another host is refused, through nginx and directly;
//! - a session made through nginx works on both instances.
//!
//! Ignored by plain `cargo test` (it needs nginx); scripts/test.sh runs it
//! on PostgreSQL when it is there, and says so when nginx is missing.

mod common;
#[path = "../core/tests/support/database.rs"]
mod database;

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{server_command, ServerProcess, PASSWORD};
use reqwest::{header, Client, StatusCode};

const LOGIN_LIMIT: usize = 20; // the default burst per client address

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Debian's nginx; scripts/test.sh runs it"]
async fn behind_nginx_each_client_has_its_own_limit_and_nobody_chooses_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, _database_dir) = database::fresh_database_url().await;
    // nginx cannot be asked for port 0 and tell: a port free just now.
    let nginx_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let public = format!("127.0.0.1:{nginx_port}");
    let instance = |dir: &Path| {
        let mut command = server_command(dir, &database_url);
        command
            .env("PUBLIC_URL", format!("http://{public}"))
            .env("TRUSTED_PROXIES", "127.0.0.1");
        ServerProcess::start(command)
    };
    let a = instance(dir.path());
    let b = instance(dir.path());
    a.ready().await;
    b.ready().await;
    let _nginx = Nginx::start(dir.path(), nginx_port, [a.port, b.port]).await;
    let through_nginx = |path: &str| format!("http://{public}{path}");

    // Registered through nginx (and so logged in there).
    let owner = client_at("127.0.1.250");
    let registered = owner
        .post(through_nginx("/api/register"))
        .form(&[
            ("form[first_name]", "Ada"),
            ("form[surname]", "Okafor"),
            ("form[email]", "okafor@example.org"),
            ("form[username]", "okafor"),
            ("form[account_type]", "practitioner"),
            ("form[password]", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), StatusCode::OK);
    let cookies = cookies_set_by(&registered);

    // 40 people, one login each: nobody is limited.
    for n in 1..=40 {
        let person = client_at(&format!("127.0.1.{n}"));
        let status =
            log_in_times(&person, &through_nginx("/api/login"), None, 1, |_| None).await[0];
        assert_eq!(status, StatusCode::OK, "client 127.0.1.{n}");
    }

    // One address sending 40 is limited after its burst.
    let script = client_at("127.0.1.200");
    let statuses = log_in_times(&script, &through_nginx("/api/login"), None, 40, |_| None).await;
    assert_limited_after_the_burst(&statuses, "one address through nginx");

    // Straight to an instance from an untrusted address: its own
    // X-Forwarded-For (a new one each time) does not choose its bucket.
    let direct = client_at("127.0.2.1");
    let statuses = log_in_times(&direct, &a.url("/api/login"), Some(&public), 40, |n| {
        Some(format!("10.9.0.{n}"))
    })
    .await;
    assert_limited_after_the_burst(&statuses, "forged X-Forwarded-For, direct");

    // Another host name: refused through nginx and directly, before any
    // handler (a DNS-rebinding page sends its own name).
    for url in [through_nginx("/"), a.url("/"), b.url("/dev/mailbox")] {
        let response = client_at("127.0.1.251")
            .get(&url)
            .header(header::HOST, "evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{url}");
    }
    // The instance's own address is not the site's name either.
    let own_name = client_at("127.0.1.251")
        .get(a.url("/"))
        .send()
        .await
        .unwrap();
    assert_eq!(own_name.status(), StatusCode::MISDIRECTED_REQUEST);

    // The owner's session, made through nginx, works on both instances.
    for server in [&a, &b] {
        let body = client_at("127.0.1.252")
            .post(server.url("/api/current_user"))
            .header(header::HOST, &public)
            .header(header::COOKIE, &cookies)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("okafor@example.org"), "{body}");
    }
}

/// A browser whose connections come from `address` (any 127/8 address is
/// this machine's, so each stands for a different person).
fn client_at(address: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// `times` logins as okafor; `host` names the site's public host on
/// requests straight to an instance (as nginx would); `forwarded_for(n)`
/// is the request's own `X-Forwarded-For` when it gives one.
async fn log_in_times(
    client: &Client,
    url: &str,
    host: Option<&str>,
    times: usize,
    forwarded_for: impl Fn(usize) -> Option<String>,
) -> Vec<StatusCode> {
    let mut statuses = Vec::new();
    for n in 1..=times {
        let mut request = client
            .post(url)
            .form(&[("form[identifier]", "okafor"), ("form[password]", PASSWORD)]);
        if let Some(host) = host {
            request = request.header(header::HOST, host);
        }
        if let Some(address) = forwarded_for(n) {
            request = request.header("x-forwarded-for", address);
        }
        statuses.push(request.send().await.unwrap().status());
    }
    statuses
}

fn assert_limited_after_the_burst(statuses: &[StatusCode], what: &str) {
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(ok + limited, statuses.len(), "{what}: {statuses:?}");
    assert!(ok <= LOGIN_LIMIT + 1, "{what}: {ok} answered");
    assert!(
        limited >= statuses.len() - LOGIN_LIMIT - 1,
        "{what}: {statuses:?}"
    );
}

/// The cookies a response set, as a `Cookie` header sends them back.
fn cookies_set_by(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

/// nginx with the committed site configuration, ports substituted, as a
/// child process (no daemon, files in `dir`).
struct Nginx {
    child: Child,
}

impl Nginx {
    async fn start(dir: &Path, port: u16, instances: [u16; 2]) -> Self {
        let binary = nginx_binary();
        let site = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scripts/nginx/threshold.conf"
        ))
        .unwrap();
        let site = replace_once(
            &site,
            "127.0.0.1:3001",
            &format!("127.0.0.1:{}", instances[0]),
        );
        let site = replace_once(
            &site,
            "127.0.0.1:3002",
            &format!("127.0.0.1:{}", instances[1]),
        );
        let site = replace_once(&site, "listen 80;", &format!("listen 127.0.0.1:{port};"));
        let site = replace_once(
            &site,
            "server_name threshold.example.org;",
            "server_name 127.0.0.1;",
        );
        let prefix = dir.join("nginx");
        std::fs::create_dir_all(prefix.join("logs")).unwrap();
        let main = format!(
            "worker_processes 1;\n\
             error_log {logs}/error.log warn;\n\
             pid {logs}/nginx.pid;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
               access_log {logs}/access.log;\n\
               client_body_temp_path {tmp}/body;\n\
               proxy_temp_path {tmp}/proxy;\n\
               fastcgi_temp_path {tmp}/fastcgi;\n\
               uwsgi_temp_path {tmp}/uwsgi;\n\
               scgi_temp_path {tmp}/scgi;\n\
               {site}\n\
             }}\n",
            logs = prefix.join("logs").display(),
            tmp = prefix.display(),
        );
        let config = prefix.join("nginx.conf");
        std::fs::write(&config, main).unwrap();
        let mut command = Command::new(binary);
        command
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&config)
            // One -g only (nginx keeps the last): in the foreground, so
            // this child is nginx and dropping it stops nginx; under root,
            // workers as root, since `nobody` cannot enter the test's
            // private directory.
            .args([
                "-g",
                if is_root() {
                    "daemon off; user root;"
                } else {
                    "daemon off;"
                },
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command.spawn().expect("nginx runs");
        let nginx = Self { child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: see its error log above"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        nginx
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .expect("nginx is not installed (Debian's nginx package; scripts/setup.sh installs it)")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .map(|line| line.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} in the nginx template"
    );
    text.replacen(from, to, 1)
}
