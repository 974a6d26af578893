//! Publishes a `health` event whenever the host's health changes: its overall status, a port's
//! status, or the runtime's state. Health is answered from memory, so sampling it every couple
//! of seconds costs next to nothing; the watcher starts with the first `/ws` client and stops
//! with the host.

use std::sync::atomic::Ordering;

use pryx_core_api::{Event, EventPublisher, Health, HostState, PortState, RuntimeState, Value};
use tokio::time::MissedTickBehavior;

use crate::routes::AppState;

/// What a change is judged by (not uptime, not log lines).
type Key = (HostState, PortState, PortState, PortState, RuntimeState);

fn key(h: &Health) -> Key {
    (
        h.status,
        h.ports.config.status,
        h.ports.skills.status,
        h.ports.telemetry.status,
        h.ports.runtime.state,
    )
}

/// Starts the watcher unless it runs already or is disabled.
pub(crate) fn ensure_watching(app: &AppState) {
    let ws = &app.ws;
    if ws.config.health_interval.is_zero() || ws.health_watch_started.swap(true, Ordering::AcqRel) {
        return;
    }
    ws.lifecycle.spawn(watch(app.clone()));
}

async fn watch(app: AppState) {
    let stop = app.ws.lifecycle.token().clone();
    let mut tick = tokio::time::interval(app.ws.config.health_interval);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last = key(&app.services.health.health());
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tick.tick() => {
                let health = app.services.health.health();
                let now = key(&health);
                if now != last {
                    last = now;
                    let payload = serde_json::to_value(&health)
                        .and_then(serde_json::from_value::<Value>)
                        .unwrap_or_default();
                    app.hub.publish(Event::new("health", payload));
                }
            }
        }
    }
}
