//! JSON-RPC 2.0 messages as serde types: what one line on the pipe holds.
//!
//! Outgoing messages are built from [`Request`], [`Notification`] and [`Response`]; an incoming
//! line is classified by [`parse_line`] into an [`Incoming`] message, a plain log line, or a
//! malformed frame. Params and results stay raw JSON ([`RawValue`]) until the code that knows
//! their shape decodes them, so nothing is parsed twice.

use std::borrow::Cow;
use std::fmt;

use pryx_core_api::Value;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
pub use serde_json::value::RawValue;

/// Standard and Pryx-specific JSON-RPC error codes.
pub mod codes {
    /// The line is JSON-RPC-shaped but not valid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The message is not a valid request (or a method reserved for the host was forwarded).
    pub const INVALID_REQUEST: i64 = -32600;
    /// The method does not exist (or is not served by this side).
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The params do not have the shape the method expects.
    pub const INVALID_PARAMS: i64 = -32602;
    /// The receiver failed while handling a valid call.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// The method exists in the protocol but this host does not provide it (e.g. the updater).
    pub const NOT_AVAILABLE: i64 = -32001;
    /// Too many calls are in flight; retry later.
    pub const BUSY: i64 = -32002;
    /// The receiver is shutting down.
    pub const SHUTTING_DOWN: i64 = -32003;
    /// A named thing (provider, session, ...) does not exist.
    pub const NOT_FOUND: i64 = -32004;
}

/// The `"jsonrpc": "2.0"` marker every message carries; it decodes only from that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct V2;

impl Serialize for V2 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("2.0")
    }
}

impl<'de> Deserialize<'de> for V2 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        if s == "2.0" {
            Ok(V2)
        } else {
            Err(de::Error::custom(format!(
                "jsonrpc must be \"2.0\", not {s:?}"
            )))
        }
    }
}

/// A request id: a number or a string. The host only sends numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    /// A numeric id.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Number(n) => write!(f, "{n}"),
            Id::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Id::Number(n) => s.serialize_i64(*n),
            Id::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct IdVisitor;
        impl Visitor<'_> for IdVisitor {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id::Number(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
                i64::try_from(v)
                    .map(Id::Number)
                    .map_err(|_| E::custom("id out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id::String(v.to_owned()))
            }
        }
        d.deserialize_any(IdVisitor)
    }
}

/// A call that expects an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request<P = Value> {
    /// Always `"2.0"`.
    pub jsonrpc: V2,
    /// Echoed in the response.
    pub id: Id,
    /// Dotted method name, e.g. `admin.health`.
    pub method: String,
    /// Named params (an object), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<P>,
}

/// A message that expects no answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification<P = Value> {
    /// Always `"2.0"`.
    pub jsonrpc: V2,
    /// Dotted method name, e.g. `config.changed`.
    pub method: String,
    /// Named params (an object), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<P>,
}

/// The answer to a [`Request`]: a result or an error, never both.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<R = Value> {
    /// The request's id; `None` (sent as `null`) only when the request's id could not be read.
    pub id: Option<Id>,
    /// The result, or the error.
    pub outcome: Result<R, RpcError>,
}

impl<R: Serialize> Serialize for Response<R> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("jsonrpc", &V2)?;
        map.serialize_entry("id", &self.id)?;
        match &self.outcome {
            Ok(result) => map.serialize_entry("result", result)?,
            Err(error) => map.serialize_entry("error", error)?,
        }
        map.end()
    }
}

/// A JSON-RPC error object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RpcError {
    /// See [`codes`].
    pub code: i64,
    /// One sentence for a person.
    pub message: String,
    /// Extra machine-readable detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with `code` and `message` and no data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }
    /// `-32601`: the method is not served here.
    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            codes::METHOD_NOT_FOUND,
            format!("method {method:?} is not served here"),
        )
    }
    /// `-32602`: the params do not fit.
    pub fn invalid_params(reason: impl fmt::Display) -> Self {
        Self::new(codes::INVALID_PARAMS, format!("invalid params: {reason}"))
    }
}

/// The raw params of an incoming call, decoded on demand.
#[derive(Debug, Default)]
pub struct Params(pub Option<Box<RawValue>>);

impl Params {
    /// Decodes the params into `T`; absent params decode as `{}`. Fails with `-32602`.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, RpcError> {
        let text = self.0.as_deref().map_or("{}", RawValue::get);
        serde_json::from_str(text).map_err(RpcError::invalid_params)
    }
    /// The params as a [`Value`] (`Null` when absent or unreadable).
    pub fn to_value(&self) -> Value {
        self.0
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or(Value::Null)
    }
}

/// A JSON-RPC message read from the other side.
#[derive(Debug)]
pub enum Incoming {
    /// A call to answer.
    Request {
        /// Its id.
        id: Id,
        /// Its method.
        method: String,
        /// Its params.
        params: Params,
    },
    /// A message to act on without answering.
    Notification {
        /// Its method.
        method: String,
        /// Its params.
        params: Params,
    },
    /// The answer to one of our calls.
    Response {
        /// The id of our call.
        id: Id,
        /// Its raw result, or its error.
        outcome: Result<Box<RawValue>, RpcError>,
    },
    /// An error response with a `null` id: the other side could not read something we sent.
    OrphanError(RpcError),
}

