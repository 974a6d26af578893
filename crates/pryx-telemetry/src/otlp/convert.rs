//! Turning the core's values, levels and names into OpenTelemetry's.

use std::sync::Mutex;

use opentelemetry::KeyValue;
use opentelemetry::logs::{AnyValue, Severity};
use pryx_core_api::{LogLevel, Value};

/// The first 32 entries of a map as attributes (nested values as JSON text, nulls left out);
/// anything but a map gives none.
pub(super) fn key_values(value: &Value) -> Vec<KeyValue> {
    let Value::Map(map) = value else {
        return Vec::new();
    };
    map.iter()
        .take(32)
        .filter_map(|(k, v)| {
            let v: opentelemetry::Value = match v {
                Value::String(s) => s.clone().into(),
                Value::Int(i) => (*i).into(),
                Value::Float(f) => (*f).into(),
                Value::Bool(b) => (*b).into(),
                Value::Null => return None,
                other => serde_json::to_string(other).ok()?.into(),
            };
            Some(KeyValue::new(k.clone(), v))
        })
        .collect()
}

/// A number as `f64`.
pub(super) fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// An attribute value as a log-record value.
pub(super) fn any(value: opentelemetry::Value) -> AnyValue {
    match value {
        opentelemetry::Value::Bool(b) => AnyValue::Boolean(b),
        opentelemetry::Value::I64(i) => AnyValue::Int(i),
        opentelemetry::Value::F64(f) => AnyValue::Double(f),
        other => AnyValue::String(other.as_str().into_owned().into()),
    }
}

/// The OTLP severity of a level.
pub(super) fn severity(level: LogLevel) -> Severity {
    match level {
        LogLevel::Trace => Severity::Trace,
        LogLevel::Debug => Severity::Debug,
        LogLevel::Info => Severity::Info,
        LogLevel::Warn => Severity::Warn,
        LogLevel::Error => Severity::Error,
    }
}

/// The `level` attribute of a runtime record, when it names a level.
pub(super) fn attributes_level(attributes: &Value) -> Option<LogLevel> {
    let Value::Map(map) = attributes else {
        return None;
    };
    map.get("level")
        .and_then(Value::as_str)
        .and_then(LogLevel::parse)
}

/// OTLP event names are `&'static str` in the SDK; runtime names are kept in a small bounded
/// intern table so each distinct name is leaked once at most.
pub(super) fn leak_name(name: &str) -> &'static str {
    static NAMES: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    if names.len() >= 256 || name.len() > 128 {
        return "runtime.event";
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.push(leaked);
    leaked
}
