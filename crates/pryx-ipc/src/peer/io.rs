//! The peer's two tasks: the reader (classify and dispatch each line) and the writer.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_util::codec::FramedRead;

use super::{Reply, Shared};
use crate::frame::{Frame, LineCodec};
use crate::message::{Incoming, Line, RpcError, codes, parse_line};

/// Lines longer than this are cut in logs.
const LOG_LINE_CHARS: usize = 2048;
/// The writer gathers queued frames up to this many bytes into one write.
const WRITE_BATCH_BYTES: usize = 256 * 1024;
/// The reader's buffer: large enough that a burst of answers is one read.
const READ_BUFFER_BYTES: usize = 64 * 1024;

pub(super) async fn read_loop<R: AsyncRead + Unpin>(shared: Arc<Shared>, reader: R) {
    let codec = LineCodec::new(shared.config.max_frame_bytes);
    let mut frames = FramedRead::with_capacity(reader, codec, READ_BUFFER_BYTES);
    loop {
        let next = tokio::select! {
            biased;
            _ = shared.closed.cancelled() => return,
            next = frames.next() => next,
        };
        match next {
            Some(Ok(Frame::Line(line))) => dispatch(&shared, &line),
            Some(Ok(Frame::TooLong { limit })) => tracing::warn!(
                target: "pryx_ipc",
                peer = %shared.config.label,
                limit,
                "discarded a line longer than the frame limit"
            ),
            Some(Ok(Frame::NotUtf8)) => tracing::warn!(
                target: "pryx_ipc",
                peer = %shared.config.label,
                "discarded a line that is not UTF-8"
            ),
            Some(Err(e)) => {
                shared.close(format!(
                    "reading from the {} failed: {e}",
                    shared.config.label
                ));
                return;
            }
            None => {
                shared.close(format!("the {} closed its output", shared.config.label));
                return;
            }
        }
    }
}

/// Handles one line. Never panics on any input.
fn dispatch(shared: &Arc<Shared>, line: &str) {
    match parse_line(line) {
        Line::Text => {
            if !line.trim().is_empty() {
                tracing::info!(
                    target: "pryx_runtime",
                    source = "runtime",
                    stream = "stdout",
                    "{}",
                    clip(line)
                );
            }
        }
        Line::Malformed(reason) => tracing::warn!(
            target: "pryx_ipc",
            peer = %shared.config.label,
            %reason,
            line = clip(line),
            "skipped a malformed frame"
        ),
        Line::Message(Incoming::Response { id, outcome }) => {
            let waiter = match &id {
                crate::message::Id::Number(n) => shared.lock().calls.remove(n),
                crate::message::Id::String(_) => None,
            };
            match waiter {
                // The caller may have given up in the meantime; that is fine.
                Some(tx) => drop(tx.send(outcome)),
                None => tracing::debug!(
                    target: "pryx_ipc",
                    peer = %shared.config.label,
                    %id,
                    "answer to an unknown or expired call"
                ),
            }
        }
        Line::Message(Incoming::OrphanError(error)) => tracing::warn!(
            target: "pryx_ipc",
            peer = %shared.config.label,
            code = error.code,
            message = %error.message,
            "the other side could not read a message we sent"
        ),
        Line::Message(Incoming::Request { id, method, params }) => {
            match shared.handler.handle(&method, params) {
                Reply::Now(outcome) => shared.respond(Some(id), outcome),
                Reply::Later(fut) => match shared.permits.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let shared = shared.clone();
                        tokio::spawn(async move {
                            let outcome = fut.await;
                            // Answer first: while the permit is held the answer counts as in
                            // flight (see `Peer::answers_pending`).
                            shared.respond(Some(id), outcome);
                            drop(permit);
                        });
                    }
                    Err(_) => shared.respond(
                        Some(id),
                        Err(RpcError::new(
                            codes::BUSY,
                            "too many calls in flight; retry later",
                        )),
                    ),
                },
            }
        }
        Line::Message(Incoming::Notification { method, params }) => {
            match shared.handler.handle(&method, params) {
                Reply::Now(Ok(_)) => {}
                Reply::Now(Err(error)) => log_failed_notification(shared, &method, &error),
                Reply::Later(fut) => match shared.permits.clone().try_acquire_owned() {
                    Ok(permit) => {
                        let shared = shared.clone();
                        tokio::spawn(async move {
                            if let Err(error) = fut.await {
                                log_failed_notification(&shared, &method, &error);
                            }
                            drop(permit);
                        });
                    }
                    Err(_) => tracing::warn!(
                        target: "pryx_ipc",
                        peer = %shared.config.label,
                        %method,
                        "dropped a notification: too many calls in flight"
                    ),
                },
            }
        }
    }
}

fn log_failed_notification(shared: &Shared, method: &str, error: &RpcError) {
    tracing::debug!(
        target: "pryx_ipc",
        peer = %shared.config.label,
        %method,
        code = error.code,
        message = %error.message,
        "a notification could not be handled"
    );
}

pub(super) async fn write_loop<W: AsyncWrite + Unpin>(
    shared: Arc<Shared>,
    mut writer: W,
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut batch = Vec::with_capacity(WRITE_BATCH_BYTES);
    loop {
        let first = tokio::select! {
            biased;
            _ = shared.closed.cancelled() => return,
            frame = rx.recv() => match frame {
                Some(frame) => frame,
                None => return,
            },
        };
        batch.extend_from_slice(&first);
        while batch.len() < WRITE_BATCH_BYTES {
            match rx.try_recv() {
                Ok(frame) => batch.extend_from_slice(&frame),
                Err(_) => break,
            }
        }
        let written = tokio::select! {
            biased;
            _ = shared.closed.cancelled() => return,
            written = async {
                writer.write_all(&batch).await?;
                writer.flush().await
            } => written,
        };
        shared.queued.fetch_sub(batch.len(), Ordering::Relaxed);
        batch.clear();
        if let Err(e) = written {
            shared.close(format!(
                "writing to the {} failed: {e}",
                shared.config.label
            ));
            return;
        }
    }
}

fn clip(line: &str) -> &str {
    crate::frame::clip(line, LOG_LINE_CHARS)
}
