//! The site header: product name on the left, account actions top right.

use leptos::prelude::*;

use crate::dialogs::{DialogKind, Dialogs};

#[component]
pub fn Header() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    view! {
        <header class="site-header">
            <a class="site-header__brand" href="/">"Threshold"</a>
            <nav class="site-header__actions" aria-label="Account">
                <button
                    type="button"
                    class="button button--primary"
                    id="open-login"
                    on:click=move |_| dialogs.open(DialogKind::Login)
                >
                    "Log in"
                </button>
                <button
                    type="button"
                    class="button"
                    id="open-register"
                    on:click=move |_| dialogs.open(DialogKind::Register)
                >
                    "Register"
                </button>
            </nav>
        </header>
    }
}
