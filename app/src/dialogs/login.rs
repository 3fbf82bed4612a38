//! The "Log in" dialog.

use leptos::prelude::*;

use super::{DialogKind, Dialogs, Modal};
use crate::auth::{Auth, Login};
use crate::errors::{login_messages, LoginMessages};
use crate::field::Field;

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
    // Each field has at most one message.
    let field_errors = move |field: fn(&LoginMessages) -> &Option<String>| {
        Signal::derive(move || messages.with(|m| Vec::from_iter(field(m).clone())))
    };
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
                <Field id="login-identifier" name="form[identifier]" label="Username or email"
                    autocomplete="username" verbatim=true autofocus=true value=identifier
                    errors=field_errors(|m| &m.identifier)/>
                <Field id="login-password" name="form[password]" label="Password" kind="password"
                    autocomplete="current-password" verbatim=true
                    described_by="login-caps-lock" on_key=caps_from
                    errors=field_errors(|m| &m.password)>
                    <p id="login-caps-lock" class="caps-warning" role="status">
                        {move || caps_lock.get().then_some("Caps Lock is on. Passwords are case sensitive.")}
                    </p>
                </Field>
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
