//! My account's "Passkeys" section: the account's passkeys, adding one
//! (a WebAuthn ceremony, so it needs JavaScript) and removing one (a plain
//! form with the current password, which works without).

use leptos::prelude::*;
use threshold_core::auth::PasskeyCeremony;
use threshold_core::my_account::{
    AddPasskeyForm, MyAccountError, MyAccountField, PasskeySummary, RemovePasskeyForm,
};
use threshold_core::refusal::Refusal;

use crate::errors::{my_account_messages, MyAccountMessages, ServiceError};
use crate::field::{ErrorSummary, Field, FormProgress, SummaryItem};
use crate::passkey;
use crate::posted::answered_without_script;
use crate::support::time::When;

/// Begins adding a passkey named `name` (checked now, before the prompt).
#[server(endpoint = "start_adding_passkey")]
pub async fn start_adding_passkey(
    name: String,
) -> Result<PasskeyCeremony, ServiceError<MyAccountError>> {
    let (services, token) = super::server::session().await?;
    Ok(threshold_core::my_account::start_adding_passkey(&services, &token, &name).await?)
}

/// Stores the passkey the browser made for the ceremony.
#[server(endpoint = "add_passkey")]
pub async fn add_passkey(
    form: AddPasskeyForm,
) -> Result<PasskeySummary, ServiceError<MyAccountError>> {
    let (services, token) = super::server::session().await?;
    Ok(threshold_core::my_account::add_passkey(&services, &token, &form).await?)
}

/// Removes one of the person's passkeys (the current password first).
#[server(endpoint = "remove_passkey")]
pub async fn remove_passkey(form: RemovePasskeyForm) -> Result<(), ServiceError<MyAccountError>> {
    let (services, token) = super::server::session().await?;
    Ok(threshold_core::my_account::remove_passkey(&services, &token, &form).await?)
}

/// Why adding a passkey stopped: the words, and whether they are about
/// the name typed (shown at the field then).
#[derive(Clone, Debug, PartialEq)]
pub struct AddRefusal {
    pub about_name: bool,
    pub words: String,
}

impl AddRefusal {
    fn of(error: ServiceError<MyAccountError>) -> Self {
        let about_name = matches!(
            &error,
            ServiceError::Domain(error) if error.fields() == [MyAccountField::PasskeyName]
        );
        Self {
            about_name,
            words: error.to_string(),
        }
    }

    fn said(words: &str) -> Self {
        Self {
            about_name: false,
            words: words.to_owned(),
        }
    }
}

/// Adding a passkey from start to finish: `Err(None)` when the person
/// cancelled the browser's prompt.
async fn add(name: String) -> Result<PasskeySummary, Option<AddRefusal>> {
    if !passkey::supported() {
        return Err(passkey::PasskeyClientError::Unsupported
            .message()
            .map(AddRefusal::said));
    }
    let ceremony = start_adding_passkey(name)
        .await
        .map_err(|error| Some(AddRefusal::of(error)))?;
    let credential = passkey::create(&ceremony.options)
        .await
        .map_err(|error| error.message().map(AddRefusal::said))?;
    add_passkey(AddPasskeyForm {
        ceremony: ceremony.ceremony,
        credential,
    })
    .await
    .map_err(|error| Some(AddRefusal::of(error)))
}

/// The two actions that change the list, for the page to reload it after.
#[derive(Clone, Copy)]
pub struct PasskeyActions {
    pub adding: Action<String, Result<PasskeySummary, Option<AddRefusal>>>,
    pub remove: ServerAction<RemovePasskey>,
}

impl PasskeyActions {
    pub fn new() -> Self {
        let remove = ServerAction::<RemovePasskey>::new();
        answered_without_script(remove);
        Self {
            adding: Action::new_local(|name: &String| add(name.clone())),
            remove,
        }
    }

    /// Changes whenever a passkey was added or removed.
    pub fn versions(&self) -> Signal<(usize, usize)> {
        let (added, removed) = (self.adding.version(), self.remove.version());
        Signal::derive(move || (added.get(), removed.get()))
    }
}

