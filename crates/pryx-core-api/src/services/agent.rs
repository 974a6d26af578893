//! The agent: sessions, messages and approvals, answered through the runtime bridge (and the
//! host's own pending approvals). The stream of a reply stays on the event bus (`/ws`); these
//! calls only start things and read state.
//!
//! Runtime methods used (the runtime's protocol): `sessions.list` → `{sessions: [...]}`;
//! `session.resume {session_id}` → the session (`{session, messages}` or the session itself);
//! `session.create {title?}` → the session (or `{session}`); `chat.send {session_id?, content}`
//! → `{session_id, message_id}`; `approval.resolve {approval_id, approved}` for approvals the
//! runtime tracks itself. A runtime error -32004 (not found) becomes
//! [`CoreError::SessionNotFound`] / [`CoreError::ApprovalNotFound`].

use std::sync::Arc;
use std::time::Duration;

use crate::agent::{
    Approval, Message, Resolution, SentMessage, Session, SessionDetail, message_from, session_from,
    text,
};
use crate::config::redact_outbound;
use crate::error::CoreError;
use crate::ports::RuntimeBridge;
use crate::runtime::RuntimeState;
use crate::services::approvals::{ApprovalService, PendingApproval};
use crate::value::Value;

/// JSON-RPC code of a runtime's "a named thing does not exist".
const NOT_FOUND: i64 = -32004;
/// JSON-RPC code the host uses for an answer it cannot read.
const INVALID_RESULT: i64 = -32603;
/// The longest message `send` accepts, in characters.
pub const MAX_MESSAGE_CHARS: usize = 16 * 1024;
/// The longest session title `create_session` accepts, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// Talk to the agent: list, read and start sessions, send messages, answer approvals.
#[derive(Clone)]
pub struct AgentService {
    runtime: Arc<dyn RuntimeBridge>,
    approvals: ApprovalService,
}

impl AgentService {
    pub(crate) fn new(runtime: Arc<dyn RuntimeBridge>, approvals: ApprovalService) -> Self {
        Self { runtime, approvals }
    }

    /// The runtime's sessions, in its order. Entries without an id are skipped.
    pub async fn sessions(&self) -> Result<Vec<Session>, CoreError> {
        let method = "sessions.list";
        let answer = self.call(method, Value::map::<&str>([])).await?;
        let list = match &answer {
            Value::List(list) => list,
            Value::Map(map) => match map.get("sessions") {
                Some(Value::List(list)) => list,
                _ => return Err(unreadable(method, "no `sessions` list")),
            },
            _ => return Err(unreadable(method, "not a map")),
        };
        Ok(list.iter().filter_map(session_from).collect())
    }

    /// One session with its messages. [`CoreError::SessionNotFound`] when the runtime has none
    /// with this id.
    pub async fn session(&self, id: &str) -> Result<SessionDetail, CoreError> {
        let method = "session.resume";
        let params = Value::map([("session_id", Value::from(id))]);
        let answer = self
            .call(method, params)
            .await
            .map_err(|e| not_found(e, id))?;
        let map = answer
            .as_map()
            .ok_or_else(|| unreadable(method, "not a map"))?;
        let session = match map.get("session") {
            Some(inner) => session_from(inner),
            None => session_from(&answer),
        }
        // A runtime that answers with a bare `{resumed: true}` still named the session.
        .unwrap_or_else(|| bare_session(id));
        let messages = match map.get("messages") {
            Some(Value::List(list)) => list.iter().filter_map(message_from).collect(),
            _ => Vec::<Message>::new(),
        };
        Ok(SessionDetail { session, messages })
    }

    /// Starts a new session, titled `title` when given.
    pub async fn create_session(&self, title: Option<String>) -> Result<Session, CoreError> {
        let method = "session.create";
        let title = title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(t) = &title {
            check(t.chars().count() <= MAX_TITLE_CHARS, || {
                format!("a title is at most {MAX_TITLE_CHARS} characters")
            })?;
        }
        let params = Value::map(title.map(|t| ("title", Value::from(t))));
        let answer = self.call(method, params).await?;
        let inner = answer.as_map().and_then(|m| m.get("session"));
        inner
            .and_then(session_from)
            .or_else(|| session_from(&answer))
            .ok_or_else(|| unreadable(method, "no session `id`"))
    }

