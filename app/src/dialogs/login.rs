//! The "Log in" dialog.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::{DialogKind, Dialogs, Modal};
use threshold_core::auth::CurrentUser;

use super::passkey_login::PasskeyLogin;
use crate::auth::{Auth, Login};
use crate::errors::{login_messages, login_wait_message, LoginMessages, LoginWait};
use crate::field::{ErrorSummary, Field, FormProgress, ShowPassword, SummaryItem};
use crate::posted::answered_without_script;

/// The page a support user's enrolment link opens (support::second_step).
const ENROL_PATH: &str = "/support/enrol";

#[component]
pub fn LoginDialog() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let auth = expect_context::<Auth>();
    let action = ServerAction::<Login>::new();
    let pending = action.pending();
    provide_context(FormProgress::of(action));
    // Posted without JavaScript: a refusal shows in this dialog; a login
    // that must choose a password goes on to that (any other has landed
    // on the logged-in page already).
    if answered_without_script(action) {
        match action.value().get_untracked() {
            Some(Ok(user)) if user.must_change_password => {
                dialogs.adopt(DialogKind::ChoosePassword)
            }
            Some(Ok(_)) => {}
            _ => dialogs.adopt(DialogKind::Login),
        }
    }
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
    let seconds_left = countdown(messages);
    let summary = Signal::derive(move || {
        messages.with(|m| {
            let mut items = Vec::new();
            if let Some(text) = &m.identifier {
                items.push(SummaryItem::field("login-identifier", text));
            }
            if let Some(text) = &m.password {
                items.push(SummaryItem::field("login-password", text));
            }
            match (m.wait, &m.form) {
                (Some(wait), _) => {
                    // Until the countdown has started on this answer, the
                    // wait is the answer's own.
                    let left = match seconds_left.get() {
                        Some((counting, left)) if counting == wait => left,
                        _ => wait.seconds,
                    };
                    items.push(SummaryItem::form(login_wait_message(wait, left)))
                }
                (None, Some(text)) => items.push(SummaryItem::form(text)),
                (None, None) => {}
            }
            items
        })
    });
    let offer_reset = move || messages.with(|m| m.offer_reset);

    // Logged in: go to the signed-in home page, which says so (or, with a
    // reset password, straight on to choosing a new one), let the header
    // know, and start clean next time.
    let navigate = use_navigate();
    let location = use_location();
    let logged_in = Callback::new(move |user: CurrentUser| {
        auth.changed();
        if user.must_change_password {
            dialogs.open(DialogKind::ChoosePassword);
        } else if location.pathname.get_untracked() == ENROL_PATH {
            // Logged in to use an enrolment link: the page goes on with it.
            dialogs.close();
        } else {
            dialogs.close_onward();
            auth.arrived.set(true);
            navigate("/", Default::default());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(user)) = action.value().get() {
            action.clear();
            logged_in.run(user);
        }
    });
    // Opened with a name (after registering): fill it in. Not on the first
    // run, at hydration: nothing was handed over, and the field may hold
    // what was typed before the WASM arrived.
    let prefill = dialogs.prefill();
    Effect::new(move |ran_before: Option<()>| {
        let text = prefill.get();
        if ran_before.is_some() {
            identifier.set(text);
        }
    });

    let show_password = RwSignal::new(false);
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
                <ErrorSummary id="login-error-summary" items=summary/>
                <Field id="login-identifier" name="form[identifier]" label="Username or email"
                    autocomplete="username webauthn" verbatim=true autofocus=true value=identifier
                    errors=field_errors(|m| &m.identifier)/>
                <Field id="login-password" name="form[password]" label="Password"
                    kind=move || if show_password.get() { "text" } else { "password" }
                    autocomplete="current-password" verbatim=true
                    described_by="login-caps-lock" on_key=caps_from
                    errors=field_errors(|m| &m.password)>
                    <p id="login-caps-lock" class="caps-warning" role="status">
                        <span class="visually-hidden">{move || caps_lock.get().then_some("Warning: ")}</span>
                        {move || caps_lock.get().then_some("Caps Lock is on. Passwords are case sensitive.")}
                    </p>
                    <ShowPassword shown=show_password controls="login-password"/>
                </Field>
                <Show when=offer_reset>
                    <p class="form__offer">
                        "You can get a new password by email now, without waiting. "
                        <button type="button" class="link-button" id="login-offer-reset"
                            commandfor="reset-dialog" command="show-modal" on:click=forgotten>
                            "Get a new password"
                        </button>
                    </p>
                </Show>
                <button type="submit" class="button button--primary button--block"
                    aria-busy=move || pending.get().to_string() disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
                <PasskeyLogin on_logged_in=logged_in/>
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
                    <button type="button" class="link-button" commandfor="reset-dialog" command="show-modal" on:click=forgotten>
                        "Forgotten password"
                    </button>
                    " · "
                    <button type="button" class="link-button"
                        commandfor="register-dialog" command="show-modal"
                        on:click=move |_| dialogs.open(DialogKind::Register)>
                        "Create an account"
                    </button>
                </p>
            </ActionForm>
        </Modal>
    }
}

/// Seconds left of the wait the last answer asked for (with that wait),
/// counted down once a second so the message stays true and says when
/// trying again is fine.
fn countdown(messages: Memo<LoginMessages>) -> RwSignal<Option<(LoginWait, u64)>> {
    let left = RwSignal::new(None);
    let ticking = StoredValue::new(None::<IntervalHandle>);
    Effect::new(move |_| {
        if let Some(handle) = ticking.get_value() {
            handle.clear();
        }
        let Some(wait) = messages.with(|m| m.wait) else {
            left.set(None);
            return;
        };
        left.set(Some((wait, wait.seconds)));
        let handle = set_interval_with_handle(
            move || {
                left.update(|left| {
                    if let Some((_, seconds)) = left {
                        *seconds = seconds.saturating_sub(1);
                    }
                });
                if left.with_untracked(|left| matches!(left, Some((_, 0)))) {
                    if let Some(handle) = ticking.get_value() {
                        handle.clear();
                    }
                }
            },
            std::time::Duration::from_secs(1),
        );
        ticking.set_value(handle.ok());
    });
    left
}
