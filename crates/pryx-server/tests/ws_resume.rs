//! Resuming after a disconnect: exactly the missed events from the replay buffer, or a
//! `resync` when they are gone or the host restarted.

mod ws_support;

use serde_json::json;
use ws_support::WsHost;

fn publish_n(h: &WsHost, from: usize, to: usize) {
    for i in from..=to {
        h.publish(&format!("test.e{i}"), json!({ "i": i }));
    }
}

#[tokio::test]
async fn a_reconnect_with_last_seq_gets_exactly_the_missed_events() {
    let h = WsHost::start().await;
    let (mut client, hello) = h.connect_hello("").await;
    let epoch = hello["epoch"].as_str().unwrap().to_owned();
    publish_n(&h, 1, 3);
    let mut last_seq = 0;
    for _ in 0..3 {
        last_seq = client.next_event().await["seq"].as_u64().unwrap();
    }
    assert_eq!(last_seq, 3);
    drop(client);

    publish_n(&h, 4, 6);
    let (mut client, hello) = h
        .connect_hello(&format!("?last_seq={last_seq}&epoch={epoch}"))
        .await;
    assert_eq!(hello["last_seq"], 6);
    for expected in 4..=6u64 {
        let event = client.next().await;
        assert_eq!(event["type"], "event", "{event}");
        assert_eq!(event["seq"], expected);
        assert_eq!(event["payload"]["i"], expected);
    }
    publish_n(&h, 7, 7);
    assert_eq!(
        client.next().await["seq"],
        7,
        "live follows the replay, no duplicate"
    );
    client.expect_silence(200).await;
}

#[tokio::test]
async fn the_replay_respects_the_subscription() {
    let h = WsHost::start().await;
    h.publish("config.changed", json!({}));
    h.publish("skills.changed", json!({}));
    h.publish("config.changed", json!({}));
    let (mut client, _) = h.connect_hello("?event=skills.*&last_seq=0").await;
    let event = client.next().await;
    assert_eq!(
        (event["seq"].as_u64(), event["event"].as_str()),
        (Some(2), Some("skills.changed"))
    );
    client.expect_silence(200).await;
}

#[tokio::test]
async fn a_resume_older_than_the_buffer_gets_resync() {
    let h = WsHost::start().await; // the hub keeps 64 events
    publish_n(&h, 1, 100);
    let epoch = h.hub.epoch().to_owned();
    let (mut client, hello) = h.connect_hello(&format!("?last_seq=1&epoch={epoch}")).await;
    assert_eq!(hello["last_seq"], 100);
    assert_eq!(
        client.next().await,
        json!({"type": "resync", "reason": "too_old", "last_seq": 100})
    );
    publish_n(&h, 101, 101);
    assert_eq!(client.next().await["seq"], 101);
}

#[tokio::test]
async fn a_resume_from_another_host_run_gets_resync() {
    let h = WsHost::start().await;
    publish_n(&h, 1, 5);
    let (mut client, _) = h.connect_hello("?last_seq=2&epoch=0123456789abcdef").await;
    let frame = client.next().await;
    assert_eq!(
        (frame["type"].as_str(), frame["reason"].as_str()),
        (Some("resync"), Some("restarted"))
    );
    // Without an epoch, a seq this host never issued is caught too.
    let (mut client, _) = h.connect_hello("?last_seq=99").await;
    assert_eq!(client.next().await["reason"], "unknown_seq");
}

#[tokio::test]
async fn a_resume_message_replays_on_an_open_connection() {
    let h = WsHost::start().await;
    let (mut client, _) = h.connect_hello("?event=test.*").await;
    publish_n(&h, 1, 3);
    for _ in 0..3 {
        client.next_event().await;
    }
    client.send(json!({"type": "resume", "last_seq": 1})).await;
    assert_eq!(client.next().await["seq"], 2);
    assert_eq!(client.next().await["seq"], 3);
    client
        .send(json!({"type": "resume", "last_seq": 3, "epoch": "other"}))
        .await;
    assert_eq!(client.next().await["reason"], "restarted");
}

#[tokio::test]
async fn with_batch_1_events_ready_together_share_one_frame() {
    let h = WsHost::start().await;
    publish_n(&h, 1, 5);
    let (mut client, _) = h.connect_hello("?batch=1&last_seq=0").await;
    let frame = client.next().await;
    assert_eq!(frame["type"], "events", "{frame}");
    let seqs: Vec<_> = frame["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["type"].as_str().unwrap(), e["seq"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        seqs,
        [
            ("event", 1),
            ("event", 2),
            ("event", 3),
            ("event", 4),
            ("event", 5)
        ]
    );
    publish_n(&h, 6, 6);
    let lone = client.next().await;
    assert_eq!(
        (lone["type"].as_str(), lone["seq"].as_u64()),
        (Some("event"), Some(6))
    );
}
