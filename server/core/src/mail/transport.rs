//! Where mail goes: an SMTP server (lettre), or, when none is configured,
//! the development mailbox in the database.

use std::time::Duration;

use crate::rules::login_name::ascii_address;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use super::{MailError, RenderedEmail};
use crate::clock::Millis;
use crate::store::Store;

pub enum MailTransport {
    Smtp {
        // Boxed: the transport is large and the development mailbox tiny.
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
        /// The most one delivery may take, connection to last reply.
        deadline: Duration,
    },
    DevMailbox {
        store: Store,
    },
}

/// A delivery that did not happen, with the server's reply (or what went
/// wrong before there was one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// For the delivery record, where support reads it. Never logged: a
    /// mail server's reply often names the recipient.
    pub reply: String,
    /// The SMTP reply code, when the server gave one: what the log says.
    pub code: Option<u16>,
    /// What went wrong, in fixed words that quote nothing: for the log.
    pub cause: &'static str,
    /// The server refused for good (a 5xx reply, an address it cannot
    /// take): trying again will not help.
    pub permanent: bool,
}

/// One message to send.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The outbox id: the Message-ID header is made from it, so every
    /// retry of one message carries the same Message-ID.
    pub outbox_id: i64,
    pub created_at: Millis,
    pub recipient: &'a str,
    pub email: &'a RenderedEmail,
}

impl MailTransport {
    /// SMTP at `url` (lettre's form: `smtp://host:port`, `smtps://…`, with
    /// optional `user:password@`), sending as `from`. `deadline` bounds a
    /// whole delivery, so a server that stops answering cannot hold the
    /// worker: lettre's async client only bounds the connect by itself.
    pub fn smtp(url: &str, from: &str, deadline: Duration) -> Result<Self, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|error: lettre::address::AddressError| MailError::From(error.to_string()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| MailError::SmtpUrl(error.to_string()))?
            .timeout(Some(deadline))
            .build();
        Ok(Self::Smtp {
            transport: Box::new(transport),
            from,
            deadline,
        })
    }

    pub fn dev_mailbox(store: Store) -> Self {
        Self::DevMailbox { store }
    }

    /// Delivers one message; `Ok` carries the receiving server's reply.
    pub async fn send(&self, outgoing: &Outgoing<'_>, now: Millis) -> Result<String, SendFailure> {
        match self {
            Self::Smtp {
                transport,
                from,
                deadline,
            } => {
                let message = build(from, outgoing)?;
                let Ok(sent) = tokio::time::timeout(*deadline, transport.send(message)).await
                else {
                    // The server may have taken the message and not said so:
                    // the retry carries the same Message-ID.
                    return Err(SendFailure {
                        reply: format!(
                            "no answer from the mail server within {} s",
                            deadline.as_secs_f32()
                        ),
                        code: None,
                        cause: "no answer in time",
                        permanent: false,
                    });
                };
                match sent {
                    Ok(response) => Ok(format!(
                        "{} {}",
                        response.code(),
                        response.message().collect::<Vec<_>>().join(" ")
                    )),
                    Err(error) => Err(SendFailure {
                        reply: error.to_string(),
                        code: error.status().map(u16::from),
                        cause: smtp_cause(&error),
                        permanent: error.is_permanent(),
                    }),
                }
            }
            Self::DevMailbox { store } => store
                .deliver_to_dev_mailbox(
                    outgoing.outbox_id,
                    outgoing.recipient,
                    &outgoing.email.subject,
                    &outgoing.email.text,
                    &outgoing.email.html,
                    now,
                )
                .await
                .map(|id| format!("delivered to the development mailbox as message {id}"))
                .map_err(|error| SendFailure {
                    reply: format!("development mailbox: {error}"),
                    code: None,
                    cause: "development mailbox unavailable",
                    permanent: false,
                }),
        }
    }
}

fn build(from: &Mailbox, outgoing: &Outgoing<'_>) -> Result<Message, SendFailure> {
    // An internationalised domain goes out as punycode: no server on the
    // way needs SMTPUTF8 (the stored address stays as typed, for display).
    let to: Mailbox = ascii_address(outgoing.recipient)
        .parse()
        .map_err(|error| SendFailure {
            reply: format!("the recipient address cannot be used: {error}"),
            code: None,
            cause: "unusable recipient address",
            permanent: true,
        })?;
    let domain = from.email.domain();
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(outgoing.email.subject.clone())
        .message_id(Some(format!(
            "<outbox-{}.{}@{domain}>",
            outgoing.outbox_id, outgoing.created_at
        )))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(outgoing.email.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(outgoing.email.html.clone()),
                ),
        )
        .map_err(|error| SendFailure {
            reply: format!("the message cannot be built: {error}"),
            code: None,
            cause: "message cannot be built",
            permanent: true,
        })
}

/// lettre's kind of failure, in words of our own (its `Display` carries the
/// server's reply text).
fn smtp_cause(error: &lettre::transport::smtp::Error) -> &'static str {
    if error.is_permanent() {
        "refused by the mail server"
    } else if error.is_transient() {
        "deferred by the mail server"
    } else if error.is_timeout() {
        "no answer in time"
    } else if error.is_tls() {
        "TLS failed"
    } else if error.is_response() {
        "unreadable reply"
    } else if error.is_client() {
        "mail client error"
    } else {
        "could not reach the mail server"
    }
}
