//! What kind of "no" a domain error is.
//!
//! Every error a server function can answer with implements [`Refusal`]:
//! it says what kind of refusal it is and which form fields it is about.
//! The web layer turns the kind into an HTTP status in one place
//! (`app::errors`), so this crate never speaks HTTP, and nothing reads a
//! response body back to guess what it was.

/// The kinds of refusal. Each has one HTTP status in the web layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalKind {
    /// Understood and refused for a reason the person can act on: a field
    /// to correct, a name already taken, a wrong password, a wait to sit out.
    Refused,
    /// Needs a login first.
    NotLoggedIn,
    /// Logged in, but this is not theirs to see or do.
    Forbidden,
    /// There is no such thing.
    NotFound,
    /// The service could not answer just now (database, hashing pool): the
    /// same request may succeed later. The cause is logged, never sent.
    Unavailable,
    /// This client (or this target) has used up its allowance: the same
    /// request is answered after [`Refusal::retry_after_seconds`].
    Limited,
    /// The service is shedding load (its hashing queue is full): try again
    /// in [`Refusal::retry_after_seconds`]. Answered at once, before any work.
    Busy,
}

/// What a person reads when their request was shed ([`RefusalKind::Busy`]),
/// whichever form they sent: the same words everywhere.
pub const BUSY_WORDS: &str = "Threshold is busy. Try again in a few seconds.";

/// A domain error that can reach a person.
pub trait Refusal: std::error::Error {
    /// The form fields a refusal of this kind can be about.
    type Field: Copy + PartialEq + std::fmt::Debug;

    fn kind(&self) -> RefusalKind;

    /// The fields this refusal is about, in the form's order; empty when it
    /// concerns the request as a whole (shown above the form's button).
    fn fields(&self) -> Vec<Self::Field> {
        Vec::new()
    }

    /// When the same request may succeed, for refusals that are a wait
    /// ([`RefusalKind::Limited`], [`RefusalKind::Busy`], a delayed login):
    /// sent as `Retry-After`.
    fn retry_after_seconds(&self) -> Option<u64> {
        None
    }
}

/// The field type of refusals that are never about one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoField {}
