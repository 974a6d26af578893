//! Raw HTTP over TCP, for requests a well-behaved client library will not send (malformed or
//! duplicate `Host`, absolute-form targets, unfinished bodies).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response read off the wire: status, lowercase header names with values, body.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    /// The value of the first header named `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `error.code` of a JSON error body.
    pub fn error_code(&self) -> String {
        let body: serde_json::Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body));
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends `request` as is on a fresh connection and reads one response (the request should ask
/// for `Connection: close` or be answered with a close). Panics after `wait`.
pub async fn exchange(addr: SocketAddr, request: &[u8], wait: Duration) -> RawResponse {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    read_response(&mut tcp, wait).await
}

/// Reads one response from `tcp` (head, then a `content-length` body). Panics after `wait`.
pub async fn read_response(tcp: &mut TcpStream, wait: Duration) -> RawResponse {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                let parsed = parse_head(&head);
                let len: usize = parsed
                    .1
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .and_then(|(_, v)| v.parse().ok())
                    .unwrap_or(0);
                while buf.len() < end + 4 + len {
                    let n = tcp.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body_end = (end + 4 + len).min(buf.len());
                let body = String::from_utf8_lossy(&buf[end + 4..body_end]).into_owned();
                return RawResponse {
                    status: parsed.0,
                    headers: parsed.1,
                    body,
                };
            }
            let n = tcp.read(&mut chunk).await.unwrap_or(0);
            assert!(
                n > 0,
                "connection closed before a response: {:?}",
                String::from_utf8_lossy(&buf)
            );
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(wait, read)
        .await
        .expect("a response in time")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}
