//! One client connection: a reader and a writer over the two halves of the socket, joined in
//! one task. The writer owns everything that goes out (events, answers, pings, the close
//! frame) and the subscription filter; the reader parses what comes in and hands the writer
//! [`Out`] messages through a small bounded queue.
//!
//! Ending: the writer stops on shutdown, on a close it was asked for, on a stalled or broken
//! socket, or when the reader is gone; it then cancels the connection token, which stops the
//! reader. The reader stops when the client closes or breaks the protocol; dropping its
//! senders (and aborting its in-flight calls) lets the writer drain and stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::ws::{Utf8Bytes, WebSocket};
use futures_util::StreamExt;
use serde_json::Value as Json;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio_util::sync::CancellationToken;

use super::filter::{Filter, Pattern};
use super::reader::Reader;
use super::writer::Writer;
use crate::routes::AppState;

/// How many messages the reader may queue for the writer before it waits.
const OUT_QUEUE: usize = 64;

/// What a client asked for in the upgrade request.
#[derive(Debug)]
pub(crate) struct Opening {
    /// Its initial subscriptions and filters.
    pub filter: Filter,
    /// `last_seq` (and `epoch`) to resume after.
    pub resume: Option<(u64, Option<String>)>,
    /// Join event frames that are ready together into one `events` frame (`?batch=1`).
    pub coalesce: bool,
    /// For a socket opened with a browser session: cancelled when that session ends (logout),
    /// which closes the socket with 4002.
    pub session_ended: Option<CancellationToken>,
}

/// What the reader hands the writer.
#[derive(Debug)]
pub(crate) enum Out {
    /// A frame to send as it is.
    Frame(Utf8Bytes),
    /// Add (or replace) subscriptions, then acknowledge.
    Subscribe {
        id: Option<Json>,
        patterns: Vec<Pattern>,
        replace: bool,
    },
    /// Remove subscriptions, then acknowledge.
    Unsubscribe {
        id: Option<Json>,
        patterns: Vec<Pattern>,
    },
    /// Replay from `last_seq`, or resync.
    Resume {
        last_seq: u64,
        epoch: Option<String>,
    },
    /// Close the connection with this code and reason.
    Close(u16, &'static str),
}

/// When the client was last heard from (any frame, pongs included).
pub(crate) struct Activity {
    started: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    /// Records that the client was just heard from.
    pub(crate) fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_ms.store(now, Ordering::Relaxed);
    }

    /// Milliseconds since the client was last heard from.
    pub(crate) fn idle_ms(&self) -> u64 {
        let now = self.started.elapsed().as_millis() as u64;
        now.saturating_sub(self.last_ms.load(Ordering::Relaxed))
    }
}

/// Serves one upgraded connection until either side ends it; `_permit` holds its place under
/// the connection cap.
pub(crate) async fn serve(
    socket: WebSocket,
    app: AppState,
    opening: Opening,
    _permit: OwnedSemaphorePermit,
) {
    let (sink, stream) = socket.split();
    let (out_tx, out_rx) = mpsc::channel(OUT_QUEUE);
    // The connection token is cancelled by the writer when it ends, and (as a child of the
    // session's token) when the session the socket was opened with ends.
    let conn = match &opening.session_ended {
        Some(ended) => ended.child_token(),
        None => CancellationToken::new(),
    };
    let activity = Arc::new(Activity::new());
    let reader = Reader::new(stream, app.clone(), out_tx, conn.clone(), activity.clone());
    let writer = Writer::new(sink, app, out_rx, conn, activity);
    tokio::join!(writer.run(opening), reader.run());
}
