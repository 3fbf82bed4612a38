//! The password rules of SPEC.md §3, shown before typing and ticked off
//! while typing, in every dialog that sets a password.
//!
//! The length is counted here, at once. The other rules need the
//! breached-password list and the strength estimator, which stay on the
//! server: a pause in typing asks it for its verdict ([`password_verdict`]),
//! and only the answer about the text as it now stands is shown. The
//! verdict is a courtesy: the form is checked again when it is sent, and a
//! slow or failed check never holds the form up.

use std::time::Duration;

use leptos::prelude::*;
use threshold_core::passwords::{PasswordVerdict, VerdictError, VerdictForm};
use threshold_core::rules::{
    password::{length_problems, PASSPHRASE_TIP},
    Password, PasswordProblem, PasswordRule,
};

use crate::errors::{verdict_message, ServiceError};

/// How long typing must pause before the server is asked.
const DEBOUNCE: Duration = Duration::from_millis(350);
/// After this long without an answer the dialog says it is still checking
/// (and that sending the form checks anyway) rather than look stuck.
const SLOW: Duration = Duration::from_secs(4);

/// Which rules a password breaks, for the person's own words typed so far.
/// Rate-limited per client address like every public form.
#[server(name = CheckPassword, endpoint = "password_verdict")]
pub async fn password_verdict(
    form: VerdictForm,
) -> Result<PasswordVerdict, ServiceError<VerdictError>> {
    let services = crate::auth::server::services()?;
    let client = crate::auth::server::client_address().await;
    Ok(threshold_core::passwords::password_verdict(&services, &form, &client).await?)
}

/// Where the server's verdict on the text as it now stands has got to.
#[derive(Clone, Debug, PartialEq)]
enum Check {
    /// Nothing typed.
    Idle,
    /// Asked (or about to ask) about the current text.
    Checking,
    /// Asked, and no answer yet after [`SLOW`].
    Slow,
    Done(Vec<PasswordProblem>),
    /// No verdict: why, in words.
    Failed(String),
}

/// The password rules, visible before typing and ticked off while typing.
#[component]
pub fn PasswordRules(
    /// The list's id, for the password field's `aria-describedby`.
    id: &'static str,
    password: Signal<String>,
    username: Signal<String>,
    email: Signal<String>,
    first_name: Signal<String>,
    surname: Signal<String>,
    /// Whether unmet rules are shown as unmet (red) yet: only once the
    /// person has left the field or sent the form. Before that a rule is
    /// ticked when met and neutral otherwise, so nobody is told off for a
    /// password they are still typing.
    judged: Signal<bool>,
) -> impl IntoView {
    let form = Memo::new(move |_| VerdictForm {
        password: password.get(),
        username: username.get(),
        email: email.get(),
        first_name: first_name.get(),
        surname: surname.get(),
    });
    let check = live_verdict(form);
    let typed = move || !password.with(String::is_empty);
    let length = Memo::new(move |_| password.with(|p| length_problems(&Password::new(p))));

    let verdict = move |rule: PasswordRule| -> &'static str {
        if !typed() {
            return "pending";
        }
        let broken = |problems: &[PasswordProblem]| problems.iter().any(|p| p.rule() == rule);
        if rule == PasswordRule::Length {
            return if length.with(|problems| broken(problems)) {
                "unmet"
            } else {
                "met"
            };
        }
        check.with(|check| match check {
            Check::Done(problems) if broken(problems) => "unmet",
            Check::Done(_) => "met",
            _ => "pending",
        })
    };
    let state = move |rule: PasswordRule| -> &'static str {
        match verdict(rule) {
            "unmet" if !judged.get() => "neutral",
            verdict => verdict,
        }
    };
    // What the server said about a broken rule (the length speaks for
    // itself), shown under it.
    let why = move |rule: PasswordRule| -> Option<String> {
        if rule == PasswordRule::Length || !typed() || !judged.get() {
            return None;
        }
        check.with(|check| match check {
            Check::Done(problems) => {
                let words: Vec<String> = problems
                    .iter()
                    .filter(|p| p.rule() == rule)
                    .map(ToString::to_string)
                    .collect();
                (!words.is_empty()).then(|| words.join(". "))
            }
            _ => None,
        })
    };
    let note = move || {
        check.with(|check| match check {
            Check::Checking => "Checking…".to_owned(),
            Check::Slow => {
                "Still checking… You can send the form: it is checked again then.".to_owned()
            }
            Check::Failed(message) => message.clone(),
            Check::Idle | Check::Done(_) => String::new(),
        })
    };

    view! {
        <div class="rules-box" id=id>
            <ul class="rules">
                {PasswordRule::ALL.into_iter().map(|rule| view! {
                    <li class=move || format!("rule rule--{}", state(rule)) data-rule=rule_name(rule)>
                        {rule.text()}
                        <span class="visually-hidden">
                            {move || match state(rule) { "met" => " (done)", "unmet" => " (not yet)", _ => "" }}
                        </span>
                        {move || why(rule).map(|text| view! { <span class="rule__why">{text}</span> })}
                    </li>
                }).collect_view()}
            </ul>
            <p class="rules__note" aria-live="polite">{note}</p>
            <p class="rules__tip">{PASSPHRASE_TIP}</p>
        </div>
    }
}

/// A stable name for each rule in the page, for tests and styles.
fn rule_name(rule: PasswordRule) -> &'static str {
    match rule {
        PasswordRule::Length => "length",
        PasswordRule::NotBreached => "breached",
        PasswordRule::HardToGuess => "guessable",
        PasswordRule::NoPersonalWords => "personal",
    }
}

/// Asks the server about `form` once typing pauses. Each change cancels the
/// pending question and numbers the next, so an answer about older text
/// (a slow one overtaken by a newer question) is dropped: the latest
/// question's answer wins.
fn live_verdict(form: Memo<VerdictForm>) -> RwSignal<Check> {
    let check = RwSignal::new(Check::Idle);
    let latest = StoredValue::new(0u64);
    let pending = StoredValue::new(None::<TimeoutHandle>);
    Effect::new(move |_| {
        let form = form.get();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        latest.update_value(|n| *n += 1);
        if form.password.is_empty() {
            check.set(Check::Idle);
            return;
        }
        check.set(Check::Checking);
        let ticket = latest.get_value();
        let current = move || latest.get_value() == ticket;
        let ask = move || {
            leptos::task::spawn_local(async move {
                let answer = password_verdict(form).await;
                if current() {
                    check.set(match answer {
                        Ok(verdict) => Check::Done(verdict.problems),
                        Err(error) => Check::Failed(verdict_message(&error)),
                    });
                }
            });
            // Not stuck on a slow network: say so, and keep listening.
            let _ = set_timeout_with_handle(
                move || {
                    if current() && check.get_untracked() == Check::Checking {
                        check.set(Check::Slow);
                    }
                },
                SLOW,
            );
        };
        pending.set_value(set_timeout_with_handle(ask, DEBOUNCE).ok());
    });
    check
}
