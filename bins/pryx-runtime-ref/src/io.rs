//! The runtime's two pipes. A thread reads stdin lines and hands them to the async side; a
//! thread owns stdout, batches what is queued and flushes when the queue is empty. Blocking
//! threads keep the latency of a round trip to a few microseconds per hop.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use serde_json::{Value, json};
use tokio::sync::{mpsc as amc, oneshot};

enum Cmd {
    Line(Vec<u8>),
    /// A `bench.token` event, stamped when it is written (see [`Out::token`]).
    Token(u64),
    Huge(u64),
    Exit(i32),
}

type Waiters = HashMap<i64, oneshot::Sender<Result<Value, Value>>>;

/// Where the runtime writes; cheap to clone.
#[derive(Clone)]
pub struct Out {
    tx: mpsc::Sender<Cmd>,
    waiters: Arc<Mutex<Waiters>>,
    next_id: Arc<AtomicI64>,
}

impl Out {
    /// Starts the stdout writer thread.
    pub fn start() -> Out {
        let (tx, rx) = mpsc::channel::<Cmd>();
        std::thread::Builder::new()
            .name("stdout".into())
            .spawn(move || write_loop(rx))
            .expect("spawn the stdout thread");
        Out {
            tx,
            waiters: Arc::default(),
            next_id: Arc::new(AtomicI64::new(1)),
        }
    }

    /// Writes one message as one line.
    pub fn send(&self, message: &Value) {
        let mut line = serde_json::to_vec(message).expect("a Value always serializes");
        line.push(b'\n');
        let _ = self.tx.send(Cmd::Line(line));
    }

    /// Writes raw bytes (log lines, garbage).
    pub fn raw(&self, bytes: &[u8]) {
        let _ = self.tx.send(Cmd::Line(bytes.to_vec()));
    }

    /// Writes one line of `len` bytes, streamed in chunks.
    pub fn huge_line(&self, len: u64) {
        let _ = self.tx.send(Cmd::Huge(len));
    }

    /// Publishes token `n` as a `bench.token` event whose payload carries `sent_ns`: the
    /// CLOCK_MONOTONIC time (ns) taken by the stdout thread just before it writes the line.
    pub fn token(&self, n: u64) {
        let _ = self.tx.send(Cmd::Token(n));
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Calls the host and waits for its answer: `Ok(result)` or `Err(error object)`.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.waiters.lock().unwrap().insert(id, tx);
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        rx.await
            .unwrap_or_else(|_| Err(json!({"code": -32603, "message": "no answer"})))
    }

    /// Hands an answer from the host to the call waiting for it.
    pub fn resolve(&self, id: i64, outcome: Result<Value, Value>) {
        if let Some(tx) = self.waiters.lock().unwrap().remove(&id) {
            let _ = tx.send(outcome);
        }
    }

    /// Flushes what is queued and exits the process with `code`.
    pub async fn exit(&self, code: i32) -> ! {
        let _ = self.tx.send(Cmd::Exit(code));
        std::future::pending::<()>().await;
        unreachable!("the stdout thread exits the process")
    }
}

fn write_loop(rx: mpsc::Receiver<Cmd>) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, stdout.lock());
    while let Ok(mut cmd) = rx.recv() {
        loop {
            match cmd {
                Cmd::Line(bytes) => {
                    if out.write_all(&bytes).is_err() {
                        std::process::exit(0);
                    }
                }
                Cmd::Huge(len) => write_huge(&mut out, len),
                Cmd::Token(n) => {
                    let line = format!(
                        "{{\"jsonrpc\":\"2.0\",\"method\":\"event.publish\",\"params\":\
                         {{\"event\":\"bench.token\",\"payload\":{{\"n\":{n},\"sent_ns\":{}}}}}}}\n",
                        crate::stream::monotonic_ns()
                    );
                    if out.write_all(line.as_bytes()).is_err() {
                        std::process::exit(0);
                    }
                    // One token, one write: the stamp is the time the host could read it.
                    if out.flush().is_err() {
                        std::process::exit(0);
                    }
                }
                Cmd::Exit(code) => {
                    let _ = out.flush();
                    std::process::exit(code);
                }
            }
            match rx.try_recv() {
                Ok(next) => cmd = next,
                Err(_) => break,
            }
        }
        if out.flush().is_err() {
            // The host is gone; so are we.
            std::process::exit(0);
        }
    }
}

fn write_huge(out: &mut impl Write, len: u64) {
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        if out.write_all(&chunk[..n]).is_err() {
            std::process::exit(0);
        }
        left -= n as u64;
    }
    let _ = out.write_all(b"\n");
}

/// Starts the stdin reader thread; the channel closes at end of input.
pub fn read_stdin() -> amc::UnboundedReceiver<Vec<u8>> {
    let (tx, rx) = amc::unbounded_channel();
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut input = BufReader::with_capacity(256 * 1024, std::io::stdin().lock());
            loop {
                let mut line = Vec::new();
                match input.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        })
        .expect("spawn the stdin thread");
    rx
}

/// `--record FILE`: every message received, appended as one JSON line and flushed at once, so
/// a test can read what the host sent while the runtime runs.
pub struct Record {
    file: Option<std::fs::File>,
}

impl Record {
    /// Opens `path` for appending; a file that cannot be opened only costs a warning.
    pub fn open(path: &std::path::Path) -> Record {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        if let Err(e) = &file {
            eprintln!("pryx-runtime-ref: cannot record to {}: {e}", path.display());
        }
        Record { file: file.ok() }
    }

    /// Appends `message`.
    pub fn append(&mut self, message: &Value) {
        if let Some(file) = self.file.as_mut() {
            let mut line = message.to_string();
            line.push('\n');
            let _ = file.write_all(line.as_bytes());
        }
    }
}
