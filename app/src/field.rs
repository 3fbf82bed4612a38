//! The one form pattern every form uses: a labelled field with its hint,
//! its error and its control, and the error summary at the top of the form.
//!
//! After a failed submit, the summary ("There is a problem", each error a
//! link to its field) is scrolled into view and focused, and it alone is a
//! `role="alert"`: a screen reader hears the list once, not one alert per
//! field. Each field shows one message (the most useful: the first its
//! form's messages give) between its label or hint and its control, with a
//! visually hidden "Error:" before it. A message answers the value that was
//! sent: once the person changes the value, the field's message goes.
//!
//! The control is described by its hint, then any notes the caller names
//! (the password rules, the Caps Lock notice), then its error; it is
//! `aria-invalid` only while it shows one.

use leptos::{attr::Attribute, either::Either, ev, html, prelude::*, server_fn::ServerFn};
use wasm_bindgen::JsCast;

use crate::posted::PostedAnswer;

/// One message in a field's error list: plain text in most forms; the
/// registration form's messages can also offer the reset dialog (see
/// `dialogs::register`).
pub trait FieldError: Clone + Send + Sync + 'static {
    /// What the message's paragraph holds.
    fn contents(self) -> AnyView;
}

impl FieldError for String {
    fn contents(self) -> AnyView {
        self.into_any()
    }
}

/// Where a form's submissions have got to, for its fields and its error
/// summary (provided by the form: `provide_context(FormProgress::of(action))`).
#[derive(Clone, Copy)]
pub struct FormProgress {
    /// Counts submissions: a field's "changed since it was sent" starts
    /// again with each one.
    submissions: Signal<usize>,
    /// True while a submission awaits its answer; the summary takes focus
    /// when an answer with errors arrives.
    pending: Signal<bool>,
    /// The server function the form posts to: what a post without
    /// JavaScript brought back is found by it (`crate::posted`).
    posts_to: &'static str,
}

impl FormProgress {
    /// The progress of the form that sends `action`.
    pub fn of<S>(action: ServerAction<S>) -> Self
    where
        S: ServerFn + Clone + Send + Sync + 'static,
        S::Output: Send + Sync + 'static,
        S::Error: Send + Sync + 'static,
    {
        Self {
            submissions: action.version().into(),
            pending: action.pending().into(),
            posts_to: S::PATH,
        }
    }

    /// What this form's field `name` held when it was last posted without
    /// JavaScript (never a password).
    fn posted_value(&self, name: &str) -> Option<String> {
        PostedAnswer::value(self.posts_to, name)
    }
}

/// One line of the error summary: a message, and the id of the control it
/// is about (its link moves focus there); `None` for a message about the
/// form as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryItem {
    pub target: Option<&'static str>,
    pub text: String,
}

impl SummaryItem {
    pub fn field(target: &'static str, text: impl Into<String>) -> Self {
        Self {
            target: Some(target),
            text: text.into(),
        }
    }

    pub fn form(text: impl Into<String>) -> Self {
        Self {
            target: None,
            text: text.into(),
        }
    }
}

/// A form's summary: the first message of each field, in the form's order
/// (`fields`), each linked to its control; then the messages about the
/// form as a whole.
pub fn summary_of<F: Copy>(
    fields: &[F],
    first_message: impl Fn(F) -> Option<String>,
    control_id: fn(F) -> &'static str,
    about_form: impl IntoIterator<Item = SummaryItem>,
) -> Vec<SummaryItem> {
    fields
        .iter()
        .filter_map(|&field| {
            first_message(field).map(|text| SummaryItem::field(control_id(field), text))
        })
        .chain(about_form)
        .collect()
}

