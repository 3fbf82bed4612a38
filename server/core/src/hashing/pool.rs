//! The hashing threads: one per core, sharing one job queue.
//!
//! Dedicated threads rather than tokio's blocking pool: that pool grows to
//! hundreds of threads under load, and each thread's allocator arena keeps its
//! own 19 MiB Argon2 buffer (measured: 590 MiB peak RSS at 200 concurrent
//! logins before this change).

use std::sync::{mpsc, Arc, Mutex};

use tokio::sync::oneshot;

use super::HashError;

type Job = Box<dyn FnOnce() + Send>;

/// The queue of the hashing threads; they exit when it is dropped.
pub(super) struct Pool {
    jobs: mpsc::Sender<Job>,
}

impl Pool {
    /// One hashing thread per core (why: the module doc of `hashing`).
    pub(super) fn one_thread_per_core() -> Result<Self, HashError> {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        Self::start(workers)
    }

    /// Starts `count` hashing threads sharing one queue.
    fn start(count: usize) -> Result<Self, HashError> {
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
                .map_err(|error| {
                    HashError::Hash(format!("cannot start a hashing thread: {error}"))
                })?;
        }
        Ok(Self { jobs: sender })
    }

    /// Runs `work` on a hashing thread and waits for it without blocking
    /// the async runtime.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = oneshot::channel();
        // Whatever the job logs belongs to the request that asked for it.
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _inside = span.enter();
            // The caller may have gone (request cancelled): nothing to do.
            let _ = reply.send(work());
        });
        self.jobs.send(job).map_err(|_| HashError::PoolClosed)?;
        answer.await.map_err(|_| HashError::PoolClosed)
    }

    /// Runs `work` on a hashing thread, blocking this thread until it ends
    /// (for start-up, outside any request).
    pub(super) fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let (reply, answer) = mpsc::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = reply.send(work());
            }))
            .map_err(|_| HashError::PoolClosed)?;
        answer.recv().map_err(|_| HashError::PoolClosed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_jobs_run_at_once_than_there_are_hashing_threads() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let pool = Arc::new(Pool::one_thread_per_core().unwrap());
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..24)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    pool.run(move || {
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
}
