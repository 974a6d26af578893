//! The accept loop: HTTP/1.1 connections with a cap on their number, a deadline for request
//! heads (slow-loris and idle sockets), a bound on header size, WebSocket upgrades, and a
//! graceful stop.
//!
//! At the cap a newcomer takes the place of the longest-idle or anonymous connection (see
//! `slots`), so sockets that send nothing, or send requests without a credential, cannot keep
//! the owner's clients out. A refused connection is logged at most once per
//! [`REFUSAL_LOG_INTERVAL`].

mod slots;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

pub(crate) use slots::ConnectionActivity;
use slots::{ConnectionTable, RateLimitedLog};

use crate::layers::Limits;

/// How long connections may take to finish after a stop was asked for.
const DRAIN_DEADLINE: Duration = Duration::from_secs(10);
/// At most one "connection cap reached" line per this interval.
const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Marks the connection busy for as long as it lives (one request), idle again when dropped.
struct Busy(Arc<ConnectionActivity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// Serves `router` on `listener` until `stop` fires, then drains connections.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    stop: CancellationToken,
) {
    let table = ConnectionTable::new(limits.max_connections);
    let refusals = RateLimitedLog::new(REFUSAL_LOG_INTERVAL);
    let connections = TaskTracker::new();
    let addr = listener.local_addr().ok();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes);
    let builder = Arc::new(builder);

    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(err) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let Some((slot, displaced)) = table.admit() else {
            if let Some(held_back) = refusals.allow(Instant::now()) {
                tracing::warn!(
                    addr = ?addr,
                    max = limits.max_connections,
                    refused_since_last_report = held_back,
                    "connection cap reached, every connection serving an authenticated request; \
                     refusing connections"
                );
            }
            drop(stream);
            continue;
        };
        if displaced {
            tracing::debug!("connection cap reached; closed the longest-idle connection");
        }
        let _ = stream.set_nodelay(true);
        let activity = slot.activity.clone();
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            activity.request_started();
            let busy = Busy(activity.clone());
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(activity.clone());
            let response = router.clone().oneshot(req);
            async move {
                let response = response.await;
                drop(busy);
                response
            }
        });
        let builder = builder.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                // A newcomer took this connection's place: close it.
                () = slot.displaced.cancelled() => {}
                () = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN_DEADLINE, connection.as_mut()).await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    connections.close();
    let _ = tokio::time::timeout(DRAIN_DEADLINE + Duration::from_secs(1), connections.wait()).await;
}
