//! Issue 11, finding 9: 300 unfinished bodies sent to the unauthenticated login exchange must
//! not grow the host's memory (before: ~1 MiB buffered per body). Its own test binary, so the
//! resident set it measures is this host's alone.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::TestHost;

const CLIENTS: usize = 300;
/// What each client claims to send (just under the 1 MiB limit of authenticated requests).
const DECLARED: usize = 1024 * 1024 - 1024;

/// This process's resident set, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfinished_login_bodies_do_not_grow_memory() {
    let h = TestHost::start().await;
    let addr = h.host.local_addr();
    let origin = h.origin();
    let before = rss_kib();
    let measured = tokio::task::spawn_blocking(move || {
        let head = format!(
            "POST /api/v1/auth/session HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\n\
             Content-Type: application/json\r\nContent-Length: {DECLARED}\r\n\r\n{{\"code\":\""
        );
        let filler = vec![b'a'; 64 * 1024];
        let mut clients: Vec<(TcpStream, usize)> = (0..CLIENTS)
            .map(|_| {
                let mut tcp = TcpStream::connect(addr).unwrap();
                tcp.write_all(head.as_bytes()).unwrap();
                tcp.set_nonblocking(true).unwrap();
                (tcp, 0)
            })
            .collect();
        // Push body bytes while the host takes them, stopping short of the declared length.
        let deadline = Instant::now() + Duration::from_secs(4);
        while Instant::now() < deadline {
            let mut progressed = false;
            for (tcp, sent) in clients.iter_mut() {
                let room = (DECLARED - 4096).saturating_sub(*sent).min(filler.len());
                if room == 0 {
                    continue;
                }
                if let Ok(n) = tcp.write(&filler[..room]) {
                    *sent += n;
                    progressed |= n > 0;
                }
            }
            if !progressed {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        std::thread::sleep(Duration::from_millis(300));
        let after = rss_kib();
        let sent: usize = clients.iter().map(|(_, s)| s).sum();
        drop(clients);
        (after, sent)
    })
    .await
    .unwrap();
    let (after, sent) = measured;
    let grown_mib = after.saturating_sub(before) as f64 / 1024.0;
    eprintln!(
        "RSS before {before} KiB, with {CLIENTS} unfinished bodies {after} KiB \
         (+{grown_mib:.1} MiB; clients got {} KiB onto the wire)",
        sent / 1024
    );
    assert!(
        grown_mib < 48.0,
        "{CLIENTS} unfinished login bodies grew the host by {grown_mib:.1} MiB"
    );
    assert_eq!(h.get("/api/v1/health").await.status(), 200, "still serving");
}
