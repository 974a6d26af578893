// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveSocket } from "./socket";

/** A WebSocket double that records what the client sends and lets the test speak as the host. */
class FakeSocket {
  static all: FakeSocket[] = [];
  readonly url: string;
  readonly sent: unknown[] = [];
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed: number | null = null;
  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1000) {
    this.closed = code;
  }
  frame(value: unknown) {
    this.onmessage?.({ data: JSON.stringify(value) });
  }
  drop() {
    this.onclose?.();
  }
}

const last = () => FakeSocket.all[FakeSocket.all.length - 1] as FakeSocket;
const hello = (epoch: string, lastSeq: number) => ({
  type: "hello",
  protocol: 1,
  epoch,
  last_seq: lastSeq,
});
const event = (seq: number, name = "config.changed") => ({
  type: "event",
  seq,
  event: name,
  payload: {},
  timestamp: "t",
});

function socket(extra = {}) {
  return new LiveSocket({
    url: (q) => `ws://host/ws${q ? `?${q}` : ""}`,
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    random: () => 0.5,
    ...extra,
  });
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("LiveSocket", () => {
  it("reconnects with backoff and resumes from the last event it handled", async () => {
    const live = socket();
    const seen: number[] = [];
    live.onEvent("config.*", (e) => seen.push(e.seq));
    live.start();
    expect(last().url).toBe("ws://host/ws");
    last().frame(hello("e1", 41));
    expect(live.state).toBe("open");
    last().frame(event(42));
    last().frame(event(43, "skills.changed"));
    last().drop();
    expect(live.state).toBe("offline");
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200); // 250 ms base, jitter 0.5 -> 187.5 ms
    expect(FakeSocket.all).toHaveLength(2);
    expect(last().url).toBe("ws://host/ws?last_seq=43&epoch=e1");
    last().frame(hello("e1", 50));
    last().frame(event(43)); // a duplicate is never handled twice
    last().frame(event(44));
    expect(seen).toEqual([42, 44]);
  });

  it("backs off exponentially up to the maximum while the host is away", async () => {
    const live = socket({ maxBackoffMs: 1000 });
    live.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = FakeSocket.all.length;
      last().drop();
      let waited = 0;
      while (FakeSocket.all.length === before) {
        await vi.advanceTimersByTimeAsync(10);
        waited += 10;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([190, 380, 750, 750, 750]);
  });

  it("backfills recent events on the first connection only", async () => {
    const live = socket({ backfill: 3 });
    const seen: number[] = [];
    live.onEvent("*", (e) => seen.push(e.seq));
    live.start();
    last().frame(hello("e", 10));
    expect(last().sent).toEqual([{ type: "resume", last_seq: 7, epoch: "e" }]);
    // Live 11 and 12 arrive before the host handled the resume; then the replay, then live.
    [11, 12, 8, 9, 10, 11, 12, 13].forEach((seq) => last().frame(event(seq)));
    expect(seen).toEqual([11, 12, 8, 9, 10, 13]);
    await vi.advanceTimersByTimeAsync(3000);
    last().frame(event(13));
    expect(seen).toEqual([11, 12, 8, 9, 10, 13]);
    last().drop();
    await vi.advanceTimersByTimeAsync(200);
    last().frame(hello("e", 20));
    expect(last().sent).toEqual([]); // a reconnect resumes by its URL, no backfill
    expect(last().url).toContain("last_seq=13");
  });

  it("a resync moves the position and tells listeners to re-read", () => {
    const live = socket();
    const reasons: string[] = [];
    live.onResync((r) => reasons.push(r));
    live.start();
    last().frame(hello("e2", 5));
    last().frame({ type: "resync", reason: "restarted", last_seq: 9 });
    expect(reasons).toEqual(["restarted"]);
    expect(live.position).toEqual({ epoch: "e2", lastSeq: 9 });
  });

  it("answers requests by id and fails them when the connection drops", async () => {
    const live = socket();
    live.start();
    last().frame(hello("e", 0));
    const ok = live.request("skills.list");
    const bad = live.request("config.patch", { patch: {} });
    const [a, b] = last().sent as { id: string }[];
    last().frame({
      type: "response",
      id: b?.id,
      error: { code: "config_conflict", message: "stale" },
    });
    last().frame({ type: "response", id: a?.id, result: { skills: [] } });
    await expect(ok).resolves.toEqual({ skills: [] });
    await expect(bad).rejects.toMatchObject({ code: "config_conflict" });
    const pending = live.request("health");
    last().drop();
    await expect(pending).rejects.toMatchObject({ code: "offline" });
    await expect(live.request("health")).rejects.toMatchObject({ code: "offline" });
  });

  it("the watchdog closes a connection that stops answering pings and reconnects", async () => {
    const live = socket({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
    live.start();
    const first = last();
    first.frame(hello("e", 0));
    await vi.advanceTimersByTimeAsync(1000);
    expect(first.sent).toContainEqual(expect.objectContaining({ type: "ping" }));
    first.frame({ type: "pong" }); // alive
    await vi.advanceTimersByTimeAsync(1400);
    expect(first.closed).toBeNull();
    await vi.advanceTimersByTimeAsync(1000); // a ping goes unanswered
    expect(first.closed).toBe(4000);
    expect(live.state).toBe("offline");
    await vi.advanceTimersByTimeAsync(300);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("stops retrying when told the session is gone", async () => {
    const live = socket({ shouldRetry: async () => false });
    const states: string[] = [];
    live.onState((s) => states.push(s));
    live.start();
    last().drop();
    await vi.advanceTimersByTimeAsync(300);
    expect(live.state).toBe("stopped");
    expect(FakeSocket.all).toHaveLength(1);
    expect(states).toEqual(["connecting", "offline", "stopped"]);
  });
});