/// "There is a problem", listing what the last answer found wrong. Empty
/// (and hidden) until then. When an answer with problems arrives it is
/// scrolled into view and focused.
#[component]
pub fn ErrorSummary(
    /// The summary's id; its title gets `{id}-title`.
    id: &'static str,
    #[prop(into)] items: Signal<Vec<SummaryItem>>,
) -> impl IntoView {
    let summary = NodeRef::<html::Div>::new();
    if let Some(progress) = use_context::<FormProgress>() {
        Effect::new(move |was_pending: Option<bool>| {
            let pending = progress.pending.get();
            let answered = was_pending == Some(true) && !pending;
            if answered && !items.with_untracked(Vec::is_empty) {
                // After the page has caught up with the answer: until then
                // the summary may still be hidden, and a hidden element
                // takes no focus.
                request_animation_frame(move || {
                    if let Some(summary) = summary.get_untracked() {
                        summary.scroll_into_view();
                        let _ = summary.focus();
                    }
                });
            }
            pending
        });
    }
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        // `autofocus` when the page arrives with problems listed (a form
        // posted without JavaScript and refused): the browser focuses it
        // as the page loads, as the effect above does after a fetch.
        <div node_ref=summary id=id class="error-summary" tabindex="-1" role="alert"
            autofocus=items.with_untracked(|items| !items.is_empty())
            aria-labelledby=labelled_by hidden=move || items.with(Vec::is_empty)>
            <h3 id=title_id class="error-summary__title">"There is a problem"</h3>
            <ul class="error-summary__list">
                {move || items.get().into_iter().map(|item| match item.target {
                    Some(target) => Either::Left(view! {
                        <li><a href=format!("#{target}")
                            on:click=move |ev: ev::MouseEvent| {
                                ev.prevent_default();
                                focus_field(target);
                            }>{item.text}</a></li>
                    }),
                    None => Either::Right(view! { <li>{item.text}</li> }),
                }).collect_view()}
            </ul>
        </div>
    }
}

/// Moves focus to a control, its field (label, hint, error) scrolled into
/// view above it: the browser's own jump to `#id` would hide the label
/// above the top of the dialog.
fn focus_field(target: &str) {
    let Some(control) = document().get_element_by_id(target) else {
        return;
    };
    let field = control
        .closest(".field")
        .ok()
        .flatten()
        .unwrap_or_else(|| control.clone());
    field.scroll_into_view();
    if let Ok(control) = control.dyn_into::<web_sys::HtmlElement>() {
        let _ = control.focus();
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
    /// Called when focus leaves the input.
    #[prop(optional, into)]
    on_blur: Option<Callback<()>>,
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
    let shown = shown_error(errors);
    let posted = posted_value(name);
    let control = view! {
        <input {..bound_to(value, node_ref)} id=id name=name type=kind autocomplete=autocomplete
            value=posted
            autocapitalize=verbatim.then_some("none") spellcheck=verbatim.then_some("false")
            autofocus=autofocus required=required
            aria-describedby=described_by_ids(id, hint, described_by)
            aria-invalid=move || shown.error.with(|e| e.is_some().then_some("true"))
            node_ref=node_ref on:keydown=key_event on:keyup=key_event
            on:input=move |_| shown.edited.set(true)
            on:blur=move |_| if let Some(on_blur) = on_blur { on_blur.run(()) }/>
        {children.map(|children| children())}
    };
    field_frame(id, label, hint, before_input, control, shown.error)
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
    let shown = shown_error(errors);
    let posted = posted_value(name);
    let control = view! {
        <textarea id=id name=name rows=rows
            aria-describedby=described_by_ids(id, hint, "")
            aria-invalid=move || shown.error.with(|e| e.is_some().then_some("true"))
            on:input=move |_| shown.edited.set(true)>{posted}</textarea>
    };
    field_frame(id, label, hint, None, control, shown.error)
}

/// What the form's field `name` held when the form was posted without
/// JavaScript and came back (after a refusal): the server renders it as
/// the control's value, so nothing typed is lost.
fn posted_value(name: &str) -> Option<String> {
    use_context::<FormProgress>().and_then(|progress| progress.posted_value(name))
}

/// A "Show password" checkbox, for a password field's children; the field
/// takes its `kind` from `shown` ("text" or "password").
#[component]
pub fn ShowPassword(
    shown: RwSignal<bool>,
    /// The id of the password input it shows.
    controls: &'static str,
) -> impl IntoView {
    view! {
        // Before the WASM, the page's first script (`lib.rs`,
        // SHOW_PASSWORD_SCRIPT) does the same through `data-shows`; with
        // no script at all the box is hidden (`needs-early-script`), as an
        // input's type cannot change without one.
        <label class="checkbox needs-early-script">
            <input type="checkbox" prop:checked=shown data-shows=controls aria-controls=controls
                on:change=move |ev| shown.set(event_target_checked(&ev))/>
            "Show password"
        </label>
    }
}

/// A field's error: one message, after a visually hidden "Error:", in a
/// container that is always there (the control's `aria-describedby` names
/// it). Also for groups of controls (a `<fieldset>`) that share one.
#[component]
pub fn FieldErrors<E: FieldError>(
    #[prop(into)] id: String,
    #[prop(into)] errors: Signal<Vec<E>>,
) -> impl IntoView {
    let error = Signal::derive(move || errors.with(|errors| errors.first().cloned()));
    error_paragraph(id, error)
}

fn error_paragraph<E: FieldError>(id: String, error: Signal<Option<E>>) -> impl IntoView {
    view! {
        <div id=id class="field__errors">
            {move || error.get().map(|message| view! {
                <p class="field__error">
                    <span class="visually-hidden">"Error: "</span>
                    {message.contents()}
                </p>
            })}
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

/// The message a field shows: the first of its errors, until the value is
/// changed after the submission that brought it.
#[derive(Clone, Copy)]
struct ShownError<E: Send + Sync + 'static> {
    error: Signal<Option<E>>,
    /// Typed in since the last submission.
    edited: RwSignal<bool>,
}

fn shown_error<E: FieldError>(errors: Signal<Vec<E>>) -> ShownError<E> {
    let edited = RwSignal::new(false);
    if let Some(progress) = use_context::<FormProgress>() {
        Effect::new(move |_| {
            progress.submissions.track();
            edited.set(false);
        });
    }
    let error = Signal::derive(move || {
        if edited.get() {
            None
        } else {
            errors.with(|errors| errors.first().cloned())
        }
    });
    ShownError { error, edited }
}

/// The label, hint, notes and error every field has above its control
/// (the NHS and GOV.UK order), the wrapper marked while there is an error.
fn field_frame<E: FieldError>(
    id: &'static str,
    label: &'static str,
    hint: Option<&'static str>,
    before_input: Option<ViewFnOnce>,
    control: impl IntoView,
    error: Signal<Option<E>>,
) -> impl IntoView {
    view! {
        <div class=move || if error.with(Option::is_some) { "field field--error" } else { "field" }>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id(id)>{hint}</p> })}
            {before_input.map(ViewFnOnce::run)}
            {error_paragraph(error_id(id), error)}
            {control}
        </div>
    }
}

