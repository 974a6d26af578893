//! Requests and TUI commands, each mapped onto one core service call. The answer is a frame:
//! `response` for requests, `result` for commands, with `error: {code, message, details?}`
//! when the call failed (the code is `CoreError::code()`).

use pryx_core_api::{CoreError, Revision, Services, Value};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use super::frame;
use super::inbound::Command;

/// Why a call failed.
enum Failure {
    Core(CoreError),
    InvalidParams(String),
}

impl From<CoreError> for Failure {
    fn from(err: CoreError) -> Self {
        Failure::Core(err)
    }
}

impl Failure {
    fn body(&self) -> Json {
        match self {
            Failure::Core(err) => frame::core_error(err),
            Failure::InvalidParams(why) => json!({"code": "invalid_params", "message": why}),
        }
    }
}

type Outcome = Result<Json, Failure>;

/// Answers `{type:"request", id, method, params}` with a `response` frame.
pub(crate) async fn request(services: &Services, id: Json, method: &str, params: Json) -> Json {
    match call(services, method, params).await {
        Ok(result) => json!({"type": "response", "id": id, "result": result}),
        Err(failure) => json!({"type": "response", "id": id, "error": failure.body()}),
    }
}

/// Answers a TUI command with a `result` frame.
pub(crate) async fn command(services: &Services, cmd: Command) -> Json {
    // Only the commands `inbound::COMMANDS` names get here, under their canonical names.
    let outcome = if cmd.name == "approval.resolve" {
        resolve_command(services, &cmd).await
    } else {
        runtime_call(services, &cmd.name, command_params(&cmd)).await
    };
    let mut frame = json!({"type": "result", "event": cmd.name});
    if let Some(map) = frame.as_object_mut() {
        if let Some(session) = &cmd.session_id {
            map.insert("session_id".into(), json!(session));
        }
        match outcome {
            // `payload` repeats the result in the shape the runtime's old socket answered
            // with (`{event, payload}`), which the TUI's screens read.
            Ok(result) => {
                map.insert("payload".into(), result.clone());
                map.insert("result".into(), result)
            }
            Err(failure) => map.insert("error".into(), failure.body()),
        };
    }
    frame::with_id(frame, cmd.id.as_ref())
}

/// The admin operations; any other method is passed to the runtime as it is.
async fn call(s: &Services, method: &str, params: Json) -> Outcome {
    match method {
        "health" => to_json(s.health.health()),
        "runtime.status" => to_json(s.runtime.status()),
        "config.get" => to_json(s.config.get().await?),
        "config.patch" => {
            let p: PatchParams = parse(params)?;
            to_json(
                s.config
                    .patch(to_value(p.patch)?, p.revision.map(Revision))
                    .await?,
            )
        }
        "config.replace" => {
            let p: ReplaceParams = parse(params)?;
            let config = serde_json::from_value(p.config).map_err(invalid)?;
            to_json(s.config.replace(config, Some(Revision(p.revision))).await?)
        }
        "skills.list" => Ok(json!({"skills": s.skills.list().await?})),
        "skills.get" => to_json(s.skills.get(&parse::<IdParams>(params)?.id).await?),
        "skills.enable" => to_json(
            s.skills
                .set_enabled(&parse::<IdParams>(params)?.id, true)
                .await?,
        ),
        "skills.disable" => to_json(
            s.skills
                .set_enabled(&parse::<IdParams>(params)?.id, false)
                .await?,
        ),
        "providers.list" => Ok(json!({"providers": s.runtime.providers().await?})),
        "providers.models" => {
            let id = parse::<IdParams>(params)?.id;
            Ok(json!({"models": s.runtime.provider_models(&id).await?}))
        }
        "mcp.tools" => Ok(json!({"tools": s.runtime.mcp_tools().await?})),
        "approvals.list" => Ok(json!({"approvals": s.agent.pending_approvals()})),
        "approval.resolve" => {
            let p: ResolveParams = parse(params)?;
            s.agent.resolve(&p.approval_id, p.approved).await?;
            Ok(json!({"approval_id": p.approval_id, "approved": p.approved}))
        }
        other => runtime_call(s, other, params).await,
    }
}

async fn runtime_call(s: &Services, method: &str, params: Json) -> Outcome {
    let answer = s.runtime.call(method, to_value(params)?).await?;
    to_json(answer)
}

/// The TUI's `approval.resolve`: the id and decision at the top level or in `payload`.
async fn resolve_command(s: &Services, cmd: &Command) -> Outcome {
    let from_payload = |key: &str| cmd.payload.get(key).cloned();
    let approval_id = cmd
        .approval_id
        .clone()
        .or_else(|| from_payload("approval_id")?.as_str().map(str::to_owned))
        .ok_or_else(|| Failure::InvalidParams("approval.resolve needs `approval_id`".into()))?;
    let approved = cmd
        .approved
        .or_else(|| from_payload("approved")?.as_bool())
        .ok_or_else(|| Failure::InvalidParams("approval.resolve needs `approved`".into()))?;
    s.agent.resolve(&approval_id, approved).await?;
    Ok(json!({"approval_id": approval_id, "approved": approved}))
}

/// A command's params for the runtime: its payload (an object), with `session_id` added.
fn command_params(cmd: &Command) -> Json {
    let mut params = match &cmd.payload {
        Json::Object(map) => map.clone(),
        Json::Null => serde_json::Map::new(),
        other => {
            let mut map = serde_json::Map::new();
            map.insert("payload".into(), other.clone());
            map
        }
    };
    if let Some(session) = &cmd.session_id {
        params.entry("session_id").or_insert_with(|| json!(session));
    }
    Json::Object(params)
}

#[derive(Deserialize)]
struct IdParams {
    id: String,
}

#[derive(Deserialize)]
struct PatchParams {
    patch: Json,
    #[serde(default)]
    revision: Option<String>,
}

#[derive(Deserialize)]
struct ReplaceParams {
    config: Json,
    revision: String,
}

#[derive(Deserialize)]
struct ResolveParams {
    #[serde(alias = "id")]
    approval_id: String,
    approved: bool,
}

fn parse<T: DeserializeOwned>(params: Json) -> Result<T, Failure> {
    serde_json::from_value(params).map_err(invalid)
}

fn invalid(err: serde_json::Error) -> Failure {
    Failure::InvalidParams(format!("params: {err}"))
}

fn to_value(json: Json) -> Result<Value, Failure> {
    serde_json::from_value(json).map_err(invalid)
}

fn to_json(value: impl serde::Serialize) -> Outcome {
    serde_json::to_value(value).map_err(|e| {
        Failure::Core(CoreError::Internal(format!(
            "cannot encode the answer: {e}"
        )))
    })
}
