//! The password rules of SPEC.md §3, shown before typing and ticked off
//! while typing, in every dialog that sets a password.

use leptos::prelude::*;
use threshold_core::rules::{password::check_new, CommonPasswords, Password, PasswordProblem};

use super::{DialogKind, Dialogs};

/// The password rules, visible before typing and ticked off while typing,
/// using the same check as the server (the common-password list is fetched
/// from the server the first time the dialog needs it).
#[component]
pub fn PasswordRules(
    /// The list's id, for the password field's `aria-describedby`.
    id: &'static str,
    /// The dialog it is in: the list is fetched when that opens.
    dialog: DialogKind,
    password: Signal<String>,
    username: Signal<String>,
    email: Signal<String>,
) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let common = common_passwords(dialogs.is_open(dialog));
    let problems = Memo::new(move |_| {
        let password = Password::new(&password.get());
        let username = username.get();
        let email = email.get();
        common.with(|list| {
            let empty = CommonPasswords::default();
            check_new(
                &password,
                Some(username.as_str()),
                Some(email.as_str()),
                list.as_ref().unwrap_or(&empty),
            )
        })
    });
    let typed = move || !password.with(String::is_empty);
    let state = move |broken: fn(&PasswordProblem) -> bool, ready: bool| {
        if !typed() || !ready {
            "pending"
        } else if problems.with(|problems| problems.iter().any(broken)) {
            "unmet"
        } else {
            "met"
        }
    };
    let rule = move |text: &'static str, broken: fn(&PasswordProblem) -> bool, needs_list: bool| {
        let current = move || state(broken, !needs_list || common.with(Option::is_some));
        view! {
            <li class=move || format!("rule rule--{}", current())>
                {text}
                <span class="visually-hidden">
                    {move || match current() { "met" => " (done)", "unmet" => " (not yet)", _ => "" }}
                </span>
            </li>
        }
    };
    view! {
        <ul class="rules" id=id>
            {rule(
                "At least 12 characters; spaces and any letters are fine",
                |p| matches!(p, PasswordProblem::TooShort { .. } | PasswordProblem::TooLong { .. }),
                false,
            )}
            {rule("Not one of the commonly used passwords", |p| matches!(p, PasswordProblem::Common), true)}
            {rule(
                "Does not contain your username or the part of your email before the @",
                |p| matches!(p, PasswordProblem::ContainsUsername | PasswordProblem::ContainsEmailName),
                false,
            )}
        </ul>
    }
}

/// The shipped common-password list, fetched in the browser the first time
/// the dialog opens (it is 230 KB: not for every page view).
fn common_passwords(dialog_open: Signal<bool>) -> RwSignal<Option<CommonPasswords>> {
    let list = RwSignal::new(None);
    Effect::new(move |requested: Option<bool>| {
        if requested == Some(true) || !dialog_open.get() {
            return requested.unwrap_or(false);
        }
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let text = match gloo_net::http::Request::get("/common-passwords.txt")
                .send()
                .await
            {
                Ok(response) if response.ok() => response.text().await.ok(),
                _ => None,
            };
            // Without the list the rule stays "pending"; the server still checks.
            if let Some(text) = text {
                list.set(Some(CommonPasswords::parse(&text)));
            }
        });
        true
    });
    list
}
