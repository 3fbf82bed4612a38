//! Argon2id password hashing on a bounded pool.
//!
//! Each hash holds `m` KiB of memory and a core for tens of milliseconds, so
//! hashes run on a fixed set of worker threads, one per core (`pool`):
//! memory stays bounded however many requests arrive, and excess work waits
//! in line instead of thrashing — up to a bound on how long the line takes
//! to drain, beyond which a request is refused at once ([`HashError::Busy`]).
//! Everything that decides how many hashes a request costs goes through
//! [`Hasher::verify_first_of`].
//!
//! `phc` reads and writes the stored hashes; `compute` runs Argon2 in
//! memory each hashing thread reuses.

mod compute;
mod phc;
mod pool;

use std::{sync::Arc, time::Duration};

use argon2::Params;

use crate::rules::Password;
use phc::{argon2id_params, hash_blocking, StoredHash};
use pool::Pool;
pub use pool::Slot as HashSlot;

/// How long the queued hashing work may take to drain before new work is
/// refused, unless configured (`HASH_QUEUE_SECONDS`).
pub const DEFAULT_QUEUE_BOUND: Duration = Duration::from_secs(2);

/// Argon2id cost. The defaults are OWASP's minimum (m = 19 MiB, t = 2, p = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid Argon2 parameters: {0}")]
    Params(String),
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("the hashing pool has shut down")]
    PoolClosed,
    /// The queued work would take longer than the bound to drain: refused
    /// before any work, to be tried again after about this long.
    #[error("the hashing queue is full (about {retry_after_seconds} s of work)")]
    Busy { retry_after_seconds: u64 },
}

impl HashError {
    /// The wait a [`HashError::Busy`] asks for: the flow answers with its
    /// own `Busy` refusal (not logged: shedding is counted in /metrics).
    pub fn busy_seconds(&self) -> Option<u64> {
        match self {
            HashError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    /// The hashing threads; they exit when the hasher is dropped.
    pool: Pool,
    /// Verified against when an account does not exist, so an unknown
    /// username costs the same time as a wrong password.
    dummy_hash: String,
}

impl Hasher {
    /// Builds the hasher with the default queue bound; computes the dummy
    /// hash once (one Argon2 run).
    pub fn new(cost: HashCost) -> Result<Self, HashError> {
        Self::with_queue_bound(cost, DEFAULT_QUEUE_BOUND)
    }

    /// Builds the hasher, refusing work once the queued jobs would take
    /// longer than `queue_bound` to finish. The dummy hash made here is the
    /// first job timed, so the bound holds from the first request.
    pub fn with_queue_bound(cost: HashCost, queue_bound: Duration) -> Result<Self, HashError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|error| HashError::Params(error.to_string()))?;
        let pool = Pool::one_thread_per_core(queue_bound)?;
        // Made on a hashing thread, so its Argon2 memory is one they reuse.
        let dummy_params = params.clone();
        let dummy_hash = pool.run_blocking(move || {
            let password = Password::new("dummy password for absent accounts");
            hash_blocking(&dummy_params, &password)
        })??;
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                pool,
                dummy_hash,
            }),
        })
    }

    /// A place in the hashing queue, or [`HashError::Busy`] at once. Taken
    /// first by a request that would otherwise do work (such as charging a
    /// login attempt to a name) before being refused.
    pub fn admit(&self) -> Result<HashSlot, HashError> {
        self.inner.pool.admit()
    }

    /// Hashes a password with a fresh random salt.
    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        let slot = self.admit()?;
        self.hash_in(slot, password).await
    }

    /// [`Hasher::hash`], in a place already taken.
    pub async fn hash_in(&self, slot: HashSlot, password: Password) -> Result<String, HashError> {
        let inner = Arc::clone(&self.inner);
        self.inner
            .pool
            .run(slot, move || hash_blocking(&inner.params, &password))
            .await?
    }

    /// Verifies `candidates` in order against `stored` (or, when there is no
    /// account, against the dummy hash so the work is the same) and returns
    /// the index of the first that matches.
    pub async fn verify_first(
        &self,
        stored: Option<String>,
        candidates: Vec<Password>,
    ) -> Result<Option<usize>, HashError> {
        let attempts = candidates
            .into_iter()
            .map(|candidate| Attempt {
                stored: stored.clone(),
                candidate,
            })
            .collect();
        let slot = self.admit()?;
        self.verify_first_of(slot, attempts).await
    }

    /// Verifies each attempt's candidate against its own stored hash, in
    /// order, and returns the index of the first that matches. An attempt
    /// with no stored hash is verified against the dummy hash and never
    /// matches, so it costs what a real one costs. All attempts run as one
    /// job, in the place `slot` holds: a login's cost is the number of
    /// attempts, no more.
    pub async fn verify_first_of(
        &self,
        slot: HashSlot,
        attempts: Vec<Attempt>,
    ) -> Result<Option<usize>, HashError> {
        let inner = Arc::clone(&self.inner);
        self.inner
            .pool
            .run(slot, move || {
                let mut parsed: Option<(String, StoredHash)> = None;
                for (index, attempt) in attempts.iter().enumerate() {
                    let phc = attempt.stored.as_deref().unwrap_or(&inner.dummy_hash);
                    let stored = match parsed.take() {
                        Some((text, stored)) if text == phc => (text, stored),
                        _ => (phc.to_owned(), StoredHash::parse(phc)?),
                    };
                    let matched = stored.1.matches(&attempt.candidate)?;
                    parsed = Some(stored);
                    if matched && attempt.stored.is_some() {
                        return Ok(Some(index));
                    }
                }
                Ok(None)
            })
            .await?
    }

    /// True when `stored` was made with weaker parameters (or another
    /// algorithm) than the configured ones: the caller rehashes on login.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Some(params) = argon2id_params(stored) else {
            return true;
        };
        params.m_cost() < self.inner.params.m_cost()
            || params.t_cost() < self.inner.params.t_cost()
            || params.p_cost() < self.inner.params.p_cost()
    }
}

/// One password to try against one stored hash (`None`: no account).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub stored: Option<String>,
    pub candidate: Password,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hasher fast enough for unit tests, here and in `phc`.
    pub(super) fn cheap() -> Hasher {
        Hasher::new(HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn verify_first_returns_the_index_of_the_matching_candidate() {
        let hasher = cheap();
        let hash = hasher.hash(Password::new("Second one here")).await.unwrap();
        let candidates = vec![Password::new("first"), Password::new("Second one here")];
        assert_eq!(
            hasher
                .verify_first(Some(hash.clone()), candidates)
                .await
                .unwrap(),
            Some(1)
        );
        let wrong = vec![Password::new("nope")];
        assert_eq!(hasher.verify_first(Some(hash), wrong).await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_absent_account_never_verifies_even_with_the_dummy_password() {
        let hasher = cheap();
        let candidates = vec![Password::new("dummy password for absent accounts")];
        assert_eq!(hasher.verify_first(None, candidates).await.unwrap(), None);
    }

    #[tokio::test]
    async fn weaker_stored_parameters_need_a_rehash_and_equal_ones_do_not() {
        let weak = cheap().hash(Password::new("some password")).await.unwrap();
        let strong = Hasher::new(HashCost {
            memory_kib: 128,
            iterations: 2,
            parallelism: 1,
        })
        .unwrap();
        assert!(strong.needs_rehash(&weak));
        let current = strong.hash(Password::new("some password")).await.unwrap();
        assert!(!strong.needs_rehash(&current));
        assert!(strong.needs_rehash("not a phc string"));
    }
}
