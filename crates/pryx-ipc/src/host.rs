//! How the host serves the calls the runtime makes to it.
//!
//! `permission.request` becomes an approval request answered by a person (denied on timeout);
//! `event.publish` and `notification.show` become events for live clients; `telemetry.export`
//! feeds the telemetry sink; `log` goes to the host's log with the source marked. The updater and
//! clipboard exist in the protocol but not in this host: they get a clear `-32001` error.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pryx_core_api::{
    ApprovalDecision, ApprovalRequest, ApprovalService, Event, EventPublisher, Map, TelemetryKind,
    TelemetryRecord, TelemetrySink, UpdateRequest, UpdateService, Value,
};

use crate::frame::clip;
use crate::message::{Params, RpcError, codes};
use crate::peer::{Handler, Reply};
use crate::protocol::{
    EventPublishParams, LogParams, NotificationShowParams, PermissionRequestParams,
    TelemetryExportParams, methods,
};

/// Event names (or prefixes, ending in `.`) only the host publishes; the runtime may not.
pub const RESERVED_EVENTS: &[&str] = &[
    "approval.",
    "config.",
    "skill.",
    "skills.",
    "runtime.status",
    "notification.show",
    "health",
    // The host's log lines (`/ws` `log` events): the runtime logs through `log`, which the
    // host redacts, rate-limits and marks with their source.
    "log",
];

/// The parts of the host the runtime's calls reach.
#[derive(Clone)]
pub struct HostHandles {
    /// Where live events go (`/ws`).
    pub events: Arc<dyn EventPublisher>,
    /// Where approval requests wait for a person.
    pub approvals: ApprovalService,
    /// Where the runtime's telemetry goes.
    pub telemetry: Arc<dyn TelemetrySink>,
    /// The host's updater, which answers the runtime's `updater.check` and `updater.install`
    /// (the same service as the API's, so one apply at a time holds across both).
    pub updates: UpdateService,
}

/// Serves the runtime → host methods of the protocol.
pub struct HostHandler {
    handles: HostHandles,
    approval_timeout: Duration,
    /// Why approvals are refused right now (the host is stopping the runtime), if they are.
    closing: Arc<Mutex<Option<String>>>,
}

impl HostHandler {
    /// A handler over `handles`; unanswered approval requests are denied after
    /// `approval_timeout`.
    pub fn new(handles: HostHandles, approval_timeout: Duration) -> Self {
        Self {
            handles,
            approval_timeout,
            closing: Arc::default(),
        }
    }

    /// Denies every approval request still waiting, with `reason` (each gets its
    /// `approval.resolved`, and the runtime the answer `{"approved": false, "reason": ...}`),
    /// and denies new ones at once until [`HostHandler::reopen`]. Returns how many it denied.
    pub fn deny_waiting(&self, reason: &str) -> usize {
        *self.closing_reason() = Some(reason.to_owned());
        let approvals = &self.handles.approvals;
        approvals
            .pending()
            .iter()
            .filter(|p| approvals.resolve(&p.id, false).is_ok())
            .count()
    }

    /// Serves approval requests again (a new runtime was started).
    pub fn reopen(&self) {
        *self.closing_reason() = None;
    }

