//! `/support`: find an account, and watch what is happening.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use threshold_core::support::FeedEvent;

use super::describe::event_text;
use super::gate::SupportGate;
use super::live::{use_live_events, LiveFeed, LiveMessage};
use super::names::ShownName;
use super::requests::{is_request_event, RequestQueue};
use super::support_search;
use super::time::{MaybeWhen, When};

/// Entries kept in the live feed.
const FEED_LENGTH: usize = 100;

#[component]
pub fn SupportPage() -> impl IntoView {
    view! {
        <SupportGate>
            <SupportHome/>
        </SupportGate>
    }
}

#[component]
fn SupportHome() -> impl IntoView {
    // Bumped by the live feed whenever a request arrives or changes.
    let requests_changed = RwSignal::new(0_u32);
    view! {
        <div class="support">
            <h1>"Support console"</h1>
            <div class="support__columns">
                <AccountSearch/>
                <div>
                    <RequestQueue changed=requests_changed/>
                    <LiveActivity requests_changed/>
                    <super::add_staff::AddStaff/>
                </div>
            </div>
        </div>
    }
}

/// The search box and its results. The query lives in the address
/// (`?q=`), so a search survives a reload and can be shared with a colleague.
#[component]
fn AccountSearch() -> impl IntoView {
    let query = use_query_map();
    let typed = move || query.with(|q| q.get("q").unwrap_or_default());
    let results = Resource::new(typed, |q| async move {
        if q.trim().is_empty() {
            None
        } else {
            Some(support_search(q).await)
        }
    });
    view! {
        <section class="support__search" aria-labelledby="search-title">
            <h2 id="search-title">"Find an account"</h2>
            <form method="get" action="/support" class="search-form" role="search">
                <label for="support-query">"Search accounts"</label>
                <p id="support-query-hint" class="field__hint">
                    "Username, current or previous email, name, practice or registration number; part of one is enough."
                </p>
                <div class="search-form__row">
                    <input id="support-query" name="q" type="search" autocomplete="off"
                        spellcheck="false" aria-describedby="support-query-hint"
                        prop:value=typed/>
                    <button type="submit" class="button button--primary">"Search"</button>
                </div>
            </form>
            <Transition fallback=|| view! { <p>"Searching…"</p> }>
                {move || results.get().flatten().map(|answer| match answer {
                    Err(error) => view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                    Ok(found) if found.accounts.is_empty() => view! {
                        <p role="status">"No account matches."</p>
                    }.into_any(),
                    Ok(found) => view! {
                        <p role="status" class="field__hint">
                            {if found.truncated {
                                format!("The first {} matches; add more to narrow it down.", found.accounts.len())
                            } else if found.accounts.len() == 1 {
                                "1 match".to_owned()
                            } else {
                                format!("{} matches", found.accounts.len())
                            }}
                        </p>
                        <div class="table-scroll">
                            <table class="table table--cards" id="search-results">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Username"</th>
                                        <th scope="col">"Email"</th>
                                        <th scope="col">"Type"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Last login"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {found.accounts.into_iter().map(|account| view! {
                                        <tr>
                                            <td data-label="Name">
                                                <a href=format!("/support/accounts/{}", account.account_id)>
                                                    {format!("{} {}", account.first_name, account.surname)}
                                                </a>
                                                {account.possible_duplicate.then(|| view! {
                                                    " "<span class="flag flag--duplicate">"Possible duplicate"</span>
                                                })}
                                            </td>
                                            <td data-label="Username"><ShownName text=account.username/></td>
                                            <td data-label="Email"><ShownName text=account.email/></td>
                                            <td data-label="Type">{account.account_type.label()}</td>
                                            <td data-label="Status">{account.status.as_str()}</td>
                                            <td data-label="Last login"><MaybeWhen at=account.last_login_at none="never"/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Everything happening, newest first, as it happens.
#[component]
fn LiveActivity(requests_changed: RwSignal<u32>) -> impl IntoView {
    let feed = RwSignal::new(Vec::<FeedEvent>::new());
    let state = use_live_events(
        LiveFeed {
            account: None,
            backlog: 50,
        },
        move |message| {
            if is_request_event(&message) {
                requests_changed.update(|n| *n += 1);
            }
            if let LiveMessage::Event(event) = message {
                feed.update(|feed| {
                    feed.insert(0, event);
                    feed.truncate(FEED_LENGTH);
                });
            }
        },
    );
    view! {
        <section class="support__live" aria-labelledby="live-title">
            <h2 id="live-title">"Live activity"
                <span class="live-state" role="status">{move || state.get().text()}</span>
            </h2>
            <ol class="feed" id="live-feed" aria-live="polite" aria-relevant="additions">
                <For each=move || feed.get() key=|event| event.id let:event>
                    <FeedItem event/>
                </For>
            </ol>
        </section>
    }
}

#[component]
pub fn FeedItem(event: FeedEvent) -> impl IntoView {
    let text = event_text(&event);
    view! {
        <li class="feed__item" data-kind=event.kind.clone()>
            <span class="feed__time"><When at=event.occurred_at/></span>
            {event.account_id.map(|id| view! {
                <a class="feed__who" href=format!("/support/accounts/{id}")>
                    {event.username.clone().unwrap_or_else(|| format!("account {id}"))}
                </a>
            })}
            <span class="feed__what">{text}</span>
        </li>
    }
}
