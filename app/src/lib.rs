//! Threshold's UI: the page shell, routes, header and dialogs.
//!
//! Compiled twice: with `ssr` into the server (rendering and server-function
//! bodies) and with `hydrate` into the WASM bundle.

// Release builds (no `erase_components`) nest view types deeper than the
// default limit of 128.
#![recursion_limit = "256"]

mod about;
pub mod auth;
#[cfg(feature = "ssr")]
mod call_failure;
#[cfg(feature = "ssr")]
pub mod client;
mod contact;
mod dev_mailbox;
pub mod dialogs;
pub mod errors;
mod field;
mod header;
mod help;
mod home;
mod my_account;
mod passkey;
pub mod posted;
pub mod support;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::dialogs::{DialogHost, Dialogs};
use crate::header::Header;
use crate::home::HomePage;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy(&options);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <EarlyScript/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The one script that runs before the WASM: "Show password" (ASVS
/// 2.1.12) works from first paint, like the forms. It marks `<html>` so
/// the boxes are shown, and flips the type of the input a box names in
/// `data-shows` until the WASM takes over (the component then does it).
/// No `<`, `>` or `&` in it: it is written into the page as text.
const SHOW_PASSWORD_SCRIPT: &str = "(function(){var r=document.documentElement;r.setAttribute('data-script','true');document.addEventListener('change',function(e){var box=e.target;if(r.hasAttribute('data-hydrated')||!box.matches||!box.matches('input[data-shows]'))return;var input=document.getElementById(box.getAttribute('data-shows'));if(input)input.type=box.checked?'text':'password';});})();";

/// [`SHOW_PASSWORD_SCRIPT`], carrying this response's CSP nonce.
#[component]
fn EarlyScript() -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    view! { <script nonce=nonce>{SHOW_PASSWORD_SCRIPT}</script> }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let dialogs = Dialogs::new();
    provide_context(dialogs);
    provide_context(auth::Auth::new());
    posted::PostedAnswer::provide();
    mark_hydrated();

    view! {
        <Stylesheet id="leptos" href="/pkg/threshold.css"/>
        <Title text="Threshold"/>
        <Router>
            <Header/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    // Async: the page is rendered whole, who is logged in
                    // included, so it is right without JavaScript (streamed
                    // parts need a script to land).
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async/>
                    // Async: whole without JavaScript, like every page a
                    // flow passes through.
                    <Route path=(StaticSegment("dev"), StaticSegment("mailbox")) view=dev_mailbox::MailboxPage ssr=SsrMode::Async/>
                    <Route
                        path=(StaticSegment("dev"), StaticSegment("mailbox"), ParamSegment("id"))
                        view=dev_mailbox::MailboxMessagePage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("help") view=help::HelpPage ssr=SsrMode::Async/>
                    // Async: rendered whole, so its forms work without
                    // JavaScript and "not logged in" is a 401.
                    <Route path=StaticSegment("account") view=my_account::MyAccountPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("confirm-email")) view=my_account::ConfirmEmailPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("account"), StaticSegment("cancel-email-change")) view=my_account::CancelEmailChangePage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("accessibility") view=about::AccessibilityPage/>
                    <Route path=StaticSegment("privacy") view=about::PrivacyPage/>
                    <Route path=StaticSegment("contact-support") view=contact::ContactSupportPage/>
                    <Route path=(StaticSegment("help"), ParamSegment("slug")) view=help::HelpArticlePage ssr=SsrMode::Async/>
                    // Async: the page is rendered whole before the head is
                    // sent, so a refusal carries its status (401, 403).
                    <Route path=StaticSegment("support") view=support::SupportPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("support"), StaticSegment("enrol")) view=support::EnrolPage/>
                    <Route
                        path=(StaticSegment("support"), StaticSegment("accounts"), ParamSegment("id"))
                        view=support::SupportAccountPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("support"), StaticSegment("requests"), ParamSegment("id"))
                        view=support::SupportRequestPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <Footer/>
            <DialogHost/>
        </Router>
    }
}

/// The same links at the foot of every page: where to get help, and what
/// the service says about accessibility and the data it holds.
#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <nav aria-label="Footer">
                <ul class="site-footer__links">
                    <li><a href="/help">"Help"</a></li>
                    <li><a href="/contact-support">"Contact support"</a></li>
                    <li><a href="/accessibility">"Accessibility statement"</a></li>
                    <li><a href="/privacy">"Privacy"</a></li>
                </ul>
            </nav>
        </footer>
    }
}

/// Where an unknown address lands: says so (with a 404) and offers the
/// ways on, rather than leaving someone who cannot get in at a dead end.
#[component]
fn NotFound() -> impl IntoView {
    crate::errors::mark_response(threshold_core::refusal::RefusalKind::NotFound);
    view! {
        <Title text="Page not found · Threshold"/>
        <section class="not-found" aria-labelledby="not-found-title">
            <h1 id="not-found-title">"Page not found"</h1>
            <p>
                "There is no page at this address. It may have been mistyped, "
                "or the link that brought you here may be out of date."
            </p>
            <p>
                <a href="/">"Go to the home page"</a>
                " to log in or register, or read "
                <a href="/help">"help with logging in"</a>
                "."
            </p>
        </section>
    }
}

/// The page's Content-Security-Policy: scripts only from this origin or
/// carrying this response's nonce (Leptos puts it on its hydration and
/// streaming scripts), WebAssembly allowed to compile, styles, images and
/// connections (server functions, the live feed) from this origin only,
/// and no framing.
#[cfg(feature = "ssr")]
fn set_content_security_policy(options: &LeptosOptions) {
    use leptos::nonce::use_nonce;
    use leptos_axum::ResponseOptions;
    let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    // `cargo leptos watch` reloads the page over its own websocket.
    let reload = if std::env::var("LEPTOS_WATCH").is_ok() {
        format!(" ws://{}:{}", options.site_addr.ip(), options.reload_port)
    } else {
        String::new()
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Sets `data-hydrated` on `<html>` once the WASM has taken over, so browser
/// tests (and curious people) can tell a hydrated page from a server-rendered one.
fn mark_hydrated() {
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
