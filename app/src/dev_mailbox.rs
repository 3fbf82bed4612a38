//! `/dev/mailbox`: the development mailbox (SPEC.md §4). With no SMTP
//! server configured, email is delivered here so a local run can complete a
//! reset. Off whenever `SMTP_URL` is set, and answered only to requests from
//! this machine: its messages hold live passwords.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};
use threshold_core::refusal::{NoField, Refusal, RefusalKind};

use crate::errors::ServiceError;

/// A delivered message, as the mailbox lists and shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub delivered: String,
    pub body_text: String,
    /// The HTML part, for looking at how a mail program would show it.
    pub body_html: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum MailboxError {
    #[error("The development mailbox is off: this server sends email through SMTP.")]
    Off,
    #[error("The development mailbox is only shown on the machine running the server.")]
    NotLocal,
    #[error("There is no such message.")]
    NotFound,
    #[error("The mailbox could not be read just now.")]
    Unavailable,
}

impl Refusal for MailboxError {
    type Field = NoField;

    fn kind(&self) -> RefusalKind {
        match self {
            // Switched off is as good as not there.
            MailboxError::Off | MailboxError::NotFound => RefusalKind::NotFound,
            MailboxError::NotLocal => RefusalKind::Forbidden,
            MailboxError::Unavailable => RefusalKind::Unavailable,
        }
    }
}

/// The newest messages first.
#[server(endpoint = "dev_mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailboxMessage>, ServiceError<MailboxError>> {
    let services = server::open().await?;
    let messages = services
        .store
        .dev_mailbox(100)
        .await
        .map_err(server::unavailable)?;
    Ok(messages.into_iter().map(server::shown).collect())
}

#[server(endpoint = "dev_mailbox_message")]
pub async fn dev_mailbox_message(id: i64) -> Result<MailboxMessage, ServiceError<MailboxError>> {
    let services = server::open().await?;
    let message = services
        .store
        .dev_mailbox_message(id)
        .await
        .map_err(server::unavailable)?
        .ok_or(MailboxError::NotFound)?;
    Ok(server::shown(message))
}

#[cfg(feature = "ssr")]
mod server {
    use threshold_core::{clock::utc_text, store::DevMailboxMessage, Services};

    use super::{MailboxError, MailboxMessage};
    use crate::errors::ServiceError;

    /// The services, if the mailbox is on and the request is local.
    pub async fn open() -> Result<Services, ServiceError<MailboxError>> {
        let services = crate::auth::server::services()?;
        if !services.dev_mailbox {
            return Err(MailboxError::Off.into());
        }
        if !crate::auth::server::client_is_local().await {
            return Err(MailboxError::NotLocal.into());
        }
        Ok(services)
    }

    pub fn unavailable(error: threshold_core::store::StoreError) -> ServiceError<MailboxError> {
        tracing::error!("reading the development mailbox: {error}");
        MailboxError::Unavailable.into()
    }

    pub fn shown(message: DevMailboxMessage) -> MailboxMessage {
        MailboxMessage {
            id: message.id,
            recipient: message.recipient,
            subject: message.subject,
            delivered: utc_text(message.delivered_at),
            body_text: message.body_text,
            body_html: message.body_html,
        }
    }
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let messages = Resource::new(|| (), |()| dev_mailbox());
    view! {
        <section class="mailbox" aria-labelledby="mailbox-title">
            <h1 id="mailbox-title">"Development mailbox"</h1>
            <p class="mailbox__intro">
                "No SMTP server is configured, so email is delivered here instead. "
                "Set SMTP_URL to send real email; this page is then switched off."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || messages.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! {
                        <p>"No messages yet. Ask for a password reset and it will appear here."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="mailbox__list">
                            {list.into_iter().map(|message| view! {
                                <li class="mailbox__item">
                                    <a href=format!("/dev/mailbox/{}", message.id)>{message.subject}</a>
                                    <span class="mailbox__meta">
                                        {format!("to {} · {}", message.recipient, message.delivered)}
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p class="notice notice--error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn MailboxMessagePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let message = Resource::new(id, |id| async move {
        match id {
            Some(id) => dev_mailbox_message(id).await,
            None => Err(MailboxError::NotFound.into()),
        }
    });
    view! {
        <section class="mailbox">
            <p><a href="/dev/mailbox">"← All messages"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || message.get().map(|result| match result {
                    Ok(message) => view! {
                        <article class="mailbox__message" aria-labelledby="message-subject">
                            <h1 id="message-subject">{message.subject}</h1>
                            <p class="mailbox__meta">{format!("To {} · {}", message.recipient, message.delivered)}</p>
                            <pre class="mailbox__body" id="message-body">{message.body_text}</pre>
                        </article>
                    }.into_any(),
                    Err(error) => view! { <p class="notice notice--error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
