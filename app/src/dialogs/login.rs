//! The "Log in" dialog.

use leptos::prelude::*;

use super::{DialogKind, Dialogs, Modal};
use crate::auth::{Auth, Login};
use crate::errors::{login_messages, LoginMessages};

#[component]
pub fn LoginDialog() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let auth = expect_context::<Auth>();
    let action = ServerAction::<Login>::new();
    let pending = action.pending();
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => login_messages(&error),
        _ => LoginMessages::default(),
    });
    let identifier = RwSignal::new(String::new());
    let caps_lock = RwSignal::new(false);

    // Logged in: close (or, with a reset password, go straight on to
    // choosing a new one), let the header know, and start clean next time.
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            action.clear();
            auth.changed();
            if user.must_change_password {
                dialogs.open(DialogKind::ChoosePassword);
            } else {
                dialogs.close();
            }
        }
    });
    // Opened with a name (after registering): fill it in.
    let prefill = dialogs.prefill();
    Effect::new(move |_| identifier.set(prefill.get()));

    let caps_from =
        move |ev: leptos::ev::KeyboardEvent| caps_lock.set(ev.get_modifier_state("CapsLock"));
    let forgotten = move |_| {
        // Carry an email over; a username is no use to the reset form.
        let typed = identifier.get_untracked();
        let email = if typed.contains('@') {
            typed
        } else {
            String::new()
        };
        dialogs.open_with(DialogKind::Reset, email);
    };

    view! {
        <Modal kind=DialogKind::Login id="login-dialog" title="Log in">
            <ActionForm action attr:class="form" attr:novalidate=true>
                <div class="field">
                    <label for="login-identifier">"Username or email"</label>
                    <input id="login-identifier" name="form[identifier]" type="text"
                        autocomplete="username" autocapitalize="none" spellcheck="false" autofocus
                        aria-describedby="login-identifier-error"
                        aria-invalid=move || messages.with(|m| m.identifier.is_some().then_some("true"))
                        prop:value=identifier
                        on:input=move |ev| identifier.set(event_target_value(&ev))/>
                    <div id="login-identifier-error" class="field__errors">
                        {move || messages.with(|m| m.identifier.clone()).map(|text| view! {
                            <p class="field__error" role="alert">{text}</p>
                        })}
                    </div>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="form[password]" type="password"
                        autocomplete="current-password" autocapitalize="none" spellcheck="false"
                        aria-describedby="login-caps-lock login-password-error"
                        aria-invalid=move || messages.with(|m| m.password.is_some().then_some("true"))
                        on:keydown=caps_from on:keyup=caps_from/>
                    <p id="login-caps-lock" class="caps-warning" role="status">
                        {move || caps_lock.get().then_some("Caps Lock is on. Passwords are case sensitive.")}
                    </p>
                    <div id="login-password-error" class="field__errors">
                        {move || messages.with(|m| m.password.clone()).map(|text| view! {
                            <p class="field__error" role="alert">{text}</p>
                        })}
                    </div>
                </div>
                {move || messages.with(|m| m.form.clone()).map(|text| view! {
                    <div class="notice notice--error" role="alert">{text}</div>
                })}
                <button type="submit" class="button button--primary button--block"
                    aria-busy=move || pending.get().to_string() disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
                <details class="trouble">
                    <summary>"Having trouble logging in?"</summary>
                    <ul>
                        <li>"Passwords are case sensitive: check Caps Lock."</li>
                        <li>"Phones often capitalise the first letter of a password by themselves."</li>
                        <li>"Apostrophes and quotes can differ between devices; we treat curly and straight ones the same."</li>
                        <li>"Usernames are often your surname and four digits, like Okafor4821. You can use your email address instead."</li>
                        <li>"Still stuck? Use Forgotten password: we email your username and a new password."</li>
                        <li><a href="/help/unable-to-log-in" on:click=move |_| dialogs.close()>
                            "Help: Unable to log in"
                        </a></li>
                    </ul>
                </details>
                <p class="form__footer">
                    <button type="button" class="link-button" on:click=forgotten>
                        "Forgotten password"
                    </button>
                    " · "
                    <button type="button" class="link-button"
                        on:click=move |_| dialogs.open(DialogKind::Register)>
                        "Create an account"
                    </button>
                </p>
            </ActionForm>
        </Modal>
    }
}
