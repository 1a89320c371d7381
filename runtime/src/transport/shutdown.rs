//! The signal a server's tasks watch to shut down gracefully: first *draining* (stop
//! accepting, finish the calls in flight, tell clients not to reuse their connections),
//! then, at the deadline, *stopped* (abandon whatever is left).

use tokio::sync::watch;

/// Where a server is in its shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Serving.
    Running,
    /// No new connections; calls in flight finish; connections close once idle.
    Draining,
    /// The deadline passed: everything still running is cancelled.
    Stopped,
}

/// The sending side, held by the server handle.
#[derive(Debug)]
pub struct ShutdownTrigger {
    tx: watch::Sender<Phase>,
}

/// The receiving side, cloned into every task.
#[derive(Debug, Clone)]
pub struct ShutdownSignal {
    rx: watch::Receiver<Phase>,
}

/// A new trigger and its signal, in [`Phase::Running`].
pub fn channel() -> (ShutdownTrigger, ShutdownSignal) {
    let (tx, rx) = watch::channel(Phase::Running);
    (ShutdownTrigger { tx }, ShutdownSignal { rx })
}

impl ShutdownTrigger {
    /// Moves to `phase` (never back).
    pub fn set(&self, phase: Phase) {
        self.tx.send_if_modified(|p| {
            let changed = phase > *p;
            if changed {
                *p = phase;
            }
            changed
        });
    }

    /// A new signal.
    pub fn subscribe(&self) -> ShutdownSignal {
        ShutdownSignal { rx: self.tx.subscribe() }
    }
}

impl ShutdownSignal {
    /// The current phase; [`Phase::Stopped`] once the trigger is gone (the server handle
    /// was dropped without a shutdown).
    pub fn phase(&self) -> Phase {
        if self.rx.has_changed().is_err() {
            return Phase::Stopped;
        }
        *self.rx.borrow()
    }

    /// Whether the server is draining or stopped.
    pub fn is_draining(&self) -> bool {
        self.phase() >= Phase::Draining
    }

    /// Resolves once the phase is at least `phase` (at once if it is; also when the trigger
    /// is gone, which only happens once the server is gone).
    pub async fn reached(&mut self, phase: Phase) {
        let _ = self.rx.wait_for(|p| *p >= phase).await;
    }
}

/// Counts running tasks (a server's handler calls) so that a shutdown can wait for them.
#[derive(Debug, Default)]
pub struct Tracker {
    running: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
}

/// One task counted by a [`Tracker`] until dropped.
#[derive(Debug)]
pub struct Tracked(std::sync::Arc<Tracker>);

impl Tracker {
    /// Counts a task until the returned guard is dropped.
    pub fn track(self: &std::sync::Arc<Self>) -> Tracked {
        self.running.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Tracked(self.clone())
    }

    /// Tasks running now.
    pub fn running(&self) -> usize {
        self.running.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Resolves once no task is running.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.running() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, std::sync::atomic::Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}