#[component]
pub fn PasskeysSection(actions: PasskeyActions, passkeys: Vec<PasskeySummary>) -> impl IntoView {
    let adding = actions.adding;
    let pending = adding.pending();
    let name = RwSignal::new(String::new());
    let added = Memo::new(move |_| match adding.value().get() {
        Some(Ok(passkey)) => Some(passkey.name),
        _ => None,
    });
    let refusal = Memo::new(move |_| match adding.value().get() {
        Some(Err(Some(refusal))) => Some(refusal),
        _ => None,
    });
    let form_refusal = move || refusal.get().filter(|r| !r.about_name).map(|r| r.words);
    let name_errors = move || {
        refusal
            .get()
            .filter(|r| r.about_name)
            .map(|r| r.words)
            .into_iter()
            .collect::<Vec<_>>()
    };
    let removed = move || matches!(actions.remove.value().get(), Some(Ok(())));
    let add = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        adding.dispatch(name.get_untracked());
    };
    let count = passkeys.len();
    view! {
        <section class="account__section" aria-labelledby="passkeys-title" id="passkeys-section">
            <h2 id="passkeys-title">"Passkeys"</h2>
            <p>
                "A passkey logs you in with your fingerprint, face, screen lock or security key \
                 instead of your password: nothing to type, nothing to forget, and it works only on \
                 Threshold, so a fake site cannot trick you into giving it away. Your password keeps \
                 working too. "
                <a href="/help/passkeys">"About passkeys"</a>
            </p>
            {move || added.get().map(|name| view! {
                <p class="notice notice--success" role="status" id="passkey-added">
                    {format!("Passkey \u{201c}{name}\u{201d} added. Next time, choose \u{201c}Log in with a passkey\u{201d}.")}
                </p>
            })}
            {move || removed().then(|| view! {
                <p class="notice notice--success" role="status" id="passkey-removed">
                    "The passkey was removed. It no longer logs in to your account."
                </p>
            })}
            {if count == 0 {
                view! { <p id="no-passkeys">"You have no passkeys yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="passkeys" id="passkeys">
                        {passkeys.iter().cloned().map(|passkey| view! { <PasskeyItem passkey/> }).collect_view()}
                    </ul>
                    <RemovePasskey remove=actions.remove passkeys/>
                }.into_any()
            }}
            <form class="form my-account__form needs-script" id="add-passkey-form" novalidate=true
                on:submit=add>
                {move || form_refusal().map(|words| view! {
                    <p class="notice notice--error" role="alert" id="add-passkey-error">{words}</p>
                })}
                <Field id="passkey-name" name="name" label="Name for the new passkey"
                    value=name autocomplete="off" errors=name_errors
                    hint="So you can tell your passkeys apart: the device or app it is on, such as \u{201c}Work laptop\u{201d}."/>
                <button type="submit" class="button button--primary" id="add-passkey"
                    aria-busy=move || pending.get().to_string() disabled=pending>
                    {move || if pending.get() { "Waiting for your device…" } else { "Add a passkey" }}
                </button>
            </form>
            <p class="no-script-only">"Adding a passkey needs JavaScript, which is off in this browser."</p>
        </section>
    }
}

#[component]
fn PasskeyItem(passkey: PasskeySummary) -> impl IntoView {
    view! {
        <li class="passkeys__item">
            <p class="passkeys__name">
                <strong>{passkey.name}</strong>
                {passkey.synced.then(|| view! { " "<span class="tag">"Synced"</span> })}
            </p>
            <p class="passkeys__when">
                "Added "<When at=passkey.created_at/>
                {match passkey.last_used_at {
                    Some(at) => view! { ", last used "<When at/> }.into_any(),
                    None => view! { ", not used yet" }.into_any(),
                }}
            </p>
        </li>
    }
}

/// Removing a passkey: which one, and the current password (a plain form,
/// so it works without JavaScript).
#[component]
fn RemovePasskey(
    remove: ServerAction<RemovePasskey>,
    passkeys: Vec<PasskeySummary>,
) -> impl IntoView {
    provide_context(FormProgress::of(remove));
    let messages = Memo::new(move |_| match remove.value().get() {
        Some(Err(error)) => my_account_messages(&error),
        _ => MyAccountMessages::default(),
    });
    let summary = Signal::derive(move || {
        messages.with(|m| {
            let mut items = Vec::new();
            if let Some(text) = &m.current_password {
                items.push(SummaryItem::field("remove-passkey-password", text));
            }
            if let Some(text) = &m.form {
                items.push(SummaryItem::form(text));
            }
            items
        })
    });
    let refused = move || messages.with(|m| m.current_password.is_some() || m.form.is_some());
    view! {
        <details class="passkeys__remove" open=refused>
            <summary>"Remove a passkey"</summary>
            <ActionForm action=remove attr:class="form my-account__form" attr:novalidate=true>
                <ErrorSummary id="remove-passkey-error-summary" items=summary/>
                <div class="field">
                    <label class="field__label" for="remove-passkey-which">"Passkey to remove"</label>
                    <select id="remove-passkey-which" name="form[passkey]" class="field__input">
                        {passkeys.into_iter().map(|passkey| view! {
                            <option value=passkey.id.to_string()>{passkey.name}</option>
                        }).collect_view()}
                    </select>
                </div>
                <Field id="remove-passkey-password" name="form[current_password]"
                    label="Your current password" kind="password"
                    autocomplete="current-password" verbatim=true required=true
                    errors=move || messages.with(|m| m.current_password.clone().into_iter().collect::<Vec<_>>())/>
                <button type="submit" class="button button--danger" id="remove-passkey"
                    disabled=remove.pending()>
                    "Remove passkey"
                </button>
            </ActionForm>
        </details>
    }
}
