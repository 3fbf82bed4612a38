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
        if ran_before.is_none() && dialog.open() && !open.get_untracked() {
            // Opened by its invoker button (`commandfor`) before the WASM
            // arrived: the page's state follows what the person sees.
            dialogs.adopt(kind);
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

    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog
            node_ref=dialog_ref
            id=id
            class="modal"
            aria-labelledby=labelled_by
            on:close=move |_| dialogs.closed_by_browser(kind)
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
