//! `pryx-runtime-legacy`: a test sidecar that behaves on the wire like today's Go runtime
//! (upstream's `hostrpc` package), which predates protocol 1.0. The host serves such a runtime
//! in legacy mode (`docs/ipc-protocol.md` §10); this program is what its tests run.
//!
//! Like the Go server it reproduces:
//! - no handshake: `initialize`, `ping`, `shutdown` and every other unknown method (even a
//!   notification, answered with id 0) get `{"code":-32601,"message":"Method not found"}`;
//! - one request at a time, answered in order; a handler's failure is -32603 with the error's
//!   text; a line it cannot decode into `{jsonrpc, method, params: object, id: integer}` gets
//!   -32700 "Parse error", a `jsonrpc` other than "2.0" -32600 "Invalid Request";
//! - `result` is left out when it is `nil`, and empty lists are `null` (Go's nil slices);
//! - plain log lines on stdout, next to the messages;
//! - input lines over 64 KiB stop the reader for good (Go's `bufio.Scanner` limit), and the end
//!   of its input does not end the process (only a signal does);
//! - `permission.request {description, intent}` → `{approved}` and the other runtime → host
//!   calls (`notification.show`, `clipboard.*`, `updater.*`), made with `--ask FILE`, ids from 2.
//!
//! One deliberate difference: the Go client reads the answers to its own calls from stdin in
//! competition with the server's reader; here one reader hands them over, so tests are
//! deterministic.
//!
//! Switches: `--providers` (also implement `admin.providers.list`, which the Go runtime does
//! not), `--no-mcp` (no MCP server connected: `{"tools": null}`), `--ask FILE` (make the runtime
//! → host calls once started and append each answer to FILE), `--tag X` (ignored; tests find
//! their processes by it).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::{Map, Value, json};

/// Go's `bufio.Scanner` gives up on longer lines.
const MAX_LINE: usize = 64 * 1024;

type Waiters = Arc<Mutex<HashMap<i64, mpsc::Sender<Value>>>>;

#[derive(Default)]
struct Options {
    providers: bool,
    no_mcp: bool,
    ask: Option<PathBuf>,
}

fn options() -> Options {
    let mut options = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--providers" => options.providers = true,
            "--no-mcp" => options.no_mcp = true,
            "--ask" => options.ask = args.next().map(PathBuf::from),
            "--tag" => {
                args.next();
            }
            other if other.starts_with("--tag=") => {}
            other => eprintln!("pryx-runtime-legacy: ignoring unknown argument {other:?}"),
        }
    }
    options
}

/// The single writer of stdout: one line per call, flushed.
#[derive(Clone)]
struct Out(Arc<Mutex<std::io::Stdout>>);

