//! The door of every support page: support users go in; anyone else is
//! told why not (and the server answers 401 or 403, not 200: the routes
//! render with `SsrMode::Async`, so the status is set before the head is
//! sent).

use leptos::prelude::*;
use threshold_core::auth::SecondStep;
use threshold_core::refusal::RefusalKind;

use super::second_step::{EnrolFirstPage, SecondStepPage};
use crate::auth::Auth;
use crate::dialogs::{DialogKind, Dialogs};
use crate::errors::mark_response;

#[component]
pub fn SupportGate(children: ChildrenFn) -> impl IntoView {
    let auth = expect_context::<Auth>();
    let dialogs = expect_context::<Dialogs>();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || auth.user.get().map(|user| match user {
                Ok(Some(user)) if user.is_support() && !user.must_change_password => {
                    match user.second_step() {
                        SecondStep::Done => children.with_value(|children| children()).into_any(),
                        // A password alone opens nothing here (AAL2).
                        SecondStep::Needed => {
                            mark_response(RefusalKind::Forbidden);
                            view! { <SecondStepPage/> }.into_any()
                        }
                        SecondStep::EnrolFirst | SecondStep::NotNeeded => {
                            mark_response(RefusalKind::Forbidden);
                            view! { <EnrolFirstPage/> }.into_any()
                        }
                    }
                }
                Ok(Some(_)) => {
                    mark_response(RefusalKind::Forbidden);
                    view! {
                        <section class="notice-page" aria-labelledby="gate-title">
                            <h1 id="gate-title">"Support staff only"</h1>
                            <p>"The support console is for support staff only. "
                               <a href="/">"Back to the home page"</a></p>
                        </section>
                    }.into_any()
                }
                Ok(None) => {
                    mark_response(RefusalKind::NotLoggedIn);
                    view! {
                        <section class="notice-page" aria-labelledby="gate-title">
                            <h1 id="gate-title">"Log in to continue"</h1>
                            <p>"Log in with a support account to use the support console."</p>
                            <button type="button" class="button button--primary"
                                on:click=move |_| dialogs.open(DialogKind::Login)>
                                "Log in"
                            </button>
                        </section>
                    }.into_any()
                }
                Err(error) => view! {
                    <p class="notice notice--error" role="alert">{error.to_string()}</p>
                }.into_any(),
            })}
        </Suspense>
    }
}
