//! Bounded queues in front of the span and log exporters. `offer` never blocks: when the queue
//! is full the item is dropped and counted. One task per queue sends batches every interval (or
//! as soon as a batch is full); a batch that fails after the exporter's own retries (which honour
//! `Retry-After` within the export timeout) is dropped and counted, so a dead endpoint costs at
//! most one queue of memory and one request in flight.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::trace::{SpanData, SpanExporter, SpanProcessor};
use tokio::sync::{mpsc, oneshot};

use super::client::ExportStats;

/// What a queue task is told besides items.
enum Control {
    /// Send everything queued now, then answer.
    Flush(oneshot::Sender<()>),
}

/// The sending side of a bounded queue.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    items: mpsc::Sender<T>,
    control: mpsc::Sender<Control>,
    stats: Arc<ExportStats>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Control")
    }
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            items: self.items.clone(),
            control: self.control.clone(),
            stats: self.stats.clone(),
        }
    }
}

impl<T> Queue<T> {
    /// Queues `item`, or drops and counts it when the queue is full.
    pub(crate) fn offer(&self, item: T) {
        // Counted before it is sent, so the task's decrement can never come first.
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        if self.items.try_send(item).is_err() {
            self.stats.queued.fetch_sub(1, Ordering::Relaxed);
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Asks the task to send what is queued; waits at most `within`.
    pub(crate) async fn flush(&self, within: Duration) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.control.try_send(Control::Flush(tx)).is_err() {
            return false;
        }
        tokio::time::timeout(within, rx)
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// Sends one batch; `Err` means the batch is lost.
pub(crate) trait BatchSender<T>: Send + 'static {
    fn send(&mut self, batch: Vec<T>) -> impl Future<Output = OTelSdkResult> + Send;
}

/// Starts a queue of `capacity` items sent by `sender` in batches of `batch_size` at least
/// every `interval`, each send bounded by `timeout`.
pub(crate) fn start<T: Send + 'static, S: BatchSender<T>>(
    runtime: &tokio::runtime::Handle,
    mut sender: S,
    stats: Arc<ExportStats>,
    capacity: usize,
    batch_size: usize,
    interval: Duration,
    timeout: Duration,
) -> Queue<T> {
    let (items, mut rx) = mpsc::channel::<T>(capacity.max(1));
    let (control, mut control_rx) = mpsc::channel::<Control>(8);
    let task_stats = stats.clone();
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let mut flushed = None;
            tokio::select! {
                _ = tick.tick() => {}
                c = control_rx.recv() => match c {
                    Some(Control::Flush(done)) => flushed = Some(done),
                    None => break,
                },
            }
            loop {
                let mut batch = Vec::with_capacity(batch_size.min(rx.len()));
                while batch.len() < batch_size {
                    match rx.try_recv() {
                        Ok(item) => batch.push(item),
                        Err(_) => break,
                    }
                }
                if batch.is_empty() {
                    break;
                }
                let n = batch.len() as u64;
                task_stats.queued.fetch_sub(n, Ordering::Relaxed);
                let sent = tokio::time::timeout(timeout, sender.send(batch)).await;
                if !matches!(sent, Ok(Ok(()))) {
                    task_stats.dropped.fetch_add(n, Ordering::Relaxed);
                    if sent.is_err() {
                        task_stats.failure("an export took longer than its timeout");
                    }
                    break; // wait for the next tick before trying the endpoint again
                }
                if (n as usize) < batch_size {
                    break;
                }
            }
            if let Some(done) = flushed {
                let _ = done.send(());
            }
        }
    });
    Queue {
        items,
        control,
        stats,
    }
}

/// Sends span batches through an OTLP span exporter.
pub(crate) struct Spans<E>(pub E);

impl<E: SpanExporter + 'static> BatchSender<SpanData> for Spans<E> {
    fn send(&mut self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0.export(batch)
    }
}

/// Sends log batches through an OTLP log exporter.
pub(crate) struct Logs<E>(pub E);

impl<E: LogExporter + 'static> BatchSender<(SdkLogRecord, InstrumentationScope)> for Logs<E> {
    async fn send(&mut self, batch: Vec<(SdkLogRecord, InstrumentationScope)>) -> OTelSdkResult {
        let refs: Vec<(&SdkLogRecord, &InstrumentationScope)> =
            batch.iter().map(|(r, s)| (r, s)).collect();
        self.0.export(LogBatch::new(&refs)).await
    }
}

/// A [`SpanProcessor`] that puts ended spans on a bounded [`Queue`].
#[derive(Debug)]
pub(crate) struct QueuedSpans(pub Queue<SpanData>);

impl SpanProcessor for QueuedSpans {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &opentelemetry::Context) {}
    fn on_end(&self, span: SpanData) {
        self.0.offer(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// A [`LogProcessor`] that puts emitted records on a bounded [`Queue`].
#[derive(Debug)]
pub(crate) struct QueuedLogs(pub Queue<(SdkLogRecord, InstrumentationScope)>);

impl LogProcessor for QueuedLogs {
    fn emit(&self, record: &mut SdkLogRecord, scope: &InstrumentationScope) {
        self.0.offer((record.clone(), scope.clone()));
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}