    /// Sends `content` to session `session_id` (the runtime picks one when `None`). Answers
    /// once the runtime accepted it; the reply arrives as `session.message` events.
    pub async fn send(
        &self,
        session_id: Option<&str>,
        content: &str,
    ) -> Result<SentMessage, CoreError> {
        let method = "chat.send";
        check(!content.trim().is_empty(), || {
            "a message needs content".into()
        })?;
        check(content.chars().count() <= MAX_MESSAGE_CHARS, || {
            format!("a message is at most {MAX_MESSAGE_CHARS} characters")
        })?;
        let mut pairs = vec![("content", Value::from(content))];
        if let Some(id) = session_id {
            pairs.push(("session_id", Value::from(id)));
        }
        let answer = self
            .call(method, Value::map(pairs))
            .await
            .map_err(|e| match session_id {
                Some(id) => not_found(e, id),
                None => e,
            })?;
        let map = answer.as_map();
        let session = map
            .and_then(|m| text(m, &["session_id", "sessionId"]))
            .or_else(|| session_id.map(str::to_owned))
            .ok_or_else(|| unreadable(method, "no `session_id`"))?;
        Ok(SentMessage {
            session_id: session,
            message_id: map.and_then(|m| text(m, &["message_id", "messageId", "id"])),
        })
    }

    /// The approval requests waiting in the host, oldest id first.
    pub fn pending_approvals(&self) -> Vec<Approval> {
        self.approvals.pending().iter().map(approval).collect()
    }

    /// Answers an approval: one waiting in the host is answered there; any other is forwarded
    /// to the runtime (`approval.resolve`), for approvals it tracks itself. Fails with
    /// [`CoreError::ApprovalNotFound`] when neither holds it (a runtime that does not implement
    /// `approval.resolve` holds none) and with the runtime's errors when it cannot be asked.
    pub async fn resolve(
        &self,
        approval_id: &str,
        approved: bool,
    ) -> Result<Resolution, CoreError> {
        match self.approvals.resolve(approval_id, approved) {
            Ok(()) => return Ok(Resolution::Host),
            Err(CoreError::ApprovalNotFound { .. }) => {}
            Err(other) => return Err(other),
        }
        let params = Value::map([
            ("approval_id", Value::from(approval_id)),
            ("approved", Value::Bool(approved)),
        ]);
        let missing = || CoreError::ApprovalNotFound {
            id: approval_id.to_owned(),
        };
        match self.runtime.call("approval.resolve", params).await {
            Ok(_) => Ok(Resolution::Runtime),
            Err(CoreError::RuntimeFailed { code, .. })
                if code == NOT_FOUND || code == -32601 || code == -32602 =>
            {
                Err(missing())
            }
            // Nobody can be asked: the host holds no such approval, and neither can a runtime
            // that is not there.
            Err(CoreError::RuntimeUnavailable { .. } | CoreError::RuntimeNotConfigured { .. }) => {
                Err(missing())
            }
            Err(other) => Err(other),
        }
    }

