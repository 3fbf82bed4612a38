//! How the support console shows a time: in the viewer's own zone, named.
//! The server cannot know the zone, so it renders UTC, labelled "UTC",
//! inside `<time datetime="…">`; once the page has hydrated, an effect
//! rewrites the text to the browser's zone ("3 Dec 2026, 14:05 GMT").
//! Rewriting in an effect, not rendering other text on the client, keeps
//! hydration matching the server's HTML; both forms have the same shape,
//! so nothing around them moves.

use leptos::prelude::*;
use threshold_core::clock::{day_text_utc, iso_utc, Millis};

/// One stored time. Every support page shows times through this.
#[component]
pub fn When(at: Millis) -> impl IntoView {
    let node = NodeRef::<leptos::html::Time>::new();
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(element) = node.get() {
            browser::show_local(&element, at);
        }
    });
    view! { <time class="when" node_ref=node datetime=iso_utc(at)>{day_text_utc(at)}</time> }
}

/// A time that may be missing: `none` in its place.
#[component]
pub fn MaybeWhen(at: Option<Millis>, #[prop(into)] none: String) -> impl IntoView {
    match at {
        Some(at) => view! { <When at/> }.into_any(),
        None => none.into_any(),
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use threshold_core::clock::Millis;
    use wasm_bindgen::JsValue;

    /// The en-GB form the server renders, in the browser's zone with its
    /// short name (GMT or BST in the UK; GMT-5 and the like elsewhere).
    pub fn show_local(element: &web_sys::HtmlElement, at: Millis) {
        let options = js_sys::Object::new();
        for (key, value) in [
            ("day", "numeric"),
            ("month", "short"),
            ("year", "numeric"),
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
            ("timeZoneName", "short"),
        ] {
            let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
        }
        // Millis fit an f64 exactly for any date a person will see.
        let date = js_sys::Date::new(&JsValue::from_f64(at as f64));
        let local = String::from(date.to_locale_string("en-GB", &options));
        if !local.is_empty() {
            element.set_text_content(Some(&local));
        }
    }
}
