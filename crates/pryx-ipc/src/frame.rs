//! Line framing: one JSON message per line, with a cap on the line length.
//!
//! [`LineCodec`] wraps tokio-util's [`LinesCodec`] so that what a misbehaving peer sends never
//! ends the stream: a line longer than the cap is discarded as it streams by (never buffered
//! whole, so a 1 GB line costs no memory) and reported once as [`Frame::TooLong`]; a line that is
//! not UTF-8 is reported as [`Frame::NotUtf8`]. Only I/O errors end the stream.

use serde::Serialize;
use tokio_util::bytes::BytesMut;
use tokio_util::codec::{Decoder, LinesCodec, LinesCodecError};

/// The default cap on one line: 8 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 8 * 1024 * 1024;

/// What the reader got from the pipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One complete line, without its `\n` (and `\r`).
    Line(String),
    /// A line longer than the cap; it is being discarded up to its newline.
    TooLong {
        /// The cap it exceeded.
        limit: usize,
    },
    /// A complete line that is not valid UTF-8; it was discarded.
    NotUtf8,
}

/// A [`Decoder`] of [`Frame`]s that survives anything but I/O errors.
#[derive(Debug)]
pub struct LineCodec {
    inner: LinesCodec,
    limit: usize,
}

impl LineCodec {
    /// A codec that discards lines longer than `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> Self {
        Self {
            inner: LinesCodec::new_with_max_length(max_line_bytes),
            limit: max_line_bytes,
        }
    }

    fn map(
        &self,
        decoded: Result<Option<String>, LinesCodecError>,
    ) -> Result<Option<Frame>, std::io::Error> {
        match decoded {
            Ok(line) => Ok(line.map(Frame::Line)),
            Err(LinesCodecError::MaxLineLengthExceeded) => {
                Ok(Some(Frame::TooLong { limit: self.limit }))
            }
            // The line was consumed before UTF-8 was checked, so the stream stays in step.
            Err(LinesCodecError::Io(e)) if e.kind() == std::io::ErrorKind::InvalidData => {
                Ok(Some(Frame::NotUtf8))
            }
            Err(LinesCodecError::Io(e)) => Err(e),
        }
    }
}

impl Decoder for LineCodec {
    type Item = Frame;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        let decoded = self.inner.decode(buf);
        self.map(decoded)
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, std::io::Error> {
        let decoded = self.inner.decode_eof(buf);
        self.map(decoded)
    }
}

/// Encodes `message` as one line: compact JSON (which never contains a raw newline) plus `\n`.
pub fn encode_line<T: Serialize + ?Sized>(message: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    serde_json::to_writer(&mut out, message)?;
    out.push(b'\n');
    Ok(out)
}

/// At most `max_chars` characters of `text`, cut at a character boundary (for logs).
pub(crate) fn clip(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;
    use tokio_util::codec::FramedRead;

    async fn frames(input: &[u8], limit: usize) -> Vec<Frame> {
        FramedRead::new(input, LineCodec::new(limit))
            .map(|f| f.unwrap())
            .collect()
            .await
    }

    #[tokio::test]
    async fn splits_lines_and_keeps_going_after_bad_ones() {
        let mut input = b"one\r\n".to_vec();
        input.extend_from_slice(&[b'x'; 100]);
        input.extend_from_slice(b"\n\xff\xfe\ntwo\nthree");
        let got = frames(&input, 16).await;
        assert_eq!(
            got,
            [
                Frame::Line("one".into()),
                Frame::TooLong { limit: 16 },
                Frame::NotUtf8,
                Frame::Line("two".into()),
                Frame::Line("three".into()),
            ]
        );
    }

    #[test]
    fn encoded_lines_have_exactly_one_newline() {
        let line = encode_line(&serde_json::json!({"a": "x\ny"})).unwrap();
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        assert_eq!(line.last(), Some(&b'\n'));
    }
}
