//! `/account`: "My account". The logged-in person's details, changing the
//! password, the sessions they are logged in with (ending any of them) and
//! a download of their data. Rendered whole on the server and built of
//! plain forms, so it works without JavaScript like the dialogs.

use leptos::{html, prelude::*};
use leptos_meta::Title;
use threshold_core::my_account::{
    ChangePasswordForm, MyAccount, MyAccountError, OpenSession, PasswordChanged, SessionsEnded,
};
use threshold_core::refusal::RefusalKind;

use crate::dialogs::password_rules::PasswordRules;
use crate::dialogs::{DialogKind, Dialogs};
use crate::errors::{mark_response, my_account_messages, MyAccountMessages, ServiceError};
use crate::field::{ErrorSummary, Field, FormProgress, ShowPassword, SummaryItem};
use crate::posted::answered_without_script;
use crate::support::time::When;

/// The logged-in person's account and open sessions.
#[server(name = FetchMyAccount, endpoint = "my_account")]
pub async fn my_account() -> Result<MyAccount, ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::my_account(&services, &token).await?)
}

/// Changes the password; the other sessions are ended, this one goes on.
#[server(endpoint = "change_password")]
pub async fn change_password(
    form: ChangePasswordForm,
) -> Result<PasswordChanged, ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::change_password(&services, &token, &form).await?)
}

/// Ends one of the person's own sessions, named by its handle.
#[server(endpoint = "end_session")]
pub async fn end_session(handle: String) -> Result<SessionsEnded, ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::end_session(&services, &token, &handle).await?)
}

/// Ends every session of the person's but this one.
#[server(endpoint = "end_other_sessions")]
pub async fn end_other_sessions() -> Result<SessionsEnded, ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::end_other_sessions(&services, &token).await?)
}

#[cfg(feature = "ssr")]
mod server {
    use threshold_core::{my_account::MyAccountError, Services};

    use crate::auth::server::{services, session_token};
    use crate::errors::{refuse, ServiceError};

    /// The services and the session token, or "not logged in".
    pub async fn session() -> Result<(Services, String), ServiceError<MyAccountError>> {
        let services = services()?;
        let token = session_token()
            .await
            .ok_or_else(|| refuse(MyAccountError::NotLoggedIn))?;
        Ok((services, token))
    }
}

