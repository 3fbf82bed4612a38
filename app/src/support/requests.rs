//! Access requests in the support console: the live queue on `/support`
//! and `/support/requests/:id`, where support matches the request to an
//! account, restores access and closes it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;
use threshold_core::{
    access::{AccessRequestPage, AccessRequestView, RequestAction},
    support::{AccountStatus, SupportError},
};

use super::gate::SupportGate;
use super::live::{use_live_events, LiveFeed, LiveMessage};
use super::names::{LookAlikeConfirm, ShownName};
use super::time::When;
use crate::errors::ServiceError;

#[server(endpoint = "support_requests")]
pub async fn support_requests() -> Result<Vec<AccessRequestView>, ServiceError<SupportError>> {
    let (services, by) = super::server::support_user().await?;
    Ok(threshold_core::access::request_queue(&services, &by).await?)
}

#[server(endpoint = "support_request")]
pub async fn support_request(
    request_id: i64,
) -> Result<AccessRequestPage, ServiceError<SupportError>> {
    let (services, by) = super::server::support_user().await?;
    Ok(threshold_core::access::request_page(&services, &by, request_id).await?)
}

#[server(endpoint = "support_request_act", input = Json)]
pub async fn support_request_act(
    request_id: i64,
    action: RequestAction,
) -> Result<(), ServiceError<SupportError>> {
    let (services, by) = super::server::support_user().await?;
    Ok(threshold_core::access::act_on_request(&services, &by, request_id, &action).await?)
}

/// True for the events that change the request queue.
pub fn is_request_event(message: &LiveMessage) -> bool {
    match message {
        LiveMessage::Ready => true,
        LiveMessage::Event(event) => event.kind.starts_with("access_request"),
    }
}

