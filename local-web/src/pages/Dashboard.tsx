// Host and runtime health, live; a restart button for a runtime that is down; the event feed.
import { useState } from "react";
import { call, describe, get } from "../api/client";
import type { HealthReply, RuntimeStatus } from "../api/types";
import { Badge } from "../components/Badge";
import { Empty, ErrorNote, Loading } from "../components/Notes";
import { useResource } from "../live/resource";
import { recentHealth } from "../auth";
import { feed } from "../state/live";
import { useStore } from "../state/store";

const DOWN = new Set(["failed", "stopped", "unresponsive", "unavailable"]);

/** The dashboard. */
export function DashboardPage() {
  const health = useResource(() => get("/api/v1/health"), ["health", "runtime.status"]);
  // Shown at once from the login check's answer until the fresh read arrives (it is re-read
  // on every `health` and `runtime.status` event).
  const [seed] = useState(() => recentHealth());
  const shown = health.data ?? seed ?? undefined;
  return (
    <div className="grid">
      {shown === undefined ? (
        health.status === "error" ? (
          <ErrorNote error={health.error} />
        ) : (
          <Loading what="health" />
        )
      ) : (
        <>
          <HostCard health={shown} />
          {shown.ports && <RuntimeCard status={shown.ports.runtime} onChanged={health.reload} />}
        </>
      )}
      <EventFeed />
    </div>
  );
}

function HostCard({ health }: { health: HealthReply }) {
  const ports = health.ports;
  return (
    <section className="card" aria-labelledby="host-h">
      <h2 id="host-h">
        Host <Badge label={health.status} />
      </h2>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{health.version}</dd>
        <dt>Up for</dt>
        <dd>{duration(health.uptime_ms)}</dd>
        {ports &&
          (["config", "skills", "telemetry"] as const).map((name) => (
            <div key={name} className="fact">
              <dt>
                {name[0]?.toUpperCase()}
                {name.slice(1)}
              </dt>
              <dd>
                <Badge label={ports[name].status} /> {ports[name].adapter}
                {ports[name].detail && <span className="muted"> — {ports[name].detail}</span>}
              </dd>
            </div>
          ))}
      </dl>
    </section>
  );
}

function RuntimeCard({ status, onChanged }: { status: RuntimeStatus; onChanged: () => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const down = DOWN.has(status.state);
  const restart = async () => {
    setBusy(true);
    setProblem(null);
    try {
      await call("post", "/api/v1/runtime/restart");
      onChanged();
    } catch (error) {
      setProblem(describe(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={`card ${down ? "card-bad" : ""}`} aria-labelledby="rt-h">
      <h2 id="rt-h">
        Agent runtime <Badge label={status.state} />
      </h2>
      {status.detail && <p>{status.detail}</p>}
      <dl className="facts">
        <dt>Version</dt>
        <dd>{status.version ?? "—"}</dd>
        <dt>Protocol</dt>
        <dd>{status.protocol_version ?? "—"}</dd>
        <dt>Process</dt>
        <dd>{status.pid ?? "not running"}</dd>
        <dt>Restarts</dt>
        <dd>{status.restarts}</dd>
      </dl>
      {status.last_stderr.length > 0 && (
        <details open={down}>
          <summary>Last lines on stderr ({status.last_stderr.length})</summary>
          <pre className="json">{status.last_stderr.join("\n")}</pre>
        </details>
      )}
      <div className="actions">
        <button
          type="button"
          className={down ? "primary" : ""}
          disabled={busy || status.state === "unavailable"}
          onClick={() => void restart()}
        >
          {busy ? "Restarting…" : down ? "Restart the runtime" : "Restart"}
        </button>
        {status.state === "unavailable" && (
          <span className="muted">The host was started without --runtime.</span>
        )}
      </div>
      {problem && <p className="error-text">{problem}</p>}
    </section>
  );
}

function EventFeed() {
  const events = useStore(feed);
  return (
    <section className="card wide" aria-labelledby="feed-h">
      <h2 id="feed-h">Live events</h2>
      {events.length === 0 ? (
        <Empty>
          No events yet. Changes made anywhere (CLI, another tab, the runtime) show here.
        </Empty>
      ) : (
        <ol className="feed" aria-live="polite">
          {events.slice(0, 30).map((event) => (
            <li key={event.seq}>
              <time dateTime={event.timestamp}>{clock(event.timestamp)}</time>
              <code>{event.event}</code>
              <span className="muted ellipsis">{summary(event.payload)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function summary(payload: unknown): string {
  const text = JSON.stringify(payload);
  return text === undefined ? "" : text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** `hh:mm:ss` of an RFC 3339 time, in local time. */
export function clock(timestamp: string): string {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? timestamp : date.toLocaleTimeString();
}

/** A duration in ms as "3d 4h", "5m 10s" or "12s". */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
