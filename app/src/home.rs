//! The home page.

use leptos::prelude::*;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Your professional portfolio, one door in."</h1>
            <p class="hero__lead">
                "Threshold is the account front door for healthcare practitioners and practice admins: "
                "register, log in with your username or email, and get back in when you have forgotten how."
            </p>
        </section>
    }
}
