//! The writing half of a connection: hello, replay, live events (filtered, batched, with lag
//! detection), answers, pings, and the close frame.
//!
//! Backpressure: the writer reads the hub's ring through its own cursor, so a slow client costs
//! the hub nothing and never delays another client. A client more than `max_lag` events behind
//! (or more than the ring) is skipped to the newest event in O(1) and told (`lagged`, then
//! `resync`). A socket that accepts no
//! data for `send_timeout` (a client that does not read) ends the connection (4000). Each
//! batch is bounded, and axum's write buffer only grows past its threshold by one frame before
//! the writer waits, so memory per connection stays bounded.
//!
//! Closing: when the server closes (shutdown 1001, slow consumer 4000, ping timeout 4001, session
//! ended 4002, message too big 1009), it sends the close frame and keeps the socket open, for a
//! short grace, until the client answers, so the client reads the close code instead of a reset.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::connection::{Activity, Opening, Out};
use super::filter::Filter;
use super::frame::{self, close_codes};
use super::outbox::Outbox;
use crate::events::{Cursor, Lagged, Resume};
use crate::routes::AppState;

/// Most events written per flush.
const MAX_BATCH: usize = 256;
/// How long a parting close frame may take.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// How the writer ended.
enum Stop {
    /// The reader is gone (the client closed or broke the protocol); finish the handshake.
    Done,
    /// Send this close frame, then end.
    Close(u16, &'static str),
    /// The socket failed; nothing more can be sent.
    Broken,
}

pub(crate) struct Writer {
    sink: SplitSink<WebSocket, Message>,
    app: AppState,
    out: mpsc::Receiver<Out>,
    conn: CancellationToken,
    activity: Arc<Activity>,
    filter: Filter,
    /// The place in the hub's ring: the seq of the last event handled (sent, filtered out,
    /// or skipped).
    cursor: Cursor,
    outbox: Outbox,
}

impl Writer {
    pub(crate) fn new(
        sink: SplitSink<WebSocket, Message>,
        app: AppState,
        out: mpsc::Receiver<Out>,
        conn: CancellationToken,
        activity: Arc<Activity>,
    ) -> Self {
        let cursor = app.hub.subscribe();
        Self {
            sink,
            app,
            out,
            conn,
            activity,
            filter: Filter::default(),
            cursor,
            outbox: Outbox::new(false),
        }
    }

    /// Serves until the connection ends, then says goodbye as well as the socket allows.
    pub(crate) async fn run(mut self, opening: Opening) {
        let stop = self.serve(opening).await;
        let we_close = matches!(stop, Stop::Close(..));
        let sink = &mut self.sink;
        let goodbye = async move {
            match stop {
                Stop::Done => sink.close().await,
                Stop::Close(code, reason) => {
                    let reason = Utf8Bytes::from_static(reason);
                    sink.send(Message::Close(Some(CloseFrame { code, reason })))
                        .await
                }
                Stop::Broken => Ok(()),
            }
        };
        let _ = tokio::time::timeout(CLOSE_GRACE, goodbye).await;
        if we_close {
            // The closing handshake: keep reading until the client answers (the reader ends on
            // its close frame), so the socket is not torn down under a frame it has yet to read.
            let answered = async { while self.out.recv().await.is_some() {} };
            let _ = tokio::time::timeout(CLOSE_GRACE, answered).await;
        }
        self.conn.cancel();
    }

