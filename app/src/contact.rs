//! `/contact-support`: for a person who cannot get in (their email is not
//! recognised, the reset never arrives). No login needed (SPEC.md §8).

use leptos::{html, prelude::*};
use leptos_meta::Title;
use threshold_core::access::{ContactError, ContactField, ContactForm, ContactReceived};

use crate::errors::{contact_messages, ContactMessages, ServiceError};

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
    view! {
        <p class="help__lead">
            "Cannot get in, even with "<a href="/help/forgotten-password">"Forgotten password"</a>
            "? Tell us what you remember and support will find your account."
        </p>
        <ActionForm action attr:class="form" attr:novalidate=true>
            <p class="field__hint">"Fields marked optional can be left blank; the more you give, the faster we find you."</p>
            <div class="form__row">
                <Field id="contact-first-name" name="first_name" label="First name"
                    field=ContactField::FirstName messages autocomplete="given-name"/>
                <Field id="contact-surname" name="surname" label="Surname"
                    field=ContactField::Surname messages autocomplete="family-name"/>
            </div>
            <Field id="contact-email" name="email" label="Email address we can reach you at"
                field=ContactField::Email messages autocomplete="email" kind="email"/>
            <Field id="contact-username" name="username" label="Username, if you remember it (optional)"
                field=ContactField::Username messages autocomplete="username"/>
            <Area id="contact-previous-emails" name="previous_emails"
                label="Email addresses you used before (optional)"
                hint="One per line. The address on your account may be an old one."
                field=ContactField::PreviousEmails messages rows=2/>
            <Area id="contact-numbers" name="registration_numbers"
                label="Registration numbers (optional)"
                hint="One per line, for example GMC 1234567."
                field=ContactField::RegistrationNumbers messages rows=2/>
            <Area id="contact-last-post" name="last_post"
                label="Trainees: your last post (optional)"
                hint="Where and when, as you would write it on a form."
                field=ContactField::LastPost messages rows=2/>
            <Area id="contact-supervised" name="supervised_trainees"
                label="Supervisors: trainees you supervised (optional)"
                hint="Names are enough."
                field=ContactField::SupervisedTrainees messages rows=2/>
            <Area id="contact-message" name="message" label="What happened?"
                hint="A sentence or two is plenty."
                field=ContactField::Message messages rows=4/>
            {move || messages.with(|m| m.form.clone()).map(|text| view! {
                <div class="notice notice--error" role="alert">{text}</div>
            })}
            <button type="submit" class="button button--primary button--block"
                aria-busy=move || pending.get().to_string() disabled=pending>
                {move || if pending.get() { "Sending…" } else { "Send to support" }}
            </button>
        </ActionForm>
    }
}

/// A labelled one-line field with its errors announced.
#[component]
fn Field(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    field: ContactField,
    messages: Memo<ContactMessages>,
    autocomplete: &'static str,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let problems = move || messages.with(|m| m.for_field(field));
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id name=format!("form[{name}]") type=kind autocomplete=autocomplete
                aria-describedby=error_id.clone()
                aria-invalid=move || (!problems().is_empty()).then_some("true")/>
            <div id=error_id class="field__errors">
                {move || problems().into_iter().map(|text| view! {
                    <p class="field__error" role="alert">{text}</p>
                }).collect_view()}
            </div>
        </div>
    }
}

/// A labelled text area with a hint and its errors announced.
#[component]
fn Area(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    field: ContactField,
    messages: Memo<ContactMessages>,
    rows: u32,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let problems = move || messages.with(|m| m.for_field(field));
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <p id=hint_id.clone() class="field__hint">{hint}</p>
            <textarea id=id name=format!("form[{name}]") rows=rows
                aria-describedby=format!("{hint_id} {error_id}")
                aria-invalid=move || (!problems().is_empty()).then_some("true")></textarea>
            <div id=error_id class="field__errors">
                {move || problems().into_iter().map(|text| view! {
                    <p class="field__error" role="alert">{text}</p>
                }).collect_view()}
            </div>
        </div>
    }
}
