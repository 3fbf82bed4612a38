//! Argon2id password hashing on a bounded pool.
//!
//! Each hash holds `m` KiB of memory and a core for tens of milliseconds, so
//! hashes run on a fixed set of worker threads, one per core: memory stays
//! bounded however many requests arrive, and excess work waits in line
//! instead of thrashing. Dedicated threads rather than tokio's blocking pool:
//! that pool grows to hundreds of threads under load, and each thread's
//! allocator arena keeps its own 19 MiB Argon2 buffer (measured: 590 MiB
//! peak RSS at 200 concurrent logins before this change). Everything that decides how many hashes a request
//! costs goes through [`Hasher::verify_first_of`].

use std::sync::{mpsc, Arc, Mutex};

use std::cell::RefCell;

use argon2::{
    password_hash::{Output, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};
use rand::RngCore;
use tokio::sync::oneshot;

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
    /// Work for the hashing threads; they exit when the hasher is dropped.
    jobs: mpsc::Sender<Job>,
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
        let jobs = spawn_workers(workers)?;
        // Made on a hashing thread, so its Argon2 memory is one they reuse.
        let (reply, answer) = mpsc::channel();
        let dummy_params = params.clone();
        jobs.send(Box::new(move || {
            let password = Password::new("dummy password for absent accounts");
            let _ = reply.send(hash_blocking(&dummy_params, &password));
        }))
        .map_err(|_| HashError::PoolClosed)?;
        let dummy_hash = answer.recv().map_err(|_| HashError::PoolClosed)??;
        Ok(Self {
            inner: Arc::new(Inner {
                params,
                jobs,
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
        self.verify_first_of(attempts).await
    }

    /// Verifies each attempt's candidate against its own stored hash, in
    /// order, and returns the index of the first that matches. An attempt
    /// with no stored hash is verified against the dummy hash and never
    /// matches, so it costs what a real one costs. All attempts run as one
    /// job: a login's cost is the number of attempts, no more.
    pub async fn verify_first_of(
        &self,
        attempts: Vec<Attempt>,
    ) -> Result<Option<usize>, HashError> {
        let inner = Arc::clone(&self.inner);
        self.run(move || {
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
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            // The caller may have gone (request cancelled): nothing to do.
            let _ = reply.send(work());
        });
        self.inner
            .jobs
            .send(job)
            .map_err(|_| HashError::PoolClosed)?;
        answer.await.map_err(|_| HashError::PoolClosed)
    }
}

/// One password to try against one stored hash (`None`: no account).
#[derive(Debug, Clone)]
pub struct Attempt {
    pub stored: Option<String>,
    pub candidate: Password,
}

type Job = Box<dyn FnOnce() + Send>;

/// Starts `count` hashing threads sharing one queue.
fn spawn_workers(count: usize) -> Result<mpsc::Sender<Job>, HashError> {
    let (sender, receiver) = mpsc::channel::<Job>();
    let receiver = Arc::new(Mutex::new(receiver));
    for index in 0..count {
        let receiver = Arc::clone(&receiver);
        std::thread::Builder::new()
            .name(format!("argon2-{index}"))
            .spawn(move || loop {
                // Holding the lock only while waiting for the next job.
                let job = match receiver.lock() {
                    Ok(queue) => queue.recv(),
                    Err(_) => return,
                };
                match job {
                    // A panicking job loses its answer (the caller sees
                    // PoolClosed), not the thread.
                    Ok(job) => {
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                    Err(_) => return, // the hasher was dropped
                }
            })
            .map_err(|error| HashError::Hash(format!("cannot start a hashing thread: {error}")))?;
    }
    Ok(sender)
}

fn hash_blocking(params: &Params, password: &Password) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt_text =
        SaltString::encode_b64(&salt).map_err(|error| HashError::Hash(error.to_string()))?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(
        Algorithm::Argon2id,
        Version::V0x13,
        params,
        password,
        &salt,
        &mut output,
    )?;
    let output = Output::new(&output).map_err(|error| HashError::Hash(error.to_string()))?;
    Ok(format!(
        "${}$v=19$m={},t={},p={}${}${}",
        Algorithm::Argon2id.ident(),
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt_text.as_str(),
        output
    ))
}

/// A stored PHC string, parsed once per login for all its candidates.
struct StoredHash {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Vec<u8>,
    expected: Output,
}

impl StoredHash {
    fn parse(phc: &str) -> Result<Self, HashError> {
        let invalid = |what: &str| HashError::Hash(format!("stored hash: {what}"));
        let parsed = PasswordHash::new(phc).map_err(|_| invalid("not a PHC string"))?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|_| invalid("algorithm"))?;
        let version = parsed
            .version
            .map_or(Ok(Version::V0x13), Version::try_from)
            .map_err(|_| invalid("version"))?;
        let params = Params::try_from(&parsed).map_err(|_| invalid("parameters"))?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or_else(|| invalid("no salt"))?
            .decode_b64(&mut salt)
            .map_err(|_| invalid("salt"))?
            .to_vec();
        let expected = parsed.hash.ok_or_else(|| invalid("no hash"))?;
        Ok(Self {
            algorithm,
            version,
            params,
            salt,
            expected,
        })
    }

    fn matches(&self, candidate: &Password) -> Result<bool, HashError> {
        let mut output = vec![0u8; self.expected.len()];
        compute(
            self.algorithm,
            self.version,
            &self.params,
            candidate,
            &self.salt,
            &mut output,
        )?;
        let output = Output::new(&output).map_err(|error| HashError::Hash(error.to_string()))?;
        // `Output`'s equality is constant-time.
        Ok(output == self.expected)
    }
}

thread_local! {
    /// Each hashing thread's Argon2 memory, allocated once and reused.
    /// Allocating 19 MiB per hash instead fragments the allocator's heap:
    /// measured, the server's RSS grew by about 15 MiB per registration.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn compute(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &Password,
    salt: &[u8],
    output: &mut [u8],
) -> Result<(), HashError> {
    let argon2 = Argon2::new(algorithm, version, params.clone());
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon2
            .hash_password_into_with_memory(
                password.expose().as_bytes(),
                salt,
                output,
                &mut blocks[..needed],
            )
            .map_err(|error| HashError::Hash(error.to_string()))
    })
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_jobs_run_at_once_than_there_are_hashing_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = cheap();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..24)
            .map(|_| {
                let (hasher, running, most) = (hasher.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    hasher
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(5));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let most = most.load(Ordering::SeqCst);
        assert!(
            most >= 1 && most <= cores,
            "{most} at once with {cores} cores"
        );
    }

    #[tokio::test]
    async fn our_phc_strings_and_the_argon2_crates_verify_each_other() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let hasher = cheap();
        let password = Password::new("it's my kettle now");

        let ours = hasher.hash(password.clone()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok());

        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let theirs = Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .unwrap()
            .to_string();
        let candidates = vec![Password::new("wrong"), password];
        assert_eq!(
            hasher.verify_first(Some(theirs), candidates).await.unwrap(),
            Some(1)
        );
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