/// `on:input` for an input kept in a signal, and the signal written back
/// into the input when the page changes it (a prefilled address). Not
/// `prop:value`: hydrating would set the value to the signal's, wiping
/// what was typed before the WASM arrived. Instead the first run adopts
/// what the input already holds, if anything.
fn bound_to(value: Option<RwSignal<String>>, input: NodeRef<html::Input>) -> impl Attribute {
    if let Some(value) = value {
        Effect::new(move |ran_before: Option<()>| {
            let wanted = value.get();
            let Some(input) = input.get() else {
                return;
            };
            let shown = input.value();
            if ran_before.is_none() && !shown.is_empty() {
                value.set(shown);
            } else if shown != wanted {
                input.set_value(&wanted);
            }
        });
    }
    match value {
        Some(value) => Either::Left(view! {
            <{..} on:input=move |ev| value.set(event_target_value(&ev))/>
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
    fn a_field_with_errors_shows_the_first_between_label_and_input_without_its_own_alert() {
        let html = render_email_field(vec!["Enter an email address.".into(), "Too long.".into()]);
        assert!(html.contains(r#"aria-invalid="true""#), "{html}");
        assert!(html.contains(r#"class="field field--error""#), "{html}");
        let error = r#"<div id="reset-email-error" class="field__errors"><p class="field__error"><span class="visually-hidden">Error: </span>Enter an email address.</p>"#;
        assert!(html.contains(error), "{html}");
        assert!(!html.contains("Too long."), "one message per field: {html}");
        // The summary is the form's one alert.
        assert!(!html.contains("role=\"alert\""), "{html}");
        let label = html.find("<label").unwrap();
        let message = html.find("field__error\"").unwrap();
        let input = html.find("<input").unwrap();
        assert!(label < message && message < input, "{html}");
    }

    #[test]
    fn the_summary_is_hidden_until_there_are_problems_then_links_each_to_its_field() {
        let owner = Owner::new();
        owner.set();
        let empty = view! { <ErrorSummary id="s" items=Signal::stored(Vec::new())/> }.to_html();
        assert!(empty.contains(" hidden"), "{empty}");
        let items = vec![
            SummaryItem::field("register-email", "Enter your email address"),
            SummaryItem::form("Try again in 5 minutes"),
        ];
        let html = view! { <ErrorSummary id="s" items=Signal::stored(items)/> }.to_html();
        assert!(!html.contains(" hidden"), "{html}");
        assert!(html.contains(r#"role="alert""#) && html.contains(r#"tabindex="-1""#));
        assert!(html.contains("There is a problem"));
        assert!(
            html.contains(r##"<a href="#register-email">Enter your email address</a>"##),
            "{html}"
        );
        assert!(html.contains("<li>Try again in 5 minutes</li>"), "{html}");
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