#[component]
pub fn MyAccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    // Posted without JavaScript: each form's answer is shown as the page
    // arrives.
    answered_without_script(change);
    answered_without_script(end_one);
    answered_without_script(end_others);
    let (changed, ended_one, ended_others) =
        (change.version(), end_one.version(), end_others.version());
    let account = Resource::new(
        move || (changed.get(), ended_one.get(), ended_others.get()),
        |_| my_account(),
    );
    view! {
        <Title text="My account · Threshold"/>
        <section class="my-account" aria-labelledby="account-title">
            <h1 id="account-title">"My account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || account.get().map(|answer| match answer {
                    Ok(account) => view! {
                        <Details account=account.clone()/>
                        <ChangePasswordSection action=change account=account.clone()/>
                        <Sessions sessions=account.sessions end_one end_others/>
                        <YourData/>
                    }.into_any(),
                    Err(error) => view! { <Refused error/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// Not logged in, or a session that must first choose a new password.
#[component]
fn Refused(error: ServiceError<MyAccountError>) -> impl IntoView {
    let dialogs = expect_context::<Dialogs>();
    match &error {
        ServiceError::Domain(MyAccountError::NotLoggedIn) => {
            mark_response(RefusalKind::NotLoggedIn);
            view! {
                <p>"Log in to see your account."</p>
                <button type="button" class="button button--primary"
                    commandfor="login-dialog" command="show-modal"
                    on:click=move |_| dialogs.open(DialogKind::Login)>
                    "Log in"
                </button>
            }
            .into_any()
        }
        other => view! {
            <p class="notice notice--error" role="alert">{other.to_string()}</p>
        }
        .into_any(),
    }
}

#[component]
fn Details(account: MyAccount) -> impl IntoView {
    let numbers = if account.registration_numbers.is_empty() {
        "None".to_owned()
    } else {
        account
            .registration_numbers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <section class="account__section" aria-labelledby="account-details-title">
            <h2 id="account-details-title">"Your details"</h2>
            <dl class="facts">
                <dt>"Name"</dt>
                <dd id="account-name">{format!("{} {}", account.first_name, account.surname)}</dd>
                <dt>"Username"</dt>
                <dd>
                    <span id="account-username">{account.username}</span>
                    <p class="field__hint my-account__note">"You can log in with your username or your email address."</p>
                </dd>
                <dt>"Email"</dt>
                <dd id="account-email">{account.email}</dd>
                <dt>"Account type"</dt>
                <dd>{account.account_type.label()}</dd>
                <dt>"Registration numbers"</dt>
                <dd>{numbers}</dd>
                {account.practice_name.map(|practice| view! {
                    <dt>"Practice"</dt><dd>{practice}</dd>
                })}
                <dt>"Registered"</dt>
                <dd><When at=account.created_at/></dd>
            </dl>
            <p>
                "Something here wrong? "<a href="/contact-support">"Contact support"</a>
                " to correct your name or registration numbers."
            </p>
        </section>
    }
}

#[component]
fn ChangePasswordSection(
    action: ServerAction<ChangePassword>,
    account: MyAccount,
) -> impl IntoView {
    let pending = action.pending();
    provide_context(FormProgress::of(action));
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => my_account_messages(&error),
        _ => MyAccountMessages::default(),
    });
    let done = Memo::new(move |_| match action.value().get() {
        Some(Ok(changed)) => Some(changed),
        _ => None,
    });
    let summary = Signal::derive(move || {
        messages.with(|m| {
            let mut items = Vec::new();
            if let Some(text) = &m.current_password {
                items.push(SummaryItem::field("current-password", text));
            }
            if let Some(text) = m.new_password.first() {
                items.push(SummaryItem::field("new-password", text));
            }
            if let Some(text) = &m.form {
                items.push(SummaryItem::form(text));
            }
            items
        })
    });
    let new_password = RwSignal::new(String::new());
    let left_new_password = RwSignal::new(false);
    let version = action.version();
    let judged = Signal::derive(move || left_new_password.get() || version.get() > 0);
    let show_current = RwSignal::new(false);
    let show_new = RwSignal::new(false);
    Effect::new(move |_| {
        if done.get().is_some() {
            new_password.set(String::new());
        }
    });
    let (username, email, first_name, surname) = (
        Signal::stored(account.username),
        Signal::stored(account.email),
        Signal::stored(account.first_name),
        Signal::stored(account.surname),
    );
    view! {
        <section class="account__section" aria-labelledby="change-password-title">
            <h2 id="change-password-title">"Change password"</h2>
            {move || done.get().map(|changed| view! { <PasswordChangedNotice changed/> })}
            // Drawn afresh after each change, so no password stays typed.
            {move || {
                done.track();
                view! {
                    <ActionForm action attr:class="form my-account__form" attr:novalidate=true>
                        <ErrorSummary id="change-password-error-summary" items=summary/>
                        // For password managers: whose password this is.
                        <input type="hidden" name="username" autocomplete="username"
                            value=move || username.get()/>
                        <Field id="current-password" name="form[current_password]"
                            label="Current password"
                            kind=move || if show_current.get() { "text" } else { "password" }
                            autocomplete="current-password" verbatim=true required=true
                            errors=move || messages.with(|m| m.current_password.clone().into_iter().collect::<Vec<_>>())>
                            <ShowPassword shown=show_current/>
                        </Field>
                        <Field id="new-password" name="form[new_password]" label="New password"
                            kind=move || if show_new.get() { "text" } else { "password" }
                            autocomplete="new-password" verbatim=true required=true
                            value=new_password described_by="new-password-rules"
                            on_blur=move |()| left_new_password.set(true)
                            before_input=move || view! {
                                <PasswordRules id="new-password-rules" password=new_password.into()
                                    username email first_name surname judged/>
                            }
                            errors=move || messages.with(|m| m.new_password.clone())>
                            <ShowPassword shown=show_new/>
                        </Field>
                        <p class="field__hint">
                            "Changing your password logs you out everywhere else. You stay logged in here."
                        </p>
                        <button type="submit" class="button button--primary"
                            aria-busy=move || pending.get().to_string() disabled=pending>
                            {move || if pending.get() { "Saving…" } else { "Change password" }}
                        </button>
                    </ActionForm>
                }
            }}
        </section>
    }
}

