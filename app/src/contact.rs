//! `/contact-support`: for a person who cannot get in (their email is not
//! recognised, the reset never arrives). No login needed (SPEC.md §8).

use leptos::{html, prelude::*};
use leptos_meta::Title;
use threshold_core::access::{ContactError, ContactField, ContactForm, ContactReceived};

use crate::errors::{contact_messages, ContactMessages, ServiceError};
use crate::field::{summary_of, ErrorSummary, Field, FormProgress, SummaryItem, TextArea};
use crate::posted::answered_without_script;

/// Stores the request and emails its acknowledgement.
#[server(endpoint = "contact_support")]
pub async fn contact_support(
    form: ContactForm,
) -> Result<ContactReceived, ServiceError<ContactError>> {
    let services = crate::auth::server::services()?;
    let client = crate::auth::server::client_address().await;
    Ok(threshold_core::access::submit(&services, &form, &client).await?)
}

#[component]
pub fn ContactSupportPage() -> impl IntoView {
    let action = ServerAction::<ContactSupport>::new();
    // Posted without JavaScript: the answer is shown as the page arrives.
    answered_without_script(action);
    let received = Memo::new(move |_| match action.value().get() {
        Some(Ok(received)) => Some(received),
        _ => None,
    });
    view! {
        <Title text="Contact support · Threshold"/>
        <section class="help contact" aria-labelledby="contact-title">
            <h1 id="contact-title">"Contact support"</h1>
            {move || match received.get() {
                Some(received) => view! { <Received received/> }.into_any(),
                None => view! { <ContactFormView action/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Received(received: ContactReceived) -> impl IntoView {
    let heading = NodeRef::<html::H2>::new();
    // The form that had focus is gone: focus the answer.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    view! {
        <div class="notice notice--success contact__received" role="status">
            <h2 node_ref=heading tabindex="-1">"We have your request"</h2>
            <p>"Your reference is "<strong id="contact-reference">{received.reference}</strong>"."</p>
            <p>"We have sent an acknowledgement to "<strong>{received.email}</strong>". What happens next:"</p>
            <ul>
                <li>"Someone in support looks for your account using the details you gave."</li>
                <li>"If we can match it, we may update the email address on your account and send you a reset email with your username and a new password."</li>
                <li>"We reply to the address you gave. We never ask for your password."</li>
            </ul>
            <p><a href="/help">"Back to the Help centre"</a></p>
        </div>
    }
}

#[component]
fn ContactFormView(action: ServerAction<ContactSupport>) -> impl IntoView {
    let pending = action.pending();
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => contact_messages(&error),
        _ => ContactMessages::default(),
    });
    provide_context(FormProgress::of(action));
    let errors = move |field: ContactField| {
        Signal::derive(move || messages.with(|messages| messages.for_field(field)))
    };
    let summary = Signal::derive(move || messages.with(summary_items));
    view! {
        <p class="help__lead">
            "Cannot get in, even with "<a href="/help/forgotten-password">"Forgotten password"</a>
            "? Tell us what you remember and support will find your account."
        </p>
        <ActionForm action attr:class="form" attr:novalidate=true>
            <ErrorSummary id="contact-error-summary" items=summary/>
            <p class="field__hint">"Fields marked optional can be left blank; the more you give, the faster we find you."</p>
            <div class="form__row">
                <Field id="contact-first-name" name="form[first_name]" label="First name"
                    autocomplete="given-name" errors=errors(ContactField::FirstName)/>
                <Field id="contact-surname" name="form[surname]" label="Surname"
                    autocomplete="family-name" errors=errors(ContactField::Surname)/>
            </div>
            <Field id="contact-email" name="form[email]" label="Email address we can reach you at"
                kind="email" autocomplete="email" errors=errors(ContactField::Email)/>
            <Field id="contact-username" name="form[username]" label="Username, if you remember it (optional)"
                autocomplete="username" errors=errors(ContactField::Username)/>
            <TextArea id="contact-previous-emails" name="form[previous_emails]"
                label="Email addresses you used before (optional)"
                hint="One per line. The address on your account may be an old one."
                rows=2 errors=errors(ContactField::PreviousEmails)/>
            <TextArea id="contact-numbers" name="form[registration_numbers]"
                label="Registration numbers (optional)"
                hint="One per line, each with its type, for example GMC 7012345 or NMC 12A3456E."
                rows=2 errors=errors(ContactField::RegistrationNumbers)/>
            <TextArea id="contact-last-post" name="form[last_post]"
                label="Trainees: your last post (optional)"
                hint="Where and when, as you would write it on a form."
                rows=2 errors=errors(ContactField::LastPost)/>
            <TextArea id="contact-supervised" name="form[supervised_trainees]"
                label="Supervisors: trainees you supervised (optional)"
                hint="Names are enough."
                rows=2 errors=errors(ContactField::SupervisedTrainees)/>
            <TextArea id="contact-message" name="form[message]" label="What happened?"
                hint="A sentence or two is plenty."
                rows=4 errors=errors(ContactField::Message)/>
            <button type="submit" class="button button--primary button--block"
                aria-busy=move || pending.get().to_string() disabled=pending>
                {move || if pending.get() { "Sending…" } else { "Send to support" }}
            </button>
        </ActionForm>
    }
}

/// The control each field's summary link moves focus to.
fn control_id(field: ContactField) -> &'static str {
    match field {
        ContactField::FirstName => "contact-first-name",
        ContactField::Surname => "contact-surname",
        ContactField::Email => "contact-email",
        ContactField::Username => "contact-username",
        ContactField::PreviousEmails => "contact-previous-emails",
        ContactField::RegistrationNumbers => "contact-numbers",
        ContactField::LastPost => "contact-last-post",
        ContactField::SupervisedTrainees => "contact-supervised",
        ContactField::Message => "contact-message",
    }
}

/// One message per field, in the form's order, then anything about the
/// form as a whole.
fn summary_items(messages: &ContactMessages) -> Vec<SummaryItem> {
    summary_of(
        &ContactField::ALL,
        |field| messages.for_field(field).into_iter().next(),
        control_id,
        messages.form.iter().map(SummaryItem::form),
    )
}
