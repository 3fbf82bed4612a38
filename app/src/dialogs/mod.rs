//! In-page modal dialogs.
//!
//! One dialog is open at a time; which one is a single signal in context
//! ([`Dialogs`]), so a link inside one dialog can switch to another. Each is a
//! native `<dialog>` opened with `showModal()`: the browser makes the rest of
//! the page inert (focus stays inside) and closes it on Esc. We add what the
//! browser does not do reliably when one dialog replaces another: focus goes
//! back to the control that opened the first one.

mod choose_password;
mod email_suggestion;
mod login;
mod modal;
pub(crate) mod passkey_login;
pub(crate) mod password_rules;
pub mod register;
mod reset;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

pub use modal::Modal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Login,
    Register,
    Reset,
    /// After logging in with a reset password; cannot be dismissed.
    ChoosePassword,
}

/// Marks the element that had focus when the first dialog opened.
const OPENER_ATTRIBUTE: &str = "data-dialog-opener";

/// Which dialog is open, and what to prefill.
#[derive(Clone, Copy)]
pub struct Dialogs {
    active: RwSignal<Option<DialogKind>>,
    /// Text handed to the next dialog's first field: the email a "Forgotten
    /// password" link carries, the username shown after registering.
    prefill: RwSignal<String>,
}

impl Dialogs {
    pub fn new() -> Self {
        Self {
            active: RwSignal::new(None),
            prefill: RwSignal::new(String::new()),
        }
    }

    /// Opens `kind`, replacing whichever dialog is open.
    pub fn open(&self, kind: DialogKind) {
        self.open_with(kind, String::new());
    }

    /// Opens `kind` with `text` in its first field.
    pub fn open_with(&self, kind: DialogKind, text: impl Into<String>) {
        self.prefill.set(text.into());
        if self.active.get_untracked().is_none() {
            // The opener is marked in the DOM rather than held in a Rust
            // value: DOM handles cannot live in state the server renders
            // across threads.
            if let Some(focused) = document().active_element() {
                let _ = focused.set_attribute(OPENER_ATTRIBUTE, "");
            }
        }
        self.active.set(Some(kind));
    }

    /// Takes note of a dialog that is open without having been asked for
    /// here: the server rendered it open (its form was posted without
    /// JavaScript and the answer is on this page), or the browser opened
    /// it from its invoker button before the WASM arrived. Nothing to
    /// focus or remember: the page already shows it.
    fn adopt(&self, kind: DialogKind) {
        self.active.set(Some(kind));
    }

    /// What the dialog being opened should show in its first field.
    pub fn prefill(&self) -> Signal<String> {
        self.prefill.into()
    }

    pub fn close(&self) {
        self.active.set(None);
    }

    /// Closes the dialog without returning focus to its opener: for a
    /// success that moves focus to its own news on the page.
    pub fn close_onward(&self) {
        if let Some(opener) = document()
            .query_selector(&format!("[{OPENER_ATTRIBUTE}]"))
            .ok()
            .flatten()
        {
            let _ = opener.remove_attribute(OPENER_ATTRIBUTE);
        }
        self.close();
    }

    pub fn is_open(&self, kind: DialogKind) -> Signal<bool> {
        let active = self.active;
        Signal::derive(move || active.get() == Some(kind))
    }

    /// Called when the browser has closed the `<dialog>` of `kind` (Esc, or
    /// our own `close()`): keeps the signal true to the page and, when no
    /// other dialog took its place, returns focus to the opener.
    fn closed_by_browser(&self, kind: DialogKind) {
        if self.active.get_untracked() == Some(kind) {
            self.active.set(None);
        }
        if self.active.get_untracked().is_none() {
            let opener = document()
                .query_selector(&format!("[{OPENER_ATTRIBUTE}]"))
                .ok()
                .flatten();
            if let Some(opener) = opener {
                let _ = opener.remove_attribute(OPENER_ATTRIBUTE);
                if let Ok(opener) = opener.dyn_into::<web_sys::HtmlElement>() {
                    let _ = opener.focus();
                }
            }
        }
    }
}

impl Default for Dialogs {
    fn default() -> Self {
        Self::new()
    }
}

/// Renders every dialog (closed until asked for).
#[component]
pub fn DialogHost() -> impl IntoView {
    view! {
        <login::LoginDialog/>
        <register::RegisterDialog/>
        <reset::ResetDialog/>
        <choose_password::ChoosePasswordDialog/>
    }
}
