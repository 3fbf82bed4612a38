//! "Choose a new password": shown, and not dismissible, whenever the
//! session must choose one: it was started with a reset password (SPEC.md
//! §4), or the password it logged in with is in the breached list (§3).

use leptos::{html, prelude::*};
use leptos_router::hooks::use_navigate;
use threshold_core::{
    auth::{CurrentUser, MustChangeReason},
    reset::{ChoosePasswordError, ChoosePasswordForm},
};

use super::passkey_login::PasskeyOffer;
use super::{password_rules::PasswordRules, DialogKind, Dialogs, Modal};
use crate::auth::{Auth, Logout};
use crate::errors::{choose_password_messages, ChoosePasswordMessages, ServiceError};
use crate::field::{ErrorSummary, Field, FormProgress, ShowPassword, SummaryItem};
use crate::posted::answered_without_script;

/// Stores the new password and swaps the restricted session for a full one.
#[server(endpoint = "choose_password")]
pub async fn choose_password(
    form: ChoosePasswordForm,
) -> Result<CurrentUser, ServiceError<ChoosePasswordError>> {
    use crate::auth::server;
    let services = server::services()?;
    let token = server::session_token()
        .await
        .ok_or(ChoosePasswordError::NotLoggedIn)?;
    let chosen = threshold_core::reset::choose_password(&services, &token, &form).await?;
    server::session_started(&services, &chosen.session_token).await;
    Ok(chosen.user)
}

#[component]
pub fn ChoosePasswordDialog() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let auth = expect_context::<Auth>();
    let user = move || auth.user.get().and_then(Result::ok).flatten();
    // The session decides: while it must choose a password this dialog is
    // what shows, and once the server says it is done, the dialog goes.
    // (Closing it on the action's answer alone would race the refreshed
    // session and reopen it.)
    // Once the new password is saved the dialog stays, to say so, until
    // the person moves on.
    let saved = RwSignal::new(false);
    Effect::new(move |_| {
        let must_choose = user().is_some_and(|user| user.must_change_password);
        let open = dialogs.is_open(DialogKind::ChoosePassword).get();
        if must_choose && !open {
            saved.set(false);
            dialogs.open(DialogKind::ChoosePassword);
        } else if !must_choose && open && !saved.get() {
            dialogs.close();
        }
    });

    let action = ServerAction::<ChoosePassword>::new();
    let pending = action.pending();
    provide_context(FormProgress::of(action));
    // Posted without JavaScript: its answer shows in this dialog.
    if answered_without_script(action) {
        dialogs.adopt(DialogKind::ChoosePassword);
        if let Some(Ok(_)) = action.value().get_untracked() {
            saved.set(true);
        }
    }
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => choose_password_messages(&error),
        _ => ChoosePasswordMessages::default(),
    });
    let summary = Signal::derive(move || {
        messages.with(|m| {
            let mut items = Vec::new();
            if let Some(text) = m.password.first() {
                items.push(SummaryItem::field("choose-password", text));
            }
            if let Some(text) = &m.form {
                items.push(SummaryItem::form(text));
            }
            items
        })
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            action.clear();
            saved.set(true);
            auth.changed();
        }
    });
    let left_password = RwSignal::new(false);
    let version = action.version();
    let judged = Signal::derive(move || left_password.get() || version.get() > 0);
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            logout.clear();
            auth.changed();
        }
    });

    let password = RwSignal::new(String::new());
    let username = Signal::derive(move || user().map(|u| u.username).unwrap_or_default());
    let email = Signal::derive(move || user().map(|u| u.email).unwrap_or_default());
    let first_name = Signal::derive(move || user().map(|u| u.first_name).unwrap_or_default());
    let surname = Signal::derive(move || user().map(|u| u.surname).unwrap_or_default());
    let reason = move || {
        user()
            .and_then(|user| user.must_change_reason)
            .unwrap_or(MustChangeReason::Reset)
            .explanation()
    };
    let show_password = RwSignal::new(false);

    view! {
        <Modal kind=DialogKind::ChoosePassword id="choose-password-dialog"
            title="Choose a new password" dismissible=false>
            {move || if saved.get() {
                view! { <PasswordChanged saved/> }.into_any()
            } else {
                view! {
            <ActionForm action attr:class="form" attr:novalidate=true>
                <ErrorSummary id="choose-password-error-summary" items=summary/>
                <p class="field__hint" id="choose-password-reason">{reason}</p>
                <Field id="choose-password" name="form[password]" label="New password"
                    kind=move || if show_password.get() { "text" } else { "password" }
                    autocomplete="new-password" verbatim=true required=true autofocus=true
                    value=password described_by="choose-password-rules"
                    on_blur=move |()| left_password.set(true)
                    before_input=move || view! {
                        <PasswordRules id="choose-password-rules" password=password.into()
                            username email first_name surname judged/>
                    }
                    errors=move || messages.with(|m| m.password.clone())>
                    <ShowPassword shown=show_password controls="choose-password"/>
                </Field>
                <button type="submit" class="button button--primary button--block"
                    aria-busy=move || pending.get().to_string() disabled=pending>
                    {move || if pending.get() { "Saving…" } else { "Save password" }}
                </button>
            </ActionForm>
            // A form of its own (forms do not nest), so it works without
            // JavaScript too.
            <ActionForm action=logout attr:class="form__footer">
                <button type="submit" class="link-button" disabled=logout.pending()>
                    "Log out instead"
                </button>
            </ActionForm>
                }.into_any()
            }}
        </Modal>
    }
}

/// "Your password has been changed", what that means for other devices,
/// and the way on. Focus moves to the news: the form it replaced is gone.
#[component]
fn PasswordChanged(saved: RwSignal<bool>) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let auth = expect_context::<Auth>();
    let navigate = use_navigate();
    let heading = NodeRef::<html::H3>::new();
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <div class="confirmation" role="status">
            <h3 node_ref=heading tabindex="-1" class="confirmation__title" id="password-changed">
                "Your password has been changed"
            </h3>
            <p>"You are still logged in here. Use your new password the next time you log in, on this device or any other: no earlier password works now."</p>
        </div>
        <PasskeyOffer/>
        // A link, so it leads on without JavaScript too.
        <a href="/" class="button button--primary button--block" id="password-changed-continue"
            on:click=move |ev| {
                ev.prevent_default();
                saved.set(false);
                dialogs.close_onward();
                auth.arrived.set(true);
                navigate("/", Default::default());
            }>
            "Continue"
        </a>
    }
}
