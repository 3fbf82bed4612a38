//! The "Forgotten password" dialog and the server function behind it.
//!
//! Opened from the login dialog and from "already has an account"
//! messages, with the email filled in. The answer is the same whether or
//! not the address has an account (SPEC.md §4).

use leptos::{html, prelude::*};
use threshold_core::reset::{ResetError, ResetForm, ResetRequested};

use super::{DialogKind, Dialogs, Modal};
use crate::errors::{reset_messages, ResetMessages, ServiceError};
use crate::field::{ErrorSummary, Field, FormProgress, SummaryItem};
use crate::posted::answered_without_script;

/// Emails the username and a new password when the address is an account's
/// current email; answers the same either way. The browser's cookies say
/// whether it is the owner's (a known device, or logged in): the owner's
/// own requests have an allowance strangers cannot use up.
#[server(endpoint = "request_reset")]
pub async fn request_reset(form: ResetForm) -> Result<ResetRequested, ServiceError<ResetError>> {
    use crate::auth::server;
    let services = server::services()?;
    let client = server::client_address().await;
    let device = server::device_token().await;
    let session = server::session_token().await;
    let requester = threshold_core::reset::ResetRequester {
        client_address: &client,
        device_token: device.as_deref(),
        session_token: session.as_deref(),
    };
    Ok(threshold_core::reset::request_reset(&services, &form, &requester).await?)
}

#[component]
pub fn ResetDialog() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let action = ServerAction::<RequestReset>::new();
    if answered_without_script(action) {
        dialogs.adopt(DialogKind::Reset);
    }
    let sent = Memo::new(move |_| match action.value().get() {
        Some(Ok(answer)) => Some(answer.address),
        _ => None,
    });
    // Each opening starts with the form.
    let open = dialogs.is_open(DialogKind::Reset);
    Effect::new(move |was_open: Option<bool>| {
        let open = open.get();
        if open && was_open == Some(false) {
            action.clear();
        }
        open
    });
    view! {
        <Modal kind=DialogKind::Reset id="reset-dialog" title="Forgotten password">
            {move || match sent.get() {
                Some(address) => view! { <ResetSent address action/> }.into_any(),
                None => view! { <ResetFormView action/> }.into_any(),
            }}
        </Modal>
    }
}

#[component]
fn ResetFormView(action: ServerAction<RequestReset>) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    // The address the dialog was opened with, until the person changes it.
    let prefill = dialogs.prefill();
    let email = RwSignal::new(prefill.get_untracked());
    // Only a later hand-over: the first run would wipe what was typed
    // before the WASM arrived.
    Effect::new(move |ran_before: Option<()>| {
        let text = prefill.get();
        if ran_before.is_some() {
            email.set(text);
        }
    });
    let pending = action.pending();
    // Shown again after "Use another address": the field gets the focus
    // back from the answer that is gone.
    let field = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });
    provide_context(FormProgress::of(action));
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => reset_messages(&error),
        _ => ResetMessages::default(),
    });
    let summary = Signal::derive(move || {
        messages.with(|m| {
            let field = m
                .email
                .iter()
                .map(|text| SummaryItem::field("reset-email", text));
            let form = m.form.iter().map(SummaryItem::form);
            field.chain(form).collect::<Vec<_>>()
        })
    });
    view! {
        <ActionForm action attr:class="form" attr:novalidate=true>
            <ErrorSummary id="reset-error-summary" items=summary/>
            <p class="field__hint">
                "We will email your username and a new password to the address on your account."
            </p>
            <Field id="reset-email" name="form[email]" label="Email address" kind="email"
                autocomplete="email" verbatim=true autofocus=true required=true value=email
                node_ref=field errors=move || messages.with(|m| Vec::from_iter(m.email.clone()))/>
            <button type="submit" class="button button--primary button--block"
                aria-busy=move || pending.get().to_string() disabled=pending>
                {move || if pending.get() { "Sending…" } else { "Send reset email" }}
            </button>
            <p class="form__footer">
                <button type="button" class="link-button"
                    commandfor="login-dialog" command="show-modal"
                    on:click=move |_| dialogs.open(DialogKind::Login)>
                    "Back to Log in"
                </button>
            </p>
        </ActionForm>
    }
}

/// The neutral answer and what to do if nothing arrives.
#[component]
fn ResetSent(address: String, action: ServerAction<RequestReset>) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let heading = NodeRef::<html::H3>::new();
    // The form that had focus is gone: move focus to the answer.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <div class="reset-sent" role="status">
            <h3 node_ref=heading tabindex="-1" class="reset-sent__title">"Check your email"</h3>
            <p id="reset-answer">
                "If this address belongs to an account, we have sent the username and a new password to it."
            </p>
            <p class="reset-sent__address">
                "Address: " <strong id="reset-address">{address}</strong> " "
                <button type="button" class="link-button needs-script" on:click=move |_| action.clear()>
                    "Not right? Use another address"
                </button>
            </p>
            <ul class="reset-sent__help">
                <li>"It can take a few minutes. Check your spam or junk folder too."</li>
                <li>"It must be the email address held on your account; an old address will not get it."</li>
                <li>"Only the latest reset email works. If you asked more than once, use the newest."</li>
                <li>"Your current password keeps working until you use the new one."</li>
                <li>"Nothing after 15 minutes? "
                    <a href="/contact-support" on:click=move |_| dialogs.close()>"Contact support"</a>
                    " and we will help you get in."</li>
            </ul>
            <button type="button" class="button button--primary button--block"
                commandfor="login-dialog" command="show-modal"
                    on:click=move |_| dialogs.open(DialogKind::Login)>
                "Back to Log in"
            </button>
        </div>
    }
}
