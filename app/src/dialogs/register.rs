//! The "Create an account" dialog and the server function behind it.

use leptos::{html, prelude::*};
use threshold_core::{
    accounts::{Registered, RegistrationError, RegistrationField, RegistrationForm},
    rules::RegistrationKind,
};

use super::email_suggestion::{DomainCheck, EmailSuggestion};
use super::passkey_login::PasskeyOffer;
use super::{password_rules::PasswordRules, DialogKind, Dialogs, Modal};
use crate::errors::{registration_messages, FieldMessage, RegistrationMessages, ServiceError};
use crate::field::{
    aria_invalid, summary_of, ErrorSummary, Field, FieldError, FieldErrors, FormProgress,
    ShowPassword, SummaryItem,
};
use crate::posted::{answered_without_script, PostedAnswer};
use leptos::server_fn::ServerFn;

/// Creates an account and logs the person in. Every field is checked again
/// here: the dialog's checks are a courtesy, not a guard. As at login, a
/// session the browser already had (perhaps someone else's) is ended on the
/// server before the new account's starts.
#[server(endpoint = "register")]
pub async fn register(
    form: RegistrationForm,
) -> Result<Registered, ServiceError<RegistrationError>> {
    use crate::auth::server;
    let services = server::services()?;
    let client = server::client_address().await;
    let registered = threshold_core::accounts::register(&services, &form, &client).await?;
    server::end_previous_session(&services).await;
    match threshold_core::auth::sessions::start(&services, registered.account_id, false).await {
        Ok(token) => {
            server::session_started(&services, &token).await;
            server::remember_device(&services, registered.account_id).await;
        }
        // The account exists; the person can still log in by hand.
        Err(error) => tracing::error!("no session after registering: {error}"),
    }
    Ok(registered)
}

#[component]
pub fn RegisterDialog() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let auth = expect_context::<crate::auth::Auth>();
    let action = ServerAction::<Register>::new();
    if answered_without_script(action) {
        dialogs.adopt(DialogKind::Register);
    }
    let registered = Memo::new(move |_| action.value().get().and_then(Result::ok));
    // Registering logs the person in: the header should say so.
    Effect::new(move |_| {
        if registered.get().is_some() {
            auth.changed();
        }
    });

    // A closed dialog starts afresh next time.
    let open = dialogs.is_open(DialogKind::Register);
    Effect::new(move |was_open: Option<bool>| {
        let open = open.get();
        if was_open == Some(true) && !open && registered.get_untracked().is_some() {
            action.clear();
        }
        open
    });

    view! {
        <Modal kind=DialogKind::Register id="register-dialog" title="Create an account">
            {move || match registered.get() {
                Some(registered) => view! { <Welcome registered/> }.into_any(),
                None => view! { <RegisterForm action/> }.into_any(),
            }}
        </Modal>
    }
}

/// Shown once the account exists: the username, big, because people
/// forget it.
#[component]
fn Welcome(registered: Registered) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let heading = NodeRef::<html::H3>::new();
    // The form that had focus is gone: move focus to the news.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <div class="welcome" role="status">
            <h3 node_ref=heading tabindex="-1" class="welcome__title">
                {format!("Welcome, {}. Your account is ready.", registered.first_name)}
            </h3>
            <p>"Your username is"</p>
            <p class="welcome__username" id="registered-username">{registered.username.clone()}</p>
            <p class="field__hint">
                {if registered.username_was_generated {
                    "We made it from your surname. Write it down: next time you can log in with it or with your email address."
                } else {
                    "Next time you can log in with it or with your email address."
                }}
            </p>
            <p>"You are now logged in."</p>
            <PasskeyOffer/>
            <button
                type="button"
                class="button button--primary button--block"
                commandfor="register-dialog" command="close"
                on:click=move |_| dialogs.close()
            >
                "Continue"
            </button>
        </div>
    }
}

