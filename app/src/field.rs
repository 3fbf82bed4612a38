//! A form field: its label, hint, control and error list, wired for screen
//! readers in one place, for every dialog and form.
//!
//! The control is described by its hint, then any notes the caller names
//! (the password rules, the Caps Lock notice), then its error list; it is
//! `aria-invalid` only while it has errors, and each error is its own
//! `role="alert"`, so it is read out when it appears.

use leptos::{attr::Attribute, either::Either, ev, html, prelude::*};

/// One message in a field's error list: plain text in most forms; the
/// registration form's messages can also offer the reset dialog (see
/// `dialogs::register`).
pub trait FieldError: Clone + Send + Sync + 'static {
    /// What the message's `role="alert"` paragraph holds.
    fn contents(self) -> AnyView;
}

impl FieldError for String {
    fn contents(self) -> AnyView {
        self.into_any()
    }
}

/// A labelled `<input>` with its hint and its errors.
#[component]
pub fn Field<E: FieldError>(
    /// The input's id; the hint and the error list get `{id}-hint` and
    /// `{id}-error`.
    id: &'static str,
    /// What the form posts the value as, e.g. `form[email]`.
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    /// The input's `type`; a signal for a password that can be shown.
    #[prop(into, default = Signal::stored("text"))]
    kind: Signal<&'static str>,
    autocomplete: &'static str,
    /// For text that must arrive exactly as typed (usernames, email
    /// addresses, passwords): no capitalising, no spelling corrections.
    #[prop(optional)]
    verbatim: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] required: bool,
    /// Keeps the input and this signal in step both ways, for a value the
    /// dialog fills in or other parts of the form read.
    #[prop(optional)]
    value: Option<RwSignal<String>>,
    /// Ids of other elements that describe the input (the password rules,
    /// the Caps Lock notice), read after the hint and before the errors.
    #[prop(optional)]
    described_by: &'static str,
    /// Shown between the label and the input: the password rules.
    #[prop(optional, into)]
    before_input: Option<ViewFnOnce>,
    /// Called with each key pressed or released in the input.
    #[prop(optional, into)]
    on_key: Option<Callback<ev::KeyboardEvent>>,
    #[prop(optional)] node_ref: NodeRef<html::Input>,
    #[prop(into)] errors: Signal<Vec<E>>,
    /// Shown after the input: "Show password", the Caps Lock notice.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let key_event = move |ev: ev::KeyboardEvent| {
        if let Some(on_key) = on_key {
            on_key.run(ev);
        }
    };
    let control = view! {
        {before_input.map(ViewFnOnce::run)}
        <input {..bound_to(value)} id=id name=name type=kind autocomplete=autocomplete
            autocapitalize=verbatim.then_some("none") spellcheck=verbatim.then_some("false")
            autofocus=autofocus required=required
            aria-describedby=described_by_ids(id, hint, described_by)
            aria-invalid=aria_invalid(errors)
            node_ref=node_ref on:keydown=key_event on:keyup=key_event/>
        {children.map(|children| children())}
    };
    field_frame(id, label, hint, control, errors)
}

/// A labelled `<textarea>` with its hint and its errors.
#[component]
pub fn TextArea<E: FieldError>(
    /// The text area's id; the hint and the error list get `{id}-hint` and
    /// `{id}-error`.
    id: &'static str,
    /// What the form posts the text as, e.g. `form[message]`.
    name: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    rows: u32,
    #[prop(into)] errors: Signal<Vec<E>>,
) -> impl IntoView {
    let control = view! {
        <textarea id=id name=name rows=rows
            aria-describedby=described_by_ids(id, hint, "")
            aria-invalid=aria_invalid(errors)></textarea>
    };
    field_frame(id, label, hint, control, errors)
}

/// A "Show password" checkbox, for a password field's children; the field
/// takes its `kind` from `shown` ("text" or "password").
#[component]
pub fn ShowPassword(shown: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input type="checkbox" prop:checked=shown
                on:change=move |ev| shown.set(event_target_checked(&ev))/>
            "Show password"
        </label>
    }
}

