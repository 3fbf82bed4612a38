//! Argon2id password hashing on a bounded pool.
//!
//! Each hash holds `m` KiB of memory and a core for tens of milliseconds, so
//! the number running at once is capped at the number of cores: memory stays
//! bounded however many requests arrive, and excess work waits in line
//! instead of thrashing. Everything that decides how many hashes a request
//! costs goes through [`Hasher::verify_first`].

use std::sync::Arc;

use argon2::{
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use rand::RngCore;
use tokio::sync::Semaphore;

use crate::rules::Password;

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
}

#[derive(Clone)]
pub struct Hasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    permits: Semaphore,
    /// Verified against when an account does not exist, so an unknown
    /// username costs the same time as a wrong password.
    dummy_hash: String,
}

impl Hasher {
    /// Builds the hasher; computes the dummy hash once (one Argon2 run).
    pub fn new(cost: HashCost) -> Result<Self, HashError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|error| HashError::Params(error.to_string()))?;
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let dummy_hash = hash_blocking(
            &params,
            &Password::new("dummy password for absent accounts"),
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                permits: Semaphore::new(workers),
                dummy_hash,
            }),
        })
    }

    /// Hashes a password with a fresh random salt.
    pub async fn hash(&self, password: Password) -> Result<String, HashError> {
        let inner = Arc::clone(&self.inner);
        self.run(move || hash_blocking(&inner.params, &password))
            .await?
    }

    /// Verifies `candidates` in order against `stored` (or, when there is no
    /// account, against the dummy hash so the work is the same) and returns
    /// the index of the first that matches. All candidates run under one
    /// permit: a login's cost is the number of candidates, no more.
    pub async fn verify_first(
        &self,
        stored: Option<String>,
        candidates: Vec<Password>,
    ) -> Result<Option<usize>, HashError> {
        let inner = Arc::clone(&self.inner);
        self.run(move || {
            let real = stored.is_some();
            let phc = stored.unwrap_or_else(|| inner.dummy_hash.clone());
            let parsed =
                PasswordHash::new(&phc).map_err(|error| HashError::Hash(error.to_string()))?;
            let argon2 = Argon2::default();
            for (index, candidate) in candidates.iter().enumerate() {
                let matches = argon2
                    .verify_password(candidate.expose().as_bytes(), &parsed)
                    .is_ok();
                if matches && real {
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
        let Ok(parsed) = PasswordHash::new(stored) else {
            return true;
        };
        if parsed.algorithm != Algorithm::Argon2id.ident() {
            return true;
        }
        match Params::try_from(&parsed) {
            Ok(params) => {
                params.m_cost() < self.inner.params.m_cost()
                    || params.t_cost() < self.inner.params.t_cost()
                    || params.p_cost() < self.inner.params.p_cost()
            }
            Err(_) => true,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::PoolClosed)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|_| HashError::PoolClosed)
    }
}

fn hash_blocking(params: &Params, password: &Password) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|error| HashError::Hash(error.to_string()))?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| HashError::Hash(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Hasher {
        Hasher::new(HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_their_parameters() {
        let hash = cheap()
            .hash(Password::new("correct horse battery"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
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
