//! Everything a request needs from the server, handed to server functions
//! through Leptos context and to axum handlers as state.

use std::sync::Arc;

use tokio::sync::Notify;

use crate::access::ContactPolicy;
use crate::accounts::RegistrationPolicy;
use crate::auth::{rate_limit::RateLimit, sessions::SessionPolicy};
use crate::clock::{Clock, SystemClock};
use crate::events::EventFeed;
use crate::hashing::{HashCost, HashError, Hasher};
use crate::passwords::DEFAULT_VERDICT_RATE;
use crate::reset::ResetPolicy;
use crate::retention::RetentionPolicy;
use crate::rules::NewPasswordRules;
use crate::store::Store;

#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub hasher: Hasher,
    pub clock: Arc<dyn Clock>,
    /// What a new password must be (SPEC.md §3).
    pub password_rules: NewPasswordRules,
    /// Password verdicts (the dialogs' live check) per client address.
    pub verdict_rate: RateLimit,
    pub session_policy: SessionPolicy,
    /// Login attempts per client address (passkey answers included).
    pub login_rate: RateLimit,
    /// Passkey ceremonies begun per client address: each is a stored row.
    pub passkey_ceremony_rate: RateLimit,
    /// Registrations per client address and per email or username typed.
    pub registration_policy: RegistrationPolicy,
    pub reset_policy: ResetPolicy,
    /// Limits of the public "Contact support" form.
    pub contact_policy: ContactPolicy,
    /// Confirmation emails one account may cause (a change of address, or
    /// "Send again"): a link sent to any address typed is a way to send
    /// mail to strangers, so it is scarce.
    pub confirmation_rate: RateLimit,
    /// Woken when a message is queued, so the outbox worker sends it now
    /// rather than at its next poll.
    pub outbox_wakeup: Arc<Notify>,
    /// The site's address as people reach it, for links in emails.
    pub site_url: String,
    /// No SMTP server is configured: mail goes to the development mailbox,
    /// which `/dev/mailbox` shows.
    pub dev_mailbox: bool,
    /// Tells the support console's live streams that an event was written.
    pub events: EventFeed,
    /// What the sweeper deletes when.
    pub retention: RetentionPolicy,
}

/// Login attempts one address may make: a burst of 20, then 20 a minute.
/// Enough for a practice sharing one public address; far too few to guess.
pub const DEFAULT_LOGIN_RATE: RateLimit = RateLimit::per_minute(20);

/// Passkey ceremonies one address may begin: the Log in dialog begins one
/// each time it opens (for the browser's autofill offer), so a burst of 30
/// and then 30 a minute.
pub const DEFAULT_PASSKEY_CEREMONY_RATE: RateLimit = RateLimit::per_minute(30);

/// Confirmation emails per account: 5 at once, then 5 an hour.
pub const DEFAULT_CONFIRMATION_RATE: RateLimit = RateLimit::per_hour(5);

impl Services {
    /// The production wiring: the system clock and the shipped list; mail
    /// to the development mailbox until told otherwise.
    pub fn new(store: Store, hash_cost: HashCost) -> Result<Self, HashError> {
        Ok(Self::with_hasher(store, Hasher::new(hash_cost)?))
    }

    /// The same, with a hasher built by the caller (its queue bound
    /// configured).
    pub fn with_hasher(store: Store, hasher: Hasher) -> Self {
        Self {
            store,
            hasher,
            clock: Arc::new(SystemClock),
            password_rules: NewPasswordRules::shipped(),
            verdict_rate: DEFAULT_VERDICT_RATE,
            session_policy: SessionPolicy::default(),
            login_rate: DEFAULT_LOGIN_RATE,
            passkey_ceremony_rate: DEFAULT_PASSKEY_CEREMONY_RATE,
            registration_policy: RegistrationPolicy::default(),
            reset_policy: ResetPolicy::default(),
            contact_policy: ContactPolicy::default(),
            confirmation_rate: DEFAULT_CONFIRMATION_RATE,
            outbox_wakeup: Arc::new(Notify::new()),
            site_url: "http://127.0.0.1:3000".to_owned(),
            dev_mailbox: true,
            events: EventFeed::new(),
            retention: RetentionPolicy::default(),
        }
    }
}