/// The open requests, oldest first; refreshed by `changed`.
#[component]
pub fn RequestQueue(changed: RwSignal<u32>) -> impl IntoView {
    let requests = Resource::new(move || changed.get(), |_| support_requests());
    view! {
        <section class="support__requests" aria-labelledby="requests-title">
            <h2 id="requests-title">"Access requests"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || requests.get().map(|answer| match answer {
                    Err(error) => view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                    Ok(all) => {
                        let open: Vec<AccessRequestView> =
                            all.into_iter().filter(|r| r.status == "open").collect();
                        if open.is_empty() {
                            view! { <p id="request-queue">"No open requests."</p> }.into_any()
                        } else {
                            view! {
                                <ol class="feed" id="request-queue">
                                    {open.into_iter().map(|request| view! {
                                        <li class="feed__item">
                                            <span class="feed__time"><When at=request.created_at/></span>
                                            <a class="feed__who" href=format!("/support/requests/{}", request.id)>
                                                {format!("{} — {} {}", request.reference, request.first_name, request.surname)}
                                            </a>
                                            <span class="feed__what">{request.email}</span>
                                        </li>
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn SupportRequestPage() -> impl IntoView {
    view! {
        <SupportGate>
            <RequestView/>
        </SupportGate>
    }
}

#[component]
fn RequestView() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let refresh = RwSignal::new(0_u32);
    let page = Resource::new(
        move || (id(), refresh.get()),
        |(id, _)| async move {
            match id {
                Some(id) => support_request(id).await,
                None => Err(ServiceError::Domain(SupportError::NotFound)),
            }
        },
    );
    // Any account event may change a suggestion (an email changed, a
    // reset sent): refresh on each.
    let _live = use_live_events(
        LiveFeed {
            account: None,
            backlog: 0,
        },
        move |_| refresh.update(|n| *n += 1),
    );
    let act = ServerAction::<SupportRequestAct>::new();
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let look_alike = LookAlike {
        account: RwSignal::new(None),
        warning: RwSignal::new(None),
    };
    Effect::new(move |_| {
        if let Some(result) = act.value().get() {
            look_alike.warning.set(None);
            match result {
                Ok(()) => outcome.set(Some(Ok("Done. The request's history shows it.".to_owned()))),
                Err(error @ ServiceError::Domain(SupportError::LooksLikeKnownAddress { .. })) => {
                    outcome.set(None);
                    look_alike.warning.set(Some(error.to_string()));
                }
                Err(error) => outcome.set(Some(Err(error.to_string()))),
            }
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <div class="support">
            <p><a href="/support">"← Support console"</a></p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || page.get().map(|answer| match answer {
                    Ok(page) => view! { <RequestSections page act outcome look_alike/> }.into_any(),
                    Err(error) => view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                })}
            </Transition>
        </div>
    }
}

/// "Set email to the request's address" refused as a look-alike: for which
/// account, and the refusal's words, until support confirms with a reason.
#[derive(Clone, Copy)]
struct LookAlike {
    account: RwSignal<Option<i64>>,
    warning: RwSignal<Option<String>>,
}

#[component]
fn RequestSections(
    page: AccessRequestPage,
    act: ServerAction<SupportRequestAct>,
    outcome: RwSignal<Option<Result<String, String>>>,
    look_alike: LookAlike,
) -> impl IntoView {
    let confirm_look_alike = Callback::new(move |reason: String| {
        if let Some(account_id) = look_alike.account.get_untracked() {
            look_alike.warning.set(None);
            act.dispatch(SupportRequestAct {
                request_id: page.request.id,
                action: RequestAction::UseRequestEmail {
                    account_id,
                    look_alike_reason: Some(reason),
                },
            });
        }
    });
    let request = page.request;
    let request_id = request.id;
    let open = request.status == "open";
    let email = request.email.clone();
    let note = RwSignal::new(String::new());
    let pending = act.pending();
    let dash = |text: &str| {
        if text.is_empty() {
            "—".to_owned()
        } else {
            text.to_owned()
        }
    };
    view! {
        <article class="account" aria-labelledby="request-title">
            <header class="account__header">
                <h1 id="request-title">{format!("{} — {} {}", request.reference, request.first_name, request.surname)}</h1>
                <span id="request-status" class=format!("status status--{}", request.status)>{request.status.clone()}</span>
            </header>
            <section class="account__section" aria-labelledby="request-details-title">
                <h2 id="request-details-title">"What they told us"</h2>
                <dl class="facts">
                    <dt>"Reply to"</dt><dd id="request-email"><ShownName text=request.email.clone()/></dd>
                    <dt>"Username"</dt><dd id="request-username">{if request.username.is_empty() {
                        "—".into_any()
                    } else {
                        view! { <ShownName text=request.username.clone()/> }.into_any()
                    }}</dd>
                    <dt>"Earlier emails"</dt><dd>{if request.previous_emails.is_empty() {
                        "—".into_any()
                    } else {
                        request.previous_emails.iter().map(|past| view! {
                            <span class="name-list__item"><ShownName text=past.clone()/></span>
                        }).collect_view().into_any()
                    }}</dd>
                    <dt>"Registration numbers"</dt><dd>{dash(&request.registration_numbers.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))}</dd>
                    <dt>"Last post"</dt><dd>{dash(&request.last_post)}</dd>
                    <dt>"Trainees supervised"</dt><dd>{dash(&request.supervised_trainees)}</dd>
                    <dt>"Message"</dt><dd class="request__message">{request.message.clone()}</dd>
                    <dt>"Received"</dt><dd><When at=request.created_at/></dd>
                </dl>
            </section>

            <section class="account__section" aria-labelledby="suggestions-title">
                <h2 id="suggestions-title">"Matching accounts"</h2>
                {if page.suggestions.is_empty() {
                    view! { <p>"No account matches any detail. Try the search on the console."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll">
                            <table class="table table--cards" id="suggestions">
                                <thead><tr>
                                    <th scope="col">"Account"</th><th scope="col">"Email now"</th>
                                    <th scope="col">"Matched on"</th><th scope="col">"Restore access"</th>
                                </tr></thead>
                                <tbody>
                                    {page.suggestions.into_iter().map(|suggestion| {
                                        let account = suggestion.account;
                                        let account_id = account.account_id;
                                        let already = account.email.eq_ignore_ascii_case(&email);
                                        // A disabled account would be refused its reset at login.
                                        let enabled = account.status == AccountStatus::Active;
                                        view! {
                                            <tr>
                                                <td data-label="Account"><a href=format!("/support/accounts/{account_id}")>
                                                    {format!("{} {}", account.first_name, account.surname)}
                                                </a>" ("<ShownName text=account.username.clone()/>")"
                                                {(!enabled).then(|| view! { " "<span class="flag">"Disabled"</span> })}</td>
                                                <td data-label="Email now"><ShownName text=account.email.clone()/></td>
                                                <td data-label="Matched on">{format!("{} of the details: {}", suggestion.matched.len(), suggestion.matched.join("; "))}</td>
                                                <td class="actions" data-label="Restore access">
                                                    <button type="button" class="button" disabled=move || already || pending.get() || !open
                                                        on:click=move |_| {
                                                            look_alike.account.set(Some(account_id));
                                                            act.dispatch(SupportRequestAct {
                                                                request_id,
                                                                action: RequestAction::UseRequestEmail {
                                                                    account_id,
                                                                    look_alike_reason: None,
                                                                },
                                                            });
                                                        }>
                                                        {if already { "Email already set".to_owned() } else { format!("Set email to {}", email.clone()) }}
                                                    </button>
                                                    {enabled.then(|| view! {
                                                        <button type="button" class="button" disabled=move || pending.get() || !open
                                                            on:click=move |_| {
                                                                act.dispatch(SupportRequestAct {
                                                                    request_id,
                                                                    action: RequestAction::SendReset { account_id },
                                                                });
                                                            }>
                                                            "Send reset email"
                                                        </button>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </section>

            {move || look_alike.warning.get().map(|warning| view! {
                <LookAlikeConfirm warning on_confirm=confirm_look_alike pending/>
            })}
            {move || pending.get().then(|| view! { <p role="status">"Working…"</p> })}
            {move || outcome.get().map(|result| match result {
                Ok(text) => view! { <p class="notice notice--success" role="status" id="request-result">{text}</p> }.into_any(),
                Err(text) => view! { <p class="notice notice--error" role="alert" id="request-result">{text}</p> }.into_any(),
            })}

            {open.then(|| view! {
                <section class="account__section" aria-labelledby="close-title">
                    <h2 id="close-title">"Close the request"</h2>
                    <form class="change-email" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        act.dispatch(SupportRequestAct {
                            request_id,
                            action: RequestAction::Close { note: note.get_untracked() },
                        });
                    }>
                        <label for="close-note">"Note for the history (optional)"</label>
                        <textarea id="close-note" rows=2
                            on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                        <button type="submit" class="button button--primary" disabled=pending>"Close request"</button>
                    </form>
                </section>
            })}

            <section class="account__section" aria-labelledby="steps-title">
                <h2 id="steps-title">"History"</h2>
                <ol class="feed" id="request-steps">
                    {request.steps.into_iter().map(|step| view! {
                        <li class="feed__item">
                            <span class="feed__time"><When at=step.occurred_at/></span>
                            <span class="feed__who">{step.actor.unwrap_or_else(|| "the person".to_owned())}</span>
                            <span class="feed__what">{step_text(&step.action, &step.detail)}</span>
                        </li>
                    }).collect_view()}
                </ol>
            </section>
        </article>
    }
}

fn step_text(action: &str, detail: &str) -> String {
    let what = match action {
        "submitted" => "sent the request",
        "changed_email" => "changed the email",
        "sent_reset" => "sent a reset email",
        "closed" => "closed the request",
        _ => "noted",
    };
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {detail}")
    }
}
