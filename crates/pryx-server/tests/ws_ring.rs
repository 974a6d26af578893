//! `/ws` over the hub's ring: a client that falls behind is told `lagged` and `resync` and goes
//! on from the newest event, whether it fell past `max_lag` or past the ring itself; events
//! published from several threads at once reach every client in `seq` order, batched or not.

mod ws_support;

use std::collections::BTreeSet;

use pryx_server::WsConfig;
use serde_json::{Value as Json, json};
use ws_support::WsHost;

/// The seqs of an `event` or `events` frame.
fn seqs(frame: &Json) -> Vec<u64> {
    match frame["type"].as_str() {
        Some("event") => vec![frame["seq"].as_u64().unwrap()],
        Some("events") => frame["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect(),
        _ => panic!("not an event frame: {frame}"),
    }
}

/// On the test's single-threaded runtime the writer cannot run while the test publishes, so
/// the burst below is all published before the writer looks.
async fn a_burst_past_the_limit_is_lagged(config: WsConfig, ring: usize, query: &str) {
    let h = WsHost::with(config, ring).await;
    let (mut client, hello) = h.connect_hello(query).await;
    assert_eq!(hello["last_seq"], 0);
    for i in 0..40 {
        h.publish("burst", json!({"i": i}));
    }
    assert_eq!(client.next().await, json!({"type": "lagged", "missed": 40}));
    assert_eq!(
        client.next().await,
        json!({"type": "resync", "reason": "lagged", "last_seq": 40})
    );
    h.publish("after", json!(null));
    let event = client.next().await;
    assert_eq!(
        (event["seq"].as_u64(), event["event"].as_str()),
        (Some(41), Some("after"))
    );
    assert_eq!(h.hub.subscriber_count(), 1);
}

#[tokio::test]
async fn a_client_more_than_max_lag_behind_is_lagged_then_continues() {
    let config = WsConfig {
        max_lag: 8,
        ..WsConfig::default()
    };
    a_burst_past_the_limit_is_lagged(config.clone(), 64, "").await;
    a_burst_past_the_limit_is_lagged(config, 64, "?batch=1").await;
}

#[tokio::test]
async fn a_client_more_than_the_ring_behind_is_lagged_then_continues() {
    let config = WsConfig {
        max_lag: 1_000_000,
        ..WsConfig::default()
    };
    a_burst_past_the_limit_is_lagged(config.clone(), 16, "").await;
    a_burst_past_the_limit_is_lagged(config, 16, "?batch=1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishers_reach_every_client_in_seq_order() {
    const THREADS: u64 = 4;
    const EACH: u64 = 500;
    let total = THREADS * EACH;
    let config = WsConfig {
        max_lag: 1_000_000,
        ..WsConfig::default()
    };
    let h = WsHost::with(config, 4096).await;
    let (mut plain, _) = h.connect_hello("").await;
    let (mut batched, _) = h.connect_hello("?batch=1").await;
    let publishers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let hub = h.hub.clone();
            std::thread::spawn(move || {
                for n in 0..EACH {
                    let payload = json!({"thread": thread, "n": n});
                    pryx_core_api::EventPublisher::publish(
                        &*hub,
                        pryx_core_api::Event::new("tick", ws_support::to_value(payload)),
                    );
                }
            })
        })
        .collect();
    for p in publishers {
        p.join().unwrap();
    }
    for (client, batched_mode) in [(&mut plain, false), (&mut batched, true)] {
        let mut seen = Vec::new();
        let mut frames = 0;
        while (seen.len() as u64) < total {
            let frame = client.next().await;
            frames += 1;
            seen.extend(seqs(&frame));
        }
        assert_eq!(seen, (1..=total).collect::<Vec<_>>(), "in order, no gap");
        let distinct: BTreeSet<_> = seen.iter().collect();
        assert_eq!(distinct.len() as u64, total, "no duplicate");
        if !batched_mode {
            assert_eq!(frames, total, "one frame per event without ?batch=1");
        }
    }
}
