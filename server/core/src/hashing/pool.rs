//! The hashing threads: one per core, sharing one job queue whose length is
//! bounded by the time it would take to drain.
//!
//! Dedicated threads rather than tokio's blocking pool: that pool grows to
//! hundreds of threads under load, and each thread's allocator arena keeps its
//! own 19 MiB Argon2 buffer (measured: 590 MiB peak RSS at 200 concurrent
//! logins before this change).
//!
//! Admission: a job takes a [`Slot`] before it is queued, and is refused at
//! once (`HashError::Busy`) when the jobs already waiting or running would
//! take the hashing threads longer than the configured bound to finish, at
//! the recent job time. Under a flood, people are told to come back in a few
//! seconds instead of waiting minutes behind work queued before them, and
//! the queue (and the memory it holds) stays small. A job whose requester has
//! gone (its future dropped: the request was cancelled or timed out) is
//! dropped when a thread reaches it, without hashing.

use std::{
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        mpsc, Arc, Mutex,
    },
    time::{Duration, Instant},
};

use tokio::sync::oneshot;

use super::HashError;

/// Jobs one hashing thread may have admitted, whatever the estimate says:
/// the ceiling that holds while no job has been timed yet, or when jobs
/// are so fast the time bound would admit without limit.
const MOST_JOBS_PER_THREAD: usize = 256;

/// What a thread did with a job it took from the queue.
enum Outcome {
    Done,
    /// The requester had gone: not run.
    Abandoned,
}

struct Job {
    queued_at: Instant,
    /// Held until the job has run or been dropped.
    slot: Slot,
    /// Runs the work and sends the answer, unless nobody waits for it.
    task: Box<dyn FnOnce() -> Outcome + Send>,
}

/// A place among the jobs admitted to the hashing threads, from admission
/// until its job has run or been dropped (or the slot is dropped unused).
/// Taken before a request does work it should not do when its hash would
/// be refused, such as charging a login attempt to a name.
pub struct Slot {
    admission: Arc<Admission>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.admission.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

/// Decides whether one more job fits within the bound.
struct Admission {
    threads: usize,
    /// How long the admitted jobs may take the threads to finish.
    bound: Duration,
    /// Jobs admitted and not yet run or dropped: waiting plus running.
    admitted: AtomicUsize,
    job_time: JobTime,
}

impl Admission {
    /// How many jobs may be admitted at once: as many as the threads finish
    /// within the bound at the recent job time, never fewer than one per
    /// thread (a bound shorter than one job still lets every thread work)
    /// and never more than the ceiling.
    fn capacity(&self) -> usize {
        let most = self.threads * MOST_JOBS_PER_THREAD;
        let Some(job) = self.job_time.estimate() else {
            return most;
        };
        let fits = self.bound.as_secs_f64() * self.threads as f64 / job.as_secs_f64();
        // `as` saturates: an infinite or huge quotient becomes usize::MAX.
        (fits.floor() as usize).clamp(self.threads, most)
    }

    /// Seconds until `jobs` admitted jobs are done, rounded up, at least 1:
    /// what a refused request is told to wait.
    fn drain_seconds(&self, jobs: usize) -> u64 {
        let job = self
            .job_time
            .estimate()
            .unwrap_or(Duration::from_millis(50));
        let seconds = job.as_secs_f64() * jobs as f64 / self.threads as f64;
        (seconds.ceil() as u64).max(1)
    }

    fn admit(self: &Arc<Self>) -> Result<Slot, HashError> {
        let capacity = self.capacity();
        self.admitted
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |admitted| {
                (admitted < capacity).then_some(admitted + 1)
            })
            .map(|_| Slot {
                admission: Arc::clone(self),
            })
            .map_err(|admitted| {
                metrics::counter!("threshold_hash_jobs_shed_total", "reason" => "busy")
                    .increment(1);
                HashError::Busy {
                    retry_after_seconds: self.drain_seconds(admitted),
                }
            })
    }
}

/// The recent time of one job: an exponentially weighted moving average of
/// measured job times, each new one counting for an eighth, so a change in
/// load (another process taking a core) shows within a few dozen jobs
/// while one slow job barely moves it.
struct JobTime {
    /// Nanoseconds; 0 until the first job has been timed.
    nanos: AtomicU64,
}

impl JobTime {
    fn new(first: Option<Duration>) -> Self {
        Self {
            nanos: AtomicU64::new(first.map_or(0, duration_nanos)),
        }
    }

    fn estimate(&self) -> Option<Duration> {
        match self.nanos.load(Ordering::Relaxed) {
            0 => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }

    fn record(&self, took: Duration) {
        let took = duration_nanos(took).max(1);
        let _ = self
            .nanos
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(match old {
                    0 => took,
                    old => (old - old / 8 + took / 8).max(1),
                })
            });
    }
}

fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The queue of the hashing threads; they exit when it is dropped.
pub(super) struct Pool {
    jobs: mpsc::Sender<Job>,
    admission: Arc<Admission>,
}

impl Pool {
    /// One hashing thread per core (why: the module doc of `hashing`),
    /// admitting jobs the threads can finish within `bound`.
    pub(super) fn one_thread_per_core(bound: Duration) -> Result<Self, HashError> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Self::start(threads, bound, None)
    }

    /// Starts `threads` hashing threads sharing one queue; `job_time` is the
    /// estimate to start from (`None`: until a job is timed, only the
    /// ceiling limits admission).
    fn start(
        threads: usize,
        bound: Duration,
        job_time: Option<Duration>,
    ) -> Result<Self, HashError> {
        let admission = Arc::new(Admission {
            threads,
            bound,
            admitted: AtomicUsize::new(0),
            job_time: JobTime::new(job_time),
        });
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = Arc::clone(&receiver);
            let admission = Arc::clone(&admission);
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || loop {
                    // Holding the lock only while waiting for the next job.
                    let job = match receiver.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => work_on(job, &admission),
                        Err(_) => return, // the hasher was dropped
                    }
                })
                .map_err(|error| {
                    HashError::Hash(format!("cannot start a hashing thread: {error}"))
                })?;
        }
        Ok(Self {
            jobs: sender,
            admission,
        })
    }

    /// A place for one job, or `Busy` at once when the admitted jobs would
    /// already take longer than the bound to finish.
    pub(super) fn admit(&self) -> Result<Slot, HashError> {
        self.admission.admit()
    }

    /// Runs `work` on a hashing thread in the place `slot` holds, and waits
    /// for it without blocking the async runtime. Dropping the returned
    /// future before the work starts means the work never runs.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        slot: Slot,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = oneshot::channel();
        // Whatever the job logs belongs to the request that asked for it.
        let span = tracing::Span::current();
        let task = Box::new(move || {
            let _inside = span.enter();
            // Checked as the thread starts the job: nobody would read the
            // answer, so the hash is not worth a core.
            if reply.is_closed() {
                return Outcome::Abandoned;
            }
            let _ = reply.send(work());
            Outcome::Done
        });
        self.jobs
            .send(Job {
                queued_at: Instant::now(),
                slot,
                task,
            })
            .map_err(|_| HashError::PoolClosed)?;
        answer.await.map_err(|_| HashError::PoolClosed)
    }

    /// Runs `work` on a hashing thread, blocking this thread until it ends
    /// (for start-up, outside any request).
    pub(super) fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let slot = self.admit()?;
        let (reply, answer) = mpsc::channel();
        let task = Box::new(move || {
            let _ = reply.send(work());
            Outcome::Done
        });
        self.jobs
            .send(Job {
                queued_at: Instant::now(),
                slot,
                task,
            })
            .map_err(|_| HashError::PoolClosed)?;
        answer.recv().map_err(|_| HashError::PoolClosed)
    }
}

/// Runs (or drops) one job on this hashing thread, timing it for the
/// admission estimate and for /metrics.
fn work_on(job: Job, admission: &Admission) {
    let Job {
        queued_at,
        slot,
        task,
    } = job;
    let started = Instant::now();
    // A panicking job loses its answer (the caller sees PoolClosed), not
    // the thread.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
    let took = started.elapsed();
    match outcome {
        Ok(Outcome::Done) => {
            admission.job_time.record(took);
            metrics::histogram!("threshold_hash_job_seconds").record(took.as_secs_f64());
            metrics::histogram!("threshold_hash_queue_wait_seconds")
                .record(started.duration_since(queued_at).as_secs_f64());
        }
        Ok(Outcome::Abandoned) => {
            metrics::counter!("threshold_hash_jobs_shed_total", "reason" => "abandoned")
                .increment(1);
        }
        Err(_) => {}
    }
    drop(slot);
}

#[cfg(test)]
mod tests {
    use std::{
        future::Future,
        pin::pin,
        sync::{atomic::AtomicUsize, RwLock},
        task::{Context, Poll, Waker},
    };

    use super::*;

