//! The support console's second step (AAL2): a support user who logged in
//! with the password gives a passkey, an authenticator-app code or a
//! recovery code before the console opens; one who has none yet enrols,
//! with the one-time link they were given (`/support/enrol?link=…`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use threshold_core::auth::PasskeyCeremony;
use threshold_core::my_account::{AddPasskeyForm, PasskeySummary};
use threshold_core::second_factor::{RecoveryCodes, SecondFactorError, SecondStepForm, TotpSetup};

use crate::auth::Auth;
use crate::dialogs::{DialogKind, Dialogs};
use crate::errors::ServiceError;
use crate::passkey;

/// Gives the second step with a code (app or recovery).
#[server(endpoint = "give_second_step")]
pub async fn give_second_step(form: SecondStepForm) -> Result<(), ServiceError<SecondFactorError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::second_factor::give_second_step(&services, &token, &form).await?)
}

/// Whether the enrolment link works for this session's support user.
#[server(endpoint = "check_enrolment_link")]
pub async fn check_enrolment_link(link: String) -> Result<(), ServiceError<SecondFactorError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::second_factor::check_enrolment_link(&services, &token, &link).await?)
}

#[server(endpoint = "start_enrolling_passkey")]
pub async fn start_enrolling_passkey(
    link: String,
    name: String,
) -> Result<PasskeyCeremony, ServiceError<SecondFactorError>> {
    let (services, token) = server::session().await?;
    Ok(
        threshold_core::second_factor::start_enrolling_passkey(&services, &token, &link, &name)
            .await?,
    )
}

#[server(endpoint = "finish_enrolling_passkey")]
pub async fn finish_enrolling_passkey(
    link: String,
    form: AddPasskeyForm,
) -> Result<PasskeySummary, ServiceError<SecondFactorError>> {
    let (services, token) = server::session().await?;
    Ok(
        threshold_core::second_factor::finish_enrolling_passkey(&services, &token, &link, &form)
            .await?,
    )
}

#[server(endpoint = "start_enrolling_app")]
pub async fn start_enrolling_app(
    link: String,
) -> Result<TotpSetup, ServiceError<SecondFactorError>> {
    let (services, token) = server::session().await?;
    Ok(threshold_core::second_factor::start_enrolling_app(&services, &token, &link).await?)
}

#[server(endpoint = "confirm_enrolling_app")]
pub async fn confirm_enrolling_app(
    link: String,
    code: String,
) -> Result<RecoveryCodes, ServiceError<SecondFactorError>> {
    let (services, token) = server::session().await?;
    Ok(
        threshold_core::second_factor::confirm_enrolling_app(&services, &token, &link, &code)
            .await?,
    )
}

#[cfg(feature = "ssr")]
mod server {
    use threshold_core::{second_factor::SecondFactorError, Services};

    use crate::auth::server::{services, session_token};
    use crate::errors::{refuse, ServiceError};

    pub async fn session() -> Result<(Services, String), ServiceError<SecondFactorError>> {
        let services = services()?;
        let token = session_token()
            .await
            .ok_or_else(|| refuse(SecondFactorError::NotLoggedIn))?;
        Ok((services, token))
    }
}

