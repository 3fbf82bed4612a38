//! The "Register" dialog.

use leptos::prelude::*;

use super::{DialogKind, Modal};

#[component]
pub fn RegisterDialog() -> impl IntoView {
    view! {
        <Modal kind=DialogKind::Register id="register-dialog" title="Create an account">
            <p>"Registration opens here."</p>
        </Modal>
    }
}
