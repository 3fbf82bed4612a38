//! `/account`: "My account". The logged-in person's details, changing the
//! password, the sessions they are logged in with (ending any of them) and
//! a download of their data. Rendered whole on the server and built of
//! plain forms, so it works without JavaScript like the dialogs.

use leptos::{html, prelude::*};
use leptos_meta::Title;
use threshold_core::my_account::{
    ChangeEmailForm, ChangePasswordForm, ConfirmEmailError, ConfirmationSent, EmailConfirmed,
    MyAccount, MyAccountError, OpenSession, PasswordChanged, SessionsEnded,
};
use threshold_core::refusal::RefusalKind;

use crate::dialogs::password_rules::PasswordRules;
use crate::dialogs::{DialogKind, Dialogs};
use crate::errors::{
    email_messages, mark_response, my_account_messages, EmailMessages, MyAccountMessages,
    ServiceError,
};
use crate::field::{ErrorSummary, Field, FormProgress, ShowPassword, SummaryItem};
use crate::posted::answered_without_script;
use crate::support::time::When;

mod passkeys;

use passkeys::{PasskeyActions, PasskeysSection};

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

/// Asks to change the email: a link goes to the new address.
#[server(endpoint = "change_email")]
pub async fn change_email(
    form: ChangeEmailForm,
) -> Result<ConfirmationSent, ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::request_email_change(&services, &token, &form).await?)
}

/// Sends the link that confirms the current address again.
#[server(endpoint = "send_confirmation_again")]
pub async fn send_confirmation_again() -> Result<ConfirmationSent, ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::send_confirmation_again(&services, &token).await?)
}

/// Cancels the change of address waiting for confirmation.
#[server(endpoint = "cancel_own_email_change")]
pub async fn cancel_own_email_change() -> Result<(), ServiceError<MyAccountError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::my_account::cancel_own_email_change(&services, &token).await?)
}

/// Follows the link sent to an address (no login needed: the link is the
/// proof).
#[server(endpoint = "confirm_email")]
pub async fn confirm_email(
    token: String,
) -> Result<EmailConfirmed, ServiceError<ConfirmEmailError>> {
    let services = crate::auth::server::services()?;
    Ok(threshold_core::my_account::confirm_email(&services, &token).await?)
}

