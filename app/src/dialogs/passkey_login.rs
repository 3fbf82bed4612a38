//! "Log in with a passkey", in the Log in dialog: a button that opens the
//! browser's passkey prompt, and (where the browser supports it) passkeys
//! offered in the "Username or email" field's autofill list while the
//! dialog is open. Either way no username is typed: the passkey names its
//! account.

use leptos::prelude::*;
use threshold_core::auth::{CurrentUser, PasskeyLoginForm};

use super::{DialogKind, Dialogs};
use crate::auth::{passkey_login, start_passkey_login};
use crate::passkey::{self, AutofillRequest, PasskeyClientError};

/// One passkey login, from challenge to session. `Err(None)` when there
/// is nothing to say (the person cancelled the prompt; the autofill offer
/// could not be made), `Err(Some(words))` for a refusal.
pub(crate) async fn log_in(
    autofill: Option<&AutofillRequest>,
) -> Result<CurrentUser, Option<String>> {
    let ceremony = start_passkey_login()
        .await
        .map_err(|error| autofill.is_none().then(|| error.to_string()))?;
    // The autofill offer waits in the background: when the browser cannot
    // make it (no passkeys at this address, an old browser), nobody asked
    // for anything, so nothing is said. Only the button's failures are.
    let credential = passkey::assert(&ceremony.options, autofill)
        .await
        .map_err(|error| match autofill {
            Some(_) => None,
            None => error.message().map(str::to_owned),
        })?;
    passkey_login(PasskeyLoginForm {
        ceremony: ceremony.ceremony,
        credential,
    })
    .await
    .map_err(|error| Some(error.to_string()))
}

#[component]
pub fn PasskeyLogin(
    /// Called with the person once the passkey has logged them in.
    on_logged_in: Callback<CurrentUser>,
) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let refusal = RwSignal::new(None::<String>);
    let waiting = StoredValue::new(None::<AutofillRequest>);
    let withdraw_autofill = move || {
        if let Some(request) = waiting.try_update_value(Option::take).flatten() {
            request.withdraw();
        }
    };

    let by_button = Action::new_local(move |_: &()| async move { log_in(None).await });
    let pending = by_button.pending();
    Effect::new(move |_| match by_button.value().get() {
        Some(Ok(user)) => on_logged_in.run(user),
        Some(Err(words)) => refusal.set(words),
        None => {}
    });

    // The autofill offer: asked for each time the dialog opens, withdrawn
    // when it closes or the button is used (one WebAuthn request at a time).
    let open = dialogs.is_open(DialogKind::Login);
    let by_autofill = Action::new_local(move |_: &()| async move {
        if !passkey::autofill_supported().await {
            return Err(None);
        }
        let Some(request) = AutofillRequest::new() else {
            return Err(None);
        };
        waiting.set_value(Some(request.clone()));
        log_in(Some(&request)).await
    });
    Effect::new(move |_| match by_autofill.value().get() {
        Some(Ok(user)) => on_logged_in.run(user),
        Some(Err(Some(words))) => refusal.set(Some(words)),
        _ => {}
    });
    Effect::new(move |_| {
        if open.get() {
            refusal.set(None);
            by_autofill.dispatch(());
        } else {
            withdraw_autofill();
        }
    });

    let start = move |_| {
        withdraw_autofill();
        refusal.set(None);
        if !passkey::supported() {
            refusal.set(PasskeyClientError::Unsupported.message().map(str::to_owned));
            return;
        }
        by_button.dispatch(());
    };

    view! {
        <div class="passkey-login needs-script">
            <p class="passkey-login__or" aria-hidden="true">"or"</p>
            {move || refusal.get().map(|words| view! {
                <p class="notice notice--error" role="alert" id="passkey-login-error">{words}</p>
            })}
            <button type="button" class="button button--block" id="passkey-login"
                aria-busy=move || pending.get().to_string() disabled=pending
                on:click=start>
                {move || if pending.get() { "Waiting for your passkey…" } else { "Log in with a passkey" }}
            </button>
        </div>
    }
}

/// "Log in faster next time": the offer of a passkey, made once where a
/// person has just proven who they are (a new account, a new password).
/// A link to My account's Passkeys section, where it is named and added:
/// a link works before and without the WASM.
#[component]
pub fn PasskeyOffer() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    view! {
        <div class="passkey-offer" id="passkey-offer">
            <p class="passkey-offer__title"><strong>"Log in faster next time"</strong></p>
            <p>
                "Add a passkey and log in with your fingerprint, face or screen lock: no password \
                 to type. "
                <a href="/account#passkeys-title" id="passkey-offer-link"
                    on:click=move |_| dialogs.close_onward()>
                    "Add a passkey in My account"
                </a>
            </p>
        </div>
    }
}
