//! The site header: product name on the left, account actions top right
//! (Log in the rightmost), on one line from 320 px wide.

use leptos::prelude::*;

use crate::auth::{Auth, Logout};
use crate::dialogs::{DialogKind, Dialogs};

#[component]
pub fn Header() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let user = move || auth.user.get().and_then(Result::ok).flatten();
    view! {
        <header class="site-header">
            <a class="site-header__brand" href="/">"Threshold"</a>
            <nav class="site-header__links" aria-label="Site">
                <a href="/help">"Help"</a>
            </nav>
            <nav class="site-header__actions" aria-label="Account">
                <Transition fallback=|| view! { <GuestActions/> }>
                    {move || match user() {
                        Some(user) => view! {
                            // The person's name, leading to My account.
                            <a class="site-header__user" href="/account">
                                <span class="visually-hidden">"My account: "</span>
                                <span id="current-user">{format!("{} {}", user.first_name, user.surname)}</span>
                            </a>
                            {user.is_support().then(|| view! {
                                <a class="button" href="/support">"Support console"</a>
                            })}
                            <LogoutButton/>
                        }.into_any(),
                        None => view! { <GuestActions/> }.into_any(),
                    }}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
fn GuestActions() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    view! {
        // Log in last, so it sits at the top right at every width.
        <button type="button" class="button" id="open-register"
            commandfor="register-dialog" command="show-modal"
            on:click=move |_| dialogs.open(DialogKind::Register)>
            "Register"
        </button>
        <button type="button" class="button button--primary" id="open-login"
            commandfor="login-dialog" command="show-modal"
            on:click=move |_| dialogs.open(DialogKind::Login)>
            "Log in"
        </button>
    }
}

#[component]
fn LogoutButton() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let action = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            action.clear();
            auth.changed();
        }
    });
    // A form, so it works without JavaScript too.
    view! {
        <ActionForm action attr:class="site-header__logout">
            <button type="submit" class="button" id="logout" disabled=action.pending()>
                "Log out"
            </button>
        </ActionForm>
    }
}