/// What one line read from the pipe turned out to be.
#[derive(Debug)]
pub enum Line {
    /// A JSON-RPC 2.0 message.
    Message(Incoming),
    /// Not JSON-RPC: a log line the runtime printed on stdout (plain text or a JSON log record).
    Text,
    /// Meant as a message (starts with `{`) but not a valid one.
    Malformed(String),
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(default, borrow)]
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(default)]
    id: Option<Id>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    params: Option<Box<RawValue>>,
    #[serde(default)]
    result: Option<Box<RawValue>>,
    #[serde(default)]
    error: Option<RpcError>,
}

/// Classifies one line (without its newline). Never panics, whatever the input.
pub fn parse_line(line: &str) -> Line {
    let trimmed = line.trim_start();
    if !trimmed.starts_with('{') {
        return Line::Text;
    }
    let raw: RawMessage = match serde_json::from_str(trimmed) {
        Ok(raw) => raw,
        Err(e) => return Line::Malformed(e.to_string()),
    };
    if raw.jsonrpc.as_deref() != Some("2.0") {
        // A JSON object without the marker is a structured log record, not a message.
        return Line::Text;
    }
    let incoming = match (raw.method, raw.id) {
        (Some(method), Some(id)) => Incoming::Request {
            id,
            method,
            params: Params(raw.params),
        },
        (Some(method), None) => Incoming::Notification {
            method,
            params: Params(raw.params),
        },
        (None, Some(id)) => Incoming::Response {
            id,
            outcome: match raw.error {
                Some(error) => Err(error),
                None => Ok(raw.result.unwrap_or_else(null_raw)),
            },
        },
        (None, None) => match raw.error {
            Some(error) => Incoming::OrphanError(error),
            None => {
                return Line::Malformed("neither a method nor an id".to_owned());
            }
        },
    };
    Line::Message(incoming)
}

fn null_raw() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_requests_notifications_and_responses() {
        let line = r#"{"jsonrpc":"2.0","id":7,"method":"admin.health","params":{"a":1}}"#;
        match parse_line(line) {
            Line::Message(Incoming::Request { id, method, params }) => {
                assert_eq!(id, Id::Number(7));
                assert_eq!(method, "admin.health");
                assert_eq!(params.0.unwrap().get(), r#"{"a":1}"#);
            }
            other => panic!("{other:?}"),
        }
        let line = r#"{"jsonrpc":"2.0","method":"log","params":{}}"#;
        assert!(matches!(
            parse_line(line),
            Line::Message(Incoming::Notification { .. })
        ));
        let line = r#"{"jsonrpc":"2.0","id":"x","result":null}"#;
        match parse_line(line) {
            Line::Message(Incoming::Response { id, outcome }) => {
                assert_eq!(id, Id::String("x".into()));
                assert_eq!(outcome.unwrap().get(), "null");
            }
            other => panic!("{other:?}"),
        }
        let line = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}}"#;
        assert!(matches!(
            parse_line(line),
            Line::Message(Incoming::Response {
                outcome: Err(RpcError { code: -32601, .. }),
                ..
            })
        ));
    }

    #[test]
    fn log_lines_and_json_logs_are_text_and_broken_json_is_malformed() {
        assert!(matches!(
            parse_line("2026/11/25 starting server"),
            Line::Text
        ));
        assert!(matches!(
            parse_line(r#"{"level":"info","msg":"hi"}"#),
            Line::Text
        ));
        assert!(matches!(parse_line("[1,2]"), Line::Text));
        assert!(matches!(parse_line("{not json"), Line::Malformed(_)));
        assert!(matches!(
            parse_line(r#"{"jsonrpc":"2.0"}"#),
            Line::Malformed(_)
        ));
        assert!(matches!(
            parse_line(r#"{"jsonrpc":"2.0","id":{"x":1},"result":1}"#),
            Line::Malformed(_)
        ));
    }

    #[test]
    fn responses_serialize_with_result_or_error() {
        let ok = Response {
            id: Some(Id::Number(1)),
            outcome: Ok(Value::Bool(true)),
        };
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"jsonrpc":"2.0","id":1,"result":true}"#
        );
        let err: Response = Response {
            id: None,
            outcome: Err(RpcError::method_not_found("x")),
        };
        assert_eq!(
            serde_json::to_string(&err).unwrap(),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"method \"x\" is not served here"}}"#
        );
    }

    #[test]
    fn params_parse_absent_as_empty_object() {
        #[derive(Deserialize)]
        struct P {
            #[serde(default)]
            x: Option<i64>,
        }
        let p: P = Params(None).parse().unwrap();
        assert_eq!(p.x, None);
        let bad = Params(Some(RawValue::from_string("\"x\"".into()).unwrap())).parse::<P>();
        assert_eq!(bad.err().unwrap().code, codes::INVALID_PARAMS);
    }
}