#[component]
fn RegisterForm(action: ServerAction<Register>) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => registration_messages(&error),
        _ => RegistrationMessages::default(),
    });
    let pending = action.pending();
    provide_context(FormProgress::of(action));

    // Back from a post without JavaScript, the type that was chosen.
    let account_type = RwSignal::new(
        PostedAnswer::value(Register::PATH, "form[account_type]")
            .filter(|kind| kind == "practice_admin")
            .unwrap_or_else(|| "practitioner".to_owned()),
    );
    let first_name = RwSignal::new(String::new());
    let surname = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    // "Did you mean …@nhs.net?" once the email field is left.
    let domain_check = DomainCheck::of(email);
    let email_input = NodeRef::<html::Input>::new();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let show_password = RwSignal::new(false);
    let confirm_duplicate = RwSignal::new(false);

    let errors = move |field: RegistrationField| {
        Signal::derive(move || messages.with(|messages| messages.for_field(field)))
    };
    let form_message = move || messages.with(|messages| messages.form.clone());
    let summary = Signal::derive(move || messages.with(summary_items));
    // The rules are judged (unmet ones turn red) once the person has left
    // the field or sent the form: not from the first letter typed.
    let left_password = RwSignal::new(false);
    let version = action.version();
    let judged = Signal::derive(move || left_password.get() || version.get() > 0);

    view! {
        <ActionForm action attr:class="form" attr:novalidate=true>
            <ErrorSummary id="register-error-summary" items=summary/>
            <p class="field__hint">
                "All fields are required unless marked optional. "
                <a href="/help/registration-rules" on:click=move |_| dialogs.close()>"Help: creating an account"</a>
            </p>
            <div class="form__row">
                <Field id="register-first-name" name="form[first_name]" label="First name"
                    autocomplete="given-name" autofocus=true errors=errors(RegistrationField::FirstName)
                    value=first_name/>
                <Field id="register-surname" name="form[surname]" label="Surname"
                    autocomplete="family-name" errors=errors(RegistrationField::Surname) value=surname/>
            </div>
            <Field id="register-email" name="form[email]" label="Email address" kind="email"
                autocomplete="email" errors=errors(RegistrationField::Email) value=email
                node_ref=email_input described_by="register-email-suggestion"
                on_blur=move |()| domain_check.field_left()>
                <EmailSuggestion id="register-email-suggestion" check=domain_check input=email_input/>
            </Field>
            <Field id="register-username" name="form[username]" label="Username (optional)"
                hint="Leave blank and we'll make one, e.g. Okafor4821."
                autocomplete="username" errors=errors(RegistrationField::Username) value=username/>

            <fieldset class="field choice" aria-describedby="register-account-type-error">
                <legend>"Account type"</legend>
                <label class="choice__option">
                    <input type="radio" name="form[account_type]" value="practitioner"
                        id="register-account-type-practitioner"
                        checked=account_type.get_untracked() == "practitioner"
                        prop:checked=move || account_type.get() == "practitioner"
                        on:change=move |_| account_type.set("practitioner".into())/>
                    "Practitioner"
                </label>
                <label class="choice__option">
                    <input type="radio" name="form[account_type]" value="practice_admin"
                        id="register-account-type-practice-admin"
                        checked=account_type.get_untracked() == "practice_admin"
                        prop:checked=move || account_type.get() == "practice_admin"
                        on:change=move |_| account_type.set("practice_admin".into())/>
                    "Practice admin"
                </label>
                <FieldErrors id="register-account-type-error" errors=errors(RegistrationField::AccountType)/>
            </fieldset>
            // Shown while "Practice admin" is chosen, by CSS alone
            // (`.register__practice-name`), so it works without JavaScript;
            // a practitioner's practice name is ignored.
            <div class="register__practice-name">
                <Field id="register-practice-name" name="form[practice_name]" label="Practice name"
                    autocomplete="organization" errors=errors(RegistrationField::PracticeName)/>
            </div>

            <RegistrationNumberField errors=errors(RegistrationField::RegistrationNumber)/>

            <Field id="register-password" name="form[password]" label="Password"
                kind=move || if show_password.get() { "text" } else { "password" }
                autocomplete="new-password" verbatim=true required=true
                value=password described_by="register-password-rules"
                on_blur=move |()| left_password.set(true)
                before_input=move || view! {
                    <PasswordRules id="register-password-rules" password=password.into() judged
                        username=username.into() email=email.into()
                        first_name=first_name.into() surname=surname.into()/>
                }
                errors=errors(RegistrationField::Password)>
                <ShowPassword shown=show_password controls="register-password"/>
            </Field>

            {move || form_message().map(|message| view! {
                <div class="notice notice--warning">
                    <p>{message.text.clone()}</p>
                    <ResetOffer message/>
                </div>
            })}
            <Show when=move || messages.with(|m| m.needs_duplicate_confirmation)>
                <label class="checkbox">
                    <input type="checkbox" id="register-confirm-duplicate"
                        name="form[confirm_possible_duplicate]" value="true"
                        prop:checked=confirm_duplicate
                        on:change=move |ev| confirm_duplicate.set(event_target_checked(&ev))/>
                    "That account is not mine. Create a separate account"
                </label>
            </Show>

            <button type="submit" class="button button--primary button--block"
                aria-busy=move || pending.get().to_string() disabled=pending>
                {move || if pending.get() { "Creating your account…" } else { "Create account" }}
            </button>
            <p class="form__footer">
                "Already registered? "
                <button type="button" class="link-button"
                    commandfor="login-dialog" command="show-modal"
                    on:click=move |_| dialogs.open(DialogKind::Login)>
                    "Log in"
                </button>
            </p>
        </ActionForm>
    }
}

