//! The hub's ring: order, replay, lag, and what a stalled cursor holds.

use super::*;
use pryx_core_api::Value;

fn publish(hub: &EventHub, n: usize) {
    for i in 0..n {
        hub.publish(Event::new(format!("e{i}"), Value::Null));
    }
}

fn seqs(resume: Option<Resume>) -> Vec<u64> {
    match resume {
        Some(Resume::Replay(events)) => events.iter().map(|e| e.seq).collect(),
        other => panic!("expected a replay, got {other:?}"),
    }
}

#[tokio::test]
async fn subscribers_see_events_in_sequence() {
    let hub = EventHub::new(16);
    let mut rx = hub.subscribe();
    hub.publish(Event::new("a", Value::Null));
    hub.publish(Event::new("b", Value::Null));
    assert_eq!(rx.recv().await.unwrap().seq, 1);
    let second = rx.recv().await.unwrap();
    assert_eq!((second.seq, second.event.name.as_str()), (2, "b"));
    assert_eq!(hub.last_seq(), 2);
}

#[tokio::test]
async fn resume_replays_what_was_missed_then_continues_live() {
    let hub = EventHub::new(8);
    publish(&hub, 5);
    let mut sub = hub.subscribe_after(Some(2));
    assert_eq!(sub.last_seq, 5);
    assert_eq!(seqs(sub.resume), [3, 4, 5]);
    publish(&hub, 1);
    assert_eq!(sub.cursor.recv().await.unwrap().seq, 6);
    assert!(seqs(hub.subscribe_after(Some(6)).resume).is_empty());
}

#[test]
fn resume_past_the_buffer_or_from_another_run_needs_a_resync() {
    let hub = EventHub::with_replay(8, 4);
    publish(&hub, 10);
    assert_eq!(seqs(hub.subscribe_after(Some(6)).resume), [7, 8, 9, 10]);
    assert!(matches!(
        hub.subscribe_after(Some(5)).resume,
        Some(Resume::TooOld { oldest_kept: 7 })
    ));
    assert!(matches!(
        hub.subscribe_after(Some(11)).resume,
        Some(Resume::Unknown)
    ));
    let none = EventHub::with_replay(8, 0);
    publish(&none, 1);
    assert!(matches!(
        none.subscribe_after(Some(0)).resume,
        Some(Resume::TooOld { oldest_kept: 0 })
    ));
}

#[test]
fn every_hub_has_its_own_epoch() {
    assert_ne!(EventHub::new(1).epoch(), EventHub::new(1).epoch());
}

#[tokio::test]
async fn a_cursor_more_than_the_ring_behind_is_lagged_then_reads_on() {
    let hub = EventHub::new(8);
    assert_eq!(hub.ring_size(), 8);
    let mut behind = hub.subscribe();
    publish(&hub, 8);
    // Exactly the ring behind: everything is still there.
    let mut seen = Vec::new();
    assert_eq!(behind.read(usize::MAX, |e| seen.push(e.seq)), Ok(8));
    assert_eq!(seen, (1..=8).collect::<Vec<_>>());
    // One more than the ring behind: the oldest unread slot was replaced.
    publish(&hub, 9);
    let read = behind.read(usize::MAX, |_| panic!("a replaced event was handed out"));
    assert_eq!(read, Err(Lagged { missed: 9 }));
    assert_eq!(behind.position(), 17);
    publish(&hub, 1);
    assert_eq!(behind.recv().await.unwrap().seq, 18);
    let mut far = hub.subscribe();
    publish(&hub, 20);
    assert_eq!(far.try_recv().unwrap_err(), Lagged { missed: 20 });
    assert_eq!(far.try_recv().unwrap(), None);
}

#[test]
fn read_hands_out_at_most_max_events_in_order() {
    let hub = EventHub::new(16);
    let mut cursor = hub.subscribe();
    publish(&hub, 5);
    let mut seen = Vec::new();
    assert_eq!(cursor.read(3, |e| seen.push(e.seq)), Ok(3));
    assert_eq!(cursor.behind(), 2);
    assert_eq!(cursor.read(10, |e| seen.push(e.seq)), Ok(2));
    assert_eq!(cursor.read(10, |e| seen.push(e.seq)), Ok(0));
    assert_eq!(seen, [1, 2, 3, 4, 5]);
}

#[test]
fn a_stalled_cursor_holds_no_event_beyond_the_ring() {
    let hub = EventHub::new(8);
    let stalled = hub.subscribe();
    let mut watcher = hub.subscribe();
    hub.publish(Event::new("big", Value::String("x".repeat(64 * 1024))));
    let first = Arc::downgrade(&watcher.try_recv().unwrap().unwrap());
    publish(&hub, 7);
    assert!(first.upgrade().is_some(), "still in the ring");
    publish(&hub, 1);
    assert!(
        first.upgrade().is_none(),
        "a cursor that never reads must not keep an event the ring has replaced"
    );
    assert_eq!(hub.subscriber_count(), 2);
    drop(stalled);
    assert_eq!(hub.subscriber_count(), 1);
}

#[test]
fn concurrent_publishers_are_read_in_seq_order_without_gaps() {
    const PUBLISHERS: usize = 4;
    const EACH: usize = 5_000;
    let hub = EventHub::new(PUBLISHERS * EACH);
    let mut cursor = hub.subscribe();
    let reader = std::thread::spawn(move || {
        let mut last_seq = 0;
        let mut last_of = [-1i64; PUBLISHERS];
        while last_seq < (PUBLISHERS * EACH) as u64 {
            cursor
                .read(usize::MAX, |e| {
                    assert_eq!(e.seq, last_seq + 1, "seq order without gaps");
                    last_seq = e.seq;
                    let field = |k: &str| e.event.payload.as_map().and_then(|m| m.get(k)?.as_i64());
                    let (Some(from), Some(n)) = (field("from"), field("n")) else {
                        panic!("payload {:?}", e.event.payload)
                    };
                    assert!(
                        n > last_of[from as usize],
                        "each publisher's events in its order"
                    );
                    last_of[from as usize] = n;
                    assert!(e.wire().contains(&format!(r#""seq":{}"#, e.seq)));
                })
                .expect("the ring holds every event");
            std::thread::yield_now();
        }
        last_of
    });
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|from| {
            let hub = hub.clone();
            std::thread::spawn(move || {
                for n in 0..EACH {
                    let payload = Value::map([
                        ("from", Value::Int(from as i64)),
                        ("n", Value::Int(n as i64)),
                    ]);
                    hub.publish(Event::new("tick", payload));
                }
            })
        })
        .collect();
    for p in publishers {
        p.join().unwrap();
    }
    assert_eq!(reader.join().unwrap(), [EACH as i64 - 1; PUBLISHERS]);
}

#[tokio::test]
async fn a_waiting_cursor_wakes_on_publish() {
    let hub = EventHub::new(8);
    let mut cursor = hub.subscribe();
    let publisher = hub.clone();
    let wait = tokio::spawn(async move { cursor.recv().await.map(|e| e.seq) });
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    publisher.publish(Event::new("a", Value::Null));
    let seq = tokio::time::timeout(std::time::Duration::from_secs(5), wait).await;
    assert_eq!(seq.unwrap().unwrap(), Ok(1));
}
