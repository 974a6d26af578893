//! A runtime that answers from the fixture.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use pryx_core_api::{
    ChangeNotice, CoreError, McpTool, Model, Provider, RuntimeBridge, RuntimeState, RuntimeStatus,
    Value,
};

use crate::lock;

/// JSON-RPC "method not found".
const METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC "invalid params".
const INVALID_PARAMS: i64 = -32602;
/// Why a down fixture runtime is down.
const DOWN_REASON: &str = "the fixture runtime is down";

/// A [`RuntimeBridge`] that answers from fixture data, without a process.
///
/// Up, its status is `ready` with version `fixture`, and it answers `providers`,
/// `provider_models` ([`CoreError::ProviderNotFound`] for an unknown provider), `mcp_tools` and a
/// few `call` methods:
///
/// - `ping` → `{"pong": true}`;
/// - `sessions.list` → `{"sessions": [...]}` (the fixture's sessions);
/// - `sessions.get` with `{"id": ...}` → that session, or [`CoreError::RuntimeFailed`] with code
///   -32602;
/// - `session.resume` with `{"session_id": ...}` → `{"session", "messages"}` (the messages sent
///   to it through `chat.send`), or -32004 (not found);
/// - `session.create` with `{"title"?}` → a new session `{id: "fixture-<n>", title, createdAt,
///   updatedAt}`, listed from then on;
/// - `chat.send` with `{"content", "session_id"?}` → `{accepted, session_id, message_id}`,
///   keeping the message (a new session when none is named; -32004 for an unknown one; -32602
///   without a string `content`). It streams no reply: this runtime publishes no events;
/// - `approval.resolve` → -32004: it tracks no approvals of its own;
/// - anything else → [`CoreError::RuntimeFailed`] with code -32601 (method not found).
///
/// Down (built with [`FixtureRuntime::down`] or switched with [`FixtureRuntime::set_down`]), its
/// status is `unavailable` and every call fails at once with [`CoreError::RuntimeUnavailable`].
/// After [`RuntimeBridge::shutdown`] it is `stopped` and fails the same way.
/// [`RuntimeBridge::restart`] brings it back up from either, counting the restart in its status.
///
/// What it is told is recorded: [`FixtureRuntime::notices`] and [`FixtureRuntime::calls`].
#[derive(Debug, Default)]
pub struct FixtureRuntime {
    providers: Vec<Provider>,
    models: BTreeMap<String, Vec<Model>>,
    mcp_tools: Vec<McpTool>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    down: bool,
    stopped: bool,
    shutdowns: u32,
    restarts: u32,
    notices: Vec<ChangeNotice>,
    calls: Vec<(String, Value)>,
    sessions: Vec<Value>,
    messages: BTreeMap<String, Vec<Value>>,
    created: u64,
}

impl FixtureRuntime {
    /// A ready runtime offering these providers, models (by provider id) and MCP tools.
    pub fn new(
        providers: Vec<Provider>,
        models: BTreeMap<String, Vec<Model>>,
        mcp_tools: Vec<McpTool>,
    ) -> Self {
        Self {
            providers,
            models,
            mcp_tools,
            ..Self::default()
        }
    }

    /// The same runtime, answering `sessions.list` and `sessions.get` from `sessions` (each
    /// should be a map with a string `id`).
    pub fn with_sessions(self, sessions: Vec<Value>) -> Self {
        lock(&self.state).sessions = sessions;
        self
    }

    /// A runtime that is down and offers nothing.
    pub fn down() -> Self {
        let runtime = Self::default();
        runtime.set_down(true);
        runtime
    }

    /// Takes the runtime down (`true`) or brings it back (`false`), as a crash and a restart
    /// would. Recorded notices and calls are kept.
    pub fn set_down(&self, down: bool) {
        lock(&self.state).down = down;
    }

    /// The change notices received so far, oldest first.
    pub fn notices(&self) -> Vec<ChangeNotice> {
        lock(&self.state).notices.clone()
    }

    /// The `call`s received so far (method and params), oldest first, answered or not.
    pub fn calls(&self) -> Vec<(String, Value)> {
        lock(&self.state).calls.clone()
    }

    /// How many times `shutdown` was called.
    pub fn shutdowns(&self) -> u32 {
        lock(&self.state).shutdowns
    }