/// A registration message can offer "Forgotten password" for the address
/// it is about.
impl FieldError for FieldMessage {
    fn contents(self) -> AnyView {
        view! { {self.text.clone()} " " <ResetOffer message=self/> }.into_any()
    }
}

/// The control each field's summary link moves focus to.
fn control_id(field: RegistrationField) -> &'static str {
    match field {
        RegistrationField::FirstName => "register-first-name",
        RegistrationField::Surname => "register-surname",
        RegistrationField::Email => "register-email",
        RegistrationField::Username => "register-username",
        RegistrationField::AccountType => "register-account-type-practitioner",
        RegistrationField::PracticeName => "register-practice-name",
        RegistrationField::RegistrationNumber => "register-number",
        RegistrationField::Password => "register-password",
    }
}

/// The summary lists one message per field, in the form's order, then the
/// message about the form (the duplicate warning links to its checkbox).
fn summary_items(messages: &RegistrationMessages) -> Vec<SummaryItem> {
    let about_form = messages.form.as_ref().map(|message| {
        if messages.needs_duplicate_confirmation {
            SummaryItem::field("register-confirm-duplicate", &message.text)
        } else {
            SummaryItem::form(&message.text)
        }
    });
    summary_of(
        &RegistrationField::ALL,
        |field| messages.for_field(field).into_iter().next().map(|m| m.text),
        control_id,
        about_form,
    )
}

/// "Forgotten password" with the email filled in, when a message offers it.
#[component]
fn ResetOffer(message: FieldMessage) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    message.offer_reset_for.map(|email| {
        view! {
            <button type="button" class="link-button reset-offer"
                commandfor="reset-dialog" command="show-modal"
                on:click=move |_| dialogs.open_with(DialogKind::Reset, email.clone())>
                "Is it yours? Get your username and a new password"
            </button>
        }
    })
}

#[component]
fn RegistrationNumberField(errors: Signal<Vec<FieldMessage>>) -> impl IntoView {
    view! {
        <fieldset class="field" aria-describedby="register-number-hint register-number-error">
            <legend>"Registration number (optional)"</legend>
            <p class="field__hint" id="register-number-hint">
                "Your GMC, NMC, NTN or college number helps support find your account. \
                 For example, GMC 7012345, NMC 12A3456E or NTN LDN/R1A/001/ST1."
            </p>
            <div class="form__row">
                <div class="field">
                    <label for="register-number-kind">"Type"</label>
                    <select id="register-number-kind" name="form[registration_kind]"
                        aria-invalid=aria_invalid(errors)>
                        <option value="">"None"</option>
                        {RegistrationKind::ALL
                            .into_iter()
                            .map(|kind| view! { <option value=kind.as_str()>{kind.as_str()}</option> })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="register-number">"Number"</label>
                    <input id="register-number" name="form[registration_number]" type="text"
                        autocomplete="off" aria-invalid=aria_invalid(errors)
                        aria-describedby="register-number-error"/>
                </div>
            </div>
            <FieldErrors id="register-number-error" errors/>
        </fieldset>
    }
}
