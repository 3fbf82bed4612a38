//! The browser's half of a passkey ceremony: hand the server's options to
//! `navigator.credentials` and its answer back as JSON text.
//!
//! The options and the answer travel in WebAuthn's JSON form, which the
//! browser converts itself (`PublicKeyCredential.parseCreationOptionsFromJSON`,
//! `parseRequestOptionsFromJSON`, `toJSON()`: WebAuthn Level 3, in every
//! current browser). A browser without them is told passkeys do not work
//! in it, rather than given a hand-written base64 layer to maintain.

/// Why the browser produced no answer. (On the server there is no
/// browser: only `Unsupported` is ever made there.)
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum PasskeyClientError {
    /// No WebAuthn, or too old a version of it.
    Unsupported,
    /// The person closed the prompt, or it timed out: nothing to report.
    Cancelled,
    /// The authenticator already holds a passkey of this account.
    AlreadyOnDevice,
    /// The site's address cannot have passkeys (an IP address, plain http
    /// on a public name).
    WrongAddress,
    /// Anything else the browser said.
    Failed,
}

impl PasskeyClientError {
    /// What the person reads; `None` when they cancelled.
    pub fn message(&self) -> Option<&'static str> {
        match self {
            PasskeyClientError::Unsupported => Some(
                "This browser cannot use passkeys. Update it, or use another browser; \
                 you can always log in with your password.",
            ),
            PasskeyClientError::Cancelled => None,
            PasskeyClientError::AlreadyOnDevice => {
                Some("This device already has a passkey for your account.")
            }
            PasskeyClientError::WrongAddress => Some(
                "Passkeys do not work at this address of the site. Open it by its name \
                 (for a local copy, http://localhost) and try again.",
            ),
            PasskeyClientError::Failed => Some(
                "Your device could not use a passkey just now. Try again, or log in with \
                 your password.",
            ),
        }
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Function, Object, Promise, Reflect, JSON};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::PasskeyClientError;

    fn get(target: &JsValue, name: &str) -> Option<JsValue> {
        Reflect::get(target, &JsValue::from_str(name))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }

    fn function(target: &JsValue, name: &str) -> Option<Function> {
        get(target, name)?.dyn_into::<Function>().ok()
    }

    fn credential_class() -> Option<JsValue> {
        get(&js_sys::global(), "PublicKeyCredential")
    }

    /// WebAuthn with its JSON conversions.
    pub fn supported() -> bool {
        credential_class().is_some_and(|class| {
            function(&class, "parseCreationOptionsFromJSON").is_some()
                && function(&class, "parseRequestOptionsFromJSON").is_some()
        })
    }

    /// Whether the browser can offer passkeys in a field's autofill list.
    pub async fn autofill_supported() -> bool {
        let Some(class) = credential_class().filter(|_| supported()) else {
            return false;
        };
        let Some(ask) = function(&class, "isConditionalMediationAvailable") else {
            return false;
        };
        let Ok(promise) = ask.call0(&class).and_then(|p| p.dyn_into::<Promise>()) else {
            return false;
        };
        JsFuture::from(promise)
            .await
            .is_ok_and(|answer| answer.as_bool() == Some(true))
    }

    fn error_of(value: JsValue) -> PasskeyClientError {
        let name = get(&value, "name").and_then(|name| name.as_string());
        match name.as_deref() {
            Some("NotAllowedError") | Some("AbortError") => PasskeyClientError::Cancelled,
            Some("InvalidStateError") => PasskeyClientError::AlreadyOnDevice,
            Some("SecurityError") => PasskeyClientError::WrongAddress,
            _ => PasskeyClientError::Failed,
        }
    }

    /// Runs `navigator.credentials[method]` with the server's `options`
    /// (parsed by `parser`), optionally with `mediation` and `signal`, and
    /// answers the credential's JSON as text.
    pub async fn ceremony(
        method: &str,
        parser: &str,
        options: &str,
        mediation: Option<&str>,
        signal: Option<&web_sys::AbortSignal>,
    ) -> Result<String, PasskeyClientError> {
        if !supported() {
            return Err(PasskeyClientError::Unsupported);
        }
        let class = credential_class().ok_or(PasskeyClientError::Unsupported)?;
        let options = JSON::parse(options).map_err(|_| PasskeyClientError::Failed)?;
        let public_key = get(&options, "publicKey").ok_or(PasskeyClientError::Failed)?;
        let parsed = function(&class, parser)
            .ok_or(PasskeyClientError::Unsupported)?
            .call1(&class, &public_key)
            .map_err(error_of)?;
        let request = Object::new();
        let set = |name: &str, value: &JsValue| {
            Reflect::set(&request, &JsValue::from_str(name), value).is_ok()
        };
        set("publicKey", &parsed);
        if let Some(mediation) = mediation {
            set("mediation", &JsValue::from_str(mediation));
        }
        if let Some(signal) = signal {
            set("signal", signal.as_ref());
        }
        let navigator =
            get(&js_sys::global(), "navigator").ok_or(PasskeyClientError::Unsupported)?;
        let credentials = get(&navigator, "credentials").ok_or(PasskeyClientError::Unsupported)?;
        let promise = function(&credentials, method)
            .ok_or(PasskeyClientError::Unsupported)?
            .call1(&credentials, &request)
            .map_err(error_of)?
            .dyn_into::<Promise>()
            .map_err(|_| PasskeyClientError::Failed)?;
        let credential = JsFuture::from(promise).await.map_err(error_of)?;
        if credential.is_null() || credential.is_undefined() {
            return Err(PasskeyClientError::Cancelled);
        }
        let json = function(&credential, "toJSON")
            .ok_or(PasskeyClientError::Unsupported)?
            .call0(&credential)
            .map_err(error_of)?;
        JSON::stringify(&json)
            .ok()
            .and_then(|text| text.as_string())
            .ok_or(PasskeyClientError::Failed)
    }
}