/// "Second step": what a support session with only its password sees
/// instead of the console.
#[component]
pub fn SecondStepPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let give = ServerAction::<GiveSecondStep>::new();
    // Posted without JavaScript: a wrong code shows as the page arrives.
    crate::posted::answered_without_script(give);
    let pending = give.pending();
    // A passkey login again: the new session has proved the second factor.
    let by_passkey = Action::new_local(|_: &()| async {
        crate::dialogs::passkey_login::log_in(None)
            .await
            .map(|_| ())
    });
    let passkey_pending = by_passkey.pending();
    Effect::new(move |_| {
        if matches!(give.value().get(), Some(Ok(())))
            || matches!(by_passkey.value().get(), Some(Ok(())))
        {
            auth.changed();
        }
    });
    let code_error = move || match give.value().get() {
        Some(Err(error)) => Some(error.to_string()),
        _ => None,
    };
    let passkey_error = move || match by_passkey.value().get() {
        Some(Err(Some(words))) => Some(words),
        _ => None,
    };
    view! {
        <section class="notice-page second-step" aria-labelledby="second-step-title">
            <h1 id="second-step-title">"Second step"</h1>
            <p>"The support console can change any account, so it asks for more than a password."</p>
            <h2>"Use your passkey"</h2>
            {move || passkey_error().map(|words| view! {
                <p class="notice notice--error" role="alert" id="second-step-passkey-error">{words}</p>
            })}
            <button type="button" class="button button--primary needs-script" id="second-step-passkey"
                disabled=passkey_pending on:click=move |_| { by_passkey.dispatch(()); }>
                "Use your passkey"
            </button>
            <h2>"Or enter a code"</h2>
            <ActionForm action=give attr:class="form" attr:novalidate=true>
                {move || code_error().map(|words| view! {
                    <p class="notice notice--error" role="alert" id="second-step-error">{words}</p>
                })}
                <div class="field">
                    <label class="field__label" for="second-step-code">"Code"</label>
                    <p class="field__hint" id="second-step-code-hint">
                        "The 6-digit code your authenticator app shows now, or one of your recovery codes."
                    </p>
                    <input class="field__input" id="second-step-code" name="form[code]" type="text"
                        autocomplete="one-time-code" autocapitalize="none" spellcheck="false"
                        aria-describedby="second-step-code-hint" required=true/>
                </div>
                <button type="submit" class="button button--primary" id="second-step-submit"
                    disabled=pending>"Continue"</button>
            </ActionForm>
            <p class="field__hint">
                "Lost your device and your recovery codes? Another support user can reset your second step and send you a new enrolment link."
            </p>
        </section>
    }
}

/// What a support user without any second factor sees instead of the
/// console.
#[component]
pub fn EnrolFirstPage() -> impl IntoView {
    view! {
        <section class="notice-page" aria-labelledby="enrol-first-title">
            <h1 id="enrol-first-title">"Set up your second step"</h1>
            <p>
                "Before the support console opens, your account needs a second step: a passkey or \
                 an authenticator app. Open the enrolment link you were given (it works once, for \
                 24 hours). If you do not have one, ask another support user to send you one."
            </p>
        </section>
    }
}

