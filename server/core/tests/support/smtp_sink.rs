//! A real SMTP server on a loopback TCP port for tests (mailin-embedded),
//! keeping every message it accepts. It can be told to refuse (451) or to
//! be slow, and "down" is simply a port nobody listens on yet.
#![allow(dead_code)] // each test binary uses its own part of it

use std::{
    net::{IpAddr, TcpListener},
    sync::{Arc, Mutex},
    time::Duration,
};

use mailin_embedded::{response, Handler, Response, Server, SslConfig};

#[derive(Clone, Copy, Debug)]
pub enum Mode {
    Accept,
    /// Answer every recipient with a temporary failure (451), as a
    /// greylisting server does. (At RCPT rather than after the data:
    /// mailin keeps reading data after a refused end of data, so a client's
    /// QUIT would go unanswered.)
    Refuse,
    /// Answer every recipient "550 Mailbox unavailable": a permanent refusal.
    Reject,
    /// A permanent refusal whose reply names the recipient, as many mail
    /// servers' do: "550 5.1.1 <address>: no mailbox here by that name".
    RejectNaming,
    /// Accept, after holding each message this long.
    Slow(Duration),
}

/// One accepted message.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl Received {
    /// The decoded text/plain part.
    pub fn text(&self) -> String {
        let message = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message");
        message.body_text(0).expect("a text part").into_owned()
    }

    pub fn html(&self) -> String {
        let message = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message");
        message.body_html(0).expect("an HTML part").into_owned()
    }

    pub fn message_id(&self) -> String {
        let message = mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message");
        message.message_id().expect("a Message-ID").to_owned()
    }

    /// The value under `label` in the text part (`field("New password:")`):
    /// the line after the label's own.
    pub fn field(&self, label: &str) -> String {
        let text = self.text();
        let mut lines = text.lines().map(str::trim);
        lines
            .by_ref()
            .find(|line| *line == label)
            .and_then(|_| lines.find(|line| !line.is_empty()))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no {label} line in:\n{text}"))
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    received: Mutex<Vec<Received>>,
    mode: Mutex<Mode>,
}

impl SmtpSink {
    /// Listens on a free loopback port.
    pub fn start() -> Self {
        Self::start_on(TcpListener::bind("127.0.0.1:0").expect("a free port"))
    }

    /// A loopback port with nothing listening on it (yet).
    pub fn unused_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().unwrap().port()
    }

    /// Listens on `port` (for "the server comes back").
    pub fn start_on_port(port: u16) -> Self {
        Self::start_on(TcpListener::bind(("127.0.0.1", port)).expect("the port is free again"))
    }

    fn start_on(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            received: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Accept),
        });
        let handler = SinkHandler {
            shared: Arc::clone(&shared),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("sink.test")
            .with_num_threads(8)
            .with_tcp_listener(listener);
        server.with_ssl(SslConfig::None).expect("plain SMTP");
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self { port, shared }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages have arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {count} messages arrived",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

#[derive(Clone)]
struct SinkHandler {
    shared: Arc<Shared>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for SinkHandler {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        match *self.shared.mode.lock().unwrap() {
            Mode::Refuse => response::INTERNAL_ERROR,
            Mode::Reject => response::NO_MAILBOX,
            Mode::RejectNaming => {
                Response::custom(550, format!("5.1.1 <{to}>: no mailbox here by that name"))
            }
            Mode::Accept | Mode::Slow(_) => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mode = *self.shared.mode.lock().unwrap();
        if let Mode::Slow(delay) = mode {
            std::thread::sleep(delay);
        }
        self.shared.received.lock().unwrap().push(Received {
            to: std::mem::take(&mut self.to),
            raw: std::mem::take(&mut self.data),
        });
        response::OK
    }
}