    /// The ids of the configured model providers, for the TUI's readiness check. Empty when the
    /// runtime is not ready or does not answer within `within`: it never fails and never waits
    /// longer than `within`.
    pub async fn configured_providers(&self, within: Duration) -> Vec<String> {
        if self.runtime.status().state != RuntimeState::Ready {
            return Vec::new();
        }
        match tokio::time::timeout(within, self.runtime.providers()).await {
            Ok(Ok(providers)) => providers
                .into_iter()
                .filter(|p| p.configured)
                .map(|p| p.id)
                .collect(),
            _ => Vec::new(),
        }
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, CoreError> {
        let mut answer = self.runtime.call(method, params).await?;
        redact_outbound(&mut answer);
        Ok(answer)
    }
}

fn approval(p: &PendingApproval) -> Approval {
    Approval {
        approval_id: p.id.clone(),
        session_id: p.request.session_id.clone(),
        tool: p.request.tool.clone(),
        reason: p.request.description.clone(),
        intent: p.request.intent.clone(),
        args: p.request.args.clone(),
    }
}

fn bare_session(id: &str) -> Session {
    Session {
        id: id.to_owned(),
        title: id.to_owned(),
        created_at: None,
        updated_at: None,
        cost: None,
        tokens: None,
    }
}

/// A runtime's "not found" for a session call is the session's absence.
fn not_found(err: CoreError, id: &str) -> CoreError {
    match err {
        CoreError::RuntimeFailed { code, .. } if code == NOT_FOUND => {
            CoreError::SessionNotFound { id: id.to_owned() }
        }
        other => other,
    }
}

fn unreadable(method: &str, why: &str) -> CoreError {
    CoreError::RuntimeFailed {
        method: method.to_owned(),
        code: INVALID_RESULT,
        message: format!("invalid result: {why}"),
        data: None,
    }
}

fn check(ok: bool, why: impl FnOnce() -> String) -> Result<(), CoreError> {
    if ok {
        Ok(())
    } else {
        Err(CoreError::InvalidInput { reason: why() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{MockEventPublisher, MockRuntimeBridge};
    use crate::runtime::{Provider, RuntimeStatus};
    use crate::services::approvals::ApprovalRequest;

    fn failed(method: &str, code: i64) -> CoreError {
        CoreError::RuntimeFailed {
            method: method.into(),
            code,
            message: "no".into(),
            data: None,
        }
    }

    fn service(runtime: MockRuntimeBridge) -> AgentService {
        let mut events = MockEventPublisher::new();
        events.expect_publish().returning(|_| ());
        AgentService::new(Arc::new(runtime), ApprovalService::new(Arc::new(events)))
    }

    #[tokio::test]
    async fn sessions_are_read_from_the_runtime_and_junk_is_refused() {
        let mut rt = MockRuntimeBridge::new();
        let mut answers = vec![
            Value::from("nonsense"),
            Value::map([(
                "sessions",
                Value::List(vec![
                    Value::map([("id", Value::from("s1")), ("title", Value::from("Trip"))]),
                    Value::map([("title", Value::from("no id"))]),
                ]),
            )]),
        ];
        rt.expect_call()
            .withf(|m, _| m == "sessions.list")
            .times(2)
            .returning(move |_, _| Ok(answers.pop().unwrap()));
        let svc = service(rt);
        let list = svc.sessions().await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].id.as_str(), list[0].title.as_str()),
            ("s1", "Trip")
        );
        let err = svc.sessions().await.unwrap_err();
        assert!(
            matches!(
                err,
                CoreError::RuntimeFailed {
                    code: INVALID_RESULT,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn an_unknown_session_is_not_found() {
        let mut rt = MockRuntimeBridge::new();
        rt.expect_call().returning(|m, _| Err(failed(m, NOT_FOUND)));
        let err = service(rt).session("nope").await.unwrap_err();
        assert_eq!(err, CoreError::SessionNotFound { id: "nope".into() });
    }

    #[tokio::test]
    async fn an_empty_message_never_reaches_the_runtime() {
        let mut rt = MockRuntimeBridge::new();
        rt.expect_call().never();
        let err = service(rt).send(Some("s1"), "  ").await.unwrap_err();
        assert_eq!(err.code(), "invalid_request");
    }

    #[tokio::test]
    async fn approvals_held_by_the_host_are_answered_there_others_go_to_the_runtime() {
        let mut rt = MockRuntimeBridge::new();
        rt.expect_call()
            .withf(|m, p| {
                m == "approval.resolve"
                    && p.as_map().and_then(|p| p.get("approval_id")) == Some(&Value::from("rt-1"))
            })
            .times(1)
            .returning(|_, _| Ok(Value::map::<&str>([])));
        rt.expect_call()
            .withf(|_, p| {
                p.as_map().and_then(|p| p.get("approval_id")) != Some(&Value::from("rt-1"))
            })
            .returning(|m, _| Err(failed(m, -32601)));
        let svc = service(rt);
        let request = ApprovalRequest {
            session_id: Some("s1".into()),
            tool: Some("fs:write".into()),
            description: "write".into(),
            intent: None,
            args: Value::Null,
        };
        let waiter = tokio::spawn({
            let approvals = svc.approvals.clone();
            async move { approvals.request(request, Duration::from_secs(5)).await }
        });
        while svc.pending_approvals().is_empty() {
            tokio::task::yield_now().await;
        }
        let id = svc.pending_approvals()[0].approval_id.clone();
        assert_eq!(svc.resolve(&id, true).await, Ok(Resolution::Host));
        assert!(waiter.await.unwrap().approved());
        assert_eq!(svc.resolve("rt-1", false).await, Ok(Resolution::Runtime));
        assert!(matches!(
            svc.resolve("apr-404", true).await,
            Err(CoreError::ApprovalNotFound { .. })
        ));
    }

    #[tokio::test]
    async fn configured_providers_ask_only_a_ready_runtime() {
        let mut down = MockRuntimeBridge::new();
        down.expect_status()
            .returning(|| RuntimeStatus::unavailable("none"));
        down.expect_providers().never();
        assert!(
            service(down)
                .configured_providers(Duration::from_secs(1))
                .await
                .is_empty()
        );

        let mut up = MockRuntimeBridge::new();
        up.expect_status().returning(|| RuntimeStatus {
            state: RuntimeState::Ready,
            ..RuntimeStatus::unavailable("")
        });
        up.expect_providers().returning(|| {
            let p = |id: &str, configured| Provider {
                id: id.into(),
                name: id.into(),
                requires_api_key: true,
                configured,
            };
            Ok(vec![p("openai", false), p("ollama", true)])
        });
        let ids = service(up)
            .configured_providers(Duration::from_secs(1))
            .await;
        assert_eq!(ids, ["ollama"]);
    }
}