/// Whether this browser can use passkeys (always false on the server).
pub fn supported() -> bool {
    #[cfg(feature = "hydrate")]
    {
        browser::supported()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Whether the browser offers passkeys in the username field's autofill.
pub async fn autofill_supported() -> bool {
    #[cfg(feature = "hydrate")]
    {
        browser::autofill_supported().await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Makes a passkey with the registration `options` (the server's JSON);
/// answers the new credential's JSON.
pub async fn create(options: &str) -> Result<String, PasskeyClientError> {
    #[cfg(feature = "hydrate")]
    {
        browser::ceremony(
            "create",
            "parseCreationOptionsFromJSON",
            options,
            None,
            None,
        )
        .await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options;
        Err(PasskeyClientError::Unsupported)
    }
}

/// Signs the login challenge in `options` with a passkey the person picks
/// (in a prompt, or from the field's autofill list when `autofill` is
/// given: it then waits until a passkey is picked or the signal aborts).
pub async fn assert(
    options: &str,
    autofill: Option<&AutofillRequest>,
) -> Result<String, PasskeyClientError> {
    #[cfg(feature = "hydrate")]
    {
        let (mediation, signal) = match autofill {
            Some(request) => (Some("conditional"), Some(request.controller.signal())),
            None => (None, None),
        };
        browser::ceremony(
            "get",
            "parseRequestOptionsFromJSON",
            options,
            mediation,
            signal.as_ref(),
        )
        .await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (options, autofill);
        Err(PasskeyClientError::Unsupported)
    }
}

/// A waiting autofill offer, which must be withdrawn before any other
/// WebAuthn request (the browser runs one at a time) and when the dialog
/// closes. Kept in the dialog's (thread-safe) reactive storage: the
/// browser's controller is wrapped as `Send`, which the browser's single
/// thread makes true; on the server it holds nothing.
#[derive(Clone)]
pub struct AutofillRequest {
    #[cfg(feature = "hydrate")]
    controller: send_wrapper::SendWrapper<web_sys::AbortController>,
}

impl AutofillRequest {
    pub fn new() -> Option<Self> {
        #[cfg(feature = "hydrate")]
        {
            web_sys::AbortController::new().ok().map(|controller| Self {
                controller: send_wrapper::SendWrapper::new(controller),
            })
        }
        #[cfg(not(feature = "hydrate"))]
        {
            None
        }
    }

    pub fn withdraw(&self) {
        #[cfg(feature = "hydrate")]
        self.controller.abort();
    }
}
