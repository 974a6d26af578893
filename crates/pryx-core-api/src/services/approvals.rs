//! Approvals: the runtime asks a person before a tool runs. The request is published as an
//! `approval.needed` event, answered by whoever resolves it first (UI, TUI), and denied when
//! nobody answers in time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::config::{REDACTED, redact_outbound, scrub};
use crate::error::CoreError;
use crate::event::Event;
use crate::ports::EventPublisher;
use crate::value::Value;

/// What the runtime wants approved.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalRequest {
    /// The agent session asking.
    pub session_id: Option<String>,
    /// The tool it wants to run, when it is a tool call.
    pub tool: Option<String>,
    /// A sentence for the person deciding.
    pub description: String,
    /// What the agent means to do (the runtime's `intent`).
    pub intent: Option<String>,
    /// The tool's arguments, for display.
    pub args: Value,
}

/// How an approval request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalDecision {
    /// A person approved it.
    Approved,
    /// A person denied it.
    Denied,
    /// Nobody answered in time; treated as denied.
    TimedOut,
}

impl ApprovalDecision {
    /// Whether the action may go ahead.
    pub fn approved(self) -> bool {
        self == ApprovalDecision::Approved
    }
}

/// A request waiting for an answer, as clients list it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingApproval {
    /// Its id, to answer with.
    pub id: String,
    /// What is asked.
    pub request: ApprovalRequest,
}

type Waiters = HashMap<String, (ApprovalRequest, oneshot::Sender<bool>)>;

/// Tracks approval requests and their answers.
#[derive(Clone)]
pub struct ApprovalService {
    events: Arc<dyn EventPublisher>,
    pending: Arc<Mutex<Waiters>>,
    next_id: Arc<AtomicU64>,
}

impl ApprovalService {
    /// A service that announces requests on `events`.
    pub fn new(events: Arc<dyn EventPublisher>) -> Self {
        Self {
            events,
            pending: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Announces `request` and waits up to `timeout` for a person to answer.
    /// The request's arguments and texts are redacted first ([`redact_outbound`]): they are
    /// shown to people and listed by `pending`.
    pub async fn request(
        &self,
        mut request: ApprovalRequest,
        timeout: Duration,
    ) -> ApprovalDecision {
        redact_outbound(&mut request.args);
        for text in [Some(&mut request.description), request.intent.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Some(clean) = scrub(text, REDACTED) {
                *text = clean;
            }
        }
        let id = format!("apr-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = oneshot::channel();
        let payload = Value::map([
            ("approval_id", Value::from(id.clone())),
            (
                "tool",
                request.tool.clone().map_or(Value::Null, Value::from),
            ),
            ("args", request.args.clone()),
            ("reason", Value::from(request.description.clone())),
            (
                "intent",
                request.intent.clone().map_or(Value::Null, Value::from),
            ),
            ("timeout_ms", Value::Int(timeout.as_millis() as i64)),
        ]);
        let session_id = request.session_id.clone();
        self.lock().insert(id.clone(), (request, tx));
        // Whatever ends this wait (answer, timeout, or the caller dropping this future), the
        // request stops being pending.
        let _pending = PendingGuard {
            pending: &self.pending,
            id: &id,
        };
        self.events.publish(Event {
            session_id: session_id.clone(),
            ..Event::new("approval.needed", payload)
        });

        let decision = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(true)) => ApprovalDecision::Approved,
            Ok(Ok(false)) | Ok(Err(_)) => ApprovalDecision::Denied,
            Err(_) => ApprovalDecision::TimedOut,
        };
        let payload = Value::map([
            ("approval_id", Value::from(id.clone())),
            ("approved", Value::Bool(decision.approved())),
            (
                "timed_out",
                Value::Bool(decision == ApprovalDecision::TimedOut),
            ),
        ]);
        self.events.publish(Event {
            session_id,
            ..Event::new("approval.resolved", payload)
        });
        decision
    }

    /// Answers a pending request. Fails with [`CoreError::ApprovalNotFound`] when it is not
    /// pending (already answered, expired, or unknown).
    pub fn resolve(&self, approval_id: &str, approved: bool) -> Result<(), CoreError> {
        let (_, tx) =
            self.lock()
                .remove(approval_id)
                .ok_or_else(|| CoreError::ApprovalNotFound {
                    id: approval_id.to_owned(),
                })?;
        // The waiter may have just timed out; the answer then simply has no effect.
        let _ = tx.send(approved);
        Ok(())
    }

    /// The requests waiting for an answer.
    pub fn pending(&self) -> Vec<PendingApproval> {
        let mut list: Vec<_> = self
            .lock()
            .iter()
            .map(|(id, (request, _))| PendingApproval {
                id: id.clone(),
                request: request.clone(),
            })
            .collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Removes a request from the pending set when its waiter ends, however it ends.
struct PendingGuard<'a> {
    pending: &'a Mutex<Waiters>,
    id: &'a str,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::MockEventPublisher;

    fn request() -> ApprovalRequest {
        ApprovalRequest {
            session_id: Some("s1".into()),
            tool: Some("fs:write".into()),
            description: "write a file".into(),
            intent: None,
            args: Value::Null,
        }
    }

    fn service(expected_events: usize) -> (ApprovalService, Arc<Mutex<Vec<Event>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut events = MockEventPublisher::new();
        let sink = seen.clone();
        events
            .expect_publish()
            .times(expected_events)
            .returning(move |e| sink.lock().unwrap().push(e));
        (ApprovalService::new(Arc::new(events)), seen)
    }

    #[tokio::test]
    async fn a_person_approves_a_pending_request() {
        let (svc, seen) = service(2);
        let waiter = tokio::spawn({
            let svc = svc.clone();
            async move { svc.request(request(), Duration::from_secs(5)).await }
        });
        while svc.pending().is_empty() {
            tokio::task::yield_now().await;
        }
        let id = svc.pending()[0].id.clone();
        svc.resolve(&id, true).unwrap();
        assert_eq!(waiter.await.unwrap(), ApprovalDecision::Approved);
        assert!(matches!(
            svc.resolve(&id, true),
            Err(CoreError::ApprovalNotFound { .. })
        ));
        let names: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.name.clone())
            .collect();
        assert_eq!(names, ["approval.needed", "approval.resolved"]);
    }

    #[tokio::test]
    async fn a_dropped_waiter_leaves_nothing_pending() {
        let (svc, _) = service(1);
        let waiter = tokio::spawn({
            let svc = svc.clone();
            async move { svc.request(request(), Duration::from_secs(60)).await }
        });
        while svc.pending().is_empty() {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert!(
            svc.pending().is_empty(),
            "an abandoned request must not stay pending"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn nobody_answering_denies_after_the_timeout() {
        let (svc, _) = service(2);
        let decision = svc.request(request(), Duration::from_secs(30)).await;
        assert_eq!(decision, ApprovalDecision::TimedOut);
        assert!(!decision.approved());
        assert!(svc.pending().is_empty());
    }
}