    fn available(&self) -> Result<(), CoreError> {
        let state = lock(&self.state);
        // Down stands for a crashed runtime the supervisor brings back, so it hints a retry;
        // stopped does not.
        let (reason, retry_after_secs) = if state.stopped {
            ("the fixture runtime was stopped", None)
        } else if state.down {
            (DOWN_REASON, Some(5))
        } else {
            return Ok(());
        };
        Err(CoreError::RuntimeUnavailable {
            reason: reason.to_owned(),
            retry_after_secs,
        })
    }

    fn session(&self, params: &Value) -> Result<Value, CoreError> {
        let id = str_param(params, "id").ok_or_else(|| {
            failed(
                "sessions.get",
                INVALID_PARAMS,
                "params must be {\"id\": <string>}",
            )
        })?;
        find(&lock(&self.state).sessions, id)
            .cloned()
            .ok_or_else(|| {
                failed(
                    "sessions.get",
                    INVALID_PARAMS,
                    &format!("no session with id {id:?}"),
                )
            })
    }

    fn resume(&self, params: &Value) -> Result<Value, CoreError> {
        let method = "session.resume";
        let id = str_param(params, "session_id")
            .ok_or_else(|| failed(method, INVALID_PARAMS, "session_id (a string) is required"))?;
        let state = lock(&self.state);
        let session = find(&state.sessions, id)
            .ok_or_else(|| failed(method, NOT_FOUND, &format!("no session with id {id:?}")))?;
        let messages = state.messages.get(id).cloned().unwrap_or_default();
        Ok(Value::map([
            ("session", session.clone()),
            ("messages", Value::List(messages)),
        ]))
    }

    fn create(&self, params: &Value) -> Value {
        let mut state = lock(&self.state);
        state.created += 1;
        let id = format!("fixture-{}", state.created);
        let title = str_param(params, "title")
            .unwrap_or("New session")
            .to_owned();
        let session = Value::map([
            ("id", Value::from(id)),
            ("title", Value::from(title)),
            ("createdAt", Value::from(FIXED_TIME)),
            ("updatedAt", Value::from(FIXED_TIME)),
        ]);
        state.sessions.push(session.clone());
        session
    }

    fn chat(&self, params: &Value) -> Result<Value, CoreError> {
        let method = "chat.send";
        let content = str_param(params, "content")
            .ok_or_else(|| failed(method, INVALID_PARAMS, "content (a string) is required"))?
            .to_owned();
        let id = match str_param(params, "session_id") {
            Some(id) => {
                if find(&lock(&self.state).sessions, id).is_none() {
                    return Err(failed(
                        method,
                        NOT_FOUND,
                        &format!("no session with id {id:?}"),
                    ));
                }
                id.to_owned()
            }
            None => self
                .create(&Value::Null)
                .as_map()
                .and_then(|m| m.get("id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        };
        let mut state = lock(&self.state);
        let messages = state.messages.entry(id.clone()).or_default();
        let message_id = format!("{id}-{}", messages.len() + 1);
        messages.push(Value::map([
            ("id", Value::from(message_id.clone())),
            ("role", Value::from("user")),
            ("content", Value::from(content)),
        ]));
        Ok(Value::map([
            ("accepted", Value::Bool(true)),
            ("session_id", Value::from(id)),
            ("message_id", Value::from(message_id)),
        ]))
    }
}

/// The timestamp the fixture gives the sessions it creates, so answers are deterministic.
const FIXED_TIME: &str = "2026-01-01T00:00:00Z";
/// JSON-RPC "not found" (a runtime's unknown session or approval).
const NOT_FOUND: i64 = -32004;

fn failed(method: &str, code: i64, message: &str) -> CoreError {
    CoreError::RuntimeFailed {
        method: method.to_owned(),
        code,
        message: message.to_owned(),
        data: None,
    }
}

fn str_param<'a>(params: &'a Value, name: &str) -> Option<&'a str> {
    params.as_map()?.get(name)?.as_str()
}

fn find<'a>(sessions: &'a [Value], id: &str) -> Option<&'a Value> {
    sessions
        .iter()
        .find(|s| s.as_map().and_then(|m| m.get("id")).and_then(Value::as_str) == Some(id))
}

