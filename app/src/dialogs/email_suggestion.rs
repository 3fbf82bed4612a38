//! "Did you mean name@nhs.net?" under the registration form's email field:
//! a likely slip in the domain (`rules::suggest_domain`), offered once the
//! person has left the field, with a button that takes it.
//!
//! A suggestion, not an error: it is announced politely (a live region, not
//! an alert), the field is not marked invalid, and the form is sent as
//! typed when it is ignored. It needs the WASM: a form sent before it
//! arrives gets none, and the server does not refuse an address for it.

use leptos::{html, prelude::*};
use threshold_core::rules::suggest_domain;

/// What the email field held when focus last left it, and the suggestion
/// about that value: the form gives the field's `on_blur` to
/// [`DomainCheck::field_left`] and shows [`EmailSuggestion`] under it.
#[derive(Clone, Copy)]
pub struct DomainCheck {
    email: RwSignal<String>,
    left_with: RwSignal<Option<String>>,
}

impl DomainCheck {
    /// A check of the email field kept in `email`.
    pub fn of(email: RwSignal<String>) -> Self {
        Self {
            email,
            left_with: RwSignal::new(None),
        }
    }

    /// Focus has left the field: its value is looked at now, not at every
    /// key (a half-typed `nhs.n` is not a slip).
    pub fn field_left(&self) {
        self.left_with.set(Some(self.email.get_untracked()));
    }

    /// The corrected address, while the field still holds what it held
    /// when it was left: typing in it again takes the suggestion away.
    fn suggestion(&self) -> Option<String> {
        let left_with = self.left_with.get()?;
        if self.email.with(|email| *email != left_with) {
            return None;
        }
        suggest_domain(&left_with)
    }
}

/// The suggestion's live region (always in the page, so that what appears
/// in it is announced), for the email field's children; the field names
/// `id` in its `described_by`.
#[component]
pub fn EmailSuggestion(
    id: &'static str,
    check: DomainCheck,
    /// The email input: focus goes back to it when the suggestion is
    /// taken (the button that had focus is gone).
    input: NodeRef<html::Input>,
) -> impl IntoView {
    let take = move |address: String| {
        let Some(input) = input.get_untracked() else {
            return;
        };
        input.set_value(&address);
        type_in(&input);
        let _ = input.focus();
    };
    view! {
        <div id=id class="field__suggestion" aria-live="polite">
            {move || check.suggestion().map(|address| {
                let (local_part, domain) = split_at_the_at_sign(&address);
                let (local_part, domain) = (format!("{local_part}@"), domain.to_owned());
                let button = format!("Use {domain}");
                // A long address may wrap after its @ (<wbr>), not
                // anywhere it happens to reach the edge.
                view! {
                    <p>"Did you mean " <strong>{local_part}<wbr/>{domain}</strong> "?"</p>
                    <button type="button" class="button" on:click=move |_| take(address.clone())>
                        {button}
                    </button>
                }
            })}
        </div>
    }
}

/// Tells the input's listeners its value changed, as typing does: the
/// form's signal takes the new value, and a message the field showed
/// about the old one goes.
fn type_in(input: &web_sys::HtmlInputElement) {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    if let Ok(event) = web_sys::Event::new_with_event_init_dict("input", &init) {
        let _ = input.dispatch_event(&event);
    }
}

/// The parts before and after the (one) `@` of a suggested address.
fn split_at_the_at_sign(address: &str) -> (&str, &str) {
    address.rsplit_once('@').unwrap_or((address, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(email: &str, left_with: Option<&str>) -> String {
        let owner = Owner::new();
        owner.set();
        let check = DomainCheck::of(RwSignal::new(email.to_owned()));
        if let Some(left_with) = left_with {
            check.left_with.set(Some(left_with.to_owned()));
        }
        view! { <EmailSuggestion id="s" check input=NodeRef::new()/> }.to_html()
    }

    #[test]
    fn a_slip_left_in_the_field_is_suggested_politely_with_a_button_that_names_the_domain() {
        let html = rendered("ada@nhs.ner", Some("ada@nhs.ner"));
        assert!(html.contains(r#"aria-live="polite""#), "{html}");
        assert!(!html.contains("role=\"alert\""), "{html}");
        assert!(
            html.contains("Did you mean <strong>ada@<wbr>nhs.net</strong>?"),
            "{html}"
        );
        assert!(html.contains(">Use nhs.net</button>"), "{html}");
    }

    #[test]
    fn nothing_is_suggested_before_the_field_is_left_or_after_it_is_changed() {
        let before = rendered("ada@nhs.ner", None);
        assert!(!before.contains("Did you mean"), "{before}");
        let changed = rendered("ada@nhs.ne", Some("ada@nhs.ner"));
        assert!(!changed.contains("Did you mean"), "{changed}");
    }

    #[test]
    fn a_listed_or_unknown_domain_gets_no_suggestion_but_keeps_its_region() {
        for email in ["ada@nhs.net", "ada@mypractice.co.uk"] {
            let html = rendered(email, Some(email));
            assert!(!html.contains("Did you mean"), "{html}");
            assert!(html.contains(r#"id="s""#), "{html}");
        }
    }

    #[test]
    fn the_domain_is_the_part_after_the_at() {
        assert_eq!(
            split_at_the_at_sign("o'brien+work@nhs.net"),
            ("o'brien+work", "nhs.net")
        );
    }
}
