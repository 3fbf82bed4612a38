//! The "Log in" dialog.

use leptos::prelude::*;

use super::{DialogKind, Modal};

#[component]
pub fn LoginDialog() -> impl IntoView {
    view! {
        <Modal kind=DialogKind::Login id="login-dialog" title="Log in">
            <form class="form" method="post" novalidate>
                <div class="field">
                    <label for="login-identifier">"Username or email"</label>
                    <input id="login-identifier" name="identifier" type="text"
                        autocomplete="username" autocapitalize="none" spellcheck="false" required/>
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input id="login-password" name="password" type="password"
                        autocomplete="current-password" required/>
                </div>
                <button type="submit" class="button button--primary button--block">"Log in"</button>
            </form>
        </Modal>
    }
}