#[component]
fn PasswordChangedNotice(changed: PasswordChanged) -> impl IntoView {
    let heading = NodeRef::<html::H3>::new();
    // The form was drawn afresh: the news takes the focus.
    Effect::new(move |_| {
        if let Some(heading) = heading.get() {
            let _ = heading.focus();
        }
    });
    let elsewhere = match changed.other_sessions_ended {
        0 => "You were not logged in anywhere else.".to_owned(),
        1 => "1 other session was logged out.".to_owned(),
        n => format!("{n} other sessions were logged out."),
    };
    view! {
        <div class="notice notice--success" role="status" id="password-changed-notice">
            <h3 node_ref=heading tabindex="-1">"Your password has been changed"</h3>
            <p>{elsewhere}" You are still logged in here. We have emailed you to say so."</p>
        </div>
    }
}

#[component]
fn Sessions(
    sessions: Vec<OpenSession>,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let others = sessions.iter().filter(|session| !session.current).count();
    let refusal = move || {
        [
            end_one.value().get().and_then(Result::err),
            end_others.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| view! { <p class="notice notice--error" role="alert">{error.to_string()}</p> })
    };
    let ended = move || {
        let ended = end_one
            .value()
            .get()
            .and_then(Result::ok)
            .map(|e| e.ended)
            .unwrap_or(0)
            + end_others
                .value()
                .get()
                .and_then(Result::ok)
                .map(|e| e.ended)
                .unwrap_or(0);
        (ended > 0).then(|| {
            let text = if ended == 1 {
                "1 session was logged out.".to_owned()
            } else {
                format!("{ended} sessions were logged out.")
            };
            view! { <p class="notice notice--success" role="status" id="sessions-ended">{text}</p> }
        })
    };
    view! {
        <section class="account__section" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Where you are logged in"</h2>
            <p>"If you see a session you do not recognise, end it, then change your password."</p>
            {refusal}
            {ended}
            <ul class="sessions" id="sessions">
                {sessions.into_iter().map(|session| view! { <SessionItem session end_one/> }).collect_view()}
            </ul>
            {(others > 0).then(|| view! {
                <ActionForm action=end_others attr:class="sessions__end-all">
                    <button type="submit" class="button" disabled=end_others.pending()>
                        "Log out all other sessions"
                    </button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn SessionItem(session: OpenSession, end_one: ServerAction<EndSession>) -> impl IntoView {
    let browser = session
        .browser
        .clone()
        .unwrap_or_else(|| "Unknown browser".to_owned());
    // The visible words first, then which session (WCAG 2.5.3).
    let label = format!("Log out this session: {browser}");
    view! {
        <li class="sessions__item">
            <p class="sessions__browser">
                <strong>{browser}</strong>
                {session.current.then(|| view! { <span class="tag">"This browser"</span> })}
            </p>
            <p class="sessions__when">
                "Logged in "<When at=session.started_at/>
                ", last active "<When at=session.last_seen_at/>
                {session.client_address.map(|address| format!(", from {address}"))}
            </p>
            {(!session.current).then(|| view! {
                <ActionForm action=end_one attr:class="sessions__end">
                    <input type="hidden" name="handle" value=session.handle/>
                    <button type="submit" class="button" aria-label=label
                        disabled=end_one.pending()>
                        "Log out this session"
                    </button>
                </ActionForm>
            })}
        </li>
    }
}

#[component]
fn YourData() -> impl IntoView {
    view! {
        <section class="account__section" aria-labelledby="your-data-title">
            <h2 id="your-data-title">"Your data"</h2>
            <p>
                "Everything Threshold holds about your account: your details, email history, "
                "sessions, what happened on your account, the emails we sent you and any "
                "changes support made. No passwords are included."
            </p>
            // A plain download, answered by the server (server/src/http/export.rs).
            <a class="button" href="/account/export" download="threshold-account.json" id="download-data">
                "Download your data (JSON)"
            </a>
        </section>
    }
}
