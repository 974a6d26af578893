//! `/ws` limits over a real socket: message size, connection cap, a stalled client, dead
//! clients, shutdown, and health events.

mod ws_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pryx_server::WsConfig;
use serde_json::{Value as Json, json};
use tokio_tungstenite::tungstenite::{self, Message};
use ws_support::{WsHost, code_name, raw_connect, raw_frame};

#[tokio::test]
async fn an_oversized_message_is_refused_with_1009() {
    let config = WsConfig {
        max_message_bytes: 1024,
        ..WsConfig::default()
    };
    let h = WsHost::with(config, 64).await;
    let (mut client, _) = h.connect_hello("").await;
    client
        .send(json!({"type": "ping", "pad": "x".repeat(900)}))
        .await;
    assert_eq!(
        client.next().await["type"],
        "pong",
        "under the limit is fine"
    );
    client.send_raw(Message::text("x".repeat(2048))).await;
    let code = client.close_code().await;
    assert_eq!(code, Some(1009), "got {:?}", code.map(code_name));
}

#[tokio::test]
async fn connections_over_the_cap_get_503_too_many_connections() {
    let config = WsConfig {
        max_connections: 2,
        ..WsConfig::default()
    };
    let h = WsHost::with(config, 64).await;
    let (first, _) = h.connect_hello("").await;
    let (_second, _) = h.connect_hello("").await;
    let err = tokio_tungstenite::connect_async(h.ws_request(""))
        .await
        .unwrap_err();
    let tungstenite::Error::Http(res) = err else {
        panic!("expected an HTTP refusal, got {err}")
    };
    assert_eq!(res.status(), 503);
    let body: Json = serde_json::from_slice(res.body().as_deref().unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "too_many_connections");

    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match tokio_tungstenite::connect_async(h.ws_request("")).await {
            Ok(_) => break,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(err) => panic!("the slot was not released: {err}"),
        }
    }
}

/// A client that never reads must not delay another client, must not make the host buffer
/// without bound, and is dropped once its socket stops taking data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_does_not_delay_others_and_is_dropped() {
    const EVENTS: usize = 20_000;
    let config = WsConfig {
        send_timeout: Duration::from_millis(500),
        max_lag: 100_000,
        ..WsConfig::default()
    };
    // The hub holds every event, so only the stalled client can ever fall behind.
    let h = WsHost::with(config, 32_768).await;
    let (mut stalled, _) = h.connect_hello("").await; // then never reads until the end
    let (mut live, _) = h.connect_hello("").await;

    let published: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let reader = {
        let published = published.clone();
        tokio::spawn(async move {
            let mut worst = Duration::ZERO;
            for expected in 1..=EVENTS as u64 {
                let event = live.next_event().await;
                assert_eq!(
                    event["seq"], expected,
                    "the live client got every event in order"
                );
                let sent = published.lock().unwrap()[expected as usize - 1];
                worst = worst.max(sent.elapsed());
            }
            worst
        })
    };

    let pad = "p".repeat(1024);
    let mut slowest_publish = Duration::ZERO;
    for chunk in 0..EVENTS / 500 {
        for i in 0..500 {
            let started = Instant::now();
            published.lock().unwrap().push(started);
            h.publish("load.tick", json!({ "i": chunk * 500 + i, "pad": pad }));
            slowest_publish = slowest_publish.max(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let worst = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the live client got everything in time")
        .unwrap();
    assert!(
        slowest_publish < Duration::from_secs(1),
        "publish blocked {slowest_publish:?}"
    );
    assert!(
        worst < Duration::from_secs(5),
        "live delivery was delayed {worst:?}"
    );

    // ~20 MB was published; the stalled client's socket holds a few MB at most, and the host
    // dropped it instead of buffering the rest.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut received = 0usize;
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(frame) = stalled.next_text().await {
            if frame["type"] == "event" {
                received += 1;
            }
        }
    })
    .await;
    eprintln!(
        "live: worst delay {worst:?}; stalled: {received} of {EVENTS} events before the drop"
    );
    assert!(ended.is_ok(), "the stalled client was never dropped");
    assert!(
        received < EVENTS,
        "a stalled client got all {received} events: nothing was bounded"
    );
}

#[tokio::test]
async fn a_client_that_never_pongs_is_closed_with_4001() {
    let config = WsConfig {
        ping_interval: Duration::from_millis(200),
        pong_timeout: Duration::from_millis(400),
        ..WsConfig::default()
    };
    let h = WsHost::with(config, 64).await;
    // Reads everything, answers nothing.
    let mut silent = raw_connect(h.addr, &h.token).await;
    let started = Instant::now();
    let (mut pings, mut close) = (0, None);
    while let Some((opcode, payload)) =
        tokio::time::timeout(Duration::from_secs(10), raw_frame(&mut silent))
            .await
            .expect("the server closes in time")
    {
        match opcode {
            0x9 => pings += 1,
            0x8 => {
                close = Some(u16::from_be_bytes([payload[0], payload[1]]));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(close, Some(4001), "after {pings} pings");
    assert!(pings >= 2 && started.elapsed() < Duration::from_secs(5));

    // A client that answers pings (tungstenite does, while reading) stays.
    let (mut lively, _) = h.connect_hello("").await;
    lively.expect_silence(1200).await;
    h.publish("still.here", json!(null));
    assert_eq!(lively.next().await["event"], "still.here");
}

#[tokio::test]
async fn shutdown_tells_clients_going_away() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("").await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), h.host.shutdown())
        .await
        .expect("shutdown finishes")
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(client.close_code().await, Some(1001));
}

#[tokio::test]
async fn health_changes_are_published() {
    let config = WsConfig {
        health_interval: Duration::from_millis(50),
        ..WsConfig::default()
    };
    let h = WsHost::with(config, 64).await;
    let (mut client, _) = h.connect_hello("?event=health").await;
    tokio::time::sleep(Duration::from_millis(120)).await;
    h.adapters.runtime.set_down(true);
    let event = client.next_event().await;
    assert_eq!(event["event"], "health");
    assert_eq!(event["payload"]["ports"]["runtime"]["state"], "unavailable");
    client.expect_silence(300).await; // no change, no event
}
