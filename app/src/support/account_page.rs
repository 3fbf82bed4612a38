//! `/support/accounts/:id`: one account as support sees it, with the
//! actions that restore access. It follows the account live: every event
//! of the account refreshes the page in place.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use threshold_core::support::{AccountDetail, SupportAction, SupportError};

use super::describe::{action_done, confirm_button_text, confirm_text, done_text, is_destructive};
use super::gate::SupportGate;
use super::live::{use_live_events, LiveFeed};
use super::names::{LookAlikeConfirm, ShownName};
use super::search_page::FeedItem;
use super::time::{MaybeWhen, When};
use super::{support_account, SupportAct};
use crate::errors::ServiceError;
use crate::field::{aria_invalid, FieldErrors};

#[component]
pub fn SupportAccountPage() -> impl IntoView {
    view! {
        <SupportGate>
            <AccountView/>
        </SupportGate>
    }
}

#[component]
fn AccountView() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let refresh = RwSignal::new(0_u32);
    let detail = Resource::new(
        move || (id(), refresh.get()),
        |(id, _)| async move {
            match id {
                Some(id) => support_account(id).await,
                None => Err(ServiceError::Domain(SupportError::NotFound)),
            }
        },
    );
    let live = use_live_events(
        LiveFeed {
            account: id(),
            backlog: 0,
        },
        move |_| refresh.update(|n| *n += 1),
    );
    // Held here, above the sections a refresh re-renders, so an action's
    // answer is not lost when the page updates under it.
    let last_sent = RwSignal::new(None::<SupportAction>);
    let act = ServerAction::<SupportAct>::new();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    // The words of a change of email refused as a look-alike, until
    // support confirms it again with a reason or does something else.
    let look_alike = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(result) = act.value().get() {
            // The action's input is cleared once it answers: what was sent
            // is kept by the page.
            let done = last_sent.get_untracked();
            look_alike.set(None);
            match (result, done) {
                (Ok(()), Some(action)) => outcome.set(Some(Ok(done_text(&action)))),
                (Ok(()), None) => outcome.set(Some(Ok("Done.".to_owned()))),
                (
                    Err(error @ ServiceError::Domain(SupportError::LooksLikeKnownAddress { .. })),
                    _,
                ) => {
                    outcome.set(None);
                    look_alike.set(Some(error.to_string()));
                }
                (Err(error), _) => outcome.set(Some(Err(error.to_string()))),
            }
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <div class="support">
            <p><a href="/support">"← Support console"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || detail.get().map(|answer| match answer {
                    Ok(detail) => view! { <AccountSections detail live act last_sent outcome look_alike/> }.into_any(),
                    Err(error) => view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AccountSections(
    detail: AccountDetail,
    live: ReadSignal<super::live::LiveState>,
    act: ServerAction<SupportAct>,
    last_sent: RwSignal<Option<SupportAction>>,
    outcome: RwSignal<Option<Result<String, String>>>,
    look_alike: RwSignal<Option<String>>,
) -> impl IntoView {
    let summary = detail.summary.clone();
    let security = detail.security.clone();
    view! {
        <article class="account" aria-labelledby="account-name">
            <header class="account__header">
                <h1 id="account-name">{format!("{} {}", summary.first_name, summary.surname)}</h1>
                <span class="live-state" role="status">{move || live.get().text()}</span>
            </header>

            <section aria-labelledby="profile-title" class="account__section">
                <h2 id="profile-title">"Profile"</h2>
                <dl class="facts">
                    <dt>"Username"</dt><dd id="account-username"><ShownName text=summary.username.clone()/></dd>
                    <dt>"Email"</dt><dd id="account-email"><ShownName text=summary.email.clone()/></dd>
                    <dt>"Email confirmed"</dt>
                    <dd id="account-email-confirmed">
                        <MaybeWhen at=detail.email_confirmed_at none="not yet"/>
                    </dd>
                    <dt>"Type"</dt><dd>{summary.account_type.label()}</dd>
                    {detail.practice_name.clone().map(|practice| view! {
                        <dt>"Practice"</dt><dd>{practice}</dd>
                    })}
                    <dt>"Status"</dt>
                    <dd id="account-status" class=format!("status status--{}", summary.status.as_str())>
                        {summary.status.as_str()}
                    </dd>
                    <dt>"Registered"</dt><dd><When at=detail.created_at/></dd>
                    <dt>"Registration numbers"</dt>
                    <dd>{if detail.registration_numbers.is_empty() {
                        "none".to_owned()
                    } else {
                        detail.registration_numbers.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>().join(", ")
                    }}</dd>
                </dl>
            </section>

            <section aria-labelledby="security-title" class="account__section">
                <h2 id="security-title">"Security"</h2>
                <dl class="facts">
                    <dt>"Failed logins in a row"</dt><dd id="security-failed-logins">{security.failed_logins}</dd>
                    <dt>"Delayed until"</dt><dd><MaybeWhen at=security.throttled_until none="—"/></dd>
                    <dt>"Locked"</dt><dd id="security-locked">{match security.locked_at {
                        Some(at) => view! { "since "<When at/> }.into_any(),
                        None => "no".into_any(),
                    }}</dd>
                    <dt>"Last login"</dt><dd id="security-last-login"><MaybeWhen at=security.last_login_at none="—"/></dd>
                    <dt>"Last reset issued"</dt><dd><MaybeWhen at=security.last_reset_at none="—"/></dd>
                    <dt>"Reset password valid until"</dt><dd><MaybeWhen at=security.reset_expires_at none="no reset pending"/></dd>
                    <dt>"Must choose a new password"</dt><dd id="security-must-change"><MustChange security=security.clone()/></dd>
                    <dt>"Open sessions"</dt><dd>{security.active_sessions}</dd>
                </dl>
            </section>

            <AccountActions detail=detail.clone() act last_sent outcome look_alike/>

            <section aria-labelledby="activity-title" class="account__section">
                <h2 id="activity-title">"Recent activity"</h2>
                <ol class="feed" id="account-events">
                    {detail.events.iter().rev().cloned().map(|event| view! { <FeedItem event/> }).collect_view()}
                </ol>
            </section>

            <section aria-labelledby="deliveries-title" class="account__section">
                <h2 id="deliveries-title">"Email deliveries"</h2>
                {if detail.deliveries.is_empty() {
                    view! { <p>"No email sent to this account."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="table table--cards" id="deliveries">
                                <thead><tr>
                                    <th scope="col">"Queued"</th><th scope="col">"To"</th>
                                    <th scope="col">"Subject"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Attempts"</th><th scope="col">"Mail server's reply"</th>
                                </tr></thead>
                                <tbody>
                                    {detail.deliveries.clone().into_iter().map(|delivery| view! {
                                        <tr>
                                            <td data-label="Queued"><When at=delivery.created_at/></td>
                                            <td data-label="To">{delivery.recipient}</td>
                                            <td data-label="Subject">{delivery.subject}</td>
                                            <td data-label="Status" class="delivery-status">{delivery.status}</td>
                                            <td data-label="Attempts">{delivery.attempts}</td>
                                            <td data-label="Mail server's reply" class="delivery-reply">{delivery.last_reply.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>

            <section aria-labelledby="history-title" class="account__section">
                <h2 id="history-title">"Email history"</h2>
                {if detail.email_history.is_empty() {
                    view! { <p>"The email address has not changed."</p> }.into_any()
                } else {
                    view! {
                        <ul id="email-history">
                            {detail.email_history.clone().into_iter().map(|past| view! {
                                <li><ShownName text=past.email.clone()/>" — until "<When at=past.changed_at/>
                                    {past.changed_by.map(|by| format!(", changed by {by}"))}</li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>

            <section aria-labelledby="duplicates-title" class="account__section">
                <h2 id="duplicates-title">"Possible duplicates"</h2>
                {if detail.possible_duplicates.is_empty() {
                    view! { <p>"None found."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {detail.possible_duplicates.clone().into_iter().map(|other| view! {
                                <li>
                                    <a href=format!("/support/accounts/{}", other.account_id)>
                                        {format!("{} ({})", other.name, other.username)}
                                    </a>
                                    {match other.reason.as_str() {
                                        "registration_number" => " — same registration number",
                                        "look_alike_name" => " — a username or email that looks the same",
                                        _ => " — same name and number under another kind",
                                    }}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>

            <section aria-labelledby="audit-title" class="account__section">
                <h2 id="audit-title">"Audit trail"</h2>
                {if detail.audit.is_empty() {
                    view! { <p>"No support action yet."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="table table--cards" id="audit-trail">
                                <thead><tr>
                                    <th scope="col">"When"</th><th scope="col">"Who"</th>
                                    <th scope="col">"What"</th><th scope="col">"Before"</th>
                                    <th scope="col">"After"</th>
                                </tr></thead>
                                <tbody>
                                    {detail.audit.clone().into_iter().map(|entry| view! {
                                        <tr>
                                            <td data-label="When"><When at=entry.occurred_at/></td>
                                            <td data-label="Who">{entry.actor}</td>
                                            <td data-label="What">{action_done(&entry.action)}</td>
                                            <td data-label="Before"><code>{entry.before}</code></td>
                                            <td data-label="After"><code>{entry.after}</code></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>
        </article>
    }
}

/// The actions, each confirmed before it is done.
#[component]
fn AccountActions(
    detail: AccountDetail,
    act: ServerAction<SupportAct>,
    last_sent: RwSignal<Option<SupportAction>>,
    outcome: RwSignal<Option<Result<String, String>>>,
    look_alike: RwSignal<Option<String>>,
) -> impl IntoView {
    let account_id = detail.summary.account_id;
    let email = detail.summary.email.clone();
    let passkeys = detail.passkeys.clone();
    // Only what applies is offered; the server refuses the rest too.
    let state = detail.state();
    let offers = move |action: SupportAction| state.applies(&action);
    let is_support = detail.summary.account_type.is_support();
    let asking = RwSignal::new(None::<SupportAction>);
    let new_email = RwSignal::new(String::new());
    let pending = act.pending();
    let confirm_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if asking.get().is_some() {
            if let Some(button) = confirm_button.get() {
                let _ = button.focus();
            }
        }
    });
    let ask = move |action: SupportAction| {
        outcome.set(None);
        look_alike.set(None);
        asking.set(Some(action));
    };
    // The second confirmation of a look-alike address: the same change,
    // with the reason support typed.
    let confirm_look_alike = Callback::new(move |reason: String| {
        if let Some(SupportAction::ChangeEmail { email, .. }) = last_sent.get_untracked() {
            let action = SupportAction::ChangeEmail {
                email,
                look_alike_reason: Some(reason),
            };
            last_sent.set(Some(action.clone()));
            look_alike.set(None);
            act.dispatch(SupportAct { account_id, action });
        }
    });
    let email_for_question = email.clone();
    // A refused email change is also shown at its field, as on every form.
    let email_errors = Signal::derive(move || {
        let changing =
            last_sent.with(|sent| matches!(sent, Some(SupportAction::ChangeEmail { .. })));
        match outcome.get() {
            Some(Err(text)) if changing => vec![text],
            _ => Vec::new(),
        }
    });

    view! {
        <section aria-labelledby="actions-title" class="account__section account__actions">
            <h2 id="actions-title">"Restore access"</h2>
            {is_support.then(|| view! {
                <p class="field__hint">
                    "A support account: its email and passkeys are its owner's to change. If they \
                     lost their device, reset their second step: they are emailed a new enrolment link."
                </p>
            })}
            <div class="actions">
                {offers(SupportAction::SendReset).then(|| view! {
                    <button type="button" class="button"
                        on:click=move |_| ask(SupportAction::SendReset)>"Send reset email"</button>
                })}
                {offers(SupportAction::Unlock).then(|| view! {
                    <button type="button" class="button"
                        on:click=move |_| ask(SupportAction::Unlock)>"Unlock login"</button>
                })}
                {offers(SupportAction::Enable).then(|| view! {
                    <button type="button" class="button"
                        on:click=move |_| ask(SupportAction::Enable)>"Enable account"</button>
                })}
                {offers(SupportAction::Disable).then(|| view! {
                    <button type="button" class="button button--danger"
                        on:click=move |_| ask(SupportAction::Disable)>"Disable account"</button>
                })}
                {is_support.then(|| view! {
                    <button type="button" class="button button--danger" id="reset-second-step"
                        on:click=move |_| ask(SupportAction::ResetSecondFactor)>"Reset second step"</button>
                })}
            </div>
            {(!offers(SupportAction::SendReset)).then(|| view! {
                <p class="field__hint">"A reset email can be sent once the account is enabled."</p>
            })}
            <form class="change-email" hidden=is_support
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    ask(SupportAction::ChangeEmail {
                        email: new_email.get_untracked().trim().to_owned(),
                        look_alike_reason: None,
                    });
                }>
                <div class=move || if email_errors.with(Vec::is_empty) { "field" } else { "field field--error" }>
                    <label for="new-email">"New email address"</label>
                    <FieldErrors id="new-email-error" errors=email_errors/>
                    <div class="search-form__row">
                        <input id="new-email" type="email" autocomplete="off" required
                            aria-describedby="new-email-error" aria-invalid=aria_invalid(email_errors)
                            prop:value=new_email on:input=move |ev| new_email.set(event_target_value(&ev))/>
                        <button type="submit" class="button">"Change email"</button>
                    </div>
                </div>
            </form>
            <h3 id="passkeys-title">"Passkeys"</h3>
            {if passkeys.is_empty() {
                view! { <p id="support-no-passkeys">"No passkeys."</p> }.into_any()
            } else {
                view! {
                    <ul class="passkeys" id="support-passkeys" aria-labelledby="passkeys-title">
                        {passkeys.into_iter().map(|passkey| {
                            let remove = SupportAction::RemovePasskey {
                                passkey: passkey.id,
                                name: passkey.name.clone(),
                            };
                            // The visible words first, then which passkey.
                            let label = format!("Remove passkey: {}", passkey.name);
                            view! {
                                <li class="passkeys__item">
                                    <p class="passkeys__name"><strong>{passkey.name}</strong>
                                        {passkey.synced.then(|| view! { " "<span class="tag">"Synced"</span> })}</p>
                                    <p class="passkeys__when">"Added "<When at=passkey.created_at/>", last used "
                                        <MaybeWhen at=passkey.last_used_at none="never"/></p>
                                    <button type="button" class="button button--danger" aria-label=label
                                        hidden=is_support on:click=move |_| ask(remove.clone())>
                                        "Remove passkey"
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {move || asking.get().map(|action| {
                let question = confirm_text(&action, &email_for_question);
                let yes = confirm_button_text(&action);
                let (box_class, yes_class) = if is_destructive(&action) {
                    ("confirm confirm--danger", "button button--danger")
                } else {
                    ("confirm", "button button--primary")
                };
                view! {
                    <div class=box_class role="group" aria-labelledby="confirm-title" aria-describedby="confirm-text">
                        <h3 id="confirm-title">"Please confirm"</h3>
                        <p id="confirm-text">{question}</p>
                        <div class="actions">
                            <button type="button" class=yes_class node_ref=confirm_button
                                disabled=pending
                                on:click=move |_| {
                                    last_sent.set(Some(action.clone()));
                                    act.dispatch(SupportAct { account_id, action: action.clone() });
                                    asking.set(None);
                                }>
                                {move || if pending.get() { "Working…" } else { yes }}
                            </button>
                            <button type="button" class="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                        </div>
                    </div>
                }
            })}
            {move || look_alike.get().map(|warning| view! {
                <LookAlikeConfirm warning on_confirm=confirm_look_alike pending/>
            })}
            {move || pending.get().then(|| view! { <p role="status">"Working…"</p> })}
            {move || outcome.get().map(|result| match result {
                Ok(text) => view! { <p class="notice notice--success" role="status" id="action-result">{text}</p> }.into_any(),
                Err(text) => view! { <p class="notice notice--error" role="alert" id="action-result">{text}</p> }.into_any(),
            })}
        </section>
    }
}

/// The must-change flag and why: "yes, after a reset" or "yes, password
/// found in the breach list (found at the login of …)".
#[component]
fn MustChange(security: threshold_core::support::SecurityState) -> impl IntoView {
    match security.must_change_reason {
        None => "no".into_any(),
        Some(reason) => match security.password_breached_at {
            Some(at) if reason == threshold_core::auth::MustChangeReason::Breached => view! {
                {format!("yes, {} (found at the login of ", reason.support_text())}
                <When at/>")"
            }
            .into_any(),
            _ => format!("yes, {}", reason.support_text()).into_any(),
        },
    }
}
