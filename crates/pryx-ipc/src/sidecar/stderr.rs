//! The runtime's stderr: its log. Each line goes to the host's log (target `pryx_runtime`,
//! `source = "runtime"`), and the last few are kept for health.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio::process::ChildStderr;
use tokio_util::codec::FramedRead;

use crate::frame::{Frame, LineCodec, clip};

/// Longest stderr line read whole; longer ones are discarded like over-long frames.
const MAX_STDERR_LINE: usize = 64 * 1024;
/// How much of a line is kept in the tail.
const TAIL_LINE_CHARS: usize = 1000;

/// The last lines the runtime wrote to stderr, most recent last.
#[derive(Debug, Clone)]
pub(crate) struct StderrTail {
    lines: Arc<Mutex<VecDeque<String>>>,
    capacity: usize,
}

impl StderrTail {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            lines: Arc::default(),
            capacity,
        }
    }

    pub(crate) fn push(&self, line: &str) {
        if self.capacity == 0 {
            return;
        }
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        while lines.len() >= self.capacity {
            lines.pop_front();
        }
        lines.push_back(clip(line, TAIL_LINE_CHARS).to_owned());
    }

    pub(crate) fn snapshot(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines.iter().cloned().collect()
    }
}

/// Reads `stderr` to its end, logging and keeping each line.
pub(crate) async fn pump(stderr: ChildStderr, tail: StderrTail, pid: u32) {
    let mut lines = FramedRead::new(stderr, LineCodec::new(MAX_STDERR_LINE));
    while let Some(frame) = lines.next().await {
        let line = match frame {
            Ok(Frame::Line(line)) => line,
            Ok(Frame::TooLong { limit }) => format!("[a stderr line longer than {limit} bytes]"),
            Ok(Frame::NotUtf8) => "[a stderr line that is not UTF-8]".to_owned(),
            Err(_) => break,
        };
        if line.trim().is_empty() {
            continue;
        }
        tracing::info!(
            target: "pryx_runtime",
            source = "runtime",
            stream = "stderr",
            pid,
            "{}",
            clip(&line, 4096)
        );
        tail.push(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_lines() {
        let tail = StderrTail::new(3);
        for i in 0..10 {
            tail.push(&format!("line {i}"));
        }
        assert_eq!(tail.snapshot(), ["line 7", "line 8", "line 9"]);
    }
}