    fn closing_reason(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.closing.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn permission(&self, params: Params) -> Reply {
        let p: PermissionRequestParams = match params.parse() {
            Ok(p) => p,
            Err(e) => return Reply::Now(Err(e)),
        };
        if let Some(reason) = self.closing_reason().clone() {
            return Reply::Now(Ok(denial(false, Some(reason))));
        }
        let approvals = self.handles.approvals.clone();
        let timeout = self.approval_timeout;
        let closing = self.closing.clone();
        Reply::later(async move {
            let request = ApprovalRequest {
                session_id: p.session_id,
                tool: p.tool,
                description: p.description,
                intent: p.intent,
                args: p.args,
            };
            let decision = approvals.request(request, timeout).await;
            // Denied because the host is stopping the runtime: say so.
            let reason = match decision {
                ApprovalDecision::Denied => {
                    closing.lock().unwrap_or_else(|p| p.into_inner()).clone()
                }
                _ => None,
            };
            Ok(match reason {
                Some(reason) => denial(false, Some(reason)),
                None => Value::map([
                    ("approved", Value::Bool(decision.approved())),
                    (
                        "timed_out",
                        Value::Bool(decision == ApprovalDecision::TimedOut),
                    ),
                ]),
            })
        })
    }

    /// `updater.check` / `updater.install`: the host's [`UpdateService`]. Params are an optional
    /// `{allow_downgrade, version}`; a refusal is `-32001` with the host's stable error code in
    /// `data.code`.
    fn updater(&self, method: &str, params: Params) -> Reply {
        let request: UpdateRequest = match params.parse() {
            Ok(request) => request,
            Err(e) => return Reply::Now(Err(e)),
        };
        let updates = self.handles.updates.clone();
        let install = method == methods::UPDATER_INSTALL;
        Reply::later(async move {
            let result = if install {
                updates
                    .apply(&request)
                    .await
                    .map(|applied| applied.to_value())
            } else {
                updates.check(&request).await.map(|info| info.to_value())
            };
            result.map_err(|err| RpcError {
                code: codes::NOT_AVAILABLE,
                message: err.to_string(),
                data: Some(Value::map([("code", Value::from(err.code()))])),
            })
        })
    }

    fn notification(&self, params: Params) -> Result<Value, RpcError> {
        let p: NotificationShowParams = params.parse()?;
        let payload = Value::map([
            ("title", Value::from(p.title)),
            ("body", Value::from(p.body)),
        ]);
        self.handles
            .events
            .publish(Event::new(methods::NOTIFICATION_SHOW, payload));
        Ok(empty())
    }

    fn event(&self, params: Params) -> Result<Value, RpcError> {
        let p: EventPublishParams = params.parse()?;
        check_event_name(&p.event)?;
        self.handles.events.publish(Event {
            session_id: p.session_id,
            ..Event::new(p.event, p.payload)
        });
        Ok(empty())
    }

    fn telemetry(&self, params: Params) -> Result<Value, RpcError> {
        let p: TelemetryExportParams = params.parse()?;
        let mut records = Vec::with_capacity(p.records.len());
        for (i, r) in p.records.into_iter().enumerate() {
            let kind = match r.kind.as_str() {
                "metric" => TelemetryKind::Metric,
                "log" => TelemetryKind::Log,
                other => {
                    return Err(RpcError::invalid_params(format!(
                        "records[{i}].kind is {other:?}; expected \"metric\" or \"log\""
                    )));
                }
            };
            let mut attributes = r.attributes;
            attributes.insert("source".to_owned(), Value::from("runtime"));
            records.push(TelemetryRecord {
                kind,
                name: r.name,
                value: r.value,
                attributes,
            });
        }
        let accepted = records.len();
        for record in records {
            self.handles.telemetry.record(record);
        }
        Ok(Value::map([("accepted", Value::Int(accepted as i64))]))
    }
}

impl Handler for HostHandler {
    fn handle(&self, method: &str, params: Params) -> Reply {
        match method {
            methods::PERMISSION_REQUEST => self.permission(params),
            methods::NOTIFICATION_SHOW => Reply::Now(self.notification(params)),
            methods::EVENT_PUBLISH => Reply::Now(self.event(params)),
            methods::TELEMETRY_EXPORT => Reply::Now(self.telemetry(params)),
            methods::LOG => Reply::Now(log(params)),
            methods::UPDATER_CHECK | methods::UPDATER_INSTALL => self.updater(method, params),
            methods::CLIPBOARD_READ_TEXT | methods::CLIPBOARD_WRITE_TEXT => {
                Reply::Now(Err(RpcError::new(
                    codes::NOT_AVAILABLE,
                    format!("{method} is not available: this host gives the runtime no clipboard"),
                )))
            }
            other => Reply::Now(Err(RpcError::method_not_found(other))),
        }
    }
}

fn check_event_name(name: &str) -> Result<(), RpcError> {
    let well_formed = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !well_formed {
        return Err(RpcError::invalid_params(format!(
            "event name {:?} must be 1-128 characters of [A-Za-z0-9._-]",
            clip(name, 200)
        )));
    }
    let reserved = RESERVED_EVENTS.iter().any(|r| {
        if r.ends_with('.') {
            name.starts_with(r)
        } else {
            name == *r
        }
    });
    if reserved {
        return Err(RpcError::invalid_params(format!(
            "event name {name:?} is reserved for the host"
        )));
    }
    Ok(())
}

fn log(params: Params) -> Result<Value, RpcError> {
    let p: LogParams = params.parse()?;
    let fields = match &p.fields {
        Value::Null => String::new(),
        other => serde_json::to_string(other).unwrap_or_default(),
    };
    let message = clip(&p.message, 8192);
    let fields = clip(&fields, 8192);
    macro_rules! emit {
        ($level:ident) => {
            tracing::$level!(target: "pryx_runtime", source = "runtime", stream = "log", fields, "{message}")
        };
    }
    match p.level.to_ascii_lowercase().as_str() {
        "error" | "fatal" => emit!(error),
        "warn" | "warning" => emit!(warn),
        "info" => emit!(info),
        "debug" => emit!(debug),
        "trace" => emit!(trace),
        other => {
            return Err(RpcError::invalid_params(format!(
                "level {:?} is not one of error, warn, info, debug, trace",
                clip(other, 50)
            )));
        }
    }
    Ok(empty())
}

/// `{"approved": false, "timed_out": ..., "reason": ...}`.
fn denial(timed_out: bool, reason: Option<String>) -> Value {
    let mut answer = Map::new();
    answer.insert("approved".to_owned(), Value::Bool(false));
    answer.insert("timed_out".to_owned(), Value::Bool(timed_out));
    if let Some(reason) = reason {
        answer.insert("reason".to_owned(), Value::from(reason));
    }
    Value::Map(answer)
}

fn empty() -> Value {
    Value::Map(Map::new())
}

#[cfg(test)]
mod tests;
