//! The home page: what the service is for and the ways in, or, for someone
//! logged in, who they are logged in as and what they can do next.

use leptos::{html, prelude::*};
use threshold_core::auth::CurrentUser;

use crate::auth::Auth;
use crate::dialogs::{DialogKind, Dialogs};
use crate::my_account::{ConfirmationBanner, SendConfirmationAgain};

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let user = move || auth.user.get().and_then(Result::ok).flatten();
    view! {
        <Transition fallback=|| view! { <GuestHome/> }>
            {move || match user() {
                Some(user) => view! { <SignedInHome user/> }.into_any(),
                None => view! { <GuestHome/> }.into_any(),
            }}
        </Transition>
    }
}

/// For someone not logged in: what this is, and every way in.
#[component]
fn GuestHome() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    view! {
        <section class="home" aria-labelledby="home-title">
            <h1 id="home-title">"Log in to your practitioner account"</h1>
            <p class="home__lead">
                "Healthcare practitioners and practice admins use this service to register "
                "for an account and to log in to it. You can log in with your username "
                "or with your email address."
            </p>
            <div class="home__actions">
                <button type="button" class="button button--primary" id="home-log-in"
                    commandfor="login-dialog" command="show-modal"
                    on:click=move |_| dialogs.open(DialogKind::Login)>
                    "Log in"
                </button>
                <button type="button" class="button" id="home-register"
                    commandfor="register-dialog" command="show-modal"
                    on:click=move |_| dialogs.open(DialogKind::Register)>
                    "Register"
                </button>
            </div>

            <h2>"If you cannot log in"</h2>
            <ul class="home__list">
                <li>
                    <button type="button" class="link-button" id="home-forgotten"
                    commandfor="reset-dialog" command="show-modal"
                        on:click=move |_| dialogs.open(DialogKind::Reset)>
                        "Forgotten your username or password?"
                    </button>
                    " We will email your username and a new password to the address on your account."
                </li>
                <li>
                    <a href="/contact-support">"Contact support"</a>
                    " if you no longer use that email address, or the email does not arrive. "
                    "Tell us what you remember and we will find your account."
                </li>
                <li>
                    <a href="/help">"Help with logging in and registering"</a>
                </li>
            </ul>

            <h2>"Registering"</h2>
            <p>
                "You need your name and an email address you can read. A GMC, NMC, NTN or "
                "college number is optional, but it helps support find your account if you "
                "ever lose access to that email address."
            </p>
        </section>
    }
}

/// For someone logged in: who they are logged in as, the name they log in
/// with, and what they can do next. Focused after logging in, by its id.
#[component]
fn SignedInHome(user: CurrentUser) -> impl IntoView {
    let support = user.is_support();
    let auth = expect_context::<Auth>();
    let heading = NodeRef::<html::H1>::new();
    // Just logged in: the dialog that had focus is gone, and this greeting
    // is the news. Once only: a later visit is not an arrival.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            if auth.arrived.get() {
                auth.arrived.set(false);
                // Once the dialog that was open has gone.
                request_animation_frame(move || {
                    let _ = heading.focus();
                });
            }
        }
    });
    let send_again = ServerAction::<SendConfirmationAgain>::new();
    crate::posted::answered_without_script(send_again);
    view! {
        {(!user.email_confirmed && !user.must_change_password).then(|| view! {
            <ConfirmationBanner email=user.email.clone() send_again/>
        })}
        <section class="home" aria-labelledby="signed-in-title">
            <h1 node_ref=heading id="signed-in-title" tabindex="-1">
                {format!("You're logged in as {} {}", user.first_name, user.surname)}
            </h1>
            <p class="home__lead">
                "Your username is "<span class="home__username" id="signed-in-username">{user.username}</span>". "
                "You can also log in with your email address, "
                <span class="home__username" id="signed-in-email">{user.email}</span>"."
            </p>
            <h2>"What you can do next"</h2>
            <ul class="home__list">
                {support.then(|| view! {
                    <li>
                        <a href="/support">"Go to the Support console"</a>
                        " to find accounts, answer requests and watch sign-in activity."
                    </li>
                })}
                <li>
                    <a href="/account">"My account"</a>
                    ": change your password or email address, and see where you are logged in."
                </li>
                <li>
                    "When you have finished, use Log out at the top of the page, "
                    "especially on a shared computer."
                </li>
                <li>
                    <a href="/help">"Help with your account"</a>
                </li>
            </ul>
        </section>
    }
}