impl Out {
    fn line(&self, text: &str) {
        let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// A response the way Go's `encoding/json` writes the upstream struct: `result` omitted
    /// when nil, fields in declaration order.
    fn respond(&self, id: i64, outcome: Result<Value, (i64, String)>) {
        let mut map = Map::new();
        map.insert("jsonrpc".into(), json!("2.0"));
        match outcome {
            Ok(Value::Null) => {}
            Ok(result) => {
                map.insert("result".into(), result);
            }
            Err((code, message)) => {
                map.insert("error".into(), json!({"code": code, "message": message}));
            }
        }
        map.insert("id".into(), json!(id));
        self.line(&Value::Object(map).to_string());
    }
}

fn main() {
    let options = options();
    let out = Out(Arc::new(Mutex::new(std::io::stdout())));
    let pid = std::process::id();
    eprintln!("pryx-runtime-legacy: starting (pid {pid})");
    // Today's runtime prints log lines on stdout too.
    out.line(&format!(
        "Starting pryx-core version legacy-test (pid {pid})"
    ));
    out.line("Loaded 2 providers and 3 models from catalog");
    let waiters: Waiters = Arc::default();
    if let Some(file) = options.ask.clone() {
        let (out, waiters) = (out.clone(), waiters.clone());
        std::thread::spawn(move || ask(&out, &waiters, &file));
    }
    serve(&options, &out, &waiters);
    // Like the Go runtime, the end of stdin stops the RPC server, not the process.
    eprintln!("pryx-runtime-legacy: the RPC server stopped; running until a signal");
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn serve(options: &Options, out: &Out, waiters: &Waiters) {
    let mut stdin = BufReader::new(std::io::stdin().lock());
    loop {
        let mut line = Vec::new();
        let read = (&mut stdin)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.len() > MAX_LINE && !line.ends_with(b"\n") {
            eprintln!("pryx-runtime-legacy: bufio.Scanner: token too long");
            return;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        handle_line(options, out, waiters, text);
    }
}

fn handle_line(options: &Options, out: &Out, waiters: &Waiters, text: &str) {
    let message: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let id = message.get("id").and_then(Value::as_i64).unwrap_or(0);
    // The answer to one of our own calls.
    if message.get("method").is_none() && message.get("id").is_some() {
        if let Some(waiter) = waiters.lock().unwrap().remove(&id) {
            let _ = waiter.send(message);
            return;
        }
    }
    let Some(request) = decode(&message) else {
        out.respond(id, Err((-32700, "Parse error".into())));
        return;
    };
    if request.jsonrpc != "2.0" {
        out.respond(id, Err((-32600, "Invalid Request".into())));
        return;
    }
    let outcome = match handler(options, &request.method, &request.params) {
        None => Err((-32601, "Method not found".to_owned())),
        Some(Ok(result)) => Ok(result),
        Some(Err(error)) => Err((-32603, error)),
    };
    out.respond(id, outcome);
}

/// The Go request struct: what `json.Unmarshal` accepts.
struct Request {
    jsonrpc: String,
    method: String,
    params: Map<String, Value>,
}

fn decode(message: &Value) -> Option<Request> {
    let object = message.as_object()?;
    let text = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => None,
    };
    let params = match object.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return None,
    };
    match object.get("id") {
        None | Some(Value::Null) => {}
        Some(id) if id.as_i64().is_some() => {}
        Some(_) => return None,
    }
    Some(Request {
        jsonrpc: text("jsonrpc")?,
        method: text("method")?,
        params,
    })
}

/// The registered methods: `None` when there is no handler.
fn handler(
    options: &Options,
    method: &str,
    params: &Map<String, Value>,
) -> Option<Result<Value, String>> {
    Some(Ok(match method {
        "admin.health" => json!({
            "status": "healthy", "service": "pryx-runtime", "uptime": "up",
            "memory_enabled": false, "channels_active": 0
        }),
        "admin.config.get" => json!({"model_provider": "openai", "model_name": "gpt-4"}),
        "admin.skills.list" => json!({"skills": [{
            "id": "summarize", "source": "bundled", "name": "summarize", "title": "Summarize",
            "description": "Summarizes a text.", "version": "1.0.0", "author": "",
            "path": "/opt/pryx/bundled-skills/summarize/SKILL.md", "Frontmatter": {},
            "enabled": true, "eligible": true, "system_prompt": "", "user_prompt": "",
            "metadata": null
        }]}),
        "admin.mcp.list" if options.no_mcp => json!({"tools": null}),
        "admin.mcp.list" => json!({"tools": [
            {"name": "filesystem:read_file", "description": "Read a text file",
             "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}}},
            {"name": "filesystem:list_dir", "title": "List directory"}
        ]}),
        "admin.providers.list" if options.providers => json!({"providers": [
            {"id": "openai", "name": "OpenAI", "requires_api_key": true},
            {"id": "ollama", "name": "Ollama", "requires_api_key": false}
        ]}),
        "admin.channels.list" => json!({"channels": null}),
        "admin.channels.test" => match params.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => {
                json!({"success": true, "message": "Connection test passed"})
            }
            _ => return Some(Err("id required".into())),
        },
        "admin.policies.list" => json!({"policies": [
            {"id": "default", "name": "Default", "description": "Default system policy"}
        ]}),
        "admin.audit.list" => json!({"entries": null}),
        "admin.cost.summary" => return Some(Err("no active session".into())),
        _ => return None,
    }))
}

/// `--ask FILE`: the runtime → host calls today's runtime makes, one after another; each
/// answer is appended to FILE as `{"method": ..., "answer": <the response message>}`.
fn ask(out: &Out, waiters: &Waiters, file: &std::path::Path) {
    std::thread::sleep(Duration::from_millis(100));
    let next_id = AtomicI64::new(1);
    let calls = [
        (
            "permission.request",
            json!({"description": "Allow tool call: mcp.filesystem.read_file",
                   "intent": "read README.md to answer the question"}),
        ),
        (
            "notification.show",
            json!({"title": "Task done", "body": "read 1 file"}),
        ),
        ("clipboard.writeText", json!({"text": "hello"})),
        ("clipboard.readText", json!({})),
        ("updater.check", json!({})),
        ("updater.install", json!({})),
    ];
    for (method, params) in calls {
        let id = next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = mpsc::channel();
        waiters.lock().unwrap().insert(id, tx);
        let request = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": id});
        out.line(&request.to_string());
        let answer = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| json!({"no_answer": true}));
        eprintln!("pryx-runtime-legacy: {method} answered {answer}");
        let entry = json!({"method": method, "answer": answer});
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .and_then(|mut f| writeln!(f, "{entry}"));
        if let Err(e) = appended {
            eprintln!("pryx-runtime-legacy: cannot write {}: {e}", file.display());
        }
    }
}
