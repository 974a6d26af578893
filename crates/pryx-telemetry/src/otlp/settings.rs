//! Whether to export and where: the standard `OTEL_*` variables, the Pryx setting (`telemetry:`
//! in config.yaml and `PRYX_TELEMETRY_*`), and the opt-outs. See docs/telemetry.md.

use std::collections::HashMap;
use std::time::Duration;

use pryx_core_api::{Config, Value};

/// Export settings once export is on.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportSettings {
    /// The OTLP/HTTP base URL; `/v1/traces`, `/v1/metrics` and `/v1/logs` are appended.
    pub endpoint: String,
    /// Extra request headers (the ingest key as `Authorization: Bearer …`). Secret: never
    /// logged or shown. `OTEL_EXPORTER_OTLP_HEADERS` is added by the exporter itself.
    pub headers: HashMap<String, String>,
    /// `service.name` of the host's resource (`OTEL_SERVICE_NAME`, default `pryx-host`).
    pub service_name: String,
    /// How long one export (with its retries) may take.
    pub timeout: Duration,
    /// How often queued spans and logs are sent (`OTEL_BSP_SCHEDULE_DELAY`, ms).
    pub interval: Duration,
    /// How often metrics are collected and sent (`OTEL_METRIC_EXPORT_INTERVAL`, ms).
    pub metric_interval: Duration,
    /// Spans (and, separately, log records) waiting at most; more are dropped and counted.
    pub queue_capacity: usize,
    /// Most items in one request.
    pub batch_size: usize,
    /// Request spans exported per second at most (`PRYX_TELEMETRY_REQUEST_SPANS_PER_SECOND`,
    /// default 100); every request is still counted in the metrics.
    pub request_spans_per_second: u32,
    /// Whether request bodies are gzip-compressed.
    pub gzip: bool,
}

impl ExportSettings {
    /// Settings for `endpoint` with the default bounds: 10 s per export, spans and logs every
    /// 5 s, metrics every 30 s, 2048 queued, 512 per request.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            headers: HashMap::new(),
            service_name: "pryx-host".to_owned(),
            timeout: Duration::from_secs(10),
            interval: Duration::from_secs(5),
            metric_interval: Duration::from_secs(30),
            queue_capacity: 2048,
            batch_size: 512,
            request_spans_per_second: 100,
            gzip: false,
        }
    }

    /// The endpoint as it may be shown: without credentials or query.
    pub fn display_endpoint(&self) -> String {
        let (scheme, rest) = self
            .endpoint
            .split_once("://")
            .unwrap_or(("", &self.endpoint));
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let rest = match rest.split_once('/') {
            Some((authority, path)) => format!(
                "{}/{path}",
                authority.rsplit_once('@').map_or(authority, |(_, h)| h)
            ),
            None => rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_owned(),
        };
        format!("{scheme}://{rest}")
    }
}

/// The outcome of reading the settings.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// Export to these settings.
    On(ExportSettings),
    /// No export, for this reason.
    Off(String),
}

