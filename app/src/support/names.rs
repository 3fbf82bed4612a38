//! How the console shows a username or an email address: exactly. A name
//! with anything outside plain ASCII is marked, and support can see each
//! character's code point, because letters from other alphabets look
//! identical to a–z (`nhѕ.net` holds a Cyrillic ѕ) and support acts on what
//! it sees. The look-alike decisions themselves are the server's
//! (`threshold_core::rules::lookalike`); this only makes them visible.

use leptos::prelude::*;

/// The words next to a name holding characters outside ASCII.
pub const MARK_WORDS: &str = "not plain a–z: letters from another alphabet can look identical";

/// The words next to an address whose domain is written in punycode (what
/// browsers send for an internationalised domain typed into an email
/// field): it displays elsewhere in another alphabet.
pub const PUNYCODE_WORDS: &str =
    "internationalised domain, written in punycode: in mail programs it may show in another alphabet";

/// Whether a domain label of `text` is punycode (`xn--`).
fn has_punycode_label(text: &str) -> bool {
    text.rsplit_once('@')
        .map_or(text, |(_, domain)| domain)
        .split('.')
        .any(|label| {
            label
                .get(..4)
                .is_some_and(|start| start.eq_ignore_ascii_case("xn--"))
        })
}

/// `text` with every character outside ASCII written as its code point
/// (`nhѕ.net` → `nhU+0455.net`).
pub fn code_points(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            shown.push(c);
        } else {
            shown.push_str(&format!("[U+{:04X}]", u32::from(c)));
        }
    }
    shown
}

/// A username or email as the console shows it.
#[component]
pub fn ShownName(#[prop(into)] text: String) -> impl IntoView {
    if text.is_ascii() {
        if has_punycode_label(&text) {
            return view! {
                <span class="name name--marked">
                    <span class="name__text">{text}</span>
                    " "
                    <mark class="name__mark">{PUNYCODE_WORDS}</mark>
                </span>
            }
            .into_any();
        }
        return view! { <span class="name">{text}</span> }.into_any();
    }
    let spelled = code_points(&text);
    view! {
        <span class="name name--marked">
            <span class="name__text">{text}</span>
            " "
            <mark class="name__mark">{MARK_WORDS}</mark>
            <details class="name__detail">
                <summary>"Show each character"</summary>
                <code>{spelled}</code>
            </details>
        </span>
    }
    .into_any()
}

/// Shown when a change of email was refused because the new address looks
/// like one the account has had: the refusal's words, the reason box, and
/// the second confirmation.
#[component]
pub fn LookAlikeConfirm(
    /// The refusal's words.
    #[prop(into)]
    warning: String,
    /// Called with the reason when support confirms again.
    on_confirm: Callback<String>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    view! {
        <div class="confirm confirm--warning" role="alert" id="look-alike-warning"
            aria-labelledby="look-alike-title">
            <h3 id="look-alike-title">"This address only looks familiar"</h3>
            <p>{warning}</p>
            <form on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let typed = reason.get_untracked();
                if !typed.trim().is_empty() {
                    on_confirm.run(typed);
                }
            }>
                <label for="look-alike-reason">
                    "Why you are sure this address is right (kept in the audit trail)"
                </label>
                <textarea id="look-alike-reason" rows=2 required
                    on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                <button type="submit" class="button button--danger" disabled=pending>
                    "Change anyway"
                </button>
            </form>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_points_spell_out_what_is_not_ascii() {
        assert_eq!(code_points("bob@nh\u{0455}.net"), "bob@nh[U+0455].net");
        assert_eq!(code_points("plain@nhs.net"), "plain@nhs.net");
        assert_eq!(code_points("\u{1F600}"), "[U+1F600]");
    }

    #[test]
    fn punycode_domains_are_recognised_and_plain_ones_are_not() {
        assert!(has_punycode_label("bob@xn--80ak9a.org"));
        assert!(has_punycode_label("bob@mail.XN--80AK9A.org"));
        assert!(!has_punycode_label("bob@nhs.net"));
        // Only the domain counts: a local part may hold anything.
        assert!(!has_punycode_label("xn--bob@nhs.net"));
    }
}
