//! A labelled modal built on the native `<dialog>` element.

use leptos::{html, prelude::*};

use super::{DialogKind, Dialogs};

#[component]
pub fn Modal(
    kind: DialogKind,
    /// Element id; the title gets `{id}-title` and labels the dialog.
    id: &'static str,
    title: &'static str,
    /// False for a dialog that must be completed: no close button, and Esc
    /// does nothing.
    #[prop(default = true)]
    dismissible: bool,
    children: Children,
) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    let open = dialogs.is_open(kind);
    let dialog_ref = NodeRef::<html::Dialog>::new();

    Effect::new(move |ran_before: Option<()>| {
        let Some(dialog) = dialog_ref.get() else {
            return;
        };
        if ran_before.is_none() && dialog.open() {
            if !open.get_untracked() {
                // Opened by its invoker button (`commandfor`) before the
                // WASM arrived: the page's state follows what the person
                // sees.
                dialogs.adopt(kind);
            }
            if !dialog.matches(":modal").unwrap_or(true) {
                // Rendered open by the server (its form's answer is on
                // the page): as a modal from now on, the rest of the page
                // inert. Dropping the attribute closes it without a
                // `close` event, which would count as the person closing it.
                let _ = dialog.remove_attribute("open");
                let _ = dialog.show_modal();
            }
            return;
        }
        if open.get() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });

    // Open in the server's HTML when the page arrives with the dialog's
    // answer: without JavaScript it shows in place (not as a modal; see
    // `.modal:not(:modal)` in style/main.css).
    let open_on_arrival = open.get_untracked();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=dialog_ref
            id=id
            class="modal"
            open=open_on_arrival
            aria-labelledby=labelled_by
            on:close=move |_| {
                // A close that was followed by an opening (the switch to
                // a modal above) is not the person closing it.
                if !dialog_ref.get_untracked().is_some_and(|dialog| dialog.open()) {
                    dialogs.closed_by_browser(kind);
                }
            }
            on:cancel=move |ev: leptos::ev::Event| {
                if !dismissible {
                    ev.prevent_default();
                }
            }
        >
            <div class="modal__header">
                <h2 id=title_id class="modal__title">{title}</h2>
                {dismissible.then(|| view! {
                    <button
                        type="button"
                        class="modal__close"
                        aria-label="Close"
                        commandfor=id command="close"
                        on:click=move |_| dialogs.close()
                    >
                        "×"
                    </button>
                })}
            </div>
            <div class="modal__body">{children()}</div>
        </dialog>
    }
}