    /// Polls a future once, as a runtime would when it is first awaited.
    fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    /// Jobs that hold their thread while the test holds the gate shut.
    fn gated(gate: &Arc<RwLock<()>>) -> impl FnOnce() + Send + 'static {
        let gate = Arc::clone(gate);
        move || drop(gate.read())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_jobs_run_at_once_than_there_are_hashing_threads() {
        let pool = Arc::new(Pool::one_thread_per_core(Duration::from_secs(2)).unwrap());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..24)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    let slot = pool.admit()?;
                    pool.run(slot, move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(5));
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
    async fn a_job_beyond_the_bound_is_refused_at_once_with_the_time_to_drain() {
        // Two threads, 100 ms a job, 1 s of work allowed: 20 jobs fit.
        let pool = Arc::new(
            Pool::start(2, Duration::from_secs(1), Some(Duration::from_millis(100))).unwrap(),
        );
        let gate = Arc::new(RwLock::new(()));
        let shut = gate.write().unwrap();
        let mut admitted = Vec::new();
        for _ in 0..20 {
            let slot = pool.admit().expect("within the bound: admitted, to wait");
            let pool = Arc::clone(&pool);
            let work = gated(&gate);
            admitted.push(tokio::spawn(async move { pool.run(slot, work).await }));
        }
        // Nothing has finished (the gate is shut), so the 21st would wait
        // behind 2 s of work: refused now, told when the queue will be empty.
        match pool.admit() {
            Err(HashError::Busy {
                retry_after_seconds,
            }) => assert_eq!(retry_after_seconds, 1),
            other => panic!("expected Busy, got {other:?}"),
        }
        drop(shut);
        for job in admitted {
            job.await.unwrap().unwrap();
        }
        // Drained: admitted again.
        let slot = pool.admit().expect("the queue has drained");
        pool.run(slot, || ()).await.unwrap();
    }

    #[tokio::test]
    async fn a_bound_shorter_than_one_job_still_lets_each_thread_work() {
        let pool = Pool::start(2, Duration::ZERO, Some(Duration::from_millis(30))).unwrap();
        let first = pool.admit().unwrap();
        let second = pool.admit().unwrap();
        assert!(matches!(pool.admit(), Err(HashError::Busy { .. })));
        // An unused slot gives its place back.
        drop(first);
        let third = pool.admit().unwrap();
        drop((second, third));
    }

    #[tokio::test]
    async fn a_job_whose_requester_has_gone_is_dropped_without_running() {
        let pool = Pool::start(1, Duration::from_secs(60), Some(Duration::from_millis(1))).unwrap();
        let gate = Arc::new(RwLock::new(()));
        let shut = gate.write().unwrap();
        let hashed = Arc::new(AtomicUsize::new(0));
        let count = |hashed: &Arc<AtomicUsize>| {
            let hashed = Arc::clone(hashed);
            move || {
                hashed.fetch_add(1, Ordering::SeqCst);
            }
        };
        // The only thread is busy; five jobs are queued behind it, then
        // their requesters go away (as a cancelled request drops its future).
        let blocker = pool.run(pool.admit().unwrap(), gated(&gate));
        let mut blocker = pin!(blocker);
        assert!(poll_once(blocker.as_mut()).is_pending());
        for _ in 0..5 {
            let mut abandoned = Box::pin(pool.run(pool.admit().unwrap(), count(&hashed)));
            assert!(poll_once(abandoned.as_mut()).is_pending(), "queued");
        }
        let kept = pool.run(pool.admit().unwrap(), count(&hashed));
        drop(shut);
        blocker.await.unwrap();
        kept.await.unwrap();
        // Queued in order, so the five were reached before the kept one.
        assert_eq!(hashed.load(Ordering::SeqCst), 1, "only the kept job ran");
    }

    #[test]
    fn the_job_time_starts_at_the_first_measurement_and_moves_an_eighth_each_time() {
        let time = JobTime::new(None);
        assert_eq!(time.estimate(), None);
        time.record(Duration::from_millis(80));
        assert_eq!(time.estimate(), Some(Duration::from_millis(80)));
        time.record(Duration::from_millis(160));
        assert_eq!(time.estimate(), Some(Duration::from_millis(90)));
    }

    #[test]
    fn capacity_follows_the_bound_and_the_job_time_within_its_limits() {
        let admission = |bound_ms, job: Option<u64>| Admission {
            threads: 2,
            bound: Duration::from_millis(bound_ms),
            admitted: AtomicUsize::new(0),
            job_time: JobTime::new(job.map(Duration::from_millis)),
        };
        assert_eq!(admission(2000, Some(40)).capacity(), 100);
        assert_eq!(admission(2000, Some(5000)).capacity(), 2);
        assert_eq!(admission(2000, None).capacity(), 2 * MOST_JOBS_PER_THREAD);
        assert_eq!(
            admission(60_000, Some(1)).capacity(),
            2 * MOST_JOBS_PER_THREAD
        );
        assert_eq!(admission(2000, Some(40)).drain_seconds(100), 2);
        assert_eq!(admission(2000, Some(40)).drain_seconds(1), 1);
    }
}