#[async_trait]
impl RuntimeBridge for FixtureRuntime {
    fn status(&self) -> RuntimeStatus {
        let state = lock(&self.state);
        if state.stopped {
            return RuntimeStatus {
                state: RuntimeState::Stopped,
                ..RuntimeStatus::unavailable("the fixture runtime was stopped")
            };
        }
        if state.down {
            return RuntimeStatus::unavailable(DOWN_REASON);
        }
        RuntimeStatus {
            state: RuntimeState::Ready,
            detail: None,
            version: Some("fixture".into()),
            restarts: state.restarts,
            ..RuntimeStatus::unavailable("")
        }
    }

    async fn providers(&self) -> Result<Vec<Provider>, CoreError> {
        self.available()?;
        Ok(self.providers.clone())
    }

    async fn provider_models(&self, provider_id: &str) -> Result<Vec<Model>, CoreError> {
        self.available()?;
        if let Some(models) = self.models.get(provider_id) {
            return Ok(models.clone());
        }
        if self.providers.iter().any(|p| p.id == provider_id) {
            return Ok(Vec::new());
        }
        Err(CoreError::ProviderNotFound {
            id: provider_id.to_owned(),
        })
    }

    async fn mcp_tools(&self) -> Result<Vec<McpTool>, CoreError> {
        self.available()?;
        Ok(self.mcp_tools.clone())
    }

