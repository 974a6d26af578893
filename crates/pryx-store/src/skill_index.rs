//! The skill index: one background thread scans the skill roots and publishes what it found;
//! requests read the last result and never scan themselves.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use pryx_core_api::CoreError;
use tokio::sync::watch;

use crate::probe::MachineProbe;
use crate::roots::SkillRoots;
use crate::scan::{ParseCache, ScanOutcome, scan};

/// How long the index waits between two looks at the disk when nothing asks for one.
pub const REFRESH_INTERVAL: Duration = Duration::from_millis(500);
/// After a scan that took `t`, the next starts no sooner than `t` times this: the index never
/// takes more than a fifth of a core, however large the roots.
const PAUSE_FACTOR: u32 = 4;

/// One published scan.
#[derive(Debug)]
pub(crate) struct Indexed {
    /// What it found.
    pub(crate) outcome: ScanOutcome,
    /// Every refresh ticket up to this one was asked for before the scan started.
    covers: u64,
}

/// What the background thread scans.
pub(crate) struct Source {
    pub(crate) roots: SkillRoots,
    pub(crate) probe: MachineProbe,
}

/// The handle requests use. Dropping it stops the thread (at its next wake-up).
pub(crate) struct SkillIndex {
    wake: Mutex<mpsc::Sender<()>>,
    requested: Arc<AtomicU64>,
    published: watch::Receiver<Option<Arc<Indexed>>>,
}

impl SkillIndex {
    /// Starts the thread; its first scan begins at once.
    pub(crate) fn start(source: Arc<Source>, interval: Duration) -> Self {
        let (wake, woken) = mpsc::channel();
        let (publish, published) = watch::channel(None);
        let requested = Arc::new(AtomicU64::new(0));
        let tickets = Arc::clone(&requested);
        let spawned = std::thread::Builder::new()
            .name("pryx-skill-index".into())
            .spawn(move || run(&source, &tickets, &woken, &publish, interval));
        if let Err(e) = spawned {
            // Requests then fail with an internal error instead of waiting forever.
            tracing::error!(error = %e, "cannot start the skill index thread");
        }
        Self {
            wake: Mutex::new(wake),
            requested,
            published,
        }
    }

    /// The newest scan; before the first one is done, waits for it.
    pub(crate) async fn current(&self) -> Result<Arc<Indexed>, CoreError> {
        self.wait(|_| true).await
    }

    /// A scan that started after this call: asks the thread for one now and waits for it.
    pub(crate) async fn refresh(&self) -> Result<Arc<Indexed>, CoreError> {
        let ticket = self.requested.fetch_add(1, Ordering::AcqRel) + 1;
        let _ = self.wake.lock().unwrap_or_else(|e| e.into_inner()).send(());
        self.wait(move |indexed| indexed.covers >= ticket).await
    }

    /// The newest scan, if one is done, without waiting.
    pub(crate) fn latest(&self) -> Option<Arc<Indexed>> {
        self.published.borrow().clone()
    }

    async fn wait(&self, ready: impl Fn(&Indexed) -> bool) -> Result<Arc<Indexed>, CoreError> {
        let mut rx = self.published.clone();
        let found = rx
            .wait_for(|v| v.as_deref().is_some_and(&ready))
            .await
            .map_err(|_| CoreError::Internal("the skill index stopped".into()))?;
        Ok(found.clone().expect("wait_for checked it is set"))
    }
}

fn run(
    source: &Source,
    requested: &AtomicU64,
    woken: &mpsc::Receiver<()>,
    publish: &watch::Sender<Option<Arc<Indexed>>>,
    interval: Duration,
) {
    let mut cache = ParseCache::default();
    loop {
        let covers = requested.load(Ordering::Acquire);
        let started = Instant::now();
        let outcome = scan(&source.roots, &source.probe, &mut cache);
        let took = started.elapsed();
        tracing::trace!(?took, skills = outcome.skills.len(), "skill roots scanned");
        if publish
            .send(Some(Arc::new(Indexed { outcome, covers })))
            .is_err()
        {
            return; // nobody reads the index any more
        }
        let pause = interval.max(took * PAUSE_FACTOR);
        match woken.recv_timeout(pause) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => while woken.try_recv().is_ok() {},
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}