/// A field's error list, each message read out as it appears. Also for
/// groups of controls (a `<fieldset>`) that share one list.
#[component]
pub fn FieldErrors<E: FieldError>(
    #[prop(into)] id: String,
    errors: Signal<Vec<E>>,
) -> impl IntoView {
    view! {
        <div id=id class="field__errors">
            {move || errors.get().into_iter().map(|message| view! {
                <p class="field__error" role="alert">{message.contents()}</p>
            }).collect_view()}
        </div>
    }
}

/// The value for `aria-invalid`: "true" while there are errors, and no
/// attribute at all otherwise.
pub fn aria_invalid<E: Send + Sync + 'static>(
    errors: Signal<Vec<E>>,
) -> impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static {
    move || errors.with(|errors| (!errors.is_empty()).then_some("true"))
}

/// The label, hint and error list every field has around its control.
fn field_frame<E: FieldError>(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    control: impl IntoView,
    errors: Signal<Vec<E>>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id(id)>{hint}</p> })}
            {control}
            <FieldErrors id=error_id(id) errors/>
        </div>
    }
}

/// `prop:value` and `on:input` for an input kept in a signal. An input
/// without one gets neither: setting its value when the page hydrates would
/// wipe what was typed before the WASM arrived.
fn bound_to(value: Option<RwSignal<String>>) -> impl Attribute {
    match value {
        Some(value) => Either::Left(view! {
            <{..} prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
        }),
        None => Either::Right(()),
    }
}

/// The control's `aria-describedby`: its hint, the caller's notes, then its
/// errors.
fn described_by_ids(id: &str, hint: Option<&str>, notes: &str) -> String {
    let hint = hint.map(|_| hint_id(id));
    let notes = (!notes.is_empty()).then(|| notes.to_owned());
    [hint, notes, Some(error_id(id))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

fn hint_id(id: &str) -> String {
    format!("{id}-hint")
}

fn error_id(id: &str) -> String {
    format!("{id}-error")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_email_field(errors: Vec<String>) -> String {
        let owner = Owner::new();
        owner.set();
        view! {
            <Field id="reset-email" name="form[email]" label="Email address" kind="email"
                autocomplete="email" errors=Signal::stored(errors)/>
        }
        .to_html()
    }

    #[test]
    fn a_field_without_errors_is_not_marked_invalid() {
        let html = render_email_field(Vec::new());
        assert!(html.contains(r#"<label for="reset-email">Email address</label>"#));
        assert!(html.contains(r#"aria-describedby="reset-email-error""#));
        assert!(!html.contains("aria-invalid"), "{html}");
        assert!(!html.contains("role=\"alert\""), "{html}");
    }

    #[test]
    fn a_field_with_errors_is_invalid_and_announces_each_error() {
        let html = render_email_field(vec!["Enter an email address.".into(), "Too long.".into()]);
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(html.contains(r#"<div id="reset-email-error" class="field__errors">"#));
        for error in ["Enter an email address.", "Too long."] {
            let alert = format!(r#"<p role="alert" class="field__error">{error}</p>"#);
            assert!(html.contains(&alert), "{html}");
        }
    }

    #[test]
    fn a_field_is_described_by_its_errors_alone_without_hint_or_notes() {
        assert_eq!(
            described_by_ids("reset-email", None, ""),
            "reset-email-error"
        );
    }

    #[test]
    fn a_field_is_described_by_its_hint_then_its_notes_then_its_errors() {
        assert_eq!(
            described_by_ids("f", Some("Leave blank"), "f-rules f-caps"),
            "f-hint f-rules f-caps f-error"
        );
        assert_eq!(
            described_by_ids("login-password", None, "login-caps-lock"),
            "login-caps-lock login-password-error"
        );
    }
}
