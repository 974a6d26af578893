//! The runtime killed again and again while calls flow, and the host itself killed: the host
//! keeps serving, no call waits longer than its timeout, health tells the truth, and no runtime
//! process outlives its host.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use pryx_core_api::{RuntimeBridge, RuntimeState, Value};

const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// Scheduling slack on a shared 2-core machine.
const MARGIN: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    unavailable: AtomicU64,
    other: AtomicU64,
    slowest_us: AtomicU64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_the_runtime_100_times_while_calls_flow() {
    let tag = format!("chaos-{}", std::process::id());
    let mut cfg = config(&["--tag", &tag]);
    cfg.call_timeout = CALL_TIMEOUT;
    cfg.restart.base = Duration::from_millis(1);
    cfg.restart.max = Duration::from_millis(10);
    cfg.restart.max_restarts = 1000;
    let host = start(cfg);
    host.wait_state(RuntimeState::Ready).await;

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let callers: Vec<_> = (0..4)
        .map(|_| {
            let (bridge, stop, tally) = (host.bridge.clone(), stop.clone(), tally.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let result = bridge
                        .call("debug.echo", Value::map([("n", Value::Int(1))]))
                        .await;
                    let took = started.elapsed();
                    tally
                        .slowest_us
                        .fetch_max(took.as_micros() as u64, Ordering::Relaxed);
                    match result {
                        Ok(_) => tally.ok.fetch_add(1, Ordering::Relaxed),
                        Err(e) if e.code() == "runtime_unavailable" => {
                            tally.unavailable.fetch_add(1, Ordering::Relaxed)
                        }
                        Err(e) => {
                            eprintln!("unexpected: {e:?}");
                            tally.other.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    if took < Duration::from_micros(200) {
                        tokio::time::sleep(Duration::from_micros(200)).await;
                    }
                }
            })
        })
        .collect();

    let mut pids = Vec::new();
    for round in 0..100 {
        let ready = host.wait_state(RuntimeState::Ready).await;
        let pid = ready.pid.unwrap();
        assert!(
            alive(pid),
            "round {round}: health says ready with pid {pid}, which is dead"
        );
        pids.push(pid);
        // Let calls flow through this runtime before killing it.
        let ok_before = tally.ok.load(Ordering::Relaxed);
        eventually(
            Duration::from_secs(5),
            "calls to succeed after a restart",
            || (tally.ok.load(Ordering::Relaxed) >= ok_before + 5).then_some(()),
        )
        .await;
        unsafe {
            libc::kill(pid as i32, libc::SIGKILL);
        }
        // Health stops claiming the dead process is ready.
        host.wait(
            |s| !(s.state == RuntimeState::Ready && s.pid == Some(pid)),
            "a status without the killed pid",
        )
        .await;
    }
    host.wait_state(RuntimeState::Ready).await;
    stop.store(true, Ordering::Relaxed);
    for caller in callers {
        caller.await.unwrap();
    }

    let status = host.bridge.status();
    assert!(status.restarts >= 100, "{status:?}");
    let slowest = Duration::from_micros(tally.slowest_us.load(Ordering::Relaxed));
    eprintln!(
        "calls: {} ok, {} unavailable, {} other; slowest {slowest:?}; restarts {}",
        tally.ok.load(Ordering::Relaxed),
        tally.unavailable.load(Ordering::Relaxed),
        tally.other.load(Ordering::Relaxed),
        status.restarts
    );
    assert_eq!(
        tally.other.load(Ordering::Relaxed),
        0,
        "no timeouts, no other errors"
    );
    assert!(tally.ok.load(Ordering::Relaxed) >= 500);
    assert!(slowest < CALL_TIMEOUT + MARGIN, "{slowest:?}");
    host.bridge.providers().await.unwrap();

    pids.push(status.pid.unwrap());
    shutdown_and_check(&host, &pids).await;
    assert_eq!(runtimes_with(&tag), Vec::<u32>::new(), "no orphan runtime");
}

/// Not a test on its own: the host process that `no_orphan_when_the_host_is_sigkilled` kills.
#[tokio::test]
#[ignore = "run by no_orphan_when_the_host_is_sigkilled"]
async fn host_process_for_the_orphan_test() {
    let Ok(tag) = std::env::var("PRYX_ORPHAN_TAG") else {
        return;
    };
    let host = start(config(&["--tag", &tag]));
    let pid = host.wait_state(RuntimeState::Ready).await.pid.unwrap();
    println!("RUNTIME_PID={pid}");
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[test]
fn no_orphan_when_the_host_is_sigkilled() {
    let tag = format!("orphan-{}", std::process::id());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "host_process_for_the_orphan_test",
            "--ignored",
            "--nocapture",
        ])
        .env("PRYX_ORPHAN_TAG", &tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let runtime_pid: u32 = stdout
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("RUNTIME_PID=")
                .map(|p| p.parse().unwrap())
        })
        .expect("the host reports its runtime");
    assert!(alive(runtime_pid));
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while alive(runtime_pid) {
        assert!(
            Instant::now() < deadline,
            "runtime {runtime_pid} outlived its host"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(runtimes_with(&tag), Vec::<u32>::new());
}
