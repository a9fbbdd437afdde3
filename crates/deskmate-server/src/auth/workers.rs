//! A few dedicated threads for CPU- and memory-heavy jobs (password
//! hashing), fed through a queue. Unlike the general blocking pool, the
//! number of threads never grows with load, so neither does the memory
//! their allocators keep.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads.
pub struct Workers {
    queue: Mutex<Sender<Job>>,
}

impl Workers {
    /// Starts `count` threads named `name`.
    pub fn new(name: &str, count: usize) -> Self {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..count.max(1) {
            let rx = Arc::clone(&rx);
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(err) = spawned {
                tracing::error!(error = %err, "could not start a worker thread");
            }
        }
        Self {
            queue: Mutex::new(tx),
        }
    }

    /// Runs `job` on a worker; `None` if the workers are gone.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (done, result) = tokio::sync::oneshot::channel();
        let boxed: Job = Box::new(move || {
            let _ = done.send(job());
        });
        self.queue.lock().ok()?.send(boxed).ok()?;
        result.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_on_the_named_threads() {
        let workers = Workers::new("test-worker", 2);
        let name = workers
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .flatten();
        assert!(name.is_some_and(|n| n.starts_with("test-worker-")));
        let results =
            futures_util::future::join_all((0..10).map(|i| workers.run(move || i * 2))).await;
        assert_eq!(results, (0..10).map(|i| Some(i * 2)).collect::<Vec<_>>());
    }
}