    async fn serve(&mut self, opening: Opening) -> Stop {
        let shutdown = self.app.ws.lifecycle.token().clone();
        if shutdown.is_cancelled() {
            return Stop::Close(close_codes::GOING_AWAY, "host shutting down");
        }
        self.filter = opening.filter;
        self.outbox = Outbox::new(opening.coalesce);
        self.hello(opening.resume);
        if let Err(stop) = self.flush().await {
            return stop;
        }
        let config = &self.app.ws.config;
        let period = config.ping_interval.max(Duration::from_millis(10));
        let allowed_idle = (period + config.pong_timeout).as_millis() as u64;
        let mut ping = tokio::time::interval_at(Instant::now() + period, period);
        // Each token is waited on by one pinned future, registered once, instead of a new
        // registration (a lock and a list insert and removal) on every turn of the loop, which
        // turns once per event sent.
        let host_stops = shutdown.cancelled_owned();
        let session_ends = self.conn.clone().cancelled_owned();
        tokio::pin!(host_stops, session_ends);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                biased;
                _ = &mut host_stops => Err(Stop::Close(close_codes::GOING_AWAY, "host shutting down")),
                // Only the session's end cancels it while the writer runs (see `connection`).
                _ = &mut session_ends => Err(Stop::Close(close_codes::SESSION_ENDED, "session ended")),
                out = self.out.recv() => match out {
                    Some(out) => self.on_out(out),
                    None => Err(Stop::Done),
                },
                _ = self.cursor.ready() => {
                    self.on_ready();
                    Ok(())
                }
                _ = ping.tick() => {
                    if self.activity.idle_ms() > allowed_idle {
                        Err(Stop::Close(close_codes::PING_TIMEOUT, "no pong within the timeout"))
                    } else {
                        self.outbox.push(Message::Ping(Default::default()));
                        Ok(())
                    }
                }
            };
            if let Err(stop) = step {
                return stop;
            }
            if let Err(stop) = self.flush().await {
                return stop;
            }
        }
    }

    /// Attaches to the hub (after a replay when resuming) and queues `hello` and what was
    /// missed.
    fn hello(&mut self, resume: Option<(u64, Option<String>)>) {
        let hub = self.app.hub.clone();
        let (after, wrong_epoch) = match &resume {
            Some((seq, Some(epoch))) if epoch != hub.epoch() => (None, Some(*seq)),
            Some((seq, _)) => (Some(*seq), None),
            None => (None, None),
        };
        let sub = hub.subscribe_after(after);
        self.cursor = sub.cursor;
        let health = self.app.services.health.health();
        let config = &self.app.ws.config;
        let hello = frame::hello(frame::Hello {
            version: &health.version,
            epoch: hub.epoch(),
            last_seq: sub.last_seq,
            subscriptions: self.filter.names(),
            session_id: self.filter.session_id.as_deref(),
            surface: self.filter.surface.as_deref(),
            max_message_bytes: config.max_message_bytes,
            ping_interval_ms: config.ping_interval.as_millis() as u64,
        });
        self.outbox.text(hello);
        if wrong_epoch.is_some() {
            self.push_text(frame::resync("restarted", sub.last_seq));
        } else if let Some(resume) = sub.resume {
            self.replay(resume, sub.last_seq);
        }
    }

    fn replay(&mut self, resume: Resume, last_seq: u64) {
        match resume {
            Resume::Replay(events) => {
                for event in events {
                    if self.filter.matches(&event.event) {
                        self.outbox.event(event.wire());
                    }
                }
            }
            Resume::TooOld { .. } => self.push_text(frame::resync("too_old", last_seq)),
            Resume::Unknown => self.push_text(frame::resync("unknown_seq", last_seq)),
        }
    }

    fn on_out(&mut self, out: Out) -> Result<(), Stop> {
        match out {
            Out::Frame(text) => self.push_text(text),
            Out::Subscribe {
                id,
                patterns,
                replace,
            } => {
                let changed = if replace {
                    self.filter.replace(patterns)
                } else {
                    self.filter.add(patterns)
                };
                let ack = match changed {
                    Ok(()) => frame::subscriptions(id.as_ref(), self.filter.names()),
                    Err(why) => frame::error(id.as_ref(), "too_many_subscriptions", &why),
                };
                self.push_text(ack);
            }
            Out::Unsubscribe { id, patterns } => {
                self.filter.remove(&patterns);
                self.push_text(frame::subscriptions(id.as_ref(), self.filter.names()));
            }
            Out::Resume { last_seq, epoch } => {
                let hub = self.app.hub.clone();
                let wrong_epoch = epoch.as_deref().is_some_and(|e| e != hub.epoch());
                let sub = hub.subscribe_after((!wrong_epoch).then_some(last_seq));
                self.cursor = sub.cursor;
                match sub.resume {
                    Some(resume) => self.replay(resume, sub.last_seq),
                    None => self.push_text(frame::resync("restarted", sub.last_seq)),
                }
            }
            Out::Close(code, reason) => return Err(Stop::Close(code, reason)),
        }
        Ok(())
    }

    /// Takes the events ready after the cursor, up to a batch: each one the filter passes goes
    /// into the outbox by reference (coalesced ones are copied once, straight into the joined
    /// frame). A client too far behind skips ahead instead.
    fn on_ready(&mut self) {
        // More than `max_lag` events between the next one to send and the newest: skip.
        if self.cursor.behind().saturating_sub(1) > self.app.ws.config.max_lag {
            let lagged = self.cursor.skip_to_newest();
            return self.announce(lagged);
        }
        let Self {
            cursor,
            filter,
            outbox,
            ..
        } = self;
        let room = MAX_BATCH.saturating_sub(outbox.len()).max(1);
        let read = cursor.read(room, |event| {
            if filter.matches(&event.event) {
                outbox.event(event.wire());
            }
        });
        if let Err(lagged) = read {
            self.announce(lagged);
        }
    }

    /// Tells the client it lost events and where the stream continues.
    fn announce(&mut self, lagged: Lagged) {
        if lagged.missed > 0 {
            let last_seq = self.cursor.position();
            self.push_text(frame::lagged(lagged.missed));
            self.push_text(frame::resync("lagged", last_seq));
        }
    }

    fn push_text(&mut self, text: Utf8Bytes) {
        self.outbox.text(text);
    }

    /// Writes the batch and flushes it, within the send timeout.
    async fn flush(&mut self) -> Result<(), Stop> {
        if self.outbox.len() == 0 {
            return Ok(());
        }
        let Self { sink, outbox, .. } = self;
        let send = async {
            for message in outbox.take() {
                sink.feed(message).await?;
            }
            sink.flush().await
        };
        match tokio::time::timeout(self.app.ws.config.send_timeout, send).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Stop::Broken),
            Err(_) => {
                self.outbox.clear();
                tracing::debug!("a /ws client stopped reading; dropping it");
                Err(Stop::Close(
                    close_codes::SLOW_CONSUMER,
                    "not reading fast enough",
                ))
            }
        }
    }
}
