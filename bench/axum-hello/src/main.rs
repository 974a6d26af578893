//! `axum-hello`: the smallest axum server that does what the host's benchmarked routes do, built
//! with the same axum, tokio and features. `scripts/bench.sh` reports every host figure as a
//! ratio to this binary's, so the ratio is what the host adds on top of its stack.
//!
//! - `GET /health` answers a small JSON object (like the host's anonymous health);
//! - `GET /` answers a ~2 KB HTML page (like the host's UI index);
//! - `--port N` (0 picks a free one); the bound address is printed on stdout as one JSON line,
//!   as `pryx-core` does;
//! - two async worker threads, the host's default.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::Router;
use axum::response::{Html, Json};
use axum::routing::get;
use serde::Serialize;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    uptime_ms: u64,
}

static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

static PAGE: std::sync::LazyLock<String> = std::sync::LazyLock::new(page);

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_ms: STARTED.get().map_or(0, |t| t.elapsed().as_millis() as u64),
    })
}

/// A page of about 2 KB, built once.
fn page() -> String {
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>hello</title></head>\n<body>\n",
    );
    let mut i = 0;
    while html.len() < 1990 {
        html.push_str(&format!(
            "<p>line {i}: the bare axum hello-world page.</p>\n"
        ));
        i += 1;
    }
    html.push_str("</body>\n</html>\n");
    html
}

fn port_from_args() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    let mut port = 8080;
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--port" => args.next().ok_or("--port needs a value")?,
            other => match other.strip_prefix("--port=") {
                Some(v) => v.to_owned(),
                None => {
                    return Err(format!(
                        "unknown argument {other}; usage: axum-hello [--port N]"
                    ));
                }
            },
        };
        port = value.parse().map_err(|e| format!("--port {value}: {e}"))?;
    }
    Ok(port)
}

fn main() -> std::process::ExitCode {
    STARTED.get_or_init(Instant::now);
    let port = match port_from_args() {
        Ok(p) => p,
        Err(err) => {
            eprintln!("axum-hello: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let app = Router::new()
            .route("/health", get(health))
            .route("/", get(|| async { Html(PAGE.as_str()) }));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        println!(
            "{{\"event\":\"listening\",\"addr\":\"{addr}\",\"pid\":{}}}",
            std::process::id()
        );
        axum::serve(listener, app).await.expect("serve");
    });
    std::process::ExitCode::SUCCESS
}