/// Follows the cancel link sent to the old address.
#[server(endpoint = "cancel_email_change")]
pub async fn cancel_email_change(token: String) -> Result<(), ServiceError<ConfirmEmailError>> {
    let services = crate::auth::server::services()?;
    Ok(threshold_core::my_account::cancel_email_change(&services, &token).await?)
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
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
    let email = EmailActions::new();
    let passkey_actions = PasskeyActions::new();
    let passkey_versions = passkey_actions.versions();
    // Posted without JavaScript: each form's answer is shown as the page
    // arrives.
    answered_without_script(change);
    answered_without_script(end_one);
    answered_without_script(end_others);
    let (changed, ended_one, ended_others) =
        (change.version(), end_one.version(), end_others.version());
    let email_versions = email.versions();
    let account = Resource::new(
        move || {
            (
                changed.get(),
                ended_one.get(),
                ended_others.get(),
                email_versions.get(),
                passkey_versions.get(),
            )
        },
        |_| my_account(),
    );
    view! {
        <Title text="My account · Threshold"/>
        <section class="my-account" aria-labelledby="account-title">
            <h1 id="account-title">"My account"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || account.get().map(|answer| match answer {
                    Ok(account) => view! {
                        {(account.email_confirmed_at.is_none()).then(|| view! {
                            <ConfirmationBanner email=account.email.clone() send_again=email.send_again/>
                        })}
                        <Details account=account.clone()/>
                        <ChangeEmailSection actions=email account=account.clone()/>
                        <ChangePasswordSection action=change account=account.clone()/>
                        <PasskeysSection actions=passkey_actions passkeys=account.passkeys.clone()/>
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
                <dd>
                    <span id="account-email">{account.email}</span>" "
                    <span class="tag" id="account-email-state">
                        {if account.email_confirmed_at.is_some() { "Confirmed" } else { "Not confirmed yet" }}
                    </span>
                </dd>
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
                            <ShowPassword shown=show_current controls="current-password"/>
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
                            <ShowPassword shown=show_new controls="new-password"/>
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

/// The forms about the email address, one action each.
#[derive(Clone, Copy)]
struct EmailActions {
    change: ServerAction<ChangeEmail>,
    send_again: ServerAction<SendConfirmationAgain>,
    cancel: ServerAction<CancelOwnEmailChange>,
}

impl EmailActions {
    fn new() -> Self {
        let actions = Self {
            change: ServerAction::new(),
            send_again: ServerAction::new(),
            cancel: ServerAction::new(),
        };
        answered_without_script(actions.change);
        answered_without_script(actions.send_again);
        answered_without_script(actions.cancel);
        actions
    }

    /// Changes whenever one of them has answered: the page reads the
    /// account again.
    fn versions(self) -> Signal<(usize, usize, usize)> {
        let (change, send_again, cancel) = (
            self.change.version(),
            self.send_again.version(),
            self.cancel.version(),
        );
        Signal::derive(move || (change.get(), send_again.get(), cancel.get()))
    }
}

/// Until the address is confirmed: where the link went, a way to correct
/// the address, and "Send again". Calm: a request, not an error.
#[component]
pub fn ConfirmationBanner(
    email: String,
    send_again: ServerAction<SendConfirmationAgain>,
) -> impl IntoView {
    let answer = move || {
        match send_again.value().get() {
        Some(Ok(sent)) => Some(view! {
            <p role="status" id="confirmation-sent">
                {format!("We have sent the link again to {}. It can take a few minutes: check your spam or junk folder too.", sent.address)}
            </p>
        }.into_any()),
        Some(Err(error)) => Some(view! {
            <p role="alert" class="confirm-banner__error">{error.to_string()}</p>
        }.into_any()),
        None => None,
    }
    };
    view! {
        <div class="notice confirm-banner" id="confirm-banner">
            <p>
                "Please confirm your email address: we sent a link to "<strong>{email}</strong>
                ". It is where your username and any new password are sent."
            </p>
            <div class="confirm-banner__actions">
                <a href="/account#change-email-title">"Not right? Change it"</a>
                <ActionForm action=send_again>
                    <button type="submit" class="link-button" disabled=send_again.pending()>"Send again"</button>
                </ActionForm>
            </div>
            {answer}
        </div>
    }
}

#[component]
fn ChangeEmailSection(actions: EmailActions, account: MyAccount) -> impl IntoView {
    let action = actions.change;
    let pending = action.pending();
    provide_context(FormProgress::of(action));
    let messages = Memo::new(move |_| match action.value().get() {
        Some(Err(error)) => email_messages(&error),
        _ => EmailMessages::default(),
    });
    let sent = Memo::new(move |_| match action.value().get() {
        Some(Ok(sent)) => Some(sent),
        _ => None,
    });
    let summary = Signal::derive(move || {
        messages.with(|m| {
            let mut items = Vec::new();
            if let Some(text) = &m.new_email {
                items.push(SummaryItem::field("new-email", text));
            }
            if let Some(text) = &m.current_password {
                items.push(SummaryItem::field("email-current-password", text));
            }
            if let Some(text) = &m.form {
                items.push(SummaryItem::form(text));
            }
            items
        })
    });
    let show_password = RwSignal::new(false);
    let cancel = actions.cancel;
    view! {
        <section class="account__section" aria-labelledby="change-email-title">
            <h2 id="change-email-title" tabindex="-1">"Change email address"</h2>
            {account.pending_email.map(|pending| view! {
                <div class="notice" id="pending-email">
                    <p>
                        "We sent a link to "<strong>{pending.address}</strong>
                        ". Your email address changes when you follow it, until "
                        <When at=pending.expires_at/>"."
                    </p>
                    <ActionForm action=cancel>
                        <button type="submit" class="link-button" disabled=cancel.pending()>"Cancel this change"</button>
                    </ActionForm>
                </div>
            })}
            {move || sent.get().map(|sent| view! {
                <p class="notice notice--success" role="status" id="email-change-sent">
                    {format!("Check {}: we have sent a link there. Your email address changes when you follow it, within 24 hours.", sent.address)}
                </p>
            })}
            <ActionForm action attr:class="form my-account__form" attr:novalidate=true>
                <ErrorSummary id="change-email-error-summary" items=summary/>
                <Field id="new-email" name="form[new_email]" label="New email address"
                    kind="email" autocomplete="email" verbatim=true required=true
                    hint="We send a link to it. Nothing changes until you follow that link."
                    errors=move || messages.with(|m| m.new_email.clone().into_iter().collect::<Vec<_>>())/>
                <Field id="email-current-password" name="form[current_password]"
                    label="Current password"
                    kind=move || if show_password.get() { "text" } else { "password" }
                    autocomplete="current-password" verbatim=true required=true
                    errors=move || messages.with(|m| m.current_password.clone().into_iter().collect::<Vec<_>>())>
                    <ShowPassword shown=show_password controls="email-current-password"/>
                </Field>
                <button type="submit" class="button button--primary"
                    aria-busy=move || pending.get().to_string() disabled=pending>
                    {move || if pending.get() { "Sending…" } else { "Send confirmation link" }}
                </button>
            </ActionForm>
        </section>
    }
}

/// `/account/confirm-email?token=…`: the link sent to an address. A
/// button, not the visit itself, confirms: mail scanners open links.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmail>::new();
    answered_without_script(action);
    let token = StoredValue::new(
        leptos_router::hooks::use_query_map()
            .with_untracked(|query| query.get("token").unwrap_or_default()),
    );
    view! {
        <Title text="Confirm your email address · Threshold"/>
        <section class="my-account" aria-labelledby="confirm-title">
            <h1 id="confirm-title">"Confirm your email address"</h1>
            {move || match action.value().get() {
                Some(Ok(confirmed)) => view! {
                    <div class="notice notice--success" role="status" id="email-confirmed">
                        <p>{if confirmed.changed {
                            format!("Done: {} is now the email address of your account.", confirmed.address)
                        } else {
                            format!("Thank you: {} is confirmed.", confirmed.address)
                        }}</p>
                        <p><a href="/account">"Go to My account"</a></p>
                    </div>
                }.into_any(),
                other => view! {
                    {other.and_then(Result::err).map(|error| view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    })}
                    <p>"Confirm that this address is yours and that it is the one for your Threshold account."</p>
                    <ActionForm action>
                        <input type="hidden" name="token" value=token.get_value()/>
                        <button type="submit" class="button button--primary" disabled=action.pending()>
                            "Confirm this address"
                        </button>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

/// `/account/cancel-email-change?token=…`: the link the old address was
/// sent with the news of a requested change.
#[component]
pub fn CancelEmailChangePage() -> impl IntoView {
    let action = ServerAction::<CancelEmailChange>::new();
    answered_without_script(action);
    let token = StoredValue::new(
        leptos_router::hooks::use_query_map()
            .with_untracked(|query| query.get("token").unwrap_or_default()),
    );
    view! {
        <Title text="Cancel the change of email address · Threshold"/>
        <section class="my-account" aria-labelledby="cancel-title">
            <h1 id="cancel-title">"Cancel the change of email address"</h1>
            {move || match action.value().get() {
                Some(Ok(())) => view! {
                    <div class="notice notice--success" role="status" id="email-change-cancelled">
                        <p>"The change is cancelled: your email address stays as it was."</p>
                        <p>
                            "If you did not ask for it, someone may know your password. Choose "
                            "\"Forgotten password\" in the Log in box to get a new one by email, and "
                            <a href="/contact-support">"tell support"</a>"."
                        </p>
                    </div>
                }.into_any(),
                other => view! {
                    {other.and_then(Result::err).map(|error| view! {
                        <p class="notice notice--error" role="alert">{error.to_string()}</p>
                    })}
                    <p>"Someone logged in to your account asked to change its email address. Cancel it if it was not you, or if you changed your mind."</p>
                    <ActionForm action>
                        <input type="hidden" name="token" value=token.get_value()/>
                        <button type="submit" class="button button--primary" disabled=action.pending()>
                            "Cancel the change"
                        </button>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}
