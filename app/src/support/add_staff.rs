//! "Add a support user", on the console's home page: a colleague's
//! account, without a password of theirs ever being seen. They are
//! emailed their username with a one-use password, and their enrolment
//! link.

use leptos::prelude::*;

use super::SupportCreateStaff;

#[component]
pub fn AddStaff() -> impl IntoView {
    let create = ServerAction::<SupportCreateStaff>::new();
    let pending = create.pending();
    let outcome = move || {
        create.value().get().map(|answer| match answer {
            Ok(staff) => view! {
                <p class="notice notice--success" role="status" id="add-staff-result">
                    {format!(
                        "Support user {} created. They have been emailed their username, a password \
                         to replace at first login, and their enrolment link.",
                        staff.username
                    )}
                </p>
            }
            .into_any(),
            Err(error) => view! {
                <p class="notice notice--error" role="alert" id="add-staff-result">{error.to_string()}</p>
            }
            .into_any(),
        })
    };
    let field = |id: &'static str, name: &'static str, label: &'static str, kind: &'static str| {
        view! {
            <div class="field">
                <label class="field__label" for=id>{label}</label>
                <input class="field__input" id=id name=name type=kind autocomplete="off"
                    autocapitalize="none" spellcheck="false" required=true/>
            </div>
        }
    };
    view! {
        <details class="support__add-staff">
            <summary>"Add a support user"</summary>
            <ActionForm action=create attr:class="form" attr:novalidate=true>
                {outcome}
                {field("staff-first-name", "form[first_name]", "First name", "text")}
                {field("staff-surname", "form[surname]", "Surname", "text")}
                {field("staff-email", "form[email]", "Email", "email")}
                {field("staff-username", "form[username]", "Username", "text")}
                <button type="submit" class="button button--primary" id="add-staff" disabled=pending>
                    "Create support user"
                </button>
            </ActionForm>
        </details>
    }
}