/// `/support/enrol?link=…`: setting up the second step.
#[component]
pub fn EnrolPage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let dialogs = expect_context::<Dialogs>();
    let query = use_query_map();
    let link = Signal::derive(move || query.with(|q| q.get("link").unwrap_or_default()));
    let checked = Resource::new(
        move || {
            (
                link.get(),
                auth.user
                    .get()
                    .map(|u| u.ok().flatten().map(|u| u.account_id)),
            )
        },
        |(link, user)| async move {
            match user {
                Some(Some(_)) => Some(check_enrolment_link(link).await),
                _ => None,
            }
        },
    );
    view! {
        <leptos_meta::Title text="Set up your second step · Threshold"/>
        <section class="notice-page enrol" aria-labelledby="enrol-title">
            <h1 id="enrol-title">"Set up your second step"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || checked.get().map(|checked| match checked {
                    None => view! {
                        <p>"Log in with your support username and password first; this page then continues."</p>
                        <button type="button" class="button button--primary"
                            on:click=move |_| dialogs.open(DialogKind::Login)>"Log in"</button>
                    }.into_any(),
                    Some(Err(error)) => view! {
                        <p class="notice notice--error" role="alert" id="enrol-error">{error.to_string()}</p>
                    }.into_any(),
                    Some(Ok(())) => view! { <EnrolChoices link=link.get_untracked()/> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn EnrolChoices(link: String) -> impl IntoView {
    let auth = expect_context::<Auth>();
    let link = StoredValue::new(link);
    let name = RwSignal::new(String::new());
    let with_passkey = Action::new_local(move |name: &String| {
        let (link, name) = (link.get_value(), name.clone());
        async move {
            let ceremony = start_enrolling_passkey(link.clone(), name)
                .await
                .map_err(|error| Some(error.to_string()))?;
            let credential = passkey::create(&ceremony.options)
                .await
                .map_err(|error| error.message().map(str::to_owned))?;
            finish_enrolling_passkey(
                link,
                AddPasskeyForm {
                    ceremony: ceremony.ceremony,
                    credential,
                },
            )
            .await
            .map_err(|error| Some(error.to_string()))
        }
    });
    let app = Action::new_local(move |_: &()| start_enrolling_app(link.get_value()));
    let confirm = Action::new_local(move |code: &String| {
        confirm_enrolling_app(link.get_value(), code.clone())
    });
    let code = RwSignal::new(String::new());
    let done = move || {
        matches!(with_passkey.value().get(), Some(Ok(_)))
            || matches!(confirm.value().get(), Some(Ok(_)))
    };
    let passkey_error = move || match with_passkey.value().get() {
        Some(Err(Some(words))) => Some(words),
        _ => None,
    };
    view! {
        <Show when=move || !done() fallback=move || view! {
            <div class="notice notice--success" role="status" id="enrolled">
                <h2>"Your second step is set up"</h2>
                {move || confirm.value().get().and_then(Result::ok).map(|codes| view! {
                    <p>"Save these recovery codes somewhere safe, away from your phone. Each works once, \
                        when your authenticator app is not at hand. They are shown only now."</p>
                    <ol class="recovery-codes" id="recovery-codes">
                        {codes.codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
                    </ol>
                })}
                <a href="/support" class="button button--primary" id="enrolled-continue"
                    on:click=move |_| auth.changed()>"Open the support console"</a>
            </div>
        }>
            <h2>"With a passkey (recommended)"</h2>
            <p>"Your phone, computer or security key confirms it is you with your fingerprint, face or screen lock."</p>
            {move || passkey_error().map(|words| view! {
                <p class="notice notice--error" role="alert" id="enrol-passkey-error">{words}</p>
            })}
            <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                with_passkey.dispatch(name.get_untracked());
            }>
                <div class="field">
                    <label class="field__label" for="enrol-passkey-name">"Name for the passkey"</label>
                    <input class="field__input" id="enrol-passkey-name" type="text" autocomplete="off"
                        prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                </div>
                <button type="submit" class="button button--primary" id="enrol-passkey"
                    disabled=with_passkey.pending()>"Set up a passkey"</button>
            </form>
            <h2>"With an authenticator app"</h2>
            <p>"For a device that cannot keep a passkey: an app such as Google Authenticator, Microsoft Authenticator or 1Password shows a new 6-digit code every 30 seconds."</p>
            {move || match app.value().get() {
                None => view! {
                    <button type="button" class="button" id="enrol-app"
                        on:click=move |_| { app.dispatch(()); }>"Set up an authenticator app"</button>
                }.into_any(),
                Some(Err(error)) => view! {
                    <p class="notice notice--error" role="alert">{error.to_string()}</p>
                }.into_any(),
                Some(Ok(setup)) => view! {
                    <p>"Scan this code with the app, or type the key below into it."</p>
                    <div class="qr" role="img" aria-label="QR code of your authenticator key" inner_html=setup.qr_svg></div>
                    <p>"Key: "<code id="app-secret">{setup.secret}</code></p>
                    <form class="form" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        confirm.dispatch(code.get_untracked());
                    }>
                        {move || confirm.value().get().and_then(Result::err).map(|error| view! {
                            <p class="notice notice--error" role="alert" id="enrol-app-error">{error.to_string()}</p>
                        })}
                        <div class="field">
                            <label class="field__label" for="enrol-app-code">"The 6-digit code the app shows"</label>
                            <input class="field__input" id="enrol-app-code" type="text" inputmode="numeric"
                                autocomplete="one-time-code" prop:value=code
                                on:input=move |ev| code.set(event_target_value(&ev))/>
                        </div>
                        <button type="submit" class="button button--primary" id="enrol-app-confirm"
                            disabled=confirm.pending()>"Confirm"</button>
                    </form>
                }.into_any(),
            }}
        </Show>
    }
}