    async fn notify(&self, change: ChangeNotice) -> Result<(), CoreError> {
        self.available()?;
        lock(&self.state).notices.push(change);
        Ok(())
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, CoreError> {
        self.available()?;
        lock(&self.state)
            .calls
            .push((method.to_owned(), params.clone()));
        match method {
            "ping" => Ok(Value::map([("pong", Value::Bool(true))])),
            "sessions.list" => Ok(Value::map([(
                "sessions",
                Value::List(lock(&self.state).sessions.clone()),
            )])),
            "sessions.get" => self.session(&params),
            "session.resume" => self.resume(&params),
            "session.create" => Ok(self.create(&params)),
            "chat.send" => self.chat(&params),
            "approval.resolve" => Err(failed(
                method,
                NOT_FOUND,
                "the fixture runtime tracks no approvals of its own",
            )),
            _ => Err(CoreError::RuntimeFailed {
                method: method.to_owned(),
                code: METHOD_NOT_FOUND,
                message: "method not found".into(),
                data: None,
            }),
        }
    }

    async fn shutdown(&self) {
        let mut state = lock(&self.state);
        state.stopped = true;
        state.shutdowns += 1;
    }

    async fn restart(&self) -> Result<RuntimeStatus, CoreError> {
        {
            let mut state = lock(&self.state);
            state.down = false;
            state.stopped = false;
            state.restarts += 1;
        }
        Ok(self.status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pryx_core_api::Revision;

    fn runtime() -> FixtureRuntime {
        let provider = Provider {
            id: "openai".into(),
            name: "OpenAI".into(),
            requires_api_key: true,
            configured: true,
        };
        let models = BTreeMap::from([(
            "openai".to_owned(),
            vec![Model {
                id: "gpt-4o".into(),
                name: "GPT-4o".into(),
            }],
        )]);
        let session = Value::map([("id", Value::from("s1"))]);
        FixtureRuntime::new(vec![provider], models, Vec::new()).with_sessions(vec![session])
    }

    #[tokio::test]
    async fn ready_runtime_answers_from_the_fixture() {
        let rt = runtime();
        let status = rt.status();
        assert_eq!(status.state, RuntimeState::Ready);
        assert_eq!(status.version.as_deref(), Some("fixture"));
        assert_eq!(rt.providers().await.unwrap()[0].id, "openai");
        assert_eq!(rt.provider_models("openai").await.unwrap()[0].id, "gpt-4o");
        assert_eq!(
            rt.provider_models("nope").await.unwrap_err().code(),
            "provider_not_found"
        );
        assert!(rt.mcp_tools().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn calls_answer_a_fixed_set_and_are_recorded() {
        let rt = runtime();
        let list = rt.call("sessions.list", Value::Null).await.unwrap();
        assert_eq!(
            list.as_map().unwrap()["sessions"],
            Value::List(vec![Value::map([("id", Value::from("s1"))])])
        );
        let params = Value::map([("id", Value::from("s1"))]);
        assert!(rt.call("sessions.get", params).await.is_ok());
        let err = rt.call("chat.send", Value::Null).await.unwrap_err();
        assert!(matches!(err, CoreError::RuntimeFailed { code: -32602, .. }));
        let err = rt.call("no.such.method", Value::Null).await.unwrap_err();
        assert!(matches!(err, CoreError::RuntimeFailed { code: -32601, .. }));
        let methods: Vec<_> = rt.calls().into_iter().map(|(m, _)| m).collect();
        assert_eq!(
            methods,
            [
                "sessions.list",
                "sessions.get",
                "chat.send",
                "no.such.method"
            ]
        );
    }

    #[tokio::test]
    async fn sessions_are_created_written_to_and_resumed() {
        let rt = runtime();
        let created = rt
            .call(
                "session.create",
                Value::map([("title", Value::from("Trip"))]),
            )
            .await
            .unwrap();
        let id = created.as_map().unwrap()["id"].as_str().unwrap().to_owned();
        let send = Value::map([
            ("session_id", Value::from(id.clone())),
            ("content", Value::from("hi")),
        ]);
        let sent = rt.call("chat.send", send).await.unwrap();
        assert_eq!(
            sent.as_map().unwrap()["session_id"],
            Value::from(id.clone())
        );
        let resumed = rt
            .call(
                "session.resume",
                Value::map([("session_id", Value::from(id))]),
            )
            .await
            .unwrap();
        let messages = &resumed.as_map().unwrap()["messages"];
        assert!(
            matches!(messages, Value::List(l) if l.len() == 1),
            "{messages:?}"
        );
        let listed = rt.call("sessions.list", Value::Null).await.unwrap();
        assert!(matches!(&listed.as_map().unwrap()["sessions"], Value::List(l) if l.len() == 2));
        let unknown = Value::map([
            ("session_id", Value::from("nope")),
            ("content", Value::from("hi")),
        ]);
        let err = rt.call("chat.send", unknown).await.unwrap_err();
        assert!(matches!(err, CoreError::RuntimeFailed { code: -32004, .. }));
        let err = rt.call("approval.resolve", Value::Null).await.unwrap_err();
        assert!(matches!(err, CoreError::RuntimeFailed { code: -32004, .. }));
    }

    #[tokio::test]
    async fn notices_are_recorded_in_order() {
        let rt = runtime();
        let notices = [
            ChangeNotice::ConfigChanged {
                revision: Revision("mem-2".into()),
                changed: vec!["model_name".into()],
            },
            ChangeNotice::SkillToggled {
                id: "a".into(),
                enabled: true,
            },
        ];
        for n in notices.clone() {
            rt.notify(n).await.unwrap();
        }
        assert_eq!(rt.notices(), notices);
    }

    #[tokio::test]
    async fn down_runtime_fails_every_call_fast() {
        let rt = FixtureRuntime::down();
        assert_eq!(rt.status().state, RuntimeState::Unavailable);
        let unavailable = |e: CoreError| e.code() == "runtime_unavailable";
        assert!(unavailable(rt.providers().await.unwrap_err()));
        assert!(unavailable(rt.provider_models("openai").await.unwrap_err()));
        assert!(unavailable(rt.mcp_tools().await.unwrap_err()));
        assert!(unavailable(rt.call("ping", Value::Null).await.unwrap_err()));
        let notice = ChangeNotice::SkillToggled {
            id: "a".into(),
            enabled: false,
        };
        assert!(unavailable(rt.notify(notice).await.unwrap_err()));
        assert!(rt.notices().is_empty() && rt.calls().is_empty());
    }

    #[tokio::test]
    async fn it_can_go_down_and_come_back() {
        let rt = runtime();
        rt.set_down(true);
        assert!(rt.providers().await.is_err());
        rt.set_down(false);
        assert!(rt.providers().await.is_ok());
    }

    #[tokio::test]
    async fn shutdown_is_idempotent_and_stops_it() {
        let rt = runtime();
        rt.shutdown().await;
        rt.shutdown().await;
        assert_eq!(rt.status().state, RuntimeState::Stopped);
        assert_eq!(rt.shutdowns(), 2);
        assert_eq!(
            rt.providers().await.unwrap_err().code(),
            "runtime_unavailable"
        );
    }

    #[tokio::test]
    async fn restart_brings_a_down_or_stopped_runtime_back() {
        let rt = runtime();
        rt.set_down(true);
        let status = rt.restart().await.unwrap();
        assert_eq!((status.state, status.restarts), (RuntimeState::Ready, 1));
        rt.shutdown().await;
        let status = rt.restart().await.unwrap();
        assert_eq!((status.state, status.restarts), (RuntimeState::Ready, 2));
        assert!(rt.providers().await.is_ok());
    }
}