fn truthy(v: Option<String>) -> bool {
    v.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Decides from the environment (`env`) and the config whether and where to export.
///
/// Off, in this order: `DO_NOT_TRACK=1`, `PRYX_TELEMETRY_DISABLED=true`,
/// `OTEL_SDK_DISABLED=true`, `telemetry.enabled: false` or `telemetry_disabled: true` in the
/// config, or no endpoint. The endpoint: `PRYX_TELEMETRY_ENDPOINT`, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT`, else `telemetry.endpoint`. The ingest key:
/// `PRYX_TELEMETRY_KEY`, else `telemetry.ingest_key`.
pub fn resolve(env: impl Fn(&str) -> Option<String>, config: &Config) -> Resolved {
    if truthy(env("DO_NOT_TRACK")) {
        return Resolved::Off("DO_NOT_TRACK is set".into());
    }
    if truthy(env("PRYX_TELEMETRY_DISABLED")) {
        return Resolved::Off("PRYX_TELEMETRY_DISABLED is set".into());
    }
    if truthy(env("OTEL_SDK_DISABLED")) {
        return Resolved::Off("OTEL_SDK_DISABLED is set".into());
    }
    if matches!(
        config.get_path("telemetry.enabled"),
        Some(Value::Bool(false))
    ) {
        return Resolved::Off("telemetry.enabled is false in config.yaml".into());
    }
    if matches!(
        config.get_path("telemetry_disabled"),
        Some(Value::Bool(true))
    ) {
        return Resolved::Off("telemetry_disabled is true in config.yaml".into());
    }
    let text = |path: &str| {
        non_empty(
            config
                .get_path(path)
                .and_then(Value::as_str)
                .map(str::to_owned),
        )
    };
    // Which setting named the endpoint matters for compression: the Pryx Worker takes gzip, so
    // the Pryx setting compresses unless told not to; a standard OTLP endpoint gets what the
    // OpenTelemetry specification says (none unless asked).
    let endpoint = non_empty(env("PRYX_TELEMETRY_ENDPOINT"))
        .map(|e| (e, true))
        .or_else(|| non_empty(env("OTEL_EXPORTER_OTLP_ENDPOINT")).map(|e| (e, false)))
        .or_else(|| text("telemetry.endpoint").map(|e| (e, true)));
    let Some((endpoint, pryx_endpoint)) = endpoint else {
        return Resolved::Off("no endpoint configured".into());
    };
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        return Resolved::Off("the endpoint is not an http:// or https:// URL".into());
    }
    let compression = non_empty(env("PRYX_TELEMETRY_COMPRESSION"))
        .map(|v| ("PRYX_TELEMETRY_COMPRESSION", v))
        .or_else(|| {
            non_empty(env("OTEL_EXPORTER_OTLP_COMPRESSION"))
                .map(|v| ("OTEL_EXPORTER_OTLP_COMPRESSION", v))
        })
        .or_else(|| text("telemetry.compression").map(|v| ("telemetry.compression", v)));
    let gzip = match compression {
        None => pryx_endpoint,
        Some((_, v)) if v.eq_ignore_ascii_case("gzip") => true,
        Some((_, v)) if v.eq_ignore_ascii_case("none") => false,
        Some((name, v)) => {
            return Resolved::Off(format!("{name} is {v:?}: use \"gzip\" or \"none\""));
        }
    };
    let mut settings = ExportSettings::new(endpoint);
    settings.gzip = gzip;
    if let Some(key) = non_empty(env("PRYX_TELEMETRY_KEY")).or_else(|| text("telemetry.ingest_key"))
    {
        settings
            .headers
            .insert("authorization".into(), format!("Bearer {key}"));
    }
    if let Some(name) = non_empty(env("OTEL_SERVICE_NAME")) {
        settings.service_name = name;
    }
    let millis = |name: &str| {
        non_empty(env(name))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|ms| Duration::from_millis(ms.clamp(10, 3_600_000)))
    };
    if let Some(d) = millis("OTEL_BSP_SCHEDULE_DELAY") {
        settings.interval = d;
    }
    if let Some(d) = millis("OTEL_METRIC_EXPORT_INTERVAL") {
        settings.metric_interval = d;
    }
    if let Some(d) = millis("OTEL_EXPORTER_OTLP_TIMEOUT") {
        settings.timeout = d.min(Duration::from_secs(60));
    }
    let count = |name: &str| {
        non_empty(env(name))
            .and_then(|v| v.parse::<usize>().ok())
            .map(|n| n.clamp(1, 65_536))
    };
    if let Some(n) = count("OTEL_BSP_MAX_QUEUE_SIZE") {
        settings.queue_capacity = n;
    }
    if let Some(n) = count("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") {
        settings.batch_size = n;
    }
    if let Some(n) = count("PRYX_TELEMETRY_REQUEST_SPANS_PER_SECOND") {
        settings.request_spans_per_second = n as u32;
    }
    Resolved::On(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(vars: &[(&str, &str)], config: &str) -> Resolved {
        let config: Config = serde_json::from_str(config).unwrap();
        resolve(
            |k| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            },
            &config,
        )
    }

    fn reason(r: Resolved) -> String {
        match r {
            Resolved::Off(why) => why,
            Resolved::On(s) => panic!("export is on to {}", s.endpoint),
        }
    }

    #[test]
    fn off_without_an_endpoint_and_on_each_opt_out() {
        assert_eq!(reason(run(&[], "{}")), "no endpoint configured");
        let ep = ("PRYX_TELEMETRY_ENDPOINT", "http://127.0.0.1:1");
        assert!(reason(run(&[ep, ("DO_NOT_TRACK", "1")], "{}")).contains("DO_NOT_TRACK"));
        assert!(reason(run(&[ep, ("PRYX_TELEMETRY_DISABLED", "true")], "{}")).contains("PRYX_"));
        assert!(reason(run(&[ep, ("OTEL_SDK_DISABLED", "true")], "{}")).contains("OTEL_SDK"));
        assert!(reason(run(&[ep], r#"{"telemetry":{"enabled":false}}"#)).contains("enabled"));
        assert!(
            reason(run(&[ep], r#"{"telemetry_disabled":true}"#)).contains("telemetry_disabled")
        );
    }

    #[test]
    fn endpoint_and_key_from_env_or_config() {
        let Resolved::On(s) = run(
            &[],
            r#"{"telemetry":{"endpoint":"https://t.example.dev/","ingest_key":"k1"}}"#,
        ) else {
            panic!("off")
        };
        assert_eq!(s.endpoint, "https://t.example.dev");
        assert_eq!(s.headers["authorization"], "Bearer k1");
        let Resolved::On(s) = run(
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4318"),
                ("PRYX_TELEMETRY_KEY", "k2"),
                ("OTEL_SERVICE_NAME", "mine"),
            ],
            r#"{"telemetry":{"endpoint":"https://t.example.dev"}}"#,
        ) else {
            panic!("off")
        };
        assert_eq!(s.endpoint, "http://otel:4318");
        assert_eq!(s.headers["authorization"], "Bearer k2");
        assert_eq!(s.service_name, "mine");
    }

    #[test]
    fn gzip_for_the_pryx_endpoint_none_for_a_standard_one_unless_asked() {
        let on = |vars: &[(&str, &str)], config: &str| match run(vars, config) {
            Resolved::On(s) => s.gzip,
            Resolved::Off(why) => panic!("off: {why}"),
        };
        let pryx = ("PRYX_TELEMETRY_ENDPOINT", "http://127.0.0.1:1");
        let otel = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:2");
        assert!(on(&[pryx], "{}"));
        assert!(on(
            &[],
            r#"{"telemetry":{"endpoint":"https://t.example.dev"}}"#
        ));
        assert!(!on(&[otel], "{}"));
        assert!(on(
            &[otel, ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")],
            "{}"
        ));
        assert!(!on(&[pryx, ("PRYX_TELEMETRY_COMPRESSION", "none")], "{}"));
        assert!(!on(&[pryx], r#"{"telemetry":{"compression":"none"}}"#));
        // The Pryx variable wins over the standard one.
        assert!(on(
            &[
                otel,
                ("OTEL_EXPORTER_OTLP_COMPRESSION", "none"),
                ("PRYX_TELEMETRY_COMPRESSION", "GZIP")
            ],
            "{}"
        ));
        let why = reason(run(
            &[pryx, ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")],
            "{}",
        ));
        assert!(
            why.contains("OTEL_EXPORTER_OTLP_COMPRESSION") && why.contains("gzip"),
            "{why}"
        );
    }

    #[test]
    fn the_shown_endpoint_has_no_credentials() {
        let s = ExportSettings::new("https://user:pw@t.example.dev/otlp?token=x");
        assert_eq!(s.display_endpoint(), "https://t.example.dev/otlp");
    }
}
