//! Email: what a message says ([`message`]), how it leaves
//! ([`transport`]: SMTP, or the development mailbox), and the outbox worker
//! that delivers queued messages at least once, with retries ([`worker`]).
//! [`notices`] are the emails that tell a person their account changed.

pub mod address_mail;
pub mod message;
pub mod notices;
pub mod transport;
pub mod worker;

pub use message::{render, RenderedEmail};
pub use transport::{MailTransport, SendFailure};
pub use worker::{Delivered, DeliveryPolicy, OutboxWorker};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("SMTP_URL is not usable: {0}")]
    SmtpUrl(String),
    #[error("MAIL_FROM is not an email address: {0}")]
    From(String),
    #[error("the message cannot be rendered: {0}")]
    Render(String),
}
