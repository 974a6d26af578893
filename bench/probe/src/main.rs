//! `bench-probe`: the measuring half of `scripts/bench.sh`, with no dependencies so it builds in
//! seconds and measures the same way on any Linux machine.
//!
//! ```text
//! bench-probe free-port
//! bench-probe startup --path /health --stdout FILE [--port P] [--timeout-s 60] -- CMD ARGS…
//!     spawns CMD in its own process group (stdout to FILE), then polls `GET PATH` every
//!     millisecond until the first 200. The address comes from --port, or else from the first
//!     `"addr":"HOST:PORT"` CMD prints. Prints `<ms> <pid> <addr>`, then stays CMD's parent
//!     until CMD ends (the caller stops it by its process group; run the probe in the
//!     background). When CMD does not come up, kills its process group and fails.
//! bench-probe rss PID            VmRSS of PID and all its descendants, in KiB
//! bench-probe rss-max PID MS     the largest `rss` seen sampling every 20 ms for MS milliseconds
//! bench-probe cpu PID            user + system CPU time of PID and its descendants, in clock ticks
//! bench-probe get ADDR PATH      `<status> <body bytes>` of one GET
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("free-port") => free_port(),
        Some("startup") => startup(&args[1..]),
        Some("rss") => pid_arg(&args, 1).map(|pid| println!("{}", tree_rss_kib(pid))),
        Some("rss-max") => rss_max(&args),
        Some("cpu") => pid_arg(&args, 1).map(|pid| println!("{}", tree_cpu_ticks(pid))),
        Some("get") => get(&args),
        _ => Err("usage: bench-probe free-port | startup … | rss PID | rss-max PID MS | get ADDR PATH (see the source)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench-probe: {err}");
            ExitCode::FAILURE
        }
    }
}

fn free_port() -> Result<(), Error> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!("{}", listener.local_addr()?.port());
    Ok(())
}

fn pid_arg(args: &[String], i: usize) -> Result<u32, Error> {
    let raw = args.get(i).ok_or("missing PID")?;
    Ok(raw.parse().map_err(|_| format!("not a PID: {raw}"))?)
}

fn startup(args: &[String]) -> Result<(), Error> {
    let mut path = "/".to_owned();
    let mut port: Option<u16> = None;
    let mut stdout_file: Option<String> = None;
    let mut timeout = Duration::from_secs(60);
    let mut i = 0;
    while i < args.len() {
        let value = || {
            args.get(i + 1)
                .cloned()
                .ok_or(format!("{} needs a value", args[i]))
        };
        match args[i].as_str() {
            "--path" => path = value()?,
            "--port" => port = Some(value()?.parse()?),
            "--stdout" => stdout_file = Some(value()?),
            "--timeout-s" => timeout = Duration::from_secs(value()?.parse()?),
            "--" => break,
            other => return Err(format!("unknown startup option {other}").into()),
        }
        i += 2;
    }
    let command = args
        .get(i + 1..)
        .filter(|c| !c.is_empty())
        .ok_or("startup needs `-- CMD`")?;
    let stdout_file = stdout_file.ok_or("startup needs --stdout FILE")?;
    let out = std::fs::File::create(&stdout_file)?;

    let started = Instant::now();
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::null())
        .stdout(out)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", command[0]))?;
    let pid = child.id();
    match first_ok(
        &command[0],
        pid,
        port,
        &path,
        &stdout_file,
        started + timeout,
    ) {
        Ok(addr) => {
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{ms:.2} {pid} {addr}")?;
            stdout.flush()?;
            drop(stdout);
            // Stay the server's parent until it ends, so it is reaped (the caller stops it by
            // its process group).
            let _ = child.wait();
            Ok(())
        }
        Err(err) => {
            kill_group(pid);
            let _ = child.kill();
            let _ = child.wait();
            Err(err)
        }
    }
}

/// Waits for the server's address, then for the first 200 on `path`.
fn first_ok(
    program: &str,
    pid: u32,
    port: Option<u16>,
    path: &str,
    stdout_file: &str,
    deadline: Instant,
) -> Result<SocketAddr, Error> {
    let addr = match port {
        Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
        None => loop {
            if let Some(addr) = printed_addr(stdout_file) {
                break addr;
            }
            if Instant::now() > deadline || !alive(pid) {
                return Err(format!("{program} printed no \"addr\" line ({stdout_file})").into());
            }
            std::thread::sleep(Duration::from_micros(200));
        },
    };
    loop {
        if probe_ok(addr, path) {
            return Ok(addr);
        }
        if Instant::now() > deadline {
            return Err(format!("{addr}{path} gave no 200 in time (pid {pid})").into());
        }
        if !alive(pid) {
            return Err(format!("{program} exited before answering {path}").into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// SIGKILL to the process group `pgid` (the server and anything it started).
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// The `"addr":"HOST:PORT"` of the first line that has one.
fn printed_addr(file: &str) -> Option<SocketAddr> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let rest = &line[line.find("\"addr\":\"")? + 8..];
        rest[..rest.find('"')?].parse().ok()
    })
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit(')')
                .next()
                .map(|r| !r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Whether `GET path` on `addr` answers 200 now.
fn probe_ok(addr: SocketAddr, path: &str) -> bool {
    request(addr, path, Duration::from_millis(500)).is_ok_and(|(status, _)| status == 200)
}

/// One `GET` with `Connection: close`: the status and the body length.
fn request(addr: SocketAddr, path: &str, timeout: Duration) -> Result<(u16, usize), Error> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no complete response head")?;
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let content_length = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    });
    Ok((status, content_length.unwrap_or(raw.len() - head_end - 4)))
}

fn get(args: &[String]) -> Result<(), Error> {
    let addr: SocketAddr = args.get(1).ok_or("get needs ADDR")?.parse()?;
    let path = args.get(2).map_or("/", String::as_str);
    let (status, bytes) = request(addr, path, Duration::from_secs(5))?;
    println!("{status} {bytes}");
    Ok(())
}

fn rss_max(args: &[String]) -> Result<(), Error> {
    let pid = pid_arg(args, 1)?;
    let ms: u64 = args.get(2).ok_or("rss-max needs MS")?.parse()?;
    let until = Instant::now() + Duration::from_millis(ms);
    let mut max = tree_rss_kib(pid);
    while Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
        max = max.max(tree_rss_kib(pid));
    }
    println!("{max}");
    Ok(())
}

/// VmRSS of `root` and every process descending from it, in KiB.
fn tree_rss_kib(root: u32) -> u64 {
    tree(root).iter().map(|pid| vm_rss_kib(*pid)).sum()
}

/// utime + stime of `root` and every process descending from it, in clock ticks.
fn tree_cpu_ticks(root: u32) -> u64 {
    tree(root)
        .iter()
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // After the comm: state is field 3, utime 14 and stime 15 of the whole line.
            let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .sum()
}

/// `root` and every process descending from it.
fn tree(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    tree
}

fn vm_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
