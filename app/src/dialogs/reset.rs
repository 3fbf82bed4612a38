//! The "Forgotten password" dialog.
//!
//! Opened from the login dialog and from "already has an account"
//! messages, with the email filled in.

use leptos::prelude::*;

use super::{DialogKind, Dialogs, Modal};

#[component]
pub fn ResetDialog() -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let email = dialogs.prefill();
    view! {
        <Modal kind=DialogKind::Reset id="reset-dialog" title="Forgotten password">
            // Sending the email arrives with the reset work (outbox, SMTP);
            // until then the form must not reload the page.
            <form class="form" novalidate on:submit=|ev| ev.prevent_default()>
                <p class="field__hint">
                    "We will email your username and a new password to the address on your account."
                </p>
                <div class="field">
                    <label for="reset-email">"Email address"</label>
                    <input id="reset-email" name="email" type="email" autocomplete="email"
                        autofocus prop:value=email required/>
                </div>
                <button type="submit" class="button button--primary button--block">
                    "Send reset email"
                </button>
            </form>
        </Modal>
    }
}
